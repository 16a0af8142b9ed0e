/**
 * Data-parallel training gives the same parameters whatever the number of workers.
 *
 * A small CNN with batch norm (statistics per micro-batch) and dropout (masks keyed by (seed, step, sample))
 * is trained for several SGD-momentum steps on the main thread (LocalExecutor) and with 2 and 3 piscina
 * workers (PoolExecutor). Every micro-batch's gradient is computed by the same code on the same numbers and
 * the slots are summed in the same order, so the parameters and the batch-norm running statistics must be
 * BITWISE equal (tolerance 0: any difference means the reduction order or a random stream depends on the
 * worker split). A worker that fails must end the step with a clear error and leave the pool closed.
 *
 * Every test runs with both kernel sets (test/util/kernel-sets.ts): with the TypeScript kernels the shared
 * buffers are SharedArrayBuffers; with the SIMD kernels the parameters, slots, optimizer state and every
 * worker's activations live in the run's one shared WebAssembly memory, as in a real run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Network } from '../src/model/network.js';
import type { ModelSpec } from '../src/model/spec.js';
import { Sgd } from '../src/optim/sgd.js';
import { LocalExecutor, type Executor } from '../src/train/executor.js';
import { PoolExecutor } from '../src/parallel/pool-executor.js';
import type { SampleSource } from '../src/train/batch.js';
import { ElunetError } from '../src/errors.js';
import { Rng } from '../src/rng.js';
import type { KernelSet } from '../src/kernels/kernel-set.js';
import { KERNEL_SETS, type TestKernels } from './util/kernel-sets.js';

const spec: ModelSpec = {
  name: 'tiny-cnn',
  input: [1, 8, 8],
  activation: { name: 'elu' },
  init: 'he-normal',
  loss: 'softmax-ce',
  layers: [
    { type: 'conv', filters: 4, size: 3, pad: 'same', batchNorm: true },
    { type: 'maxpool', size: 2 },
    { type: 'dropout', rate: 0.3 },
    { type: 'dense', units: 16, norm: 'center-after' }, // ghost statistics of a second kind
    { type: 'dropout', rate: 0.2 },
    { type: 'dense', units: 5, activation: 'none' },
  ],
};

function dataset(n: number, seed: number): SampleSource {
  const rng = new Rng(seed);
  const images = new Float32Array(n * 64);
  for (let i = 0; i < images.length; i++) images[i] = rng.uniform();
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) labels[i] = rng.int(5);
  return { images, labels, n, c: 1, h: 8, w: 8, classes: 5 };
}

const BATCH = 24;
const MICRO = 6; // 4 micro-batches per step: 2 workers get 2 each, 3 workers get 2/1/1 — uneven on purpose
const STEPS = 4;
const SEED = 11;
const aug = { pad: 1, flip: true };

function sharedFloats(n: number): Float32Array {
  return new Float32Array(new SharedArrayBuffer(Math.max(n, 1) * 4)).subarray(0, n);
}

/** The run's shared buffers of one kernel set: SharedArrayBuffers for ts, the set's own memory for simd. */
function sharedAlloc(k: KernelSet): (n: number) => Float32Array {
  return k.alloc.shared ? (n) => k.alloc.f32(n) : sharedFloats;
}

async function train(ks: TestKernels, workers: number, failAtStep?: number, failMode: 'throw' | 'exit' = 'throw'): Promise<{ params: Float32Array; state: Float32Array; losses: number[] }> {
  const k = ks.make(); // a new memory per run, for simd, as runTraining makes it
  const probe = new Network(spec, { maxBatch: 1 });
  const params = sharedAlloc(k)(probe.paramCount);
  const state = sharedAlloc(k)(probe.state.length);
  const net = new Network(spec, { maxBatch: MICRO, params, state, kernels: k });
  net.initParams(SEED);
  const src = dataset(96, 3);
  const exec: Executor =
    workers === 1
      ? new LocalExecutor(net, src, { microBatch: MICRO, seed: SEED, augment: aug })
      : new PoolExecutor({ net, train: src, workers, microBatch: MICRO, maxBatch: BATCH, seed: SEED, augment: aug, failAtStep, failMode });
  const opt = new Sgd(net.layout, { momentum: 0.9, weightDecay: 1e-4, kernels: k });
  const grad = k.alloc.f32(net.paramCount);
  const losses: number[] = [];
  const perm = new Rng(5).permutation(src.n);
  try {
    for (let s = 0; s < STEPS; s++) {
      const ids = perm.subarray((s * BATCH) % src.n, (s * BATCH) % src.n + BATCH);
      const r = await exec.computeStep(s, ids, grad);
      losses.push(r.loss);
      opt.step(params, grad, 0.05);
    }
  } finally {
    await exec.close();
  }
  return { params: Float32Array.from(params), state: Float32Array.from(state), losses };
}

function firstDifference(a: Float32Array, b: Float32Array): string {
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return `index ${i}: ${a[i]} vs ${b[i]}`;
  return 'none';
}

for (const ks of KERNEL_SETS) {
test(`${ks.name}: 1, 2 and 3 workers train to bitwise-identical parameters and batch-norm and centring statistics`, { skip: ks.skip }, async () => {
  const one = await train(ks, 1);
  for (const w of [2, 3]) {
    const many = await train(ks, w);
    assert.deepEqual(many.losses, one.losses, `losses with ${w} workers differ from 1 worker`);
    assert.ok(
      many.params.every((v, i) => Object.is(v, one.params[i])),
      `parameters with ${w} workers differ from 1 worker at ${firstDifference(many.params, one.params)}`,
    );
    assert.ok(
      many.state.every((v, i) => Object.is(v, one.state[i])),
      `running statistics with ${w} workers differ at ${firstDifference(many.state, one.state)}`,
    );
  }
  // the run actually trained: parameters moved and the loss is finite
  assert.ok(one.losses.every(Number.isFinite));
  if (ks.name === 'simd') {
    // and it ran on the SIMD kernels, not on the TypeScript ones in disguise: the parameters differ from the
    // ts run's in rounding (float32 sums, the vector expm1), after 4 steps by far less than 1e-4 of their scale
    const ts = await train(KERNEL_SETS[0], 1);
    const scale = ts.params.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    const diff = ts.params.reduce((m, v, i) => Math.max(m, Math.abs(v - one.params[i])), 0);
    assert.ok(diff > 0 && diff < 1e-4 * scale, `largest difference from the ts run ${diff} (scale ${scale})`);
  }
});

test(`${ks.name}: a worker that fails mid-run ends the step with an error naming the step, and the pool shuts down`, { skip: ks.skip }, async () => {
  await assert.rejects(
    () => train(ks, 2, 2),
    (e: unknown) => e instanceof ElunetError && /worker thread failed during step 3/.test((e as Error).message),
  );
});

test(`${ks.name}: a worker thread that dies mid-run (exits) also ends the step with an error naming the step`, { skip: ks.skip }, async () => {
  await assert.rejects(
    () => train(ks, 2, 1, 'exit'),
    (e: unknown) => e instanceof ElunetError && /worker thread failed during step 2/.test((e as Error).message),
  );
});

test(`${ks.name}: evaluation on 2 workers gives exactly the counts and the loss of the main thread`, { skip: ks.skip }, async () => {
  const k = ks.make();
  const probe = new Network(spec, { maxBatch: 1 });
  const net = new Network(spec, { maxBatch: MICRO, params: sharedAlloc(k)(probe.paramCount), state: sharedAlloc(k)(probe.state.length), kernels: k });
  net.initParams(SEED);
  const src = dataset(96, 3);
  const ids = Int32Array.from({ length: 90 }, (_, i) => i); // 45 per worker would split a chunk: shares are cut at chunk boundaries
  const local = new LocalExecutor(net, src, { microBatch: MICRO, seed: SEED, augment: aug });
  const pool = new PoolExecutor({ net, train: src, workers: 2, microBatch: MICRO, maxBatch: BATCH, seed: SEED, augment: aug });
  try {
    const a = await local.evaluate(src, ids);
    const b = await pool.evaluate(src, ids);
    assert.deepEqual([b.top1, b.topk, b.count], [a.top1, a.topk, a.count]);
    // the same chunks, their loss sums added in the same order: the same float64 (a lost, doubled or
    // regrouped chunk would change at least the last bits)
    assert.ok(Object.is(b.loss, a.loss), `pool ${b.loss} vs main thread ${a.loss}`);
  } finally {
    await pool.close();
  }
});
}
