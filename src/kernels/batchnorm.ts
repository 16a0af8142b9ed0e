/**
 * Batch normalization (Ioffe & Szegedy 2015), per channel, with PyTorch's conventions.
 *
 *   x, y, xhat: (N,C,S)   S = H·W for 4-D input (N,C,H,W), S = 1 for 2-D input (N,C)
 *   gamma, beta, mean, invStd, runMean, runVar: (C)            M = N·S values per channel
 *
 * Training (batch statistics, BIASED variance):
 *   μ_c = (1/M) Σ_{n,s} x[n,c,s]        σ²_c = (1/M) Σ_{n,s} (x[n,c,s] − μ_c)²        invStd_c = 1/√(σ²_c + ε)
 *   xhat[n,c,s] = (x[n,c,s] − μ_c) · invStd_c                  y[n,c,s] = γ_c · xhat[n,c,s] + β_c
 * Running statistics (PyTorch: the running variance uses the UNBIASED batch variance, momentum 0.1):
 *   runMean_c ← (1 − m)·runMean_c + m·μ_c            runVar_c ← (1 − m)·runVar_c + m·σ²_c·M/(M − 1)
 * The batch statistics a network hands out (and data-parallel training exchanges) are μ and σ², while the
 * kernels keep invStd; two small conversions go between them:
 *   σ²_c = max(0, 1/invStd_c² − ε)   (batchNormVariance)          invStd_c = 1/√(σ²_c + ε)   (batchNormInvStd)
 * Evaluation (running statistics):
 *   y[n,c,s] = γ_c · (x[n,c,s] − runMean_c) / √(runVar_c + ε) + β_c
 *
 * Backward of the training forward (accumulates; sums run over the M values of channel c; derived in
 * docs/kernels/batchnorm.md):
 *   dβ_c += Σ dy          dγ_c += Σ dy·xhat
 *   dx[n,c,s] += (γ_c · invStd_c / M) · (M·dy[n,c,s] − Σ dy − xhat[n,c,s] · Σ dy·xhat)
 * Backward of the evaluation forward (running statistics are constants there: an affine map per channel):
 *   r_c = 1/√(runVar_c + ε)     dβ_c += Σ dy     dγ_c += Σ dy·(x − runMean_c)·r_c     dx[n,c,s] += γ_c·r_c·dy[n,c,s]
 *
 * Sums are taken in float64 (JavaScript numbers) and the variance in two passes (mean first, then squared
 * deviations), so a channel with a large mean and a small spread does not lose its variance to cancellation.
 */
import { ShapeError, checkInt } from '../errors.js';

export interface BatchNormShape {
  n: number;
  c: number;
  /** H·W for 4-D input, 1 for 2-D input */
  spatial: number;
}

/** Builds and validates a BatchNormShape. Throws ShapeError naming the argument, what was expected and the fix. */
export function batchNormShape(p: { n: number; c: number; spatial?: number }): BatchNormShape {
  checkInt('batchnorm: n (batch size)', p.n, 1);
  checkInt('batchnorm: c (channels)', p.c, 1);
  const spatial = p.spatial ?? 1;
  checkInt('batchnorm: spatial (H·W for 4-D input, 1 for 2-D input)', spatial, 1);
  return { n: p.n, c: p.c, spatial };
}

/**
 * Training forward: normalizes with the batch's own mean and biased variance. Saves xhat and invStd for the
 * backward, and mean (with invStd) for batchNormUpdateRunning.
 */
export function batchNormForwardTrain(
  y: Float32Array,
  xhat: Float32Array,
  mean: Float32Array,
  invStd: Float32Array,
  x: Float32Array,
  gamma: Float32Array,
  beta: Float32Array,
  s: BatchNormShape,
  eps = 1e-5,
): void {
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
    let sq = 0;
    for (let b = 0; b < n; b++) {
      const row = b * sampleStride + chBase;
      for (let i = 0; i < S; i++) {
        const d = x[row + i] - mu;
        sq += d * d;
      }
    }
    const inv = 1 / Math.sqrt(sq / M + eps);
    const g = gamma[ch];
    const bt = beta[ch];
    for (let b = 0; b < n; b++) {
      const row = b * sampleStride + chBase;
      for (let i = 0; i < S; i++) {
        const xh = (x[row + i] - mu) * inv;
        xhat[row + i] = xh;
        y[row + i] = g * xh + bt;
      }
    }
    mean[ch] = mu;
    invStd[ch] = inv;
  }
}

/**
 * Moves the running statistics toward this batch's: runMean ← (1−m)·runMean + m·μ and
 * runVar ← (1−m)·runVar + m·σ²·M/(M−1), where σ² = 1/invStd² − ε is the biased variance the forward used.
 * Throws ShapeError when a channel has a single value (M = 1), where the unbiased variance is undefined —
 * PyTorch refuses to train batch norm on such a batch for the same reason.
 */
export function batchNormUpdateRunning(
  runMean: Float32Array,
  runVar: Float32Array,
  mean: Float32Array,
  invStd: Float32Array,
  s: BatchNormShape,
  momentum = 0.1,
  eps = 1e-5,
): void {
  const M = s.n * s.spatial;
  if (M < 2) {
    throw new ShapeError(
      `batchnorm: training needs more than one value per channel (batch ${s.n} × spatial ${s.spatial} = ${M}); ` +
        `use a batch size of at least 2, or remove batch norm from this layer`,
    );
  }
  const unbias = M / (M - 1);
  for (let ch = 0; ch < s.c; ch++) {
    const inv = invStd[ch];
    const biasedVar = Math.max(0, 1 / (inv * inv) - eps); // max(0, …): float32 rounding may dip below zero
    runMean[ch] = (1 - momentum) * runMean[ch] + momentum * mean[ch];
    runVar[ch] = (1 - momentum) * runVar[ch] + momentum * biasedVar * unbias;
  }
}

/** variance[c] = max(0, 1/invStd[c]² − ε): the biased variance a training forward used (max: float32 rounding). */
export function batchNormVariance(variance: Float32Array, invStd: Float32Array, s: BatchNormShape, eps = 1e-5): void {
  for (let ch = 0; ch < s.c; ch++) {
    const inv = invStd[ch];
    variance[ch] = Math.max(0, 1 / (inv * inv) - eps);
  }
}

/** invStd[c] = 1/√(variance[c] + ε): the inverse of batchNormVariance, up to float32 rounding. */
export function batchNormInvStd(invStd: Float32Array, variance: Float32Array, s: BatchNormShape, eps = 1e-5): void {
  for (let ch = 0; ch < s.c; ch++) invStd[ch] = 1 / Math.sqrt(variance[ch] + eps);
}

/** Evaluation forward: normalizes with the running statistics (an affine map per channel). */
export function batchNormForwardEval(
  y: Float32Array,
  x: Float32Array,
  gamma: Float32Array,
  beta: Float32Array,
  runMean: Float32Array,
  runVar: Float32Array,
  s: BatchNormShape,
  eps = 1e-5,
): void {
  const { n, c, spatial: S } = s;
  const sampleStride = c * S;
  for (let ch = 0; ch < c; ch++) {
    const chBase = ch * S;
    // y = scale·x + shift with scale = γ/√(var+ε), shift = β − scale·mean
    const scale = gamma[ch] / Math.sqrt(runVar[ch] + eps);
    const shift = beta[ch] - scale * runMean[ch];
    for (let b = 0; b < n; b++) {
      const row = b * sampleStride + chBase;
      for (let i = 0; i < S; i++) y[row + i] = scale * x[row + i] + shift;
    }
  }
}

/**
 * Backward of batchNormForwardTrain, accumulating into dx, dgamma and dbeta:
 *   dβ += Σ dy,   dγ += Σ dy·xhat,   dx += (γ·invStd/M)·(M·dy − Σ dy − xhat·Σ dy·xhat)
 */
export function batchNormBackward(
  dx: Float32Array,
  dgamma: Float32Array,
  dbeta: Float32Array,
  dy: Float32Array,
  xhat: Float32Array,
  invStd: Float32Array,
  gamma: Float32Array,
  s: BatchNormShape,
): void {
  const { n, c, spatial: S } = s;
  const M = n * S;
  const sampleStride = c * S;
  for (let ch = 0; ch < c; ch++) {
    const chBase = ch * S;
    let sumDy = 0;
    let sumDyXhat = 0;
    for (let b = 0; b < n; b++) {
      const row = b * sampleStride + chBase;
      for (let i = 0; i < S; i++) {
        const g = dy[row + i];
        sumDy += g;
        sumDyXhat += g * xhat[row + i];
      }
    }
    dbeta[ch] += sumDy;
    dgamma[ch] += sumDyXhat;
    // dx = k·(M·dy − Σdy − xhat·Σdy·xhat) with k = γ·invStd/M, written as k·M·dy − k·(Σdy + xhat·Σdy·xhat)
    const k = (gamma[ch] * invStd[ch]) / M;
    const kM = k * M;
    const kSumDy = k * sumDy;
    const kSumDyXhat = k * sumDyXhat;
    for (let b = 0; b < n; b++) {
      const row = b * sampleStride + chBase;
      for (let i = 0; i < S; i++) {
        dx[row + i] += kM * dy[row + i] - kSumDy - xhat[row + i] * kSumDyXhat;
      }
    }
  }
}

/**
 * Backward of batchNormForwardEval, accumulating into dx, dgamma and dbeta. The running statistics are
 * constants of the evaluation function, so this is the backward of an affine map per channel:
 *   dβ += Σ dy,   dγ += Σ dy·(x − runMean)·r,   dx += γ·r·dy,   r = 1/√(runVar + ε)
 * (what measuring a trained network's per-sample gradients, docs/theory.md §8, needs).
 */
export function batchNormBackwardEval(
  dx: Float32Array,
  dgamma: Float32Array,
  dbeta: Float32Array,
  dy: Float32Array,
  x: Float32Array,
  gamma: Float32Array,
  runMean: Float32Array,
  runVar: Float32Array,
  s: BatchNormShape,
  eps = 1e-5,
): void {
  const { n, c, spatial: S } = s;
  const sampleStride = c * S;
  for (let ch = 0; ch < c; ch++) {
    const chBase = ch * S;
    const r = 1 / Math.sqrt(runVar[ch] + eps);
    const mu = runMean[ch];
    const scale = gamma[ch] * r;
    let sumDy = 0;
    let sumDyXhat = 0;
    for (let b = 0; b < n; b++) {
      const row = b * sampleStride + chBase;
      for (let i = 0; i < S; i++) {
        const g = dy[row + i];
        sumDy += g;
        sumDyXhat += g * (x[row + i] - mu);
        dx[row + i] += scale * g;
      }
    }
    dbeta[ch] += sumDy;
    dgamma[ch] += sumDyXhat * r;
  }
}
