/**
 * What every experiment report needs from its runs: one number per run, indexed by seed (for the paired
 * tests of claims.ts), and the command that reproduces the report, printed at its top.
 */
import { join } from 'node:path';
import type { EpochMetrics } from '../train/loop.js';
import { meanStd } from '../stats/summary.js';
import { commandLine, type ExperimentOptions, type RunOutcome } from './common.js';

/**
 * values[k] = pick(history of run k of `setting`): undefined when there is no run k, NaN when it diverged or
 * recorded no epoch (claims.ts counts NaN as the worst value).
 */
export function perRun(outcomes: readonly RunOutcome[], setting: string, pick: (h: EpochMetrics[]) => number): (number | undefined)[] {
  const out: (number | undefined)[] = [];
  for (const r of outcomes) {
    if (r.setting !== setting) continue;
    out[r.run] = r.diverged || r.history.length === 0 ? NaN : pick(r.history);
  }
  return out;
}

/** Mean of one metric over a run's epochs. */
export const meanOver = (h: EpochMetrics[], pick: (m: EpochMetrics) => number): number => meanStd(h.map(pick)).mean;

/** The metric after the last epoch. */
export const last = (h: EpochMetrics[], pick: (m: EpochMetrics) => number): number => pick(h[h.length - 1]);

/**
 * The command that re-creates this report: `elunet experiment <name> --scale … [--runs …] [--epochs …]
 * [--data …] [--out …]` (--out only when it is not the default reports/<name>; the worker count is left out
 * because it does not change any number).
 */
export function reproduceCommand(o: ExperimentOptions): string {
  const out = o.out !== join('reports', o.name) ? ` --out ${o.out}` : '';
  return `${commandLine(o)}${out}`;
}

/** The line under a report's title. */
export function reproduceLine(o: ExperimentOptions, sameNumbers = true): string {
  return `Reproduce with \`${reproduceCommand(o)}\`${sameNumbers ? ' (same seeds: the same numbers on any machine and with any number of workers; only the times differ)' : ''}.`;
}
