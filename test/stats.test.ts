/**
 * src/stats: the signed-rank test, the Hodges–Lehmann interval, the verdict rule and paired timing.
 *
 * Where each reference number comes from (no SciPy on the machine this was written on, so no generated
 * fixture; every number below is published or worked by hand, and the null distribution is also checked
 * against a brute-force enumeration of all 2ⁿ sign vectors, an independent method):
 *   - Φ: Abramowitz & Stegun, Handbook of Mathematical Functions, Table 26.1, and the defining quantile
 *     Φ(−1.959963984540054) = 0.025.
 *   - critical values T such that P(T⁺ ≤ T) ≤ α (one-tailed α = .05, .025, .01, .005; n = 5 … 20): the
 *     standard published table (Wilcoxon, Katti & Wilcox 1963, reproduced in most statistics textbooks).
 *   - Darwin's Zea mays data (Fisher 1935), the example of SciPy's scipy.stats.wilcoxon documentation:
 *     d = 6, 8, 14, 16, 23, 24, 28, 29, 41, −48, 49, 56, 60, −67, 75 → statistic 24, two-sided exact
 *     p = 0.041259765625, alternative='greater' p = 0.0206298828125, method='approx' (no continuity
 *     correction) p = 0.04088813291185591.
 *   - Hollander & Wolfe's depression data, the example of R's wilcox.test (paired, alternative = "greater"):
 *     V = 40, p = 0.01953 (= 10/512); its 95 % Walsh interval [0.01, 0.786] and estimate 0.46 worked by hand
 *     below.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { erfc, normalCdf } from '../src/stats/normal.js';
import { midranks, signedRankNull, signedRankTest } from '../src/stats/signed-rank.js';
import { shiftInterval, signedRankCdf, walshAverages } from '../src/stats/hodges-lehmann.js';
import { combine, fmtP, pairedTest, testLine, type Outcome } from '../src/stats/paired.js';
import { interleavedRounds, ratioLine, ratioTest } from '../src/stats/timing.js';
import { Rng } from '../src/rng.js';

// ------------------------------------------------------------------ the normal distribution function

test('normalCdf: published values to 1e-13 relative, and erfc continuous where its two methods meet', () => {
  // A&S Table 26.1 (values given there to 15 digits); our branches are accurate to ~1e-14 relative
  const cases: [number, number][] = [
    [0, 0.5],
    [-1, 0.15865525393145707],
    [-2, 0.022750131948179195],
    [-3, 0.0013498980316301035],
    [-5, 2.866515718791939e-7],
    [1, 0.8413447460685429],
    [-1.959963984540054, 0.025],
  ];
  for (const [z, p] of cases) assert.ok(Math.abs(normalCdf(z) / p - 1) < 1e-13, `Φ(${z}) = ${normalCdf(z)}, expected ${p}`);
  // the series (x < 2) and the continued fraction (x ≥ 2) agree at the switch to 1e-13
  assert.ok(Math.abs(erfc(2 - 1e-13) / erfc(2) - 1) < 1e-12);
  assert.equal(erfc(-Infinity), 2);
  assert.equal(erfc(Infinity), 0);
});

// ------------------------------------------------------------------ signed-rank: exact distribution

/** Brute force: P(2T⁺ = s) by enumerating every sign vector of the given ranks. */
function enumerate(ranks: number[]): Map<number, number> {
  const n = ranks.length;
  const out = new Map<number, number>();
  for (let mask = 0; mask < 1 << n; mask++) {
    let t2 = 0;
    for (let i = 0; i < n; i++) if (mask & (1 << i)) t2 += Math.round(2 * ranks[i]);
    out.set(t2, (out.get(t2) ?? 0) + 1 / (1 << n));
  }
  return out;
}

test('signedRankNull equals a brute-force enumeration of all 2ⁿ sign vectors (n = 1 … 12, with and without ties)', () => {
  const cases: number[][] = [];
  for (let n = 1; n <= 12; n++) cases.push(Array.from({ length: n }, (_, i) => i + 1));
  cases.push(midranks([1, 1, 1, 2, 3]).ranks, midranks([0.5, 0.5, 2, 2, 2, 2, 7]).ranks, midranks([3, 1, 3, 1, 3, 9, 9, 4]).ranks);
  for (const ranks of cases) {
    const dp = signedRankNull(ranks);
    const bf = enumerate(ranks);
    for (let s = 0; s < dp.length; s++) assert.equal(dp[s], bf.get(s) ?? 0, `ranks ${ranks}: P(2T⁺ = ${s})`);
  }
});

test('critical values of the published table (one-tailed α = .05, .025, .01, .005; n = 5 … 20)', () => {
  // '-' = no value of T reaches that α
  const table: Record<number, (number | null)[]> = {
    5: [0, null, null, null], 6: [2, 0, null, null], 7: [3, 2, 0, null], 8: [5, 3, 1, 0], 9: [8, 5, 3, 1], 10: [10, 8, 5, 3],
    11: [13, 10, 7, 5], 12: [17, 13, 9, 7], 13: [21, 17, 12, 9], 14: [25, 21, 15, 12], 15: [30, 25, 19, 15],
    16: [35, 29, 23, 19], 17: [41, 34, 27, 23], 18: [47, 40, 32, 27], 19: [53, 46, 37, 32], 20: [60, 52, 43, 37],
  };
  const alphas = [0.05, 0.025, 0.01, 0.005];
  for (const [nText, row] of Object.entries(table)) {
    const cdf = signedRankCdf(Number(nText));
    row.forEach((crit, j) => {
      const a = alphas[j];
      if (crit === null) assert.ok(cdf[0] > a, `n = ${nText}: even T = 0 has P = ${cdf[0]} > ${a}`);
      else assert.ok(cdf[crit] <= a && cdf[crit + 1] > a, `n = ${nText}, α = ${a}: critical value ${crit} (P(T ≤ ${crit}) = ${cdf[crit]}, P(T ≤ ${crit + 1}) = ${cdf[crit + 1]})`);
    });
  }
});

test('exact p-values for n = 5, 6 and 10 (counts of sign vectors, by hand)', () => {
  // n = 5, all five differences positive: only the all-plus vector has T⁺ = 15 → one-sided 1/32, two-sided 1/16
  let r = signedRankTest([0.3, 0.1, 0.4, 0.2, 0.5]);
  assert.equal(r.tPlus, 15);
  assert.equal(r.pGreater, 1 / 32);
  assert.equal(r.pTwoSided, 1 / 16);
  assert.equal(r.pLess, 1);
  // n = 6, all positive: 1/64 one-sided, 1/32 = 0.03125 two-sided — the smallest n that can pass two-sided 0.05
  r = signedRankTest([1, 2, 3, 4, 5, 6]);
  assert.equal(r.pTwoSided, 1 / 32);
  // n = 6, ranks 1 and 2 negative: T⁻ = 3; sign vectors with T⁻ ≤ 3: {}, {1}, {2}, {3}, {1,2} = 5 → 5/64
  r = signedRankTest([-1, -2, 3, 4, 5, 6]);
  assert.equal(r.tMinus, 3);
  assert.equal(r.pGreater, 5 / 64);
  // n = 10, T⁻ = 8 (ranks 1, 3, 4 negative): subsets of 1 … 10 with sum ≤ 8 number 1+1+1+2+2+3+4+5+6 = 25 → 25/1024
  r = signedRankTest([-1, 2, -3, -4, 5, 6, 7, 8, 9, 10]);
  assert.equal(r.tMinus, 8);
  assert.equal(r.pGreater, 25 / 1024);
  assert.equal(r.pTwoSided, 50 / 1024);
  assert.equal(r.method, 'exact');
});

test('SciPy documentation example (Darwin): statistic 24, p = 0.041259765625; greater 0.0206298828125; approx 0.04088813291185591', () => {
  const d = [6, 8, 14, 16, 23, 24, 28, 29, 41, -48, 49, 56, 60, -67, 75];
  const r = signedRankTest(d);
  assert.equal(Math.min(r.tPlus, r.tMinus), 24);
  assert.equal(r.pTwoSided, 0.041259765625); // exact: 1352 / 32768
  assert.equal(r.pGreater, 0.0206298828125);
  const approx = signedRankTest(d, { method: 'normal', continuity: false });
  // SciPy's printed value; ours differs in the 15th digit (a different erfc implementation)
  assert.ok(Math.abs(approx.pTwoSided / 0.04088813291185591 - 1) < 1e-12, `approx p ${approx.pTwoSided}`);
  // with the continuity correction (our default for the approximation) the p-value is a little larger
  const cc = signedRankTest(d, { method: 'normal' });
  assert.ok(cc.pTwoSided > approx.pTwoSided);
  // z by hand: (96 − 60 − ½)/√(15·16·31/24) = 35.5/√310; the same double operations, so equal to rounding (1e-15)
  assert.ok(Math.abs(cc.pTwoSided - 2 * normalCdf(-35.5 / Math.sqrt(310))) < 1e-15);
});

test("R's wilcox.test example (Hollander & Wolfe depression data): V = 40, one-sided p = 10/512", () => {
  const x = [1.83, 0.5, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.3];
  const y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29];
  const d = x.map((v, i) => v - y[i]);
  const r = signedRankTest(d);
  assert.equal(r.tPlus, 40);
  assert.equal(r.pGreater, 10 / 512); // R prints 0.01953
  // Walsh averages by hand: sorted d = −0.147, −0.08, 0.01, 0.43, 0.49, 0.59, 0.62, 0.952, 1.022. For 95 %,
  // n = 9: the critical value 5 (table above) gives k = 6: the 6th smallest Walsh average is 0.01 (after
  // −0.147, −0.1135, −0.08, −0.0685, −0.035) and the 6th largest is 0.786 (after 1.022, 0.987, 0.952, 0.821,
  // 0.806); coverage 1 − 2·10/512.
  const ci = shiftInterval(d, 0.95);
  // the differences are decimal data minus decimal data: 1e-12 absorbs their binary rounding (~1e-16)
  assert.ok(Math.abs(ci.lower - 0.01) < 1e-12 && Math.abs(ci.upper - 0.786) < 1e-12, `[${ci.lower}, ${ci.upper}]`);
  assert.equal(ci.level, 1 - 20 / 512);
  assert.ok(Math.abs(ci.estimate - 0.46) < 1e-12, `HL ${ci.estimate}`); // 23rd of the 45 Walsh averages: (0.49 + 0.43)/2
  assert.ok(Math.abs(ci.median - 0.49) < 1e-12);
});

test('zeros are dropped (zero_method "wilcox"); ties get midranks and the exact conditional distribution', () => {
  const r = signedRankTest([0, 0, 1, 2, 3, 4, 5]);
  assert.equal(r.zeros, 2);
  assert.equal(r.nUsed, 5);
  assert.equal(r.pGreater, 1 / 32);
  // |d| = 1, 1, 1, 2, 3 → ranks 2, 2, 2, 4, 5; T⁺ = 2 + 2 + 4 + 5 = 13. Conditional null: T⁻ ∈ {0, 2, 4, …};
  // P(T⁻ ≤ 2) = P(no 2-rank negative, or exactly one of them and nothing else) = (1 + 3)/32 = 4/32
  const t = signedRankTest([1, 1, -1, 2, 3]);
  assert.equal(t.tPlus, 13);
  assert.equal(t.tied, true);
  assert.equal(t.pGreater, 4 / 32);
  // normal approximation with the tie correction: Var = 5·6·11/24 − (3³ − 3)/48 = 13.75 − 0.5 = 13.25
  const z = signedRankTest([1, 1, -1, 2, 3], { method: 'normal', continuity: false }).z!;
  assert.ok(Math.abs(z - (13 - 7.5) / Math.sqrt(13.25)) < 1e-15); // same operations in the same order: equal to rounding
  // all zero: nothing to test
  assert.equal(signedRankTest([0, 0, 0]).pTwoSided, 1);
  assert.throws(() => signedRankTest([1, NaN]), /NaN/);
});

test('exact and normal branches agree for n = 50 (to the approximation error, < 0.003 here)', () => {
  const rng = new Rng(4);
  const d = Array.from({ length: 50 }, () => rng.normal() + 0.3);
  const e = signedRankTest(d, { method: 'exact' });
  const a = signedRankTest(d, { method: 'normal' });
  assert.equal(signedRankTest(d).method, 'exact'); // the default switch is at n > 50
  assert.equal(signedRankTest([...d, 1.7]).method, 'normal');
  assert.ok(Math.abs(e.pTwoSided - a.pTwoSided) < 0.003, `exact ${e.pTwoSided} vs normal ${a.pTwoSided}`);
});

// ------------------------------------------------------------------ Hodges–Lehmann interval

test('shiftInterval: achieved levels for n = 5, 6, 10, and the widest interval when the nominal one is out of reach', () => {
  const d5 = [0.3, -0.1, 0.4, 0.2, 0.5];
  const i95 = shiftInterval(d5, 0.95);
  assert.equal(i95.reached, false); // n = 5: the best possible is 1 − 2/32 = 93.75 %
  assert.equal(i95.level, 1 - 2 / 32);
  assert.equal(i95.lower, -0.1);
  assert.equal(i95.upper, 0.5);
  const i90 = shiftInterval(d5, 0.9);
  assert.equal(i90.reached, true);
  assert.equal(i90.level, 1 - 2 / 32);
  // n = 6, 90 %: P(T ≤ 2) = 3/64 ≤ 0.05 < P(T ≤ 3) = 5/64, so k = 3: the 3rd smallest and 3rd largest of 21
  const d6 = [1, 2, 3, 4, 5, 6];
  const i6 = shiftInterval(d6, 0.9);
  assert.equal(i6.level, 1 - 6 / 64);
  const w6 = walshAverages(d6);
  assert.equal(w6.length, 21);
  assert.equal(i6.lower, w6[2]);
  assert.equal(i6.upper, w6[18]);
  // n = 10, 95 %: critical value 8 → k = 9, coverage 1 − 2·25/1024
  const i10 = shiftInterval(Array.from({ length: 10 }, (_, i) => i), 0.95);
  assert.equal(i10.level, 1 - 50 / 1024);
  // a diverged run gives an infinite difference; +∞ and −∞ average to 0
  assert.deepEqual(Array.from(walshAverages([Infinity, -Infinity])), [-Infinity, 0, Infinity]);
});

test('shiftInterval is the inversion of the test: lower bound > 0 exactly when the one-sided test (α = 0.05) rejects', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: -40, max: 40 }), { minLength: 5, maxLength: 14 }), (ints) => {
      // distinct non-zero magnitudes: no ties, no zeros (the setting in which the duality is exact)
      const d = ints.map((v, i) => (v === 0 ? 1 : v) * (1 + i * 1e-3) + (v >= 0 ? 1e-6 * i : -1e-6 * i));
      const ci = shiftInterval(d, 0.9);
      const t = signedRankTest(d);
      assert.equal(ci.lower > 0, t.pGreater < 0.05, `d = ${d}: lower ${ci.lower}, pGreater ${t.pGreater}`);
      assert.equal(ci.upper < 0, t.pLess < 0.05, `d = ${d}: upper ${ci.upper}, pLess ${t.pLess}`);
    }),
    { seed: 12, numRuns: 300 },
  );
});

// ------------------------------------------------------------------ the verdict rule

const five = (v: number[]) => v;

test('pairedTest: reproduced, contradicted, inconclusive and not comparable, each made to happen', () => {
  const relu = five([0.30, 0.32, 0.29, 0.35, 0.31]);
  // ELU lower in all five pairs: one-sided p = 1/32 < 0.05 → reproduced
  const rep = pairedTest('ELU vs ReLU', 'error', [0.2, 0.25, 0.22, 0.3, 0.21], relu, 'a<b');
  assert.equal(rep.outcome, 'reproduced');
  assert.equal(rep.pPaper, 1 / 32);
  assert.ok(rep.upper < 0, 'the interval lies on the paper’s side');
  // ELU higher in all five: contradicted
  const con = pairedTest('ELU vs ReLU', 'error', [0.4, 0.41, 0.39, 0.45, 0.42], relu, 'a<b');
  assert.equal(con.outcome, 'contradicted');
  assert.equal(con.pOther, 1 / 32);
  // mixed signs: inconclusive
  const inc = pairedTest('ELU vs ReLU', 'error', [0.2, 0.4, 0.22, 0.4, 0.3], relu, 'a<b');
  assert.equal(inc.outcome, 'inconclusive');
  assert.match(inc.why, /neither direction/);
  // four pairs that all agree: still inconclusive, and the report says why
  const four = pairedTest('ELU vs ReLU', 'error', [0.1, 0.1, 0.1, 0.1], relu, 'a<b');
  assert.equal(four.outcome, 'inconclusive');
  assert.equal(four.n, 4);
  assert.match(four.why, /fewer than 5: at best inconclusive.*1\/2\^4 = 0\.0625/);
  // the direction matters: 'a>b' turns the first case around
  assert.equal(pairedTest('x', 'q', [0.2, 0.25, 0.22, 0.3, 0.21], relu, 'a>b').outcome, 'contradicted');
  // no seed in common: not comparable
  const none = pairedTest('ELU vs ReLU', 'error', [0.2, 0.2], [undefined, undefined, 0.3], 'a<b');
  assert.equal(none.outcome, 'not comparable');
  assert.equal(none.n, 0);
  // pairing is by seed: run 2 missing from a leaves out its pair
  const gap = pairedTest('x', 'q', [1, 1, undefined, 1, 1, 1], [2, 2, 2, 2, 2, 2], 'a<b');
  assert.deepEqual(gap.seeds, [0, 1, 3, 4, 5]);
});

test('pairedTest: a diverged run counts as the worst value; two diverged runs are a zero difference', () => {
  // ELU diverged in every run (NaN): +∞ error, contradicting "ELU lower"
  assert.equal(pairedTest('x', 'q', [NaN, NaN, NaN, NaN, NaN], [1, 1, 1, 1, 1], 'a<b').outcome, 'contradicted');
  // both diverged in two of seven runs: those pairs are zeros, dropped; five remain, all favouring a
  const t = pairedTest('x', 'q', [NaN, 0.1, 0.1, NaN, 0.1, 0.1, 0.1], [NaN, 0.2, 0.2, NaN, 0.2, 0.2, 0.2], 'a<b');
  assert.equal(t.n, 7);
  assert.equal(t.nUsed, 5);
  assert.equal(t.outcome, 'reproduced');
  assert.match(testLine(t), /n = 7 \(2 zero\)/);
});

test('combine: intersection–union (all reproduced → reproduced; any contradicted wins; missing → not comparable)', () => {
  const c = (...o: Outcome[]) => combine(o);
  assert.equal(c('reproduced', 'reproduced'), 'reproduced');
  assert.equal(c('reproduced', 'inconclusive'), 'inconclusive');
  assert.equal(c('reproduced', 'contradicted', 'not comparable'), 'contradicted');
  assert.equal(c('reproduced', 'not comparable'), 'not comparable');
  assert.equal(c(), 'not comparable');
});

test('testLine carries n, p and the effect with its interval', () => {
  const t = pairedTest('ELU vs ReLU', 'error', [0.2, 0.25, 0.22, 0.3, 0.21], [0.3, 0.32, 0.29, 0.35, 0.31], 'a<b');
  const line = testLine(t);
  assert.match(line, /^ELU vs ReLU: n = 5, one-sided p = 0\.0313 \(two-sided 0\.0625\), median Δ = −0\.0700, HL −0\.0750, 93\.8 % CI \[−0\.100, −0\.0500\] → reproduced$/);
  assert.equal(fmtP(0.041259765625), '0.0413');
  assert.equal(fmtP(1), '1');
});

// ------------------------------------------------------------------ paired timing

test('interleavedRounds runs ABBA then BAAB, and a linear drift in machine speed cancels within each round', () => {
  const calls: string[] = [];
  let clock = 0;
  // the machine slows down linearly with every call; A costs 1.05 × B at any moment
  const cost = (base: number) => base * (1 + 0.01 * clock++);
  const r = interleavedRounds(3, () => (calls.push('A'), cost(1.05)), () => (calls.push('B'), cost(1)));
  assert.equal(calls.join(''), 'ABBABAABABBA');
  // exact cancellation in real arithmetic; 1e-12 allows for the rounding of a few products
  for (let i = 0; i < 3; i++) assert.ok(Math.abs(r.a[i] / r.b[i] - 1.05) < 1e-12, `round ${i}: ratio ${r.a[i] / r.b[i]}`);
});

test('ratioTest: within the margin, above it, undecided, too few rounds, and unusable timings', () => {
  const rng = new Rng(9);
  const rounds = (ratio: number, noise: number, n = 12) => {
    const b = Array.from({ length: n }, () => 2 + rng.uniform());
    return { a: b.map((v) => v * ratio * (1 + noise * (rng.uniform() - 0.5))), b };
  };
  const margin = 12.15 / 11.48;
  const within = ratioTest('ELU / ReLU', rounds(1.01, 0.02), margin);
  assert.equal(within.outcome, 'reproduced');
  assert.ok(within.upper < margin && within.lower < 1.02 && within.upper > 1.0);
  const above = ratioTest('ELU / ReLU', rounds(1.2, 0.02), margin);
  assert.equal(above.outcome, 'contradicted');
  assert.ok(above.lower > margin);
  // rounds that scatter ±25 % around the margin: the interval straddles it
  const wide = ratioTest('ELU / ReLU', rounds(margin, 0.5), margin);
  assert.equal(wide.outcome, 'inconclusive');
  assert.ok(wide.lower < margin && wide.upper > margin);
  assert.equal(ratioTest('ELU / ReLU', rounds(1.0, 0.01, 4), margin).outcome, 'inconclusive');
  assert.equal(ratioTest('ELU / ReLU', { a: [1, 0], b: [1, 1] }, margin).outcome, 'not comparable');
  assert.match(ratioLine(within), /^ELU \/ ReLU: n = 12 rounds, one-sided p = [0-9.e-]+ \(ratio < 1\.0584\), ratio 1\.01\d*/);
});
