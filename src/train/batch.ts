/**
 * Assembling a (micro-)batch: copy the chosen samples out of the dataset into a contiguous input buffer, with
 * the optional augmentation (zero-pad + random crop, horizontal flip) drawn from keyedRng(seed, step, id).
 * Because the random numbers depend only on (seed, step, sample id), the batch a sample lands in, and the
 * worker that assembles it, do not change what the network sees.
 */
import { keyedRng } from '../rng.js';
import { cropFlip } from '../data/augment.js';
import type { Dataset } from '../data/dataset.js';

/** The part of a dataset (src/data/dataset.ts) the training loop needs; images are (N, C, H, W) floats. */
export type SampleSource = Pick<Dataset, 'images' | 'labels' | 'n' | 'c' | 'h' | 'w' | 'classes'>;

export interface AugmentOptions {
  /** zero padding for the random crop (the paper: 4); 0 = no crop */
  pad: number;
  /** random horizontal flips */
  flip: boolean;
}

export const NO_AUGMENT: AugmentOptions = { pad: 0, flip: false };

/**
 * x[k] ← sample ids[k] (k < count), augmented when `aug` asks for it.
 * Crop: the image is placed at offset (dy, dx) ∈ [−pad, pad]² with zeros outside, i.e. a random H×W window
 * of the zero-padded (H+2·pad)×(W+2·pad) image. Flip mirrors columns.
 */
export function assembleBatch(
  x: Float32Array,
  labels: Int32Array,
  src: SampleSource,
  ids: ArrayLike<number>,
  offset: number,
  count: number,
  aug: AugmentOptions,
  seed: number,
  step: number,
): void {
  const size = src.c * src.h * src.w;
  const augment = aug.pad > 0 || aug.flip;
  for (let k = 0; k < count; k++) {
    const id = ids[offset + k];
    labels[k] = src.labels[id];
    const srcBase = id * size;
    const dstBase = k * size;
    if (!augment) {
      x.set(src.images.subarray(srcBase, srcBase + size), dstBase);
      continue;
    }
    const rng = keyedRng(seed, step, id, 0x61756721);
    const span = 2 * aug.pad + 1;
    const dy = aug.pad > 0 ? rng.int(span) : 0;
    const dx = aug.pad > 0 ? rng.int(span) : 0;
    const flip = aug.flip && rng.uniform() < 0.5;
    cropFlip(x, dstBase, src.images, srcBase, src, aug.pad, dy, dx, flip);
  }
}
