/**
 * Softmax followed by cross-entropy, WebAssembly version. Twin of src/kernels/softmax-cross-entropy.ts, held
 * to it by test/simd-ops.test.ts.
 *
 *   logits z, probs p: (N,K)   labels: (N) int32 in [0, K)
 *   p[n,k] = exp(z[n,k] − m[n]) / Σ_j exp(z[n,j] − m[n])        m[n] = max_j z[n,j]
 *   L = (1/N) Σ_n ( log Σ_j exp(z[n,j] − m[n]) − (z[n,label_n] − m[n]) )
 *   dz[n,k] += scale · (p[n,k] − [k = label_n])
 *
 * Scalar, in float64, in the twin's order: a row has K = 10 entries in every model of the paper, too few to
 * fill vectors, and the loss takes a negligible share of a training step. exp and log are the host's
 * Math.exp and Math.log, imported (src/simd/loader.ts passes them in), for two reasons: the results are then
 * the twin's bit for bit, and AssemblyScript's own float64 exp and log carry lookup tables as static data,
 * which this module must not have (every worker instantiates it on one shared memory, and each instantiation
 * would write its data segments there again). The labels are checked on the TypeScript side before the call
 * (checkLabels).
 */

// @ts-ignore: decorator
@external("env", "exp")
declare function hostExp(x: f64): f64;
// @ts-ignore: decorator
@external("env", "log")
declare function hostLog(x: f64): f64;

export function softmaxCrossEntropyForward(probs: usize, logits: usize, labels: usize, n: i32, classes: i32): f64 {
  let total: f64 = 0;
  for (let ni = 0; ni < n; ni++) {
    const row: usize = (<usize>ni * classes) << 2;
    let mx: f64 = -Infinity;
    for (let i = 0; i < classes; i++) {
      const v = <f64>load<f32>(logits + row + (<usize>i << 2));
      if (v > mx) mx = v;
    }
    let sum: f64 = 0;
    for (let i = 0; i < classes; i++) {
      const e = hostExp(<f64>load<f32>(logits + row + (<usize>i << 2)) - mx);
      store<f32>(probs + row + (<usize>i << 2), <f32>e); // unnormalised for now, as in the twin
      sum += e;
    }
    const inv = 1 / sum;
    for (let i = 0; i < classes; i++) {
      const at = probs + row + (<usize>i << 2);
      store<f32>(at, <f32>(<f64>load<f32>(at) * inv));
    }
    const label = load<i32>(labels + (<usize>ni << 2));
    total += hostLog(sum) - (<f64>load<f32>(logits + row + (<usize>label << 2)) - mx);
  }
  return total / n;
}

export function softmaxCrossEntropyBackward(dlogits: usize, probs: usize, labels: usize, n: i32, classes: i32,
                                            scale: f64): void {
  for (let ni = 0; ni < n; ni++) {
    const row: usize = (<usize>ni * classes) << 2;
    for (let i = 0; i < classes; i++) {
      const at = dlogits + row + (<usize>i << 2);
      store<f32>(at, <f32>(<f64>load<f32>(at) + scale * <f64>load<f32>(probs + row + (<usize>i << 2))));
    }
    const at = dlogits + row + (<usize>load<i32>(labels + (<usize>ni << 2)) << 2);
    store<f32>(at, <f32>(<f64>load<f32>(at) - scale));
  }
}
