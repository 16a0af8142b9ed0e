/**
 * Mean squared error: the reconstruction loss of the autoencoder experiment.
 *
 *   pred: (count)   target: (count)
 *
 *   L = (1/count) Σ_i (pred[i] − target[i])²
 *
 * Backward (scale = 1/count for the mean; 1/(global count) for one shard of a data-parallel batch):
 *
 *   dpred[i] += scale · 2 · (pred[i] − target[i])
 *
 * Docs: docs/kernels/losses.md. Letters: docs/notation.md.
 */

/** Returns the mean of (pred − target)² over the first `count` elements. */
export function mseForward(pred: Float32Array, target: Float32Array, count: number): number {
  let sum = 0;
  for (let i = 0; i < count; i++) {
    const d = pred[i] - target[i];
    sum += d * d;
  }
  return sum / count;
}

/** dpred += scale · 2 · (pred − target). Accumulates. scale defaults to 1/count. */
export function mseBackward(
  dpred: Float32Array,
  pred: Float32Array,
  target: Float32Array,
  count: number,
  scale: number = 1 / count,
): void {
  const s2 = 2 * scale;
  for (let i = 0; i < count; i++) dpred[i] += s2 * (pred[i] - target[i]);
}
