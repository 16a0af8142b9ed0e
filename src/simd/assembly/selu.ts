/**
 * SELU, WebAssembly SIMD version. Twin of src/kernels/selu.ts (same constants and equations), held to
 * seluForward / seluBackward by test/simd-activations.test.ts.
 *
 *   y = λ·x              if x > 0          λ ≈ 1.0507, α ≈ 1.6733 (the twin's SELU_LAMBDA, SELU_ALPHA)
 *   y = λ·α·(eˣ − 1)     if x ≤ 0
 *   dx += dy · (y > 0 ? λ : y + λα)
 *
 * What differs from the twin: eˣ − 1 is expm1x4 (expm1.ts, < 0.85 ulp), λ and λα are float32 constants and each
 * product is a float32 rounding (the twin computes in float64 and rounds once); both branches are computed
 * and selected per lane. Scalar tail for the last count % 4 elements. May run in place.
 */
import { expm1f1, expm1x4 } from './expm1';

const LAMBDA: f32 = 1.0507009873554804934193349852946;
const LAMBDA_ALPHA: f32 = <f32>(1.0507009873554804934193349852946 * 1.6732632423543772848170429916717);

export function seluForward(y: usize, x: usize, count: i32): void {
  const l = f32x4.splat(LAMBDA);
  const la = f32x4.splat(LAMBDA_ALPHA);
  const zero = f32x4.splat(0);
  const full = count & ~3;
  for (let t = 0; t < full; t += 4) {
    const off: usize = <usize>t << 2;
    const v = v128.load(x + off);
    v128.store(y + off, v128.bitselect(f32x4.mul(l, v), f32x4.mul(la, expm1x4(v)), f32x4.gt(v, zero)));
  }
  for (let t = max(full, 0); t < count; t++) {
    const off: usize = <usize>t << 2;
    const v = load<f32>(x + off);
    store<f32>(y + off, v > 0 ? LAMBDA * v : LAMBDA_ALPHA * expm1f1(v));
  }
}

export function seluBackward(dx: usize, dy: usize, y: usize, count: i32): void {
  const l = f32x4.splat(LAMBDA);
  const la = f32x4.splat(LAMBDA_ALPHA);
  const zero = f32x4.splat(0);
  const full = count & ~3;
  for (let t = 0; t < full; t += 4) {
    const off: usize = <usize>t << 2;
    const v = v128.load(y + off);
    const slope = v128.bitselect(l, f32x4.add(v, la), f32x4.gt(v, zero));
    v128.store(dx + off, f32x4.add(v128.load(dx + off), f32x4.mul(v128.load(dy + off), slope)));
  }
  for (let t = max(full, 0); t < count; t++) {
    const off: usize = <usize>t << 2;
    const v = load<f32>(y + off);
    store<f32>(dx + off, load<f32>(dx + off) + load<f32>(dy + off) * (v > 0 ? LAMBDA : v + LAMBDA_ALPHA));
  }
}
