/**
 * Softmax followed by cross-entropy, fused: the loss of every classifier in the paper.
 *
 *   logits z: (N,K)   probs p: (N,K)   labels: (N) integers in [0, K)      K = classes
 *
 *   p[n,k] = exp(z[n,k] − m[n]) / Σ_j exp(z[n,j] − m[n])        m[n] = max_j z[n,j]  (for stability)
 *   L      = (1/N) Σ_n ( log Σ_j exp(z[n,j] − m[n]) − (z[n,label_n] − m[n]) )    = −(1/N) Σ_n log p[n,label_n]
 *
 * Backward (derived in docs/kernels/losses.md; scale = 1/N for the mean, 1/(global batch) for a shard):
 *
 *   dz[n,k] += scale · (p[n,k] − [k = label_n])
 *
 * Subtracting the row maximum changes nothing mathematically (it cancels between numerator and denominator)
 * but keeps every exp() in (0, 1], so logits of 1000 neither overflow nor turn into NaN. The loss is taken
 * from the log-sum-exp, not from log(p): p of the true class may underflow to 0 in float32 while its log is
 * a perfectly finite −1000.
 *
 * Docs: docs/kernels/losses.md. Letters: docs/notation.md.
 */
import { ElunetError } from '../errors.js';

/**
 * Throws ElunetError unless labels[0..n) all lie in [0, classes). One cheap pass before the loss loop, so a
 * bad label file fails with its index and value instead of silently reading outside a row.
 */
export function checkLabels(op: string, labels: Int32Array, n: number, classes: number): void {
  if (labels.length < n) {
    throw new ElunetError(`${op}: expected ${n} labels (one per sample), got ${labels.length}`);
  }
  for (let i = 0; i < n; i++) {
    const v = labels[i];
    if (v < 0 || v >= classes) {
      throw new ElunetError(
        `${op}: labels[${i}] = ${v} is outside [0, ${classes}); the network has ${classes} outputs — ` +
          `check the dataset's label range or the size of the last layer`,
      );
    }
  }
}

/** Writes probs = softmax(logits) row by row and returns the mean cross-entropy over the n samples. */
export function softmaxCrossEntropyForward(
  probs: Float32Array,
  logits: Float32Array,
  labels: Int32Array,
  n: number,
  classes: number,
): number {
  checkLabels('softmaxCrossEntropy', labels, n, classes);
  let total = 0;
  for (let ni = 0; ni < n; ni++) {
    const row = ni * classes;
    const rowEnd = row + classes;
    let max = -Infinity;
    for (let i = row; i < rowEnd; i++) if (logits[i] > max) max = logits[i];
    let sum = 0;
    for (let i = row; i < rowEnd; i++) {
      const e = Math.exp(logits[i] - max);
      probs[i] = e; // unnormalised for now; divided below
      sum += e;
    }
    const inv = 1 / sum;
    for (let i = row; i < rowEnd; i++) probs[i] *= inv;
    total += Math.log(sum) - (logits[row + labels[ni]] - max);
  }
  return total / n;
}

/** dlogits += scale · (probs − onehot(labels)). Accumulates. scale defaults to 1/n (gradient of the mean). */
export function softmaxCrossEntropyBackward(
  dlogits: Float32Array,
  probs: Float32Array,
  labels: Int32Array,
  n: number,
  classes: number,
  scale: number = 1 / n,
): void {
  checkLabels('softmaxCrossEntropyBackward', labels, n, classes);
  for (let ni = 0; ni < n; ni++) {
    const row = ni * classes;
    const rowEnd = row + classes;
    for (let i = row; i < rowEnd; i++) dlogits[i] += scale * probs[i];
    dlogits[row + labels[ni]] -= scale;
  }
}
