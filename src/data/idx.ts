/**
 * MNIST / Fashion-MNIST in the IDX format (LeCun's files), gzipped or not.
 *
 * An IDX file is a big-endian header followed by raw bytes:
 *   images: magic 0x00000803 (unsigned byte, 3 dimensions), count, rows, cols  → 16-byte header
 *   labels: magic 0x00000801 (unsigned byte, 1 dimension), count               →  8-byte header
 * and then exactly count·rows·cols (or count) bytes. Gzipped files start with 1f 8b and are inflated first.
 *
 * A folder holds the four standard files, each with or without `.gz`, and with `-idx` or `.idx` before the
 * type (some mirrors ship `train-images.idx3-ubyte`):
 *   train-images-idx3-ubyte  train-labels-idx1-ubyte  t10k-images-idx3-ubyte  t10k-labels-idx1-ubyte
 * Debian's `dataset-fashion-mnist` installs the gzipped four under /usr/share/datasets/fashion-mnist/.
 *
 * Pixels become v/255 in [0, 1]; labels must lie in 0–9.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DataError } from '../errors.js';
import { allocImages, type Dataset, type Split, validateDataset, withValidation } from './dataset.js';

export const IDX_IMAGES_MAGIC = 0x00000803;
export const IDX_LABELS_MAGIC = 0x00000801;
const IDX_CLASSES = 10;

export const FASHION_MNIST_CLASS_NAMES = [
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
];
export const MNIST_CLASS_NAMES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

/** Read a file, inflating it when it starts with the gzip magic 1f 8b. */
export function readMaybeGzip(file: string): Buffer {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (e) {
    throw new DataError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      return gunzipSync(buf);
    } catch (e) {
      throw new DataError(`${file}: expected a valid gzip stream (starts with 1f 8b), found a corrupt or truncated one (${(e as Error).message})`);
    }
  }
  return buf;
}

function hex(v: number): string {
  return '0x' + (v >>> 0).toString(16).padStart(8, '0');
}

export interface IdxImages {
  count: number;
  rows: number;
  cols: number;
  /** count·rows·cols floats v/255 */
  pixels: Float32Array;
}

/** Parse an (inflated) IDX image file; `file` only names it in errors. */
export function parseIdxImages(buf: Uint8Array, file: string, shared = false): IdxImages {
  if (buf.length < 16) {
    throw new DataError(`${file}: expected an IDX image file with a 16-byte header, found ${buf.length} bytes`);
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const magic = view.getUint32(0, false);
  if (magic !== IDX_IMAGES_MAGIC) {
    const hint = magic === IDX_LABELS_MAGIC ? ' (that is a label file)' : '';
    throw new DataError(`${file}: expected IDX image magic ${hex(IDX_IMAGES_MAGIC)}, found ${hex(magic)}${hint}`);
  }
  const count = view.getUint32(4, false);
  const rows = view.getUint32(8, false);
  const cols = view.getUint32(12, false);
  if (rows === 0 || cols === 0) {
    throw new DataError(`${file}: expected positive image rows and cols in the header, found ${rows}×${cols}`);
  }
  const expected = 16 + count * rows * cols;
  if (buf.length !== expected) {
    throw new DataError(
      `${file}: expected 16 + ${count}·${rows}·${cols} = ${expected} bytes, found ${buf.length} (${buf.length < expected ? 'truncated' : 'trailing data'})`,
    );
  }
  const pixels = allocImages(count * rows * cols, shared);
  for (let i = 0; i < pixels.length; i++) pixels[i] = buf[16 + i] / 255;
  return { count, rows, cols, pixels };
}

/** Parse an (inflated) IDX label file; every label must be in [0, classes). */
export function parseIdxLabels(buf: Uint8Array, file: string, classes = IDX_CLASSES): Int32Array {
  if (buf.length < 8) {
    throw new DataError(`${file}: expected an IDX label file with an 8-byte header, found ${buf.length} bytes`);
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const magic = view.getUint32(0, false);
  if (magic !== IDX_LABELS_MAGIC) {
    const hint = magic === IDX_IMAGES_MAGIC ? ' (that is an image file)' : '';
    throw new DataError(`${file}: expected IDX label magic ${hex(IDX_LABELS_MAGIC)}, found ${hex(magic)}${hint}`);
  }
  const count = view.getUint32(4, false);
  if (buf.length !== 8 + count) {
    throw new DataError(
      `${file}: expected 8 + ${count} = ${8 + count} bytes, found ${buf.length} (${buf.length < 8 + count ? 'truncated' : 'trailing data'})`,
    );
  }
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const y = buf[8 + i];
    if (y >= classes) {
      throw new DataError(`${file}: expected labels 0–${classes - 1}, found ${y} at index ${i}`);
    }
    labels[i] = y;
  }
  return labels;
}

/** One Dataset from an image file and a label file; their counts must agree. */
export function loadIdxPair(
  imagesFile: string,
  labelsFile: string,
  name: string,
  opts: { classNames?: string[]; shared?: boolean } = {},
): Dataset {
  const img = parseIdxImages(readMaybeGzip(imagesFile), imagesFile, opts.shared);
  const labels = parseIdxLabels(readMaybeGzip(labelsFile), labelsFile);
  if (labels.length !== img.count) {
    throw new DataError(`${labelsFile}: expected ${img.count} labels to match ${imagesFile}, found ${labels.length}`);
  }
  return validateDataset({
    name,
    images: img.pixels,
    labels,
    n: img.count,
    c: 1,
    h: img.rows,
    w: img.cols,
    classes: IDX_CLASSES,
    classNames: opts.classNames,
    source: imagesFile,
  });
}

/** The four roles and the file names accepted for each, in the order they are tried. */
export const IDX_FILE_NAMES = {
  trainImages: ['train-images-idx3-ubyte', 'train-images.idx3-ubyte'],
  trainLabels: ['train-labels-idx1-ubyte', 'train-labels.idx1-ubyte'],
  testImages: ['t10k-images-idx3-ubyte', 't10k-images.idx3-ubyte'],
  testLabels: ['t10k-labels-idx1-ubyte', 't10k-labels.idx1-ubyte'],
} as const;

export type IdxRole = keyof typeof IDX_FILE_NAMES;

/** Every candidate name for a role: each base name plain and with `.gz`. */
function candidates(role: IdxRole): string[] {
  return IDX_FILE_NAMES[role].flatMap((b) => [b, `${b}.gz`]);
}

/** Paths of the four IDX files in `dir`, or null for a role that has none. */
export function findIdxFiles(dir: string): Record<IdxRole, string | null> {
  const out = {} as Record<IdxRole, string | null>;
  for (const role of Object.keys(IDX_FILE_NAMES) as IdxRole[]) {
    out[role] = candidates(role).map((f) => join(dir, f)).find((p) => existsSync(p) && statSync(p).isFile()) ?? null;
  }
  return out;
}

/** True when `dir` holds at least one standard IDX file (so loadDataset should treat it as an IDX folder). */
export function looksLikeIdxFolder(dir: string): boolean {
  return Object.values(findIdxFiles(dir)).some((p) => p !== null);
}

export interface IdxFolderOptions {
  /** class names; default: Fashion-MNIST's when the path mentions "fashion", else the digits */
  classNames?: string[];
  /** fraction of the training set held out for validation (stratified, seeded; default 0) */
  validationFraction?: number;
  seed?: number;
  shared?: boolean;
}

/** Train and test sets from a folder with the four standard IDX files. */
export function loadIdxFolder(dir: string, opts: IdxFolderOptions = {}): Split {
  const files = findIdxFiles(dir);
  const missing = (Object.keys(files) as IdxRole[]).filter((r) => files[r] === null);
  if (missing.length > 0) {
    const want = missing.map((r) => candidates(r).join(' | ')).join('; ');
    throw new DataError(`${dir}: expected the four IDX files, missing: ${want}`);
  }
  const classNames = opts.classNames ?? (/fashion/i.test(dir) ? FASHION_MNIST_CLASS_NAMES : MNIST_CLASS_NAMES);
  const base = /fashion/i.test(dir) ? 'fashion-mnist' : 'idx';
  const o = { classNames, shared: opts.shared };
  const train = loadIdxPair(files.trainImages!, files.trainLabels!, `${base}/train`, o);
  const test = loadIdxPair(files.testImages!, files.testLabels!, `${base}/test`, o);
  if (train.h !== test.h || train.w !== test.w) {
    throw new DataError(`${files.testImages}: expected ${train.h}×${train.w} images like the training set, found ${test.h}×${test.w}`);
  }
  return withValidation({ train, test }, opts.validationFraction ?? 0, opts.seed ?? 0, opts.shared);
}
