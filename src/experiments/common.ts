/**
 * What every experiment shares: the options the CLI passes, the scales, run folders that resume, and
 * writing results.json / report.md. Every run trains through runTraining (src/run/setup.ts), the function
 * `elunet train` uses, on data prepared once per experiment.
 *
 * Folder layout of an experiment (default reports/<name>/):
 *
 *   report.md  results.json  *.png
 *   runs/<setting>/run<k>/   metrics.jsonl, checkpoint/, experiment-run.json
 *
 * A run is skipped when its experiment-run.json says it finished (or diverged) with the same settings and at
 * least the epochs asked for; a run cut off half-way continues from its checkpoint (trainLoop's resume); a
 * run folder written with other settings stops the experiment with an error instead of being mixed in.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { ElunetError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import { TRAIN_DEFAULTS, buildSpec, chooseKernels, defaultWorkers, prepareData, runTraining, totalSteps, type PreparedData, type TrainOptions } from '../run/setup.js';
import type { KernelsName } from '../simd/index.js';
import { readMetrics, TrainingDiverged, type EpochMetrics } from '../train/loop.js';
import { expandSpec } from '../model/spec.js';
import { stretchSchedule } from '../optim/index.js';
import { paramCountOf } from '../model/params.js';
import { formatDuration } from '../table.js';

/**
 * smoke: seconds, for the test suite; small: minutes; default: what a CPU does in well under an hour;
 * paper: the paper's settings (days to weeks on a CPU; given so the gap is explicit).
 */
export type Scale = 'smoke' | 'small' | 'default' | 'paper';
export const SCALES: readonly Scale[] = ['smoke', 'small', 'default', 'paper'];

export interface ExperimentOptions {
  name: string;
  scale: Scale;
  out: string;
  workers: number;
  /** the kernels every run trains with (--kernels, else simd where this runtime runs it) */
  kernels: KernelsName;
  runs?: number;
  epochs?: number;
  data?: string;
  resume: boolean;
  quiet: boolean;
  log: (line: string) => void;
}

/** The CLI's options ({ scale, out?, workers, runs?, epochs?, data?, resume }) checked and completed. */
export function experimentOptions(name: string, raw: Record<string, unknown>): ExperimentOptions {
  const scale = (raw.scale ?? 'default') as Scale;
  if (!SCALES.includes(scale)) {
    throw new ElunetError(`experiment ${name}: --scale must be one of ${SCALES.join(', ')}, got '${String(raw.scale)}'`);
  }
  const posInt = (k: string): number | undefined => {
    const v = raw[k];
    if (v === undefined) return undefined;
    if (!Number.isInteger(v) || (v as number) < 1) throw new ElunetError(`experiment ${name}: --${k} must be an integer ≥ 1, got '${String(v)}'`);
    return v as number;
  };
  const quiet = Boolean(raw.quiet);
  const log = typeof raw.log === 'function' ? (raw.log as (l: string) => void) : quiet ? () => {} : (l: string) => console.log(l);
  return {
    name,
    scale,
    out: typeof raw.out === 'string' && raw.out ? raw.out : join('reports', name),
    workers: posInt('workers') ?? defaultWorkers(),
    kernels: chooseKernels(raw.kernels === undefined ? undefined : String(raw.kernels), log),
    runs: posInt('runs'),
    epochs: posInt('epochs'),
    data: typeof raw.data === 'string' && raw.data ? raw.data : undefined,
    resume: raw.resume === undefined ? true : Boolean(raw.resume),
    quiet,
    log,
  };
}

/**
 * The command that re-creates this report: `elunet experiment <name> --scale … --kernels … [--runs …]
 * [--epochs …] [--data …] [--out …]`, with --out only when it is not the default reports/<name>. The kernels
 * are always named (the two sets round differently, so the numbers are those of one set); the worker count
 * and --no-resume are left out because neither changes a number. A path with a space or a shell character is
 * single-quoted so that the line can be pasted.
 */
export function commandLine(o: ExperimentOptions): string {
  const word = (v: string): string => (/^[\w./:@%+=,-]+$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`);
  const parts = [`elunet experiment ${o.name} --scale ${o.scale} --kernels ${o.kernels}`];
  if (o.runs !== undefined) parts.push(`--runs ${o.runs}`);
  if (o.epochs !== undefined) parts.push(`--epochs ${o.epochs}`);
  if (o.data !== undefined) parts.push(`--data ${word(o.data)}`);
  if (o.out !== join('reports', o.name)) parts.push(`--out ${word(o.out)}`);
  return parts.join(' ');
}

/** The line under a report's title: the command that re-creates it, and (for training) that it gives the same numbers. */
export function reproduceLine(o: ExperimentOptions, sameNumbers = true): string {
  return `Reproduce with \`${commandLine(o)}\`${sameNumbers ? ' (same seeds: the same numbers on any machine and with any number of workers; only the times differ)' : ''}.`;
}

/** Options of one training: the library defaults, then the experiment's. */
export function trainOptions(o: Partial<TrainOptions> & Pick<TrainOptions, 'model' | 'activation' | 'data' | 'out'>): TrainOptions {
  return { ...TRAIN_DEFAULTS, ...o };
}

/** Parameter count of a spec without allocating it. */
export function specParamCount(spec: Parameters<typeof expandSpec>[0]): number {
  return paramCountOf(expandSpec(spec).layers);
}

/** Prepares data once and hands the same copy to every run that needs training (none if all are reused). */
export function lazyData(
  o: Pick<TrainOptions, 'data' | 'preprocess' | 'augment' | 'trainLimit' | 'testLimit'>,
  shared: boolean,
  log: (l: string) => void,
): () => PreparedData {
  let d: PreparedData | undefined;
  return () => {
    if (!d) {
      const t0 = Date.now();
      // the data split and the preprocessing are fixed (seed 0) for every run: run k differs from run j
      // only in its initial weights, shuffling, dropout and augmentation (paper: "different initializations")
      d = prepareData({ ...o, dataSeed: 0 }, shared);
      log(`data ${d.train.name}: ${d.train.n} train / ${d.test.n} test samples of ${d.train.c}×${d.train.h}×${d.train.w}, ` +
        `${d.train.classes} classes, preprocessing ${d.preprocess.recipe ?? 'none'} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    }
    return d;
  };
}

/** What the experiment records about one run. */
export interface RunOutcome {
  setting: string;
  run: number;
  seed: number;
  dir: string;
  history: EpochMetrics[];
  seconds: number;
  diverged: boolean;
  /** the message of the divergence, if any */
  error?: string;
  reused: boolean;
  paramCount: number;
}

interface RunRecord {
  fingerprint: Record<string, unknown>;
  epochs: number;
  iterations?: number;
  status: 'complete' | 'diverged';
  seconds: number;
  paramCount: number;
  error?: string;
}

/**
 * The settings that make two runs the same run (everything but threads, folder, chattiness, the kernels and,
 * mostly, length). The kernels change a run only in rounding, so a finished run is reused whatever kernels it
 * was trained with (its checkpoint records them), and a run cut off half-way continues with this experiment's
 * (trainLoop notes that the continuation is then not bit-identical).
 */
function fingerprint(o: TrainOptions): Record<string, unknown> {
  const { epochs, iterations, workers: _w, kernels: _k, out: _o, resume: _r, quiet: _q, checkpointEvery: _c, ...rest } = o;
  // A schedule stretched to the run ('…@RUN', '{f}') differs with the run's length, so a longer run is a
  // different run; with a fixed schedule a longer run is the shorter one continued.
  const stretched = /@RUN$|\{/.test(o.schedule);
  return stretched ? { ...rest, epochs, iterations } : rest;
}

/** Equal as JSON, whatever the order of the keys. */
function sameJson(a: unknown, b: unknown): boolean {
  const canon = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(canon) : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon((v as Record<string, unknown>)[k])])) : v;
  return JSON.stringify(canon(a)) === JSON.stringify(canon(b));
}

/** "width 0.25 there, 0.5 now; seed …" for the settings in which two fingerprints differ. */
function fingerprintDiff(there: Record<string, unknown>, now: Record<string, unknown>): string {
  const show = (v: unknown): string => (v === undefined ? 'unset' : typeof v === 'string' ? v : JSON.stringify(v));
  return [...new Set([...Object.keys(there), ...Object.keys(now)])]
    .filter((k) => !sameJson(there[k], now[k]))
    .map((k) => `${k} ${show(there[k])} there, ${show(now[k])} now`)
    .join('; ');
}

/**
 * One run of `o` in o.out: reused when finished, continued when cut off, trained otherwise. `data` gives the
 * prepared data (called only when training is needed). A run that diverges is recorded, not thrown.
 */
export async function ensureRun(
  o: TrainOptions,
  data: () => PreparedData,
  ctx: { setting: string; run: number; resume: boolean; quiet: boolean; log: (l: string) => void },
): Promise<RunOutcome> {
  const recordPath = join(o.out, 'experiment-run.json');
  const fp = fingerprint(o);
  const base = { setting: ctx.setting, run: ctx.run, seed: o.seed, dir: o.out };
  if (!ctx.resume) rmSync(o.out, { recursive: true, force: true });
  if (existsSync(recordPath)) {
    const rec = JSON.parse(readFileSync(recordPath, 'utf8')) as RunRecord;
    if (!sameJson(rec.fingerprint, fp)) {
      throw new ElunetError(
        `${o.out} holds a run made with other settings (${fingerprintDiff(rec.fingerprint, fp)}; saved in ${recordPath}; ` +
          `another --scale or --data?): pass --no-resume to train it afresh, or --out <another folder> to keep it`,
      );
    }
    const longEnough = o.iterations !== undefined ? (rec.iterations ?? 0) >= o.iterations : rec.epochs >= o.epochs;
    if (rec.status === 'diverged' || (longEnough && (o.iterations === undefined || rec.iterations === o.iterations))) {
      const h = existsSync(join(o.out, 'metrics.jsonl')) ? readMetrics(o.out) : [];
      const history = o.iterations !== undefined ? h : h.slice(0, o.epochs);
      ctx.log(`  ${ctx.setting} run ${ctx.run}: reusing ${rec.status} run in ${o.out}`);
      return { ...base, history, seconds: rec.seconds, diverged: rec.status === 'diverged', error: rec.error, reused: true, paramCount: rec.paramCount };
    }
    rmSync(recordPath);
  } else if (existsSync(join(o.out, 'checkpoint', 'checkpoint.json'))) {
    // a run cut off before it finished: its options are in the checkpoint; trainLoop resumes it below
    const index = join(o.out, 'checkpoint', 'checkpoint.json');
    const ck = JSON.parse(readFileSync(index, 'utf8')) as { meta?: { experimentFingerprint?: Record<string, unknown> } };
    if (ck.meta?.experimentFingerprint !== undefined && !sameJson(ck.meta.experimentFingerprint, fp)) {
      throw new ElunetError(
        `${o.out} holds a partial run made with other settings (${fingerprintDiff(ck.meta.experimentFingerprint, fp)}; saved in ` +
          `${index}; another --scale or --data?): pass --no-resume to train it afresh, or --out <another folder> to keep it`,
      );
    }
  }
  const d = data();
  const paramCount = specParamCount(buildSpec(o, d.train));
  // stored stretched ('paper-cifar@4'), so the checkpoint shows the rates the run was given
  const schedule = stretchSchedule(o.schedule, totalSteps(o, d.train.n));
  const t0 = Date.now();
  try {
    const r = await runTraining({ ...o, schedule, resume: true, quiet: ctx.quiet }, { data: d, meta: { experimentFingerprint: fp }, log: (l) => ctx.log(`  ${l}`) });
    const rec: RunRecord = { fingerprint: fp, epochs: o.epochs, iterations: o.iterations, status: 'complete', seconds: r.seconds, paramCount };
    writeFileAtomic(recordPath, JSON.stringify(rec, null, 1) + '\n');
    return { ...base, history: r.history, seconds: r.seconds, diverged: false, reused: false, paramCount };
  } catch (e) {
    if (!(e instanceof TrainingDiverged)) throw e;
    const history = existsSync(join(o.out, 'metrics.jsonl')) ? readMetrics(o.out) : [];
    const seconds = (Date.now() - t0) / 1000;
    ctx.log(`  ${ctx.setting} run ${ctx.run}: ${e.message}`);
    const rec: RunRecord = { fingerprint: fp, epochs: o.epochs, iterations: o.iterations, status: 'diverged', seconds, paramCount, error: e.message };
    writeFileAtomic(recordPath, JSON.stringify(rec, null, 1) + '\n');
    return { ...base, history, seconds, diverged: true, error: e.message, reused: false, paramCount };
  }
}

/** Folder of run k of a setting. */
export function runFolder(out: string, setting: string, k: number): string {
  return join(out, 'runs', setting, `run${k}`);
}

/** "in 4m05s (training time summed over runs: 21m50s)", or, when every run was reused, where the times come from. */
export function timingText(wallSeconds: number, outcomes: { seconds: number; reused: boolean }[]): string {
  const total = formatDuration(outcomes.reduce((a, x) => a + x.seconds, 0));
  if (outcomes.length > 0 && outcomes.every((x) => x.reused)) return `from finished runs (their training time summed: ${total})`;
  return `in ${formatDuration(wallSeconds)} (training time summed over all runs, including reused ones: ${total})`;
}

/** results.json and report.md, written atomically. */
export function writeResults(out: string, results: unknown, report: string): void {
  writeFileAtomic(join(out, 'results.json'), JSON.stringify(results, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 1) + '\n');
  writeFileAtomic(join(out, 'report.md'), report);
}

/** A short machine description for reports (timings mean little without it). */
export function machineInfo(): { node: string; platform: string; cpus: number; cpuModel: string } {
  return { node: process.version, platform: `${process.platform}-${process.arch}`, cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown' };
}
