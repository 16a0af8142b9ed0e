/**
 * The sum of gradient slots, WebAssembly SIMD version. Twin of src/kernels/accumulate.ts, held to it by
 * test/simd-ops.test.ts: the same bits (one float32 addition per element either way; the twin's float64 add
 * of two float32 values rounds to the same float32). Also the backward of the identity (dx += dy).
 *
 *   y, x: (count)        y[i] += x[i]
 *
 * Four lanes at a time (vec.ts's addInto), scalar tail for count % 4.
 */
import { addInto } from './vec';

export function accumulate(y: usize, x: usize, count: i32): void {
  addInto(y, x, count);
}
