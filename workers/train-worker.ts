/**
 * A training worker (piscina), by the step protocol of src/parallel/protocol.ts. It makes its kernel set on
 * the run's memory and builds the network once over the shared buffers it is given, keeps its own activation
 * workspace, and answers one message per step by claiming micro-batches until none is left; the gradient of
 * each goes into that micro-batch's shared slot. It never writes the parameters.
 */
import { workerData } from 'piscina';
import { Network } from '../src/model/network.js';
import { allocMicroBatchBuffers, runMicroBatch } from '../src/train/microbatch.js';
import { evaluate } from '../src/train/evaluate.js';
import type { EvalReply, StepReply, Task, WorkerInit } from '../src/parallel/protocol.js';
import { joinKernels, receiveArray } from '../src/parallel/shared-kernels.js';

const init = workerData as WorkerInit;
const kernels = joinKernels(init.kernels);
const params = receiveArray(kernels, init.params);
const state = receiveArray(kernels, init.state);
const slots = receiveArray(kernels, init.slots);
const net = new Network(init.spec, { maxBatch: init.microBatch, params, state, kernels });
const buf = allocMicroBatchBuffers(init.sources.train, init.microBatch, kernels.alloc);
const P = net.paramCount;

export default function run(task: Task): StepReply | EvalReply {
  if (task.kind === 'step') {
    if (init.failAtStep !== undefined && task.step === init.failAtStep) {
      if (init.failMode === 'exit') process.exit(3); // in a worker thread this ends the thread, as a crash would
      throw new Error(`injected failure at step ${task.step + 1} (test hook failAtStep)`);
    }
    const B = task.ids.length;
    const m = init.microBatch;
    const micro: StepReply['micro'] = [];
    for (let j = Atomics.add(init.claim, 0, 1); j < task.K; j = Atomics.add(init.claim, 0, 1)) {
      const r = runMicroBatch(net, init.sources.train, task.ids, j * m, Math.min(m, B - j * m), B, init.seed, task.step, init.augment, buf);
      slots.set(net.grads, j * P);
      micro.push({ j, loss: r.loss, top1: r.top1, topk: r.topk, stats: Float32Array.from(net.batchStats()) });
    }
    return { kind: 'step', micro };
  }
  const src = task.which === 'train' ? init.sources.train : init.sources.test;
  if (!src) throw new Error('eval task for a dataset the pool was not given');
  return { kind: 'eval', ...evaluate(net, src, task.ids, { chunk: init.microBatch, buf }) };
}
