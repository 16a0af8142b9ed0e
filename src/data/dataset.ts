/**
 * The in-memory dataset every loader returns, and the few operations on it that do not depend on the file
 * format: validation, subsets, seeded class-stratified splits, label histograms.
 *
 *   images: (N, C, H, W) float32, row-major, one sample = C·H·W consecutive floats, usually in [0, 1]
 *   labels: (N) int32 in [0, classes)
 *
 * A Dataset is plain data (typed arrays and numbers), so it can be posted to a worker thread, and with
 * `shared: true` its images live in a SharedArrayBuffer that every worker reads without a copy.
 */
import { DataError, ShapeError } from '../errors.js';
import { Rng } from '../rng.js';

export interface Dataset {
  /** short name such as 'mnist-embedded/train' or 'cifar10/test' */
  name: string;
  /** (N, C, H, W) pixels, float32 */
  images: Float32Array;
  /** (N) class indices in [0, classes) */
  labels: Int32Array;
  n: number;
  c: number;
  h: number;
  w: number;
  classes: number;
  classNames?: string[];
  /** where the data came from (a file, folder or archive path) */
  source: string;
}

export interface Split {
  train: Dataset;
  test: Dataset;
  /** present when a validation fraction was asked for: carved out of the training set, stratified */
  validation?: Dataset;
}

/** A Float32Array of `length` zeros, on a SharedArrayBuffer when `shared` (for worker threads). */
export function allocImages(length: number, shared = false): Float32Array {
  return shared ? new Float32Array(new SharedArrayBuffer(length * 4)) : new Float32Array(length);
}

/** Floats in one sample: C·H·W. */
export function sampleSize(ds: Dataset): number {
  return ds.c * ds.h * ds.w;
}

/**
 * Throws a DataError unless the arrays have the declared sizes, every label is in [0, classes) and every
 * pixel is finite. Every loader calls this last, so a Dataset that exists is a consistent one.
 */
export function validateDataset(ds: Dataset): Dataset {
  const where = `${ds.name} (${ds.source})`;
  for (const [k, v] of [['n', ds.n], ['c', ds.c], ['h', ds.h], ['w', ds.w], ['classes', ds.classes]] as const) {
    if (!Number.isInteger(v) || v < (k === 'n' ? 0 : 1)) {
      throw new DataError(`${where}: expected ${k} to be a positive integer, found ${v}`);
    }
  }
  const d = ds.c * ds.h * ds.w;
  if (ds.images.length !== ds.n * d) {
    throw new DataError(`${where}: expected ${ds.n}·${ds.c}·${ds.h}·${ds.w} = ${ds.n * d} pixels, found ${ds.images.length}`);
  }
  if (ds.labels.length !== ds.n) {
    throw new DataError(`${where}: expected ${ds.n} labels, found ${ds.labels.length}`);
  }
  for (let i = 0; i < ds.n; i++) {
    const y = ds.labels[i];
    if (y < 0 || y >= ds.classes) {
      throw new DataError(`${where}: expected labels in [0, ${ds.classes}), found ${y} at sample ${i}`);
    }
  }
  const x = ds.images;
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i])) {
      throw new DataError(`${where}: expected finite pixels, found ${x[i]} at sample ${Math.floor(i / d)}`);
    }
  }
  if (ds.classNames !== undefined && ds.classNames.length !== ds.classes) {
    throw new DataError(`${where}: expected ${ds.classes} class names, found ${ds.classNames.length}`);
  }
  return ds;
}

/** How many samples of each class: hist[k] = #{i : labels[i] = k}. */
export function labelHistogram(ds: Pick<Dataset, 'labels' | 'classes'>): number[] {
  const hist = new Array<number>(ds.classes).fill(0);
  for (let i = 0; i < ds.labels.length; i++) hist[ds.labels[i]]++;
  return hist;
}

/** True when the images live in a SharedArrayBuffer. */
export function isShared(ds: Dataset): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && ds.images.buffer instanceof SharedArrayBuffer;
}

/**
 * A new Dataset holding the samples `indices` (in that order); pixels are copied, into shared memory when
 * `shared` (default: when the source's are).
 */
export function subset(ds: Dataset, indices: ArrayLike<number>, name = ds.name, shared = isShared(ds)): Dataset {
  const d = sampleSize(ds);
  const m = indices.length;
  const images = allocImages(m * d, shared);
  const labels = new Int32Array(m);
  for (let r = 0; r < m; r++) {
    const i = indices[r];
    if (!Number.isInteger(i) || i < 0 || i >= ds.n) {
      throw new ShapeError(`subset of ${ds.name}: index ${i} at position ${r} is outside [0, ${ds.n})`);
    }
    images.set(ds.images.subarray(i * d, (i + 1) * d), r * d);
    labels[r] = ds.labels[i];
  }
  return { ...ds, name, images, labels, n: m };
}

/**
 * The first `count` samples (all of them if count ≥ n). Handy for quick CPU runs. The pixels are copied
 * (into shared memory when the source's are shared), so the big source array can be freed.
 */
export function take(ds: Dataset, count: number): Dataset {
  if (count >= ds.n) return ds;
  if (!Number.isInteger(count) || count < 0) throw new ShapeError(`take ${ds.name}: count must be an integer ≥ 0, got ${count}`);
  const d = sampleSize(ds);
  const images = allocImages(count * d, isShared(ds));
  images.set(ds.images.subarray(0, count * d));
  return { ...ds, name: `${ds.name}[:${count}]`, images, labels: ds.labels.slice(0, count), n: count };
}

/**
 * Seeded, class-stratified split of the indices 0..n−1 into (kept, heldOut).
 *
 * The held-out total is round(n·fraction); it is shared among classes by the largest-remainder rule
 * (class k gets ⌊n_k·fraction⌋ plus one for the classes with the largest fractional parts, ties broken by
 * class index), so every class keeps its proportion to within one sample. Within each class the samples
 * are chosen by a seeded shuffle; both index lists are then shuffled, so neither is ordered by class.
 */
export function stratifiedSplitIndices(
  labels: Int32Array,
  classes: number,
  fraction: number,
  seed: number,
): { kept: Int32Array; heldOut: Int32Array } {
  if (!(fraction >= 0 && fraction < 1)) {
    throw new ShapeError(`stratified split: fraction must be in [0, 1), got ${fraction}`);
  }
  const n = labels.length;
  const byClass: number[][] = Array.from({ length: classes }, () => []);
  for (let i = 0; i < n; i++) byClass[labels[i]].push(i);

  const total = Math.round(n * fraction);
  const quota = byClass.map((idx) => Math.floor(idx.length * fraction));
  let left = total - quota.reduce((a, b) => a + b, 0);
  const order = byClass
    .map((idx, k) => ({ k, rem: idx.length * fraction - quota[k] }))
    .sort((a, b) => b.rem - a.rem || a.k - b.k);
  for (let r = 0; left > 0 && r < order.length; r++) {
    const k = order[r].k;
    if (quota[k] < byClass[k].length) {
      quota[k]++;
      left--;
    }
  }

  const rng = new Rng(seed);
  const kept: number[] = [];
  const heldOut: number[] = [];
  for (let k = 0; k < classes; k++) {
    const idx = rng.shuffle(byClass[k].slice());
    for (let r = 0; r < idx.length; r++) (r < quota[k] ? heldOut : kept).push(idx[r]);
  }
  return { kept: rng.shuffle(Int32Array.from(kept)), heldOut: rng.shuffle(Int32Array.from(heldOut)) };
}

/** Split one Dataset into (train, test) by a seeded stratified split; see stratifiedSplitIndices. */
export function stratifiedSplit(
  ds: Dataset,
  fraction: number,
  seed: number,
  names: [string, string],
  shared = false,
): [Dataset, Dataset] {
  const { kept, heldOut } = stratifiedSplitIndices(ds.labels, ds.classes, fraction, seed);
  return [subset(ds, kept, names[0], shared), subset(ds, heldOut, names[1], shared)];
}

/**
 * Carve a validation set out of split.train (stratified, seeded); the test set is untouched.
 * A fraction of 0 returns the split unchanged.
 */
export function withValidation(split: Split, fraction: number, seed: number, shared = false): Split {
  if (!fraction) return split;
  const base = split.train.name.replace(/\/train$/, '');
  const [train, validation] = stratifiedSplit(split.train, fraction, seed ^ 0x5f3759df, [`${base}/train`, `${base}/validation`], shared);
  return { train, test: split.test, validation };
}
