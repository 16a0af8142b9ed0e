/**
 * From user options to a ready-to-run training: load the data, fit the preprocessing on the training set,
 * build the model from the zoo, pick the optimizer and the learning-rate schedule, and run the training loop
 * (on the main thread, or on a pool of workers). `runTraining` is the one way elunet trains: `elunet train`,
 * `elunet compare` and every experiment call it, so every entry point trains the same way. A caller that
 * trains many runs on the same data prepares it once (`prepareData`) and hands it to each run.
 */
import { availableParallelism } from 'node:os';
import { ElunetError } from '../errors.js';
import { loadDataset } from '../data/index.js';
import type { Dataset } from '../data/dataset.js';
import { take } from '../data/dataset.js';
import { fitPreprocessor, applyPreprocessor, type PreprocessorState, type PreprocessKind } from '../data/preprocess.js';
import type { AugmentOptions } from '../data/augment.js';
import { parseActivation, type ActivationName } from '../kernels/activation.js';
import { models } from '../model/zoo.js';
import type { ModelSpec, Norm, Reduction } from '../model/spec.js';
import { createOptimizer, parseSchedule, type LayoutEntry, type Optimizer } from '../optim/index.js';
import { trainLoop, type LoopOptions, type RunResult } from '../train/loop.js';
import { createPoolExecutor } from '../parallel/pool-executor.js';
import type { KernelSet } from '../kernels/kernel-set.js';
import { kernelsByName, resolveKernels, type KernelsName } from '../simd/index.js';
import { formatChanges, planResume, scheduleFollowsRunLength, storedOptions } from './resume.js';

export interface TrainOptions {
  model: string;
  activation: string;
  alpha?: number;
  width: number;
  batchNorm: boolean;
  /** where the hidden blocks normalize (spec.ts, Norm); undefined: as `batchNorm` says ('bn-before' or none) */
  norm?: Norm;
  /** how mse / sigmoid-ce combine a sample's output terms (the spec's `reduction`); undefined: 'sum' */
  lossReduction?: Reduction;
  /** undefined: the model's own default (the paper's dropout for the CIFAR/ImageNet nets, none for the MNIST nets) */
  dropout?: boolean;
  data: string;
  preprocess: 'auto' | PreprocessKind;
  augment: 'auto' | 'none' | 'crop' | 'flip' | 'crop+flip';
  epochs: number;
  iterations?: number;
  batch: number;
  microBatch: number;
  optimizer: 'sgd' | 'adam';
  lr: number;
  momentum: number;
  nesterov: boolean;
  weightDecay: number;
  schedule: string;
  seed: number;
  /** seed of the train/test split of data without a fixed test set (embedded MNIST, PNG folders); default 0,
   *  so runs with different --seed are evaluated on the same test images */
  dataSeed?: number;
  workers: number;
  /** 'ts' or 'simd' (src/simd/select.ts); the CLI resolves its default (simd where the runtime can run it) */
  kernels: KernelsName;
  out: string;
  resume: boolean;
  checkpointEvery: number;
  statsSubset: number;
  trainLimit?: number;
  testLimit?: number;
  quiet?: boolean;
}

export const TRAIN_DEFAULTS: Omit<TrainOptions, 'out'> = {
  model: 'mnist-cnn',
  activation: 'elu',
  width: 1,
  batchNorm: false,
  data: 'mnist',
  preprocess: 'auto',
  augment: 'auto',
  epochs: 10,
  batch: 64,
  microBatch: 16,
  optimizer: 'sgd',
  lr: 0.01,
  momentum: 0.9,
  nesterov: false,
  weightDecay: 0,
  schedule: 'constant',
  seed: 0,
  workers: defaultWorkers(),
  kernels: 'ts',
  resume: false,
  checkpointEvery: 0,
  statsSubset: 1000,
};

/**
 * The kernels a command computes with: --kernels when given, else simd where this runtime runs it and ts
 * otherwise, with one line through `log` saying why.
 */
export function chooseKernels(requested: string | undefined, log: (line: string) => void): KernelsName {
  const r = resolveKernels(requested);
  if (r.note) log(r.note);
  return r.name;
}

/**
 * The kernels for a command on a trained run (eval, predict): --kernels when given, else those the run
 * recorded (`recorded`), so that it evaluates with the arithmetic it was trained with; else (no record, or a
 * recorded simd that cannot run here) the default of chooseKernels, with a note. (A resume gets the recorded
 * kernels with the run's other options: ./resume.ts.)
 */
export function kernelsForRun(requested: string | undefined, recorded: string | undefined, log: (line: string) => void): KernelsName {
  if (requested !== undefined || recorded === undefined) return chooseKernels(requested, log);
  const r = resolveKernels(undefined);
  if (recorded === 'ts' || recorded === r.name) return recorded as KernelsName;
  if (r.note) log(r.note);
  return r.name;
}

export function defaultWorkers(): number {
  return Math.max(1, availableParallelism());
}

export interface PreparedData {
  train: Dataset;
  test: Dataset;
  preprocess: PreprocessorState;
  augment: AugmentOptions;
}

/** Loads, trims and preprocesses a dataset; the images end up in shared memory when `shared`. */
export function prepareData(
  o: Pick<TrainOptions, 'data' | 'preprocess' | 'augment' | 'dataSeed' | 'trainLimit' | 'testLimit'>,
  shared: boolean,
): PreparedData {
  const split = loadDataset(o.data, { seed: o.dataSeed ?? 0, shared });
  let train = split.train;
  let test = split.test;
  if (o.trainLimit !== undefined) train = take(train, Math.min(o.trainLimit, train.n));
  if (o.testLimit !== undefined) test = take(test, Math.min(o.testLimit, test.n));
  const isCifarLike = train.c === 3 && train.h === 32 && train.w === 32;
  // 'auto': per-pixel mean subtraction for 32×32 RGB; the paper's GCN + ZCA costs minutes on a CPU for
  // D = 3072 (a 3072×3072 eigendecomposition, then a 3072² product per image), so it is asked for explicitly.
  const kind: PreprocessKind = o.preprocess === 'auto' ? (isCifarLike ? 'mean' : 'none') : o.preprocess;
  const preprocess = fitPreprocessor(kind, train);
  applyPreprocessor(preprocess, train);
  applyPreprocessor(preprocess, test);
  const a = o.augment === 'auto' ? (isCifarLike ? 'crop+flip' : 'none') : o.augment;
  const augment: AugmentOptions = { pad: a.includes('crop') ? 4 : 0, flip: a.includes('flip') };
  return { train, test, preprocess, augment };
}

/** Builds the zoo model for a dataset's shape and class count. */
export function buildSpec(
  o: Pick<TrainOptions, 'model' | 'activation' | 'alpha' | 'width' | 'batchNorm' | 'norm' | 'lossReduction' | 'dropout'>,
  data: { c: number; h: number; w: number; classes: number },
): ModelSpec {
  const entry = models[o.model];
  if (!entry) {
    throw new ElunetError(`--model: unknown model '${o.model}'; expected one of: ${Object.keys(models).join(', ')} (see 'elunet models')`);
  }
  const activation: ActivationName = parseActivation(o.activation);
  const spec = entry.build({
    activation,
    alpha: o.alpha,
    width: o.width,
    batchNorm: o.batchNorm,
    norm: o.norm,
    reduction: o.lossReduction,
    dropout: o.dropout,
    input: [data.c, data.h, data.w],
    classes: data.classes,
  });
  return spec;
}

export function makeOptimizerFactory(o: Pick<TrainOptions, 'optimizer' | 'momentum' | 'nesterov' | 'weightDecay'>) {
  return (layout: readonly LayoutEntry[], kernels?: KernelSet): Optimizer =>
    createOptimizer(o.optimizer, layout, { momentum: o.momentum, nesterov: o.nesterov, weightDecay: o.weightDecay, kernels });
}

/** Optimizer steps of a run: --iterations, or --epochs full batches of the training set (a last partial batch is dropped). */
export function totalSteps(o: Pick<TrainOptions, 'epochs' | 'iterations' | 'batch'>, trainSamples: number): number {
  return o.iterations ?? o.epochs * Math.floor(trainSamples / o.batch);
}

export interface RunHooks extends Pick<LoopOptions, 'log' | 'onEpoch'> {
  /** data prepared by the caller (prepareData), shared by several runs; default: prepared from `o` */
  data?: PreparedData;
  /** more JSON for the checkpoint's meta (an experiment's fingerprint) */
  meta?: Record<string, unknown>;
  /**
   * On resume, the options the user actually gave (./resume.ts): the others come from the checkpoint.
   * Default: all of them (a program or an experiment states every option).
   */
  explicit?: ReadonlySet<string>;
}

/**
 * The whole training run described by `given`, in the folder given.out. With `resume` and a checkpoint
 * there, the run continues with its saved options and the explicit changes (./resume.ts); the checkpoint
 * records the options the run goes on with.
 */
export async function runTraining(given: TrainOptions, hooks: RunHooks = {}): Promise<RunResult & { data: PreparedData; spec: ModelSpec }> {
  const { data: prepared, meta, explicit, ...loopHooks } = hooks;
  const log = hooks.log ?? ((line: string) => console.log(line));
  const plan = given.resume ? planResume(given, explicit ?? 'all') : null;
  const o = plan?.options ?? given;
  for (const line of plan?.point.recovered ?? []) log(`resume: ${line}`);
  if (plan?.unrecorded) {
    log(
      `note: ${plan.point.index} records no training options (written by an older elunet, or by trainLoop itself): the run ` +
        `continues with the options given, so they must be all of the run's (--model, --width, --data, --batch, …)`,
    );
  }
  const workers = o.workers;
  const data = prepared ?? prepareData(o, workers > 1);
  const spec = buildSpec(o, data.train);
  const steps = totalSteps(o, data.train.n);
  const schedule = parseSchedule(o.schedule, o.lr, { totalIters: steps });
  if (plan && plan.changes.length > 0 && plan.point.saved) {
    const before = totalSteps({ ...o, epochs: plan.point.saved.epochs ?? o.epochs, iterations: plan.point.saved.iterations }, data.train.n);
    if (before !== steps && scheduleFollowsRunLength(o.schedule, o.lr)) {
      log(
        `note: --schedule ${o.schedule} follows the run's length: the rates of the steps still to come are recomputed ` +
          `for ${steps} steps (the ${plan.point.step} steps taken followed its ${before}-step form)`,
      );
    }
  }
  // the main thread's kernels; with workers, each worker joins this set's memory (src/parallel/shared-kernels.ts)
  const kernels = kernelsByName(resolveKernels(o.kernels).name);
  const result = await trainLoop({
    runDir: o.out,
    spec,
    train: data.train,
    test: data.test,
    meta: {
      options: storedOptions(o),
      data: { source: data.train.source, name: data.train.name, classNames: data.train.classNames, c: data.train.c, h: data.train.h, w: data.train.w, classes: data.train.classes },
      preprocess: data.preprocess,
      ...meta,
    },
    epochs: o.epochs,
    iterations: o.iterations,
    batch: o.batch,
    microBatch: o.microBatch,
    seed: o.seed,
    augment: data.augment,
    makeOptimizer: makeOptimizerFactory(o),
    kernels,
    lrAt: (step) => schedule.lr(step),
    statsSubset: o.statsSubset,
    checkpointEvery: o.checkpointEvery,
    resume: o.resume,
    resumeNote: plan && plan.changes.length > 0 ? `with changes: ${formatChanges(plan.changes)}` : undefined,
    shared: workers > 1,
    quiet: o.quiet,
    makeExecutor:
      workers > 1
        ? (net) => createPoolExecutor({ net, train: data.train, test: data.test, workers, microBatch: o.microBatch, maxBatch: o.batch, seed: o.seed, augment: data.augment })
        : undefined,
    ...loopHooks,
  });
  return { ...result, data, spec };
}
