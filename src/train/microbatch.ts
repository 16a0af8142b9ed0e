/**
 * One micro-batch: the unit of work of a training step, identical on the main thread and in a worker.
 *
 * A step of global batch B is cut into micro-batches of fixed size m (the last one may be shorter). For each
 * micro-batch the network runs forward (batch-norm statistics over the micro-batch: "ghost batch norm";
 * dropout masks from keyedRng(seed, step, sample id)), its loss is scaled by 1/B, and its gradient is
 * accumulated into a freshly zeroed buffer. Whoever computes it, the numbers are the same; how the
 * micro-batch gradients are then summed is told once, in src/parallel/protocol.ts.
 */
import { type Allocator, heapAllocator } from '../kernels/kernel-set.js';
import type { Network } from '../model/network.js';
import type { AugmentOptions } from '../data/augment.js';
import { assembleBatch, type SampleSource } from './batch.js';
import { countCorrect } from './metrics.js';

export interface MicroBatchResult {
  /** Σ over the micro-batch of the per-sample loss, divided by B (so micro-batch losses add up to the mean) */
  loss: number;
  top1: number;
  topk: number;
}

export interface MicroBatchBuffers {
  x: Float32Array;
  labels: Int32Array;
}

/** Input and label buffers for m samples, from `alloc` (the network's kernel set's, so its kernels read them in place). */
export function allocMicroBatchBuffers(src: { c: number; h: number; w: number }, m: number, alloc: Allocator = heapAllocator): MicroBatchBuffers {
  return { x: alloc.f32(m * src.c * src.h * src.w), labels: alloc.i32(m) };
}

/** True when the network reconstructs its input (autoencoder) rather than predicting labels. */
export function isReconstruction(net: Network): boolean {
  return net.spec.loss !== 'softmax-ce';
}

/** What the loss compares the output with: the labels of a classifier, the input of an autoencoder. */
export function lossTarget(net: Network, buf: MicroBatchBuffers): Int32Array | Float32Array {
  return isReconstruction(net) ? buf.x : buf.labels;
}

/** Correct top-1 and top-k counts of a forward's output (none for an autoencoder). */
export function scoreOutput(net: Network, out: Float32Array, labels: Int32Array, count: number, classes: number): { top1: number; topk: number } {
  return isReconstruction(net) ? { top1: 0, topk: 0 } : countCorrect(out, labels, count, classes);
}

/**
 * Forward + backward of samples ids[offset … offset+count) into net.grads (zeroed first).
 * The sample ids also key the dropout masks and augmentation.
 */
export function runMicroBatch(
  net: Network,
  src: SampleSource,
  ids: Int32Array,
  offset: number,
  count: number,
  globalBatch: number,
  seed: number,
  step: number,
  aug: AugmentOptions,
  buf: MicroBatchBuffers,
): MicroBatchResult {
  assembleBatch(buf.x, buf.labels, src, ids, offset, count, aug, seed, step);
  const sampleIds = ids.subarray(offset, offset + count);
  net.zeroGrad();
  const out = net.forward(buf.x, count, 'train', { seed, step, sampleIds });
  const target = lossTarget(net, buf);
  const loss = net.loss(target, count);
  net.backward(target, count, 1 / globalBatch);
  return { loss: (loss * count) / globalBatch, ...scoreOutput(net, out, buf.labels, count, src.classes) };
}
