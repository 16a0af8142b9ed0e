/**
 * The paper's claims as decisions on measured numbers. Every verdict in a report comes from one of these
 * functions, never from a hard-coded string, so a report can say "contradicted" and the tests can make each
 * rule give each outcome on synthetic numbers.
 *
 * Every comparative claim is decided by paired Wilcoxon signed-rank tests over seeds (src/stats/paired.ts,
 * docs/reproduction.md "How a verdict is decided"): run k of every setting uses seed k, so run k of ELU and
 * run k of ReLU share their initial weights, mini-batch order and dropout/augmentation draws. Outcomes:
 * reproduced (one-sided p < 0.05 in the paper's direction), contradicted (one-sided p < 0.05 the other way),
 * inconclusive (neither, and always with fewer than 5 pairs), not comparable (a setting or the data is
 * missing). A claim with several parts (ELU below each competitor; at every learning rate; a ranking, judged
 * pair by pair) is the intersection of its parts (combine()).
 *
 * Inputs are per-run values indexed by seed: values[k] is run k's number (undefined: no such run; NaN: the
 * run diverged, which counts as the worst value, +∞, for these lower-is-better quantities).
 */
import { ALPHA, combine, fmtNum, fmtP, pairedTest, testLine, type Outcome, type PairedTest } from '../stats/paired.js';
import { shiftInterval } from '../stats/hodges-lehmann.js';
import { ratioLine, ratioTest, type RatioTest, type Rounds } from '../stats/timing.js';
import { meanStd, median } from '../stats/summary.js';

export type { Outcome } from '../stats/paired.js';

export interface ClaimResult {
  /** short id, e.g. 'fig2-median-near-zero' */
  id: string;
  /** the paper's claim, paraphrased, with where it is made */
  paper: string;
  /** the quantity compared per run, and how the settings compare */
  measured: string;
  verdict: Outcome;
  /** why this verdict: the rule and the comparisons that decided it */
  why: string;
  /** the paired comparisons that decide the claim (each line carries n, p and the effect with its interval) */
  tests: PairedTest[];
  /** comparisons reported beside the claim but not part of it (activations outside the paper's set) */
  extra?: PairedTest[];
  /** the timing claim's ratio test */
  ratio?: RatioTest;
}

/** Per-run values of each setting, indexed by seed. */
export type PerRun = Record<string, readonly (number | undefined)[]>;

export const PAPER_NAMES: Record<string, string> = { elu: 'ELU', relu: 'ReLU', lrelu: 'LReLU', srelu: 'SReLU', prelu: 'PReLU', selu: 'SELU' };
export const nice = (a: string): string =>
  a.endsWith('-bn-after') ? `${nice(a.slice(0, -9))}+BN after`
  : a.endsWith('-center') ? `${nice(a.slice(0, -7))} centred`
  : a.endsWith('-bn') || a.endsWith('+bn') ? `${nice(a.slice(0, -3))}+BN`
  : PAPER_NAMES[a] ?? a;

/** Median of the finite values, with the number of runs behind it: "0.173 (5 runs)"; diverged runs named. */
function summary(v: readonly (number | undefined)[] | undefined): string {
  const present = (v ?? []).filter((x): x is number => x !== undefined);
  const ok = present.filter(Number.isFinite);
  const bad = present.length - ok.length;
  if (!present.length) return 'no runs';
  if (!ok.length) return `all ${present.length} diverged`;
  return `${fmtNum(median(ok))}${bad ? ` (${bad} of ${present.length} diverged)` : ''}`;
}

/** "median over runs: ELU 0.173, ReLU 0.397, LReLU 0.385" */
function medians(values: PerRun, settings: string[], label: (s: string) => string = nice): string {
  return settings.map((s) => `${label(s)} ${summary(values[s])}`).join(', ');
}

/** Every test of a claim whose outcome is not the claim's, or all of them, for the 'why'. */
function whyOf(verdict: Outcome, tests: PairedTest[], rule: string): string {
  const deciding = verdict === 'reproduced' ? tests : tests.filter((t) => t.outcome === verdict);
  // comparisons with the same reason (e.g. too few pairs) are named together
  const byWhy = new Map<string, string[]>();
  for (const t of deciding) byWhy.set(t.why, [...(byWhy.get(t.why) ?? []), t.label]);
  const list = [...byWhy].map(([why, labels]) => `${labels.join(', ')}: ${why}`).join('; ');
  return `${rule} — ${verdict}: ${list}`;
}

/** A claim "a is lower than each of `others`" (or higher, with expect 'a>b'), pair by pair. */
function versusEach(
  id: string,
  paper: string,
  quantity: string,
  values: PerRun,
  a: string,
  others: string[],
  extraOthers: string[],
  rule: string,
  label: (s: string) => string = nice,
): ClaimResult {
  const tests = others.map((b) => pairedTest(`${label(a)} vs ${label(b)}`, quantity, values[a] ?? [], values[b] ?? [], 'a<b'));
  const extra = extraOthers.filter((b) => values[b]?.length).map((b) => pairedTest(`${label(a)} vs ${label(b)}`, quantity, values[a] ?? [], values[b] ?? [], 'a<b'));
  const verdict = combine(tests.map((t) => t.outcome));
  const shown = [a, ...others, ...extraOthers.filter((b) => values[b]?.length)];
  return {
    id,
    paper,
    measured: `${quantity}, median over runs: ${medians(values, shown, label)}`,
    verdict,
    why: whyOf(verdict, tests, rule),
    tests,
    extra: extra.length ? extra : undefined,
  };
}

// ------------------------------------------------------------------------------------------ Fig. 2

/**
 * Fig. 2a: ELU's median unit activation stays nearer zero than ReLU's and LReLU's. Per run: the time-average
 * over the epochs of |median unit activation| (the median over all hidden units of each unit's mean
 * activation on a fixed training subset). Decided: ELU < ReLU and ELU < LReLU, paired by seed.
 */
export function medianNearZeroClaim(perRun: PerRun, others = ['relu', 'lrelu'], extra = ['srelu']): ClaimResult {
  return versusEach(
    'fig2-median-near-zero',
    "ELU's median unit activation stays closer to zero than ReLU's and LReLU's during training (paper §4.1.1, Fig. 2a)",
    'time-averaged |median unit activation|',
    perRun, 'elu', others, extra,
    'ELU lower than each of ReLU and LReLU (paired signed-rank, one-sided α = 0.05 each)',
  );
}

/**
 * Appendix C: the median unit activation varies much more over training in ReLU networks than in ELU
 * networks. Judged on a relative measure, because the curves rise with training and a curve at a higher level
 * has a larger absolute range for the same relative change: per run, the coefficient of variation over the
 * epochs (sample std / |mean| of the median curve). Decided: ELU < ReLU, paired by seed.
 */
export function medianVariationClaim(perRun: PerRun, extra = ['lrelu', 'srelu']): ClaimResult {
  return versusEach(
    'appC-median-varies-less',
    "the median unit activation varies much more over training in ReLU networks than in ELU networks (paper appendix C)",
    'coefficient of variation of the median unit activation over the epochs',
    perRun, 'elu', ['relu'], extra,
    'ELU lower than ReLU (relative variation; paired signed-rank, one-sided α = 0.05)',
  );
}

/** Coefficient of variation of a curve: sample std over the points / |mean| (NaN for fewer than 2 points). */
export function coefficientOfVariation(curve: readonly number[]): number {
  const n = curve.length;
  if (n < 2 || curve.some((v) => !Number.isFinite(v))) return NaN;
  const { mean, std } = meanStd(curve);
  return std / Math.abs(mean);
}

/**
 * Fig. 2b: ELU's training cross-entropy falls faster than ReLU's and LReLU's. Per run: the mean over the
 * epochs of the training cross-entropy (the area under the curve divided by its length; lower = fell
 * faster). Decided: ELU < ReLU and ELU < LReLU, paired by seed.
 */
export function fastestLossClaim(perRun: PerRun, others = ['relu', 'lrelu'], extra = ['srelu']): ClaimResult {
  return versusEach(
    'fig2-loss-falls-fastest',
    "ELU's training cross-entropy falls much faster than ReLU's and LReLU's (paper §4.1.1, Fig. 2b)",
    'training cross-entropy averaged over the epochs (area under the curve)',
    perRun, 'elu', others, extra,
    'ELU lower than each of ReLU and LReLU (paired signed-rank, one-sided α = 0.05 each)',
  );
}

// ------------------------------------------------------------------------------------------ Fig. 3

/**
 * Fig. 3: ELU has the lowest reconstruction error at every learning rate. `final[lr][act]` = per-run final
 * error. Decided: at every learning rate, ELU < each of `others` (the paper's ReLU and LReLU), paired by seed;
 * the comparisons with `extra` activations (SReLU, whose presence in the paper's figure is not known) are
 * reported beside it. `stalled[lr]`, when given, says why the networks did not learn at that rate within the
 * run (see stalledRates): its comparisons are then about the initial weights, not about learning, and count as
 * not comparable (they are still computed and shown).
 */
export function lowestAtEveryLrClaim(
  final: Record<string, PerRun>,
  which: 'training' | 'test',
  others = ['relu', 'lrelu'],
  extra = ['srelu'],
  stalled: Record<string, string> = {},
): ClaimResult {
  const id = `fig3-elu-lowest-${which}`;
  const paper = `ELU has the lowest ${which} reconstruction error at every learning rate (paper §4.1.2, Fig. 3)`;
  const lrs = Object.keys(final);
  const tests: PairedTest[] = [];
  const extras: PairedTest[] = [];
  const gate = (t: PairedTest, lr: string): PairedTest =>
    stalled[lr] ? { ...t, outcome: 'not comparable', why: `${stalled[lr]} (the test alone: ${t.outcome})` } : t;
  for (const lr of lrs) {
    const row = final[lr];
    for (const b of others) tests.push(gate(pairedTest(`lr ${lr}: ELU vs ${nice(b)}`, `final ${which} error`, row.elu ?? [], row[b] ?? [], 'a<b'), lr));
    for (const b of extra) if (row[b]?.length) extras.push(gate(pairedTest(`lr ${lr}: ELU vs ${nice(b)}`, `final ${which} error`, row.elu ?? [], row[b] ?? [], 'a<b'), lr));
  }
  const verdict = combine(tests.map((t) => t.outcome));
  return {
    id,
    paper,
    measured: `final ${which} error, median over runs: ${lrs.map((lr) => `lr ${lr}: ${medians(final[lr], Object.keys(final[lr]))}`).join('; ') || 'nothing'}`,
    verdict,
    why: whyOf(verdict, tests, `ELU lower than each of ${others.map(nice).join(' and ')} at each of ${lrs.length} learning rates`),
    tests,
    extra: extras.length ? extras : undefined,
  };
}

/**
 * The learning rates at which no network learnt within the run: for every activation, the median over runs
 * of the error's relative fall from the first epoch to the last is below `minFall` (5 %). At such a rate the
 * final errors still mostly reflect the initial weights (an ELU and a ReLU network start from different
 * reconstructions), so comparing them says nothing about learning. `curves[lr][act]` = per-run error curves.
 */
export function stalledRates(curves: Record<string, Record<string, readonly (readonly number[])[]>>, minFall = 0.05): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [lr, row] of Object.entries(curves)) {
    const falls: string[] = [];
    let learnt = false;
    for (const [act, runs] of Object.entries(row)) {
      const f = runs.filter((c) => c.length >= 2 && c.every(Number.isFinite)).map((c) => (c[0] - c[c.length - 1]) / c[0]).sort((a, b) => a - b);
      if (!f.length) {
        learnt = true; // diverged or too short: not "stalled"; the claim's own rules handle it
        continue;
      }
      const m = f.length % 2 ? f[(f.length - 1) >> 1] : (f[f.length / 2 - 1] + f[f.length / 2]) / 2;
      falls.push(`${nice(act)} ${(100 * m).toFixed(1)} %`);
      if (m >= minFall) learnt = true;
    }
    if (!learnt && falls.length) out[lr] = `at lr ${lr} no network learnt within the run (median fall of the error from the first epoch to the last: ${falls.join(', ')}; below ${100 * minFall} % for all)`;
  }
  return out;
}

/**
 * Fig. 3 (and Desjardins et al.): higher learning rates give lower reconstruction error. For each activation
 * and each pair of neighbouring learning rates, the run with seed k at the higher rate against the run with
 * seed k at the lower rate (same initial weights and batches). Decided: lower at the higher rate, every pair.
 */
export function higherLrBetterClaim(final: Record<string, PerRun>, acts = ['elu', 'relu', 'lrelu'], extra = ['srelu']): ClaimResult {
  const id = 'fig3-higher-lr-better';
  const paper = 'higher learning rates give lower reconstruction error (paper §4.1.2, Fig. 3, as Desjardins et al. observed)';
  const lrs = Object.keys(final).sort((a, b) => Number(b) - Number(a)); // high → low
  const build = (set: string[]) => set.flatMap((a) =>
    lrs.slice(0, -1).map((hi, i) => pairedTest(`${nice(a)}: lr ${hi} vs ${lrs[i + 1]}`, 'final training error', final[hi][a] ?? [], final[lrs[i + 1]][a] ?? [], 'a<b')));
  if (lrs.length < 2) {
    return { id, paper, measured: `${lrs.length} learning rate(s)`, verdict: 'not comparable', why: 'needs at least two learning rates', tests: [] };
  }
  const tests = build(acts);
  const extras = build(extra.filter((a) => final[lrs[0]]?.[a]?.length));
  const verdict = combine(tests.map((t) => t.outcome));
  return {
    id,
    paper,
    measured: `final training error, median over runs: ${acts.map((a) => `${nice(a)} ${lrs.map((lr) => summary(final[lr][a])).join(' | ')}`).join('; ')} (lr ${lrs.join(' | ')})`,
    verdict,
    why: whyOf(verdict, tests, 'lower error at the higher of each pair of neighbouring learning rates, for each activation'),
    tests,
    extra: extras.length ? extras : undefined,
  };
}

// ------------------------------------------------------------------------------------------ Fig. 4–5, §4.2

/**
 * §4.2: ELU has the lowest test error, and the ranking is ELU < SReLU < LReLU < ReLU. `errors[act]` = per-run
 * final test error. Decided pair by pair: ELU against each other activation; the ranking by its neighbouring
 * pairs (ELU < SReLU, SReLU < LReLU, LReLU < ReLU).
 */
export function rankingClaim(errors: PerRun, expected: string[] = ['elu', 'srelu', 'lrelu', 'relu']): ClaimResult[] {
  const best = versusEach(
    'cifar-elu-lowest-error',
    'ELU has the lowest test error of the four activations (paper §4.2: ELU 28.75, SReLU 29.35, LReLU 30.59, ReLU 31.56 % on CIFAR-100, 10 runs; Wilcoxon p < 0.001)',
    'final test error',
    errors, expected[0], expected.slice(1), [],
    'ELU lower than each other activation (paired signed-rank, one-sided α = 0.05 each)',
  );
  const tests = expected.slice(0, -1).map((a, i) => pairedTest(`${nice(a)} vs ${nice(expected[i + 1])}`, 'final test error', errors[a] ?? [], errors[expected[i + 1]] ?? [], 'a<b'));
  const verdict = combine(tests.map((t) => t.outcome));
  const rank: ClaimResult = {
    id: 'cifar-ranking',
    paper: `test error ranking ${expected.map(nice).join(' < ')} (paper §4.2)`,
    measured: `final test error, median over runs: ${medians(errors, expected)}`,
    verdict,
    why: whyOf(verdict, tests, 'each neighbouring pair in the paper’s order (paired signed-rank, one-sided α = 0.05 each)'),
    tests,
  };
  return [best, rank];
}

/**
 * Fig. 5, first half: batch normalization improves ReLU and LReLU networks. Per seed, the run with BN
 * against the run without (same conv weights: BN's γ, β are extra parameters and do not shift the weights'
 * random streams). Decided: error with BN lower, for each.
 */
export function batchNormHelpsClaim(noBn: PerRun, bn: PerRun, acts = ['relu', 'lrelu']): ClaimResult {
  const tests = acts.map((a) => pairedTest(`${nice(a)}+BN vs ${nice(a)}`, 'final test error', bn[a] ?? [], noBn[a] ?? [], 'a<b'));
  const verdict = combine(tests.map((t) => t.outcome));
  return {
    id: 'fig5-bn-helps-relu',
    paper: 'batch normalization improves ReLU and LReLU networks (paper §4.2, Fig. 5)',
    measured: `final test error, median over runs: ${acts.map((a) => `${nice(a)} ${summary(noBn[a])} → with BN ${summary(bn[a])}`).join('; ')}`,
    verdict,
    why: whyOf(verdict, tests, 'lower error with BN, for each (paired signed-rank, one-sided α = 0.05)'),
    tests,
  };
}

/**
 * Fig. 5, second half: batch normalization does not improve ELU (nor SReLU) networks. A claim of absence: a
 * non-significant difference is not evidence that BN does nothing, so the rule is: contradicted when BN
 * significantly lowers the error; reproduced when BN significantly raises it (the paper's figure shows ELU
 * worse with BN); inconclusive otherwise.
 */
export function batchNormNotEluClaim(noBn: PerRun, bn: PerRun, acts = ['elu', 'srelu']): ClaimResult {
  const tests = acts.map((a) => pairedTest(`${nice(a)}+BN vs ${nice(a)}`, 'final test error', bn[a] ?? [], noBn[a] ?? [], 'a>b'));
  const verdict = combine(tests.map((t) => t.outcome));
  return {
    id: 'fig5-bn-not-elu',
    paper: 'batch normalization does not improve ELU (or SReLU) networks (paper §4.2, Fig. 5)',
    measured: `final test error, median over runs: ${acts.map((a) => `${nice(a)} ${summary(noBn[a])} → with BN ${summary(bn[a])}`).join('; ')}`,
    verdict,
    why: whyOf(verdict, tests, 'not improved: contradicted if BN significantly lowers the error, reproduced if it significantly raises it, inconclusive if neither (absence of an effect cannot be shown by a non-significant test)'),
    tests,
  };
}

/** Fig. 5: ELU without BN has a lower test error than ReLU with BN. */
export function eluBeatsReluBnClaim(noBn: PerRun, bn: PerRun): ClaimResult {
  const t = pairedTest('ELU vs ReLU+BN', 'final test error', noBn.elu ?? [], bn.relu ?? [], 'a<b');
  return {
    id: 'fig5-elu-beats-relu-bn',
    paper: 'ELU networks without BN have a lower test error than ReLU networks with BN (paper §4.2, Fig. 5; p < 0.001 there)',
    measured: `final test error, median over runs: ELU ${summary(noBn.elu)}, ReLU+BN ${summary(bn.relu)}`,
    verdict: t.outcome,
    why: whyOf(t.outcome, [t], 'ELU lower (paired signed-rank, one-sided α = 0.05)'),
    tests: [t],
  };
}

// ------------------------------------------------------------------------------------------ §4.4 cost

/** Paper §4.4: 12.15 h vs 11.48 h per 10k iterations: ELU is 5.84 % slower. */
export const PAPER_ELU_HOURS = 12.15;
export const PAPER_RELU_HOURS = 11.48;
export const PAPER_OVERHEAD = PAPER_ELU_HOURS / PAPER_RELU_HOURS - 1;

/**
 * The cost of ELU per iteration is within the paper's +5.84 % of ReLU's. From interleaved, paired timing
 * rounds (src/stats/timing.ts): reproduced when the ratio ELU/ReLU is significantly below 1.0584 (its upper
 * 95 % bound is below), contradicted when significantly above, inconclusive when the interval contains it.
 */
export function overheadClaim(rounds: Rounds, margin = 1 + PAPER_OVERHEAD): ClaimResult {
  const r = ratioTest('ELU / ReLU time per iteration', rounds, margin);
  return {
    id: 'imagenet-elu-cost',
    paper: `ELU costs little more per iteration than ReLU: ${PAPER_ELU_HOURS} h vs ${PAPER_RELU_HOURS} h per 10k iterations, +${(100 * PAPER_OVERHEAD).toFixed(1)} % (paper §4.4, GPU)`,
    measured: r.n ? `ELU / ReLU per round: ${r.ratios.map((x) => x.toFixed(3)).join(', ')}` : 'no timing',
    verdict: r.outcome,
    why: `the claim is a bound: ELU / ReLU ≤ ${margin.toFixed(4)} — ${r.outcome}: ${r.why}; absolute hours are not comparable (CPU, scaled net)`,
    tests: [],
    ratio: r,
  };
}

/** A run "trains": the loss at the end is below `fraction` of the loss after the first epoch. */
export function lossFallsCheck(losses: number[], fraction = 0.9): { ok: boolean; first: number; last: number } {
  const w = (v: number | undefined): number => (v !== undefined && Number.isFinite(v) ? v : Infinity);
  const first = w(losses[0]);
  const last = w(losses[losses.length - 1]);
  return { ok: losses.length >= 2 && Number.isFinite(last) && last < fraction * first, first, last };
}

// ------------------------------------------------------------------------------------------ Table 1

/**
 * Table 1 can only be compared with runs on the real data set at the paper's width and length; then the rule
 * is a one-sample signed-rank test of the per-run test errors against the paper's error + 1 percentage point:
 * reproduced when significantly below it, contradicted when significantly above, inconclusive otherwise.
 */
export function table1Claim(o: {
  dataName: string;
  width: number;
  iterations: number;
  paperIterations: number;
  /** per-run test errors (fractions) */
  errors: readonly (number | undefined)[];
  /** the paper's error for this data set (6.55 CIFAR-10, 24.28 CIFAR-100), as a fraction */
  paperError?: number;
}): ClaimResult {
  const id = 'table1-cifar';
  const paper = 'the 18-layer ELU network reaches 6.55 % test error on CIFAR-10 and 24.28 % on CIFAR-100 (paper §4.3, Table 1)';
  const reasons: string[] = [];
  if (!/^cifar(10|100)/.test(o.dataName) || o.paperError === undefined) reasons.push(`the data is ${o.dataName}, not CIFAR-10/100`);
  if (o.width < 1) reasons.push(`the network is ${o.width}× the paper's width`);
  if (o.iterations < o.paperIterations) reasons.push(`${o.iterations} iterations instead of ≥ ${o.paperIterations}`);
  const measured = `test error, median over runs: ${summary(o.errors.map((e) => (e === undefined ? e : 100 * e)))} % on ${o.dataName}`;
  if (reasons.length) return { id, paper, measured, verdict: 'not comparable', why: reasons.join('; '), tests: [] };
  const bound = o.paperError! + 0.01;
  const t = pairedTest(`test error vs paper + 1 pp (${(100 * bound).toFixed(2)} %)`, 'test error', o.errors, o.errors.map(() => bound), 'a<b');
  return { id, paper, measured, verdict: t.outcome, why: whyOf(t.outcome, [t], 'test error below the paper’s + 1 percentage point (one-sample signed-rank)'), tests: [t] };
}

// ------------------------------------------------------------------------------------------ the bias-shift control

/**
 * The control's manipulation check (docs/theory.md §8): centring ReLU's outputs after the activation does what
 * it is meant to do, in the trained network and with the running means of evaluation mode: its median unit
 * activation sits nearer zero than ReLU's and than ELU's. Per run: the time-average over the epochs of
 * |median unit activation| (as for Fig. 2a). Decided: centred < ReLU and centred < ELU, paired by seed.
 */
export function centredNearZeroClaim(perRun: PerRun): ClaimResult {
  return versusEach(
    'control-centred-near-zero',
    "the control works: ReLU with its outputs re-centred has its median unit activation nearer zero than ReLU's and than ELU's (docs/theory.md §8; by construction, checked in the trained networks)",
    'time-averaged |median unit activation|',
    perRun, 'relu-center', ['relu', 'elu'], [],
    'ReLU centred lower than each of ReLU and ELU (paired signed-rank, one-sided α = 0.05 each)',
  );
}

/**
 * The theory's prediction (docs/theory.md §4–5): a ReLU network whose activations have mean zero learns faster
 * than plain ReLU. `setting` is the centring ('relu-center') or batch norm after the activation
 * ('relu-bn-after', which also rescales). Per run: the training cross-entropy averaged over the epochs (the
 * area under the curve, as for Fig. 2b). Decided: setting < ReLU, paired by seed.
 */
export function centringSpeedsUpClaim(perRun: PerRun, setting: 'relu-center' | 'relu-bn-after'): ClaimResult {
  const how = setting === 'relu-center' ? 'each unit\'s output minus its mean' : 'batch norm after the activation (mean zero, variance one, then γ, β)';
  return versusEach(
    setting === 'relu-center' ? 'control-centred-learns-faster' : 'control-bn-after-learns-faster',
    `removing the mean of ReLU's activations (${how}) makes the training loss fall faster than plain ReLU's (docs/theory.md §4–5: no bias shift to correct)`,
    'training cross-entropy averaged over the epochs (area under the curve)',
    perRun, setting, ['relu'], [],
    `${nice(setting)} lower than ReLU (paired signed-rank, one-sided α = 0.05)`,
  );
}

/**
 * The coupling term (docs/theory.md §8): in the trained networks the weight–bias coupling κ of a unit whose
 * inputs come from ELU units, or from re-centred ReLU units, is smaller than behind ReLU units. Per run: the
 * median κ over the units of every dense layer fed by a hidden block (measureCoupling, the true Fisher of the
 * trained network). Decided: ELU < ReLU and ReLU centred < ReLU, paired by seed; ReLU+BN after beside it.
 */
export function couplingClaim(perRun: PerRun): ClaimResult {
  const quantity = 'median κ over the units of the dense layers fed by a hidden layer';
  const tests = [
    pairedTest('ELU vs ReLU', quantity, perRun.elu ?? [], perRun.relu ?? [], 'a<b'),
    pairedTest('ReLU centred vs ReLU', quantity, perRun['relu-center'] ?? [], perRun.relu ?? [], 'a<b'),
  ];
  const extra = perRun['relu-bn-after']?.length ? [pairedTest('ReLU+BN after vs ReLU', quantity, perRun['relu-bn-after'], perRun.relu ?? [], 'a<b')] : [];
  const verdict = combine(tests.map((t) => t.outcome));
  return {
    id: 'control-coupling-lower',
    paper: 'the weight–bias coupling κ of the unit natural gradient is lower behind ELU units and behind re-centred ReLU units than behind ReLU units, in the trained networks (docs/theory.md §4, §8)',
    measured: `${quantity}, median over runs: ${medians(perRun, ['elu', 'relu', 'relu-center', 'relu-bn-after'].filter((a) => perRun[a]?.length))}`,
    verdict,
    why: whyOf(verdict, tests, 'ELU and ReLU centred each lower than ReLU (paired signed-rank, one-sided α = 0.05 each)'),
    tests,
    extra: extra.length ? extra : undefined,
  };
}

/** A question without a predicted direction, answered by a two-sided paired test. */
export interface TwoSidedResult {
  id: string;
  question: string;
  measured: string;
  /** '<A> lower', '<B> lower', 'no significant difference', 'undecidable' (too few pairs), 'not comparable' */
  finding: string;
  why: string;
  /** the paired test (its one-sided p is for a < b; pTwoSided decides) */
  test: PairedTest;
  /** the Walsh-average interval at 95 % nominal, the one that matches a two-sided test at α = 0.05 */
  interval: { lower: number; upper: number; level: number };
}

/**
 * A two-sided question about settings a and b: is either lower? Decided by the two-sided signed-rank p at
 * α = 0.05 (the two one-sided tests at α/2 each). With n pairs the smallest two-sided p is 2/2ⁿ, so fewer
 * than 6 pairs with a difference cannot decide it (n = 5: 0.0625): 'undecidable'. A non-significant result is
 * reported as such, never as equality; its 95 % interval says which shifts the data cannot rule out.
 */
export function twoSidedQuestion(id: string, question: string, quantity: string, values: PerRun, a: string, b: string): TwoSidedResult {
  const test = pairedTest(`${nice(a)} vs ${nice(b)}`, quantity, values[a] ?? [], values[b] ?? [], 'a<b');
  const measured = `${quantity}, median over runs: ${medians(values, [a, b])}`;
  const ci = test.n ? shiftInterval(test.diffs, 1 - ALPHA) : { lower: NaN, upper: NaN, level: 0 };
  const interval = { lower: ci.lower, upper: ci.upper, level: ci.level };
  let minPairs = 1; // the fewest pairs whose smallest two-sided p, 2/2ⁿ, is below α: 6 for α = 0.05
  while (2 * 0.5 ** minPairs >= ALPHA) minPairs++;
  let finding: string;
  let why: string;
  if (test.n === 0) {
    finding = 'not comparable';
    why = 'no seed has a run of both settings';
  } else if (test.nUsed < minPairs) {
    finding = 'undecidable';
    why = `only ${test.nUsed} pair(s) with a difference: the smallest possible two-sided p is 2/2^${test.nUsed} = ${fmtP(Math.min(1, 2 * 0.5 ** test.nUsed))} ≥ ${ALPHA}`;
  } else if (test.pTwoSided < ALPHA) {
    const lower = test.pPaper < test.pOther ? a : b;
    finding = `${nice(lower)} lower`;
    why = `two-sided p = ${fmtP(test.pTwoSided)} < ${ALPHA}`;
  } else {
    finding = 'no significant difference';
    why = `two-sided p = ${fmtP(test.pTwoSided)} ≥ ${ALPHA}; not evidence that they are equal: the ${(100 * ci.level).toFixed(1)} % interval ` +
      `[${fmtNum(ci.lower)}, ${fmtNum(ci.upper)}] holds every shift these runs cannot rule out`;
  }
  return { id, question, measured, finding, why, test, interval };
}

/** The two-sided questions for report.md: a table, then each test line with its 95 % interval. */
export function questionsTable(qs: TwoSidedResult[]): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  const lines = ['| question (no direction predicted) | finding | pairs |', '| --- | --- | --- |'];
  for (const q of qs) lines.push(`| ${esc(q.question)} | **${q.finding}** | ${q.test.n} |`);
  lines.push('');
  for (const q of qs) {
    const t = q.test;
    lines.push(`**${q.id}** — **${q.finding}**: ${q.why}.`, '');
    lines.push(`Measured: ${q.measured}.`, '');
    if (t.n) {
      lines.push(`- ${t.label}: n = ${t.n}, two-sided p = ${fmtP(t.pTwoSided)}, median Δ = ${fmtNum(t.median)}, HL ${fmtNum(t.estimate)}, ` +
        `${(100 * q.interval.level).toFixed(1)} % CI [${fmtNum(q.interval.lower)}, ${fmtNum(q.interval.upper)}] → ${q.finding}`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

// ------------------------------------------------------------------------------------------ report text

/**
 * The claims for report.md: a summary table (claim, verdict, pairs) and, per claim, every comparison's line
 * with n, p and the effect with its interval.
 */
export function claimsTable(claims: ClaimResult[]): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
  const pairs = (c: ClaimResult): string => {
    if (c.ratio) return `${c.ratio.n} rounds`;
    if (!c.tests.length) return '–';
    const ns = [...new Set(c.tests.map((t) => t.n))];
    return `${ns.join('/')} per comparison, ${c.tests.length} comparison${c.tests.length > 1 ? 's' : ''}`;
  };
  const lines = ['| claim (paper) | verdict | pairs |', '| --- | --- | --- |'];
  for (const c of claims) lines.push(`| ${esc(c.paper)} | **${c.verdict}** | ${pairs(c)} |`);
  lines.push('');
  for (const c of claims) {
    lines.push(`**${c.id}** — **${c.verdict}**. ${c.why}.`, '');
    lines.push(`Measured: ${c.measured}.`, '');
    for (const t of c.tests) lines.push(`- ${testLine(t)}`);
    if (c.ratio) lines.push(`- ${ratioLine(c.ratio)}`);
    if (c.extra?.length) {
      lines.push('- beside the claim (not part of the verdict):');
      for (const t of c.extra) lines.push(`  - ${testLine(t)}`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

/**
 * The paragraph every report carries under its claims: how the verdicts are decided, and the caveat for
 * fewer than five runs.
 */
export function verdictNote(runs: number): string {
  const few = runs < 5
    ? ` **With ${runs} run(s) per setting every comparison is at best inconclusive**: with n ≤ 4 pairs, even when ` +
      `every difference has the paper's sign the one-sided p is at least 1/16 = 0.0625 (two-sided 0.125).`
    : '';
  return `Each comparison pairs run k of one setting with run k of the other (same seed: same initial weights, ` +
    `mini-batch order and dropout/augmentation draws) and applies the exact Wilcoxon signed-rank test to the paired ` +
    `differences (zero differences dropped, midranks for ties): **reproduced** = one-sided p < 0.05 in the paper's ` +
    `direction, **contradicted** = one-sided p < 0.05 the other way, **inconclusive** = neither, **not comparable** = ` +
    `a setting or the data is missing. Effect: median of the differences Δ, the Hodges–Lehmann estimate (HL) and its ` +
    `exact Walsh-average interval at 90 % nominal (the one-sided 95 % bounds; the achieved level is printed). A claim ` +
    `with several comparisons is reproduced only if every one is (see docs/reproduction.md, "How a verdict is decided").${few}`;
}
