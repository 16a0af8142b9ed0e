/**
 * Data-parallel training on worker threads (piscina) over shared memory, by the step protocol of
 * ./protocol.ts: every worker gets one message per step and claims micro-batches from a shared counter until
 * all K are taken; each micro-batch's gradient lands in its own shared slot; this class then sums the slots
 * and applies the batch-norm updates in micro-batch order, as LocalExecutor does.
 */
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { ElunetError } from '../errors.js';
import type { Network } from '../model/network.js';
import type { AugmentOptions } from '../data/augment.js';
import type { SampleSource } from '../train/batch.js';
import { microBatches, type Executor, type StepOutcome } from '../train/executor.js';
import { evaluate, evalOutcome, type EvalOutcome } from '../train/evaluate.js';
import type { EvalReply, StepReply, WorkerInit } from './protocol.js';
import { postArray, postKernels } from './shared-kernels.js';

export interface PoolExecutorOptions {
  /** the main network; its params and state must be shared (SharedArrayBuffers, or the SIMD set's memory) */
  net: Network;
  train: SampleSource;
  test?: SampleSource;
  workers: number;
  microBatch: number;
  /** largest global batch this executor will see (sizes the gradient slots) */
  maxBatch?: number;
  seed: number;
  augment: AugmentOptions;
  /** test hooks, see WorkerInit */
  failAtStep?: number;
  failMode?: 'throw' | 'exit';
}

const WORKER_FILE = fileURLToPath(new URL('../../workers/train-worker.js', import.meta.url));

function sharedFloat(n: number): Float32Array {
  return new Float32Array(new SharedArrayBuffer(Math.max(n, 1) * 4)).subarray(0, n);
}

/** A copy of a dataset whose pixels and labels live in shared memory (no copy if they already do). */
export function sharedSource(src: SampleSource): SampleSource {
  const imagesShared = src.images.buffer instanceof SharedArrayBuffer;
  const labelsShared = src.labels.buffer instanceof SharedArrayBuffer;
  let images = src.images;
  let labels = src.labels;
  if (!imagesShared) {
    images = sharedFloat(src.images.length);
    images.set(src.images);
  }
  if (!labelsShared) {
    labels = new Int32Array(new SharedArrayBuffer(Math.max(src.labels.length, 1) * 4)).subarray(0, src.labels.length);
    labels.set(src.labels);
  }
  return { images, labels, n: src.n, c: src.c, h: src.h, w: src.w, classes: src.classes };
}

export class PoolExecutor implements Executor {
  readonly workers: number;
  private pool: Piscina;
  private slots: Float32Array;
  /** slot j's view, made once */
  private slotViews: Float32Array[];
  private claim: Int32Array;
  private train: SampleSource;
  private test?: SampleSource;
  private closed = false;

  constructor(private o: PoolExecutorOptions) {
    const { net } = o;
    if (!(net.params.buffer instanceof SharedArrayBuffer) || (net.state.length > 0 && !(net.state.buffer instanceof SharedArrayBuffer))) {
      throw new Error('PoolExecutor: the network parameters and state must be allocated on shared memory (SharedArrayBuffers, or the SIMD set\'s)');
    }
    this.workers = o.workers;
    const k = net.kernels;
    const maxK = Math.ceil((o.maxBatch ?? 4096) / o.microBatch);
    const P = net.paramCount;
    this.slots = k.alloc.shared ? k.alloc.f32(maxK * P) : sharedFloat(maxK * P);
    this.slotViews = Array.from({ length: maxK }, (_, j) => this.slots.subarray(j * P, (j + 1) * P));
    this.claim = new Int32Array(new SharedArrayBuffer(4));
    this.train = sharedSource(o.train);
    this.test = o.test ? sharedSource(o.test) : undefined;
    const init: WorkerInit = {
      spec: net.spec,
      microBatch: o.microBatch,
      kernels: postKernels(k),
      params: postArray(k, net.params),
      state: postArray(k, net.state),
      slots: postArray(k, this.slots),
      claim: this.claim,
      sources: { train: this.train, test: this.test },
      seed: o.seed,
      augment: o.augment,
      failAtStep: o.failAtStep,
      failMode: o.failMode,
    };
    this.pool = new Piscina({
      filename: WORKER_FILE,
      minThreads: o.workers,
      maxThreads: o.workers,
      idleTimeout: 60_000,
      workerData: init,
    });
  }

  async computeStep(step: number, ids: Int32Array, gradTotal: Float32Array): Promise<StepOutcome> {
    const B = ids.length;
    const mbs = microBatches(B, this.o.microBatch);
    const K = mbs.length;
    const P = gradTotal.length;
    if (K * P > this.slots.length) {
      throw new Error(`PoolExecutor: batch ${B} needs ${K} gradient slots; sized for ${this.slots.length / P}`);
    }
    const W = Math.min(this.workers, K);
    // Steps never overlap (we await every reply below), so the counter can be reset here.
    Atomics.store(this.claim, 0, 0);
    const tasks: Promise<StepReply>[] = [];
    for (let k = 0; k < W; k++) tasks.push(this.pool.run({ kind: 'step', step, ids, K }));
    let replies: StepReply[];
    try {
      replies = await Promise.all(tasks);
    } catch (e) {
      await this.close();
      throw new ElunetError(
        `a worker thread failed during step ${step + 1}: ${(e as Error).message}; the run stopped and the last checkpoint is intact`,
      );
    }
    const micro = replies.flatMap((r) => r.micro).sort((a, b) => a.j - b.j);
    if (micro.length !== K || micro.some((r, j) => r.j !== j)) {
      throw new Error(`PoolExecutor: step ${step + 1} got ${micro.length} micro-batch results for ${K} micro-batches`);
    }
    gradTotal.fill(0);
    let loss = 0;
    let top1 = 0;
    let topk = 0;
    const k = this.o.net.kernels;
    for (const r of micro) {
      k.accumulate(gradTotal, this.slotViews[r.j], P);
      this.o.net.applyRunningStats(r.stats);
      loss += r.loss;
      top1 += r.top1;
      topk += r.topk;
    }
    return { loss, top1, topk };
  }

  async evaluate(src: SampleSource, ids: Int32Array): Promise<EvalOutcome> {
    const which = src === this.o.train ? 'train' : src === this.o.test ? 'test' : null;
    if (which === null || ids.length < this.workers * this.o.microBatch) {
      return evalOutcome(evaluate(this.o.net, src, ids, { chunk: this.o.microBatch }));
    }
    // each worker gets whole chunks of the main thread's chunking, and their loss sums are added in the main
    // thread's order: the same float64 additions, so the same loss for any number of workers
    const W = this.workers;
    const m = this.o.microBatch;
    const chunks = Math.ceil(ids.length / m);
    const tasks: Promise<EvalReply>[] = [];
    for (let k = 0; k < W; k++) {
      const a = Math.min(ids.length, Math.floor((k * chunks) / W) * m);
      const b = Math.min(ids.length, Math.floor(((k + 1) * chunks) / W) * m);
      tasks.push(this.pool.run({ kind: 'eval', which, ids: ids.slice(a, b) }));
    }
    let replies: EvalReply[];
    try {
      replies = await Promise.all(tasks);
    } catch (e) {
      await this.close();
      throw new ElunetError(`a worker thread failed during evaluation: ${(e as Error).message}`);
    }
    const sums = { lossSum: 0, chunkLoss: [] as number[], top1: 0, topk: 0, count: 0 };
    for (const r of replies) {
      for (const c of r.chunkLoss) sums.lossSum += c;
      sums.chunkLoss.push(...r.chunkLoss);
      sums.top1 += r.top1;
      sums.topk += r.topk;
      sums.count += r.count;
    }
    return evalOutcome(sums);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.destroy();
  }
}

export async function createPoolExecutor(o: PoolExecutorOptions): Promise<Executor> {
  return new PoolExecutor(o);
}
