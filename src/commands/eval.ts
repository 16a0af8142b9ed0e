/** `elunet eval <run>`: test loss and accuracy of a trained run. */
import { loadDataset } from '../data/index.js';
import { applyPreprocessor } from '../data/preprocess.js';
import { ElunetError } from '../errors.js';
import { evaluate, evalOutcome } from '../train/evaluate.js';
import { loadRun } from '../run/load-run.js';
import { recordedKernels } from '../run/folder.js';
import { kernelsForRun } from '../run/setup.js';
import { kernelsByName } from '../simd/index.js';

export function evalCommand(runDir: string, opts: { data?: string; kernels?: string }): void {
  const kernels = kernelsByName(kernelsForRun(opts.kernels, recordedKernels(runDir), (l) => console.log(l)));
  const run = loadRun(runDir, 64, kernels);
  const source: string = opts.data ?? run.meta.options?.data ?? 'mnist';
  const split = loadDataset(source, { seed: run.meta.options?.dataSeed ?? 0 });
  const test = split.test;
  const [c, h, w] = run.spec.input;
  if (test.c !== c || test.h !== h || test.w !== w) {
    throw new ElunetError(`--data ${source}: images are ${test.c}×${test.h}×${test.w} but the model expects ${c}×${h}×${w}`);
  }
  applyPreprocessor(run.preprocess, test);
  const ids = Int32Array.from({ length: test.n }, (_, i) => i);
  const t0 = Date.now();
  const r = evalOutcome(evaluate(run.net, test, ids, { chunk: 64 }));
  const secs = (Date.now() - t0) / 1000;
  const parts = [`${test.name}: ${r.count} samples`, `loss ${r.loss.toFixed(4)}`];
  if (run.spec.loss === 'softmax-ce') {
    parts.push(`accuracy ${((100 * r.top1) / r.count).toFixed(2)}%`);
    if (test.classes > 10) parts.push(`top-5 ${((100 * r.topk) / r.count).toFixed(2)}%`);
  }
  parts.push(`${secs.toFixed(1)} s`);
  console.log(parts.join('  '));
}
