/**
 * `elunet train`: one training run into a run folder, then its charts and pictures. The command
 * (src/commands/train.ts) hands the parsed options here; every line for the user goes through `log`.
 */
import { join } from 'node:path';
import { chooseKernels, kernelsForRun, runTraining, type TrainOptions } from './setup.js';
import { defaultRunFolder, prepareRunFolder, readRun, recordedKernels } from './folder.js';
import { writeRunPlots } from '../report/run-plots.js';
import { writeRunImages } from '../report/run-images.js';

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

export async function trainRun(opts: Omit<TrainOptions, 'kernels'> & { kernels?: string; out?: string; force?: boolean },
                               log: (line: string) => void): Promise<void> {
  const out = opts.out ?? defaultRunFolder(opts);
  prepareRunFolder(out, opts);
  const workers = usableWorkers(opts, log);
  // a resume continues with the kernels the run recorded unless --kernels says otherwise (the loop notes a change)
  const kernels = opts.resume ? kernelsForRun(opts.kernels, recordedKernels(out), log) : chooseKernels(opts.kernels, log);
  log(`training ${opts.model} (${opts.activation}) on ${opts.data} with ${workers} worker${workers > 1 ? 's' : ''} and the ${kernels} kernels; run folder ${out}`);
  const r = await runTraining({ ...opts, kernels, workers, out }, { log });
  const last = r.history[r.history.length - 1];
  if (last) {
    const acc = r.spec.loss === 'softmax-ce' ? `, test accuracy ${(100 * last.testAcc).toFixed(2)}%` : '';
    log(`done in ${r.seconds.toFixed(1)} s: test loss ${last.testLoss.toFixed(4)}${acc}`);
  }
  const files = [
    ...writeRunPlots([readRun(out)], out, `${opts.model} ${opts.activation}`),
    ...writeRunImages(r.net, r.data.train, r.data.test, out, r.data.train.classNames),
  ];
  log(`metrics: ${join(out, 'metrics.jsonl')}  checkpoint: ${join(out, 'checkpoint')}  plots: ${files.join(', ')}`);
}
