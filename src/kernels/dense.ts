/**
 * Dense (fully connected, PyTorch's Linear) layer.
 *
 *   x: (N, IN)   w: (OUT, IN)   b: (OUT)   y: (N, OUT)
 *
 * Forward:
 *   y[n,o] = b[o] + Σ_i x[n,i] · w[o,i]                      y = x·Wᵀ + b
 *
 * Backward (accumulates into dx, dw, db, like every backward in elunet):
 *   dx[n,i] += Σ_o dy[n,o] · w[o,i]                          dx += dy·W
 *   dw[o,i] += Σ_n dy[n,o] · x[n,i]                          dW += dyᵀ·x
 *   db[o]   += Σ_n dy[n,o]
 *
 * Each pass is one call to the fast matmul (the transposes are flags, nothing is copied); the …Naive versions
 * beside them spell out the sums and are what the tests hold the fast ones to. docs/kernels/dense.md derives
 * the backward.
 */
import { checkInt } from '../errors.js';
import { matmul, type MatmulShape } from './matmul.js';

export interface DenseShape {
  n: number;
  inFeatures: number;
  outFeatures: number;
}

/** Builds and validates a DenseShape. Throws ShapeError naming the argument, what was expected and the fix. */
export function denseShape(p: { n: number; inFeatures: number; outFeatures: number }): DenseShape {
  checkInt('dense: n (batch size)', p.n, 1);
  checkInt('dense: inFeatures (length of each input row)', p.inFeatures, 1);
  checkInt('dense: outFeatures (number of units)', p.outFeatures, 1);
  return { n: p.n, inFeatures: p.inFeatures, outFeatures: p.outFeatures };
}

function mm(m: number, n: number, k: number, transA: boolean, transB: boolean, accumulate: boolean): MatmulShape {
  return { m, n, k, transA, transB, accumulate, aOffset: 0, bOffset: 0, cOffset: 0 };
}

/** y = x·Wᵀ + b */
export function denseForward(y: Float32Array, x: Float32Array, w: Float32Array, b: Float32Array | null,
                             s: DenseShape): void {
  const { n: N, inFeatures: IN, outFeatures: OUT } = s;
  matmul(y, x, w, mm(N, OUT, IN, false, true, false));
  if (b) {
    for (let n = 0; n < N; n++) {
      const yRow = n * OUT;
      for (let o = 0; o < OUT; o++) y[yRow + o] += b[o];
    }
  }
}

/** dx += dy·W */
export function denseBackwardInput(dx: Float32Array, dy: Float32Array, w: Float32Array, s: DenseShape): void {
  const { n: N, inFeatures: IN, outFeatures: OUT } = s;
  matmul(dx, dy, w, mm(N, IN, OUT, false, false, true));
}

/** dW += dyᵀ·x;  db += Σ_n dy[n,:] */
export function denseBackwardParams(dw: Float32Array, db: Float32Array | null, dy: Float32Array, x: Float32Array,
                                    s: DenseShape): void {
  const { n: N, inFeatures: IN, outFeatures: OUT } = s;
  matmul(dw, dy, x, mm(OUT, IN, N, true, false, true));
  if (db) {
    for (let n = 0; n < N; n++) {
      const dyRow = n * OUT;
      for (let o = 0; o < OUT; o++) db[o] += dy[dyRow + o];
    }
  }
}

// ───────────────────────────── naive reference: the sums as written above ─────────────────────────────

export function denseForwardNaive(y: Float32Array, x: Float32Array, w: Float32Array, b: Float32Array | null,
                                  s: DenseShape): void {
  const { n: N, inFeatures: IN, outFeatures: OUT } = s;
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < OUT; o++) {
      let sum = b ? b[o] : 0;
      for (let i = 0; i < IN; i++) sum += x[n * IN + i] * w[o * IN + i];
      y[n * OUT + o] = sum;
    }
  }
}

export function denseBackwardInputNaive(dx: Float32Array, dy: Float32Array, w: Float32Array, s: DenseShape): void {
  const { n: N, inFeatures: IN, outFeatures: OUT } = s;
  for (let n = 0; n < N; n++) {
    for (let i = 0; i < IN; i++) {
      let sum = 0;
      for (let o = 0; o < OUT; o++) sum += dy[n * OUT + o] * w[o * IN + i];
      dx[n * IN + i] += sum;
    }
  }
}

export function denseBackwardParamsNaive(dw: Float32Array, db: Float32Array | null, dy: Float32Array, x: Float32Array,
                                         s: DenseShape): void {
  const { n: N, inFeatures: IN, outFeatures: OUT } = s;
  for (let o = 0; o < OUT; o++) {
    for (let i = 0; i < IN; i++) {
      let sum = 0;
      for (let n = 0; n < N; n++) sum += dy[n * OUT + o] * x[n * IN + i];
      dw[o * IN + i] += sum;
    }
    if (db) {
      let sum = 0;
      for (let n = 0; n < N; n++) sum += dy[n * OUT + o];
      db[o] += sum;
    }
  }
}
