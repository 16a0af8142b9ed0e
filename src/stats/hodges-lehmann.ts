/**
 * The effect size that goes with the signed-rank test: the Hodges–Lehmann estimate of the shift and its
 * exact, distribution-free confidence interval from the Walsh averages (Hodges & Lehmann 1963; Hollander &
 * Wolfe, Nonparametric Statistical Methods; the interval R's wilcox.test(conf.int = TRUE) reports in the
 * exact case).
 *
 *   Walsh averages   W_ij = (d_i + d_j) / 2   for all i ≤ j          (M = n(n+1)/2 of them, sorted W₍₁₎ ≤ … ≤ W₍M₎)
 *   estimate         HL = median of the Walsh averages
 *   interval         [W₍k₎, W₍M+1−k₎]  with k − 1 the largest t such that P(T⁺ ≤ t) ≤ (1 − level)/2 under H₀
 *
 * Why it matches the test: the number of Walsh averages above a value θ is the signed-rank statistic of the
 * shifted differences d − θ, so the interval is exactly the set of shifts θ that the test at that level does
 * not reject (its lower bound is > 0 exactly when the one-sided test towards positive rejects).
 *
 * The interval uses all n differences (a difference of exactly 0 is evidence of no shift, so it stays), and
 * the tie-free null distribution of n ranks. Because T⁺ is discrete the achieved confidence is generally
 * above the nominal one; it is returned. For small n no interval reaches the nominal level: with n = 5 the
 * widest one, [min d, max d], covers 1 − 2/2⁵ = 93.75 %, so a nominal 95 % cannot be had, and with n ≤ 4 not
 * even 90 %. Then the widest interval is returned with its achieved level and `reached` = false.
 *
 * A difference of ±∞ (one run of the pair diverged) stays infinite in its Walsh averages; +∞ and −∞ average
 * to 0.
 */
import { signedRankNull } from './signed-rank.js';

export interface ShiftInterval {
  /** median of the differences themselves */
  median: number;
  /** Hodges–Lehmann estimate: median of the Walsh averages */
  estimate: number;
  lower: number;
  upper: number;
  /** achieved confidence of [lower, upper] */
  level: number;
  /** the level asked for */
  nominal: number;
  /** whether `level` ≥ `nominal` */
  reached: boolean;
}

const walsh = (a: number, b: number): number => (a === -b ? 0 : (a + b) / 2);

/** The n(n+1)/2 Walsh averages, sorted ascending. */
export function walshAverages(d: readonly number[]): Float64Array {
  const n = d.length;
  const w = new Float64Array((n * (n + 1)) / 2);
  let k = 0;
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) w[k++] = walsh(d[i], d[j]);
  return w.sort();
}

/** Median of a sorted array (NaN when empty). */
export function sortedMedian(s: ArrayLike<number>): number {
  const n = s.length;
  if (n === 0) return NaN;
  return n % 2 ? s[(n - 1) >> 1] : walsh(s[n / 2 - 1], s[n / 2]);
}


/** P(T⁺ ≤ t) for t = 0 … n(n+1)/2, no ties. */
export function signedRankCdf(n: number): Float64Array {
  const prob = signedRankNull(Array.from({ length: n }, (_, i) => i + 1)); // indexed by 2·T⁺
  const m = (n * (n + 1)) / 2;
  const cdf = new Float64Array(m + 1);
  let acc = 0;
  for (let t = 0; t <= m; t++) {
    acc += prob[2 * t];
    cdf[t] = Math.min(1, acc);
  }
  return cdf;
}

/** HL estimate and the exact Walsh-average interval at confidence `nominal` (default 0.90; see paired.ts). */
export function shiftInterval(d: readonly number[], nominal = 0.9): ShiftInterval {
  if (!(nominal > 0 && nominal < 1)) throw new RangeError(`shiftInterval: confidence must be in (0, 1), got ${nominal}`);
  for (const v of d) if (Number.isNaN(v)) throw new RangeError('shiftInterval: a difference is NaN; map diverged runs to ±Infinity first');
  const n = d.length;
  if (n === 0) return { median: NaN, estimate: NaN, lower: NaN, upper: NaN, level: 0, nominal, reached: false };
  const w = walshAverages(d);
  const m = w.length;
  const cdf = signedRankCdf(n);
  const tail = (1 - nominal) / 2;
  let k = 1; // the interval [W₍k₎, W₍M+1−k₎]; k = 1 is the widest
  // a tiny allowance so that a tail probability equal to (1 − nominal)/2 up to rounding counts as inside
  while (k - 1 < m && cdf[k - 1] <= tail * (1 + 1e-12)) k++;
  if (k > 1) k--; // the last k whose P(T⁺ ≤ k − 1) is still within the tail
  const level = 1 - 2 * cdf[k - 1];
  return {
    median: sortedMedian(Float64Array.from(d).sort()),
    estimate: sortedMedian(w),
    lower: w[k - 1],
    upper: w[m - k],
    level,
    nominal,
    reached: level >= nominal - 1e-12,
  };
}
