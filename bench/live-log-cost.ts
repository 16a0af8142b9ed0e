/**
 * What the live log (src/live/writer.ts, for `elunet serve`) costs the training: whole training runs with
 * the log and without it, interleaved.
 *
 *   node dist/bench/live-log-cost.js [--json] [--models mnist-mlp,mnist-cnn] [--epochs E] [--rounds R]
 *                                    [--workers W] [--batch B] [--micro M] [--train-limit N] [--quick]
 *
 *   --models       zoo models, ELU, on the embedded MNIST (default mnist-mlp, `elunet compare`'s model;
 *                  mnist-cnn, `elunet train`'s, takes minutes per epoch on one core)
 *   --epochs E     epochs per run (default 3: the first and last epoch ends do their work whatever the
 *                  budget, the ones between as it allows)
 *   --rounds R     pairs of runs per model (default 5); the order within a pair alternates (off, on, then
 *                  on, off, …) so that a slow spell of the machine falls on both sides alike
 *   --workers W    worker threads (default 1; with more, probes run on the main thread while workers wait)
 *   --kernels K    ts | simd (default: simd where this runtime runs it, as the command line chooses)
 *   --batch B, --micro M   global and micro-batch (default 64 and 16, the command line's)
 *   --train-limit N        training digits (default all 8000)
 *   --quick        smoke test: 256 digits, 1 epoch, 1 round (a 4-step epoch: the writer's fixed epoch-end
 *                  work is then a large share, as it is meant to be only for the first and last epochs)
 *
 * One untimed run with the log comes first (the process starts with cold JIT). Every run trains from the
 * same seed, so both sides do the same arithmetic (test/live-log.test.ts shows that the parameters come
 * out bit for bit the same). Reported per model: the median over rounds of the training time with and
 * without the log and of their ratio, steps per second, and the writer's own account of its time (the
 * `writerSeconds` of the log's end record) as a share of the run. The two should agree; the second is
 * free of the machine's noise.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMnistEmbedded } from '../src/data/mnist-embedded.js';
import { take } from '../src/data/dataset.js';
import { models } from '../src/model/zoo.js';
import { Sgd } from '../src/optim/sgd.js';
import { kernelsByName, resolveKernels } from '../src/simd/index.js';
import { trainLoop } from '../src/train/loop.js';
import { createPoolExecutor } from '../src/parallel/pool-executor.js';
import { parseLiveLine } from '../src/live/format.js';
import { describeMachine, fmt, intArg, listArg, machineInfo, makeLog, note, parseArgs, runBench } from './common.js';
import { textTable } from '../src/table.js';

interface Row {
  model: string;
  kernels: string;
  epochs: number;
  workers: number;
  batch: number;
  trainSamples: number;
  rounds: number;
  /** medians over rounds */
  secondsOff: number;
  secondsOn: number;
  /** median over rounds of on / off */
  ratio: number;
  ratioMin: number;
  ratioMax: number;
  stepsPerSecOff: number;
  stepsPerSecOn: number;
  /** median over rounds of the writer's own seconds / the run's seconds */
  writerShare: number;
  /** size of one run's live.jsonl, bytes */
  logBytes: number;
}

function median(xs: number[]): number {
  const a = [...xs].sort((p, q) => p - q);
  const h = a.length >> 1;
  return a.length % 2 ? a[h] : (a[h - 1] + a[h]) / 2;
}

async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv, { flags: ['json', 'quick'], values: ['models', 'epochs', 'rounds', 'workers', 'batch', 'micro', 'train-limit', 'kernels'] });
  const json = args.flags.has('json');
  const quick = args.flags.has('quick');
  const log = makeLog(json);
  const names = listArg(args, 'models', 'mnist-mlp', Object.keys(models), 'model');
  const epochs = quick ? 1 : intArg(args, 'epochs', 3);
  const rounds = quick ? 1 : intArg(args, 'rounds', 5);
  const workers = intArg(args, 'workers', 1);
  const batch = intArg(args, 'batch', 64);
  const micro = intArg(args, 'micro', 16);
  const trainLimit = intArg(args, 'train-limit', Number.MAX_SAFE_INTEGER);
  const kernelsName = resolveKernels(args.values.get('kernels')).name;
  const split = loadMnistEmbedded({ shared: workers > 1 });
  const train = take(split.train, quick ? 256 : Math.min(trainLimit, split.train.n));
  const test = quick ? take(split.test, 128) : split.test;
  const machine = machineInfo();
  const kernels = kernelsByName(kernelsName);
  log(`${describeMachine(machine)}; ${kernelsName} kernels`);

  const rows: Row[] = [];
  for (const name of names) {
    const spec = models[name].build({ activation: 'elu', input: [1, 28, 28], classes: 10 });
    const once = async (live: boolean) => {
      const dir = mkdtempSync(join(tmpdir(), 'elunet-livecost-'));
      try {
        const r = await trainLoop({
          runDir: dir,
          spec,
          train,
          test,
          meta: {},
          epochs,
          batch,
          microBatch: micro,
          seed: 1,
          augment: { pad: 0, flip: false },
          makeOptimizer: (layout, k) => new Sgd(layout, { momentum: 0.9, kernels: k }),
          kernels,
          lrAt: () => 0.01,
          statsSubset: 1000,
          checkpointEvery: 0,
          resume: false,
          quiet: true,
          log: () => {},
          shared: workers > 1,
          live,
          makeExecutor:
            workers > 1
              ? (net) => createPoolExecutor({ net, train, test, workers, microBatch: micro, maxBatch: batch, seed: 1, augment: { pad: 0, flip: false } })
              : undefined,
        });
        let writer = 0;
        let bytes = 0;
        if (live) {
          const text = readFileSync(join(dir, 'live.jsonl'), 'utf8');
          bytes = Buffer.byteLength(text);
          const end = text.trim().split('\n').map(parseLiveLine).pop();
          if (end?.t === 'end') writer = end.writerSeconds;
        }
        return { seconds: r.seconds, steps: r.history[r.history.length - 1].step, writer, bytes };
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    };
    // one untimed run first: the JIT compiles the training and the writer before either side is timed
    await once(true);
    const off: number[] = [];
    const on: number[] = [];
    const ratios: number[] = [];
    const shares: number[] = [];
    let steps = 0;
    let bytes = 0;
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? [false, true] : [true, false];
      const t: Record<string, number> = {};
      for (const live of order) {
        const x = await once(live);
        t[String(live)] = x.seconds;
        steps = x.steps;
        if (live) {
          shares.push(x.writer / x.seconds);
          bytes = x.bytes;
        }
      }
      off.push(t.false);
      on.push(t.true);
      ratios.push(t.true / t.false);
      note(`${name} round ${r + 1}/${rounds}: without ${fmt(t.false)} s, with ${fmt(t.true)} s (×${fmt(t.true / t.false, 4)})`);
    }
    rows.push({
      model: name,
      kernels: kernelsName,
      epochs,
      workers,
      batch,
      trainSamples: train.n,
      rounds,
      secondsOff: median(off),
      secondsOn: median(on),
      ratio: median(ratios),
      ratioMin: Math.min(...ratios),
      ratioMax: Math.max(...ratios),
      stepsPerSecOff: steps / median(off),
      stepsPerSecOn: steps / median(on),
      writerShare: median(shares),
      logBytes: bytes,
    });
  }

  if (json) {
    process.stdout.write(JSON.stringify({ machine, rows }, null, 1) + '\n');
    return;
  }
  log(
    textTable(
      ['model', 'kernels', 'epochs', 'workers', 'steps/s without', 'steps/s with', 'time with / without (min–max)', "writer's own share", 'live.jsonl'],
      rows.map((r) => [
        r.model,
        r.kernels,
        String(r.epochs),
        String(r.workers),
        fmt(r.stepsPerSecOff),
        fmt(r.stepsPerSecOn),
        `${fmt(r.ratio, 4)} (${fmt(r.ratioMin, 4)}–${fmt(r.ratioMax, 4)})`,
        `${fmt(100 * r.writerShare, 3)} %`,
        `${Math.round(r.logBytes / 1024)} KiB`,
      ]),
    ),
  );
}

runBench(import.meta.url, main);
