/**
 * Global average pooling: the mean of each channel's whole map, one number per (sample, channel). The CIFAR
 * nets of the paper end with it: a 1×1 conv to one map per class, then this, gives one score per class.
 *
 *   x: (N,C,S)   y: (N,C)        S = spatial = H·W
 *
 *   y[n,c] = (1/S) · Σ_s x[n,c,s]
 *
 * Backward (accumulates): every position of a map received the same share of the mean, so
 *
 *   dx[n,c,s] += dy[n,c] / S
 *
 * In NCHW memory the S values of (n, c) are one contiguous row, and the N·C rows follow each other, so both
 * passes are one loop over rows with a short inner loop along the row. That plain loop is also the fast
 * version: each element is read (or written) exactly once, in memory order, so there is no naive/fast pair.
 * The row sum is taken in float64 (a JavaScript number), then scaled by 1/S.
 */
import { checkInt } from '../errors.js';

export interface GapShape {
  n: number;
  c: number;
  /** H·W: the values averaged per (sample, channel) */
  spatial: number;
}

/** Builds and validates a GapShape (throws ShapeError naming the field). */
export function globalAvgPoolShape(p: { n: number; c: number; spatial: number }): GapShape {
  checkInt('globalavgpool: n (batch size)', p.n, 1);
  checkInt('globalavgpool: c (channels)', p.c, 1);
  checkInt('globalavgpool: spatial (H·W)', p.spatial, 1);
  return { n: p.n, c: p.c, spatial: p.spatial };
}

/** y[n,c] = mean of x[n,c,·]. */
export function globalAvgPoolForward(y: Float32Array, x: Float32Array, s: GapShape): void {
  const { n, c, spatial: S } = s;
  const rows = n * c; // (n, c) pairs are consecutive rows of S values
  const inv = 1 / S;
  for (let r = 0; r < rows; r++) {
    const xRow = r * S;
    let sum = 0;
    for (let i = 0; i < S; i++) sum += x[xRow + i];
    y[r] = sum * inv;
  }
}

/** dx[n,c,s] += dy[n,c] / S. Accumulates. */
export function globalAvgPoolBackward(dx: Float32Array, dy: Float32Array, s: GapShape): void {
  const { n, c, spatial: S } = s;
  const rows = n * c;
  const inv = 1 / S;
  for (let r = 0; r < rows; r++) {
    const xRow = r * S;
    const g = dy[r] * inv;
    for (let i = 0; i < S; i++) dx[xRow + i] += g;
  }
}
