/**
 * An Executor computes the gradient of one training step and evaluates a set of samples. The training loop
 * does not know whether this happens on the main thread (LocalExecutor, `--workers 1`) or in a pool of
 * worker threads (src/parallel/pool-executor.ts): both run the same micro-batches and sum their gradients in
 * the same fixed order (src/parallel/protocol.ts tells how and why), so the result does not depend on the
 * number of workers.
 */
import type { Network } from '../model/network.js';
import type { AugmentOptions } from '../data/augment.js';
import type { SampleSource } from './batch.js';
import { allocMicroBatchBuffers, runMicroBatch, type MicroBatchBuffers } from './microbatch.js';
import { evaluate, evalOutcome, type EvalOutcome } from './evaluate.js';

export interface StepOutcome {
  /** mean loss over the global batch */
  loss: number;
  top1: number;
  topk: number;
}

export interface Executor {
  readonly workers: number;
  /**
   * Gradient of step `step` for the samples `ids` (the global batch) into `gradTotal` (overwritten), as the
   * in-order sum of the micro-batch gradients; batch-norm running statistics of `net` updated in the same order.
   */
  computeStep(step: number, ids: Int32Array, gradTotal: Float32Array): Promise<StepOutcome>;
  /** Eval-mode loss and accuracy over `ids` of `src`. */
  evaluate(src: SampleSource, ids: Int32Array): Promise<EvalOutcome>;
  close(): Promise<void>;
}

export interface ExecutorOptions {
  microBatch: number;
  seed: number;
  augment: AugmentOptions;
}

/** Micro-batch boundaries of a global batch of size B: [offset, count] pairs. */
export function microBatches(batch: number, micro: number): [number, number][] {
  const out: [number, number][] = [];
  for (let o = 0; o < batch; o += micro) out.push([o, Math.min(micro, batch - o)]);
  return out;
}

/** Everything on the main thread: `net` computes each micro-batch into its own grads, then adds them up. */
export class LocalExecutor implements Executor {
  readonly workers = 1;
  private buf: MicroBatchBuffers;

  constructor(
    private net: Network,
    private train: SampleSource,
    private opts: ExecutorOptions,
  ) {
    this.buf = allocMicroBatchBuffers(train, opts.microBatch, net.kernels.alloc);
  }

  async computeStep(step: number, ids: Int32Array, gradTotal: Float32Array): Promise<StepOutcome> {
    gradTotal.fill(0);
    const B = ids.length;
    let loss = 0;
    let top1 = 0;
    let topk = 0;
    const k = this.net.kernels;
    for (const [offset, count] of microBatches(B, this.opts.microBatch)) {
      const r = runMicroBatch(this.net, this.train, ids, offset, count, B, this.opts.seed, step, this.opts.augment, this.buf);
      this.net.applyRunningStats(this.net.batchStats());
      k.accumulate(gradTotal, this.net.grads, gradTotal.length);
      loss += r.loss;
      top1 += r.top1;
      topk += r.topk;
    }
    return { loss, top1, topk };
  }

  async evaluate(src: SampleSource, ids: Int32Array): Promise<EvalOutcome> {
    return evalOutcome(evaluate(this.net, src, ids, { chunk: this.opts.microBatch, buf: this.buf }));
  }

  async close(): Promise<void> {}
}
