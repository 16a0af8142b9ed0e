/**
 * The training loop: it learns, a resumed run continues exactly where it stopped, a diverging run stops with
 * a message naming the step and keeps the last good checkpoint, and the same seed gives the same run. The
 * determinism and resume tests run with both kernel sets (test/util/kernel-sets.ts); a resume on the other
 * set says that the continuation is not bit-identical.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModelSpec } from '../src/model/spec.js';
import { Sgd } from '../src/optim/sgd.js';
import { trainLoop, TrainingDiverged, type LoopOptions } from '../src/train/loop.js';
import { LocalExecutor } from '../src/train/executor.js';
import { loadCheckpoint } from '../src/io/checkpoint.js';
import { KERNEL_SETS } from './util/kernel-sets.js';
import { bands } from './util/bands.js';

const spec: ModelSpec = {
  name: 'tiny-cnn',
  input: [1, 8, 8],
  activation: { name: 'elu' },
  init: 'he-normal',
  loss: 'softmax-ce',
  layers: [
    { type: 'conv', filters: 4, size: 3, pad: 'same', batchNorm: true },
    { type: 'maxpool', size: 2 },
    { type: 'dropout', rate: 0.2 },
    { type: 'dense', units: 3, activation: 'none' },
  ],
};

const train = bands(120, 1);
const testSet = bands(60, 2);

function options(runDir: string, over: Partial<LoopOptions> = {}): LoopOptions {
  return {
    runDir,
    spec,
    train,
    test: testSet,
    meta: {},
    epochs: 3,
    batch: 20,
    microBatch: 10,
    seed: 4,
    augment: { pad: 1, flip: false },
    makeOptimizer: (layout, kernels) => new Sgd(layout, { momentum: 0.9, kernels }),
    lrAt: () => 0.05,
    statsSubset: 40,
    checkpointEvery: 0,
    resume: false,
    quiet: true,
    log: () => {},
    ...over,
  };
}

const tmp = () => mkdtempSync(join(tmpdir(), 'elunet-train-'));

test('training learns the toy task and writes metrics and a checkpoint', async () => {
  const dir = tmp();
  const r = await trainLoop(options(dir));
  assert.equal(r.history.length, 3);
  const last = r.history[2];
  // 3 balanced classes: chance is ~33 %; a working loop gets far above it in 18 steps
  assert.ok(last.testAcc > 0.8, `test accuracy ${last.testAcc}`);
  assert.ok(last.trainLoss < r.history[0].trainLoss, 'training loss fell');
  assert.equal(readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').length, 3);
  assert.ok(existsSync(join(dir, 'checkpoint', 'checkpoint.json')));
  assert.ok(Number.isFinite(last.medianUnitActivation));
});

for (const ks of KERNEL_SETS) {
  test(`${ks.name}: the same seed gives the same run; another seed a different one`, { skip: ks.skip }, async () => {
    const a = await trainLoop(options(tmp(), { epochs: 1, kernels: ks.make() }));
    const b = await trainLoop(options(tmp(), { epochs: 1, kernels: ks.make() }));
    const c = await trainLoop(options(tmp(), { epochs: 1, seed: 5, kernels: ks.make() }));
    assert.deepEqual(Array.from(a.net.params), Array.from(b.net.params));
    assert.notDeepEqual(Array.from(a.net.params), Array.from(c.net.params));
  });

  test(`${ks.name}: a run killed mid-epoch and resumed ends with exactly the parameters of an uninterrupted run`, { skip: ks.skip }, async () => {
    const whole = await trainLoop(options(tmp(), { kernels: ks.make() }));
    const dir = tmp();
    // "kill" the run at step 8 (epoch 2 of 3, steps 6..11): the executor throws, as a dying process would stop
    await assert.rejects(
      trainLoop(
        options(dir, {
          kernels: ks.make(),
          checkpointEvery: 4,
          makeExecutor: async (net) => {
            const inner = new LocalExecutor(net, train, { microBatch: 10, seed: 4, augment: { pad: 1, flip: false } });
            return {
              workers: 1,
              computeStep: (step, ids, g) => (step === 8 ? Promise.reject(new Error('killed')) : inner.computeStep(step, ids, g)),
              evaluate: (src, ids) => inner.evaluate(src, ids),
              close: () => inner.close(),
            };
          },
        }),
      ),
      /killed/,
    );
    // the last checkpoint is the one from step 8 (checkpointEvery 4), not a half-written one
    const ck = loadCheckpoint(join(dir, 'checkpoint'));
    assert.equal((ck.meta as { training: { step: number } }).training.step, 8);
    const resumed = await trainLoop(options(dir, { resume: true, kernels: ks.make() }));
    assert.deepEqual(Array.from(resumed.net.params), Array.from(whole.net.params));
    assert.deepEqual(
      resumed.history.map((h) => [h.trainLoss, h.testLoss]),
      whole.history.map((h) => [h.trainLoss, h.testLoss]),
    );
  });
}

test('a run resumed on the other kernel set continues, and says that the continuation is not bit-identical', { skip: KERNEL_SETS[1].skip }, async () => {
  const dir = tmp();
  // the kernels a run records are in its options (runTraining stores them there)
  await trainLoop(options(dir, { epochs: 1, meta: { options: { kernels: 'ts' } } }));
  const lines: string[] = [];
  const r = await trainLoop(options(dir, { epochs: 2, resume: true, kernels: KERNEL_SETS[1].make(), log: (l) => lines.push(l),
    meta: { options: { kernels: 'simd' } } }));
  assert.equal(r.history.length, 2);
  assert.ok(lines.some((l) => /computed with the 'ts' kernels and continue with 'simd'.*not bit-identical/.test(l)), lines.join('\n'));
  // the same set again: no note
  const quiet: string[] = [];
  await trainLoop(options(dir, { epochs: 3, resume: true, kernels: KERNEL_SETS[1].make(), log: (l) => quiet.push(l), meta: { options: { kernels: 'simd' } } }));
  assert.ok(!quiet.some((l) => /not bit-identical/.test(l)), quiet.join('\n'));
});

test('a diverging run stops with a message naming the step, and the last good checkpoint stays', async () => {
  const dir = tmp();
  await assert.rejects(
    trainLoop(options(dir, { lrAt: (s) => (s < 6 ? 0.05 : 1e30) })),
    (e: unknown) => e instanceof TrainingDiverged && /at step \d+ \(epoch 2\)/.test((e as Error).message),
  );
  const ck = loadCheckpoint(join(dir, 'checkpoint'));
  assert.equal((ck.meta as { training: { step: number } }).training.step, 6, 'epoch-1 checkpoint kept');
  assert.ok(ck.params.every(Number.isFinite));
});
