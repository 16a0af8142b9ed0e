/** `elunet plot <run…>`: charts of one or more run folders. */
import { writeRunPlots } from '../report/run-plots.js';

export function plotCommand(runs: string[], opts: { out?: string; title?: string }): void {
  const files = writeRunPlots(runs, opts.out ?? runs[0], opts.title ?? '');
  console.log(`wrote ${files.join(', ')}`);
}
