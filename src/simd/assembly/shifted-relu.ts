/**
 * Shifted ReLU, max(−1, x), WebAssembly SIMD version. Twin of src/kernels/shifted-relu.ts, held to
 * shiftedReluForward / shiftedReluBackward by test/simd-activations.test.ts (same bits: selects and one add).
 *
 *   y = x > −1 ? x : −1            dx += y > −1 ? dy : 0
 *
 * As in the twin, NaN maps to −1. Scalar tail for count % 4. In place OK.
 */

export function shiftedReluForward(y: usize, x: usize, count: i32): void {
  const m1 = f32x4.splat(-1);
  const full = count & ~3;
  for (let t = 0; t < full; t += 4) {
    const off: usize = <usize>t << 2;
    const v = v128.load(x + off);
    v128.store(y + off, v128.bitselect(v, m1, f32x4.gt(v, m1)));
  }
  for (let t = max(full, 0); t < count; t++) {
    const off: usize = <usize>t << 2;
    const v = load<f32>(x + off);
    store<f32>(y + off, v > -1 ? v : -1);
  }
}

export function shiftedReluBackward(dx: usize, dy: usize, y: usize, count: i32): void {
  const m1 = f32x4.splat(-1);
  const full = count & ~3;
  for (let t = 0; t < full; t += 4) {
    const off: usize = <usize>t << 2;
    const pass = v128.and(v128.load(dy + off), f32x4.gt(v128.load(y + off), m1));
    v128.store(dx + off, f32x4.add(v128.load(dx + off), pass));
  }
  for (let t = max(full, 0); t < count; t++) {
    const off: usize = <usize>t << 2;
    if (load<f32>(y + off) > -1) store<f32>(dx + off, load<f32>(dx + off) + load<f32>(dy + off));
  }
}
