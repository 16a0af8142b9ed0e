/**
 * The SGD update, WebAssembly SIMD version. Twin of src/kernels/sgd.ts (sgdUpdate, which Sgd.step calls per
 * segment; PyTorch's torch.optim.SGD with dampening 0), held to it by test/simd-ops.test.ts. One call updates
 * one run of parameters that share a weight-decay coefficient (the caller passes the run's first address).
 *
 *   params p, grads g, velocity v: (count)
 *   g′ = g + wd·p
 *   μ = 0:      p ← p − lr·g′
 *   momentum:   v ← μ·v + g′;  p ← p − lr·v
 *   Nesterov:   v ← μ·v + g′;  p ← p − lr·(g′ + μ·v)
 *
 * What differs from the twin: float32 arithmetic (the twin computes each element in float64 and rounds the
 * stored v and p once), so p and v may differ by an ulp or two per step. Scalar tail for count % 4.
 */

export function sgdStep(params: usize, grads: usize, velocity: usize, count: i32, lr: f32, mu: f32, wd: f32,
                        nesterov: bool): void {
  const lrv = f32x4.splat(lr), muv = f32x4.splat(mu), wdv = f32x4.splat(wd);
  const full = count & ~3;
  if (mu == 0) {
    for (let t = 0; t < full; t += 4) {
      const off: usize = <usize>t << 2;
      const p = v128.load(params + off);
      const g = f32x4.add(v128.load(grads + off), f32x4.mul(wdv, p));
      v128.store(params + off, f32x4.sub(p, f32x4.mul(lrv, g)));
    }
    for (let t = max(full, 0); t < count; t++) {
      const off: usize = <usize>t << 2;
      const p = load<f32>(params + off);
      store<f32>(params + off, p - lr * (load<f32>(grads + off) + wd * p));
    }
    return;
  }
  for (let t = 0; t < full; t += 4) {
    const off: usize = <usize>t << 2;
    const p = v128.load(params + off);
    const g = f32x4.add(v128.load(grads + off), f32x4.mul(wdv, p));
    const v = f32x4.add(f32x4.mul(muv, v128.load(velocity + off)), g);
    v128.store(velocity + off, v);
    const d = nesterov ? f32x4.add(g, f32x4.mul(muv, v)) : v;
    v128.store(params + off, f32x4.sub(p, f32x4.mul(lrv, d)));
  }
  for (let t = max(full, 0); t < count; t++) {
    const off: usize = <usize>t << 2;
    const p = load<f32>(params + off);
    const g = load<f32>(grads + off) + wd * p;
    const v = mu * load<f32>(velocity + off) + g;
    store<f32>(velocity + off, v);
    store<f32>(params + off, p - lr * (nesterov ? g + mu * v : v));
  }
}
