/**
 * Paper Fig. 3 (§4): the deep MNIST autoencoder of Martens (2010), 784-1000-500-250-30 and its mirror,
 * trained with plain SGD (batch 64) at fixed learning rates 1e-2, 1e-3, 1e-4, 1e-5 for each activation.
 *
 *   reconstruction error  the model's loss: sigmoid cross-entropy between the logistic output and the input
 *                         pixels, summed over the D = 784 pixels and averaged over the N images,
 *                         (1/N) Σ_n Σ_d −[x log σ(z) + (1−x) log(1−σ(z))]
 *
 * measured per epoch on a fixed training subset (eval mode) and on the test split; the figures show the
 * median over runs (as the poster does). Claim: ELU has the lowest error at every learning rate.
 */
import { join } from 'node:path';
import { lineChart, multiPanel, type Series } from '../report/chart.js';
import { colorFor } from '../report/palette.js';
import { markdownTable } from '../table.js';
import { columnStats, meanStd } from '../stats.js';
import { metricMatrix } from '../report/run-plots.js';
import {
  commandLine, timingText, ensureRun, experimentOptions, lazyData, machineInfo, runFolder, seconds, trainOptions, writeResults,
  type ExperimentOptions, type RunOutcome, type Scale,
} from './common.js';
import { claimsTable, higherLrBetterClaim, lowestAtEveryLrClaim, nice } from './claims.js';

export const AE_ACTIVATIONS = ['elu', 'relu', 'lrelu', 'srelu'] as const;
export const AE_LRS = ['1e-2', '1e-3', '1e-4', '1e-5'] as const;

interface AeScale {
  runs: number;
  epochs: number;
  width: number;
  trainLimit?: number;
  testLimit?: number;
  statsSubset: number;
}

export const AE_SCALES: Record<Scale, AeScale> = {
  smoke: { runs: 1, epochs: 1, width: 0.05, trainLimit: 256, testLimit: 128, statsSubset: 128 },
  small: { runs: 1, epochs: 3, width: 0.125, trainLimit: 2000, testLimit: 500, statsSubset: 500 },
  default: { runs: 3, epochs: 5, width: 0.25, trainLimit: 4000, testLimit: 1000, statsSubset: 1000 },
  paper: { runs: 3, epochs: 500, width: 1, statsSubset: 1000 },
};

export async function runMnistAutoencoder(raw: Record<string, unknown>): Promise<void> {
  const o = experimentOptions('mnist-autoencoder', raw);
  const s = AE_SCALES[o.scale];
  const runs = o.runs ?? s.runs;
  const epochs = o.epochs ?? s.epochs;
  const data = o.data ?? 'mnist';
  const base = {
    model: 'mnist-autoencoder', data, width: s.width, batchNorm: false, dropout: false, preprocess: 'none' as const, augment: 'none' as const,
    epochs, batch: 64, microBatch: 16, optimizer: 'sgd' as const, momentum: 0, nesterov: false, weightDecay: 0,
    schedule: 'constant', workers: o.workers, statsSubset: s.statsSubset, trainLimit: s.trainLimit, testLimit: s.testLimit,
    resume: true, checkpointEvery: 0,
  };
  const total = AE_LRS.length * AE_ACTIVATIONS.length * runs;
  o.log(`mnist-autoencoder (paper Fig. 3), scale ${o.scale}: ${AE_LRS.length} lrs × ${AE_ACTIVATIONS.length} activations × ${runs} runs × ${epochs} epochs, width ${s.width}, on ${data}, out ${o.out}`);
  const getData = lazyData(base, o.workers > 1, o.log);
  const t0 = Date.now();
  const outcomes: RunOutcome[] = [];
  let done = 0;
  for (let k = 0; k < runs; k++) {
    for (const lr of AE_LRS) {
      for (const act of AE_ACTIVATIONS) {
        done++;
        const setting = `lr${lr}/${act}`;
        o.log(`[${done}/${total}] ${setting} run ${k} (seed ${k})`);
        const topts = trainOptions({ ...base, lr: Number(lr), activation: act, seed: k, out: runFolder(o.out, setting, k) });
        outcomes.push(await ensureRun(topts, getData, { setting, run: k, resume: o.resume, quiet: o.quiet, log: o.log }));
      }
    }
  }
  writeAutoencoderReport(o, { runs, epochs, data, base, scale: s, outcomes, wallSeconds: (Date.now() - t0) / 1000 });
  o.log(`report: ${join(o.out, 'report.md')}`);
}

/** Per lr and activation: runs × epochs matrices of train and test reconstruction error. */
export function aeCurves(outcomes: RunOutcome[]): Record<string, Record<string, { train: number[][]; test: number[][]; diverged: number }>> {
  const out: ReturnType<typeof aeCurves> = {};
  for (const lr of AE_LRS) {
    for (const act of AE_ACTIVATIONS) {
      const rs = outcomes.filter((r) => r.setting === `lr${lr}/${act}`);
      if (rs.length === 0) continue;
      const ok = rs.filter((r) => r.history.length > 0 && !r.diverged);
      const row = (out[lr] ??= {});
      row[act] = {
        train: ok.length ? metricMatrix(ok.map((r) => r.history), (m) => m.trainEvalLoss) : [],
        test: ok.length ? metricMatrix(ok.map((r) => r.history), (m) => m.testLoss) : [],
        diverged: rs.length - ok.length,
      };
    }
  }
  return out;
}

function writeAutoencoderReport(
  o: ExperimentOptions,
  r: { runs: number; epochs: number; data: string; base: Record<string, unknown>; scale: AeScale; outcomes: RunOutcome[]; wallSeconds: number },
): void {
  const curves = aeCurves(r.outcomes);
  const panels = Object.entries(curves).map(([lr, row]) => {
    const series: Series[] = [];
    Object.entries(row).forEach(([a, c], i) => {
      if (!c.train.length) return;
      const tr = columnStats(c.train);
      const te = columnStats(c.test);
      const x = tr.median.map((_, e) => e + 1);
      series.push({ name: `${nice(a)} train`, x, y: tr.median, color: colorFor(a, i) });
      series.push({ name: `${nice(a)} test`, x, y: te.median, color: colorFor(a, i), dashed: true });
    });
    const dead = Object.values(row).filter((c) => !c.train.length);
    const note = series.length === 0 ? ' (every run diverged)' : dead.length ? ` (${dead.length} setting(s) diverged)` : '';
    return lineChart({ title: `lr ${lr}${note}`, xLabel: 'epoch', yLabel: 'reconstruction error', series, logY: true, width: 520, height: 380 });
  });
  if (panels.length) multiPanel(panels, { cols: 2, title: 'Fig. 3: autoencoder reconstruction error (median over runs)' }).savePNG(join(o.out, 'fig3.png'));

  // a run that diverged counts as +∞ (NaN here), so it can never be "lowest"
  const final = (which: 'train' | 'test'): Record<string, Record<string, number>> =>
    Object.fromEntries(Object.entries(curves).map(([lr, row]) => [lr, Object.fromEntries(Object.entries(row).map(([a, c]) => {
      const m = c[which];
      if (!m.length || c.diverged > 0) return [a, NaN];
      const med = columnStats(m).median;
      return [a, med[med.length - 1]];
    }))]));
  const trainFinal = final('train');
  const testFinal = final('test');
  const claims = [lowestAtEveryLrClaim(trainFinal, 'training'), lowestAtEveryLrClaim(testFinal, 'test'), higherLrBetterClaim(trainFinal)];

  const rows: (string | number)[][] = [];
  for (const [lr, row] of Object.entries(curves)) {
    for (const a of Object.keys(row)) {
      const times = r.outcomes.filter((x) => x.setting === `lr${lr}/${a}`).map((x) => x.seconds);
      const best = (f: Record<string, number>) => Object.keys(f).every((b) => b === a || !(f[b] <= f[a]));
      rows.push([
        lr,
        nice(a),
        Number.isFinite(trainFinal[lr][a]) ? trainFinal[lr][a].toFixed(4) + (best(trainFinal[lr]) ? ' (best)' : '') : 'diverged',
        Number.isFinite(testFinal[lr][a]) ? testFinal[lr][a].toFixed(4) + (best(testFinal[lr]) ? ' (best)' : '') : 'diverged',
        seconds(meanStd(times).mean),
      ]);
    }
  }
  const table = markdownTable(['lr', 'activation', `train error, epoch ${r.epochs}`, `test error, epoch ${r.epochs}`, 'time/run'], rows);
  const paramCount = r.outcomes.find((x) => x.paramCount)?.paramCount;
  const results = {
    experiment: 'mnist-autoencoder',
    paper: 'Clevert et al. 2016, §4 / Fig. 3',
    scale: o.scale,
    settings: { ...r.base, learningRates: AE_LRS.map(Number), activations: AE_ACTIVATIONS, runs: r.runs, epochs: r.epochs, seeds: Array.from({ length: r.runs }, (_, k) => k), paramCount },
    machine: machineInfo(),
    wallSeconds: r.wallSeconds,
    curves: Object.fromEntries(Object.entries(curves).map(([lr, row]) => [lr, Object.fromEntries(Object.entries(row).map(([a, c]) => [a, {
      train: { perRun: c.train, ...columnStats(c.train) },
      test: { perRun: c.test, ...columnStats(c.test) },
      diverged: c.diverged,
    }]))])),
    finalMedian: { train: trainFinal, test: testFinal },
    runs: r.outcomes.map((x) => ({ setting: x.setting, run: x.run, seed: x.seed, dir: x.dir, seconds: x.seconds, diverged: x.diverged, error: x.error, reused: x.reused })),
    claims,
  };
  const allDiverged = Object.entries(curves).filter(([, row]) => Object.values(row).every((c) => c.diverged > 0)).map(([lr]) => lr);
  const divergedNote = allDiverged.length
    ? `\n**At lr ${allDiverged.join(', ')} every activation diverged** (the loss became NaN within the first steps; see results.json). ` +
      'The error here is summed over 784 pixels; if the paper averaged it over pixels instead, its learning rates correspond to ' +
      'ours divided by 784, and its lr 1e-2 would be a small step here. The paper does not say which it used.\n'
    : '';
  const scaled: string[] = [];
  if (r.scale.width !== 1) scaled.push(`every layer ${r.scale.width}× as wide (${Math.round(1000 * r.scale.width)}-${Math.round(500 * r.scale.width)}-${Math.round(250 * r.scale.width)}-${Math.max(1, Math.round(30 * r.scale.width))} + mirror, ${paramCount?.toLocaleString('en-US') ?? '?'} parameters instead of 2.8 M)`);
  if (r.epochs < 500) scaled.push(`${r.epochs} epochs instead of 500`);
  if (r.data === 'mnist') scaled.push('the 10,000 bundled MNIST digits (seeded 8000/2000 split) instead of full MNIST');
  if (r.scale.trainLimit !== undefined) scaled.push(`only the first ${r.scale.trainLimit} training and ${r.scale.testLimit} test images`);
  const report = `# mnist-autoencoder — paper Fig. 3 (deep MNIST autoencoder)

Scale **${o.scale}**; seeds ${results.settings.seeds.join(', ')} (run k uses seed k for every activation and learning
rate). Written by \`${commandLine(o)}\` ${timingText(r.wallSeconds, r.outcomes)} on
${results.machine.cpus} × ${results.machine.cpuModel} (${o.workers} worker thread(s)).

Setup: 784-1000-500-250-30 encoder and its mirror (Martens 2010), linear 30-unit code, logistic output;
reconstruction error = sigmoid cross-entropy summed over the 784 pixels and averaged over images (the paper
does not say which error it plots; this is Martens' training loss, and elunet's per-sample loss convention). Plain SGD, mini-batch 64, fixed learning rates ${AE_LRS.join(', ')}; He-normal init; no
dropout. Activations ${AE_ACTIVATIONS.map(nice).join(', ')} (whether the paper's Fig. 3 includes SReLU is not
known). Training error in eval mode on a fixed subset of ${r.scale.statsSubset} training images; test error on
the test split. Curves and the table are medians over runs (the poster: "medians over several runs").

Scaled relative to the paper: ${scaled.join('; ') || 'nothing'}.

![Fig. 3](fig3.png)

## Claims

${claimsTable(claims)}${divergedNote}
## Final errors (median over ${r.runs} run(s))

${table}
Every per-epoch number is in results.json.
`;
  writeResults(o.out, results, report);
}

export const mnistAutoencoder = {
  description: 'paper Fig. 3: deep MNIST autoencoder, 4 learning rates × ELU/ReLU/LReLU/SReLU, reconstruction error per epoch',
  run: runMnistAutoencoder,
};
