/**
 * Alpha-dropout (Klambauer et al. 2017), the dropout of self-normalizing (SELU) networks. Ordinary dropout
 * sets units to 0, which for SELU is not "no signal" and shifts the mean and variance that SELU keeps at
 * (0, 1). Alpha-dropout sets dropped units to SELU's negative saturation α′ = −λα instead, then applies an
 * affine map a·z + b chosen so that an input of mean 0 and variance 1 keeps mean 0 and variance 1.
 *
 *   x, y, keep: (count)     keep[i] ∈ {0, 1}     q = 1 − rate     α′ = −λα = −1.7580993408473766
 *
 *   y[i] = a · (keep[i] ? x[i] : α′) + b
 *   a = (q + α′²·q·(1 − q))^(−1/2)        b = −a·(1 − q)·α′
 *
 * Why these a and b: z = keep ? x : α′ has E[z] = q·0 + (1−q)·α′ and E[z²] = q·1 + (1−q)·α′², so
 * Var[z] = q + (1−q)α′² − (1−q)²α′² = q + α′²q(1−q). Then a = 1/√Var[z] restores variance 1 and
 * b = −a·E[z] restores mean 0. (rate 0.05: a = 0.954844, b = 0.083936; rate 0.10: a = 0.921285, b = 0.161971.)
 *
 * Backward (accumulates): dx[i] += dy[i] · a · keep[i]      (a dropped unit is a constant: no gradient)
 *
 * At evaluation alpha-dropout is the identity. Rate 0 gives a = 1, b = 0 and keep all ones: the identity too.
 */
import { SELU_ALPHA, SELU_LAMBDA } from './selu.js';
import { checkDropoutRate, type UniformSource } from './dropout.js';

/** The value a dropped unit takes before the affine correction: SELU's limit for x → −∞, −λα. */
export const ALPHA_PRIME = -SELU_LAMBDA * SELU_ALPHA;

/** A keep mask: 1 where the unit survives, 0 where it is dropped (bytes or floats). */
export type KeepMask = Uint8Array | Float32Array;

/** a, b of the affine correction, and α′, for a drop rate in [0, 1). Throws ShapeError for any other rate. */
export function alphaDropoutCoefficients(rate: number): { a: number; b: number; alphaPrime: number } {
  checkDropoutRate('alpha-dropout', rate);
  const q = 1 - rate;
  const ap = ALPHA_PRIME;
  const a = 1 / Math.sqrt(q + ap * ap * q * (1 - q));
  const b = -a * (1 - q) * ap;
  return { a, b, alphaPrime: ap };
}

/** keep[i] = 0 with probability rate, else 1, for i < count. Rate 0 keeps everything (and draws nothing). */
export function alphaDropoutMask(keep: KeepMask, rate: number, rng: UniformSource, count: number): void {
  checkDropoutRate('alpha-dropout', rate);
  if (rate === 0) {
    keep.fill(1, 0, count);
    return;
  }
  for (let i = 0; i < count; i++) keep[i] = rng.uniform() < rate ? 0 : 1;
}

/** y[i] = a·(keep[i] ? x[i] : α′) + b. May run in place (y === x). */
export function alphaDropoutForward(y: Float32Array, x: Float32Array, keep: KeepMask, rate: number, count: number): void {
  const { a, b, alphaPrime } = alphaDropoutCoefficients(rate);
  const dropped = a * alphaPrime + b; // what every dropped unit becomes
  for (let i = 0; i < count; i++) y[i] = keep[i] ? a * x[i] + b : dropped;
}

/** dx[i] += dy[i] · a · keep[i]. Accumulates. */
export function alphaDropoutBackward(dx: Float32Array, dy: Float32Array, keep: KeepMask, rate: number, count: number): void {
  const { a } = alphaDropoutCoefficients(rate);
  for (let i = 0; i < count; i++) dx[i] += dy[i] * a * keep[i];
}
