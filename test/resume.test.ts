/**
 * The rules of a resume (src/run/resume.ts), without a process: which options a checkpoint keeps, which of
 * the options given override them, which are refused, and how a change is reported. Then an experiment's
 * run cut off half-way: re-invoked, it continues to exactly the run it would have been, and a run folder of
 * other settings is refused naming them. (test/resume-kill.test.ts kills real trainings of every zoo model.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataError, ElunetError } from '../src/errors.js';
import { TRAIN_DEFAULTS, type TrainOptions } from '../src/run/setup.js';
import { RESUME_RULES, formatChanges, resolveResume, scheduleFollowsRunLength, storedOptions, type StoredOptions } from '../src/run/resume.js';
import { ensureRun, lazyData, trainOptions } from '../src/experiments/common.js';

const WHERE = 'runs/a/checkpoint/checkpoint.json';
const run: TrainOptions = {
  ...TRAIN_DEFAULTS, model: 'mnist-mlp', width: 0.25, dropout: true, epochs: 4, lr: 0.02, schedule: 'cosine', trainLimit: 512,
  workers: 3, quiet: true, resume: false, out: 'runs/a',
};
const saved = storedOptions(run);
/** what the CLI hands over for `elunet train --resume --out runs/a` plus `typed` (its defaults for the rest) */
const cli = (typed: Partial<TrainOptions>): [TrainOptions, Set<string>] => [
  { ...TRAIN_DEFAULTS, workers: 2, out: 'runs/a', resume: true, ...typed },
  new Set(['out', 'resume', ...Object.keys(typed)]),
];

test('the options of a resume: fixed, changeable and not stored, as the design lists them', () => {
  const of = (rule: string) => Object.keys(RESUME_RULES).filter((k) => RESUME_RULES[k as keyof TrainOptions] === rule).sort();
  assert.deepEqual(of('fixed'), ['activation', 'alpha', 'augment', 'batch', 'batchNorm', 'data', 'dataSeed', 'dropout', 'lossReduction', 'microBatch', 'model', 'norm', 'optimizer', 'preprocess', 'seed', 'statsSubset', 'trainLimit', 'width']);
  assert.deepEqual(of('changeable'), ['checkpointEvery', 'epochs', 'iterations', 'kernels', 'lr', 'momentum', 'nesterov', 'schedule', 'testLimit', 'weightDecay']);
  assert.deepEqual(of('not stored'), ['out', 'quiet', 'resume', 'workers']);
  // the checkpoint keeps every stored option of the run and nothing else (not what a caller added, like --force)
  const stored = storedOptions({ ...run, force: true } as TrainOptions);
  // (absent from `run`: the options without a default, which a checkpoint stores only when they were given)
  assert.deepEqual(Object.keys(stored).sort(), [...of('fixed'), ...of('changeable')].filter((k) => !['alpha', 'norm', 'lossReduction', 'iterations', 'testLimit'].includes(k)).sort());
  assert.equal(stored.dataSeed, 0, 'the default split seed is stored as 0');
});

test('--resume --out alone continues with the saved options; workers and quiet are the ones given', () => {
  const plan = resolveResume(saved, ...cli({}), WHERE);
  assert.deepEqual(plan.changes, []);
  assert.equal(plan.unrecorded, false);
  const o = plan.options;
  assert.deepEqual(
    [o.model, o.width, o.dropout, o.epochs, o.lr, o.schedule, o.trainLimit, o.workers, o.quiet],
    ['mnist-mlp', 0.25, true, 4, 0.02, 'cosine', 512, 2, undefined],
  );
  // a program or an experiment gives every option: the same values are no change
  assert.deepEqual(resolveResume(saved, { ...run, resume: true }, 'all', WHERE).changes, []);
});

test('changeable options that were typed are changes, listed in flag form; the same value is no change', () => {
  const plan = resolveResume(saved, ...cli({ epochs: 8, lr: 0.005, width: 0.25, nesterov: true }), WHERE);
  assert.equal(formatChanges(plan.changes), '--epochs 4 → 8, --lr 0.02 → 0.005, --nesterov false → true');
  assert.deepEqual([plan.options.epochs, plan.options.lr, plan.options.nesterov, plan.options.width], [8, 0.005, true, 0.25]);
  // the same changes when the merged options are given in full (runTraining checks them again)
  assert.deepEqual(resolveResume(saved, plan.options, 'all', WHERE).changes, plan.changes);
});

test('an option that cannot change mid-run is refused, naming the flag, both values, the file and the fix', () => {
  assert.throws(
    () => resolveResume(saved, ...cli({ width: 0.5 }), WHERE),
    (e: unknown) =>
      e instanceof ElunetError &&
      e.message === `--resume: --width 0.5 differs from the run's width 0.25 (saved in ${WHERE}); it cannot change mid-run: drop the flag, or start a new run with another --out`,
  );
  assert.throws(
    () => resolveResume(saved, ...cli({ seed: 1, batch: 32, alpha: 0.5, epochs: 9 }), WHERE),
    (e: unknown) =>
      e instanceof ElunetError &&
      e.message ===
        `--resume: --alpha 0.5 differs from the run's alpha unset; --batch 32 differs from the run's batch 64; --seed 1 differs from the run's seed 0 ` +
          `(saved in ${WHERE}); they cannot change mid-run: drop the flags, or start a new run with another --out`,
  );
  // every fixed option is checked, also where a program gives all of them
  for (const key of Object.keys(RESUME_RULES) as (keyof TrainOptions)[]) {
    if (RESUME_RULES[key] !== 'fixed') continue;
    const v = run[key];
    const other = typeof v === 'number' ? v + 1 : typeof v === 'boolean' ? !v : v === undefined ? 1 : `${v}-other`;
    assert.throws(() => resolveResume(saved, { ...run, [key]: other }, 'all', WHERE), new RegExp(`the run's ${key} `), key);
  }
});

test('the kernels: kept without --kernels, a change with it; a run saved before the option existed was trained with ts', () => {
  const simdRun = storedOptions({ ...run, kernels: 'simd' });
  assert.equal(resolveResume(simdRun, ...cli({}), WHERE).options.kernels, 'simd');
  const plan = resolveResume(simdRun, ...cli({ kernels: 'ts' }), WHERE);
  assert.equal(formatChanges(plan.changes), '--kernels simd → ts');
  assert.equal(plan.options.kernels, 'ts');
  const { kernels: _, ...older } = simdRun;
  assert.equal(resolveResume(older, ...cli({}), WHERE).options.kernels, 'ts');
  assert.equal(formatChanges(resolveResume(older, ...cli({ kernels: 'simd' }), WHERE).changes), '--kernels ts → simd');
});

test('--epochs typed for a run that was given --iterations: the typed length wins', () => {
  const withIters = storedOptions({ ...run, iterations: 100 });
  const plan = resolveResume(withIters, ...cli({ epochs: 6 }), WHERE);
  assert.equal(plan.options.iterations, undefined);
  assert.equal(plan.options.epochs, 6);
  assert.equal(formatChanges(plan.changes), '--epochs 4 → 6, --iterations 100 → unset');
  // not typed: the run keeps its --iterations
  assert.equal(resolveResume(withIters, ...cli({}), WHERE).options.iterations, 100);
});

test('a checkpoint without options resumes with the options given; one from an older elunet keeps the given value of an option it did not store', () => {
  const [given, typed] = cli({ model: 'mnist-mlp' });
  const plan = resolveResume(undefined, given, typed, WHERE);
  assert.equal(plan.unrecorded, true);
  assert.equal(plan.options, given);
  const older: StoredOptions = { ...saved };
  delete older.statsSubset;
  assert.equal(resolveResume(older, { ...given, statsSubset: 77 }, typed, WHERE).options.statsSubset, 77);
  assert.throws(
    () => resolveResume({ ...saved, width: 'wide' as unknown as number }, ...cli({}), WHERE),
    (e: unknown) => e instanceof DataError && e.message === `${WHERE}: meta.options.width should be a number, found "wide"`,
  );
});

test('which schedules follow the run length (their future rates change when a resume changes the length)', () => {
  for (const s of ['cosine', 'cosine:warmup=10', 'paper-cifar@RUN', 'steps:{0.5}:0.001']) assert.equal(scheduleFollowsRunLength(s, 0.01), true, s);
  for (const s of ['constant', 'cosine:1000', 'paper-cifar', 'paper-cifar@5000', 'steps:100:0.001']) assert.equal(scheduleFollowsRunLength(s, 0.01), false, s);
});

test("an experiment's run cut off half-way continues to exactly the uninterrupted run; other settings are refused by name", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'elunet-resume-exp-'));
  try {
    const lines: string[] = [];
    const ctx = { setting: 'elu', run: 0, resume: true, quiet: true, log: (l: string) => lines.push(l) };
    const o = (out: string, more: Partial<TrainOptions> = {}): TrainOptions =>
      trainOptions({ model: 'mnist-mlp', activation: 'elu', data: 'mnist', width: 0.1, trainLimit: 64, testLimit: 16, statsSubset: 16, batch: 8, microBatch: 4, epochs: 3, workers: 1, quiet: true, out: join(dir, out), ...more });
    const data = lazyData(o('x'), false, () => {});
    const sha = (out: string) => createHash('sha256').update(readFileSync(join(dir, out, 'checkpoint', 'model.safetensors'))).digest('hex');

    await ensureRun(o('whole'), data, ctx);
    // a run that stopped after its first epoch, before the experiment wrote its record: what a kill leaves
    await ensureRun(o('cut', { epochs: 1 }), data, ctx);
    rmSync(join(dir, 'cut', 'experiment-run.json'));
    lines.length = 0;
    const r = await ensureRun(o('cut'), data, ctx);
    assert.equal(r.reused, false);
    assert.match(lines.join('\n'), /resuming .*cut at step 8 of 24 \(epoch 2 of 3\) with changes: --epochs 1 → 3/);
    assert.equal(sha('cut'), sha('whole'));
    assert.equal(r.history.length, 3);

    // other settings, with the run finished (its record) and cut off (its checkpoint): refused, naming them
    await assert.rejects(ensureRun(o('cut', { width: 0.2, seed: 1 }), data, ctx), /holds a run made with other settings \(width 0\.1 there, 0\.2 now; seed 0 there, 1 now; saved in .*experiment-run\.json; another --scale or --data\?\): pass --no-resume/);
    rmSync(join(dir, 'cut', 'experiment-run.json'));
    await assert.rejects(ensureRun(o('cut', { width: 0.2 }), data, ctx), /holds a partial run made with other settings \(width 0\.1 there, 0\.2 now; saved in .*checkpoint\.json; .*\): pass --no-resume/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
