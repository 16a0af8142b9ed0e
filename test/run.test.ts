/**
 * The one training pipeline (src/run/setup.ts): a run on data prepared by the caller — what `elunet compare`
 * and every experiment do, preparing once for many runs — is bit for bit the run that prepares its own data,
 * which is what `elunet train` does. And the data is not consumed: a second run on it is the same again.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TRAIN_DEFAULTS, prepareData, runTraining, type TrainOptions } from '../src/run/setup.js';

const dir = mkdtempSync(join(tmpdir(), 'elunet-run-'));
const options = (out: string): TrainOptions => ({
  ...TRAIN_DEFAULTS,
  model: 'mnist-mlp',
  width: 0.25,
  dropout: true,
  batchNorm: true,
  epochs: 1,
  trainLimit: 192,
  testLimit: 64,
  statsSubset: 64,
  workers: 1,
  quiet: true,
  out: join(dir, out),
});

test('runTraining on prepared data equals runTraining preparing its own; prepared data can be reused', async () => {
  const own = await runTraining(options('own'), { log: () => {} });
  const data = prepareData(options('x'), false);
  const first = await runTraining(options('prepared1'), { data, log: () => {} });
  const second = await runTraining(options('prepared2'), { data, log: () => {} });
  for (const r of [first, second]) {
    assert.ok(r.net.params.every((v, i) => Object.is(v, own.net.params[i])), 'parameters bitwise equal');
    assert.deepEqual(
      r.history.map((m) => [m.trainLoss, m.testLoss, m.testAcc, m.medianUnitActivation]),
      own.history.map((m) => [m.trainLoss, m.testLoss, m.testAcc, m.medianUnitActivation]),
    );
  }
  // the runs trained (a finite loss, one epoch recorded), so the equalities above compare real numbers
  assert.equal(own.history.length, 1);
  assert.ok(Number.isFinite(own.history[0].trainLoss));
});
