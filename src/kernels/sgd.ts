/**
 * The SGD update as a kernel: one step over the parameters [from, to) that share one weight-decay
 * coefficient (PyTorch's torch.optim.SGD with dampening 0). src/optim/sgd.ts keeps the optimizer (its state,
 * its segments of the layout, its checkpoint) and calls this once per segment and step.
 *
 *   params p, grads g, velocity v: (n)  (the parameters' layout)   lr, μ, wd: scalars
 *
 *   g′ = g + wd·p                          L2 weight decay, added to the gradient
 *   μ = 0:      p ← p − lr·g′              plain SGD (velocity is not touched)
 *   momentum:   v ← μ·v + g′;  p ← p − lr·v
 *   Nesterov:   v ← μ·v + g′;  p ← p − lr·(g′ + μ·v)
 *
 * Each element is computed in float64 and stored as float32 (p and v round once each).
 * Docs: docs/training.md (the optimizers). Letters: docs/notation.md.
 */

/** One SGD step of params[from, to) (see the file header). */
export function sgdUpdate(params: Float32Array, grads: Float32Array, velocity: Float32Array, from: number, to: number,
                          lr: number, momentum: number, weightDecay: number, nesterov: boolean): void {
  const mu = momentum;
  const wd = weightDecay;
  if (mu === 0) {
    for (let i = from; i < to; i++) params[i] -= lr * (grads[i] + wd * params[i]);
  } else if (nesterov) {
    for (let i = from; i < to; i++) {
      const g = grads[i] + wd * params[i];
      const vi = mu * velocity[i] + g;
      velocity[i] = vi;
      params[i] -= lr * (g + mu * vi);
    }
  } else {
    for (let i = from; i < to; i++) {
      const vi = mu * velocity[i] + grads[i] + wd * params[i];
      velocity[i] = vi;
      params[i] -= lr * vi;
    }
  }
}
