/**
 * Paper Fig. 4–5 (§4.2): the 11-layer CIFAR-100 CNN with ELU, SReLU, LReLU and ReLU, each without and with
 * batch normalization, trained with the paper's recipe: SGD momentum 0.9, L2 weight decay 5e-4, the
 * paper's step schedule (0.01 → ×0.5 → ×0.05 → ×0.005 at 35k/85k/135k of 165k iterations) stretched to the
 * run's length, dropout (0, .1, .2, .3, .4, .5, 0) on the last layer of each stack, GCN + ZCA whitening,
 * 4-pixel-pad random crops and horizontal flips. Reported: test error = 1 − accuracy, mean ± std over runs.
 *
 * Without --data a CIFAR archive is not available on this machine, so the experiment runs on Fashion-MNIST
 * (/usr/share/datasets/fashion-mnist) at its own size, 1×28×28 and 10 classes: the network is built for that
 * input (pools 28→14→7→3→1, the last three stacks then work on 1×1 maps) and the report says so. Any data but
 * CIFAR-100 is a stand-in (standInOf), and the report names it (from the loaded dataset, or from a reused
 * run's checkpoint). On Fashion-MNIST the comparisons mean something only for networks that learnt more than
 * a linear model does (~84 % test accuracy): unless every setting reaches STAND_IN_MIN_ACCURACY, every claim
 * is 'not comparable'. No such bar is known for other stand-ins (CIFAR-10, MNIST, an IDX or PNG folder): their
 * claims are judged as they stand, and the report says so.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { lineChart, multiPanel, type Series } from '../report/chart.js';
import { colorFor } from '../report/palette.js';
import { markdownTable, formatMeanStd, formatDuration } from '../table.js';
import type { PreprocessKind } from '../data/preprocess.js';
import { FASHION_MNIST_DIR } from '../data/index.js';
import { columnStats, meanStd, median } from '../stats/summary.js';
import { metricMatrix } from '../report/run-plots.js';
import { readCheckpointIndex } from '../io/checkpoint.js';
import {
  reproduceLine, timingText, ensureRun, experimentOptions, lazyData, machineInfo, runFolder, trainOptions, writeResults,
  type ExperimentOptions, type RunOutcome, type Scale,
} from './common.js';
import { batchNormHelpsClaim, batchNormNotEluClaim, claimsTable, eluBeatsReluBnClaim, nice, rankingClaim, verdictNote, type ClaimResult } from './claims.js';
import { last, perRun } from './per-run.js';

export const CIFAR_ACTIVATIONS = ['elu', 'srelu', 'lrelu', 'relu'] as const;
/** Paper §4.2, CIFAR-100, 10 runs, no BN: test error %, mean and std */
export const PAPER_CIFAR100_ERRORS: Record<string, [number, number]> = { elu: [28.75, 0.24], srelu: [29.35, 0.29], lrelu: [30.59, 0.29], relu: [31.56, 0.37] };

interface CifarScale {
  runs: number;
  epochs?: number;
  iterations?: number;
  width: number;
  trainLimit?: number;
  testLimit?: number;
  statsSubset: number;
  batch: number;
  microBatch: number;
  preprocess: PreprocessKind;
}

/** On the Fashion-MNIST stand-in, every setting must reach this median test accuracy (a linear model: ~84 %). */
export const STAND_IN_MIN_ACCURACY = 0.85;

/** What the report says of the data: its name, shape and classes (the counts when it was loaded in this call). */
export interface CifarDataInfo {
  name: string;
  source?: string;
  train?: number;
  test?: number;
  c: number;
  h: number;
  w: number;
  classes: number;
}

/** A dataset other than CIFAR-100, as the report names it, and the accuracy bar of its gate (standInGate), if it has one. */
export interface StandIn {
  label: string;
  minAccuracy?: number;
}

/**
 * Whether the data is a stand-in for the paper's CIFAR-100, from the Dataset's name ('cifar100/train[:128]',
 * 'fashion-mnist/train', 'png/train', …): null for CIFAR-100; otherwise its name for the report, and for
 * Fashion-MNIST the accuracy bar (a linear model reaches ~84 % there; no bar is known to elunet for the others).
 */
export function standInOf(name: string, source?: string): StandIn | null {
  const base = name.replace(/[/[].*/, '');
  if (base === 'cifar100') return null;
  if (base === 'fashion-mnist') return { label: 'Fashion-MNIST', minAccuracy: STAND_IN_MIN_ACCURACY };
  if (base === 'cifar10') return { label: 'CIFAR-10' };
  if (base === 'mnist-embedded') return { label: 'the bundled MNIST digits' };
  const where = source ? ` ${source}` : '';
  if (base === 'idx') return { label: `the IDX dataset${where}` };
  if (base === 'png') return { label: `the PNG class folder${where}` };
  return { label: `the dataset ${name}${where ? ` from${where}` : ''}` };
}

/** The data of the runs when none was loaded in this call (every run reused): what a run's checkpoint stored. */
function storedDataInfo(outcomes: RunOutcome[]): CifarDataInfo | undefined {
  for (const x of outcomes) {
    const ckpt = join(x.dir, 'checkpoint');
    if (!existsSync(join(ckpt, 'checkpoint.json'))) continue;
    const d = (readCheckpointIndex(ckpt).meta as { data?: Partial<CifarDataInfo> } | undefined)?.data;
    if (d?.name && d.c && d.h && d.w && d.classes) return { name: d.name, source: d.source, c: d.c, h: d.h, w: d.w, classes: d.classes };
  }
  return undefined;
}

/** The 11-layer net's 2×2 pools on an h×h input (one after each of its first six stacks while the map is ≥ 2×2). */
function poolChain(h: number): number[] {
  const sizes = [h];
  while (sizes.length <= 6 && sizes[sizes.length - 1] >= 2) sizes.push(Math.floor(sizes[sizes.length - 1] / 2));
  return sizes;
}

/**
 * default: the Fashion-MNIST stand-in at width 1/8 (24–37 channels per conv), 3 epochs of all 60,000
 * training images (5,625 iterations of 32, the paper's step schedule stretched to them: 6× the iterations
 * of the previous default, whose networks were still at 25–50 % accuracy), 5 seeds per setting, tested on
 * all 10,000 test images: what fits about an hour on 2 cores. It does not clear the 85 % bar (the networks
 * without BN end far below it; pilots with 4× the iterations or 2× the width did not reach it either:
 * docs/reproduction.md, "cifar-compare on a stand-in"), so its report shows the paired tests with the
 * verdicts 'not comparable'; the gate (standInGate) decides that from the measured accuracies, not from this note.
 */
export const CIFAR_SCALES: Record<Scale, CifarScale> = {
  smoke: { runs: 1, epochs: 1, width: 1 / 32, trainLimit: 128, testLimit: 128, statsSubset: 64, batch: 32, microBatch: 16, preprocess: 'gcn' },
  small: { runs: 5, epochs: 1, width: 1 / 16, trainLimit: 4000, testLimit: 1000, statsSubset: 250, batch: 32, microBatch: 16, preprocess: 'gcn-zca' },
  default: { runs: 5, epochs: 3, width: 1 / 8, statsSubset: 500, batch: 32, microBatch: 16, preprocess: 'gcn-zca' },
  paper: { runs: 10, iterations: 165000, width: 1, statsSubset: 1000, batch: 100, microBatch: 25, preprocess: 'gcn-zca' },
};

export async function runCifarCompare(raw: Record<string, unknown>): Promise<void> {
  const o = experimentOptions('cifar-compare', raw);
  const s = CIFAR_SCALES[o.scale];
  const runs = o.runs ?? s.runs;
  const epochs = o.epochs ?? s.epochs ?? 1;
  const iterations = o.epochs !== undefined ? undefined : s.iterations;
  const data = o.data ?? FASHION_MNIST_DIR;
  const base = {
    model: 'cifar-11', data, width: s.width, dropout: true, preprocess: s.preprocess, augment: 'crop+flip' as const,
    epochs, iterations, batch: s.batch, microBatch: s.microBatch, optimizer: 'sgd' as const, lr: 0.01, momentum: 0.9, nesterov: false,
    weightDecay: 5e-4, schedule: 'paper-cifar@RUN', workers: o.workers, kernels: o.kernels, statsSubset: s.statsSubset, trainLimit: s.trainLimit,
    testLimit: s.testLimit, resume: true, checkpointEvery: 0,
  };
  const settings = CIFAR_ACTIVATIONS.flatMap((a) => [{ act: a, bn: false }, { act: a, bn: true }]);
  const total = settings.length * runs;
  o.log(`cifar-compare (paper §4.2, Fig. 4–5), scale ${o.scale}: ${CIFAR_ACTIVATIONS.length} activations × (no BN, BN) × ${runs} runs × ` +
    `${iterations !== undefined ? `${iterations} iterations` : `${epochs} epochs`}, width ${s.width}, on ${data}, out ${o.out}`);
  const getData = lazyData(base, o.workers > 1, o.log);
  const t0 = Date.now();
  const outcomes: RunOutcome[] = [];
  let done = 0;
  for (let k = 0; k < runs; k++) {
    for (const { act, bn } of settings) {
      done++;
      const setting = bn ? `${act}-bn` : act;
      o.log(`[${done}/${total}] ${setting} run ${k} (seed ${k})`);
      const topts = trainOptions({ ...base, activation: act, batchNorm: bn, seed: k, out: runFolder(o.out, setting, k) });
      outcomes.push(await ensureRun(topts, getData, { setting, run: k, resume: o.resume, quiet: o.quiet, log: o.log }));
    }
  }
  const loaded = (): CifarDataInfo => {
    const d = getData();
    return { name: d.train.name, source: d.train.source, train: d.train.n, test: d.test.n, c: d.train.c, h: d.train.h, w: d.train.w, classes: d.train.classes };
  };
  // the data's name and shape without loading it again when every run was reused
  const dataInfo = outcomes.some((x) => !x.reused) ? loaded() : (storedDataInfo(outcomes) ?? loaded());
  writeCifarReport(o, { runs, epochs, iterations, data, dataGiven: o.data !== undefined, base, scale: s, outcomes, wallSeconds: (Date.now() - t0) / 1000, dataInfo });
  o.log(`report: ${join(o.out, 'report.md')}`);
}

/** Final test errors (1 − accuracy; NaN for a diverged run) per setting ('elu', 'elu-bn', …), indexed by seed. */
export function finalErrors(outcomes: RunOutcome[]): Record<string, (number | undefined)[]> {
  const settings = [...new Set(outcomes.map((r) => r.setting))];
  return Object.fromEntries(settings.map((st) => [st, perRun(outcomes, st, (h) => last(h, (m) => 1 - m.testAcc))]));
}

/**
 * On the stand-in, the claims are judged only when every setting learnt more than a linear model: the
 * median final test accuracy of each setting ≥ STAND_IN_MIN_ACCURACY. Otherwise every claim becomes 'not
 * comparable', with the settings that fell short.
 */
export function standInGate(claims: ClaimResult[], errors: Record<string, (number | undefined)[]>, standIn: StandIn | null): { claims: ClaimResult[]; short: string[] } {
  const bar = standIn?.minAccuracy;
  if (bar === undefined) return { claims, short: [] };
  const short: string[] = [];
  for (const [st, v] of Object.entries(errors)) {
    // a diverged run learnt nothing: accuracy 0
    const acc = v.filter((x): x is number => x !== undefined).map((e) => (Number.isFinite(e) ? 1 - e : 0));
    const m = acc.length ? median(acc) : 0;
    if (m < bar) short.push(`${nice(st)} ${(100 * m).toFixed(1)} %`);
  }
  if (!short.length) return { claims, short };
  const why = `on the ${standIn!.label} stand-in every setting must reach ${100 * bar} % median test accuracy (more than a linear model) before its errors say anything about the paper's claim; short: ${short.join(', ')}`;
  return { claims: claims.map((c) => ({ ...c, verdict: 'not comparable', why: `${why} (the tests below are shown for information: ${c.verdict})` })), short };
}

function writeCifarReport(
  o: ExperimentOptions,
  r: {
    runs: number; epochs: number; iterations?: number; data: string; dataGiven: boolean; base: Record<string, unknown>; scale: CifarScale;
    outcomes: RunOutcome[]; wallSeconds: number; dataInfo: CifarDataInfo;
  },
): void {
  const errs = finalErrors(r.outcomes);
  const noBn = Object.fromEntries(CIFAR_ACTIVATIONS.map((a) => [a, errs[a] ?? []]));
  const bn = Object.fromEntries(CIFAR_ACTIVATIONS.map((a) => [a, errs[`${a}-bn`] ?? []]));
  const d = r.dataInfo;
  const standIn = standInOf(d.name, d.source);
  const gate = standInGate([...rankingClaim(noBn), batchNormHelpsClaim(noBn, bn), batchNormNotEluClaim(noBn, bn), eluBeatsReluBnClaim(noBn, bn)], errs, standIn);
  const claims = gate.claims;

  const histories = (setting: string) => r.outcomes.filter((x) => x.setting === setting && !x.diverged && x.history.length).map((x) => x.history);
  const curve = (setting: string, pick: (m: RunOutcome['history'][number]) => number, name: string, color: ReturnType<typeof colorFor>, dashed = false): Series | null => {
    const h = histories(setting);
    if (!h.length) return null;
    const st = columnStats(metricMatrix(h, pick));
    return { name, x: st.mean.map((_, e) => e + 1), y: st.mean, std: h.length > 1 ? st.std : undefined, color, dashed };
  };
  const col = (a: string) => colorFor(a);
  const fig4 = multiPanel([
    lineChart({
      title: 'training loss (no BN)', xLabel: 'epoch', yLabel: 'cross-entropy', logY: true, width: 560, height: 400,
      series: CIFAR_ACTIVATIONS.map((a) => curve(a, (m) => m.trainLoss, nice(a), col(a))).filter((x): x is Series => x !== null),
    }),
    lineChart({
      title: 'test error (no BN)', xLabel: 'epoch', yLabel: 'test error', width: 560, height: 400,
      series: CIFAR_ACTIVATIONS.map((a) => curve(a, (m) => 1 - m.testAcc, nice(a), col(a))).filter((x): x is Series => x !== null),
    }),
  ], { title: 'Fig. 4: 11-layer CNN, mean ± std over runs' });
  fig4.savePNG(join(o.out, 'fig4.png'));
  const fig5 = multiPanel(
    (['relu', 'lrelu', 'srelu'] as const).map((x) =>
      lineChart({
        title: `ELU vs ${nice(x)} (dashed: with BN)`, xLabel: 'epoch', yLabel: 'test error', width: 460, height: 380,
        series: [
          curve('elu', (m) => 1 - m.testAcc, 'ELU', col('elu')),
          curve('elu-bn', (m) => 1 - m.testAcc, 'ELU+BN', col('elu'), true),
          curve(x, (m) => 1 - m.testAcc, nice(x), col(x)),
          curve(`${x}-bn`, (m) => 1 - m.testAcc, `${nice(x)}+BN`, col(x), true),
        ].filter((s): s is Series => s !== null),
      }),
    ),
    { title: 'Fig. 5: with and without batch normalization' },
  );
  fig5.savePNG(join(o.out, 'fig5.png'));

  const pct = (vIn: (number | undefined)[]) => {
    const v = vIn.filter((x): x is number => x !== undefined);
    const ok = v.filter(Number.isFinite);
    if (!ok.length) return 'diverged';
    const m = meanStd(ok);
    return formatMeanStd(100 * m.mean, 100 * m.std, 2) + (ok.length < v.length ? ` (${v.length - ok.length} diverged)` : '');
  };
  const time = (setting: string) => {
    const t = r.outcomes.filter((x) => x.setting === setting).map((x) => x.seconds);
    return formatDuration(t.length ? meanStd(t).mean : 0);
  };
  const table = markdownTable(
    ['activation', 'test error % (no BN)', 'test error % (BN)', 'paper, CIFAR-100, no BN', 'time/run (no BN)', 'time/run (BN)'],
    CIFAR_ACTIVATIONS.map((a) => [nice(a), pct(noBn[a]), pct(bn[a]), formatMeanStd(...PAPER_CIFAR100_ERRORS[a], 2), time(a), time(`${a}-bn`)]),
  );
  const paramCount = r.outcomes.find((x) => x.paramCount)?.paramCount;
  const results = {
    experiment: 'cifar-compare',
    paper: 'Clevert et al. 2016, §4.2 / Fig. 4–5',
    scale: o.scale,
    settings: { ...r.base, activations: CIFAR_ACTIVATIONS, batchNorm: [false, true], runs: r.runs, seeds: Array.from({ length: r.runs }, (_, k) => k), paramCount },
    data: d,
    machine: machineInfo(),
    wallSeconds: r.wallSeconds,
    testError: { noBatchNorm: noBn, batchNorm: bn },
    standIn: standIn !== null,
    standInAccuracyBar: standIn?.minAccuracy ?? null,
    standInShortOfAccuracy: gate.short,
    paperTestErrorPercent: PAPER_CIFAR100_ERRORS,
    curves: Object.fromEntries([...new Set(r.outcomes.map((x) => x.setting))].map((st) => {
      const h = histories(st);
      return [st, h.length ? {
        trainLoss: columnStats(metricMatrix(h, (m) => m.trainLoss)),
        testError: columnStats(metricMatrix(h, (m) => 1 - m.testAcc)),
        medianUnitActivation: columnStats(metricMatrix(h, (m) => m.medianUnitActivation)),
      } : null];
    })),
    runs: r.outcomes.map((x) => ({ setting: x.setting, run: x.run, seed: x.seed, dir: x.dir, seconds: x.seconds, diverged: x.diverged, error: x.error, reused: x.reused,
      finalTestError: x.history.length ? 1 - x.history[x.history.length - 1].testAcc : null })),
    claims,
  };
  // the net on this data: the paper's pooling path on 3×32×32, else built for the input (stacks on 1×1 maps)
  const pools = poolChain(d.h);
  const onOneByOne = 7 - (pools.length - 1);
  const paperInput = d.c === 3 && d.h === 32 && d.w === 32;
  const shape = paperInput
    ? `the net is the paper's on its 3×32×32 input, with ${d.classes} output classes instead of 100`
    : `the net is built for its ${d.c}×${d.h}×${d.w} input and ${d.classes} classes` +
      (d.h === d.w ? ` (pools ${pools.join('→')}; the last ${onOneByOne} stacks see 1×1 maps)` : '');
  const scaled: string[] = [];
  if (standIn) {
    scaled.push(`**${standIn.label} instead of CIFAR-100** (` +
      (r.dataGiven ? `\`--data ${r.data}\`` : 'no CIFAR files given: pass `--data <cifar-100 folder or .tar.gz>`') +
      `); ${shape}${r.scale.preprocess === 'gcn-zca' ? ', and ZCA is fitted on its training images' : ''}`);
  }
  if (r.scale.width !== 1) scaled.push(`every conv layer ${r.scale.width}× as wide (${paramCount?.toLocaleString('en-US') ?? '?'} parameters instead of ~1.7 M)`);
  if (r.iterations === undefined) {
    scaled.push(`${r.epochs} epoch(s) of ${r.scale.trainLimit ?? 'all'} training images with mini-batch ${r.scale.batch} instead of 165k iterations; ` +
      `the paper's learning-rate steps are moved proportionally (paper-cifar@<run length>)`);
  }
  if (r.scale.trainLimit !== undefined) scaled.push(`only the first ${r.scale.trainLimit} training and ${r.scale.testLimit} test images`);
  if (r.scale.preprocess !== 'gcn-zca') scaled.push(`preprocessing ${r.scale.preprocess} only (ZCA left out to keep this scale fast)`);
  if (r.runs !== 10) scaled.push(`${r.runs} run(s) per setting instead of 10`);
  const gateText = standIn?.minAccuracy !== undefined
    ? `The stand-in's claims are judged only when every setting reached
${100 * standIn.minAccuracy} % median test accuracy (a linear model reaches ~84 %)${gate.short.length ? `; **not reached here** (${gate.short.join(', ')}), so every verdict is "not comparable"` : ': reached'}.`
    : `No accuracy bar is set for this stand-in (the ${100 * STAND_IN_MIN_ACCURACY} % bar is Fashion-MNIST's, just above what a linear
model reaches there), so its claims are judged as they stand: they say how the settings compare on this data.`;
  const standInText = !standIn ? '' : `
**This run tests the claims on a stand-in, not on CIFAR-100.** ${standIn.label} (${d.classes} classes, ${d.h}×${d.w}
${d.c === 1 ? 'grey' : 'colour'}) ${r.dataGiven ? 'was given with --data' : 'is what this machine has'}${paperInput ? '' : `; the 11-layer net shrinks to its input, so its last
${onOneByOne} stacks see 1×1 maps`}. What the stand-in can answer: whether, for this architecture and recipe, ELU's networks end
with a lower test error than the others, the order of the four activations, and what BN does to each — on a
${d.classes}-class problem. What only real CIFAR-100 (\`--data <cifar-100 binary folder or .tar.gz>\`, supplied by the
user) can answer: the paper's error levels (28.75 % … 31.56 %) and the size of the gaps between the activations,
whether the order holds on 100 classes of colour images with the full 32×32 → 1×1 pooling path, and the BN
results at the end of the paper's 165k iterations. ${gateText}
`;
  const report = `# cifar-compare — paper §4.2, Fig. 4–5 (11-layer CNN, four activations, with and without BN)

${reproduceLine(o)}

Scale **${o.scale}**; seeds ${results.settings.seeds.join(', ')} (run k uses seed k for every setting: the same
initial conv weights — BN's γ and β do not shift them — mini-batches, crops, flips and dropout masks). Ran
${timingText(r.wallSeconds, r.outcomes)} on ${results.machine.cpus} × ${results.machine.cpuModel} (${o.workers} worker thread(s)).
${standInText}
Setup as in the paper (§4.2): stacks [192×5] [192×1, 240×3] [240×1, 260×2] [260×1, 280×2] [280×1, 300×2] [300×1]
[classes×1], 2×2 max pooling after each stack while the map is ≥ 2×2, dropout (0, .1, .2, .3, .4, .5, 0) after
each stack's last layer, SGD momentum 0.9, weight decay 5e-4, base lr 0.01 with the paper's step schedule,
mini-batch ${r.scale.batch} (micro-batch ${r.scale.microBatch}: batch-norm statistics are per micro-batch), ${r.scale.preprocess}
preprocessing, pad-4 random crops + horizontal flips. BN sits after each hidden conv, before the activation
(the paper does not say where; docs/models.md). Test error = 1 − accuracy after the last epoch.

Scaled relative to the paper: ${scaled.join('; ') || 'nothing'}.

So the absolute errors are **not comparable** with the paper's CIFAR-100 numbers (shown for reference only);
the claims below compare the settings with each other.

![Fig. 4](fig4.png)

![Fig. 5](fig5.png)

## Claims

${claimsTable(claims)}
${verdictNote(r.runs)}

## Test error (mean ± std over ${r.runs} run(s))

${table}
Every per-epoch number and every per-run final error is in results.json.
`;
  writeResults(o.out, results, report);
}

export const cifarCompare = {
  description: 'paper §4.2, Fig. 4–5: 11-layer CNN, ELU/SReLU/LReLU/ReLU × (no BN, BN), test error (CIFAR-100 with --data, else a Fashion-MNIST stand-in)',
  run: runCifarCompare,
};
