/**
 * What the benchmark programs share: the command line (runBench: --help from the file's header, a mistake
 * reported in one line; parseArgs and the checked option readers), progress on stderr, a description of the
 * machine, the timing rule, and seeded random fills.
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
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';
import { ElunetError } from '../src/errors.js';
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
  /** arguments that are not options (only where the spec allows them) */
  positionals: string[];
}

/** The options a bench accepts: flags stand alone (--json), values take one (--time 500 or --time=500). */
export interface ArgSpec {
  flags?: readonly string[];
  values?: readonly string[];
  /** what a non-option argument is (e.g. 'a .cpuprofile file'); without it, one is a mistake */
  positional?: string;
}

/**
 * A mistake on a bench's command line (an unknown option, a bad value, a file that cannot be read): runBench
 * prints it as one line and exits with code 1, without a stack trace.
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** `--json --time 500 --only conv` → flags {json}, values {time: '500', only: 'conv'}; anything else is a UsageError. */
export function parseArgs(argv: string[], spec: ArgSpec): Args {
  const flags = new Set<string>();
  const values = new Map<string, string>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) {
      if (spec.positional && !a.startsWith('-')) {
        positionals.push(a);
        continue;
      }
      throw new UsageError(`unexpected argument '${a}' (options start with --)`);
    }
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
    if (spec.values?.includes(name)) {
      const v = eq > 0 ? a.slice(eq + 1) : argv[++i];
      if (v === undefined) throw new UsageError(`--${name} needs a value`);
      values.set(name, v);
    } else if (spec.flags?.includes(name) && eq < 0) {
      flags.add(name);
    } else {
      throw new UsageError(spec.flags?.includes(name) ? `--${name} takes no value, got '${a}'` : `unknown option --${name}`);
    }
  }
  return { flags, values, positionals };
}

export function numberArg(args: Args, name: string, dflt: number): number {
  const v = args.values.get(name);
  if (v === undefined) return dflt;
  const x = Number(v);
  if (v.trim() === '' || !Number.isFinite(x) || x <= 0) throw new UsageError(`--${name} must be a positive number, got '${v}'`);
  return x;
}

/** A positive integer option (a count: workers, rounds, steps). */
export function intArg(args: Args, name: string, dflt: number): number {
  const v = args.values.get(name);
  if (v === undefined) return dflt;
  const x = Number(v);
  if (v.trim() === '' || !Number.isInteger(x) || x <= 0) throw new UsageError(`--${name} must be a positive integer, got '${v}'`);
  return x;
}

/** One of `choices`, or undefined when the option is not given. */
export function choiceArg<T extends string>(args: Args, name: string, choices: readonly T[]): T | undefined {
  const v = args.values.get(name);
  if (v !== undefined && !choices.includes(v as T)) throw new UsageError(`--${name} must be one of ${choices.join(', ')}, got '${v}'`);
  return v as T | undefined;
}

/** A comma-separated list, each item one of `choices` (what the message calls `what`). */
export function listArg(args: Args, name: string, dflt: string, choices: readonly string[], what: string): string[] {
  const items = (args.values.get(name) ?? dflt).split(',').map((s) => s.trim()).filter(Boolean);
  for (const x of items) if (!choices.includes(x)) throw new UsageError(`--${name}: unknown ${what} '${x}'; expected one of ${choices.join(', ')}`);
  if (items.length === 0) throw new UsageError(`--${name} needs at least one ${what}`);
  return items;
}

/** The text of a JSON file given on the command line, parsed; a UsageError names the file when it cannot be. */
export function readJsonArg(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${file}: expected JSON, found text that does not parse (${(e as Error).message})`);
  }
}

/**
 * A bench's usage, taken from the header comment of its own compiled file (tsc keeps it), so that the one
 * place that documents the options is the one that is printed: the header's first paragraph (what the bench
 * measures), then its command lines and the paragraphs of options that follow them (paragraphs that begin
 * with `node `, `npm ` or `-`).
 */
export function usageFromHeader(file: string): string {
  const name = path.basename(file).replace(/\.[jt]s$/, '');
  const more = `The header of bench/${name}.ts says more.`;
  const comment = /\/\*\*([\s\S]*?)\*\//.exec(readFileSync(file, 'utf8'))?.[1];
  if (!comment) return more;
  const lines = comment.split('\n').map((l) => l.replace(/^\s*\* ?/, '').trimEnd());
  const paragraphs: string[][] = [[]];
  for (const l of lines) {
    if (l === '') paragraphs.push([]);
    else paragraphs[paragraphs.length - 1].push(l);
  }
  const [about, ...rest] = paragraphs.filter((p) => p.length > 0);
  const isUsage = (p: string[]): boolean => /^(node |npm |-)/.test(p[0].trim());
  const first = rest.findIndex((p) => p.some((l) => /^\s*(node|npm) /.test(l)));
  const usage: string[][] = [];
  for (let k = first; k >= 0 && k < rest.length && (k === first || isUsage(rest[k])); k++) usage.push(rest[k]);
  return [about.join('\n'), ...usage.map((p) => p.join('\n')), more].join('\n\n');
}

/** Whether the module is the program node was started with (`node dist/bench/x.js` or `node dist/bench/x`). */
export function isMain(moduleUrl: string): boolean {
  const argv1 = process.argv[1];
  if (argv1 === undefined) return false;
  const real = (p: string): string => (existsSync(p) ? realpathSync(p) : p);
  return real(path.resolve(argv1).replace(/\.js$/, '') + '.js') === real(fileURLToPath(moduleUrl));
}

/**
 * Runs a bench's `main` when the bench is the program (not when a test imports it): `--help` or `-h` print the
 * usage (usageFromHeader) and exit 0; a UsageError or an ElunetError (a bad option or value, a file that is not
 * what it should be) prints one line naming it and exits with code 1; anything else is a crash and keeps its
 * stack trace. `moduleUrl` is the bench's import.meta.url.
 */
export function runBench(moduleUrl: string, main: (argv: string[]) => Promise<void> | void): void {
  if (!isMain(moduleUrl)) return;
  const file = fileURLToPath(moduleUrl);
  const name = path.basename(file, '.js');
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(usageFromHeader(file) + '\n');
    return;
  }
  const fail = (e: unknown): void => {
    if (e instanceof UsageError) {
      process.stderr.write(`${name}: ${e.message} (--help lists the options)\n`);
    } else if (e instanceof ElunetError) {
      process.stderr.write(`${name}: ${e.message}\n`);
    } else {
      process.stderr.write(`${name} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    }
    // exit now: a pool of worker threads left open by the failure would keep the process alive
    process.exit(1);
  };
  try {
    Promise.resolve(main(argv)).catch(fail);
  } catch (e) {
    fail(e);
  }
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
