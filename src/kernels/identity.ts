/**
 * The identity, as a kernel: what the linear "activation" and an evaluation-mode dropout compute.
 *
 *   x, y: (count)
 *
 *   y[i] = x[i]                Backward (accumulates): dx[i] += dy[i]
 *
 * The forward may run in place (y === x), and then does nothing.
 */

/** y[i] = x[i] for i < count. May run in place (y === x). */
export function identityForward(y: Float32Array, x: Float32Array, count: number): void {
  if (y === x) return;
  for (let i = 0; i < count; i++) y[i] = x[i];
}

/** dx[i] += dy[i] for i < count. Accumulates. */
export function identityBackward(dx: Float32Array, dy: Float32Array, count: number): void {
  for (let i = 0; i < count; i++) dx[i] += dy[i];
}
