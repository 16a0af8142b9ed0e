/**
 * Global average pooling: the mean of each channel's map, the classifier head of the CIFAR nets
 * (a 1×1 conv to one map per class, then this).
 *
 *   x: (N,C,S)   y: (N,C)        S = H·W
 *
 *   y[n,c] = (1/S) Σ_s x[n,c,s]
 *
 * Backward (accumulates): dx[n,c,s] += dy[n,c] / S
 *
 * It is a kernel, kept here because the kernel list of docs/architecture.md has no entry for it; it follows
 * the kernel conventions (outputs first, backward accumulates, no allocation).
 */
export interface GapShape {
  n: number;
  c: number;
  spatial: number;
}

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
