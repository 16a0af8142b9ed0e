/**
 * Evaluation, written once: the training loop (test set, and the fixed training subset with the paper's
 * activation statistics), both executors, the worker threads and `elunet eval` all call `evaluate`.
 *
 * Eval mode (no dropout, batch-norm running statistics), no augmentation, samples `ids` in chunks of at most
 * `chunk`: per chunk one forward, the loss (times the chunk size, so that the chunks add up to the sum over
 * the samples), the top-1 / top-k counts, and, when asked, the per-unit activation sums. The result holds
 * sums, so that the evaluations of several workers add up (the loss chunk by chunk in order, so that a pool whose
 * shares start at chunk boundaries adds exactly what one thread adds); `evalOutcome` turns them into means.
 */
import type { Network } from '../model/network.js';
import { NO_AUGMENT } from '../data/augment.js';
import { assembleBatch, type SampleSource } from './batch.js';
import { allocMicroBatchBuffers, lossTarget, scoreOutput, type MicroBatchBuffers } from './microbatch.js';
import type { UnitActivationStats } from './metrics.js';

export interface EvalSums {
  /** Σ over the samples of the per-sample loss, added chunk by chunk in order */
  lossSum: number;
  /** the loss sum of each chunk, in order: what a pool adds up in the same order to get the same lossSum */
  chunkLoss: number[];
  top1: number;
  topk: number;
  count: number;
}

export interface EvalOutcome {
  /** mean loss over the evaluated samples */
  loss: number;
  top1: number;
  topk: number;
  count: number;
}

export interface EvaluateOptions {
  /** samples per forward, at most the network's maxBatch */
  chunk: number;
  /** input buffers of at least `chunk` samples (allocated when absent) */
  buf?: MicroBatchBuffers;
  /** accumulates the hidden units' activations of every forward (the paper's Fig. 2 metric) */
  stats?: UnitActivationStats;
}

/** Eval-mode loss sum and correct counts over samples `ids` of `src` (see the file header). */
export function evaluate(net: Network, src: SampleSource, ids: ArrayLike<number>, o: EvaluateOptions): EvalSums {
  const buf = o.buf ?? allocMicroBatchBuffers(src, o.chunk);
  let lossSum = 0;
  let top1 = 0;
  let topk = 0;
  const chunkLoss: number[] = [];
  for (let offset = 0; offset < ids.length; offset += o.chunk) {
    const count = Math.min(o.chunk, ids.length - offset);
    assembleBatch(buf.x, buf.labels, src, ids, offset, count, NO_AUGMENT, 0, 0);
    const out = net.forward(buf.x, count, 'eval');
    o.stats?.add(net.hiddenActivations(), count);
    const chunkSum = net.loss(lossTarget(net, buf), count) * count;
    chunkLoss.push(chunkSum);
    lossSum += chunkSum;
    const c = scoreOutput(net, out, buf.labels, count, src.classes);
    top1 += c.top1;
    topk += c.topk;
  }
  return { lossSum, chunkLoss, top1, topk, count: ids.length };
}

/** Sums to means: the loss per sample (the counts stay counts). */
export function evalOutcome(s: EvalSums): EvalOutcome {
  return { loss: s.lossSum / s.count, top1: s.top1, topk: s.topk, count: s.count };
}
