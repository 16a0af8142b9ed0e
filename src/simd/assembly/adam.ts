/**
 * The Adam update, WebAssembly SIMD version. Twin of src/kernels/adam.ts (adamUpdate, which Adam.step calls
 * per segment; PyTorch's torch.optim.Adam with L2 decay added to the gradient), held to it by
 * test/simd-ops.test.ts. One call updates one run of parameters that share a weight-decay coefficient.
 *
 *   g′ = g + wd·p
 *   m ← β1·m + (1 − β1)·g′          v ← β2·v + (1 − β2)·g′²
 *   p ← p − stepSize·m / (√v / √(1 − β2ᵗ) + ε)          stepSize = lr / (1 − β1ᵗ)
 *
 * stepSize, √(1 − β2ᵗ), 1 − β1 and 1 − β2 are computed once per step by the caller in float64 and rounded
 * once: 1 − β2 computed here from a float32 β2 = 0.999 would be off by 1.3·10⁻⁵ relative (the subtraction
 * exposes β2's rounding), which the test against the twin caught.
 * What differs: float32 arithmetic per element (f32x4.sqrt and f32x4.div are correctly rounded), where the
 * twin works in float64 and rounds once; ε = 1e−8 is a normal float32. Scalar tail for count % 4.
 */

export function adamStep(params: usize, grads: usize, m: usize, v: usize, count: i32, beta1: f32, oneMinusBeta1: f32,
                         beta2: f32, oneMinusBeta2: f32, eps: f32, wd: f32, stepSize: f32, sqrtBc2: f32): void {
  const b1 = f32x4.splat(beta1), c1 = f32x4.splat(oneMinusBeta1);
  const b2 = f32x4.splat(beta2), c2 = f32x4.splat(oneMinusBeta2);
  const ev = f32x4.splat(eps), wdv = f32x4.splat(wd), sv = f32x4.splat(stepSize), bc = f32x4.splat(sqrtBc2);
  const full = count & ~3;
  for (let t = 0; t < full; t += 4) {
    const off: usize = <usize>t << 2;
    const p = v128.load(params + off);
    const g = f32x4.add(v128.load(grads + off), f32x4.mul(wdv, p));
    const mi = f32x4.add(f32x4.mul(b1, v128.load(m + off)), f32x4.mul(c1, g));
    const vi = f32x4.add(f32x4.mul(b2, v128.load(v + off)), f32x4.mul(f32x4.mul(c2, g), g));
    v128.store(m + off, mi);
    v128.store(v + off, vi);
    const denom = f32x4.add(f32x4.div(f32x4.sqrt(vi), bc), ev);
    v128.store(params + off, f32x4.sub(p, f32x4.div(f32x4.mul(sv, mi), denom)));
  }
  for (let t = max(full, 0); t < count; t++) {
    const off: usize = <usize>t << 2;
    const p = load<f32>(params + off);
    const g = load<f32>(grads + off) + wd * p;
    const mi = beta1 * load<f32>(m + off) + oneMinusBeta1 * g;
    const vi = beta2 * load<f32>(v + off) + oneMinusBeta2 * g * g;
    store<f32>(m + off, mi);
    store<f32>(v + off, vi);
    store<f32>(params + off, p - (stepSize * mi) / (Mathf.sqrt(vi) / sqrtBc2 + eps));
  }
}
