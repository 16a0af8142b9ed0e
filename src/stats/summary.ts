/**
 * The summary statistics of a list of numbers, written once: the mean and the sample standard deviation
 * (runs of an experiment, bands of a chart, benchmark rounds) and the median (the paper's Fig. 2 quantity,
 * medians over runs, speed-ups over rounds).
 *
 *   mean = (1/n) Σ vᵢ        std = √( Σ (vᵢ − mean)² / (n − 1) )   (0 for fewer than two values)
 *
 * Plain definitions: a NaN among the values makes the result NaN. A caller that leaves diverged runs out
 * filters them first and says so.
 */

/** Mean and sample standard deviation (n − 1 in the denominator); the mean of no values is NaN. */
export function meanStd(values: ArrayLike<number>): { mean: number; std: number } {
  const n = values.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i];
  const mean = sum / n;
  if (n < 2) return { mean, std: 0 };
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = values[i] - mean;
    ss += d * d;
  }
  return { mean, std: Math.sqrt(ss / (n - 1)) };
}

/** The middle value (the mean of the two middle values for an even count); NaN for no values. */
export function median(values: ArrayLike<number>): number {
  if (values.length === 0) return NaN;
  const s = Array.from(values).sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Column by column over a runs × epochs matrix (rows cut to the shortest): mean, sample std and median. */
export function columnStats(rows: ArrayLike<number>[]): { mean: number[]; std: number[]; median: number[] } {
  const len = rows.length ? Math.min(...rows.map((r) => r.length)) : 0;
  const out = { mean: [] as number[], std: [] as number[], median: [] as number[] };
  for (let e = 0; e < len; e++) {
    const column = rows.map((r) => r[e]);
    const m = meanStd(column);
    out.mean.push(m.mean);
    out.std.push(m.std);
    out.median.push(median(column));
  }
  return out;
}
