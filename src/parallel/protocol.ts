/**
 * The step protocol: how one training step is computed, by one thread or by many, and the messages between
 * the main thread and the training workers. This is the one place in the code that tells it; the other
 * files refer here, and docs/parallel.md tells it for readers.
 *
 * The arithmetic. A step of global batch B is cut into K = ⌈B / m⌉ micro-batches of fixed size m (the last
 * may be shorter). Micro-batch j is computed by runMicroBatch (src/train/microbatch.ts): batch-norm
 * statistics over the micro-batch ("ghost batch norm"), dropout masks and augmentation keyed by
 * (seed, step, sample id), its loss scaled by 1 / B; its gradient goes into slot j, whoever computes it. The
 * main thread then sums the slots in micro-batch order, g = ((0 + g₀) + g₁) + … + g_{K−1}, and applies the
 * micro-batches' batch-norm running-statistics updates in the same order. Floating-point addition is not
 * associative, which is why the order is fixed: LocalExecutor (src/train/executor.ts) does exactly these
 * additions on one thread, PoolExecutor (./pool-executor.ts) after the workers have filled the slots, and
 * 1, 2 or 16 workers compute the same bits. Workers only read the parameters; the optimizer runs on the main
 * thread after every reply has arrived.
 *
 * The memory. Parameters, batch-norm running statistics and the gradient slots are shared by every thread
 * and read and written in place. With the TypeScript kernels they are Float32Arrays on SharedArrayBuffers;
 * with the SIMD kernels they live, with the optimizer state and the gradient sum, in the run's one shared
 * WebAssembly memory, in which each worker also allocates its own network (activations, workspace, its
 * gradient buffer) and runs its own instance of the module (./shared-kernels.ts says how the set and the
 * buffers travel). A worker computes a micro-batch into its network's gradient buffer and copies it into the
 * micro-batch's slot (one memcpy within the shared memory); the sum of the slots and the optimizer step run
 * on the main thread, through the same kernel set.
 *
 * The messages. Once, at pool creation (piscina's workerData): the model spec, the kernel set (and its
 * memory) and every shared buffer — parameters and batch-norm running statistics (read-only for workers), the
 * gradient slots (a worker writes only the slots of the micro-batches it claimed), and the datasets' pixels
 * and labels. Then one message per
 * worker per step: the step number, the sample ids of the global batch and K. Workers claim micro-batches
 * one at a time from a shared counter (Atomics.add), so a thread that runs slower — a busy core, a garbage
 * collection — simply computes fewer of them and nobody waits for it at the end of the step; which worker
 * computed a micro-batch never changes what is in its slot. The reply carries, per micro-batch, its loss,
 * correct counts and batch-norm statistics; the gradients are already in the shared slots. An evaluation
 * gives each worker a contiguous share of the sample ids and gets back the sums of `evaluate`.
 */
import type { ModelSpec } from '../model/spec.js';
import type { AugmentOptions } from '../data/augment.js';
import type { SampleSource } from '../train/batch.js';
import type { EvalSums } from '../train/evaluate.js';
import type { PostedArray, PostedKernels } from './shared-kernels.js';

export interface WorkerInit {
  spec: ModelSpec;
  microBatch: number;
  /** the run's kernel set ('ts', or 'simd' with its shared WebAssembly memory) */
  kernels: PostedKernels;
  /** P floats */
  params: PostedArray;
  /** batch-norm running statistics */
  state: PostedArray;
  /** K·P floats: slot j holds the gradient of micro-batch j of the current step */
  slots: PostedArray;
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

export interface EvalReply extends EvalSums {
  kind: 'eval';
}
