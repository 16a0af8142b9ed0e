/**
 * The safetensors file format (Hugging Face). elunet writes float32 tensors only; it reads them, and on request
 * hands back the tensors of any other dtype as raw bytes (the importer drops the ones it knows, such as
 * BatchNorm's int64 num_batches_tracked, and names any other).
 *
 *   bytes 0…7      N, the header length, unsigned 64-bit little-endian
 *   bytes 8…8+N    the header: UTF-8 JSON, padded with spaces (0x20) to a multiple of 8 bytes
 *                  { "<tensor name>": { "dtype": "F32", "shape": [d0, d1, …], "data_offsets": [begin, end] },
 *                    …,
 *                    "__metadata__": { "<key>": "<string value>", … } }        (optional; values are strings)
 *   bytes 8+N…     the data section: every tensor's values little-endian, row-major (C order); data_offsets
 *                  count from the start of the data section, end exclusive
 *
 * The tensors tile the data section exactly: sorted by begin, each starts where the previous one ended, and
 * the last ends at the end of the file; end − begin = (bytes of the dtype) · (product of shape), with
 * product [] = 1 (a scalar); F32 takes 4 bytes, I64 8 (DTYPE_BYTES). The reader checks all of this (as the reference Rust implementation does) and throws a DataError
 * naming the file, what was expected and what was found. Because N is a multiple of 8, the data section of
 * a file read into an aligned buffer is 8-byte aligned, which lets readers map tensors without copying.
 *
 * PyTorch reads the files with `safetensors.torch.load_file(path)`; tensor names follow PyTorch's
 * state_dict names (`conv1.weight`, `bn1.running_mean`), so `model.load_state_dict(...)` can take them when
 * the architecture matches.
 */
import { readFileSync } from 'node:fs';
import { DataError } from '../errors.js';
import { writeFileAtomic } from './atomic.js';

export interface NamedTensor {
  name: string;
  shape: number[];
  data: Float32Array;
}

/** A tensor of another dtype than F32: its little-endian bytes as stored, uninterpreted. */
export interface RawTensor {
  name: string;
  dtype: string;
  shape: number[];
  bytes: Uint8Array;
}

export interface SafetensorsContents {
  /** the F32 tensors, in the order of their data offsets (the order they were written in) */
  tensors: NamedTensor[];
  metadata: Record<string, string>;
  /** the tensors of other dtypes, in offset order: always empty unless `otherDtypes: 'keep'` */
  others: RawTensor[];
}

export interface DecodeOptions {
  /** a tensor of another dtype than F32: 'refuse' (the default) throws a DataError naming it; 'keep' returns
   *  it in `others` */
  otherDtypes?: 'refuse' | 'keep';
}

/** Bytes per value of every dtype the safetensors format defines. */
export const DTYPE_BYTES: Readonly<Record<string, number>> = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, I16: 2, U16: 2, F16: 2, BF16: 2, I32: 4, U32: 4, F32: 4, I64: 8, U64: 8, F64: 8,
};

/** The reference implementation refuses headers above 100 MB; so do we (it also bounds a corrupt N). */
export const MAX_HEADER_BYTES = 100_000_000;

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function product(shape: readonly number[]): number {
  return shape.reduce((p, d) => p * d, 1);
}

/** Builds the header bytes (with the 8-byte length prefix) for tensors written back to back in order. */
export function safetensorsHeader(tensors: readonly NamedTensor[], metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let pos = 0;
  for (const t of tensors) {
    if (t.name === '__metadata__' || t.name in header) {
      throw new DataError(`safetensors: tensor name '${t.name}' is reserved or used twice; names must be unique`);
    }
    const n = product(t.shape);
    if (n !== t.data.length) {
      throw new DataError(
        `safetensors: tensor '${t.name}' has shape [${t.shape.join(', ')}] (${n} values) but ${t.data.length} values were given`,
      );
    }
    header[t.name] = { dtype: 'F32', shape: t.shape, data_offsets: [pos, pos + 4 * n] };
    pos += 4 * n;
  }
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const padded = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + padded).fill(0x20, 8);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  return out;
}

/** The little-endian bytes of a float32 array (a view without copying on little-endian hosts). */
function f32Bytes(data: Float32Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(data.byteLength);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) dv.setFloat32(4 * i, data[i], true);
  return out;
}

/** The file as a list of chunks (header, then each tensor's bytes): what writeFileAtomic streams. */
export function safetensorsChunks(tensors: readonly NamedTensor[], metadata: Record<string, string> = {}): Uint8Array[] {
  return [safetensorsHeader(tensors, metadata), ...tensors.map((t) => f32Bytes(t.data))];
}

/** The whole file in one buffer. */
export function encodeSafetensors(tensors: readonly NamedTensor[], metadata: Record<string, string> = {}): Uint8Array {
  return Buffer.concat(safetensorsChunks(tensors, metadata));
}

/** Writes a safetensors file atomically; returns its size in bytes. */
export function writeSafetensors(path: string, tensors: readonly NamedTensor[], metadata: Record<string, string> = {}): number {
  return writeFileAtomic(path, safetensorsChunks(tensors, metadata));
}

/** Reads and validates a safetensors file. */
export function readSafetensors(path: string, opts: DecodeOptions = {}): SafetensorsContents {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DataError(`${path}: cannot read the safetensors file (${code ?? (e as Error).message})`);
  }
  return decodeSafetensors(bytes, path, opts);
}

/**
 * Parses and validates safetensors bytes. `file` names the source in error messages.
 * F32 data is copied into fresh (aligned) Float32Arrays; other dtypes are refused, or copied raw (opts).
 */
export function decodeSafetensors(bytes: Uint8Array, file = '<buffer>', opts: DecodeOptions = {}): SafetensorsContents {
  const bad = (expected: string, found: string): never => {
    throw new DataError(`${file}: not a valid safetensors file: expected ${expected}, found ${found}`);
  };
  if (bytes.length < 8) bad('at least 8 bytes (the header length)', `a file of ${bytes.length} bytes`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n64 = dv.getBigUint64(0, true);
  if (n64 > BigInt(Math.min(MAX_HEADER_BYTES, bytes.length - 8))) {
    bad(
      `a header length of at most ${Math.min(MAX_HEADER_BYTES, bytes.length - 8)} bytes (the file has ${bytes.length})`,
      `${n64} (the file is truncated, or not a safetensors file)`,
    );
  }
  const n = Number(n64);
  if (n < 2) bad('a JSON header of at least 2 bytes', `a header length of ${n}`);
  const headerText = Buffer.from(bytes.buffer, bytes.byteOffset + 8, n).toString('utf8');
  if (headerText[0] !== '{') bad("a JSON object header starting with '{'", `'${headerText.slice(0, 16)}'`);
  let header: unknown;
  try {
    header = JSON.parse(headerText);
  } catch (e) {
    return bad('a JSON header', `text that does not parse (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) bad('a JSON object header', typeof header);
  const dataStart = 8 + n;
  const dataLength = bytes.length - dataStart;

  let metadata: Record<string, string> = {};
  const entries: { name: string; dtype: string; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) bad('__metadata__ to be an object', JSON.stringify(value));
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (typeof v !== 'string') bad(`__metadata__ values to be strings`, `${k}: ${JSON.stringify(v)}`);
      }
      metadata = value as Record<string, string>;
      continue;
    }
    const info = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof info !== 'object' || info === null) bad(`tensor '${name}' to be described by an object`, JSON.stringify(value));
    const dtype = info.dtype;
    if (typeof dtype !== 'string' || !(dtype in DTYPE_BYTES)) {
      bad(`a safetensors dtype (${Object.keys(DTYPE_BYTES).join(', ')}) for tensor '${name}'`, JSON.stringify(dtype));
    }
    if (dtype !== 'F32' && opts.otherDtypes !== 'keep') {
      throw new DataError(`${file}: tensor '${name}' is ${dtype}; elunet reads float32 (F32) tensors only: convert it to float32 before saving`);
    }
    const size = DTYPE_BYTES[dtype as string];
    const shape = info.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
      bad(`the shape of '${name}' to be a list of integers ≥ 0`, JSON.stringify(shape));
    }
    const off = info.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every((o) => Number.isInteger(o) && o >= 0) || off[0] > off[1]) {
      bad(`data_offsets of '${name}' to be [begin, end] with 0 ≤ begin ≤ end`, JSON.stringify(off));
    }
    const [begin, end] = off as number[];
    if (end > dataLength) {
      bad(`the data of '${name}' (bytes ${begin}…${end}) to lie within the ${dataLength}-byte data section`, `end ${end} (the file is truncated?)`);
    }
    const count = product(shape as number[]);
    if (end - begin !== size * count) {
      bad(
        `'${name}' of shape [${(shape as number[]).join(', ')}] to hold ${size * count} bytes of ${dtype}`,
        `data_offsets [${begin}, ${end}] = ${end - begin} bytes`,
      );
    }
    entries.push({ name, dtype: dtype as string, shape: shape as number[], begin, end });
  }

  entries.sort((a, b) => a.begin - b.begin);
  let pos = 0;
  for (const e of entries) {
    if (e.begin !== pos) {
      bad(`the tensors to tile the data section without gaps or overlaps: '${e.name}' to begin at byte ${pos}`, `begin ${e.begin}`);
    }
    pos = e.end;
  }
  if (pos !== dataLength) {
    bad(`the data section to end where the last tensor ends (byte ${pos})`, `${dataLength} bytes of data (extra or missing bytes)`);
  }

  const others: RawTensor[] = entries
    .filter((e) => e.dtype !== 'F32')
    .map((e) => ({ name: e.name, dtype: e.dtype, shape: e.shape, bytes: bytes.slice(dataStart + e.begin, dataStart + e.end) }));
  const tensors: NamedTensor[] = entries.filter((e) => e.dtype === 'F32').map((e) => {
    const data = new Float32Array((e.end - e.begin) / 4);
    const src = bytes.subarray(dataStart + e.begin, dataStart + e.end);
    if (LITTLE_ENDIAN) new Uint8Array(data.buffer).set(src);
    else {
      const sv = new DataView(src.buffer, src.byteOffset, src.byteLength);
      for (let i = 0; i < data.length; i++) data[i] = sv.getFloat32(4 * i, true);
    }
    return { name: e.name, shape: e.shape, data };
  });
  return { tensors, metadata, others };
}
