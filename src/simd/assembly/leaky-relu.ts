/**
 * Leaky ReLU, WebAssembly SIMD version. Twin of src/kernels/leaky-relu.ts, held to leakyReluForward /
 * leakyReluBackward by test/simd-activations.test.ts.
 *
 *   y = x > 0 ? x : slope·x            dx += dy · (y > 0 ? 1 : slope)
 *
 * What differs from the twin: slope is a float32 (0.1 is not exactly representable; the twin multiplies by
 * the float64 0.1) and each product is rounded to float32, so the negative side may differ by an ulp.
 * Both sides are computed and selected per lane; scalar tail for count % 4. In place OK.
 */

export function leakyReluForward(y: usize, x: usize, slope: f32, count: i32): void {
  const s = f32x4.splat(slope);
  const zero = f32x4.splat(0);
  const full = count & ~3;
  for (let t = 0; t < full; t += 4) {
    const off: usize = <usize>t << 2;
    const v = v128.load(x + off);
    v128.store(y + off, v128.bitselect(v, f32x4.mul(s, v), f32x4.gt(v, zero)));
  }
  for (let t = max(full, 0); t < count; t++) {
    const off: usize = <usize>t << 2;
    const v = load<f32>(x + off);
    store<f32>(y + off, v > 0 ? v : slope * v);
  }
}

export function leakyReluBackward(dx: usize, dy: usize, y: usize, slope: f32, count: i32): void {
  const s = f32x4.splat(slope);
  const one = f32x4.splat(1);
  const zero = f32x4.splat(0);
  const full = count & ~3;
  for (let t = 0; t < full; t += 4) {
    const off: usize = <usize>t << 2;
    const k = v128.bitselect(one, s, f32x4.gt(v128.load(y + off), zero));
    v128.store(dx + off, f32x4.add(v128.load(dx + off), f32x4.mul(v128.load(dy + off), k)));
  }
  for (let t = max(full, 0); t < count; t++) {
    const off: usize = <usize>t << 2;
    const g = load<f32>(dy + off);
    store<f32>(dx + off, load<f32>(dx + off) + (load<f32>(y + off) > 0 ? g : slope * g));
  }
}
