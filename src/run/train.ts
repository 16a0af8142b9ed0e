/**
 * `elunet train`: one training run into a run folder, then its charts and pictures. The command
 * (src/commands/train.ts) hands the parsed options here; every line for the user goes through `log`.
 */
import { join } from 'node:path';
import { chooseKernels, runTraining, type TrainOptions } from './setup.js';
import { defaultRunFolder, prepareRunFolder, readRun } from './folder.js';
import type { KernelsName } from '../simd/index.js';
import { writeRunPlots } from '../report/run-plots.js';
import { writeRunImages } from '../report/run-images.js';
import { planResume } from './resume.js';

/** Every worker computes whole micro-batches, so a step keeps at most ⌈batch / micro-batch⌉ of them busy. */
export function usableWorkers(o: Pick<TrainOptions, 'workers' | 'batch' | 'microBatch'>, log: (line: string) => void): number {
  const perStep = Math.ceil(o.batch / o.microBatch);
  if (o.workers > perStep) {
    log(
      `note: a step has ${perStep} micro-batch${perStep > 1 ? 'es' : ''} (--batch ${o.batch} / --micro-batch ${o.microBatch}), so only ` +
        `${perStep} of the ${o.workers} workers can have work; using ${perStep}. For every core, raise --batch to ` +
        `${o.workers * o.microBatch} or lower --micro-batch (either changes the result; the worker count does not).`,
    );
  }
  return Math.min(o.workers, perStep);
}

/**
 * `explicit`: the options the user typed (commander's value sources); on --resume the others come from the
 * run's checkpoint (./resume.ts), the kernels among them: without --kernels a resumed run continues with the
 * kernels it recorded, and a new run gets this runtime's default (simd where it runs; ./setup.ts chooseKernels).
 */
export async function trainRun(
  opts: Omit<TrainOptions, 'kernels'> & { kernels?: KernelsName; out?: string; force?: boolean },
  log: (line: string) => void,
  explicit: ReadonlySet<string> | 'all' = 'all',
): Promise<void> {
  const given = { ...opts, out: opts.out ?? defaultRunFolder(opts) } as TrainOptions;
  const out = given.out;
  const plan = opts.resume ? planResume(given, explicit) : null;
  for (const line of plan?.point.recovered ?? []) log(`resume: ${line}`);
  prepareRunFolder(out, opts);
  const o = plan?.options ?? given;
  const workers = usableWorkers(o, log);
  const kernels = chooseKernels(o.kernels, log);
  log(`training ${o.model} (${o.activation}) on ${o.data} with ${workers} worker${workers > 1 ? 's' : ''} and the ${kernels} kernels; run folder ${out}`);
  const r = await runTraining({ ...o, kernels, workers }, { log });
  const last = r.history[r.history.length - 1];
  if (last) {
    const acc = r.spec.loss === 'softmax-ce' ? `, test accuracy ${(100 * last.testAcc).toFixed(2)}%` : '';
    log(`done in ${r.seconds.toFixed(1)} s: test loss ${last.testLoss.toFixed(4)}${acc}`);
  }
  const files = [
    ...writeRunPlots([readRun(out)], out, `${o.model} ${o.activation}`),
    ...writeRunImages(r.net, r.data.train, r.data.test, out, r.data.train.classNames),
  ];
  log(`metrics: ${join(out, 'metrics.jsonl')}  checkpoint: ${join(out, 'checkpoint')}  plots: ${files.join(', ')}`);
}
