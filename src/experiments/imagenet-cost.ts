/**
 * Paper §4.4 / the poster: the 15-layer ImageNet network with spatial pyramid pooling, and what ELU costs.
 *
 * Three parts:
 *   1. the parameter count of the full-width network at 224×224 (from the spec; nothing is allocated);
 *   2. the time of one training iteration (forward, backward, SGD step) with ELU and with ReLU at a CPU-sized
 *      width and input, in interleaved paired rounds (ELU, ReLU, ReLU, ELU; then ReLU, ELU, ELU, ReLU; …) in
 *      one process, so that a drift in machine load hits both; the per-round ratios give the ratio's
 *      interval (src/stats/timing.ts), judged against the paper's 12.15 h vs 11.48 h per 10k iterations
 *      (ELU ≤ +5.84 %, on a GPU);
 *   3. a short end-to-end training on a folder of generated PNG images (four pattern classes), to show the
 *      whole path (PNG folder → per-pixel mean → crops and flips → SPP net → SGD) trains: the loss falls.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { Rng, keyedRng } from '../rng.js';
import { models } from '../model/zoo.js';
import { expandSpec } from '../model/spec.js';
import { layoutFor } from '../model/params.js';
import { Network } from '../model/network.js';
import { makeOptimizerFactory } from '../run/setup.js';
import { type KernelSet, tsKernels } from '../kernels/kernel-set.js';
import { kernelsByName, type KernelsName } from '../simd/index.js';
import { lineChart, multiPanel, type Series } from '../report/chart.js';
import { colorFor } from '../report/palette.js';
import { imageGrid } from '../report/grid.js';
import { markdownTable, formatDuration } from '../table.js';
import type { ActivationName } from '../kernels/activation.js';
import { interleavedRounds, type Rounds } from '../stats/timing.js';
import { median } from '../stats/summary.js';
import {
  reproduceLine, ensureRun, experimentOptions, lazyData, machineInfo, runFolder, specParamCount, trainOptions, writeResults,
  type ExperimentOptions, type RunOutcome, type Scale,
} from './common.js';
import { PAPER_ELU_HOURS, PAPER_RELU_HOURS, claimsTable, lossFallsCheck, nice, overheadClaim } from './claims.js';

interface CostScale {
  /** timing: width factor, square input size, batch; `rounds` ABBA rounds, each measurement `iters` iterations */
  timeWidth: number;
  timeInput: number;
  timeBatch: number;
  rounds: number;
  iters: number;
  /** synthetic training */
  perClass: number;
  imageSize: number;
  trainWidth: number;
  epochs: number;
  batch: number;
  lr: number;
}

/**
 * default timing: 15 ABBA rounds of one iteration per measurement (60 iterations, ~3 min at ~2.6 s each):
 * with 15 pairs the exact interval's bounds are the 31st smallest and largest of 120 Walsh averages.
 */
export const COST_SCALES: Record<Scale, CostScale> = {
  smoke: { timeWidth: 1 / 32, timeInput: 32, timeBatch: 2, rounds: 2, iters: 1, perClass: 12, imageSize: 32, trainWidth: 1 / 32, epochs: 2, batch: 8, lr: 0.003 },
  small: { timeWidth: 1 / 16, timeInput: 64, timeBatch: 4, rounds: 8, iters: 1, perClass: 40, imageSize: 32, trainWidth: 1 / 16, epochs: 5, batch: 16, lr: 0.003 },
  default: { timeWidth: 1 / 8, timeInput: 64, timeBatch: 8, rounds: 15, iters: 1, perClass: 75, imageSize: 32, trainWidth: 1 / 16, epochs: 8, batch: 16, lr: 0.003 },
  paper: { timeWidth: 1, timeInput: 224, timeBatch: 1, rounds: 5, iters: 1, perClass: 75, imageSize: 32, trainWidth: 1 / 16, epochs: 8, batch: 16, lr: 0.003 },
};

export const PATTERN_CLASSES = ['checker', 'disc', 'stripes-h', 'stripes-v'] as const;

/**
 * One synthetic RGBA image of class `cls`: a pattern with a random period, phase, colour pair and pixel
 * noise, so that the classes differ in structure, not in colour.
 */
export function patternImage(cls: (typeof PATTERN_CLASSES)[number], size: number, rng: Rng): Uint8Array {
  const px = new Uint8Array(size * size * 4);
  const a = [rng.int(256), rng.int(256), rng.int(256)];
  const b = a.map((v) => (v + 96 + rng.int(64)) % 256);
  const period = 3 + rng.int(Math.max(2, size >> 2));
  const phase = rng.int(period);
  const cx = size * (0.3 + 0.4 * rng.uniform());
  const cy = size * (0.3 + 0.4 * rng.uniform());
  const rad = size * (0.15 + 0.2 * rng.uniform());
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let on: boolean;
      switch (cls) {
        case 'stripes-h': on = Math.floor((y + phase) / period) % 2 === 0; break;
        case 'stripes-v': on = Math.floor((x + phase) / period) % 2 === 0; break;
        case 'checker': on = (Math.floor((x + phase) / period) + Math.floor((y + phase) / period)) % 2 === 0; break;
        case 'disc': on = (x - cx) ** 2 + (y - cy) ** 2 < rad * rad; break;
      }
      const c = on ? a : b;
      const o = 4 * (y * size + x);
      for (let k = 0; k < 3; k++) px[o + k] = Math.max(0, Math.min(255, Math.round(c[k] + 24 * rng.normal())));
      px[o + 3] = 255;
    }
  }
  return px;
}

/** Writes root/<class>/<i>.png unless a manifest says the same images are already there. */
export function writePatternFolder(root: string, perClass: number, size: number, seed = 0): { written: boolean; files: number } {
  const manifest = join(root, '..', 'data-manifest.json');
  const want = JSON.stringify({ classes: PATTERN_CLASSES, perClass, size, seed });
  if (existsSync(manifest) && readFileSync(manifest, 'utf8') === want && existsSync(root)) return { written: false, files: perClass * PATTERN_CLASSES.length };
  rmSync(root, { recursive: true, force: true });
  PATTERN_CLASSES.forEach((cls, ci) => {
    mkdirSync(join(root, cls), { recursive: true });
    for (let i = 0; i < perClass; i++) {
      const png = new PNG({ width: size, height: size });
      png.data.set(patternImage(cls, size, keyedRng(seed, ci, i)));
      writeFileSync(join(root, cls, `${String(i).padStart(3, '0')}.png`), PNG.sync.write(png));
    }
  });
  writeFileSync(manifest, want);
  return { written: true, files: perClass * PATTERN_CLASSES.length };
}

/** Parameters of the full-width network at 224×224, split into conv and fully connected layers. */
export function imagenetParamCounts(): { total: number; conv: number; dense: number; sppFeatures: number } {
  const spec = models['imagenet-15'].build({ activation: 'elu' });
  const model = expandSpec(spec);
  const layout = layoutFor(model.layers);
  let conv = 0;
  let dense = 0;
  let sppFeatures = 0;
  model.layers.forEach((l, i) => {
    const n = layout.layerParams[i].reduce((a, k) => a + layout.params[k].size, 0);
    if (l.kind === 'conv') conv += n;
    else if (l.kind === 'dense') dense += n;
    if (l.kind === 'spp') sppFeatures = l.out.c * l.out.h * l.out.w;
  });
  return { total: layout.paramCount, conv, dense, sppFeatures };
}

/**
 * Seconds per training iteration of the imagenet-15 net with ELU (A) and ReLU (B), in interleaved ABBA/BAAB
 * rounds (src/stats/timing.ts); each measurement is the mean of `iters` iterations. Both nets start from the
 * same weights (seed 0) and see the same batch.
 */
export function timeIterations(s: Pick<CostScale, 'timeWidth' | 'timeInput' | 'timeBatch' | 'rounds' | 'iters'>, log: (l: string) => void,
                               kernels: KernelSet = tsKernels): Rounds {
  const n = s.timeBatch;
  const acts: ActivationName[] = ['elu', 'relu'];
  const nets = acts.map((a) => {
    const spec = models['imagenet-15'].build({ activation: a, width: s.timeWidth, input: [3, s.timeInput, s.timeInput] });
    const net = new Network(spec, { maxBatch: n, kernels });
    net.initParams(0);
    const opt = makeOptimizerFactory({ optimizer: 'sgd', momentum: 0.9, nesterov: false, weightDecay: 5e-4 })(net.layout, kernels);
    return { net, opt };
  });
  const rng = new Rng(1);
  const x = new Float32Array(n * 3 * s.timeInput * s.timeInput);
  for (let i = 0; i < x.length; i++) x[i] = rng.normal();
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) labels[i] = rng.int(1000);
  const sampleIds = new Int32Array(n).map((_, i) => i);
  let step = 0;
  const measure = (k: number): number => {
    const { net, opt } = nets[k];
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < s.iters; i++) {
      net.zeroGrad();
      net.forward(x, n, 'train', { seed: 0, step: step++, sampleIds });
      net.backward(labels, n, 1 / n);
      opt.step(net.params, net.grads, 0.001);
    }
    return Number(process.hrtime.bigint() - t0) / 1e9 / s.iters;
  };
  measure(0); // warm-up: the first calls compile the hot loops
  measure(1);
  return interleavedRounds(s.rounds, () => measure(0), () => measure(1), (r, a, b) =>
    log(`  timing round ${r + 1}/${s.rounds} (${r % 2 === 0 ? 'ELU ReLU ReLU ELU' : 'ReLU ELU ELU ReLU'}): ELU ${a.toFixed(3)} s, ReLU ${b.toFixed(3)} s, ratio ${(a / b).toFixed(3)}`));
}

export async function runImagenetCost(raw: Record<string, unknown>): Promise<void> {
  const o = experimentOptions('imagenet-cost', raw);
  const s = COST_SCALES[o.scale];
  const epochs = o.epochs ?? s.epochs;
  const t0 = Date.now();
  o.log(`imagenet-cost (paper §4.4 / poster), scale ${o.scale}, out ${o.out}`);
  mkdirSync(o.out, { recursive: true });

  const counts = imagenetParamCounts();
  o.log(`imagenet-15 at full width, 224×224: ${counts.total.toLocaleString('en-US')} parameters (${counts.conv.toLocaleString('en-US')} conv, ${counts.dense.toLocaleString('en-US')} fully connected)`);

  const timingSpec = models['imagenet-15'].build({ activation: 'elu', width: s.timeWidth, input: [3, s.timeInput, s.timeInput] });
  const timingParams = specParamCount(timingSpec);
  o.log(`timing: width ${s.timeWidth}, ${s.timeInput}×${s.timeInput}, batch ${s.timeBatch}, ${timingParams.toLocaleString('en-US')} parameters, ${s.rounds} ABBA rounds (1 thread, ${o.kernels} kernels)`);
  const rounds = timeIterations(s, o.log, kernelsByName(o.kernels));
  const times = { elu: rounds.a, relu: rounds.b };
  const eluT = median(times.elu);
  const reluT = median(times.relu);

  // end-to-end training on generated PNG class folders
  const dataDir = join(o.out, 'data');
  const gen = writePatternFolder(dataDir, s.perClass, s.imageSize);
  o.log(`${gen.written ? 'wrote' : 'reusing'} ${gen.files} synthetic ${s.imageSize}×${s.imageSize} PNG images in ${dataDir} (${PATTERN_CLASSES.join(', ')})`);
  const base = {
    model: 'imagenet-15', data: dataDir, width: s.trainWidth, batchNorm: false, dropout: true, preprocess: 'mean' as const, augment: 'crop+flip' as const,
    epochs, batch: s.batch, microBatch: 8, optimizer: 'sgd' as const, lr: s.lr, momentum: 0.9, nesterov: false, weightDecay: 5e-4,
    schedule: 'constant', workers: o.workers, kernels: o.kernels, statsSubset: 200, resume: true, checkpointEvery: 0,
  };
  const getData = lazyData(base, o.workers > 1, o.log);
  const outcomes: RunOutcome[] = [];
  for (const act of ['elu', 'relu']) {
    o.log(`training imagenet-15 (width ${s.trainWidth}) with ${act} on the synthetic images, ${epochs} epochs`);
    outcomes.push(await ensureRun(trainOptions({ ...base, activation: act, seed: 0, out: runFolder(o.out, act, 0) }), getData, { setting: act, run: 0, resume: o.resume, quiet: o.quiet, log: o.log }));
  }
  // a few of the generated images, for the report
  const split = getData();
  const show = Math.min(16, split.train.n);
  const sz = split.train.c * split.train.h * split.train.w;
  imageGrid(split.train.images.slice(0, show * sz), show, split.train.c, split.train.h, split.train.w, {
    cols: 8, scale: 3, labels: Array.from(split.train.labels.slice(0, show), (l) => split.train.classNames?.[l] ?? String(l)),
  }).savePNG(join(o.out, 'samples.png'));
  writeCostReport(o, { s, epochs, counts, timingParams, rounds, times, eluT, reluT, outcomes, base, wallSeconds: (Date.now() - t0) / 1000, trainN: split.train.n, testN: split.test.n });
  o.log(`report: ${join(o.out, 'report.md')}`);
}

function writeCostReport(
  o: ExperimentOptions,
  r: {
    s: CostScale; epochs: number; counts: ReturnType<typeof imagenetParamCounts>; timingParams: number; rounds: Rounds; times: Record<'elu' | 'relu', number[]>;
    eluT: number; reluT: number; outcomes: RunOutcome[]; base: Record<string, unknown>; wallSeconds: number; trainN: number; testN: number;
  },
): void {
  const claim = overheadClaim(r.rounds);
  const ratio = claim.ratio!;
  const checks = r.outcomes.map((x) => ({ activation: x.setting, ...lossFallsCheck(x.history.map((m) => m.trainEvalLoss)), finalTestAcc: x.history.at(-1)?.testAcc ?? NaN, diverged: x.diverged }));
  const series: Series[] = r.outcomes.flatMap((x, i) => [
    { name: `${nice(x.setting)} train`, x: x.history.map((m) => m.epoch), y: x.history.map((m) => m.trainEvalLoss), color: colorFor(x.setting, i) },
    { name: `${nice(x.setting)} test`, x: x.history.map((m) => m.epoch), y: x.history.map((m) => m.testLoss), color: colorFor(x.setting, i), dashed: true },
  ]);
  const accSeries: Series[] = r.outcomes.map((x, i) => ({ name: nice(x.setting), x: x.history.map((m) => m.epoch), y: x.history.map((m) => m.testAcc), color: colorFor(x.setting, i) }));
  multiPanel([
    lineChart({ title: 'synthetic PNGs: loss', xLabel: 'epoch', yLabel: 'cross-entropy', series, width: 560, height: 380 }),
    lineChart({ title: 'synthetic PNGs: test accuracy', xLabel: 'epoch', yLabel: 'accuracy', series: accSeries, width: 560, height: 380 }),
  ]).savePNG(join(o.out, 'training.png'));
  const hours = (t: number) => (t * 10000) / 3600;
  const timingTable = markdownTable(
    ['', 'ELU', 'ReLU', 'ELU / ReLU'],
    [
      ['paper: hours per 10k iterations (GPU, full net, 224×224)', PAPER_ELU_HOURS.toFixed(2), PAPER_RELU_HOURS.toFixed(2), (PAPER_ELU_HOURS / PAPER_RELU_HOURS).toFixed(3)],
      [`elunet: seconds per iteration (median of ${r.times.elu.length} round means)`, r.eluT.toFixed(3), r.reluT.toFixed(3), (r.eluT / r.reluT).toFixed(3)],
      [`elunet: ratio of paired rounds, HL estimate [${(100 * ratio.level).toFixed(1)} % CI]`, '', '', Number.isFinite(ratio.estimate) ? `${ratio.estimate.toFixed(3)} [${ratio.lower.toFixed(3)}, ${ratio.upper.toFixed(3)}]` : '–'],
      ['elunet: hours per 10k iterations (this scale)', hours(r.eluT).toFixed(2), hours(r.reluT).toFixed(2), ''],
    ],
  );
  const results = {
    experiment: 'imagenet-cost',
    paper: 'Clevert et al. 2016, §4.4 and the ILSVRC 2015 poster',
    reproduce: 'same command; the parameter count and the training numbers are the same on any machine, the timings are not',
    scale: o.scale,
    machine: machineInfo(),
    wallSeconds: r.wallSeconds,
    paramCountFullWidth224: r.counts,
    timing: {
      width: r.s.timeWidth, input: [3, r.s.timeInput, r.s.timeInput], batch: r.s.timeBatch, classes: 1000, paramCount: r.timingParams, threads: 1, kernels: o.kernels,
      design: 'ABBA/BAAB rounds: each round times ELU, ReLU, ReLU, ELU (even rounds) or ReLU, ELU, ELU, ReLU (odd rounds); per round the mean of each variant’s two measurements',
      rounds: r.s.rounds, itersPerMeasurement: r.s.iters, secondsPerIterationPerRound: r.times, medianSeconds: { elu: r.eluT, relu: r.reluT },
      ratio: { estimate: ratio.estimate, median: ratio.median, lower: ratio.lower, upper: ratio.upper, level: ratio.level, perRound: ratio.ratios },
      paperOverhead: PAPER_ELU_HOURS / PAPER_RELU_HOURS - 1,
    },
    syntheticTraining: {
      settings: { ...r.base, classes: PATTERN_CLASSES, perClass: r.s.perClass, imageSize: r.s.imageSize, seed: 0, train: r.trainN, test: r.testN },
      runs: r.outcomes.map((x) => ({ activation: x.setting, seconds: x.seconds, diverged: x.diverged, error: x.error, paramCount: x.paramCount, history: x.history })),
      checks,
    },
    claims: [claim],
  };
  const checkRows = checks.map((c) => [nice(c.activation), Number.isFinite(c.first) ? c.first.toFixed(3) : 'diverged', Number.isFinite(c.last) ? c.last.toFixed(3) : 'diverged', Number.isFinite(c.finalTestAcc) ? (100 * c.finalTestAcc).toFixed(1) + ' %' : '–', c.ok ? 'yes' : 'no']);
  const fmtN = (n: number) => n.toLocaleString('en-US');
  const report = `# imagenet-cost — the 15-layer ImageNet network (paper §4.4, poster)

${reproduceLine(o, false)} The parameter count and the training on generated images give the same numbers on
any machine; the timings do not.

Scale **${o.scale}**; seed 0. Ran in ${formatDuration(r.wallSeconds)} on ${results.machine.cpus} × ${results.machine.cpuModel}.

## Size

The poster's network — stacks 1×96×6, 3×512×3, 5×768×3, 3×1024×3, 2×4096 FC, 1×1000 FC, 2×2 max pooling after
each stack, a 3-level spatial pyramid pooling (1×1, 2×2, 4×4 bins) before the first FC — has at full width on
224×224 inputs **${fmtN(r.counts.total)} parameters**: ${fmtN(r.counts.conv)} in the convolutions and ${fmtN(r.counts.dense)} in the
fully connected layers (the SPP gives ${fmtN(r.counts.sppFeatures)} features to the first FC). The paper gives no count;
the first conv's stride (2) and padding (2) are elunet's choice (docs/models.md).

## Time per iteration, ELU vs ReLU

One training iteration (forward, backward, SGD step with momentum and weight decay) at width ${r.s.timeWidth},
${r.s.timeInput}×${r.s.timeInput} inputs, batch ${r.s.timeBatch}, 1000 classes (${fmtN(r.timingParams)} parameters), one thread with the ${o.kernels === 'ts' ? 'TypeScript' : 'SIMD'} kernels,
in one process. ${r.s.rounds} paired rounds: each times ELU, ReLU, ReLU, ELU (or ReLU, ELU, ELU, ReLU on odd rounds), so a
load drift within a round hits both; the ratio's interval comes from the per-round log ratios (exact
signed-rank / Walsh-average interval), and the claim is decided only when the interval lies on one side of
the paper's +5.84 %.

${timingTable}
The absolute hours are **not comparable** (a GPU and the full network in the paper, one CPU thread and a
${r.s.timeWidth}-width network on ${r.s.timeInput}×${r.s.timeInput} inputs here); the ratio is what the claim is about. ${eluExpNote(o.kernels)}

${claimsTable([claim])}
## End to end on generated PNG images

${r.s.perClass * PATTERN_CLASSES.length} generated ${r.s.imageSize}×${r.s.imageSize} RGB PNGs in four classes (${PATTERN_CLASSES.join(', ')}; random colours,
periods, phases and noise) in \`${join(o.out, 'data')}\`, loaded as a PNG class folder (seeded 80/20 split: ${r.trainN} train,
${r.testN} test), per-pixel mean subtracted, pad-4 random crops and flips; imagenet-15 at width ${r.s.trainWidth} with the
SPP head and dropout 0.5 in the FC layers, SGD lr ${r.s.lr} (the paper gives no ImageNet learning rate; with\n0.01 the ELU net at width 1/8 diverged in its second epoch here), momentum 0.9, weight decay 5e-4, batch ${r.s.batch}, ${r.epochs} epochs.

![samples](samples.png)

![training](training.png)

${markdownTable(['activation', 'train loss, epoch 1', `train loss, epoch ${r.epochs}`, 'test accuracy', 'loss fell (last < 0.9 × first)'], checkRows)}
Train loss = eval-mode cross-entropy on a fixed training subset. Every number is in results.json.
`;
  writeResults(o.out, results, report);
}

/**
 * What the exp of ELU costs in the timing, which depends on the kernels it ran with: the TypeScript kernels call
 * Math.expm1 once per negative activation; the SIMD kernels evaluate a polynomial on four lanes for every
 * activation and keep it where the input is negative (src/simd/assembly/expm1.ts, elu.ts).
 */
export function eluExpNote(kernels: KernelsName): string {
  return kernels === 'ts'
    ? 'With the TypeScript kernels (`--kernels ts`) the convolutions dominate, and the exp of ELU (one Math.expm1 per negative ' +
        'activation) is a small share.'
    : 'With the SIMD kernels (`--kernels simd`) the exp of ELU is vectorised: a polynomial on four activations at once ' +
        '(src/simd/assembly/expm1.ts), evaluated for every activation and kept where it is negative, so its cost does not depend on ' +
        'how many activations are negative. (In the profiles of docs/kernels/simd.md, of smaller nets, the matrix products take ' +
        '64–80 % of a SIMD training step; this net was not profiled.)';
}

export const imagenetCost = {
  description: 'paper §4.4 and the poster: 15-layer SPP net — parameter count, ELU vs ReLU time per iteration, end-to-end training on generated PNGs',
  run: runImagenetCost,
};
