/** `elunet plot <run…>`: charts of one or more run folders. */
import { writeRunPlots } from '../report/run-plots.js';
import { readRun } from '../run/folder.js';

export function plotCommand(runs: string[], opts: { out?: string; title?: string }): void {
  const files = writeRunPlots(runs.map(readRun), opts.out ?? runs[0], opts.title ?? '');
  console.log(`wrote ${files.join(', ')}`);
}
