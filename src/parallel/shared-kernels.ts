/**
 * How a run's kernel set, and the buffers the main thread shares, reach a worker thread (the step protocol
 * itself is told in ./protocol.ts).
 *
 *   ts    the shared buffers are Float32Arrays on SharedArrayBuffers, posted as they are; the worker uses
 *         tsKernels.
 *   simd  every buffer lives in the one shared WebAssembly memory of the run. The memory is posted once and
 *         each buffer as its address and length in it: a posted view would arrive on another
 *         SharedArrayBuffer object, which the worker's kernels would not recognise as their memory. The worker
 *         instantiates the module on the memory (its own instance, its own matmul scratch) and allocates its
 *         activations from it (the allocator's bump pointer moves atomically, so threads never overlap).
 */
import { ElunetError } from '../errors.js';
import type { KernelSet } from '../kernels/kernel-set.js';
import { SimdKernels, kernelsByName } from '../simd/index.js';

export type PostedKernels = { name: 'ts' } | { name: 'simd'; memory: WebAssembly.Memory };
export type PostedArray = Float32Array | { at: number; length: number };

/** The description of `k` a worker can rebuild it from. */
export function postKernels(k: KernelSet): PostedKernels {
  if (k instanceof SimdKernels) return { name: 'simd', memory: k.memory.memory };
  if (k.name === 'ts') return { name: 'ts' };
  throw new ElunetError(`the '${k.name}' kernels cannot be shared with worker threads (only 'ts' and 'simd' can); use --workers 1`);
}

/** A buffer of the main thread, as it travels to a worker. */
export function postArray(k: KernelSet, a: Float32Array): PostedArray {
  if (k instanceof SimdKernels) return k.memory.addressOf(a);
  if (a.length > 0 && !(a.buffer instanceof SharedArrayBuffer)) throw new Error('postArray: a buffer shared with workers must live on a SharedArrayBuffer');
  return a;
}

/** The worker's own kernel set, on the main thread's memory. */
export function joinKernels(p: PostedKernels): KernelSet {
  return p.name === 'simd' ? kernelsByName('simd', p.memory) : kernelsByName('ts');
}

/** A posted buffer, as a view the worker's kernels take. */
export function receiveArray(k: KernelSet, a: PostedArray): Float32Array {
  if (a instanceof Float32Array) return a;
  if (!(k instanceof SimdKernels)) throw new Error('receiveArray: an address without the SIMD kernels’ memory');
  return k.memory.viewF32(a.at, a.length);
}
