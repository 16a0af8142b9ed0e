/**
 * ELU, WebAssembly SIMD version. Twin of src/kernels/elu.ts (same arguments and equations), held to
 * eluForward / eluBackward by test/simd-activations.test.ts.
 *
 *   x: (count)   y: (count)   α > 0
 *   y = x                 if x > 0
 *   y = α·(eˣ − 1)        if x ≤ 0
 *   dx += dy · (y > 0 ? 1 : y + α)        (from the output, accumulating)
 *
 * What differs from the twin: eˣ − 1 is expm1x4 (expm1.ts: less than 0.85 float32 ulp from the exact value)
 * instead of Math.expm1, and α·(eˣ − 1) is one more float32 rounding (none for α = 1). Both branches are
 * computed for all four lanes and the one that applies is selected with a mask, so random signs cost no
 * branch mispredictions (the twin's forward is bound by them). The backward's dy·slope and the add to dx are
 * two float32 roundings where the twin rounds once from float64.
 * The last count % 4 elements go through the same vector code on a splatted lane (scalar tail).
 * May run in place (y === x), like the twin.
 */
import { expm1f1, expm1x4 } from './expm1';

export function eluForward(y: usize, x: usize, alpha: f32, count: i32): void {
  const a = f32x4.splat(alpha);
  const zero = f32x4.splat(0);
  const full = count & ~3;
  for (let t = 0; t < full; t += 4) {
    const off: usize = <usize>t << 2;
    const v = v128.load(x + off);
    v128.store(y + off, v128.bitselect(v, f32x4.mul(a, expm1x4(v)), f32x4.gt(v, zero)));
  }
  for (let t = max(full, 0); t < count; t++) {
    const off: usize = <usize>t << 2;
    const v = load<f32>(x + off);
    store<f32>(y + off, v > 0 ? v : alpha * expm1f1(v));
  }
}

export function eluBackward(dx: usize, dy: usize, y: usize, alpha: f32, count: i32): void {
  const a = f32x4.splat(alpha);
  const one = f32x4.splat(1);
  const zero = f32x4.splat(0);
  const full = count & ~3;
  for (let t = 0; t < full; t += 4) {
    const off: usize = <usize>t << 2;
    const v = v128.load(y + off);
    const slope = v128.bitselect(one, f32x4.add(v, a), f32x4.gt(v, zero));
    v128.store(dx + off, f32x4.add(v128.load(dx + off), f32x4.mul(v128.load(dy + off), slope)));
  }
  for (let t = max(full, 0); t < count; t++) {
    const off: usize = <usize>t << 2;
    const v = load<f32>(y + off);
    store<f32>(dx + off, load<f32>(dx + off) + load<f32>(dy + off) * (v > 0 ? <f32>1 : v + alpha));
  }
}
