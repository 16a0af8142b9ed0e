/**
 * The paper's experiments (src/experiments/): the claim checks on synthetic numbers (each made to pass and
 * to fail), and every experiment end to end at the internal 'smoke' scale in a temporary folder: the report
 * files exist, results.json carries the settings, the numbers and a computed verdict per claim, and a
 * second invocation reuses the finished runs instead of training again.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ElunetError } from '../src/errors.js';
import { experiments } from '../src/experiments/index.js';
import { experimentOptions } from '../src/experiments/common.js';
import {
  batchNormClaim, eluBeatsReluBnClaim, fastestLossClaim, higherLrBetterClaim, lossFallsCheck, lowestAtEveryLrClaim,
  medianNearZeroClaim, medianStabilityClaim, overheadClaim, rankingClaim, table1Claim, PAPER_OVERHEAD,
} from '../src/experiments/claims.js';
import { imagenetParamCounts, patternImage, PATTERN_CLASSES } from '../src/experiments/imagenet-cost.js';
import { Rng } from '../src/rng.js';

const VERDICTS = ['reproduced', 'not reproduced', 'not comparable'];

// ---------------------------------------------------------------- claim checks on synthetic numbers

test('medianNearZeroClaim: ELU nearest zero passes; ReLU nearer fails; missing ELU is not comparable', () => {
  const good = { elu: [0.02, -0.01, 0.01, 0.0], relu: [0.3, 0.25, 0.2, 0.2], lrelu: [0.25, 0.2, 0.2, 0.15], srelu: [0.001, 0.001, 0.001, 0.001] };
  assert.equal(medianNearZeroClaim(good).verdict, 'reproduced'); // SReLU is outside the paper's set
  assert.equal(medianNearZeroClaim({ ...good, relu: [0.01, 0.0, 0.0, 0.0] }).verdict, 'not reproduced');
  // smallest on average but nearest zero at only 3 of 5 epochs (< 80 %)
  const mixed = { elu: [0.01, 0.01, 0.01, 0.2, 0.2], relu: [0.3, 0.3, 0.3, 0.15, 0.15], lrelu: [0.5, 0.5, 0.5, 0.5, 0.5] };
  assert.equal(medianNearZeroClaim(mixed).verdict, 'not reproduced');
  assert.equal(medianNearZeroClaim({ relu: [0.1], lrelu: [0.1] }).verdict, 'not comparable');
  // a diverged value (NaN) counts as the worst, not as zero
  assert.equal(medianNearZeroClaim({ elu: [NaN, NaN], relu: [0.3, 0.3] }).verdict, 'not reproduced');
});

test('medianStabilityClaim: ELU range smaller than ReLU passes, otherwise fails', () => {
  assert.equal(medianStabilityClaim({ elu: [0.1, 0.11, 0.1], relu: [0.1, 0.3, 0.2] }).verdict, 'reproduced');
  assert.equal(medianStabilityClaim({ elu: [0.1, 0.4, 0.1], relu: [0.1, 0.3, 0.2] }).verdict, 'not reproduced');
  assert.equal(medianStabilityClaim({ elu: [0.1], relu: [0.2] }).verdict, 'not comparable');
});

test('fastestLossClaim: needs ELU lowest both early and on average', () => {
  const base = { elu: [1.0, 0.5, 0.3, 0.2], relu: [2.0, 1.0, 0.5, 0.3], lrelu: [1.8, 0.9, 0.5, 0.3] };
  assert.equal(fastestLossClaim(base, 2).verdict, 'reproduced');
  // ReLU lower at the early epoch → fails
  assert.equal(fastestLossClaim({ ...base, relu: [2.0, 0.4, 0.5, 0.3] }, 2).verdict, 'not reproduced');
  // ELU lower early but worse on average → fails
  assert.equal(fastestLossClaim({ ...base, elu: [1.0, 0.5, 3.0, 3.0] }, 2).verdict, 'not reproduced');
  // a diverged ELU (NaN) cannot be fastest
  assert.equal(fastestLossClaim({ ...base, elu: [NaN, NaN, NaN, NaN] }, 2).verdict, 'not reproduced');
});

test('lowestAtEveryLrClaim and higherLrBetterClaim on synthetic error tables', () => {
  const t = {
    '1e-2': { elu: 50, relu: 60, lrelu: 55, srelu: 58 },
    '1e-3': { elu: 80, relu: 90, lrelu: 85, srelu: 88 },
  };
  assert.equal(lowestAtEveryLrClaim(t, 'training').verdict, 'reproduced');
  assert.equal(higherLrBetterClaim(t).verdict, 'reproduced');
  const lose = { ...t, '1e-3': { elu: 95, relu: 90, lrelu: 85, srelu: 88 } };
  const r = lowestAtEveryLrClaim(lose, 'test');
  assert.equal(r.verdict, 'not reproduced');
  assert.match(r.why, /lr 1e-3 \(best: LReLU\)/);
  // an lr where every activation diverged is left out; an ELU that alone diverged loses
  const dead = { ...t, '1e-1': { elu: NaN, relu: NaN, lrelu: NaN, srelu: NaN } };
  assert.equal(lowestAtEveryLrClaim(dead, 'training').verdict, 'reproduced');
  assert.match(lowestAtEveryLrClaim(dead, 'training').why, /left out: lr 1e-1/);
  assert.equal(lowestAtEveryLrClaim({ ...t, '1e-1': { elu: NaN, relu: 40, lrelu: 41, srelu: 42 } }, 'training').verdict, 'not reproduced');
  assert.equal(lowestAtEveryLrClaim({ '1e-1': { elu: NaN, relu: NaN } }, 'training').verdict, 'not comparable');
  // higher lr worse for one activation → fails
  assert.equal(higherLrBetterClaim({ ...t, '1e-2': { ...t['1e-2'], relu: 95 } }).verdict, 'not reproduced');
  assert.equal(higherLrBetterClaim({ '1e-2': t['1e-2'] }).verdict, 'not comparable');
});

test('rankingClaim: ELU lowest and the full order ELU < SReLU < LReLU < ReLU', () => {
  const paper = { elu: [0.2875, 0.29], srelu: [0.2935, 0.295], lrelu: [0.3059, 0.31], relu: [0.3156, 0.32] };
  const [best, rank] = rankingClaim(paper);
  assert.equal(best.verdict, 'reproduced');
  assert.equal(rank.verdict, 'reproduced');
  const swapped = rankingClaim({ ...paper, lrelu: [0.33, 0.33] });
  assert.equal(swapped[0].verdict, 'reproduced');
  assert.equal(swapped[1].verdict, 'not reproduced');
  const reluBest = rankingClaim({ ...paper, relu: [0.1, 0.1] });
  assert.equal(reluBest[0].verdict, 'not reproduced');
  // ties are not an order
  assert.equal(rankingClaim({ elu: [0.1], srelu: [0.2], lrelu: [0.3], relu: [0.3] })[1].verdict, 'not reproduced');
  assert.equal(rankingClaim({ elu: [0.1], relu: [0.2] })[0].verdict, 'not comparable');
});

test('batchNormClaim and eluBeatsReluBnClaim', () => {
  const noBn = { elu: [0.28], srelu: [0.29], lrelu: [0.3], relu: [0.31] };
  const bn = { elu: [0.29], srelu: [0.3], lrelu: [0.29], relu: [0.3] };
  assert.equal(batchNormClaim(noBn, bn).verdict, 'reproduced');
  assert.equal(batchNormClaim(noBn, { ...bn, elu: [0.2] }).verdict, 'not reproduced'); // BN helped ELU
  assert.equal(batchNormClaim(noBn, { ...bn, relu: [0.35] }).verdict, 'not reproduced'); // BN hurt ReLU
  assert.equal(batchNormClaim(noBn, { elu: [0.3] }).verdict, 'not comparable');
  assert.equal(eluBeatsReluBnClaim(noBn, bn).verdict, 'reproduced');
  assert.equal(eluBeatsReluBnClaim(noBn, { ...bn, relu: [0.2] }).verdict, 'not reproduced');
});

test('overheadClaim, lossFallsCheck and table1Claim', () => {
  assert.ok(Math.abs(PAPER_OVERHEAD - (12.15 / 11.48 - 1)) < 1e-12);
  assert.equal(overheadClaim(1.05, 1.0).verdict, 'reproduced');
  assert.equal(overheadClaim(0.98, 1.0).verdict, 'reproduced'); // ELU not slower: the cost is small
  assert.equal(overheadClaim(1.5, 1.0).verdict, 'not reproduced');
  assert.equal(overheadClaim(0, 1.0).verdict, 'not comparable');
  assert.equal(lossFallsCheck([2.0, 1.5, 1.0]).ok, true);
  assert.equal(lossFallsCheck([2.0, 1.95]).ok, false);
  assert.equal(lossFallsCheck([2.0, NaN]).ok, false);
  assert.equal(lossFallsCheck([2.0]).ok, false);
  const small = table1Claim({ dataName: 'fashion-mnist/train', width: 1 / 16, iterations: 500, paperIterations: 125000, measuredError: 0.2 });
  assert.equal(small.verdict, 'not comparable');
  assert.match(small.why, /not CIFAR/);
  const full = { dataName: 'cifar10/train', width: 1, iterations: 125000, paperIterations: 125000, paperError: 0.0655 };
  assert.equal(table1Claim({ ...full, measuredError: 0.07 }).verdict, 'reproduced');
  assert.equal(table1Claim({ ...full, measuredError: 0.09 }).verdict, 'not reproduced');
});

// ---------------------------------------------------------------- options, registry, helpers

test('registry: the five experiments, each with a description', () => {
  assert.deepEqual(Object.keys(experiments).sort(), ['cifar-compare', 'cifar-table', 'imagenet-cost', 'mnist-activations', 'mnist-autoencoder']);
  for (const e of Object.values(experiments)) {
    assert.ok(e.description.length > 20);
    assert.equal(typeof e.run, 'function');
  }
});

test('experimentOptions: defaults and a clear error for a bad scale', () => {
  const o = experimentOptions('mnist-activations', { scale: 'small', workers: 2 });
  assert.equal(o.out, join('reports', 'mnist-activations'));
  assert.equal(o.resume, true);
  assert.throws(() => experimentOptions('x', { scale: 'huge' }), (e: unknown) => e instanceof ElunetError && /--scale must be one of/.test((e as Error).message));
  assert.throws(() => experimentOptions('x', { scale: 'small', runs: 0 }), ElunetError);
});

test('imagenet-cost helpers: full-width parameter count and pattern images', () => {
  const c = imagenetParamCounts();
  assert.equal(c.total, c.conv + c.dense);
  // SPP [1, 2, 4] over 1024 channels: 1024 · (1 + 4 + 16) features into the first FC
  assert.equal(c.sppFeatures, 1024 * 21);
  assert.ok(c.dense > (21504 * 4096));
  const a = patternImage(PATTERN_CLASSES[0], 16, new Rng(3));
  const b = patternImage(PATTERN_CLASSES[0], 16, new Rng(3));
  assert.deepEqual(a, b); // seeded: the same folder every time
  assert.equal(a.length, 16 * 16 * 4);
});

// ---------------------------------------------------------------- end to end at the smoke scale

interface Results {
  scale: string;
  claims: { id: string; verdict: string; paper: string; measured: string; why: string }[];
  machine: { cpus: number };
  wallSeconds: number;
  runs?: { reused: boolean; seed: number }[];
}

function readResults(dir: string): Results {
  return JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as Results;
}

function checkReport(dir: string, figures: string[]): Results {
  for (const f of ['report.md', 'results.json', ...figures]) assert.ok(existsSync(join(dir, f)), `${f} written`);
  const r = readResults(dir);
  assert.equal(r.scale, 'smoke');
  assert.ok(r.claims.length >= 1);
  for (const c of r.claims) {
    assert.ok(VERDICTS.includes(c.verdict), `verdict '${c.verdict}'`);
    assert.ok(c.paper && c.measured && c.why);
  }
  const md = readFileSync(join(dir, 'report.md'), 'utf8');
  assert.match(md, /Scale \*\*smoke\*\*/);
  for (const c of r.claims) assert.ok(md.includes(`**${c.verdict}**`));
  return r;
}

const tmp = mkdtempSync(join(tmpdir(), 'elunet-exp-'));
const common = { scale: 'smoke', workers: 1, quiet: true };

test('mnist-activations (smoke): report, curves per activation, resume reuses runs, other settings refused', async () => {
  const out = join(tmp, 'ma');
  await experiments['mnist-activations'].run({ ...common, out });
  const r = checkReport(out, ['fig2.png', 'fig2a-median-activation.png', 'fig2b-cross-entropy.png']) as Results & {
    settings: { seeds: number[]; lr: number; momentum: number; batch: number };
    curves: Record<string, { medianUnitActivation: { mean: number[]; perRun: number[][] } }>;
  };
  assert.deepEqual(r.settings.seeds, [0, 1]);
  assert.equal(r.settings.lr, 0.01);
  assert.equal(r.settings.momentum, 0);
  assert.equal(r.settings.batch, 64);
  assert.deepEqual(Object.keys(r.curves).sort(), ['elu', 'lrelu', 'relu', 'srelu']);
  assert.equal(r.curves.elu.medianUnitActivation.perRun.length, 2);
  assert.equal(r.curves.elu.medianUnitActivation.mean.length, 2); // 2 epochs
  assert.deepEqual(r.claims.map((c) => c.id), ['fig2-median-near-zero', 'appC-median-stable', 'fig2-loss-falls-fastest']);
  assert.ok(r.runs!.every((x) => !x.reused));
  // the second call trains nothing
  await experiments['mnist-activations'].run({ ...common, out });
  assert.ok(readResults(out).runs!.every((x) => x.reused));
  // the same folder at another scale would mix runs: refused with a message that says what to do
  await assert.rejects(experiments['mnist-activations'].run({ ...common, scale: 'small', out }), (e: unknown) => e instanceof ElunetError && /--no-resume/.test((e as Error).message));
});

test('mnist-autoencoder (smoke): four learning rates × four activations, claims computed', async () => {
  const out = join(tmp, 'ae');
  await experiments['mnist-autoencoder'].run({ ...common, out });
  const r = checkReport(out, ['fig3.png']) as Results & { finalMedian: { train: Record<string, Record<string, number | string>> } };
  assert.deepEqual(Object.keys(r.finalMedian.train), ['1e-2', '1e-3', '1e-4', '1e-5']);
  assert.deepEqual(Object.keys(r.finalMedian.train['1e-3']).sort(), ['elu', 'lrelu', 'relu', 'srelu']);
  assert.deepEqual(r.claims.map((c) => c.id), ['fig3-elu-lowest-training', 'fig3-elu-lowest-test', 'fig3-higher-lr-better']);
});

test('cifar-compare (smoke): eight settings on Fashion-MNIST, ranking and BN claims', async () => {
  const out = join(tmp, 'cc');
  await experiments['cifar-compare'].run({ ...common, out });
  const r = checkReport(out, ['fig4.png', 'fig5.png']) as Results & { testError: { noBatchNorm: Record<string, number[]>; batchNorm: Record<string, number[]> }; settings: { schedule: string; momentum: number; weightDecay: number } };
  assert.deepEqual(Object.keys(r.testError.noBatchNorm).sort(), ['elu', 'lrelu', 'relu', 'srelu']);
  assert.equal(r.testError.batchNorm.elu.length, 1);
  assert.equal(r.settings.momentum, 0.9);
  assert.equal(r.settings.weightDecay, 5e-4);
  assert.deepEqual(r.claims.map((c) => c.id), ['tab-elu-lowest-error', 'tab-ranking', 'fig5-batch-norm', 'fig5-elu-beats-relu-bn']);
  assert.match(readFileSync(join(out, 'report.md'), 'utf8'), /Fashion-MNIST instead of CIFAR-100/);
  // the paper's schedule, stretched to this run's 4 steps, is what the run stored
  const ck = JSON.parse(readFileSync(join(out, 'runs', 'elu', 'run0', 'checkpoint', 'checkpoint.json'), 'utf8'));
  assert.equal(ck.meta.options.schedule, 'paper-cifar@4');
});

test('imagenet-cost (smoke): parameter count, timing of both activations, PNG folder training', async () => {
  const out = join(tmp, 'ic');
  await experiments['imagenet-cost'].run({ ...common, out });
  const r = checkReport(out, ['training.png', 'samples.png']) as Results & {
    paramCountFullWidth224: { total: number };
    timing: { medianSeconds: { elu: number; relu: number }; secondsPerIteration: { elu: number[] } };
    syntheticTraining: { runs: { activation: string; history: unknown[] }[] };
  };
  assert.ok(r.paramCountFullWidth224.total > 100e6);
  assert.ok(r.timing.medianSeconds.elu > 0 && r.timing.medianSeconds.relu > 0);
  assert.equal(r.timing.secondsPerIteration.elu.length, 2);
  assert.deepEqual(r.syntheticTraining.runs.map((x) => x.activation), ['elu', 'relu']);
  assert.equal(r.syntheticTraining.runs[0].history.length, 2);
  for (const cls of PATTERN_CLASSES) assert.ok(existsSync(join(out, 'data', cls, '000.png')));
});

test('cifar-table (smoke): Table 1 beside the measured cifar-18 row, labelled not comparable', async () => {
  const out = join(tmp, 'ct');
  await experiments['cifar-table'].run({ ...common, out });
  const r = checkReport(out, ['curves.png']);
  assert.equal(r.claims[0].verdict, 'not comparable');
  const md = readFileSync(join(out, 'report.md'), 'utf8');
  assert.match(md, /ELU-Network\s*\|\s*6\.55\s*\|\s*24\.28/);
  assert.match(md, /not comparable/);
  // lr ÷ 10 at 28 % of the 4-step run: step round(0.28 · 4) = 1
  const ck = JSON.parse(readFileSync(join(out, 'runs', 'elu', 'run0', 'checkpoint', 'checkpoint.json'), 'utf8'));
  assert.equal(ck.meta.options.schedule, 'steps:1:0.001');
});

test('clean up', () => {
  rmSync(tmp, { recursive: true, force: true });
});
