/**
 * What every experiment report needs from its runs: one number per run, indexed by seed, for the paired
 * tests of claims.ts.
 */
import type { EpochMetrics } from '../train/loop.js';
import { meanStd } from '../stats/summary.js';
import type { RunOutcome } from './common.js';

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
