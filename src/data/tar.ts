/**
 * A minimal reader for (ustar / GNU / pax) tar archives held in memory, enough for the CIFAR archives.
 *
 * A tar file is a sequence of 512-byte blocks. Each entry is one header block followed by its data, padded
 * to a whole number of blocks; two zero blocks end the archive. Header fields used here (ASCII):
 *   name  [0, 100)    size [124, 136) octal (or base-256 when the first byte has its top bit set)
 *   chksum [148, 156) octal: the byte sum of the header with this field taken as spaces
 *   typeflag [156]    '0' or NUL = regular file, '5' = directory, 'L' = GNU long name of the next entry,
 *                     'x' / 'g' = pax extended headers ("<len> path=<name>\n" records)
 *   magic [257, 263)  "ustar"      prefix [345, 500): ustar directory prefix of the name
 */
import { DataError } from '../errors.js';

export interface TarEntry {
  /** path inside the archive, e.g. 'cifar-10-batches-bin/data_batch_1.bin' */
  name: string;
  /** the file's bytes (a view into the archive buffer, not a copy) */
  data: Uint8Array;
}

const BLOCK = 512;

function cstring(buf: Uint8Array, start: number, len: number): string {
  let end = start;
  while (end < start + len && buf[end] !== 0) end++;
  return Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString('utf8');
}

function octal(buf: Uint8Array, start: number, len: number, file: string, field: string): number {
  if (buf[start] & 0x80) {
    // GNU base-256: big-endian binary in the remaining bits
    let v = buf[start] & 0x7f;
    for (let i = 1; i < len; i++) v = v * 256 + buf[start + i];
    return v;
  }
  const s = cstring(buf, start, len).trim();
  if (!/^[0-7]*$/.test(s)) {
    throw new DataError(`${file}: expected an octal tar ${field} field, found "${s}" (not a tar archive?)`);
  }
  return s === '' ? 0 : parseInt(s, 8);
}

/** The regular files in a tar archive, in archive order. `file` names the archive in errors. */
export function readTar(buf: Uint8Array, file: string): TarEntry[] {
  const entries: TarEntry[] = [];
  let off = 0;
  let longName: string | null = null;
  while (off + BLOCK <= buf.length) {
    let zero = true;
    for (let i = 0; i < BLOCK; i++) {
      if (buf[off + i] !== 0) {
        zero = false;
        break;
      }
    }
    if (zero) return entries; // end-of-archive marker

    const stored = octal(buf, off + 148, 8, file, 'checksum');
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : buf[off + i];
    if (sum !== stored) {
      throw new DataError(`${file}: expected tar header checksum ${stored} at byte ${off}, found ${sum} (corrupt or not a tar archive)`);
    }
    const size = octal(buf, off + 124, 12, file, 'size');
    const type = String.fromCharCode(buf[off + 156] || 0x30);
    const magic = cstring(buf, off + 257, 6);
    let name = cstring(buf, off, 100);
    if (magic.startsWith('ustar')) {
      const prefix = cstring(buf, off + 345, 155);
      if (prefix) name = `${prefix}/${name}`;
    }
    const dataStart = off + BLOCK;
    if (dataStart + size > buf.length) {
      throw new DataError(`${file}: expected ${size} bytes for tar entry "${name}", found ${buf.length - dataStart} (truncated archive)`);
    }
    const data = buf.subarray(dataStart, dataStart + size);
    if (type === 'L') {
      longName = cstring(data, 0, data.length);
    } else if (type === 'x') {
      const text = Buffer.from(data.buffer, data.byteOffset, data.length).toString('utf8');
      const m = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(text);
      if (m) longName = m[1];
    } else if (type === 'g') {
      // global pax header: nothing we need
    } else {
      if (longName !== null) {
        name = longName;
        longName = null;
      }
      if (type === '0' || type === '7') entries.push({ name, data });
    }
    off = dataStart + Math.ceil(size / BLOCK) * BLOCK;
  }
  if (off !== buf.length) {
    throw new DataError(`${file}: expected whole 512-byte tar blocks, found ${buf.length - off} trailing bytes at ${off} (truncated archive)`);
  }
  return entries; // archives without the two zero blocks are accepted
}

/** The inverse, for tests and for writing small archives: ustar with names up to 100 bytes. */
export function writeTar(entries: { name: string; data: Uint8Array }[]): Uint8Array {
  let total = 2 * BLOCK;
  for (const e of entries) total += BLOCK + Math.ceil(e.data.length / BLOCK) * BLOCK;
  const out = new Uint8Array(total);
  let off = 0;
  const put = (s: string, at: number, len: number) => {
    const b = Buffer.from(s, 'utf8');
    if (b.length > len) throw new DataError(`writeTar: "${s}" does not fit in ${len} bytes`);
    out.set(b, at);
  };
  for (const e of entries) {
    put(e.name, off, 100);
    put('0000644\0', off + 100, 8);
    put('0000000\0', off + 108, 8);
    put('0000000\0', off + 116, 8);
    put(e.data.length.toString(8).padStart(11, '0') + '\0', off + 124, 12);
    put('00000000000\0', off + 136, 12);
    out[off + 156] = 0x30;
    put('ustar\0', off + 257, 6);
    put('00', off + 263, 2);
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : out[off + i];
    put(sum.toString(8).padStart(6, '0') + '\0 ', off + 148, 8);
    out.set(e.data, off + BLOCK);
    off += BLOCK + Math.ceil(e.data.length / BLOCK) * BLOCK;
  }
  return out;
}
