/**
 * Timing two variants (ELU and ReLU) so that their ratio comes with an honest interval.
 *
 * Measurement: interleaved, paired rounds in one process on one machine. Round r times A, B, B, A (even r)
 * or B, A, A, B (odd r) and keeps the mean of each variant's two timings. A load or clock change that drifts
 * linearly through a round hits both variants equally, and neither variant is always first. Each round gives
 * one ratio ρ_r = Ā_r / B̄_r; the rounds are the pairs.
 *
 * Estimate: the log ratios ℓ_r = ln ρ_r go through the same machinery as every other paired claim
 * (signed-rank.ts, hodges-lehmann.ts): the ratio is exp(HL of ℓ) and its interval exp of the exact
 * Walsh-average interval of ℓ (90 %, i.e. one-sided 95 % bounds). Log ratios make "A is 5 % slower" and
 * "B is 5 % faster" the same size, and a multiplicative load factor that hits both variants of a round
 * cancels.
 *
 * Claim "A costs at most m × B" (m = 1.0584 for the paper's 12.15 h vs 11.48 h): the one-sided signed-rank
 * test of ℓ_r − ln m < 0. Reproduced when p < 0.05 (equivalently the upper bound of the interval is below
 * m), contradicted when the test in the other direction rejects (the lower bound is above m), inconclusive
 * otherwise and always with fewer than 5 rounds.
 */
import { signedRankTest } from './signed-rank.js';
import { shiftInterval } from './hodges-lehmann.js';
import { ALPHA, INTERVAL_LEVEL, MIN_PAIRS, fmtNum, fmtP, type Outcome } from './paired.js';

/** Per-round means of A's and B's timings (seconds, or whatever `run` returns). */
export interface Rounds {
  a: number[];
  b: number[];
}

/**
 * `rounds` interleaved rounds (ABBA, BAAB, ABBA, …) of `runA` and `runB`, each returning the time of one
 * measurement. `onRound(r, aMean, bMean)` is called after each round (progress).
 */
export function interleavedRounds(rounds: number, runA: () => number, runB: () => number, onRound?: (r: number, a: number, b: number) => void): Rounds {
  const a: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let ta = 0;
    let tb = 0;
    if (r % 2 === 0) {
      ta += runA();
      tb += runB();
      tb += runB();
      ta += runA();
    } else {
      tb += runB();
      ta += runA();
      ta += runA();
      tb += runB();
    }
    a.push(ta / 2);
    b.push(tb / 2);
    onRound?.(r, ta / 2, tb / 2);
  }
  return { a, b };
}

export interface RatioTest {
  label: string;
  /** the claimed bound m on A / B */
  margin: number;
  n: number;
  /** per-round ratios A / B */
  ratios: number[];
  /** exp(HL of the log ratios), and the median ratio */
  estimate: number;
  median: number;
  lower: number;
  upper: number;
  level: number;
  /** one-sided p of "A/B < m", and of "A/B > m" */
  pBelow: number;
  pAbove: number;
  outcome: Outcome;
  why: string;
}

/** The ratio of paired timings and the verdict on "A / B ≤ margin". */
export function ratioTest(label: string, r: Rounds, margin: number): RatioTest {
  const n = Math.min(r.a.length, r.b.length);
  const ratios: number[] = [];
  for (let i = 0; i < n; i++) ratios.push(r.a[i] / r.b[i]);
  const ok = ratios.every((x) => Number.isFinite(x) && x > 0);
  if (n === 0 || !ok) {
    return {
      label, margin, n, ratios, estimate: NaN, median: NaN, lower: NaN, upper: NaN, level: 0, pBelow: NaN, pAbove: NaN,
      outcome: 'not comparable', why: n === 0 ? 'no timing rounds' : 'a timing is zero, negative or not finite',
    };
  }
  const logs = ratios.map(Math.log);
  const ci = shiftInterval(logs, INTERVAL_LEVEL);
  const t = signedRankTest(logs.map((l) => l - Math.log(margin)));
  const pct = (x: number) => `${x >= 1 ? '+' : '−'}${(100 * Math.abs(x - 1)).toFixed(1)} %`;
  let outcome: Outcome;
  let why: string;
  if (t.nUsed < MIN_PAIRS) {
    outcome = 'inconclusive';
    why = `only ${t.nUsed} round(s): below ${MIN_PAIRS} no one-sided p can fall below ${ALPHA}`;
  } else if (t.pLess < ALPHA) {
    outcome = 'reproduced';
    why = `the ratio is below ${margin.toFixed(4)} (${pct(margin)}): one-sided p = ${fmtP(t.pLess)}, upper bound ${pct(Math.exp(ci.upper))}`;
  } else if (t.pGreater < ALPHA) {
    outcome = 'contradicted';
    why = `the ratio is above ${margin.toFixed(4)} (${pct(margin)}): one-sided p = ${fmtP(t.pGreater)}, lower bound ${pct(Math.exp(ci.lower))}`;
  } else {
    outcome = 'inconclusive';
    why = `the interval [${pct(Math.exp(ci.lower))}, ${pct(Math.exp(ci.upper))}] contains the claimed bound ${pct(margin)}: this measurement cannot tell`;
  }
  return {
    label, margin, n, ratios, estimate: Math.exp(ci.estimate), median: Math.exp(ci.median), lower: Math.exp(ci.lower), upper: Math.exp(ci.upper), level: ci.level,
    pBelow: t.pLess, pAbove: t.pGreater, outcome, why,
  };
}

/** "ELU / ReLU: n = 12 rounds, one-sided p = 0.0002 (ratio < 1.0584), ratio 1.012, 90.8 % CI [0.998, 1.027] → reproduced" */
export function ratioLine(t: RatioTest): string {
  if (t.outcome === 'not comparable') return `${t.label}: n = ${t.n} → not comparable (${t.why})`;
  return `${t.label}: n = ${t.n} rounds, one-sided p = ${fmtP(t.pBelow)} (ratio < ${t.margin.toFixed(4)}), ` +
    `ratio ${fmtNum(t.estimate, 4)} (median ${fmtNum(t.median, 4)}), ${(100 * t.level).toFixed(1)} % CI [${fmtNum(t.lower, 4)}, ${fmtNum(t.upper, 4)}] → ${t.outcome}`;
}
