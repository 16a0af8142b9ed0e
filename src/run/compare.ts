/**
 * `elunet compare` (what `npm start` runs): the same network, data, seed and schedule trained once per
 * activation (ELU and ReLU by default), a side-by-side table of loss and accuracy per epoch, and one chart.
 * The data is prepared once and shared by the runs.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseActivation } from '../kernels/activation.js';
import { chooseKernels, prepareData, runTraining, type TrainOptions } from './setup.js';
import { writeRunPlots, type LabelledRun } from '../report/run-plots.js';
import type { EpochMetrics } from '../train/loop.js';
import { textTable } from '../table.js';

export async function compareRuns(opts: Omit<TrainOptions, 'kernels'> & { kernels?: string; activations: string; out: string },
                                  log: (line: string) => void): Promise<void> {
  const acts = opts.activations.split(',').map((a) => parseActivation(a.trim()));
  const kernels = chooseKernels(opts.kernels, log);
  const runs: LabelledRun[] = [];
  const times: number[] = [];
  log(
    `comparing ${acts.join(' vs ')} on ${opts.model} (width ${opts.width}), data ${opts.data}, ${opts.epochs} epochs, ` +
      `batch ${opts.batch}, lr ${opts.lr}, seed ${opts.seed}, ${opts.workers} worker${opts.workers > 1 ? 's' : ''}, ${kernels} kernels`,
  );
  const data = prepareData(opts, opts.workers > 1);
  for (const a of acts) {
    const out = join(opts.out, a);
    if (!opts.resume) rmSync(out, { recursive: true, force: true });
    log(`\n== ${a} ==`);
    const r = await runTraining({ ...opts, kernels, activation: a, out }, { data, log });
    runs.push({ label: a, history: r.history });
    times.push(r.seconds);
  }
  log('\n' + comparisonTable(runs, times));
  const files = writeRunPlots(runs, opts.out, `${opts.model} on ${opts.data}`);
  log(`\nchart: ${files.join(', ')}   runs: ${acts.map((a) => join(opts.out, a)).join(', ')}`);
}

/** epoch | <act> train loss, test loss, test acc | … ; and a time row. */
export function comparisonTable(runs: LabelledRun[], seconds: number[]): string {
  const classifier = runs.some((r) => r.history.some((m) => m.testAcc > 0));
  const per = classifier ? 3 : 2;
  const cols = (m: EpochMetrics | undefined): string[] =>
    m ? [m.trainLoss.toFixed(4), m.testLoss.toFixed(4), ...(classifier ? [(100 * m.testAcc).toFixed(2) + '%'] : [])] : Array(per).fill('');
  const head1 = ['', ...runs.flatMap((r) => [r.label, ...Array(per - 1).fill('')])];
  const head2 = ['epoch', ...runs.flatMap(() => ['train loss', 'test loss', ...(classifier ? ['test acc'] : [])])];
  const n = Math.max(...runs.map((r) => r.history.length));
  const rows: string[][] = [];
  for (let e = 0; e < n; e++) rows.push([String(e + 1), ...runs.flatMap((r) => cols(r.history[e]))]);
  rows.push(['time', ...runs.flatMap((_, i) => [`${seconds[i].toFixed(1)} s`, ...Array(per - 1).fill('')])]);
  return textTable([head1, head2], rows, { align: head2.map((_, j) => (j === 0 ? 'left' : 'right')) });
}
