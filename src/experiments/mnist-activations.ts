/**
 * Paper Fig. 2 (§3, "learning behaviour"): an MLP with 8 hidden layers of 128 units on MNIST, trained with
 * plain SGD (lr 0.01, batch 64, He init, no dropout) once per activation and run; after every epoch:
 *
 *   median unit activation  median over all hidden units u of  (1/|S|) Σ_{x∈S} h_u(x),  S a fixed training subset
 *   training cross-entropy  eval-mode loss on S (the same subset)
 *   validation cross-entropy  loss on the held-out split
 *
 * Run k uses seed k for every activation (same initial weights up to the activation, same batches).
 * The claims: ELU's median unit activation stays nearest zero (bias shift, docs/theory.md); ELU's training
 * loss falls fastest.
 */
import { join } from 'node:path';
import { lineChart, multiPanel, type Series } from '../report/chart.js';
import { colorFor } from '../report/palette.js';
import { markdownTable, formatMeanStd } from '../table.js';
import type { EpochMetrics } from '../train/loop.js';
import { columnStats, meanStd } from '../stats.js';
import { metricMatrix } from '../report/run-plots.js';
import {
  commandLine, timingText, ensureRun, experimentOptions, lazyData, machineInfo, runFolder, seconds, trainOptions, writeResults,
  type ExperimentOptions, type RunOutcome, type Scale,
} from './common.js';
import { claimsTable, fastestLossClaim, medianNearZeroClaim, medianStabilityClaim, nice } from './claims.js';

export const ACTIVATIONS = ['elu', 'relu', 'lrelu', 'srelu'] as const;

interface ScaleSettings {
  runs: number;
  epochs: number;
  trainLimit?: number;
  testLimit?: number;
  statsSubset: number;
  data: string;
}

export const SCALE_SETTINGS: Record<Scale, ScaleSettings> = {
  smoke: { runs: 2, epochs: 2, trainLimit: 256, testLimit: 256, statsSubset: 128, data: 'mnist' },
  small: { runs: 2, epochs: 3, trainLimit: 2000, testLimit: 1000, statsSubset: 500, data: 'mnist' },
  default: { runs: 5, epochs: 10, statsSubset: 1000, data: 'mnist' },
  paper: { runs: 5, epochs: 300, statsSubset: 1000, data: 'mnist' },
};

export async function runMnistActivations(raw: Record<string, unknown>): Promise<void> {
  const o = experimentOptions('mnist-activations', raw);
  const s = SCALE_SETTINGS[o.scale];
  const runs = o.runs ?? s.runs;
  const epochs = o.epochs ?? s.epochs;
  const data = o.data ?? s.data;
  const base = {
    model: 'mnist-mlp', data, width: 1, batchNorm: false, dropout: false, preprocess: 'none' as const, augment: 'none' as const,
    epochs, batch: 64, microBatch: 16, optimizer: 'sgd' as const, lr: 0.01, momentum: 0, nesterov: false, weightDecay: 0,
    schedule: 'constant', workers: o.workers, statsSubset: s.statsSubset, trainLimit: s.trainLimit, testLimit: s.testLimit,
    resume: true, checkpointEvery: 0,
  };
  o.log(`mnist-activations (paper Fig. 2), scale ${o.scale}: ${ACTIVATIONS.length} activations × ${runs} runs × ${epochs} epochs on ${data}, ${o.workers} worker(s), out ${o.out}`);
  const getData = lazyData(base, o.workers > 1, o.log);
  const t0 = Date.now();
  const outcomes: RunOutcome[] = [];
  let done = 0;
  for (let k = 0; k < runs; k++) {
    for (const act of ACTIVATIONS) {
      done++;
      o.log(`[${done}/${runs * ACTIVATIONS.length}] ${act} run ${k} (seed ${k})`);
      const topts = trainOptions({ ...base, activation: act, seed: k, out: runFolder(o.out, act, k) });
      outcomes.push(await ensureRun(topts, getData, { setting: act, run: k, resume: o.resume, quiet: o.quiet, log: o.log }));
    }
  }
  const d = outcomes.some((r) => !r.reused) ? getData() : undefined;
  writeMnistActivationsReport(o, { runs, epochs, data, base, outcomes, wallSeconds: (Date.now() - t0) / 1000, dataInfo: d ? { train: d.train.n, test: d.test.n, name: d.train.name } : undefined });
  o.log(`report: ${join(o.out, 'report.md')}`);
}

/** Per activation: runs × epochs matrices of the three Fig. 2 quantities. */
export function fig2Curves(outcomes: RunOutcome[]): Record<string, { median: number[][]; trainLoss: number[][]; valLoss: number[][]; testAcc: number[][]; diverged: number }> {
  const by: Record<string, EpochMetrics[][]> = {};
  const div: Record<string, number> = {};
  for (const r of outcomes) {
    (by[r.setting] ??= []).push(r.history);
    div[r.setting] = (div[r.setting] ?? 0) + (r.diverged ? 1 : 0);
  }
  const out: ReturnType<typeof fig2Curves> = {};
  for (const [a, hs] of Object.entries(by)) {
    const ok = hs.filter((h) => h.length > 0);
    if (ok.length === 0) continue;
    out[a] = {
      median: metricMatrix(ok, (m) => m.medianUnitActivation),
      trainLoss: metricMatrix(ok, (m) => m.trainEvalLoss),
      valLoss: metricMatrix(ok, (m) => m.testLoss),
      testAcc: metricMatrix(ok, (m) => m.testAcc),
      diverged: div[a],
    };
  }
  return out;
}

function writeMnistActivationsReport(
  o: ExperimentOptions,
  r: { runs: number; epochs: number; data: string; base: Record<string, unknown>; outcomes: RunOutcome[]; wallSeconds: number; dataInfo?: { train: number; test: number; name: string } },
): void {
  const curves = fig2Curves(r.outcomes);
  const acts = Object.keys(curves);
  const seriesOf = (pick: (c: (typeof curves)[string]) => number[][], suffix = '', dashed = false): Series[] =>
    acts.map((a, i) => {
      const st = columnStats(pick(curves[a]));
      return { name: nice(a) + suffix, x: st.mean.map((_, e) => e + 1), y: st.mean, std: r.runs > 1 ? st.std : undefined, dashed, color: colorFor(a, i) };
    });
  const medianChart = lineChart({ title: 'Fig. 2a: median unit activation', xLabel: 'epoch', yLabel: 'median of unit means', series: seriesOf((c) => c.median), width: 640, height: 420 });
  const lossChart = lineChart({
    title: 'Fig. 2b: CE, train solid, val dashed',
    xLabel: 'epoch',
    yLabel: 'cross-entropy',
    series: [...seriesOf((c) => c.trainLoss, ' train'), ...seriesOf((c) => c.valLoss, ' val', true)],
    logY: true,
    width: 640,
    height: 420,
  });
  medianChart.savePNG(join(o.out, 'fig2a-median-activation.png'));
  lossChart.savePNG(join(o.out, 'fig2b-cross-entropy.png'));
  multiPanel([medianChart, lossChart]).savePNG(join(o.out, 'fig2.png'));

  const meanCurve = (pick: (c: (typeof curves)[string]) => number[][]): Record<string, number[]> =>
    Object.fromEntries(acts.map((a) => [a, columnStats(pick(curves[a])).mean]));
  const earlyEpoch = Math.max(1, Math.round(r.epochs / 5));
  const claims = [
    medianNearZeroClaim(meanCurve((c) => c.median)),
    medianStabilityClaim(meanCurve((c) => c.median)),
    fastestLossClaim(meanCurve((c) => c.trainLoss), earlyEpoch),
  ];

  const last = (m: number[][]) => m.map((row) => row[row.length - 1]);
  const first = (m: number[][]) => m.map((row) => row[0]);
  const avg = (v: number[]) => meanStd(v).mean;
  const ms = (v: number[], d = 3, scale = 1) => {
    const m = meanStd(v);
    return formatMeanStd(m.mean * scale, m.std * scale, d);
  };
  const timeBy = (a: string) => r.outcomes.filter((x) => x.setting === a).map((x) => x.seconds);
  const rows = acts.map((a) => {
    const c = curves[a];
    const early = c.trainLoss.map((row) => row[Math.min(earlyEpoch, row.length) - 1]);
    return [
      nice(a),
      ms(first(c.median)),
      ms(last(c.median)),
      ms(early, 4),
      ms(last(c.trainLoss), 4),
      ms(last(c.valLoss), 4),
      ms(last(c.testAcc), 2, 100),
      seconds(avg(timeBy(a))),
      String(c.diverged),
    ];
  });
  const table = markdownTable(
    ['activation', 'median act. epoch 1', `median act. epoch ${r.epochs}`, `train CE epoch ${earlyEpoch}`, `train CE epoch ${r.epochs}`, `val CE epoch ${r.epochs}`, 'val acc %', 'time/run', 'diverged'],
    rows,
  );

  const results = {
    experiment: 'mnist-activations',
    paper: 'Clevert et al. 2016, §3 / Fig. 2',
    scale: o.scale,
    settings: { ...r.base, activations: acts, runs: r.runs, epochs: r.epochs, seeds: Array.from({ length: r.runs }, (_, k) => k), data: r.data, earlyEpoch },
    data: r.dataInfo,
    machine: machineInfo(),
    wallSeconds: r.wallSeconds,
    curves: Object.fromEntries(acts.map((a) => [a, {
      medianUnitActivation: { perRun: curves[a].median, ...columnStats(curves[a].median) },
      trainCrossEntropy: { perRun: curves[a].trainLoss, ...columnStats(curves[a].trainLoss) },
      validationCrossEntropy: { perRun: curves[a].valLoss, ...columnStats(curves[a].valLoss) },
      validationAccuracy: { perRun: curves[a].testAcc, ...columnStats(curves[a].testAcc) },
    }])),
    runs: r.outcomes.map((x) => ({ setting: x.setting, run: x.run, seed: x.seed, dir: x.dir, seconds: x.seconds, diverged: x.diverged, error: x.error, reused: x.reused, paramCount: x.paramCount,
      samplesPerSec: x.history.length ? avg(x.history.map((m) => m.samplesPerSec)) : null })),
    claims,
  };

  const scaled: string[] = [];
  if (r.epochs < 300) scaled.push(`${r.epochs} epochs instead of 300`);
  if (r.data === 'mnist') scaled.push(`the 10,000 MNIST digits bundled with the \`mnist\` package (a seeded, stratified 8000/2000 train/validation split) instead of the 60,000 + 10,000 of full MNIST, so one epoch here is 2/15 of a paper epoch`);
  if ((r.base.trainLimit as number | undefined) !== undefined) scaled.push(`only the first ${r.base.trainLimit} training and ${r.base.testLimit} validation samples`);
  if (r.runs !== 5) scaled.push(`${r.runs} runs per activation instead of 5`);
  const report = `# mnist-activations — paper Fig. 2 (MNIST, 8 × 128 MLP)

Scale **${o.scale}**; seeds ${results.settings.seeds.join(', ')} (run k uses seed k for every activation: the
same initial weights and the same mini-batches). Written by \`${commandLine(o)}\`
${timingText(r.wallSeconds, r.outcomes)} on ${results.machine.cpus} × ${results.machine.cpuModel} (${o.workers} worker thread(s)).

Setup as in the paper: 8 hidden dense layers × 128 units, softmax output, He-normal init, plain SGD (lr 0.01,
no momentum), mini-batch 64, no dropout, no weight decay, no preprocessing. Activations ${acts.map(nice).join(', ')}
(LReLU slope 0.1, SReLU = max(−1, x); the paper's Fig. 2 has only ELU, ReLU and LReLU, SReLU is extra).
The median unit activation and the training cross-entropy are measured in eval mode on a fixed subset of
${r.base.statsSubset} training samples; the validation cross-entropy on the held-out split.

Scaled relative to the paper: ${scaled.length ? scaled.join('; ') : 'nothing'}.

![Fig. 2](fig2.png)

Lines are the mean over runs, bands ± one standard deviation.

## Claims

${claimsTable(claims)}
## Numbers (mean ± std over runs)

${table}
Every per-epoch number (per run, mean, std, median) is in results.json.
`;
  writeResults(o.out, results, report);
}

export const mnistActivations = {
  description: 'paper Fig. 2: 8×128 MLP on MNIST, ELU/ReLU/LReLU/SReLU, median unit activation and cross-entropy per epoch',
  run: runMnistActivations,
};
