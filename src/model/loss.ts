/**
 * The losses a model spec can name, as a table over the loss names (the kernels are in src/kernels/, the
 * derivations in docs/kernels/losses.md). Each gives the mean over the n samples of a per-sample loss:
 *
 *   softmax-ce   −log softmax(logits)[label]                    target: an Int32Array of n labels
 *   mse          Σ over outputs (y − t)²                        target: a Float32Array of n·outputs values
 *   sigmoid-ce   Σ over outputs of the logistic cross-entropy   target: a Float32Array of n·outputs values
 *
 * and the backward of `scale · Σ_samples per-sample loss` (scale 1/n: the gradient of the mean), which
 * ACCUMULATES into g. The spec's `reduction` says how mse and sigmoid-ce combine their D = outputs terms per
 * sample: 'sum' (the default, as above) or 'mean' (Σ/D: a per-pixel loss, PyTorch's reduction='mean'). The
 * kernels average over every element of the batch, so for 'sum' their value is multiplied by D and their
 * gradient scale passed as is (∂ of the sum, times scale); for 'mean' the value is taken as is and the scale
 * divided by D. softmax-ce has one term per sample and only 'sum' (the spec refuses 'mean' for it).
 */
import { ElunetError } from '../errors.js';
import type { KernelSet } from '../kernels/kernel-set.js';

/** How a per-sample loss with several terms (one per output) combines them: their sum, or their mean. */
export type Reduction = 'sum' | 'mean';
export const REDUCTIONS: readonly Reduction[] = ['sum', 'mean'];

export interface LossImpl {
  /** softmax-ce keeps the probabilities (n × outputs) that its forward computes */
  probabilities: boolean;
  /** the reductions the loss accepts ('mean' only where a sample's loss has a term per output) */
  reductions: readonly Reduction[];
  forward(k: KernelSet, probs: Float32Array, out: Float32Array, target: Int32Array | Float32Array, n: number, outputs: number,
          reduction: Reduction, where: string): number;
  backward(k: KernelSet, g: Float32Array, probs: Float32Array, out: Float32Array, target: Int32Array | Float32Array, n: number,
           outputs: number, reduction: Reduction, scale: number, where: string): void;
}

/** What the kernels' mean over all n·D elements is multiplied by to give the mean over samples of the per-sample loss. */
const perSample = (reduction: Reduction, outputs: number): number => (reduction === 'sum' ? outputs : 1);
/** The backward scale of the kernels (∂ of the sum over all n·D elements, times it). */
const kernelScale = (reduction: Reduction, outputs: number, scale: number): number => (reduction === 'sum' ? scale : scale / outputs);

const kindOf = (t: unknown): string => Object.prototype.toString.call(t);

/** The target as n class labels, or an ElunetError that starts with `where`. */
function labels(t: Int32Array | Float32Array, n: number, where: string): Int32Array {
  if (t instanceof Int32Array && t.length >= n) return t;
  throw new ElunetError(
    `${where}: softmax-ce needs an Int32Array of at least ${n} class labels, got ${t instanceof Int32Array ? `${t.length} labels` : kindOf(t)}`,
  );
}

/** The target as n·outputs values, or an ElunetError that starts with `where`. */
function values(loss: string, t: Int32Array | Float32Array, n: number, outputs: number, where: string): Float32Array {
  if (t instanceof Float32Array && t.length >= n * outputs) return t;
  throw new ElunetError(
    `${where}: ${loss} needs a Float32Array target of at least n·outputs = ${n}·${outputs} values, ` +
      `got ${t instanceof Float32Array ? t.length : kindOf(t)}`,
  );
}

export const LOSSES = {
  'softmax-ce': {
    probabilities: true,
    reductions: ['sum'] as readonly Reduction[],
    forward: (k, probs, out, t, n, outputs, _r, where) => k.softmaxCrossEntropyForward(probs, out, labels(t, n, where), n, outputs),
    backward(k, g, probs, out, t, n, outputs, _r, scale, where) {
      const target = labels(t, n, where);
      k.softmaxCrossEntropyForward(probs, out, target, n, outputs);
      k.softmaxCrossEntropyBackward(g, probs, target, n, outputs, scale);
    },
  },
  mse: {
    probabilities: false,
    reductions: REDUCTIONS,
    forward: (k, _, out, t, n, outputs, r, where) =>
      k.mseForward(out, values('mse', t, n, outputs, where), n * outputs) * perSample(r, outputs),
    backward: (k, g, _, out, t, n, outputs, r, scale, where) =>
      k.mseBackward(g, out, values('mse', t, n, outputs, where), n * outputs, kernelScale(r, outputs, scale)),
  },
  'sigmoid-ce': {
    probabilities: false,
    reductions: REDUCTIONS,
    forward: (k, _, out, t, n, outputs, r, where) =>
      k.sigmoidCrossEntropyForward(out, values('sigmoid-ce', t, n, outputs, where), n * outputs) * perSample(r, outputs),
    backward: (k, g, _, out, t, n, outputs, r, scale, where) =>
      k.sigmoidCrossEntropyBackward(g, out, values('sigmoid-ce', t, n, outputs, where), n * outputs, kernelScale(r, outputs, scale)),
  },
} satisfies Record<string, LossImpl>;

export type LossName = keyof typeof LOSSES;
