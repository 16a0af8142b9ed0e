/**
 * Assembling a (micro-)batch: copy the chosen samples out of the dataset into a contiguous input buffer, with
 * the optional augmentation (zero-pad + random crop, horizontal flip; src/data/augment.ts), keyed by
 * (seed, step, sample id), so the batch a sample lands in, and the worker that assembles it, do not change
 * what the network sees.
 */
import { augmentSample, type AugmentOptions } from '../data/augment.js';
import type { Dataset } from '../data/dataset.js';

/** The part of a dataset (src/data/dataset.ts) the training loop needs; images are (N, C, H, W) floats. */
export type SampleSource = Pick<Dataset, 'images' | 'labels' | 'n' | 'c' | 'h' | 'w' | 'classes'>;

/** x[k] ← sample ids[offset + k], labels[k] ← its label (k < count), augmented when `aug` asks for it. */
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
    if (augment) augmentSample(x, dstBase, src.images, srcBase, src, aug, seed, step, id);
    else x.set(src.images.subarray(srcBase, srcBase + size), dstBase);
  }
}
