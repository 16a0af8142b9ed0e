/**
 * Inverted dropout (Srivastava et al. 2014): during training each unit is dropped with probability `rate`,
 * and the survivors are scaled by 1/(1 − rate) so that E[y] = x. At evaluation dropout is the identity, with
 * no rescaling needed (that is what "inverted" buys).
 *
 *   x, y, mask: (count)      q = 1 − rate (the keep probability)
 *
 *   mask[i] = 0 with probability rate, 1/q with probability q        (rate 0 → every mask[i] = 1)
 *   y[i] = x[i] · mask[i]                                            E[mask[i]] = q · 1/q = 1
 *
 * Backward (accumulates): dx[i] += dy[i] · mask[i]
 *
 * The mask is its own array, filled once per step by dropoutMask from a generator the caller keys by
 * (seed, step, sample), so a sample drops the same units whichever worker thread processes it. Forward and
 * backward then only read the mask; y may be x (in place).
 */
import { ShapeError } from '../errors.js';

/** Anything with uniform() in [0, 1): src/rng.ts's Rng (kernels do not import the generator itself). */
export interface UniformSource {
  uniform(): number;
}

/** Throws ShapeError unless 0 ≤ rate < 1. `op` names the caller in the message. */
export function checkDropoutRate(op: string, rate: number): void {
  if (!(rate >= 0 && rate < 1)) {
    throw new ShapeError(
      `${op}: rate must be a probability in [0, 1) (the fraction of units dropped), got ${rate}; ` +
        `use 0 to disable dropout, e.g. 0.5 for the paper's fully connected layers`,
    );
  }
}

/** mask[i] = 0 with probability rate, else 1/(1 − rate), for i < count. Rate 0 gives all ones (and draws nothing). */
export function dropoutMask(mask: Float32Array, rate: number, rng: UniformSource, count: number): void {
  checkDropoutRate('dropout', rate);
  if (rate === 0) {
    mask.fill(1, 0, count);
    return;
  }
  const scale = 1 / (1 - rate);
  for (let i = 0; i < count; i++) mask[i] = rng.uniform() < rate ? 0 : scale;
}

/** y[i] = x[i] · mask[i]. May run in place (y === x). */
export function dropoutForward(y: Float32Array, x: Float32Array, mask: Float32Array, count: number): void {
  for (let i = 0; i < count; i++) y[i] = x[i] * mask[i];
}

/** dx[i] += dy[i] · mask[i]. Accumulates. */
export function dropoutBackward(dx: Float32Array, dy: Float32Array, mask: Float32Array, count: number): void {
  for (let i = 0; i < count; i++) dx[i] += dy[i] * mask[i];
}
