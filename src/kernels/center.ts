/**
 * Mean-centring per channel ("re-centring"): batch normalization without the division by σ and without γ, β.
 * It removes each unit's mean activation and nothing else, which is what the bias-shift argument asks for
 * (docs/theory.md §5, §8; docs/kernels/center.md derives the backward).
 *
 *   x, y, dx, dy: (N,C,S)   S = H·W for 4-D input (N,C,H,W), S = 1 for 2-D input (N,C)
 *   mean, runMean: (C)                                            M = N·S values per channel
 *
 * Training (batch statistics):
 *   μ_c = (1/M) Σ_{n,s} x[n,c,s]                  y[n,c,s] = x[n,c,s] − μ_c
 * Running mean (the same rule as batch norm's, PyTorch's momentum 0.1):
 *   runMean_c ← (1 − m)·runMean_c + m·μ_c
 * Evaluation (running statistics):
 *   y[n,c,s] = x[n,c,s] − runMean_c
 *
 * Backward of the training forward (accumulates; y_j = x_j − (1/M) Σ_i x_i, so ∂y_j/∂x_i = [i = j] − 1/M):
 *   dx[n,c,s] += dy[n,c,s] − (1/M) Σ_{n′,s′} dy[n′,c,s′]
 * Backward of the evaluation forward: dx += dy (identityBackward; runMean is a constant there).
 *
 * Neither backward needs x or y, so the forward may run in place (y === x). Sums are taken in float64
 * (JavaScript numbers), as in batch norm.
 */
import { checkInt } from '../errors.js';

export interface CenterShape {
  n: number;
  c: number;
  /** H·W for 4-D input, 1 for 2-D input */
  spatial: number;
}

/** Builds and validates a CenterShape. Throws ShapeError naming the argument, what was expected and the fix. */
export function centerShape(p: { n: number; c: number; spatial?: number }): CenterShape {
  checkInt('center: n (batch size)', p.n, 1);
  checkInt('center: c (channels)', p.c, 1);
  const spatial = p.spatial ?? 1;
  checkInt('center: spatial (H·W for 4-D input, 1 for 2-D input)', spatial, 1);
  return { n: p.n, c: p.c, spatial };
}

/** Training forward: y = x − μ with the batch's own per-channel mean μ, which it writes into `mean`. */
export function centerForwardTrain(y: Float32Array, mean: Float32Array, x: Float32Array, s: CenterShape): void {
  const { n, c, spatial: S } = s;
  const M = n * S;
  const sampleStride = c * S; // distance from x[n,c,·] to x[n+1,c,·]
  for (let ch = 0; ch < c; ch++) {
    const chBase = ch * S;
    let sum = 0;
    for (let b = 0; b < n; b++) {
      const row = b * sampleStride + chBase;
      for (let i = 0; i < S; i++) sum += x[row + i];
    }
    const mu = sum / M;
    for (let b = 0; b < n; b++) {
      const row = b * sampleStride + chBase;
      for (let i = 0; i < S; i++) y[row + i] = x[row + i] - mu;
    }
    mean[ch] = mu;
  }
}

/** Evaluation forward: y = x − runMean per channel. May run in place. */
export function centerForwardEval(y: Float32Array, x: Float32Array, runMean: Float32Array, s: CenterShape): void {
  const { n, c, spatial: S } = s;
  const sampleStride = c * S;
  for (let ch = 0; ch < c; ch++) {
    const chBase = ch * S;
    const mu = runMean[ch];
    for (let b = 0; b < n; b++) {
      const row = b * sampleStride + chBase;
      for (let i = 0; i < S; i++) y[row + i] = x[row + i] - mu;
    }
  }
}

/** Backward of centerForwardTrain, accumulating: dx += dy − mean of dy over the channel's M values. */
export function centerBackward(dx: Float32Array, dy: Float32Array, s: CenterShape): void {
  const { n, c, spatial: S } = s;
  const M = n * S;
  const sampleStride = c * S;
  for (let ch = 0; ch < c; ch++) {
    const chBase = ch * S;
    let sumDy = 0;
    for (let b = 0; b < n; b++) {
      const row = b * sampleStride + chBase;
      for (let i = 0; i < S; i++) sumDy += dy[row + i];
    }
    const meanDy = sumDy / M;
    for (let b = 0; b < n; b++) {
      const row = b * sampleStride + chBase;
      for (let i = 0; i < S; i++) dx[row + i] += dy[row + i] - meanDy;
    }
  }
}

/** Moves the running mean toward a batch's: runMean ← (1 − m)·runMean + m·μ (batch norm's rule for the mean). */
export function centerUpdateRunning(runMean: Float32Array, mean: Float32Array, s: CenterShape, momentum = 0.1): void {
  for (let ch = 0; ch < s.c; ch++) runMean[ch] = (1 - momentum) * runMean[ch] + momentum * mean[ch];
}
