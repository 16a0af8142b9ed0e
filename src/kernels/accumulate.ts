/**
 * The sum of gradient slots, as a kernel: a training step's gradient is the sum of its micro-batches'
 * gradients, added one slot after the other in a fixed order (src/parallel/protocol.ts says why the order is
 * fixed).
 *
 *   y, x: (count)        y[i] += x[i]
 *
 * One float32 addition per element, correctly rounded: any implementation (this loop, four lanes at a time)
 * gives the same bits, so the kernel sets differ here only in speed.
 */

/** y[i] += x[i] for i < count. */
export function accumulate(y: Float32Array, x: Float32Array, count: number): void {
  for (let i = 0; i < count; i++) y[i] += x[i];
}
