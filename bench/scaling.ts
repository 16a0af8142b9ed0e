/**
 * Data-parallel scaling: training samples per second with 1, 2, … worker threads.
 *
 *   node dist/bench/scaling.js [--json] [--max-workers N] [--models a,b,c] [--batch B] [--micro M]
 *                              [--time MS] [--steps S] [--rounds R] [--warmup W] [--cifar-width F] [--quick]
 *
 *   --max-workers N   largest worker count (default os.availableParallelism())
 *   --models          default mnist-cnn,mnist-mlp,cifar-11 (any zoo name)
 *   --batch B         global batch (default 64)
 *   --micro M         micro-batch (default min(16, ⌊B / N⌋), so that every worker has a micro-batch)
 *   --time MS         one measuring window: at least MS ms (default 2000) …
 *   --steps S         … and at least S steps (default 2)
 *   --rounds R        windows per worker count, interleaved 1, 2, …, N, then N, …, 1 (default 7); samples/s
 *                     and speed-ups are medians over rounds (see measureModel)
 *   --warmup W        untimed steps first (default 2: worker start-up, JIT, buffer allocation)
 *   --cifar-width F   width factor of cifar-11 (default 0.25: the paper's net at 1/4 of the filters)
 *   --kernels K       ts | simd (default: simd where the runtime has it, as `elunet train`)
 *   --quick           smoke test: batch 8, micro 4, one warm-up and one timed step, cifar width 0.05
 *
 * One configuration is the real training path: a Network on the kernel set whose parameters and batch-norm
 * state are shared (SharedArrayBuffers with ts, the run's WebAssembly memory with simd), the executor the CLI
 * would use (LocalExecutor for 1 worker, PoolExecutor for ≥ 2), and an SGD-momentum step on the main thread
 * after every gradient, through the same set. The micro-batch size is the same for every
 * worker count of a model, so all configurations do the same arithmetic (and give the same bits; see
 * test/parallel.test.ts); only the number of threads sharing it changes. Data are random images of the
 * model's input shape: the speed of a step does not depend on the pixel values.
 *
 * Every round also runs 1…N free-running threads (bench/free-runner.ts) on the same micro-batches with no
 * coordination at all: the machine's own ceiling for N threads of this work, printed beside the pool's speed-up.
 *
 * Target of issue 4 on a 2-core machine: ≥ 1.8× with 2 workers for the CNNs at batch ≥ 64.
 */
import { Network } from '../src/model/network.js';
import { models } from '../src/model/zoo.js';
import { Sgd } from '../src/optim/sgd.js';
import { PoolExecutor } from '../src/parallel/pool-executor.js';
import { LocalExecutor, type Executor } from '../src/train/executor.js';
import { sharedAllocator } from '../src/train/loop.js';
import { kernelsByName, resolveKernels, type KernelsName } from '../src/simd/index.js';
import { describeMachine, fmt, intArg, listArg, machineInfo, makeLog, note, numberArg, parseArgs, randomSource, runBench, UsageError } from './common.js';
import { textTable } from '../src/table.js';
import { median } from '../src/stats/summary.js';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

const FREE_RUNNER = fileURLToPath(new URL('./free-runner.js', import.meta.url));

/** N free-running threads (bench/free-runner.ts): the machine's ceiling for N threads of this work. */
class FreeRunners {
  private threads: Worker[];
  constructor(n: number, init: { model: string; width: number; micro: number; kernels: KernelsName }) {
    this.threads = Array.from({ length: n }, () => new Worker(FREE_RUNNER, { workerData: init }));
  }
  /** Samples per second of all threads together, each running for at least timeMs. */
  async window(timeMs: number): Promise<number> {
    const replies = await Promise.all(
      this.threads.map(
        (t) =>
          new Promise<{ samples: number; seconds: number }>((resolve, reject) => {
            t.once('message', resolve);
            t.once('error', reject);
            t.postMessage({ timeMs });
          }),
      ),
    );
    return replies.reduce((a, r) => a + r.samples / r.seconds, 0);
  }
  async close(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.terminate()));
  }
}

interface Row {
  model: string;
  width: number;
  kernels: KernelsName;
  params: number;
  workers: number;
  executor: 'LocalExecutor' | 'PoolExecutor';
  batch: number;
  micro: number;
  rounds: number;
  /** over all rounds */
  steps: number;
  seconds: number;
  /** median over rounds */
  samplesPerSec: number;
  samplesPerSecPerRound: number[];
  /** at the median rate */
  stepMs: number;
  /** median over rounds of (this rate / the 1-worker rate of the same round) */
  speedup: number;
  speedupMin: number;
  speedupMax: number;
  /**
   * The machine's ceiling: median over rounds of (samples/s of this many free-running threads, each on its
   * own network with no coordination / samples/s of one such thread), measured in the same rounds.
   */
  ceiling: number;
  /** speedup / ceiling: how much of what the machine delivered the pool turned into training */
  efficiency: number;
}

interface Config {
  model: string;
  width: number;
  kernels: KernelsName;
  workers: number;
  batch: number;
  micro: number;
  warmup: number;
}

/** One worker count of one model, ready to step: its own network, parameters, executor and optimizer. */
interface Setup {
  cfg: Config;
  params: number;
  oneStep: () => Promise<void>;
  close: () => Promise<void>;
}

async function makeSetup(cfg: Config): Promise<Setup> {
  const spec = models[cfg.model].build({ activation: 'elu', width: cfg.width });
  const k = kernelsByName(cfg.kernels); // a new memory per configuration, for simd, as a training run makes it
  const probe = new Network(spec, { maxBatch: 1 });
  const params = sharedAllocator(k).f32(probe.paramCount);
  const state = sharedAllocator(k).f32(probe.state.length);
  const net = new Network(spec, { maxBatch: cfg.micro, params, state, kernels: k });
  net.initParams(1);
  const classes = net.outputSize;
  const src = randomSource(spec.input, classes, cfg.batch * 4, true);
  const seed = 1;
  const augment = { pad: 0, flip: false };
  const exec: Executor =
    cfg.workers === 1
      ? new LocalExecutor(net, src, { microBatch: cfg.micro, seed, augment })
      : new PoolExecutor({ net, train: src, workers: cfg.workers, microBatch: cfg.micro, maxBatch: cfg.batch, seed, augment });
  const opt = new Sgd(net.layout, { momentum: 0.9, kernels: k });
  const grad = k.alloc.f32(net.paramCount);
  const ids = new Int32Array(cfg.batch);
  let step = 0;
  const oneStep = async (): Promise<void> => {
    const base = (step * cfg.batch) % src.n;
    for (let i = 0; i < cfg.batch; i++) ids[i] = (base + i) % src.n;
    const r = await exec.computeStep(step, ids, grad);
    if (!Number.isFinite(r.loss)) throw new Error(`scaling: ${cfg.model} loss became ${r.loss} at step ${step}`);
    opt.step(params, grad, 0.01);
    step++;
  };
  try {
    for (let i = 0; i < cfg.warmup; i++) await oneStep();
  } catch (e) {
    await exec.close();
    throw e;
  }
  return { cfg, params: net.paramCount, oneStep, close: () => exec.close() };
}

/** Steps for at least `timeMs` and `minSteps`; samples/s and the number of steps. */
async function measureWindow(s: Setup, timeMs: number, minSteps: number): Promise<{ steps: number; seconds: number }> {
  const t0 = performance.now();
  let steps = 0;
  while (steps < minSteps || performance.now() - t0 < timeMs) {
    await s.oneStep();
    steps++;
  }
  return { steps, seconds: (performance.now() - t0) / 1000 };
}

/**
 * All worker counts of one model, measured in interleaved rounds: round r runs a window of 1 worker, then
 * 2, …, then N (the order reversed every other round), so that a slow spell of the machine — a virtual CPU
 * that the host gives less time for a few seconds, which happens often on shared machines — falls on all
 * configurations alike. A configuration's samples/s is its median over rounds, and its speed-up is the
 * median over rounds of its rate divided by the 1-worker rate of the same round.
 */
async function measureModel(
  base: Omit<Config, 'workers'>,
  maxWorkers: number,
  rounds: number,
  timeMs: number,
  minSteps: number,
): Promise<Row[]> {
  const setups: Setup[] = [];
  const free: FreeRunners[] = [];
  try {
    for (let workers = 1; workers <= maxWorkers; workers++) setups.push(await makeSetup({ ...base, workers }));
    for (let n = 1; n <= maxWorkers; n++) free.push(new FreeRunners(n, { model: base.model, width: base.width, micro: base.micro, kernels: base.kernels }));
    const freeRates: number[][] = free.map(() => []);
    const rates: number[][] = setups.map(() => []);
    const steps: number[] = setups.map(() => 0);
    const seconds: number[] = setups.map(() => 0);
    for (let r = 0; r < rounds; r++) {
      const order = setups.map((_, i) => i);
      if (r % 2 === 1) order.reverse();
      for (const i of order) {
        const w = await measureWindow(setups[i], timeMs, minSteps);
        rates[i].push((w.steps * base.batch) / w.seconds);
        steps[i] += w.steps;
        seconds[i] += w.seconds;
        freeRates[i].push(await free[i].window(timeMs));
      }
      note(
        `  round ${r + 1}/${rounds}: pool ${rates.map((x, i) => `${i + 1}w ${fmt(x[r])}`).join(', ')}; ` +
          `free threads ${freeRates.map((x, i) => `${i + 1}× ${fmt(x[r])}`).join(', ')} samples/s`,
      );
    }
    return setups.map((s, i) => {
      const ratios = rates[i].map((x, r) => x / rates[0][r]);
      const ceiling = median(freeRates[i].map((x, r) => x / freeRates[0][r]));
      const samplesPerSec = median(rates[i]);
      return {
        model: base.model,
        width: base.width,
        kernels: base.kernels,
        params: s.params,
        workers: s.cfg.workers,
        executor: s.cfg.workers === 1 ? 'LocalExecutor' : 'PoolExecutor',
        batch: base.batch,
        micro: base.micro,
        rounds,
        steps: steps[i],
        seconds: seconds[i],
        samplesPerSec,
        samplesPerSecPerRound: rates[i],
        stepMs: (1000 * base.batch) / samplesPerSec,
        speedup: median(ratios),
        speedupMin: Math.min(...ratios),
        speedupMax: Math.max(...ratios),
        ceiling,
        efficiency: median(ratios) / ceiling,
      };
    });
  } finally {
    for (const s of setups) await s.close();
    for (const f of free) await f.close();
  }
}

async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv, {
    flags: ['json', 'quick'],
    values: ['max-workers', 'models', 'batch', 'micro', 'time', 'steps', 'warmup', 'rounds', 'cifar-width', 'kernels'],
  });
  const json = args.flags.has('json');
  const quick = args.flags.has('quick');
  const log = makeLog(json);
  const maxWorkers = intArg(args, 'max-workers', os.availableParallelism());
  const batch = intArg(args, 'batch', quick ? 8 : 64);
  const micro = intArg(args, 'micro', quick ? 4 : Math.max(1, Math.min(16, Math.floor(batch / maxWorkers))));
  if (Math.ceil(batch / micro) < maxWorkers) {
    throw new UsageError(
      `batch ${batch} with micro-batch ${micro} gives only ${Math.ceil(batch / micro)} micro-batches, fewer than ` +
        `${maxWorkers} workers; lower --micro or raise --batch`,
    );
  }
  const timeMs = quick ? 0 : numberArg(args, 'time', 2000);
  const minSteps = intArg(args, 'steps', quick ? 1 : 2);
  const rounds = intArg(args, 'rounds', quick ? 1 : 7);
  const warmup = quick ? 1 : intArg(args, 'warmup', 2);
  const cifarWidth = numberArg(args, 'cifar-width', quick ? 0.05 : 0.25);
  const modelNames = listArg(args, 'models', 'mnist-cnn,mnist-mlp,cifar-11', Object.keys(models), 'model');
  const kernels = resolveKernels(args.values.get('kernels'));
  if (kernels.note) note(kernels.note);
  const machine = machineInfo();
  note(`elunet scaling bench (${kernels.name} kernels): ${describeMachine(machine)}`);
  if (quick) note('quick mode: tiny batch, one timed step — a smoke test, not a measurement');

  const rows: Row[] = [];
  for (const model of modelNames) {
    const width = model === 'cifar-11' ? cifarWidth : 1;
    note(`• ${model} (width ${width}), 1…${maxWorkers} workers, ${rounds} interleaved rounds …`);
    rows.push(...(await measureModel({ model, width, kernels: kernels.name, batch, micro, warmup }, maxWorkers, rounds, timeMs, minSteps)));
  }
  const targets = modelNames
    .filter((m) => m !== 'mnist-mlp' && (m.includes('cnn') || m.startsWith('cifar')))
    .map((m) => {
      const two = rows.find((r) => r.model === m && r.workers === 2);
      const ok = two !== undefined && two.speedup >= 1.8 && batch >= 64;
      return {
        description: `${m}: ≥ 1.8× with 2 workers at batch ≥ 64`,
        met: quick || !two ? null : ok,
        detail: two
          ? `${fmt(two.speedup)}× (rounds ${fmt(two.speedupMin)}–${fmt(two.speedupMax)}×; machine ceiling ${fmt(two.ceiling)}×) at batch ${batch}`
          : 'not measured (max-workers < 2)',
      };
    });
  const end = machineInfo();
  if (json) {
    const out = {
      benchmark: 'elunet data-parallel training throughput vs worker count',
      command: `node dist/bench/scaling.js ${argv.join(' ')}`.trim(),
      quick,
      machine,
      loadAverageAtEnd: end.loadAverage,
      finished: end.date,
      settings: { maxWorkers, batch, micro, rounds, timeMs, minSteps, warmup, cifarWidth, kernels: kernels.name },
      results: rows,
      targets,
    };
    process.stdout.write(JSON.stringify(out, null, 2) + '\n');
    return;
  }
  log(`\nelunet data-parallel training, ${kernels.name} kernels — ${describeMachine(machine)}`);
  log(
    `batch ${batch}, micro-batch ${micro}, SGD momentum 0.9 step on the main thread; ${rounds} interleaved rounds of ` +
      `≥ ${minSteps} steps and ≥ ${timeMs} ms per worker count, after ${warmup} warm-up steps; medians over rounds\n`,
  );
  log(
    textTable(
      ['model', 'params', 'workers', 'executor', 'samples/s', 'ms/step', 'speedup', 'range over rounds', 'machine ceiling', 'efficiency'],
      rows.map((r) => [
        r.width === 1 ? r.model : `${r.model} ×${r.width}`,
        String(r.params),
        String(r.workers),
        r.executor,
        fmt(r.samplesPerSec),
        fmt(r.stepMs),
        `${fmt(r.speedup)}×`,
        r.workers === 1 ? '—' : `${fmt(r.speedupMin)}–${fmt(r.speedupMax)}×`,
        `${fmt(r.ceiling)}×`,
        `${Math.round(100 * r.efficiency)} %`,
      ]),
    ),
  );
  log(
    '\nmachine ceiling: samples/s of that many free-running threads (bench/free-runner.ts: the same micro-batches, each\n' +
      'thread on its own network, no shared memory, no waiting) over one such thread, in the same rounds. efficiency =\n' +
      'speedup / ceiling: the part of what the cores delivered that the pool turned into training.',
  );
  if (targets.length > 0) {
    log('\ntargets (issue 4)');
    log(textTable(['target', 'status', 'measured'], targets.map((t) => [t.description, t.met === null ? 'n/a' : t.met ? 'met' : 'NOT met', t.detail])));
  }
  log(`\nload average at the end: ${end.loadAverage.join(' ')}`);
}

runBench(import.meta.url, main);
