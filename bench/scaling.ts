/**
 * Data-parallel scaling: training samples per second with 1, 2, … worker threads.
 *
 *   node dist/bench/scaling.js [--json] [--max-workers N] [--models a,b,c] [--batch B] [--micro M]
 *                              [--time MS] [--steps S] [--warmup W] [--cifar-width F] [--quick]
 *
 *   --max-workers N   largest worker count (default os.availableParallelism())
 *   --models          default mnist-cnn,mnist-mlp,cifar-11 (any zoo name)
 *   --batch B         global batch (default 64)
 *   --micro M         micro-batch (default min(16, ⌊B / N⌋), so that every worker has a micro-batch)
 *   --time MS         measure each configuration for at least MS ms (default 4000) …
 *   --steps S         … and at least S steps (default 4)
 *   --warmup W        untimed steps first (default 2: worker start-up, JIT, buffer allocation)
 *   --cifar-width F   width factor of cifar-11 (default 0.25: the paper's net at 1/4 of the filters)
 *   --quick           smoke test: batch 8, micro 4, one warm-up and one timed step, cifar width 0.05
 *
 * One configuration is the real training path: a Network whose parameters and batch-norm state live on
 * SharedArrayBuffers, the executor the CLI would use (LocalExecutor for 1 worker, PoolExecutor for ≥ 2), and
 * an SGD-momentum step on the main thread after every gradient. The micro-batch size is the same for every
 * worker count of a model, so all configurations do the same arithmetic (and give the same bits; see
 * test/parallel.test.ts); only the number of threads sharing it changes. Data are random images of the
 * model's input shape: the speed of a step does not depend on the pixel values.
 *
 * Target of issue 6 on a 2-core machine: ≥ 1.8× with 2 workers for the CNNs at batch ≥ 64.
 */
import { Network } from '../src/model/network.js';
import { models } from '../src/model/zoo.js';
import { Sgd } from '../src/optim/sgd.js';
import { PoolExecutor } from '../src/parallel/pool-executor.js';
import type { SampleSource } from '../src/train/batch.js';
import { LocalExecutor, type Executor } from '../src/train/executor.js';
import { describeMachine, fillUniform, fmt, machineInfo, makeLog, note, numberArg, parseArgs, table } from './common.js';
import os from 'node:os';

interface Row {
  model: string;
  width: number;
  params: number;
  workers: number;
  executor: 'LocalExecutor' | 'PoolExecutor';
  batch: number;
  micro: number;
  steps: number;
  seconds: number;
  samplesPerSec: number;
  stepMs: number;
  /** samples/s relative to 1 worker of the same model */
  speedup: number | null;
}

function sharedFloats(n: number): Float32Array {
  return new Float32Array(new SharedArrayBuffer(Math.max(n, 1) * 4)).subarray(0, n);
}

function randomSource(input: [number, number, number], classes: number, n: number): SampleSource {
  const [c, h, w] = input;
  const images = fillUniform(sharedFloats(n * c * h * w), 11, 0, 1);
  const labels = new Int32Array(new SharedArrayBuffer(n * 4));
  for (let i = 0; i < n; i++) labels[i] = (i * 7 + 3) % classes;
  return { images, labels, n, c, h, w, classes };
}

interface Config {
  model: string;
  width: number;
  workers: number;
  batch: number;
  micro: number;
  timeMs: number;
  minSteps: number;
  warmup: number;
}

async function runConfig(cfg: Config): Promise<Omit<Row, 'speedup'>> {
  const spec = models[cfg.model].build({ activation: 'elu', width: cfg.width });
  const probe = new Network(spec, { maxBatch: 1 });
  const params = sharedFloats(probe.paramCount);
  const state = sharedFloats(probe.state.length);
  const net = new Network(spec, { maxBatch: cfg.micro, params, state });
  net.initParams(1);
  const classes = net.outputSize;
  const src = randomSource(spec.input, classes, cfg.batch * 4);
  const seed = 1;
  const augment = { pad: 0, flip: false };
  const exec: Executor =
    cfg.workers === 1
      ? new LocalExecutor(net, src, { microBatch: cfg.micro, seed, augment })
      : new PoolExecutor({ net, train: src, workers: cfg.workers, microBatch: cfg.micro, maxBatch: cfg.batch, seed, augment });
  const opt = new Sgd(net.layout, { momentum: 0.9 });
  const grad = new Float32Array(net.paramCount);
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
    const t0 = performance.now();
    let steps = 0;
    while (steps < cfg.minSteps || performance.now() - t0 < cfg.timeMs) {
      await oneStep();
      steps++;
    }
    const seconds = (performance.now() - t0) / 1000;
    return {
      model: cfg.model,
      width: cfg.width,
      params: net.paramCount,
      workers: cfg.workers,
      executor: cfg.workers === 1 ? 'LocalExecutor' : 'PoolExecutor',
      batch: cfg.batch,
      micro: cfg.micro,
      steps,
      seconds,
      samplesPerSec: (steps * cfg.batch) / seconds,
      stepMs: (seconds * 1000) / steps,
    };
  } finally {
    await exec.close();
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2), ['max-workers', 'models', 'batch', 'micro', 'time', 'steps', 'warmup', 'cifar-width']);
  for (const f of args.flags) {
    if (!['json', 'quick'].includes(f)) throw new Error(`scaling: unknown option --${f} (see the header of bench/scaling.ts)`);
  }
  const json = args.flags.has('json');
  const quick = args.flags.has('quick');
  const log = makeLog(json);
  const maxWorkers = Math.floor(numberArg(args, 'max-workers', os.availableParallelism()));
  const batch = Math.floor(numberArg(args, 'batch', quick ? 8 : 64));
  const micro = Math.floor(numberArg(args, 'micro', quick ? 4 : Math.max(1, Math.min(16, Math.floor(batch / maxWorkers)))));
  if (Math.ceil(batch / micro) < maxWorkers) {
    throw new Error(
      `scaling: batch ${batch} with micro-batch ${micro} gives only ${Math.ceil(batch / micro)} micro-batches, fewer than ` +
        `${maxWorkers} workers; lower --micro or raise --batch`,
    );
  }
  const timeMs = quick ? 0 : numberArg(args, 'time', 4000);
  const minSteps = Math.floor(numberArg(args, 'steps', quick ? 1 : 4));
  const warmup = quick ? 1 : Math.floor(numberArg(args, 'warmup', 2));
  const cifarWidth = numberArg(args, 'cifar-width', quick ? 0.05 : 0.25);
  const modelNames = (args.values.get('models') ?? 'mnist-cnn,mnist-mlp,cifar-11').split(',').filter(Boolean);
  for (const m of modelNames) {
    if (!models[m]) throw new Error(`scaling: unknown model '${m}'; known: ${Object.keys(models).join(', ')}`);
  }
  const machine = machineInfo();
  note(`elunet scaling bench: ${describeMachine(machine)}`);
  if (quick) note('quick mode: tiny batch, one timed step — a smoke test, not a measurement');

  const rows: Row[] = [];
  for (const model of modelNames) {
    const width = model === 'cifar-11' ? cifarWidth : 1;
    let base: number | null = null;
    for (let workers = 1; workers <= maxWorkers; workers++) {
      note(`• ${model} (width ${width}) with ${workers} worker${workers > 1 ? 's' : ''} …`);
      const r = await runConfig({ model, width, workers, batch, micro, timeMs, minSteps, warmup });
      if (workers === 1) base = r.samplesPerSec;
      const row: Row = { ...r, speedup: base ? r.samplesPerSec / base : null };
      note(`  ${fmt(row.samplesPerSec)} samples/s (${fmt(row.stepMs)} ms/step over ${row.steps} steps), speedup ${fmt(row.speedup ?? NaN)}×`);
      rows.push(row);
    }
  }
  const targets = modelNames
    .filter((m) => m !== 'mnist-mlp' && (m.includes('cnn') || m.startsWith('cifar')))
    .map((m) => {
      const two = rows.find((r) => r.model === m && r.workers === 2);
      const ok = two?.speedup != null && two.speedup >= 1.8 && batch >= 64;
      return {
        description: `${m}: ≥ 1.8× with 2 workers at batch ≥ 64`,
        met: quick || !two ? null : ok,
        detail: two ? `${fmt(two.speedup ?? NaN)}× at batch ${batch}` : 'not measured (max-workers < 2)',
      };
    });
  const end = machineInfo();
  if (json) {
    const out = {
      benchmark: 'elunet data-parallel training throughput vs worker count',
      command: `node dist/bench/scaling.js ${process.argv.slice(2).join(' ')}`.trim(),
      quick,
      machine,
      loadAverageAtEnd: end.loadAverage,
      finished: end.date,
      settings: { maxWorkers, batch, micro, timeMs, minSteps, warmup, cifarWidth },
      results: rows,
      targets,
    };
    process.stdout.write(JSON.stringify(out, null, 2) + '\n');
    return;
  }
  log(`\nelunet data-parallel training — ${describeMachine(machine)}`);
  log(`batch ${batch}, micro-batch ${micro}, SGD momentum 0.9 step on the main thread; ≥ ${minSteps} steps and ≥ ${timeMs} ms per row after ${warmup} warm-up steps\n`);
  log(
    table(
      ['model', 'params', 'workers', 'executor', 'samples/s', 'ms/step', 'speedup'],
      rows.map((r) => [
        r.width === 1 ? r.model : `${r.model} ×${r.width}`,
        String(r.params),
        String(r.workers),
        r.executor,
        fmt(r.samplesPerSec),
        fmt(r.stepMs),
        r.speedup === null ? '—' : `${fmt(r.speedup)}×`,
      ]),
    ),
  );
  if (targets.length > 0) {
    log('\ntargets (issue 6)');
    log(table(['target', 'status', 'measured'], targets.map((t) => [t.description, t.met === null ? 'n/a' : t.met ? 'met' : 'NOT met', t.detail])));
  }
  log(`\nload average at the end: ${end.loadAverage.join(' ')}`);
}

main().catch((e: unknown) => {
  process.stderr.write(`scaling bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
