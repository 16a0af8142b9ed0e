/**
 * elunet's kernels and training step, side by side with TensorFlow.js (pure-JS CPU backend) in the same run.
 *
 *   npm run bench                      build, then the full comparison as tables on stdout
 *   npm run bench -- --json            the same, machine-readable: only JSON on stdout, progress on stderr
 *   node dist/bench/run.js [--json] [--time MS] [--only SUBSTRING] [--no-tfjs] [--quick]
 *
 *   --time MS        tinybench time budget per measurement (default 2000)
 *   --only S         run only the workloads whose name contains S (e.g. 'conv2d', 'train', '1024')
 *   --no-tfjs        elunet only
 *   --quick          smoke test: tiny shapes and one repetition (numbers mean nothing)
 *
 * Workloads (all single-threaded; FLOP counts use one multiply-add = 2 FLOP):
 *   matmul m=n=k ∈ {256, 512, 1024}                       2·M·N·K per product
 *   conv2d 3×3, stride 1, same padding, batch 32, (H×W, C→OC) ∈ {32×32 64→64, 28×28 1→32, 14×14 32→64}
 *        forward                                          2·N·OC·OH·OW·C·KH·KW
 *        forward + backward-input + backward-params        3 × that
 *   ELU forward and backward over 2^20 and 2^24 floats    elements per second
 *   one training step (forward, backward, SGD momentum) of mnist-cnn and mnist-mlp, batch 64, samples/s
 * Timing rule: bench/common.ts (`measure`). Each measurement (one workload, one library) runs in its own
 * fresh child process, `node dist/bench/run.js --one '<workload>' --side elunet|tfjs` (see main). The targets
 * of issue 6 are checked at the end and reported as met / not met.
 */
import {
  conv2dBackwardInput,
  conv2dBackwardParams,
  conv2dCheckArrays,
  conv2dForward,
  conv2dShape,
  conv2dWorkspaceSize,
  eluBackward,
  eluForward,
  matmul,
  matmulCheckArrays,
  matmulShape,
} from '../src/kernels/index.js';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Network } from '../src/model/network.js';
import { models } from '../src/model/zoo.js';
import { Sgd } from '../src/optim/sgd.js';
import { choiceArg, describeMachine, fillUniform, fmt, machineInfo, makeLog, measure, note, numberArg, parseArgs, runBench, UsageError, type MachineInfo, type Measurement } from './common.js';
import { textTable } from '../src/table.js';
import {
  loadTf,
  tfConv,
  tfEluBackward,
  tfEluForward,
  tfMatmul,
  tfTrainStep,
  type Tf,
  type TfWorkload,
} from './tfjs-peer.js';

type Unit = 'GFLOP/s' | 'Melem/s' | 'samples/s';

interface Side extends Measurement {
  /** the throughput in `unit` */
  rate: number;
}

interface Result {
  group: 'matmul' | 'conv2d' | 'elu' | 'train';
  name: string;
  unit: Unit;
  /** work per repetition in the unit's numerator (FLOP, elements or samples) */
  work: number;
  elunet: Side;
  tfjs: Side | null;
  /** elunet rate / tfjs rate */
  ratio: number | null;
}

interface Workload {
  group: Result['group'];
  name: string;
  unit: Unit;
  work: number;
  /** whether a tfjs peer exists (the single conv backward passes have none) */
  hasPeer: boolean;
  /** makes the inputs (only when the workload runs) and returns both sides */
  make: () => Sides;
}

interface Sides {
  /** builds elunet's buffers and returns the function to time */
  elunet: () => () => void;
  /** builds the peer (null: elunet only) */
  tfjs: ((tf: Tf) => TfWorkload) | null;
}

const unitScale: Record<Unit, number> = { 'GFLOP/s': 1e-9, 'Melem/s': 1e-6, 'samples/s': 1 };

// ------------------------------------------------------------------------------------------- workloads

function matmulWorkload(size: number): Workload {
  const m = size;
  const n = size;
  const k = size;
  return {
    group: 'matmul',
    hasPeer: true,
    name: `matmul ${size}³`,
    unit: 'GFLOP/s',
    work: 2 * m * n * k,
    make: () => {
      const a = fillUniform(new Float32Array(m * k), 1);
      const b = fillUniform(new Float32Array(k * n), 2);
      return {
        elunet: () => {
          const c = new Float32Array(m * n);
          const s = matmulShape({ m, n, k });
          matmulCheckArrays(c, a, b, s);
          return () => matmul(c, a, b, s);
        },
        tfjs: (tf) => tfMatmul(tf, m, n, k, a, b),
      };
    },
  };
}

interface ConvCase {
  n: number;
  h: number;
  w: number;
  c: number;
  oc: number;
}

/** 'fwd', 'fwd+bwd' (compared with tfjs) or one backward pass alone (elunet only, to show where time goes). */
type ConvPass = 'fwd' | 'fwd+bwd' | 'bwd-input' | 'bwd-params';

function convWorkload(d: ConvCase, pass: ConvPass): Workload {
  const s = conv2dShape({ n: d.n, c: d.c, h: d.h, w: d.w, oc: d.oc, kh: 3, kw: 3, stride: 1, pad: 'same' });
  const onePass = 2 * s.n * s.oc * s.oh * s.ow * s.c * s.kh * s.kw;
  const passes = pass === 'fwd+bwd' ? 3 : 1;
  return {
    group: 'conv2d',
    hasPeer: pass === 'fwd' || pass === 'fwd+bwd',
    name: `conv2d ${pass} ${d.h}×${d.w} ${d.c}→${d.oc} b${d.n}`,
    unit: 'GFLOP/s',
    work: passes * onePass,
    make: () => {
      const x = fillUniform(new Float32Array(s.n * s.c * s.h * s.w), 3);
      const w = fillUniform(new Float32Array(s.oc * s.c * s.kh * s.kw), 4, -0.1, 0.1);
      const dy = fillUniform(new Float32Array(s.n * s.oc * s.oh * s.ow), 5);
      return {
        elunet: () => {
          const ws = new Float32Array(conv2dWorkspaceSize(s));
          const y = new Float32Array(dy.length);
          const dx = new Float32Array(x.length);
          const dw = new Float32Array(w.length);
          conv2dCheckArrays(s, { x, w, y, ws });
          conv2dCheckArrays(s, { x: dx, w: dw, y: dy });
          switch (pass) {
            case 'fwd':
              return () => conv2dForward(y, x, w, null, s, ws);
            case 'bwd-input':
              return () => conv2dBackwardInput(dx, dy, w, s, ws);
            case 'bwd-params':
              return () => conv2dBackwardParams(dw, null, dy, x, s, ws);
            case 'fwd+bwd':
              // a training step's zeroGrad clears the gradients once; the backward passes then accumulate
              return () => {
                conv2dForward(y, x, w, null, s, ws);
                dx.fill(0);
                dw.fill(0);
                conv2dBackwardInput(dx, dy, w, s, ws);
                conv2dBackwardParams(dw, null, dy, x, s, ws);
              };
          }
        },
        tfjs:
          pass === 'fwd' || pass === 'fwd+bwd'
            ? (tf) => tfConv(tf, { n: d.n, c: d.c, h: d.h, w: d.w, oc: d.oc, k: 3 }, x, w, dy, pass === 'fwd+bwd')
            : null,
      };
    },
  };
}

function eluWorkload(count: number, dir: 'fwd' | 'bwd'): Workload {
  const label = count >= 1 << 20 ? `${count / (1 << 20)}M` : `${count}`;
  return {
    group: 'elu',
    hasPeer: true,
    name: `elu ${dir} ${label}`,
    unit: 'Melem/s',
    work: count,
    make: () => {
      const x = fillUniform(new Float32Array(count), 6, -3, 3);
      const dy = fillUniform(new Float32Array(count), 7);
      return {
        elunet: () => {
          const y = new Float32Array(count);
          if (dir === 'fwd') return () => eluForward(y, x, 1, count);
          eluForward(y, x, 1, count);
          const dx = new Float32Array(count);
          return () => eluBackward(dx, dy, y, 1, count);
        },
        tfjs: (tf) => (dir === 'fwd' ? tfEluForward(tf, x) : tfEluBackward(tf, x, dy)),
      };
    },
  };
}

function trainWorkload(model: 'mnist-cnn' | 'mnist-mlp', batch: number): Workload {
  return {
    group: 'train',
    hasPeer: true,
    name: `train step ${model} b${batch}`,
    unit: 'samples/s',
    work: batch,
    make: () => {
      const x = fillUniform(new Float32Array(batch * 784), 8, 0, 1);
      const labels = new Int32Array(batch);
      for (let i = 0; i < batch; i++) labels[i] = (i * 7 + 3) % 10;
      return {
        elunet: () => {
          const net = new Network(models[model].build({ activation: 'elu' }), { maxBatch: batch });
          net.initParams(1);
          const opt = new Sgd(net.layout, { momentum: 0.9 });
          return () => {
            net.zeroGrad();
            net.forward(x, batch, 'train');
            net.loss(labels, batch);
            net.backward(labels, batch, 1 / batch);
            opt.step(net.params, net.grads, 0.01);
      };
    },
    tfjs: (tf) => tfTrainStep(tf, model, batch, x, labels),
      };
    },
  };
}

function workloads(quick: boolean): Workload[] {
  const list: Workload[] = [];
  for (const size of quick ? [64, 128] : [256, 512, 1024]) list.push(matmulWorkload(size));
  const convs: ConvCase[] = quick
    ? [
        { n: 1, h: 8, w: 8, c: 16, oc: 16 },
        { n: 1, h: 7, w: 7, c: 1, oc: 8 },
        { n: 1, h: 4, w: 4, c: 8, oc: 16 },
      ]
    : [
        { n: 32, h: 32, w: 32, c: 64, oc: 64 },
        { n: 32, h: 28, w: 28, c: 1, oc: 32 },
        { n: 32, h: 14, w: 14, c: 32, oc: 64 },
      ];
  for (const d of convs) for (const pass of ['fwd', 'fwd+bwd', 'bwd-input', 'bwd-params'] as const) list.push(convWorkload(d, pass));
  for (const count of quick ? [1 << 16] : [1 << 20, 1 << 24]) for (const dir of ['fwd', 'bwd'] as const) list.push(eluWorkload(count, dir));
  const batch = quick ? 4 : 64;
  list.push(trainWorkload('mnist-cnn', batch), trainWorkload('mnist-mlp', batch));
  return list;
}

// --------------------------------------------------------------------------------------------- targets

interface Target {
  description: string;
  met: boolean | null;
  detail: string;
}

function checkTargets(results: Result[], quick: boolean): Target[] {
  const find = (name: string): Result | undefined => results.find((r) => r.name === name);
  const targets: Target[] = [];
  const add = (description: string, r: Result | undefined, test: (r: Result) => [boolean | null, string]): void => {
    if (!r) {
      targets.push({ description, met: null, detail: 'not measured in this run' });
      return;
    }
    const [met, detail] = test(r);
    targets.push({ description, met: quick ? null : met, detail: quick ? `quick mode (numbers mean nothing): ${detail}` : detail });
  };
  const ratioOk = (r: Result, min: number): [boolean | null, string] =>
    r.ratio === null ? [null, 'tfjs not run'] : [r.ratio >= min, `${fmt(r.ratio)}× tfjs (need ≥ ${min}×)`];
  const rateOk = (r: Result, min: number): [boolean, string] => [r.elunet.rate >= min, `${fmt(r.elunet.rate)} ${r.unit} (need ≥ ${min})`];
  const both = (a: [boolean | null, string], b: [boolean | null, string]): [boolean | null, string] => [
    a[0] === null || b[0] === null ? (a[0] === false || b[0] === false ? false : null) : a[0] && b[0],
    `${a[1]}; ${b[1]}`,
  ];

  add('matmul 1024³ ≥ 3 GFLOP/s and ≥ 5× tfjs-cpu', find('matmul 1024³'), (r) => both(rateOk(r, 3), ratioOk(r, 5)));
  for (const r of results.filter((q) => q.name.startsWith('conv2d fwd '))) {
    add(`${r.name}: ≥ 4× tfjs-cpu`, r, (q) => ratioOk(q, 4));
  }
  for (const r of results.filter((q) => q.name.startsWith('conv2d fwd+bwd '))) {
    add(`${r.name}: ≥ 2 GFLOP/s`, r, (q) => rateOk(q, 2));
  }
  for (const r of results.filter((q) => q.group === 'elu')) add(`${r.name}: ≥ 5× tfjs-cpu`, r, (q) => ratioOk(q, 5));
  const cnn = results.find((r) => r.name.startsWith('train step mnist-cnn'));
  add('training step mnist-cnn ≥ 100 samples/s and ≥ 100× tfjs-cpu', cnn, (r) => both(rateOk(r, 100), ratioOk(r, 100)));
  const mlp = results.find((r) => r.name.startsWith('train step mnist-mlp'));
  add('training step mnist-mlp ≥ 4× tfjs-cpu', mlp, (r) => ratioOk(r, 4));
  return targets;
}

// ------------------------------------------------------------------------------------------------ main

function side(m: Measurement, work: number, unit: Unit): Side {
  return { ...m, rate: (work / (m.meanMs / 1000)) * unitScale[unit] };
}

function describeSide(s: Side | null): string {
  if (!s) return '—';
  return `${fmt(s.rate)} (${fmt(s.meanMs)} ms${s.method === 'single' ? ', 1 rep' : ` ±${fmt(s.rmePct, 2)}%, ${s.samples} rep${s.samples === 1 ? '' : 's'}`})`;
}

interface OneResult {
  m: Measurement;
  tfVersion: string | null;
}

/** Runs `node run.js --one <workload> --side <side>` and returns the measurement it prints as JSON. */
function measureInChild(name: string, which: 'elunet' | 'tfjs', timeMs: number, quick: boolean): OneResult {
  const args = [fileURLToPath(import.meta.url), '--one', name, '--side', which, '--time', String(timeMs)];
  if (quick) args.push('--quick');
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`bench: the ${which} measurement of '${name}' failed (exit ${r.status})`);
  return JSON.parse(r.stdout) as OneResult;
}

/** Child mode: measure one side of one workload and print { m, tfVersion } as JSON on stdout. */
async function measureOne(name: string, which: string, timeMs: number, quick: boolean): Promise<void> {
  const w = workloads(quick).find((x) => x.name === name);
  if (!w) throw new UsageError(`--one: no workload named '${name}'`);
  const sides = w.make();
  let m: Measurement;
  let tfVersion: string | null = null;
  if (which === 'elunet') {
    m = await measure(`elunet ${w.name}`, sides.elunet(), { timeMs, quick });
  } else {
    if (!sides.tfjs) throw new Error(`bench: workload '${name}' has no tfjs peer`);
    const tf = await loadTf();
    tfVersion = tf.version.tfjs;
    const peer = sides.tfjs(tf);
    try {
      m = await measure(`tfjs ${w.name}`, peer.run, { timeMs, quick });
    } finally {
      peer.dispose();
    }
  }
  process.stdout.write(JSON.stringify({ m, tfVersion } satisfies OneResult) + '\n');
}

async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv, { flags: ['json', 'quick', 'no-tfjs'], values: ['time', 'only', 'one', 'side'] });
  const one = args.values.get('one');
  if (one !== undefined) {
    const sideArg = choiceArg(args, 'side', ['elunet', 'tfjs'] as const) ?? 'elunet';
    await measureOne(one, sideArg, numberArg(args, 'time', 2000), args.flags.has('quick'));
    return;
  }
  const json = args.flags.has('json');
  const quick = args.flags.has('quick');
  const withTf = !args.flags.has('no-tfjs');
  const timeMs = numberArg(args, 'time', 2000);
  const only = args.values.get('only');
  const list = workloads(quick).filter((w) => !only || w.name.includes(only));
  if (list.length === 0) throw new UsageError(`--only '${only}' matches no workload; they are: ${workloads(quick).map((w) => w.name).join(', ')}`);
  const log = makeLog(json);
  const machine: MachineInfo = machineInfo();
  note(`elunet bench: ${describeMachine(machine)}`);
  if (quick) note('quick mode: tiny shapes, one repetition — a smoke test, not a measurement');

  // Every measurement — one workload, one library — runs in a fresh child process (`--one`), elunet first,
  // then tfjs, so no side inherits the other's heap, garbage or JIT state. (Run in one process, the 28×28
  // conv forward + backward measured 2.2 GFLOP/s alone and 1.3–1.7 right after a tfjs workload; this
  // machine's speed also drifts, so how much of that was tfjs's heap churn is not certain — isolation
  // removes the question.) Inputs are rebuilt from fixed seeds.
  let tfVersion: string | null = null;
  const results: Result[] = [];
  for (const w of list) {
    note(`• ${w.name}: elunet …`);
    const e = side(measureInChild(w.name, 'elunet', timeMs, quick).m, w.work, w.unit);
    let t: Side | null = null;
    if (withTf && w.hasPeer) {
      note(`  elunet ${describeSide(e)} ${w.unit}; tfjs-cpu …`);
      const r = measureInChild(w.name, 'tfjs', timeMs, quick);
      tfVersion = r.tfVersion;
      t = side(r.m, w.work, w.unit);
      note(`  tfjs-cpu ${describeSide(t)} ${w.unit}; ratio ${fmt(e.rate / t.rate)}×`);
    } else {
      note(`  elunet ${describeSide(e)} ${w.unit}`);
    }
    results.push({ group: w.group, name: w.name, unit: w.unit, work: w.work, elunet: e, tfjs: t, ratio: t ? e.rate / t.rate : null });
  }
  const targets = checkTargets(results, quick);
  const machineEnd = machineInfo();

  if (json) {
    const out = {
      benchmark: 'elunet kernels and training step vs TensorFlow.js (cpu backend), single-threaded',
      command: `node dist/bench/run.js ${argv.join(' ')}`.trim(),
      quick,
      machine,
      loadAverageAtEnd: machineEnd.loadAverage,
      finished: machineEnd.date,
      tfjs: tfVersion ? { version: tfVersion, backend: 'cpu' } : null,
      timing: { timeBudgetMs: timeMs, singleRepetitionAboveMs: 10_000 },
      results,
      targets,
    };
    process.stdout.write(JSON.stringify(out, null, 2) + '\n');
    return;
  }

  log(`\nelunet vs TensorFlow.js ${tfVersion ?? '(not run)'} cpu backend — ${describeMachine(machine)}`);
  for (const group of ['matmul', 'conv2d', 'elu', 'train'] as const) {
    const rows = results.filter((r) => r.group === group);
    if (rows.length === 0) continue;
    log(`\n${group} (${rows[0].unit}; mean time per repetition)`);
    log(
      textTable(
        ['workload', 'elunet', 'tfjs-cpu', 'ratio'],
        rows.map((r) => [r.name, describeSide(r.elunet), describeSide(r.tfjs), r.ratio === null ? '—' : `${fmt(r.ratio)}×`]),
      ),
    );
  }
  log('\ntargets (issue 6)');
  log(textTable(['target', 'status', 'measured'], targets.map((t) => [t.description, t.met === null ? 'n/a' : t.met ? 'met' : 'NOT met', t.detail])));
  log(`\nload average at the end: ${machineEnd.loadAverage.join(' ')}`);
}

runBench(import.meta.url, main);
