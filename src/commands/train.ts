/** `elunet train`: one training run into a run folder, then its charts. */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ElunetError } from '../errors.js';
import { runTraining, type TrainOptions } from '../run/setup.js';
import { writeRunPlots } from '../report/run-plots.js';
import { writeRunImages } from '../report/run-images.js';

export async function trainCommand(opts: TrainOptions & { out?: string; force?: boolean }): Promise<void> {
  const out = opts.out ?? join('runs', `${opts.model}-${opts.activation}-s${opts.seed}`);
  if (existsSync(out) && readdirSync(out).length > 0 && !opts.resume) {
    if (!opts.force) {
      throw new ElunetError(`run folder ${out} already exists; pass --resume to continue it, --force to overwrite it, or --out <dir> for a new one`);
    }
    rmSync(out, { recursive: true, force: true });
  }
  if (opts.resume && !existsSync(join(out, 'checkpoint', 'checkpoint.json'))) {
    throw new ElunetError(`--resume: ${out} has no checkpoint (expected ${join(out, 'checkpoint', 'checkpoint.json')}); start it without --resume`);
  }
  const perStep = Math.ceil(opts.batch / opts.microBatch);
  if (opts.workers > perStep) {
    // Every worker computes whole micro-batches, so a step keeps at most ⌈batch / micro-batch⌉ of them busy.
    console.log(
      `note: a step has ${perStep} micro-batch${perStep > 1 ? 'es' : ''} (--batch ${opts.batch} / --micro-batch ${opts.microBatch}), so only ` +
        `${perStep} of the ${opts.workers} workers can have work; using ${perStep}. For every core, raise --batch to ` +
        `${opts.workers * opts.microBatch} or lower --micro-batch (either changes the result; the worker count does not).`,
    );
  }
  const workers = Math.min(opts.workers, perStep);
  console.log(`training ${opts.model} (${opts.activation}) on ${opts.data} with ${workers} worker${workers > 1 ? 's' : ''}; run folder ${out}`);
  const r = await runTraining({ ...opts, workers, out }, {});
  const last = r.history[r.history.length - 1];
  if (last) {
    const acc = r.spec.loss === 'softmax-ce' ? `, test accuracy ${(100 * last.testAcc).toFixed(2)}%` : '';
    console.log(`done in ${r.seconds.toFixed(1)} s: test loss ${last.testLoss.toFixed(4)}${acc}`);
  }
  const files = [
    ...writeRunPlots([out], out, `${opts.model} ${opts.activation}`),
    ...writeRunImages(r.net, r.data.train, r.data.test, out, r.data.train.classNames),
  ];
  console.log(`metrics: ${join(out, 'metrics.jsonl')}  checkpoint: ${join(out, 'checkpoint')}  plots: ${files.join(', ')}`);
}
