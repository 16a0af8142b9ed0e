/**
 * Dense (fully connected) layer, WebAssembly SIMD version. Twin of src/kernels/dense.ts, held to
 * denseForwardNaive / denseBackwardInputNaive / denseBackwardParamsNaive by test/simd-matmul.test.ts.
 *
 *   x: (N, IN)   w: (OUT, IN)   b: (OUT)   y: (N, OUT)
 *   y = x·Wᵀ + b        dx += dy·W        dW += dyᵀ·x        db += Σ_n dy[n,:]
 *
 * Each pass is one call of the SIMD matmul (matmul.ts, float32 sums; the transposes are flags), as in the
 * twin; the bias add and the db sum are vector adds of whole rows (vec.ts), in the twin's order (one row
 * after the other), so they round exactly like it. b = 0 / db = 0 means no bias.
 */
import { matmul } from './matmul';
import { addInto } from './vec';

export function denseForward(y: usize, x: usize, w: usize, b: usize, scratch: usize, N: i32, IN: i32, OUT: i32): void {
  matmul(y, x, w, N, OUT, IN, false, true, false, scratch);
  if (b != 0) {
    for (let n = 0; n < N; n++) addInto(y + ((<usize>n * OUT) << 2), b, OUT);
  }
}

export function denseBackwardInput(dx: usize, dy: usize, w: usize, scratch: usize, N: i32, IN: i32, OUT: i32): void {
  matmul(dx, dy, w, N, IN, OUT, false, false, true, scratch);
}

export function denseBackwardParams(dw: usize, db: usize, dy: usize, x: usize, scratch: usize, N: i32, IN: i32,
                                    OUT: i32): void {
  matmul(dw, dy, x, OUT, IN, N, true, false, true, scratch);
  if (db != 0) {
    for (let n = 0; n < N; n++) addInto(db, dy + ((<usize>n * OUT) << 2), OUT);
  }
}
