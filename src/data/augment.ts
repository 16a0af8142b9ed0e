/**
 * The paper's CIFAR augmentation: pad 4 zero pixels on every border, take a random H×W crop of the padded
 * image, and flip it left–right with probability ½.
 *
 *   src: (N, C, H, W) dataset images      out: the batch buffer (caller-owned, reused)
 *
 *   offsets dy, dx ∈ {0, …, 2·pad} uniform, then flip ∈ {false, true} uniform, drawn in that order from
 *   keyedRng(seed, step, sampleId, AUGMENT_KEY), where sampleId is the sample's index in the DATASET;
 *   out[c,i,j] = src[id, c, i + dy − pad, J + dx − pad]   with J = flip ? W−1−j : j,
 *                and 0 where that source pixel lies outside the image (the zero padding).
 *
 * Because the draw depends only on (seed, step, sample id), neither the batch position of a sample, nor the
 * micro-batch it lands in, nor the worker that assembles it changes what the network sees.
 * Zero is the mean after mean subtraction / GCN / ZCA, so the padding is "average" input.
 * Nothing is allocated per pixel or per image; the only per-sample object is the small keyed generator.
 */
import { keyedRng } from '../rng.js';

/** Which augmentation a run uses (`--augment`). */
export interface AugmentOptions {
  /** zero padding on each border before the random crop (paper: 4); 0 disables cropping */
  pad: number;
  /** random horizontal flips (paper: yes) */
  flip: boolean;
}

export const NO_AUGMENT: AugmentOptions = { pad: 0, flip: false };

/** The last key of the augmentation stream, so that it never coincides with another stream of the same sample. */
export const AUGMENT_KEY = 0x61756721;

export interface ImageShape {
  c: number;
  h: number;
  w: number;
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
 * out[outOffset …] ← sample `id` (its pixels at srcOffset of src), augmented as the file header says: the
 * crop offsets and the flip are drawn from keyedRng(seed, step, id, AUGMENT_KEY).
 */
export function augmentSample(
  out: Float32Array, outOffset: number,
  src: Float32Array, srcOffset: number,
  s: ImageShape, aug: AugmentOptions, seed: number, step: number, id: number,
): void {
  const rng = keyedRng(seed, step, id, AUGMENT_KEY);
  const span = 2 * aug.pad + 1;
  const dy = aug.pad > 0 ? rng.int(span) : 0;
  const dx = aug.pad > 0 ? rng.int(span) : 0;
  const flip = aug.flip && rng.uniform() < 0.5;
  cropFlip(out, outOffset, src, srcOffset, s, aug.pad, dy, dx, flip);
}
