/**
 * ReLU, WebAssembly SIMD version. Twin of src/kernels/relu.ts, held to reluForward / reluBackward by
 * test/simd-activations.test.ts; the results are the same bits (a select, and one float32 add per element,
 * which is also what the twin's float64 add rounds to).
 *
 *   y = x > 0 ? x : 0            dx += y > 0 ? dy : 0
 *
 * As in the twin, NaN and −0 map to +0 (the test is `x > 0`, not max). Scalar tail for count % 4. In place OK.
 */

export function reluForward(y: usize, x: usize, count: i32): void {
  const zero = f32x4.splat(0);
  const full = count & ~3;
  for (let t = 0; t < full; t += 4) {
    const off: usize = <usize>t << 2;
    const v = v128.load(x + off);
    v128.store(y + off, v128.and(v, f32x4.gt(v, zero)));
  }
  for (let t = max(full, 0); t < count; t++) {
    const off: usize = <usize>t << 2;
    const v = load<f32>(x + off);
    store<f32>(y + off, v > 0 ? v : 0);
  }
}

export function reluBackward(dx: usize, dy: usize, y: usize, count: i32): void {
  const zero = f32x4.splat(0);
  const full = count & ~3;
  for (let t = 0; t < full; t += 4) {
    const off: usize = <usize>t << 2;
    const pass = v128.and(v128.load(dy + off), f32x4.gt(v128.load(y + off), zero));
    v128.store(dx + off, f32x4.add(v128.load(dx + off), pass));
  }
  for (let t = max(full, 0); t < count; t++) {
    const off: usize = <usize>t << 2;
    if (load<f32>(y + off) > 0) store<f32>(dx + off, load<f32>(dx + off) + load<f32>(dy + off));
  }
}
