/**
 * Resuming a run from its folder alone. A checkpoint written by runTraining keeps the run's options in
 * `meta.options` (every TrainOptions field but workers, out, resume and quiet: the machine, the folder and
 * the chattiness are not part of a run), so `elunet train --resume --out DIR` needs no other flag.
 *
 * A resume starts from the saved options and applies only what the user typed (`explicit`; the CLI asks
 * commander which options came from the command line; a library caller or an experiment gives every option,
 * `'all'`). Each option is one of:
 *
 *   fixed       what the steps already taken were computed with (the model, the data, the batch and its
 *               split, the seed of every random stream, the optimizer's kind): a different value would not
 *               continue the run but make another one, so it is refused, naming the flag and both values;
 *   changeable  the length, the learning rate and its schedule, the optimizer's hyper-parameters, how often to
 *               checkpoint, how much of the test set to evaluate, the kernels: changes are listed before
 *               training, and the checkpoints written from then on record the new values. The kernels change
 *               only the rounding, so another set may continue a run, but then the continuation is not
 *               bit-identical to a run trained throughout with either set (the training loop says so); a run
 *               saved before the option existed was trained with 'ts'.
 *
 * Giving --epochs without --iterations to a run that was given --iterations makes --epochs the length (the
 * saved --iterations would otherwise override what was typed). A checkpoint without options (written by an
 * older elunet, or by trainLoop directly) resumes with the options given, which must then be all of them.
 */
import { join } from 'node:path';
import { DataError, ElunetError } from '../errors.js';
import { checkpointExists, readCheckpointIndex, recoverCheckpoint, INDEX_FILE } from '../io/checkpoint.js';
import { parseSchedule } from '../optim/index.js';
import type { TrainOptions } from './setup.js';

/**
 * What a resume does with each option (a Record over every key of TrainOptions, so a new option does not
 * compile until it is given a rule here).
 */
export const RESUME_RULES: Readonly<Record<keyof TrainOptions, 'fixed' | 'changeable' | 'not stored'>> = {
  model: 'fixed', activation: 'fixed', alpha: 'fixed', width: 'fixed', batchNorm: 'fixed', norm: 'fixed', lossReduction: 'fixed', dropout: 'fixed',
  data: 'fixed', dataSeed: 'fixed', preprocess: 'fixed', augment: 'fixed', batch: 'fixed', microBatch: 'fixed',
  seed: 'fixed', trainLimit: 'fixed', optimizer: 'fixed', statsSubset: 'fixed',
  epochs: 'changeable', iterations: 'changeable', lr: 'changeable', schedule: 'changeable', momentum: 'changeable',
  nesterov: 'changeable', weightDecay: 'changeable', checkpointEvery: 'changeable', testLimit: 'changeable',
  kernels: 'changeable',
  workers: 'not stored', quiet: 'not stored', out: 'not stored', resume: 'not stored',
};

export type StoredKey = Exclude<keyof TrainOptions, 'workers' | 'quiet' | 'out' | 'resume'>;
export type StoredOptions = Partial<Pick<TrainOptions, StoredKey>>;

const STORED_KEYS = (Object.keys(RESUME_RULES) as (keyof TrainOptions)[]).filter((k): k is StoredKey => RESUME_RULES[k] !== 'not stored');
/** Options without a default: absent means "not given" (alpha, dropout, norm, lossReduction: the model's own choice). */
const OPTIONAL = new Set<string>(['alpha', 'norm', 'lossReduction', 'dropout', 'iterations', 'trainLimit', 'testLimit']);

/** What a checkpoint stores of a run's options (meta.options). */
export function storedOptions(o: TrainOptions): StoredOptions {
  const out: Record<string, unknown> = {};
  for (const k of STORED_KEYS) if (o[k] !== undefined) out[k] = o[k];
  out.dataSeed = o.dataSeed ?? 0;
  return out as StoredOptions;
}

/** 'microBatch' → '--micro-batch' */
export function flagOf(key: string): string {
  return '--' + key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
}

function show(v: unknown): string {
  return v === undefined ? 'unset' : String(v);
}

export interface OptionChange {
  key: StoredKey;
  from: unknown;
  to: unknown;
}

export interface ResumePlan {
  /** the options the run continues with */
  options: TrainOptions;
  /** changeable options that differ from the saved ones */
  changes: OptionChange[];
  /** the checkpoint recorded no options: the ones given are used as they are */
  unrecorded: boolean;
}

/** "--epochs 10 → 20, --lr 0.01 → 0.005" */
export function formatChanges(changes: readonly OptionChange[]): string {
  return changes.map((c) => `${flagOf(c.key)} ${show(c.from)} → ${show(c.to)}`).join(', ');
}

/**
 * The options a resumed run continues with: the saved ones, overridden by the `explicit` ones of `given`.
 * Pure. Throws an ElunetError naming every fixed option that was given with another value, and a DataError for
 * a saved value of the wrong type (`where` is the checkpoint.json the saved values come from).
 */
export function resolveResume(
  saved: StoredOptions | undefined,
  given: TrainOptions,
  explicit: ReadonlySet<string> | 'all',
  where: string,
): ResumePlan {
  if (saved === undefined) return { options: given, changes: [], unrecorded: true };
  const typed = (k: string): boolean => explicit === 'all' || explicit.has(k);
  const options: Record<string, unknown> = { ...given };
  const refused: string[] = [];
  const changes: OptionChange[] = [];
  // options whose absence has a meaning: the data seed 0, and the TypeScript kernels (before --kernels existed)
  const savedValue = (k: StoredKey): unknown => (k === 'dataSeed' ? (saved.dataSeed ?? 0) : k === 'kernels' ? (saved.kernels ?? 'ts') : saved[k]);
  for (const k of STORED_KEYS) {
    const v = saved[k];
    if (v !== undefined && (!['number', 'string', 'boolean'].includes(typeof v) || (given[k] !== undefined && typeof v !== typeof given[k]))) {
      throw new DataError(`${where}: meta.options.${k} should be a ${typeof given[k]}, found ${JSON.stringify(v)}`);
    }
  }
  for (const k of STORED_KEYS) {
    const recorded = k in saved || OPTIONAL.has(k) || k === 'dataSeed' || k === 'kernels';
    const old = savedValue(k);
    if (!typed(k)) {
      // an option an older elunet did not store keeps the value given (its default)
      if (recorded) options[k] = old;
      continue;
    }
    const now = k === 'dataSeed' ? (given.dataSeed ?? 0) : given[k];
    if (!recorded || now === old) continue;
    if (RESUME_RULES[k] === 'fixed') refused.push(`${flagOf(k)} ${show(now)} differs from the run's ${k} ${show(old)}`);
    else changes.push({ key: k, from: old, to: now });
  }
  if (refused.length > 0) {
    const one = refused.length === 1;
    throw new ElunetError(
      `--resume: ${refused.join('; ')} (saved in ${where}); ${one ? 'it' : 'they'} cannot change mid-run: ` +
        `drop the flag${one ? '' : 's'}, or start a new run with another --out`,
    );
  }
  // --epochs typed, --iterations not: the typed length wins over a saved --iterations
  if (explicit !== 'all' && explicit.has('epochs') && !explicit.has('iterations') && options.iterations !== undefined) {
    changes.push({ key: 'iterations', from: options.iterations, to: undefined });
    options.iterations = undefined;
  }
  return { options: options as unknown as TrainOptions, changes, unrecorded: false };
}

/** Where a run stands: its checkpoint index, the options it recorded and the step it reached. */
export interface ResumePoint {
  /** checkpoint.json of the run (for messages) */
  index: string;
  saved: StoredOptions | undefined;
  step: number;
  /** what recoverCheckpoint did to put the checkpoint in order */
  recovered: string[];
}

/** Reads the checkpoint of the run folder `out` (after recovering from an interrupted save); null without one. */
export function readResumePoint(out: string): ResumePoint | null {
  const dir = join(out, 'checkpoint');
  const recovered = recoverCheckpoint(dir);
  if (!checkpointExists(dir)) return null;
  const index = join(dir, INDEX_FILE);
  const meta = readCheckpointIndex(dir).meta as { options?: unknown; training?: { step?: unknown } } | null;
  const options = meta?.options;
  if (options !== undefined && (options === null || typeof options !== 'object' || Array.isArray(options))) {
    throw new DataError(`${index}: meta.options must be an object of training options, found ${JSON.stringify(options)}`);
  }
  const step = typeof meta?.training?.step === 'number' ? meta.training.step : 0;
  return { index, saved: options as StoredOptions | undefined, step, recovered };
}

/** The resume plan of `given` for its run folder, or null when there is no checkpoint to resume. */
export function planResume(given: TrainOptions, explicit: ReadonlySet<string> | 'all'): (ResumePlan & { point: ResumePoint }) | null {
  const point = readResumePoint(given.out);
  if (!point) return null;
  return { ...resolveResume(point.saved, given, explicit, point.index), point };
}

/**
 * True when the schedule's rates depend on the run's length (cosine without its own length, '…@RUN', '{f}'):
 * a resume that changes the length recomputes the rates of the steps still to come.
 */
export function scheduleFollowsRunLength(schedule: string, lr: number): boolean {
  const at = (steps: number): string => {
    try {
      return parseSchedule(schedule, lr, { totalIters: steps }).toString();
    } catch {
      return `invalid for ${steps} steps`;
    }
  };
  return at(1_000_000) !== at(2_000_000);
}
