/**
 * A paper claim about two settings, decided from paired runs.
 *
 * Run k of every setting of an experiment uses seed k: the same initial weights (weight tensor j is drawn
 * from keyedRng(seed, j) whatever the activation or batch norm), the same mini-batch order
 * (keyedRng(seed, 0x5348, epoch)) and the same dropout and augmentation draws (keyedRng(seed, step, sample)).
 * So a[k] − b[k] compares two settings with everything else held fixed, and the pairs are independent across k.
 *
 * The rule (docs/reproduction.md, "How a verdict is decided"):
 *   d_k = a[k] − b[k]            over the seeds present in both (a missing run is left out; a diverged run,
 *                                NaN or ±∞, counts as the worst value, +∞ for the lower-is-better quantities here)
 *   test                         Wilcoxon signed-rank (signed-rank.ts): exact, zeros dropped, midranks
 *   reproduced                   one-sided p in the paper's direction < α = 0.05
 *   contradicted                 one-sided p in the other direction < α
 *   inconclusive                 neither; always when fewer than 5 pairs (with 4 pairs the smallest one-sided
 *                                p is 1/16 = 0.0625, the smallest two-sided 0.125)
 *   not comparable               no pairs at all (a setting is missing)
 *   effect                       median of d, Hodges–Lehmann estimate, and the exact Walsh-average interval at
 *                                90 % (its bounds are the one-sided 95 % bounds: the interval lies wholly on
 *                                the paper's side exactly when the one-sided test in that direction rejects)
 *
 * A claim made of several comparisons (ELU below each of ReLU and LReLU, at every learning rate …) is
 * reproduced only when every comparison is (the intersection–union test: each part at level α gives the
 * conjunction level α without a multiplicity correction), contradicted when any part is contradicted, not
 * comparable when any part is, and inconclusive otherwise.
 */
import { signedRankTest, type RankMethod } from './signed-rank.js';
import { shiftInterval } from './hodges-lehmann.js';

export type Outcome = 'reproduced' | 'contradicted' | 'inconclusive' | 'not comparable';
export const OUTCOMES: readonly Outcome[] = ['reproduced', 'contradicted', 'inconclusive', 'not comparable'];

/** Significance level of every one-sided test. */
export const ALPHA = 0.05;
/** Below this many pairs no verdict other than inconclusive (or not comparable) is given. */
export const MIN_PAIRS = 5;
/** Confidence of the reported interval: two-sided 90 % = one-sided 95 % bounds, matching one-sided α = 0.05. */
export const INTERVAL_LEVEL = 1 - 2 * ALPHA;

/** The sign of a − b that the paper's claim predicts. */
export type Direction = 'a<b' | 'a>b';

export interface PairedTest {
  /** e.g. 'ELU vs ReLU' */
  label: string;
  /** what a and b are, e.g. 'time-averaged |median unit activation|' */
  quantity: string;
  expect: Direction;
  /** seeds (run indices) present in both settings, and the paired values */
  seeds: number[];
  a: number[];
  b: number[];
  /** a − b per seed (±∞ where one run diverged, 0 where both did) */
  diffs: number[];
  n: number;
  /** pairs with a non-zero difference */
  nUsed: number;
  method: RankMethod;
  /** one-sided p in the paper's direction, in the other, and two-sided */
  pPaper: number;
  pOther: number;
  pTwoSided: number;
  median: number;
  estimate: number;
  lower: number;
  upper: number;
  /** achieved confidence of [lower, upper] */
  level: number;
  outcome: Outcome;
  /** why this outcome, in words */
  why: string;
}

/** A diverged or missing-valued run is the worst: +∞ (every quantity compared here is lower-is-better). */
const worst = (v: number): number => (Number.isFinite(v) ? v : v === -Infinity ? -Infinity : Infinity);

/** a − b where both may be +∞ (both diverged: no difference between them). */
function diff(a: number, b: number): number {
  if (a === b) return 0; // also ∞ − ∞
  return a - b;
}

/**
 * One comparison. a[k], b[k]: the value of run k (seed k) in each setting; undefined = no such run.
 * `expect` is the sign of a − b that the paper predicts.
 */
export function pairedTest(
  label: string,
  quantity: string,
  a: readonly (number | undefined)[],
  b: readonly (number | undefined)[],
  expect: Direction,
  opts: { alpha?: number; minPairs?: number } = {},
): PairedTest {
  const alpha = opts.alpha ?? ALPHA;
  const minPairs = opts.minPairs ?? MIN_PAIRS;
  const seeds: number[] = [];
  const av: number[] = [];
  const bv: number[] = [];
  for (let k = 0; k < Math.max(a.length, b.length); k++) {
    const x = a[k];
    const y = b[k];
    if (x === undefined || y === undefined) continue;
    seeds.push(k);
    av.push(worst(x));
    bv.push(worst(y));
  }
  const diffs = av.map((x, i) => diff(x, bv[i]));
  const n = diffs.length;
  const base = { label, quantity, expect, seeds, a: av, b: bv, diffs, n };
  if (n === 0) {
    return {
      ...base, nUsed: 0, method: 'exact', pPaper: NaN, pOther: NaN, pTwoSided: NaN, median: NaN, estimate: NaN, lower: NaN, upper: NaN, level: 0,
      outcome: 'not comparable', why: 'no seed has a run of both settings',
    };
  }
  const t = signedRankTest(diffs);
  const ci = shiftInterval(diffs, INTERVAL_LEVEL);
  const pPaper = expect === 'a<b' ? t.pLess : t.pGreater;
  const pOther = expect === 'a<b' ? t.pGreater : t.pLess;
  let outcome: Outcome;
  let why: string;
  const want = expect === 'a<b' ? 'lower' : 'higher';
  if (t.nUsed < minPairs) {
    outcome = 'inconclusive';
    why = t.nUsed === 0
      ? `all ${n} paired differences are 0`
      : `only ${t.nUsed} pair(s) with a difference, fewer than ${minPairs}: at best inconclusive ` +
        `(the smallest possible one-sided p is 1/2^${t.nUsed} = ${fmtP(0.5 ** t.nUsed)})`;
  } else if (pPaper < alpha) {
    outcome = 'reproduced';
    why = `${want} as the paper says, one-sided p = ${fmtP(pPaper)} < ${alpha}`;
  } else if (pOther < alpha) {
    outcome = 'contradicted';
    why = `significantly ${expect === 'a<b' ? 'higher' : 'lower'}, against the paper: one-sided p = ${fmtP(pOther)} < ${alpha}`;
  } else {
    outcome = 'inconclusive';
    why = `neither direction significant (p = ${fmtP(pPaper)} for ${want}, ${fmtP(pOther)} against)`;
  }
  return { ...base, nUsed: t.nUsed, method: t.method, pPaper, pOther, pTwoSided: t.pTwoSided, median: ci.median, estimate: ci.estimate, lower: ci.lower, upper: ci.upper, level: ci.level, outcome, why };
}

/** The outcome of a conjunction of comparisons (intersection–union; see the header). */
export function combine(parts: readonly Outcome[]): Outcome {
  if (parts.length === 0) return 'not comparable';
  if (parts.includes('contradicted')) return 'contradicted';
  if (parts.includes('not comparable')) return 'not comparable';
  if (parts.every((p) => p === 'reproduced')) return 'reproduced';
  return 'inconclusive';
}

/** A p-value with three significant digits ("0.0312", "1", "< 1e-6"). */
export function fmtP(p: number): string {
  if (!Number.isFinite(p)) return '–';
  if (p >= 0.9995) return '1';
  if (p < 1e-6) return '< 1e-6';
  return p.toPrecision(3).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
}

/** A number with `sig` significant digits; ±∞ shown as 'diverged' (one side of the pair diverged). */
export function fmtNum(v: number, sig = 3): string {
  if (Number.isNaN(v)) return '–';
  if (v === Infinity) return '+∞ (diverged)';
  if (v === -Infinity) return '−∞ (diverged)';
  if (v === 0) return '0';
  const a = Math.abs(v);
  const s = a >= 1e5 || a < 1e-4 ? v.toExponential(sig - 1) : v.toPrecision(sig);
  return s.replaceAll('-', '−'); // the sign and an exponent's sign: '−3.3e−16'
}

/**
 * The verdict line of one comparison: every line carries n, p and the effect with its interval, e.g.
 * "ELU vs ReLU: n = 5, one-sided p = 0.0312 (two-sided 0.0625), median Δ = −0.21, HL −0.2, 93.8 % CI [−0.26, −0.15] → reproduced"
 */
export function testLine(t: PairedTest): string {
  if (t.n === 0) return `${t.label}: n = 0 → ${t.outcome} (${t.why})`;
  const ci = `${(100 * t.level).toFixed(1)} % CI [${fmtNum(t.lower)}, ${fmtNum(t.upper)}]`;
  return `${t.label}: n = ${t.n}${t.nUsed < t.n ? ` (${t.n - t.nUsed} zero)` : ''}, one-sided p = ${fmtP(t.pPaper)} (two-sided ${fmtP(t.pTwoSided)}), ` +
    `median Δ = ${fmtNum(t.median)}, HL ${fmtNum(t.estimate)}, ${ci} → ${t.outcome}`;
}
