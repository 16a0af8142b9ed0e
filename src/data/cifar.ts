/**
 * CIFAR-10 and CIFAR-100 in their binary formats, from a folder or straight from the .tar.gz archive.
 *
 * CIFAR-10  (cifar-10-binary.tar.gz → cifar-10-batches-bin/): data_batch_1.bin … data_batch_5.bin (train,
 *           5 × 10,000) and test_batch.bin (10,000). Each record is 1 + 3072 bytes: the label (0–9), then
 *           the 32×32 red plane, green plane and blue plane, each row-major — exactly (C,H,W) order.
 *           Class names: batches.meta.txt, one per line.
 * CIFAR-100 (cifar-100-binary.tar.gz → cifar-100-binary/): train.bin (50,000) and test.bin (10,000). Each
 *           record is 2 + 3072 bytes: the coarse label (0–19), the fine label (0–99), then the pixels. We
 *           use the fine labels (100 classes), as the ELU paper does. Class names: fine_label_names.txt.
 *
 * Checks: every expected file is present, its size is a positive multiple of the record length, and every
 * label is in range. Pixels become v/255 in [0, 1].
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { DataError } from '../errors.js';
import { allocImages, type Dataset, type Split, validateDataset, withValidation } from './dataset.js';
import { readMaybeGzip } from './idx.js';
import { readTar } from './tar.js';

const PIXELS = 3 * 32 * 32;

export type CifarKind = 'cifar10' | 'cifar100';

interface CifarLayout {
  train: string[];
  test: string;
  /** label bytes before the pixels, and which of them is used */
  labelBytes: number;
  labelAt: number;
  classes: number;
  /** the second label byte of CIFAR-100 (coarse, checked for range too) */
  otherLabel?: { at: number; classes: number };
  namesFile: string;
  archive: string;
  topFolder: string;
}

export const CIFAR_LAYOUTS: Record<CifarKind, CifarLayout> = {
  cifar10: {
    train: [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`),
    test: 'test_batch.bin',
    labelBytes: 1,
    labelAt: 0,
    classes: 10,
    namesFile: 'batches.meta.txt',
    archive: 'cifar-10-binary.tar.gz',
    topFolder: 'cifar-10-batches-bin',
  },
  cifar100: {
    train: ['train.bin'],
    test: 'test.bin',
    labelBytes: 2,
    labelAt: 1,
    classes: 100,
    otherLabel: { at: 0, classes: 20 },
    namesFile: 'fine_label_names.txt',
    archive: 'cifar-100-binary.tar.gz',
    topFolder: 'cifar-100-binary',
  },
};

/** Where the CIFAR files come from: a folder on disk, or the entries of an archive (keyed by base name). */
interface FileSource {
  /** how a file is named in messages */
  describe(name: string): string;
  /** whether the file exists (cheap: does not read it) */
  has(name: string): boolean;
  get(name: string): Uint8Array | null;
  source: string;
}

function folderSource(dir: string): FileSource {
  return {
    source: dir,
    describe: (name) => join(dir, name),
    has: (name) => existsSync(join(dir, name)) && statSync(join(dir, name)).isFile(),
    get: (name) => {
      const p = join(dir, name);
      return existsSync(p) && statSync(p).isFile() ? readFileSync(p) : null;
    },
  };
}

function archiveSource(file: string): FileSource {
  const entries = readTar(readMaybeGzip(file), file);
  const byBase = new Map<string, { name: string; data: Uint8Array }>();
  for (const e of entries) byBase.set(basename(e.name), e);
  return {
    source: file,
    describe: (name) => `${file}:${byBase.get(name)?.name ?? name}`,
    has: (name) => byBase.has(name),
    get: (name) => byBase.get(name)?.data ?? null,
  };
}

/** Which CIFAR variant a source holds, judged by the file names present; null if neither. */
function detectKind(src: FileSource): CifarKind | null {
  if (src.has(CIFAR_LAYOUTS.cifar10.test) || src.has(CIFAR_LAYOUTS.cifar10.train[0])) return 'cifar10';
  if (src.has(CIFAR_LAYOUTS.cifar100.test) || src.has(CIFAR_LAYOUTS.cifar100.train[0])) return 'cifar100';
  return null;
}

/** Parse one binary batch (or several concatenated) into a Dataset. */
export function parseCifarRecords(
  bufs: { data: Uint8Array; file: string }[],
  kind: CifarKind,
  name: string,
  source: string,
  classNames?: string[],
  shared = false,
): Dataset {
  const L = CIFAR_LAYOUTS[kind];
  const rec = L.labelBytes + PIXELS;
  let n = 0;
  for (const { data, file } of bufs) {
    if (data.length === 0 || data.length % rec !== 0) {
      throw new DataError(
        `${file}: expected a positive multiple of ${rec}-byte ${kind} records, found ${data.length} bytes (${data.length % rec} left over)`,
      );
    }
    n += data.length / rec;
  }
  const images = allocImages(n * PIXELS, shared);
  const labels = new Int32Array(n);
  let i = 0;
  for (const { data, file } of bufs) {
    for (let r = 0; r < data.length; r += rec, i++) {
      const y = data[r + L.labelAt];
      if (y >= L.classes) {
        throw new DataError(`${file}: expected labels 0–${L.classes - 1}, found ${y} in record ${r / rec}`);
      }
      if (L.otherLabel && data[r + L.otherLabel.at] >= L.otherLabel.classes) {
        throw new DataError(
          `${file}: expected coarse labels 0–${L.otherLabel.classes - 1}, found ${data[r + L.otherLabel.at]} in record ${r / rec}`,
        );
      }
      labels[i] = y;
      const px = r + L.labelBytes;
      const o = i * PIXELS;
      for (let p = 0; p < PIXELS; p++) images[o + p] = data[px + p] / 255;
    }
  }
  return validateDataset({ name, images, labels, n, c: 3, h: 32, w: 32, classes: L.classes, classNames, source });
}

function readNames(src: FileSource, L: CifarLayout): string[] | undefined {
  const buf = src.get(L.namesFile);
  if (!buf) return undefined;
  const names = Buffer.from(buf.buffer, buf.byteOffset, buf.length)
    .toString('utf8')
    .split(/\r?\n/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (names.length !== L.classes) {
    throw new DataError(`${src.describe(L.namesFile)}: expected ${L.classes} class names, found ${names.length}`);
  }
  return names;
}

function loadFromSource(src: FileSource, kind: CifarKind, opts: CifarOptions): Split {
  const L = CIFAR_LAYOUTS[kind];
  const missing = [...L.train, L.test].filter((f) => !src.has(f));
  if (missing.length > 0) {
    throw new DataError(`${src.source}: expected the ${kind} binary files ${[...L.train, L.test].join(', ')}; missing: ${missing.join(', ')}`);
  }
  const names = readNames(src, L);
  const shared = opts.shared ?? false;
  const train = parseCifarRecords(
    L.train.map((f) => ({ data: src.get(f)!, file: src.describe(f) })),
    kind,
    `${kind}/train`,
    src.source,
    names,
    shared,
  );
  const test = parseCifarRecords([{ data: src.get(L.test)!, file: src.describe(L.test) }], kind, `${kind}/test`, src.source, names, shared);
  return withValidation({ train, test }, opts.validationFraction ?? 0, opts.seed ?? 0, shared);
}

export interface CifarOptions {
  /** force the variant instead of detecting it from the file names */
  kind?: CifarKind;
  validationFraction?: number;
  seed?: number;
  shared?: boolean;
}

/**
 * Resolve a path to the place the CIFAR files are: the path itself (a folder with the .bin files, or an
 * archive), or inside it the standard extracted folder or archive. Null when nothing is found.
 */
export function findCifar(path: string): { kind: CifarKind; at: string; archive: boolean } | null {
  if (!existsSync(path)) return null;
  if (statSync(path).isFile()) {
    if (!/\.(tar\.gz|tgz|tar)$/i.test(path)) return null;
    const kind: CifarKind | null = /100/.test(basename(path)) ? 'cifar100' : /10/.test(basename(path)) ? 'cifar10' : null;
    return { kind: kind ?? 'cifar10', at: path, archive: true };
  }
  const here = detectKind(folderSource(path));
  if (here) return { kind: here, at: path, archive: false };
  for (const kind of ['cifar10', 'cifar100'] as CifarKind[]) {
    const L = CIFAR_LAYOUTS[kind];
    const sub = join(path, L.topFolder);
    if (existsSync(sub) && statSync(sub).isDirectory() && detectKind(folderSource(sub))) return { kind, at: sub, archive: false };
    const arc = join(path, L.archive);
    if (existsSync(arc)) return { kind, at: arc, archive: true };
  }
  return null;
}

/** CIFAR-10 or CIFAR-100 from a folder or a .tar.gz archive (see findCifar for the places looked at). */
export function loadCifar(path: string, opts: CifarOptions = {}): Split {
  const found = findCifar(path);
  if (!found) {
    const looked = Object.values(CIFAR_LAYOUTS)
      .map((L) => `${[...L.train, L.test].join(', ')} (or ${L.topFolder}/, ${L.archive})`)
      .join('; or ');
    throw new DataError(`${path}: expected CIFAR binary files: ${looked}; found none`);
  }
  if (!found.archive) return loadFromSource(folderSource(found.at), opts.kind ?? found.kind, opts);
  const src = archiveSource(found.at);
  const kind = opts.kind ?? detectKind(src);
  if (!kind) {
    throw new DataError(`${found.at}: expected a CIFAR archive holding ${CIFAR_LAYOUTS.cifar10.test} or ${CIFAR_LAYOUTS.cifar100.test}, found neither`);
  }
  return loadFromSource(src, kind, opts);
}

/** True when loadCifar would find something at `path` (used by loadDataset's detection). */
export function looksLikeCifar(path: string): boolean {
  try {
    return findCifar(path) !== null;
  } catch {
    return false;
  }
}

/** Files in a folder (for error messages listing what was found). */
export function listFolder(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}
