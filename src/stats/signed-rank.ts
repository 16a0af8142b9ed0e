/**
 * Wilcoxon's signed-rank test for paired differences d₁ … dₙ (run k of setting A minus run k of setting B).
 *
 *   zeros     dropped (SciPy's default zero_method='wilcox', Wilcoxon's own rule); n′ = the non-zero count
 *   ranks     rᵢ = rank of |dᵢ| among the n′ non-zero |d|, tied |d| getting the mean of their ranks (midranks)
 *   statistic T⁺ = Σ_{dᵢ > 0} rᵢ          (T⁻ = n′(n′+1)/2 − T⁺)
 *   H₀        the dᵢ are symmetric about 0, so each rank carries a + or − sign with probability ½, independently
 *
 * Exact (n′ ≤ 50, the default): the null distribution of T⁺ is the distribution of Σ sᵢ·rᵢ over the 2^n′
 * equally likely sign vectors s ∈ {0,1}^n′, computed by a knapsack recursion over the ranks (doubled, so
 * midranks are integers too). With ties this is the exact distribution *given the tied ranks* (the
 * permutation distribution); SciPy instead switches to the normal approximation when it sees ties. For
 * n′ ≤ 50 every probability is a multiple of 2^−n′ with an integer count below 2^53, so the recursion on
 * probabilities (halving at every rank) is exact in double precision.
 *
 * Normal approximation (n′ > 50, or method 'normal'):
 *   E[T⁺] = n′(n′+1)/4      Var[T⁺] = n′(n′+1)(2n′+1)/24 − Σ_groups (t³ − t)/48   (t = size of a tie group)
 *   z = (T⁺ − E ∓ ½) / √Var, with the continuity correction ½ taken towards the mean when `continuity`
 *   (the default here; SciPy's default is without it).
 *
 * One-sided p-values in both directions and the two-sided p = min(1, 2·min(one-sided)) (SciPy's and R's
 * convention for the exact test).
 */
import { normalCdf } from './normal.js';

export type RankMethod = 'exact' | 'normal';

export interface SignedRankResult {
  /** differences given */
  n: number;
  /** differences that were exactly zero (dropped) */
  zeros: number;
  /** non-zero differences: the n′ the test runs on */
  nUsed: number;
  /** whether any |d| are tied (midranks used) */
  tied: boolean;
  /** sum of the (mid)ranks of the positive differences, and of the negative ones */
  tPlus: number;
  tMinus: number;
  method: RankMethod;
  /** P(T⁺ ≥ observed) under H₀: small when the differences tend to be positive */
  pGreater: number;
  /** P(T⁺ ≤ observed) under H₀: small when the differences tend to be negative */
  pLess: number;
  /** min(1, 2·min(pGreater, pLess)) */
  pTwoSided: number;
  /** the standardized statistic, for the normal approximation */
  z?: number;
}

/** Up to this many non-zero differences the test is exact by default. */
export const EXACT_MAX_N = 50;

/** Midranks (1-based; ties share the mean of their ranks) of non-negative values; +∞ allowed. */
export function midranks(values: readonly number[]): { ranks: number[]; tieSizes: number[] } {
  const order = values.map((v, i) => i).sort((i, j) => values[i] - values[j] || i - j);
  const ranks = new Array<number>(values.length);
  const tieSizes: number[] = [];
  for (let s = 0; s < order.length; ) {
    let e = s + 1;
    // equal values, +∞ included (∞ − ∞ is NaN, so compare with ===)
    while (e < order.length && values[order[e]] === values[order[s]]) e++;
    const r = (s + 1 + e) / 2; // mean of the ranks s+1 … e
    for (let k = s; k < e; k++) ranks[order[k]] = r;
    if (e - s > 1) tieSizes.push(e - s);
    s = e;
  }
  return { ranks, tieSizes };
}

/**
 * Null distribution of the signed-rank statistic for the given ranks: prob[t2] = P(2·T⁺ = t2), t2 = 0 …
 * 2·Σr. Ranks must be multiples of ½ (midranks are).
 */
export function signedRankNull(ranks: readonly number[]): Float64Array {
  const doubled = ranks.map((r) => Math.round(2 * r));
  const total = doubled.reduce((a, b) => a + b, 0);
  const prob = new Float64Array(total + 1);
  prob[0] = 1;
  let reach = 0; // largest reachable doubled sum so far
  for (const r of doubled) {
    reach += r;
    // each rank is + (adds r) or − (adds 0) with probability ½; go downwards so prob[s − r] is still the old value
    for (let s = reach; s >= 0; s--) prob[s] = 0.5 * (prob[s] + (s >= r ? prob[s - r] : 0));
  }
  return prob;
}

/**
 * The test. `d` must not contain NaN (map a diverged run to ±∞ first: it then gets the largest rank).
 * method: 'exact' up to EXACT_MAX_N non-zero differences, else 'normal', unless forced.
 */
export function signedRankTest(
  d: readonly number[],
  opts: { method?: 'auto' | RankMethod; continuity?: boolean } = {},
): SignedRankResult {
  for (const v of d) if (Number.isNaN(v)) throw new RangeError('signedRankTest: a difference is NaN; map diverged runs to ±Infinity first');
  const nz = d.filter((v) => v !== 0);
  const n = nz.length;
  const zeros = d.length - n;
  if (n === 0) {
    return { n: d.length, zeros, nUsed: 0, tied: false, tPlus: 0, tMinus: 0, method: 'exact', pGreater: 1, pLess: 1, pTwoSided: 1 };
  }
  const { ranks, tieSizes } = midranks(nz.map(Math.abs));
  let tPlus = 0;
  for (let i = 0; i < n; i++) if (nz[i] > 0) tPlus += ranks[i];
  const sumRanks = (n * (n + 1)) / 2;
  const tMinus = sumRanks - tPlus;
  const method: RankMethod = opts.method === 'exact' || opts.method === 'normal' ? opts.method : n <= EXACT_MAX_N ? 'exact' : 'normal';
  const base = { n: d.length, zeros, nUsed: n, tied: tieSizes.length > 0, tPlus, tMinus, method };
  if (method === 'exact') {
    const prob = signedRankNull(ranks);
    const t2 = Math.round(2 * tPlus);
    let pLess = 0;
    for (let s = 0; s <= t2; s++) pLess += prob[s];
    let pGreater = 0;
    for (let s = t2; s < prob.length; s++) pGreater += prob[s];
    pLess = Math.min(1, pLess);
    pGreater = Math.min(1, pGreater);
    return { ...base, pGreater, pLess, pTwoSided: Math.min(1, 2 * Math.min(pGreater, pLess)) };
  }
  const mean = sumRanks / 2;
  const variance = (n * (n + 1) * (2 * n + 1)) / 24 - tieSizes.reduce((a, t) => a + (t * t * t - t), 0) / 48;
  const sd = Math.sqrt(variance);
  const cc = opts.continuity === false ? 0 : 0.5;
  const z = (tPlus - mean) / sd;
  const pGreater = sd > 0 ? normalCdf(-(tPlus - mean - cc) / sd) : tPlus >= mean ? 1 : 0;
  const pLess = sd > 0 ? normalCdf((tPlus - mean + cc) / sd) : tPlus <= mean ? 1 : 0;
  return { ...base, z, pGreater: Math.min(1, pGreater), pLess: Math.min(1, pLess), pTwoSided: Math.min(1, 2 * Math.min(pGreater, pLess)) };
}
