/**
 * The training loop: epochs of seeded shuffles, one optimizer step per global batch, evaluation and the
 * paper's activation statistics after every epoch, metrics as JSON lines, atomic checkpoints, exact resume.
 *
 * Determinism: the permutation of epoch e is keyedRng(seed, e).permutation(N); dropout and augmentation are
 * keyed by (seed, step, sample id); the gradient of a step is the in-order sum of its micro-batches
 * (src/parallel/protocol.ts). So the same seed gives the same run, a resumed run continues exactly, and the
 * worker count changes nothing.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { ElunetError } from '../errors.js';
import { keyedRng } from '../rng.js';
import { type Allocator, type KernelSet, tsKernels } from '../kernels/kernel-set.js';
import { Network } from '../model/network.js';
import { expandSpec, type ModelSpec } from '../model/spec.js';
import { layoutFor } from '../model/params.js';
import type { LayoutEntry, Optimizer } from '../optim/optimizer.js';
import { LocalExecutor, type Executor } from './executor.js';
import { UnitActivationStats } from './metrics.js';
import { Progress } from './progress.js';
import { formatDuration } from '../table.js';
import type { AugmentOptions } from '../data/augment.js';
import type { SampleSource } from './batch.js';
import { evaluate, evalOutcome } from './evaluate.js';
import { saveCheckpoint, loadCheckpoint, optimizerSnapshot, checkpointExists, recoverCheckpoint, type Checkpoint } from '../io/checkpoint.js';
import { LiveLog } from '../live/writer.js';

export interface EpochMetrics {
  epoch: number;
  step: number;
  lr: number;
  /** running mean of the training loss over the epoch's steps (train mode: dropout on) */
  trainLoss: number;
  trainAcc: number;
  /** eval-mode loss and accuracy on the fixed training subset used for the activation statistics */
  trainEvalLoss: number;
  trainEvalAcc: number;
  testLoss: number;
  testAcc: number;
  testTop5?: number;
  /** median over all hidden units of each unit's mean activation on the fixed training subset (Fig. 2a) */
  medianUnitActivation: number;
  layerMeanActivation: { name: string; mean: number }[];
  seconds: number;
  samplesPerSec: number;
}

export interface LoopOptions {
  runDir: string;
  spec: ModelSpec;
  train: SampleSource;
  test: SampleSource;
  /** JSON stored in every checkpoint beside the spec: preprocessing statistics, config, dataset name */
  meta: Record<string, unknown>;
  epochs: number;
  /** stop after this many steps in total (overrides epochs when set) */
  iterations?: number;
  batch: number;
  microBatch: number;
  seed: number;
  augment: AugmentOptions;
  /** the optimizer, given the layout and the kernel set (whose update kernel it calls and whose memory holds its state) */
  makeOptimizer: (layout: readonly LayoutEntry[], kernels: KernelSet) => Optimizer;
  /** the main thread's kernels, and the allocator of the parameters, the gradient and the optimizer state
   *  (default tsKernels); a pool of workers (makeExecutor) makes each worker's set on the same memory */
  kernels?: KernelSet;
  lrAt: (step: number) => number;
  /** fixed training subset for the activation statistics and the eval-mode training loss */
  statsSubset: number;
  /** evaluate on at most this many test samples (all by default) */
  testSubset?: number;
  /** checkpoint every this many steps as well as at each epoch end (0: epoch ends only) */
  checkpointEvery: number;
  resume: boolean;
  /** appended to the line printed when the run resumes (runTraining: the options that changed) */
  resumeNote?: string;
  /** Build the executor; null/undefined → LocalExecutor on the main thread */
  makeExecutor?: (net: Network) => Promise<Executor>;
  /** params and state on shared memory (for worker threads): the kernel set's own arrays when they are shared
   *  (the SIMD set's WebAssembly memory), else SharedArrayBuffers */
  shared?: boolean;
  quiet?: boolean;
  log?: (line: string) => void;
  onEpoch?: (m: EpochMetrics) => void;
  /** write live.jsonl for `elunet serve` (src/live/writer.ts); default true */
  live?: boolean;
}

export interface RunResult {
  net: Network;
  history: EpochMetrics[];
  seconds: number;
}

export class TrainingDiverged extends ElunetError {}

/** Plain arrays on SharedArrayBuffers (for worker threads), for kernels that take any array (tsKernels). */
export const sharedHeapAllocator: Allocator = {
  f32: (n) => new Float32Array(new SharedArrayBuffer(Math.max(n, 1) * 4)).subarray(0, n),
  i32: (n) => new Int32Array(new SharedArrayBuffer(Math.max(n, 1) * 4)).subarray(0, n),
  u8: (n) => new Uint8Array(new SharedArrayBuffer(Math.max(n, 1))).subarray(0, n),
  holds: () => true,
  shared: true,
};

/** Where the buffers the main thread shares with workers come from: the set's own when they are shared. */
export function sharedAllocator(k: KernelSet): Allocator {
  return k.alloc.shared ? k.alloc : sharedHeapAllocator;
}

export async function trainLoop(o: LoopOptions): Promise<RunResult> {
  const log = o.log ?? ((s: string) => console.log(s));
  mkdirSync(o.runDir, { recursive: true });
  const statsIds = keyedRng(o.seed, 0x57a75).permutation(o.train.n).subarray(0, Math.min(o.statsSubset, o.train.n));
  const testIds = (() => {
    const k = Math.min(o.testSubset ?? o.test.n, o.test.n);
    const ids = new Int32Array(k);
    for (let i = 0; i < k; i++) ids[i] = i;
    return ids;
  })();

  // The main network holds the master parameters; with workers they live in shared memory. Their sizes
  // come from the layout table, which allocates nothing.
  const kernels = o.kernels ?? tsKernels;
  const { paramCount, stateCount } = layoutFor(expandSpec(o.spec).layers);
  const alloc = o.shared ? sharedAllocator(kernels) : kernels.alloc;
  const params = alloc.f32(paramCount);
  const state = alloc.f32(stateCount);
  const net = new Network(o.spec, { maxBatch: o.microBatch, params, state, kernels });
  net.initParams(o.seed);
  const gradTotal = kernels.alloc.f32(paramCount);
  const opt = o.makeOptimizer(net.layout, kernels);

  const stepsPerEpoch = Math.floor(o.train.n / o.batch);
  if (stepsPerEpoch < 1) {
    throw new ElunetError(`--batch ${o.batch} is larger than the training set (${o.train.n} samples); use a smaller batch`);
  }
  const totalSteps = o.iterations ?? o.epochs * stepsPerEpoch;
  const totalEpochs = Math.ceil(totalSteps / stepsPerEpoch);

  let step = 0;
  let history: EpochMetrics[] = [];
  let epochAcc = { loss: 0, top1: 0, steps: 0 };
  let elapsedBefore = 0;
  const metricsPath = join(o.runDir, 'metrics.jsonl');
  const ckptDir = join(o.runDir, 'checkpoint');

  if (o.resume) for (const line of recoverCheckpoint(ckptDir)) log(`resume: ${line}`);
  if (o.resume && checkpointExists(ckptDir)) {
    const ck = loadCheckpoint(ckptDir, { layout: [...net.layout], stateLayout: [...net.stateLayout] });
    params.set(ck.params);
    state.set(ck.state);
    if (!ck.optimizer || ck.optimizer.kind !== opt.kind) {
      throw new ElunetError(`--resume: the checkpoint in ${ckptDir} was written by optimizer '${ck.optimizer?.kind ?? 'none'}', this run uses '${opt.kind}'`);
    }
    opt.loadState(ck.optimizer.tensors, ck.optimizer.stepCount);
    const t = (ck.meta as { training: unknown }).training as { step: number; history: EpochMetrics[]; epochAcc: typeof epochAcc; elapsed: number };
    // a run records its kernels in its options (a run from before the option was trained with 'ts')
    const options = (ck.meta as { options?: { kernels?: unknown } }).options;
    const before = options ? String(options.kernels ?? 'ts') : kernels.name;
    if (before !== kernels.name) {
      log(`note: the run's steps so far were computed with the '${before}' kernels and continue with '${kernels.name}': ` +
        `the results differ in rounding only, but the continued run is not bit-identical to one trained throughout with either`);
    }
    step = t.step;
    history = t.history;
    epochAcc = t.epochAcc;
    elapsedBefore = t.elapsed;
    writeFileSync(metricsPath, history.map((h) => JSON.stringify(h) + '\n').join(''));
    log(
      `resuming ${o.runDir} at step ${step} of ${totalSteps} (epoch ${Math.min(Math.floor(step / stepsPerEpoch) + 1, totalEpochs)} of ${totalEpochs})` +
        (o.resumeNote ? ` ${o.resumeNote}` : ''),
    );
  } else {
    if (existsSync(metricsPath)) rmSync(metricsPath);
  }
  if (step >= totalSteps) {
    log(`run ${o.runDir} is already complete (${step} steps)`);
    return { net, history, seconds: elapsedBefore };
  }

  const executor = o.makeExecutor ? await o.makeExecutor(net) : new LocalExecutor(net, o.train, {
    microBatch: o.microBatch, seed: o.seed, augment: o.augment,
  });
  const live = o.live === false ? null : new LiveLog({ runDir: o.runDir, net, train: o.train, test: o.test, probeIds: statsIds, testIds, batch: o.batch, stepsPerEpoch, totalSteps, startStep: step, log });
  const t0 = Date.now();
  const elapsed = () => elapsedBefore + (Date.now() - t0) / 1000;

  const save = () => {
    saveCheckpoint(ckptDir, {
      layout: [...net.layout],
      params,
      stateLayout: [...net.stateLayout],
      state,
      optimizer: optimizerSnapshot(opt),
      meta: { ...o.meta, spec: o.spec, training: { step, history, epochAcc, elapsed: elapsed() } },
    });
  };

  try {
    let epochStart = Date.now();
    let epochStartStep = step;
    while (step < totalSteps) {
      const epoch = Math.floor(step / stepsPerEpoch);
      const perm = keyedRng(o.seed, 0x5348, epoch).permutation(o.train.n);
      const progress = new Progress(`epoch ${epoch + 1}/${totalEpochs}`, Math.min(stepsPerEpoch, totalSteps - epoch * stepsPerEpoch) * o.batch, 'samples', process.stderr, 10_000, o.quiet);
      const epochEnd = Math.min((epoch + 1) * stepsPerEpoch, totalSteps);
      while (step < epochEnd) {
        const s = step - epoch * stepsPerEpoch;
        const ids = perm.subarray(s * o.batch, (s + 1) * o.batch);
        const r = await executor.computeStep(step, ids, gradTotal);
        if (!Number.isFinite(r.loss)) {
          throw new TrainingDiverged(
            `training diverged: the loss became ${r.loss} at step ${step + 1} (epoch ${epoch + 1}); ` +
              `parameters were not updated and the last good checkpoint in ${ckptDir} is kept; try a smaller --lr`,
          );
        }
        const lr = o.lrAt(step);
        opt.step(params, gradTotal, lr);
        step++;
        epochAcc.loss += r.loss;
        epochAcc.top1 += r.top1;
        epochAcc.steps++;
        live?.step(step, r.loss, r.top1 / o.batch, lr);
        progress.update((step - epoch * stepsPerEpoch) * o.batch, `loss ${(epochAcc.loss / epochAcc.steps).toFixed(4)}`);
        if (o.checkpointEvery > 0 && step % o.checkpointEvery === 0 && step < epochEnd) save();
      }
      progress.done();

      // End of epoch (or of the run): evaluation and the paper's activation statistics.
      const te = await executor.evaluate(o.test, testIds);
      const stats = new UnitActivationStats();
      const trEval = evalOutcome(evaluate(net, o.train, statsIds, { chunk: o.microBatch, stats }));
      const act = stats.result();
      const secs = (Date.now() - epochStart) / 1000;
      const m: EpochMetrics = {
        epoch: epoch + 1,
        step,
        lr: o.lrAt(step - 1),
        trainLoss: epochAcc.loss / Math.max(epochAcc.steps, 1),
        trainAcc: epochAcc.top1 / Math.max(epochAcc.steps * o.batch, 1),
        trainEvalLoss: trEval.loss,
        trainEvalAcc: trEval.top1 / trEval.count,
        testLoss: te.loss,
        testAcc: te.top1 / te.count,
        ...(o.test.classes > 10 ? { testTop5: te.topk / te.count } : {}),
        medianUnitActivation: act.medianUnitActivation,
        layerMeanActivation: act.layerMeanActivation,
        seconds: secs,
        samplesPerSec: ((step - epochStartStep) * o.batch) / secs,
      };
      history.push(m);
      epochAcc = { loss: 0, top1: 0, steps: 0 };
      appendFileSync(metricsPath, JSON.stringify(m) + '\n');
      live?.epoch(step);
      save();
      o.onEpoch?.(m);
      if (!o.quiet) {
        log(
          `epoch ${m.epoch}/${totalEpochs}  train loss ${m.trainLoss.toFixed(4)}  test loss ${m.testLoss.toFixed(4)}` +
            (net.spec.loss === 'softmax-ce' ? `  test acc ${(100 * m.testAcc).toFixed(2)}%` : '') +
            `  median unit act ${m.medianUnitActivation.toFixed(3)}  ${m.samplesPerSec.toFixed(0)} samples/s  ${formatDuration(secs)}`,
        );
      }
      epochStart = Date.now();
      epochStartStep = step;
    }
  } finally {
    live?.close();
    await executor.close();
  }
  return { net, history, seconds: elapsed() };
}

/** Reads a run's metrics.jsonl (for plots and reports). */
export function readMetrics(runDir: string): EpochMetrics[] {
  const p = join(runDir, 'metrics.jsonl');
  if (!existsSync(p)) throw new ElunetError(`${runDir} is not a run folder: ${p} does not exist (train with --out ${runDir} first)`);
  return readFileSync(p, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l, i) => {
      try {
        return JSON.parse(l) as EpochMetrics;
      } catch {
        throw new ElunetError(`${p} line ${i + 1} is not valid JSON`);
      }
    });
}

export type { Checkpoint };
