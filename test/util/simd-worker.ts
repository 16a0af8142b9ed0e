/**
 * A prototype of a data-parallel worker on the SIMD path (test/simd-memory.test.ts starts it with
 * worker_threads): it receives the one shared WebAssembly.Memory and the addresses of the shared buffers once,
 * instantiates the kernels on that memory in its own thread (its own matmul scratch, allocated through the
 * shared bump pointer), computes dense-layer gradients of its micro-batches into its own gradient slot inside
 * the same memory, and reports only addresses back: no array is copied in either direction.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { denseShape } from '../../src/kernels/dense.js';
import { SimdMemory, createSimdKernels } from '../../src/simd/index.js';

export interface WorkerJob {
  memory: WebAssembly.Memory;
  /** byte addresses of x (batch × IN), dy (batch × OUT) and the gradient slots (one OUT × IN slot per worker) */
  x: number; dy: number; slots: number;
  batch: number; micro: number; IN: number; OUT: number;
  worker: number; workers: number;
  /** bytes this worker allocates for itself afterwards (to show that growing the memory keeps every view valid) */
  growBytes: number;
}

const job = workerData as WorkerJob;
const mem = new SimdMemory(job.memory);
const k = createSimdKernels({ memory: mem });
const x = mem.viewF32(job.x, job.batch * job.IN);
const dy = mem.viewF32(job.dy, job.batch * job.OUT);
const slot = mem.viewF32(job.slots + job.worker * job.OUT * job.IN * 4, job.OUT * job.IN);
const s = denseShape({ n: job.micro, inFeatures: job.IN, outFeatures: job.OUT });
// micro-batches worker, worker + workers, …: each adds its dW = dyᵀ·x into this worker's slot
for (let mb = job.worker; mb * job.micro < job.batch; mb += job.workers) {
  const xs = x.subarray(mb * job.micro * job.IN, (mb + 1) * job.micro * job.IN);
  const dys = dy.subarray(mb * job.micro * job.OUT, (mb + 1) * job.micro * job.OUT);
  k.denseBackwardParams(slot, null, dys, xs, s);
}
const own = mem.f32(job.growBytes / 4); // grows the shared memory; the main thread's views stay valid
own[own.length - 1] = job.worker;
parentPort!.postMessage({ done: true, ownAt: own.byteOffset, memoryBytes: mem.byteLength });
