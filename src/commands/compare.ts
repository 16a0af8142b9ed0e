/**
 * `elunet compare` (what `npm start` runs): the same network, data, seed and schedule trained once per
 * activation (ELU and ReLU by default), a side-by-side table of loss and accuracy per epoch, and one chart.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseActivation } from '../kernels/activation.js';
import { runTraining, type TrainOptions } from '../run/setup.js';
import { writeLabelledPlots, type LabelledRun } from '../report/run-plots.js';
import type { EpochMetrics } from '../train/loop.js';

export async function compareCommand(opts: TrainOptions & { activations: string; out: string }): Promise<void> {
  const acts = opts.activations.split(',').map((a) => parseActivation(a.trim()));
  const runs: LabelledRun[] = [];
  const times: number[] = [];
  console.log(
    `comparing ${acts.join(' vs ')} on ${opts.model} (width ${opts.width}), data ${opts.data}, ${opts.epochs} epochs, ` +
      `batch ${opts.batch}, lr ${opts.lr}, seed ${opts.seed}, ${opts.workers} worker${opts.workers > 1 ? 's' : ''}`,
  );
  for (const a of acts) {
    const out = join(opts.out, a);
    if (!opts.resume) rmSync(out, { recursive: true, force: true });
    console.log(`\n== ${a} ==`);
    const r = await runTraining({ ...opts, activation: a, out });
    runs.push({ label: a, history: r.history });
    times.push(r.seconds);
  }
  console.log('\n' + comparisonTable(runs, times));
  const files = writeLabelledPlots(runs, opts.out, `${opts.model} on ${opts.data}`);
  console.log(`\nchart: ${files.join(', ')}   runs: ${acts.map((a) => join(opts.out, a)).join(', ')}`);
}

/** epoch | <act> train loss, test loss, test acc | … ; and a time row. */
export function comparisonTable(runs: LabelledRun[], seconds: number[]): string {
  const classifier = runs.some((r) => r.history.some((m) => m.testAcc > 0));
  const cols = (m: EpochMetrics | undefined): string[] =>
    m
      ? [m.trainLoss.toFixed(4), m.testLoss.toFixed(4), ...(classifier ? [(100 * m.testAcc).toFixed(2) + '%'] : [])]
      : ['', '', ...(classifier ? [''] : [])];
  const per = classifier ? 3 : 2;
  const head1 = ['', ...runs.flatMap((r) => [r.label, ...Array(per - 1).fill('')])];
  const head2 = ['epoch', ...runs.flatMap(() => ['train loss', 'test loss', ...(classifier ? ['test acc'] : [])])];
  const n = Math.max(...runs.map((r) => r.history.length));
  const rows: string[][] = [head1, head2];
  for (let e = 0; e < n; e++) rows.push([String(e + 1), ...runs.flatMap((r) => cols(r.history[e]))]);
  rows.push(['time', ...runs.flatMap((_, i) => [`${seconds[i].toFixed(1)} s`, ...Array(per - 1).fill('')])]);
  const w = head2.map((_, j) => Math.max(...rows.map((r) => r[j].length)));
  return rows
    .map((r, i) => {
      const line = r.map((c, j) => (j === 0 ? c.padEnd(w[j]) : c.padStart(w[j]))).join('  ');
      return i === 1 ? line + '\n' + w.map((k) => '-'.repeat(k)).join('  ') : line;
    })
    .join('\n');
}
