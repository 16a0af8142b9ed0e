/**
 * What both benchmark programs share: argument parsing, progress on stderr, a description of the machine,
 * the timing rule, and seeded random fills.
 *
 * The timing rule (`measure`): a workload is first run once by hand (the probe). The probe warms up the JIT
 * and tells how long one repetition takes.
 *   - probe ≥ LONG_MS (10 s): the probe IS the measurement — one repetition is enough when a single run takes
 *     that long, and the JIT warm-up is a negligible part of it (reported as method 'single');
 *   - otherwise the workload is first run again until it has run WARMUP_CALLS times and for WARMUP_MS
 *     (a fresh process — run.ts measures every side in its own — has cold JIT: one call of a 1 s training
 *     step optimizes its inner loops by on-stack replacement, but the callers of those loops are still
 *     unoptimized on the next calls, so without this the first timed repetitions ran up to 2× slow);
 *     then tinybench 6 times it: sequential mode, at least MIN_ITERATIONS repetitions (2 when one
 *     repetition exceeds a third of the budget) and at least the time budget (`--time`, default 2 s).
 * The reported time is the mean latency of tinybench's samples (ms), with its relative margin of error.
 *
 * Nothing here decides what a workload computes; run.ts and scaling.ts do.
 */
import os from 'node:os';
import { Bench } from 'tinybench';
import type { SampleSource } from '../src/train/batch.js';

/** One repetition longer than this is measured once (the brief's "more than ~10 s: one repetition"). */
export const LONG_MS = 10_000;
const MIN_ITERATIONS = 3;
/** Warm-up after the probe: at least this many calls in all, and at least this long. */
const WARMUP_CALLS = 3;
const WARMUP_MS = 1500;

export interface Measurement {
  /** mean wall time of one repetition, ms */
  meanMs: number;
  /** relative margin of error of the mean, % (0 for a single repetition) */
  rmePct: number;
  /** repetitions that entered the mean */
  samples: number;
  /** 'tinybench' or 'single' (one hand-timed repetition, see LONG_MS) */
  method: 'tinybench' | 'single';
}

export interface Args {
  flags: Set<string>;
  values: Map<string, string>;
}

/** `--json --time 500 --only conv` → flags {json}, values {time: '500', only: 'conv'}. */
export function parseArgs(argv: string[], withValue: string[]): Args {
  const flags = new Set<string>();
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`bench: unexpected argument '${a}' (options start with --)`);
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
    if (withValue.includes(name)) {
      const v = eq > 0 ? a.slice(eq + 1) : argv[++i];
      if (v === undefined) throw new Error(`bench: --${name} needs a value`);
      values.set(name, v);
    } else {
      flags.add(name);
    }
  }
  return { flags, values };
}

export function numberArg(args: Args, name: string, dflt: number): number {
  const v = args.values.get(name);
  if (v === undefined) return dflt;
  const x = Number(v);
  if (!Number.isFinite(x) || x <= 0) throw new Error(`bench: --${name} must be a positive number, got '${v}'`);
  return x;
}

/** Progress and human-readable tables go to stderr in --json mode, to stdout otherwise. */
export function makeLog(json: boolean): (line: string) => void {
  return json ? (line) => process.stderr.write(line + '\n') : (line) => process.stdout.write(line + '\n');
}

/** Progress notes always go to stderr, so stdout holds only the result (table or JSON). */
export function note(line: string): void {
  process.stderr.write(line + '\n');
}

export interface MachineInfo {
  cpu: string;
  cores: number;
  availableParallelism: number;
  memoryGiB: number;
  platform: string;
  node: string;
  v8: string;
  date: string;
  loadAverage: number[];
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    availableParallelism: os.availableParallelism(),
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    v8: process.versions.v8,
    date: new Date().toISOString(),
    loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

export function describeMachine(m: MachineInfo): string {
  return (
    `${m.cpu}, ${m.cores} cores (availableParallelism ${m.availableParallelism}), ${m.memoryGiB} GiB, ${m.platform}, ` +
    `Node ${m.node} (V8 ${m.v8}); load average ${m.loadAverage.join(' ')} at ${m.date}`
  );
}

export interface MeasureOptions {
  /** tinybench time budget per workload, ms */
  timeMs: number;
  /** quick smoke mode: one repetition after the probe, no budget */
  quick?: boolean;
}

/** Times `fn` by the rule in the header. `fn` must do the whole workload and force its result. */
export async function measure(name: string, fn: () => void, o: MeasureOptions): Promise<Measurement> {
  const t0 = performance.now();
  fn();
  const probe = performance.now() - t0;
  if (probe >= LONG_MS) return { meanMs: probe, rmePct: 0, samples: 1, method: 'single' };
  if (!o.quick) {
    let calls = 1;
    while (calls < WARMUP_CALLS || performance.now() - t0 < WARMUP_MS) {
      fn();
      calls++;
    }
  }
  const iterations = o.quick ? 1 : probe * MIN_ITERATIONS > o.timeMs ? 2 : MIN_ITERATIONS;
  const bench = new Bench({
    name,
    time: o.quick ? 0 : o.timeMs,
    iterations,
    warmup: false,
    throws: true,
  });
  bench.add(name, fn);
  const [task] = await bench.run();
  const r = task.result;
  if (r.state !== 'completed') {
    throw new Error(`bench: task '${name}' ended in state '${r.state}'${'error' in r ? `: ${String(r.error)}` : ''}`);
  }
  return { meanMs: r.latency.mean, rmePct: r.latency.rme, samples: r.latency.samplesCount, method: 'tinybench' };
}

/** A deterministic fill in [lo, hi) (xorshift32; benchmarks only need non-degenerate data, not a good generator). */
export function fillUniform(a: Float32Array, seed: number, lo = -1, hi = 1): Float32Array {
  let s = seed >>> 0 || 0x9e3779b9;
  const span = hi - lo;
  for (let i = 0; i < a.length; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    a[i] = lo + (span * s) / 4294967296;
  }
  return a;
}

export function fmt(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1000) return x.toFixed(0);
  return x.toPrecision(digits);
}

/**
 * n random images of shape (c, h, w) in [0, 1) with labels (i·7 + 3) mod classes, for the training benches
 * (a step's speed does not depend on the pixel values); on SharedArrayBuffers when `shared`.
 */
export function randomSource(input: [number, number, number], classes: number, n: number, shared: boolean): SampleSource {
  const [c, h, w] = input;
  const floats = n * c * h * w;
  const images = fillUniform(new Float32Array(shared ? new SharedArrayBuffer(Math.max(floats, 1) * 4) : new ArrayBuffer(floats * 4), 0, floats), 11, 0, 1);
  const labels = new Int32Array(shared ? new SharedArrayBuffer(Math.max(n, 1) * 4) : new ArrayBuffer(n * 4), 0, n);
  for (let i = 0; i < n; i++) labels[i] = (i * 7 + 3) % classes;
  return { images, labels, n, c, h, w, classes };
}
