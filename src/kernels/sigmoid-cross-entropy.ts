/**
 * Sigmoid (logistic) cross-entropy on logits: a loss for targets in [0, 1], e.g. autoencoder pixels.
 *
 *   logits x: (count)   target t: (count), each in [0, 1]
 *
 *   σ(x) = 1 / (1 + e⁻ˣ)
 *   L    = (1/count) Σ_i −( t·log σ(x) + (1−t)·log(1 − σ(x)) )
 *        = (1/count) Σ_i  max(x,0) − x·t + log1p(e^(−|x|))                (the same, written stably)
 *
 * Backward (scale = 1/count for the mean):
 *
 *   dx[i] += scale · (σ(x[i]) − t[i])
 *
 * Why the second form: with x = 100 the first form needs log(1 − σ(100)) = log(0) = −∞ in floating point.
 * Using log σ(x) = −log(1 + e⁻ˣ) and log(1 − σ(x)) = −x − log(1 + e⁻ˣ), the sum becomes
 * x − x·t + log(1 + e⁻ˣ); for x < 0 factor out eˣ instead. Both cases are max(x,0) − x·t + log1p(e^(−|x|)),
 * in which exp never sees a positive argument. σ is evaluated the same way (e^(−|x|) only).
 *
 * Docs: docs/kernels/losses.md. Letters: docs/notation.md.
 */

/** Returns the mean logistic cross-entropy of `count` logits against targets in [0, 1]. */
export function sigmoidCrossEntropyForward(logits: Float32Array, target: Float32Array, count: number): number {
  let sum = 0;
  for (let i = 0; i < count; i++) {
    const x = logits[i];
    sum += (x > 0 ? x : 0) - x * target[i] + Math.log1p(Math.exp(-Math.abs(x)));
  }
  return sum / count;
}

/** dlogits += scale · (σ(logits) − target). Accumulates. scale defaults to 1/count. */
export function sigmoidCrossEntropyBackward(
  dlogits: Float32Array,
  logits: Float32Array,
  target: Float32Array,
  count: number,
  scale: number = 1 / count,
): void {
  for (let i = 0; i < count; i++) {
    const x = logits[i];
    const e = Math.exp(-Math.abs(x)); // in (0, 1]: never overflows
    const sigma = x >= 0 ? 1 / (1 + e) : e / (1 + e);
    dlogits[i] += scale * (sigma - target[i]);
  }
}
