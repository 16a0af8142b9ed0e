/**
 * Mini-batch assembly with the paper's CIFAR augmentation: pad 4 zero pixels on every border, take a random
 * H×W crop of the padded image, and flip it left–right with probability ½.
 *
 *   src: (N, C, H, W) dataset images      out: (B, C, H, W) the batch buffer (caller-owned, reused)
 *
 *   offsets dy, dx ∈ {0, …, 2·pad} uniform, flip ∈ {false, true} uniform, drawn from
 *   keyedRng(seed, step, sampleIndex) in that order, where sampleIndex is the sample's position in the
 *   GLOBAL mini-batch (so a worker that assembles rows [a, b) of the batch draws exactly what a single
 *   thread would for those rows);
 *   out[b,c,i,j] = src[idx_b, c, i + dy − pad, J + dx − pad]   with J = flip ? W−1−j : j,
 *                  and 0 where that source pixel lies outside the image (the zero padding).
 *
 * Zero is the mean after mean subtraction / GCN / ZCA, so the padding is "average" input.
 * Nothing is allocated per pixel or per image; the only per-sample object is the small keyed generator.
 */
import { ShapeError } from '../errors.js';
import { keyedRng } from '../rng.js';

export interface ImageShape {
  c: number;
  h: number;
  w: number;
}

export interface AugmentOptions {
  /** zero padding on each border before the random crop (paper: 4); 0 disables cropping */
  pad: number;
  /** random horizontal flips (paper: yes) */
  flip: boolean;
  /** the training run's seed */
  seed: number;
  /** the optimizer step (so every step sees new crops) */
  step: number;
  /** position of this call's first row in the global mini-batch (for workers; default 0) */
  batchOffset?: number;
}

/**
 * Copy one image with a fixed crop offset and flip (the deterministic core, also used by tests):
 * out[c,i,j] = src[c, i+dy−pad, (flip ? W−1−j : j)+dx−pad], 0 outside.
 */
export function cropFlip(
  out: Float32Array, outOffset: number,
  src: Float32Array, srcOffset: number,
  s: ImageShape, pad: number, dy: number, dx: number, flip: boolean,
): void {
  const { c, h, w } = s;
  const oy = dy - pad;
  const ox = dx - pad;
  // valid output columns: 0 ≤ J + ox < w for J = flip ? w−1−j : j
  for (let ch = 0; ch < c; ch++) {
    const plane = ch * h * w;
    for (let i = 0; i < h; i++) {
      const yRow = outOffset + plane + i * w;
      const sy = i + oy;
      if (sy < 0 || sy >= h) {
        out.fill(0, yRow, yRow + w);
        continue;
      }
      const xRow = srcOffset + plane + sy * w;
      for (let j = 0; j < w; j++) {
        const sx = (flip ? w - 1 - j : j) + ox;
        out[yRow + j] = sx >= 0 && sx < w ? src[xRow + sx] : 0;
      }
    }
  }
}

/**
 * Fill out (B rows) with the samples `indices` of images, augmented; labels into `labelsOut` when given.
 * indices.length = B; out must hold B·C·H·W floats.
 */
export function augmentBatch(
  out: Float32Array,
  labelsOut: Int32Array | null,
  images: Float32Array,
  labels: Int32Array | null,
  indices: ArrayLike<number>,
  s: ImageShape,
  opts: AugmentOptions,
): void {
  const d = s.c * s.h * s.w;
  const b = indices.length;
  if (out.length < b * d) throw new ShapeError(`augmentBatch: out holds ${out.length} floats, expected ≥ ${b}·${d}`);
  if (!Number.isInteger(opts.pad) || opts.pad < 0) throw new ShapeError(`augmentBatch: pad must be an integer ≥ 0, got ${opts.pad}`);
  const base = opts.batchOffset ?? 0;
  const span = 2 * opts.pad + 1;
  for (let r = 0; r < b; r++) {
    const idx = indices[r];
    const rng = keyedRng(opts.seed, opts.step, base + r);
    const dy = rng.int(span);
    const dx = rng.int(span);
    const flip = opts.flip && rng.uniform() < 0.5;
    cropFlip(out, r * d, images, idx * d, s, opts.pad, dy, dx, flip);
    if (labelsOut && labels) labelsOut[r] = labels[idx];
  }
}

/** Fill out with the samples `indices` of images unchanged (evaluation batches); labels too when given. */
export function gatherBatch(
  out: Float32Array,
  labelsOut: Int32Array | null,
  images: Float32Array,
  labels: Int32Array | null,
  indices: ArrayLike<number>,
  sampleSize: number,
): void {
  const b = indices.length;
  if (out.length < b * sampleSize) throw new ShapeError(`gatherBatch: out holds ${out.length} floats, expected ≥ ${b}·${sampleSize}`);
  for (let r = 0; r < b; r++) {
    const idx = indices[r];
    const xRow = idx * sampleSize;
    const yRow = r * sampleSize;
    for (let k = 0; k < sampleSize; k++) out[yRow + k] = images[xRow + k];
    if (labelsOut && labels) labelsOut[r] = labels[idx];
  }
}
