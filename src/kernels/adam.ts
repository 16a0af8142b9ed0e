/**
 * The Adam update as a kernel: one step over the parameters [from, to) that share one weight-decay
 * coefficient (PyTorch's torch.optim.Adam, L2 decay added to the gradient). src/optim/adam.ts keeps the
 * optimizer (its moments, the step count t, its segments of the layout) and calls this once per segment and
 * step, with the two bias corrections computed once per step.
 *
 *   params p, grads g, first moment m, second moment v: (n)  (the parameters' layout)
 *
 *   g′ = g + wd·p
 *   m  ← β1·m + (1 − β1)·g′
 *   v  ← β2·v + (1 − β2)·g′²
 *   p  ← p − stepSize · m / (√v / √(1 − β2ᵗ) + ε)          stepSize = lr / (1 − β1ᵗ),  sqrtBc2 = √(1 − β2ᵗ)
 *
 * Each element is computed in float64 and stored as float32 (m, v and p round once each).
 * Docs: docs/training.md (the optimizers). Letters: docs/notation.md.
 */

/** One Adam step of params[from, to) (see the file header). */
export function adamUpdate(params: Float32Array, grads: Float32Array, m: Float32Array, v: Float32Array, from: number,
                           to: number, beta1: number, beta2: number, eps: number, weightDecay: number, stepSize: number,
                           sqrtBc2: number): void {
  const wd = weightDecay;
  for (let i = from; i < to; i++) {
    const g = grads[i] + wd * params[i];
    const mi = beta1 * m[i] + (1 - beta1) * g;
    const vi = beta2 * v[i] + (1 - beta2) * g * g;
    m[i] = mi;
    v[i] = vi;
    params[i] -= (stepSize * mi) / (Math.sqrt(vi) / sqrtBc2 + eps);
  }
}
