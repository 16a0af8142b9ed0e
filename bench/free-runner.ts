/**
 * The machine's own ceiling for the scaling bench: a worker thread that runs training micro-batches of a
 * model on its own private network, with no shared memory, no messages during the work and no waiting for
 * anyone. N of these running at once show how much N cores of this machine deliver for exactly this
 * arithmetic when nothing is coordinated; the PoolExecutor cannot beat that, and its speed-up is best read
 * against it (bench/scaling.ts prints both). On a shared or virtual machine two busy cores often give well
 * under 2× of one busy core — another tenant on a sibling hyperthread, a host that throttles — and that is
 * no fault of the pool.
 *
 * Protocol: workerData = { model, width, micro, kernels }; each message { timeMs } runs micro-batches for at
 * least timeMs (and at least 2) and replies { samples, seconds }. With the SIMD kernels each thread has its own
 * memory (nothing shared).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Network } from '../src/model/network.js';
import { models } from '../src/model/zoo.js';
import { allocMicroBatchBuffers, runMicroBatch } from '../src/train/microbatch.js';
import { kernelsByName, type KernelsName } from '../src/simd/index.js';
import { randomSource } from './common.js';

interface FreeInit {
  model: string;
  width: number;
  micro: number;
  kernels: KernelsName;
}

const init = workerData as FreeInit;
const spec = models[init.model].build({ activation: 'elu', width: init.width });
const kernels = kernelsByName(init.kernels);
const net = new Network(spec, { maxBatch: init.micro, kernels });
net.initParams(1);
const n = init.micro * 4;
const src = randomSource(spec.input, net.outputSize, n, false);
const buf = allocMicroBatchBuffers(src, init.micro, kernels.alloc);
const ids = Int32Array.from({ length: n }, (_, i) => i);
const augment = { pad: 0, flip: false };
let step = 0;

function oneMicroBatch(): void {
  const offset = (step % 4) * init.micro;
  runMicroBatch(net, src, ids, offset, init.micro, n, 1, step, augment, buf);
  step++;
}

oneMicroBatch(); // warm-up: JIT and buffers
parentPort!.on('message', (m: { timeMs: number }) => {
  const t0 = performance.now();
  let count = 0;
  while (count < 2 || performance.now() - t0 < m.timeMs) {
    oneMicroBatch();
    count++;
  }
  parentPort!.postMessage({ samples: count * init.micro, seconds: (performance.now() - t0) / 1000 });
});
