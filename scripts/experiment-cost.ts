/**
 * Estimates what each experiment costs at its default scale, from a few timed training steps, without
 * running it. For every kind of run an experiment trains, it builds the network the experiment builds, times
 * a few steps the way one worker does them (forward + backward over micro-batches, then an SGD step) on one
 * thread, times the per-epoch evaluation passes (and bias-shift-control's κ measurement, on a few images), and
 * multiplies out: steps per run × runs × settings.
 *
 *   npm run build && node dist/scripts/experiment-cost.js [steps] [--kernels=ts|simd] [experiment…]
 *       default: 6 timed steps per kind of run, the TypeScript kernels, every experiment
 *
 * The extrapolation to the real run assumes two workers run 1.3× as fast as one thread (docs/performance.md
 * measured 1.2–1.4× on two cores), and prints the 1-thread figure too. Each figure is given twice: from the
 * wall-clock time, and from the CPU time the process got. On a quiet machine the two agree; on a loaded one
 * the wall-clock figure is an upper bound and the CPU-time figure is the better estimate of a quiet run.
 */
import { Rng } from '../src/rng.js';
import { Network } from '../src/model/network.js';
import { models } from '../src/model/zoo.js';
import { Sgd } from '../src/optim/sgd.js';
import type { ActivationName } from '../src/kernels/activation.js';
import { SCALE_SETTINGS } from '../src/experiments/mnist-activations.js';
import { AE_ACTIVATIONS, AE_LRS, AE_SCALES } from '../src/experiments/mnist-autoencoder.js';
import { CIFAR_ACTIVATIONS, CIFAR_SCALES } from '../src/experiments/cifar-compare.js';
import { CONTROL_SCALES, CONTROL_SETTINGS } from '../src/experiments/bias-shift-control.js';
import { measureCoupling } from '../src/experiments/coupling.js';
import type { Norm } from '../src/model/spec.js';
import { kernelsByName, type KernelsName } from '../src/simd/index.js';
import { formatDuration } from '../src/table.js';

const TWO_WORKER_SPEEDUP = 1.3;
const args = process.argv.slice(2);
const timedSteps = Number(args.find((a) => /^\d+$/.test(a)) ?? 6);
const kernelsName = (args.find((a) => a.startsWith('--kernels='))?.slice('--kernels='.length) ?? 'ts') as KernelsName;
if (kernelsName !== 'ts' && kernelsName !== 'simd') throw new Error(`experiment-cost: --kernels must be ts or simd, got '${kernelsName}'`);
const only = args.filter((a) => !/^\d+$/.test(a) && !a.startsWith('--'));

interface Kind {
  experiment: string;
  model: string;
  activation: ActivationName;
  width: number;
  batchNorm?: boolean;
  norm?: Norm;
  dropout?: boolean;
  input: [number, number, number];
  classes: number;
  batch: number;
  microBatch: number;
  /** training samples per epoch, evaluated samples per epoch, epochs, runs of this kind */
  trainN: number;
  evalN: number;
  epochs: number;
  runs: number;
  /** κ measured after each run on this many images, at most this many units per layer (bias-shift-control) */
  coupling?: { samples: number; unitsPerLayer?: number };
}

interface Timing {
  /** seconds per training step, wall clock and CPU */
  step: number;
  stepCpu: number;
  /** seconds per evaluated sample, wall clock and CPU */
  evalPerSample: number;
  evalPerSampleCpu: number;
  /** seconds per run of the κ measurement, wall clock and CPU (0 without) */
  coupling: number;
  couplingCpu: number;
}

/** Wall-clock and CPU seconds (user + system) of `f`. */
function timed(f: () => void): { wall: number; cpu: number } {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  f();
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1e6 };
}

function timeKind(k: Kind): Timing {
  const spec = models[k.model].build({ activation: k.activation, width: k.width, batchNorm: k.batchNorm, norm: k.norm, dropout: k.dropout, input: k.input, classes: k.classes });
  const kernels = kernelsByName(kernelsName);
  const net = new Network(spec, { maxBatch: k.microBatch, kernels });
  net.initParams(0);
  const opt = new Sgd(net.layout, { momentum: 0.9, weightDecay: 5e-4, kernels });
  const rng = new Rng(1);
  const size = k.input[0] * k.input[1] * k.input[2];
  const x = new Float32Array(k.microBatch * size);
  for (let i = 0; i < x.length; i++) x[i] = rng.uniform();
  const autoencoder = spec.loss !== 'softmax-ce';
  const target = autoencoder ? x : new Int32Array(k.microBatch).map(() => rng.int(k.classes));
  const ids = new Int32Array(k.microBatch).map((_, i) => i);
  let stepNo = 0;
  const step = (): void => {
    net.zeroGrad();
    for (let m = 0; m < k.batch / k.microBatch; m++) {
      net.forward(x, k.microBatch, 'train', { seed: 0, step: stepNo, sampleIds: ids });
      net.backward(target, k.microBatch, 1 / k.batch);
    }
    opt.step(net.params, net.grads, 1e-5);
    stepNo++;
  };
  step();
  step();
  const train = timed(() => {
    for (let i = 0; i < timedSteps; i++) step();
  });
  const evaluation = timed(() => {
    for (let i = 0; i < timedSteps; i++) {
      net.forward(x, k.microBatch, 'eval');
      net.loss(target, k.microBatch);
    }
  });
  const perSample = timedSteps * k.microBatch;
  // κ: linear in the images (batch-1 backward passes, then N·d² per unit for A), timed on a few and scaled
  let coupling = { wall: 0, cpu: 0 };
  if (k.coupling) {
    const probe = new Network(spec, { maxBatch: 1 });
    probe.params.set(net.params);
    const n = Math.min(k.coupling.samples, 20 * timedSteps);
    const images = new Float32Array(n * size).map(() => rng.uniform());
    const t = timed(() => measureCoupling(probe, images, n, { unitsPerLayer: k.coupling!.unitsPerLayer }));
    coupling = { wall: (t.wall * k.coupling.samples) / n, cpu: (t.cpu * k.coupling.samples) / n };
  }
  return {
    step: train.wall / timedSteps, stepCpu: train.cpu / timedSteps, evalPerSample: evaluation.wall / perSample, evalPerSampleCpu: evaluation.cpu / perSample,
    coupling: coupling.wall, couplingCpu: coupling.cpu,
  };
}

const ma = SCALE_SETTINGS.default;
const bc = CONTROL_SCALES.default;
const ae = AE_SCALES.default;
const cc = CIFAR_SCALES.default;
const kinds: Kind[] = [
  ...(['elu', 'relu'] as ActivationName[]).map((a): Kind => ({
    experiment: 'mnist-activations', model: 'mnist-mlp', activation: a, width: 1, input: [1, 28, 28], classes: 10, batch: 64, microBatch: 16,
    trainN: 60000, evalN: 10000 + ma.statsSubset, epochs: ma.epochs, runs: ma.runs * 2, // 4 activations, timed as 2 pairs
  })),
  ...(['elu', 'relu'] as ActivationName[]).map((a): Kind => ({
    experiment: 'mnist-autoencoder', model: 'mnist-autoencoder', activation: a, width: ae.width, input: [1, 28, 28], classes: 10, batch: 64, microBatch: 16,
    trainN: 8000, evalN: 2000 + ae.statsSubset, epochs: ae.epochs, runs: (ae.runs * AE_LRS.length * AE_ACTIVATIONS.length) / 2,
  })),
  ...([false, true].flatMap((bn) => (['elu', 'relu'] as ActivationName[]).map((a): Kind => ({
    experiment: 'cifar-compare', model: 'cifar-11', activation: a, width: cc.width, batchNorm: bn, dropout: true, input: [1, 28, 28], classes: 10,
    batch: cc.batch, microBatch: cc.microBatch, trainN: 60000, evalN: 10000 + cc.statsSubset, epochs: cc.epochs ?? 1, runs: (cc.runs * CIFAR_ACTIVATIONS.length) / 2,
  })))),
  ...Object.values(CONTROL_SETTINGS).map((c): Kind => ({
    experiment: 'bias-shift-control', model: 'mnist-mlp', activation: c.activation, norm: 'norm' in c ? c.norm : undefined, width: 1, input: [1, 28, 28],
    classes: 10, batch: 64, microBatch: 16, trainN: 60000, evalN: 10000 + bc.statsSubset, epochs: bc.epochs, runs: bc.runs,
    coupling: { samples: bc.couplingSamples, unitsPerLayer: bc.unitsPerLayer },
  })),
];

// `serial`: work that runs on the main thread whatever the worker count (the κ measurement)
const totals: Record<string, { wall: number; cpu: number; serialWall: number; serialCpu: number }> = {};
console.log(`timed ${timedSteps} steps per kind of run with the ${kernelsName} kernels, one thread (wall clock / CPU time; κ always on ts)`);
for (const k of kinds.filter((x) => only.length === 0 || only.includes(x.experiment))) {
  const t = timeKind(k);
  const steps = Math.floor(k.trainN / k.batch) * k.epochs;
  const perRun = steps * t.step + k.epochs * k.evalN * t.evalPerSample + t.coupling;
  const perRunCpu = steps * t.stepCpu + k.epochs * k.evalN * t.evalPerSampleCpu + t.couplingCpu;
  const sum = (totals[k.experiment] ??= { wall: 0, cpu: 0, serialWall: 0, serialCpu: 0 });
  sum.wall += perRun * k.runs;
  sum.cpu += perRunCpu * k.runs;
  sum.serialWall += t.coupling * k.runs;
  sum.serialCpu += t.couplingCpu * k.runs;
  console.log(
    `${k.experiment.padEnd(18)} ${k.model} ${k.activation}${k.batchNorm ? '+bn' : ''}${k.norm ? ` ${k.norm}` : ''} width ${k.width}: ${(1000 * t.step).toFixed(1)} / ${(1000 * t.stepCpu).toFixed(1)} ms/step of ${k.batch}, ` +
      `eval ${(1e6 * t.evalPerSample).toFixed(0)} / ${(1e6 * t.evalPerSampleCpu).toFixed(0)} µs/sample` +
      `${k.coupling ? `, κ ${t.coupling.toFixed(0)} / ${t.couplingCpu.toFixed(0)} s/run` : ''}; ${steps} steps/run → ${formatDuration(perRun)} / ${formatDuration(perRunCpu)} per run × ${k.runs} runs`,
  );
}
const twoWorkers = (all: number, serial: number): number => (all - serial) / TWO_WORKER_SPEEDUP + serial;
for (const [e, sec] of Object.entries(totals)) {
  console.log(
    `${e.padEnd(18)} default scale: ${formatDuration(sec.wall)} / ${formatDuration(sec.cpu)} on one thread, ` +
      `≈ ${formatDuration(twoWorkers(sec.wall, sec.serialWall))} / ${formatDuration(twoWorkers(sec.cpu, sec.serialCpu))} with 2 workers (training ×${TWO_WORKER_SPEEDUP})`,
  );
}
