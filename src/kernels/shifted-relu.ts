/**
 * Shifted ReLU, max(−1, x): the ELU paper's "SReLU" (not the S-shaped ReLU of Jin et al., which shares the
 * abbreviation). It has ELU's lower bound −1 but a hard corner instead of a smooth saturation, which lets the
 * paper separate "negative values" from "smooth saturation" as the reason ELU helps.
 *
 *   x: (count)   y: (count)
 *
 *   y = max(−1, x)
 *
 * Backward, from the output (y > −1 exactly when x > −1):
 *
 *   dx += dy · [y > −1]
 *
 * Docs: docs/kernels/activations.md. Letters: docs/notation.md.
 */

/** y[i] = max(−1, x[i]) for i < count. May run in place (y === x). */
export function shiftedReluForward(y: Float32Array, x: Float32Array, count: number): void {
  for (let i = 0; i < count; i++) {
    const v = x[i];
    y[i] = v > -1 ? v : -1;
  }
}

/** dx[i] += y[i] > −1 ? dy[i] : 0. Accumulates. */
export function shiftedReluBackward(dx: Float32Array, dy: Float32Array, y: Float32Array, count: number): void {
  for (let i = 0; i < count; i++) {
    if (y[i] > -1) dx[i] += dy[i];
  }
}
