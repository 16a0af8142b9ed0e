/**
 * The messages between the main thread and the training workers, in one place.
 *
 * Once, at pool creation (piscina's workerData): the model spec and every shared buffer — parameters and
 * batch-norm running statistics (read-only for workers), the gradient slots (one per micro-batch of a step;
 * a worker writes only the slots of the micro-batches it was given), and the datasets' pixels and labels.
 * Then one message per worker per step: the step number, the sample ids of the global batch and the number
 * of micro-batches K. Workers claim micro-batches one at a time from a shared counter (Atomics.add), so a
 * thread that runs slower — a busy core, a garbage collection — simply computes fewer of them and nobody
 * waits for it at the end of the step. Which worker computed a micro-batch never changes what is in its
 * slot. The reply carries, per micro-batch, its loss, correct counts and its batch-norm statistics; the
 * gradients are already in the shared slots.
 */
import type { ModelSpec } from '../model/spec.js';
import type { AugmentOptions, SampleSource } from '../train/batch.js';

export interface WorkerInit {
  spec: ModelSpec;
  microBatch: number;
  /** P floats, SharedArrayBuffer */
  params: Float32Array;
  /** batch-norm running statistics, SharedArrayBuffer */
  state: Float32Array;
  /** K·P floats, SharedArrayBuffer: slot j holds the gradient of micro-batch j of the current step */
  slots: Float32Array;
  /** one Int32 on a SharedArrayBuffer: the next unclaimed micro-batch of the current step */
  claim: Int32Array;
  sources: { train: SampleSource; test?: SampleSource };
  seed: number;
  augment: AugmentOptions;
  /** test hook: the worker fails when asked to compute this step, by throwing or by exiting its thread */
  failAtStep?: number;
  failMode?: 'throw' | 'exit';
}

export interface StepTask {
  kind: 'step';
  step: number;
  /** the global batch's sample ids, in batch order */
  ids: Int32Array;
  /** number of micro-batches of this step; workers claim indices 0…K−1 from WorkerInit.claim */
  K: number;
}

export interface EvalTask {
  kind: 'eval';
  which: 'train' | 'test';
  ids: Int32Array;
}

export type Task = StepTask | EvalTask;

export interface MicroBatchReply {
  j: number;
  loss: number;
  top1: number;
  topk: number;
  /** batch-norm statistics of this micro-batch (Network.batchStats()) */
  stats: Float32Array;
}

export interface StepReply {
  kind: 'step';
  micro: MicroBatchReply[];
}

export interface EvalReply {
  kind: 'eval';
  lossSum: number;
  top1: number;
  topk: number;
  count: number;
}
