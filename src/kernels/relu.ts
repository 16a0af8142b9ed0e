/**
 * ReLU, the rectified linear unit: the baseline the ELU paper compares against.
 *
 *   x: (count)   y: (count)
 *
 *   y = max(0, x)
 *
 * Backward, from the output (y > 0 exactly when x > 0):
 *
 *   dx += dy · [y > 0]
 *
 * The slope at x = 0 is taken as 0 (PyTorch's choice). Only y is needed, so the forward may run in place.
 * Mean activation for x ~ N(0,1) is 1/√(2π) ≈ 0.399: the positive bias the ELU paper sets out to remove.
 *
 * Docs: docs/kernels/activations.md. Letters: docs/notation.md.
 */

/** y[i] = max(0, x[i]) for i < count. May run in place (y === x). */
export function reluForward(y: Float32Array, x: Float32Array, count: number): void {
  for (let i = 0; i < count; i++) {
    const v = x[i];
    y[i] = v > 0 ? v : 0;
  }
}

/** dx[i] += y[i] > 0 ? dy[i] : 0. Accumulates. */
export function reluBackward(dx: Float32Array, dy: Float32Array, y: Float32Array, count: number): void {
  for (let i = 0; i < count; i++) {
    if (y[i] > 0) dx[i] += dy[i];
  }
}
