/**
 * End to end: how long a real epoch takes, per kernel set, with data-parallel workers.
 *
 *   node dist/bench/epoch.js [--json] [--kernels simd,ts] [--workers 2] [--data DIR] [--only fashion|cifar]
 *                            [--cifar-steps S] [--cifar-width F] [--quick]
 *
 *   --kernels       the sets to run, in turn (default simd,ts: ts is the peer, and the ratio is simd over ts)
 *   --workers N     worker threads (default 2)
 *   --data DIR      the Fashion-MNIST folder (default /usr/share/datasets/fashion-mnist, Debian's
 *                   dataset-fashion-mnist); without it that part says so and is skipped
 *   --only          one of the two parts
 *   --cifar-steps S timed steps of cifar-11 (default 20, after 2 untimed ones)
 *   --cifar-width F width factor of cifar-11 (default 1: the paper's net)
 *   --quick         smoke test: 1,024 Fashion-MNIST images, cifar-11 at width 0.05 for 2 steps (numbers mean nothing)
 *
 * Two measures:
 *  1. fashion: one epoch of mnist-cnn on the full Fashion-MNIST training set (60,000 images, batch 64,
 *     micro-batch 16, SGD momentum), trained by runTraining — the function `elunet train` calls — on data loaded
 *     once beforehand. The epoch's time is the loop's own (EpochMetrics.seconds): the 937 steps, then the
 *     evaluation of the 10,000 test images and of the 1,000-image statistics subset, as a user sees it.
 *     Target of issue 11: ≤ 1 minute with 2 workers.
 *  2. cifar: cifar-11 at full width (1.67 M parameters, 100 classes) on random images of CIFAR's shape
 *     (the speed of a step does not depend on the pixels), with CIFAR's augmentation (pad-4 crop and flip):
 *     the training path of a run (the executor the CLI uses, the micro-batches, the SGD step through the
 *     kernel set) timed over S steps of batch 64; samples/s and the minutes a 50,000-image epoch takes at
 *     that rate (evaluation not included).
 * Each run is one measurement on a machine that should be quiet (these take minutes, not seconds); run it
 * twice to see the spread.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { TRAIN_DEFAULTS, prepareData, runTraining, type PreparedData } from '../src/run/setup.js';
import { models } from '../src/model/zoo.js';
import { Network } from '../src/model/network.js';
import { Sgd } from '../src/optim/sgd.js';
import { PoolExecutor } from '../src/parallel/pool-executor.js';
import { LocalExecutor, type Executor } from '../src/train/executor.js';
import { sharedAllocator } from '../src/train/loop.js';
import { KERNEL_NAMES, kernelsByName, resolveKernels, type KernelsName } from '../src/simd/index.js';
import { textTable } from '../src/table.js';
import { choiceArg, describeMachine, fmt, intArg, machineInfo, makeLog, note, numberArg, parseArgs, randomSource, runBench } from './common.js';

const FASHION = '/usr/share/datasets/fashion-mnist';

interface Row {
  part: 'fashion' | 'cifar';
  workload: string;
  kernels: KernelsName;
  workers: number;
  samples: number;
  seconds: number;
  samplesPerSec: number;
  /** minutes of one epoch: fashion, the measured one; cifar, 50,000 images at the measured rate */
  epochMinutes: number;
  testAcc?: number;
}

/** One epoch of mnist-cnn on Fashion-MNIST through runTraining. */
async function fashionEpoch(data: PreparedData, kernels: KernelsName, workers: number): Promise<Row> {
  const out = mkdtempSync(join(os.tmpdir(), 'elunet-epoch-'));
  try {
    const r = await runTraining(
      { ...TRAIN_DEFAULTS, model: 'mnist-cnn', data: 'fashion', epochs: 1, workers, kernels, out, quiet: true },
      { data, log: () => {} },
    );
    const m = r.history[0];
    return {
      part: 'fashion', workload: `mnist-cnn, 1 epoch of Fashion-MNIST (${data.train.n} images)`, kernels, workers,
      samples: data.train.n, seconds: m.seconds, samplesPerSec: m.samplesPerSec, epochMinutes: m.seconds / 60, testAcc: m.testAcc,
    };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** cifar-11 steps on random CIFAR-shaped data, through the executor a run uses. */
async function cifarSteps(kernels: KernelsName, workers: number, width: number, steps: number): Promise<Row> {
  const batch = 64;
  const micro = 16;
  const spec = models['cifar-11'].build({ activation: 'elu', width, classes: 100 });
  const k = kernelsByName(kernels);
  const alloc = workers > 1 ? sharedAllocator(k) : k.alloc;
  const probe = new Network(spec, { maxBatch: 1 });
  const params = alloc.f32(probe.paramCount);
  const state = alloc.f32(probe.state.length);
  const net = new Network(spec, { maxBatch: micro, params, state, kernels: k });
  net.initParams(1);
  const src = randomSource(spec.input, 100, batch * 8, workers > 1);
  const augment = { pad: 4, flip: true };
  const exec: Executor = workers === 1
    ? new LocalExecutor(net, src, { microBatch: micro, seed: 1, augment })
    : new PoolExecutor({ net, train: src, workers, microBatch: micro, maxBatch: batch, seed: 1, augment });
  const opt = new Sgd(net.layout, { momentum: 0.9, weightDecay: 5e-4, kernels: k });
  const grad = k.alloc.f32(net.paramCount);
  const ids = new Int32Array(batch);
  const step = async (s: number): Promise<void> => {
    for (let i = 0; i < batch; i++) ids[i] = (s * batch + i) % src.n;
    await exec.computeStep(s, ids, grad);
    opt.step(params, grad, 0.01);
  };
  try {
    await step(0);
    await step(1);
    const t0 = performance.now();
    for (let s = 0; s < steps; s++) await step(2 + s);
    const seconds = (performance.now() - t0) / 1000;
    const rate = (steps * batch) / seconds;
    return {
      part: 'cifar', workload: `cifar-11${width === 1 ? '' : ` width ${width}`} (${net.paramCount} parameters), ${steps} steps of batch ${batch}`,
      kernels, workers, samples: steps * batch, seconds, samplesPerSec: rate, epochMinutes: 50_000 / rate / 60,
    };
  } finally {
    await exec.close();
  }
}

async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv, { flags: ['json', 'quick'], values: ['kernels', 'workers', 'data', 'only', 'cifar-steps', 'cifar-width'] });
  const json = args.flags.has('json');
  const quick = args.flags.has('quick');
  const log = makeLog(json);
  const sets = (args.values.get('kernels') ?? KERNEL_NAMES.slice().reverse().join(',')).split(',').filter(Boolean);
  const kernelList = sets.map((s) => resolveKernels(s).name);
  const workers = intArg(args, 'workers', 2);
  const only = choiceArg(args, 'only', ['fashion', 'cifar'] as const);
  const dataDir = args.values.get('data') ?? FASHION;
  const cifarSteps_ = intArg(args, 'cifar-steps', quick ? 2 : 20);
  const cifarWidth = numberArg(args, 'cifar-width', quick ? 0.05 : 1);
  const machine = machineInfo();
  note(`elunet epoch bench: ${describeMachine(machine)}`);
  if (quick) note('quick mode: a smoke test, not a measurement');

  const rows: Row[] = [];
  const skipped: string[] = [];
  if (only !== 'cifar') {
    if (!existsSync(dataDir)) {
      skipped.push(`fashion: ${dataDir} is not there (Debian: apt-get install dataset-fashion-mnist, or --data DIR)`);
    } else {
      const data = prepareData({ ...TRAIN_DEFAULTS, data: dataDir, trainLimit: quick ? 1024 : undefined, testLimit: quick ? 256 : undefined }, workers > 1);
      for (const kernels of kernelList) {
        note(`• fashion: mnist-cnn, one epoch of ${data.train.n} images, ${kernels} kernels, ${workers} workers …`);
        rows.push(await fashionEpoch(data, kernels, workers));
        note(`  ${fmt(rows[rows.length - 1].seconds)} s`);
      }
    }
  }
  if (only !== 'fashion') {
    for (const kernels of kernelList) {
      note(`• cifar: cifar-11 width ${cifarWidth}, ${cifarSteps_} steps, ${kernels} kernels, ${workers} workers …`);
      rows.push(await cifarSteps(kernels, workers, cifarWidth, cifarSteps_));
      note(`  ${fmt(rows[rows.length - 1].samplesPerSec)} samples/s`);
    }
  }
  const ratio = (part: Row['part']): number | null => {
    const s = rows.find((r) => r.part === part && r.kernels === 'simd');
    const t = rows.find((r) => r.part === part && r.kernels === 'ts');
    return s && t ? s.samplesPerSec / t.samplesPerSec : null;
  };
  const fashionSimd = rows.find((r) => r.part === 'fashion' && r.kernels === 'simd');
  const target = {
    description: `an epoch of mnist-cnn on the full Fashion-MNIST in ≤ 1 minute with 2 workers (simd)`,
    met: quick || !fashionSimd || workers !== 2 ? null : fashionSimd.seconds <= 60,
    detail: fashionSimd ? `${fmt(fashionSimd.seconds)} s with ${workers} workers` : 'not measured',
  };
  const end = machineInfo();
  if (json) {
    process.stdout.write(JSON.stringify({
      benchmark: 'elunet end-to-end epochs',
      command: `node dist/bench/epoch.js ${argv.join(' ')}`.trim(),
      quick, machine, loadAverageAtEnd: end.loadAverage, finished: end.date,
      settings: { kernels: kernelList, workers, data: dataDir, cifarSteps: cifarSteps_, cifarWidth },
      results: rows, ratios: { fashion: ratio('fashion'), cifar: ratio('cifar') }, skipped, targets: [target],
    }, null, 2) + '\n');
    return;
  }
  log(`\nelunet end-to-end epochs — ${describeMachine(machine)}`);
  log(textTable(
    ['workload', 'kernels', 'workers', 'samples', 'seconds', 'samples/s', 'minutes per epoch', 'test acc'],
    rows.map((r) => [r.workload, r.kernels, String(r.workers), String(r.samples), fmt(r.seconds), fmt(r.samplesPerSec),
      `${fmt(r.epochMinutes)}${r.part === 'cifar' ? ' (50,000 images)' : ''}`, r.testAcc === undefined ? '—' : `${(100 * r.testAcc).toFixed(2)} %`]),
  ));
  for (const part of ['fashion', 'cifar'] as const) {
    const x = ratio(part);
    if (x !== null) log(`${part}: simd / ts = ${fmt(x)}× (samples/s)`);
  }
  for (const s of skipped) log(`skipped: ${s}`);
  log(`\ntarget (issue 11): ${target.description}: ${target.met === null ? 'n/a' : target.met ? 'met' : 'NOT met'} (${target.detail})`);
  log(`load average at the end: ${end.loadAverage.join(' ')}`);
}

runBench(import.meta.url, main);
