/**
 * Leaky ReLU ("LReLU" in the ELU paper, slope 0.1 in its experiments).
 *
 *   x: (count)   y: (count)   slope: 0 ≤ slope < 1 (default 0.1)
 *
 *   y = x            if x > 0
 *   y = slope · x    if x ≤ 0          (= max(slope·x, x) for 0 ≤ slope < 1)
 *
 * Backward, from the output (for slope ≥ 0, y > 0 exactly when x > 0):
 *
 *   dx += dy · (y > 0 ? 1 : slope)
 *
 * Unlike ELU the negative side never saturates: a large negative input still passes a large signal.
 * A negative slope would break "y > 0 ⇔ x > 0"; the model only uses slope ∈ [0, 1).
 *
 * Docs: docs/kernels/activations.md. Letters: docs/notation.md.
 */

/** The paper's slope for LReLU (also the default of the authors' library). */
export const LEAKY_RELU_DEFAULT_SLOPE = 0.1;

/** y[i] = x[i] > 0 ? x[i] : slope·x[i] for i < count. May run in place (y === x). */
export function leakyReluForward(y: Float32Array, x: Float32Array, slope: number, count: number): void {
  for (let i = 0; i < count; i++) {
    const v = x[i];
    y[i] = v > 0 ? v : slope * v;
  }
}

/** dx[i] += dy[i] · (y[i] > 0 ? 1 : slope). Accumulates. */
export function leakyReluBackward(dx: Float32Array, dy: Float32Array, y: Float32Array, slope: number, count: number): void {
  for (let i = 0; i < count; i++) {
    dx[i] += y[i] > 0 ? dy[i] : slope * dy[i];
  }
}
