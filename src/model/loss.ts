/**
 * The losses a model spec can name, as a table over the loss names (the kernels are in src/kernels/, the
 * derivations in docs/kernels/losses.md). Each gives the mean over the n samples of a per-sample loss:
 *
 *   softmax-ce   −log softmax(logits)[label]                    target: an Int32Array of n labels
 *   mse          Σ over outputs (y − t)²                        target: a Float32Array of n·outputs values
 *   sigmoid-ce   Σ over outputs of the logistic cross-entropy   target: a Float32Array of n·outputs values
 *
 * and the backward of `scale · Σ_samples per-sample loss` (scale 1/n: the gradient of the mean), which
 * ACCUMULATES into g. The kernels average mse and sigmoid-ce over every element, so their value is multiplied
 * by the outputs per sample, and their gradient scale is passed as is (∂ of the sum, times scale).
 */
import { ElunetError } from '../errors.js';
import type { KernelSet } from '../kernels/kernel-set.js';

export interface LossImpl {
  /** softmax-ce keeps the probabilities (n × outputs) that its forward computes */
  probabilities: boolean;
  forward(k: KernelSet, probs: Float32Array, out: Float32Array, target: Int32Array | Float32Array, n: number, outputs: number,
          where: string): number;
  backward(k: KernelSet, g: Float32Array, probs: Float32Array, out: Float32Array, target: Int32Array | Float32Array, n: number,
           outputs: number, scale: number, where: string): void;
}

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
    forward: (k, probs, out, t, n, outputs, where) => k.softmaxCrossEntropyForward(probs, out, labels(t, n, where), n, outputs),
    backward(k, g, probs, out, t, n, outputs, scale, where) {
      const target = labels(t, n, where);
      k.softmaxCrossEntropyForward(probs, out, target, n, outputs);
      k.softmaxCrossEntropyBackward(g, probs, target, n, outputs, scale);
    },
  },
  mse: {
    probabilities: false,
    forward: (k, _, out, t, n, outputs, where) => k.mseForward(out, values('mse', t, n, outputs, where), n * outputs) * outputs,
    backward: (k, g, _, out, t, n, outputs, scale, where) => k.mseBackward(g, out, values('mse', t, n, outputs, where), n * outputs, scale),
  },
  'sigmoid-ce': {
    probabilities: false,
    forward: (k, _, out, t, n, outputs, where) =>
      k.sigmoidCrossEntropyForward(out, values('sigmoid-ce', t, n, outputs, where), n * outputs) * outputs,
    backward: (k, g, _, out, t, n, outputs, scale, where) =>
      k.sigmoidCrossEntropyBackward(g, out, values('sigmoid-ce', t, n, outputs, where), n * outputs, scale),
  },
} satisfies Record<string, LossImpl>;

export type LossName = keyof typeof LOSSES;
