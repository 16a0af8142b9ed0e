/**
 * The paper's claims as checks on measured numbers. Every verdict in a report comes from one of these
 * functions, never from a hard-coded string, so a report can say "not reproduced" and the tests can make
 * each check fail with synthetic numbers.
 *
 * Conventions: activations are keyed by their elunet names (elu, relu, lrelu, srelu); a value that is
 * missing or not finite (a diverged run) counts as the worst possible value, and a claim whose inputs are
 * too incomplete to decide anything is 'not comparable'.
 */
import { meanStd } from '../stats.js';

export type Verdict = 'reproduced' | 'not reproduced' | 'not comparable';

export interface ClaimResult {
  /** short id, e.g. 'fig2-median-near-zero' */
  id: string;
  /** the paper's claim, paraphrased */
  paper: string;
  /** what was measured, with the numbers */
  measured: string;
  verdict: Verdict;
  /** why this verdict (the rule and the numbers that decided it) */
  why: string;
}

export const PAPER_NAMES: Record<string, string> = { elu: 'ELU', relu: 'ReLU', lrelu: 'LReLU', srelu: 'SReLU', prelu: 'PReLU', selu: 'SELU' };
export const nice = (a: string): string => (a.endsWith('+bn') ? `${nice(a.slice(0, -3))}+BN` : PAPER_NAMES[a] ?? a);
const fmt = (v: number, d = 4): string => (Number.isFinite(v) ? v.toFixed(d) : 'diverged');
/** finite values stay, anything else (NaN from a diverged run, undefined) is the worst: +∞ */
const worst = (v: number | undefined): number => (v !== undefined && Number.isFinite(v) ? v : Infinity);
const mean = (v: number[]): number => meanStd(v).mean;

/**
 * Fig. 2a: ELU's median unit activation stays nearest zero. `curves[act]` is the per-epoch median unit
 * activation (mean over runs). Rule: among `set` (the paper's activations), ELU has the smallest
 * time-averaged |median| and is nearest zero at ≥ 80 % of the epochs.
 */
export function medianNearZeroClaim(curves: Record<string, number[]>, set: string[] = ['elu', 'relu', 'lrelu']): ClaimResult {
  const paper = "ELU's median unit activation stays closer to zero than ReLU's and LReLU's during training (Fig. 2a)";
  const present = set.filter((a) => curves[a]?.length);
  const id = 'fig2-median-near-zero';
  if (!present.includes('elu') || present.length < 2) {
    return { id, paper, measured: `curves for ${present.map(nice).join(', ') || 'nothing'}`, verdict: 'not comparable', why: 'needs ELU and at least one of ReLU/LReLU' };
  }
  const len = Math.min(...present.map((a) => curves[a].length));
  const avgAbs: Record<string, number> = {};
  for (const a of present) avgAbs[a] = mean(curves[a].slice(0, len).map((v) => Math.abs(worst(v))));
  let nearest = 0;
  for (let e = 0; e < len; e++) {
    const elu = Math.abs(worst(curves.elu[e]));
    if (present.every((a) => a === 'elu' || elu < Math.abs(worst(curves[a][e])))) nearest++;
  }
  const others = present.filter((a) => a !== 'elu');
  const smallest = others.every((a) => avgAbs.elu < avgAbs[a]);
  const share = nearest / len;
  const extra = Object.keys(curves).filter((a) => !set.includes(a) && curves[a].length);
  const extraText = extra.length
    ? `; outside the paper's set: ${extra.map((a) => `${nice(a)} ${fmt(mean(curves[a].slice(0, len).map((v) => Math.abs(worst(v)))), 3)}`).join(', ')}`
    : '';
  const measured = `time-averaged |median|: ${present.map((a) => `${nice(a)} ${fmt(avgAbs[a], 3)}`).join(', ')}${extraText}; ELU nearest zero at ${nearest}/${len} epochs`;
  const ok = smallest && share >= 0.8;
  return {
    id,
    paper,
    measured,
    verdict: ok ? 'reproduced' : 'not reproduced',
    why: ok
      ? `ELU has the smallest time-averaged |median| and is nearest zero at ${(100 * share).toFixed(0)} % of the epochs (rule: smallest average and ≥ 80 % of epochs)`
      : !smallest
        ? `ELU's time-averaged |median| (${fmt(avgAbs.elu, 3)}) is not the smallest`
        : `ELU is nearest zero at only ${(100 * share).toFixed(0)} % of the epochs (rule: ≥ 80 %)`,
  };
}

/**
 * Appendix C: the median activation varies less over training for ELU than for ReLU. Variation = max − min
 * of the (run-mean) median curve over the epochs.
 */
export function medianStabilityClaim(curves: Record<string, number[]>): ClaimResult {
  const id = 'appC-median-stable';
  const paper = "the median activation varies much more over training in ReLU networks than in ELU networks (appendix C)";
  if (!curves.elu?.length || !curves.relu?.length || Math.min(curves.elu.length, curves.relu.length) < 2) {
    return { id, paper, measured: 'fewer than 2 epochs of ELU and ReLU', verdict: 'not comparable', why: 'needs at least two epochs of ELU and ReLU curves' };
  }
  const range = (v: number[]): number => Math.max(...v.map(worst)) - Math.min(...v.map((x) => -worst(-x)));
  const re = range(curves.elu);
  const rr = range(curves.relu);
  const extra = Object.keys(curves).filter((a) => a !== 'elu' && a !== 'relu' && curves[a].length >= 2);
  const measured = `range (max − min) of the median over epochs: ELU ${fmt(re, 3)}, ReLU ${fmt(rr, 3)}` +
    (extra.length ? `; ${extra.map((a) => `${nice(a)} ${fmt(range(curves[a]), 3)}`).join(', ')}` : '');
  const ok = re < rr;
  return { id, paper, measured, verdict: ok ? 'reproduced' : 'not reproduced', why: ok ? 'ELU’s range is smaller than ReLU’s' : 'ELU’s range is not smaller than ReLU’s' };
}

/**
 * Fig. 2b: ELU's training loss falls fastest. `curves[act]` = per-epoch training loss (mean over runs).
 * Rule: among `set`, ELU has the lowest loss at `earlyEpoch` (1-based) and the lowest mean over all epochs
 * (the area under the curve divided by its length).
 */
export function fastestLossClaim(curves: Record<string, number[]>, earlyEpoch: number, set: string[] = ['elu', 'relu', 'lrelu']): ClaimResult {
  const id = 'fig2-loss-falls-fastest';
  const paper = "ELU's training cross-entropy falls much faster than ReLU's and LReLU's (Fig. 2b)";
  const present = set.filter((a) => curves[a]?.length);
  if (!present.includes('elu') || present.length < 2) {
    return { id, paper, measured: `curves for ${present.map(nice).join(', ') || 'nothing'}`, verdict: 'not comparable', why: 'needs ELU and at least one of ReLU/LReLU' };
  }
  const len = Math.min(...present.map((a) => curves[a].length));
  const e = Math.min(Math.max(1, earlyEpoch), len);
  const early: Record<string, number> = {};
  const auc: Record<string, number> = {};
  for (const a of present) {
    early[a] = worst(curves[a][e - 1]);
    auc[a] = mean(curves[a].slice(0, len).map(worst));
  }
  const others = present.filter((a) => a !== 'elu');
  const lowEarly = others.every((a) => early.elu < early[a]);
  const lowAuc = others.every((a) => auc.elu < auc[a]);
  const measured = `loss at epoch ${e}: ${present.map((a) => `${nice(a)} ${fmt(early[a])}`).join(', ')}; mean over ${len} epochs: ${present.map((a) => `${nice(a)} ${fmt(auc[a])}`).join(', ')}`;
  const ok = lowEarly && lowAuc;
  const why = ok
    ? `ELU is lowest both at epoch ${e} and on average over the epochs`
    : `ELU is ${lowEarly ? '' : 'not '}lowest at epoch ${e} and ${lowAuc ? '' : 'not '}lowest on average (rule: lowest on both)`;
  return { id, paper, measured, verdict: ok ? 'reproduced' : 'not reproduced', why };
}

/**
 * Fig. 3: ELU has the lowest reconstruction error at every learning rate. `table[lr][act]` = final error
 * (median over runs; NaN = diverged). Rule: ELU strictly lowest at every lr.
 */
export function lowestAtEveryLrClaim(table: Record<string, Record<string, number>>, which: 'training' | 'test', paperSet: string[] = ['elu', 'relu', 'lrelu']): ClaimResult {
  const id = `fig3-elu-lowest-${which}`;
  const paper = `ELU has the lowest ${which} reconstruction error at every learning rate (Fig. 3)`;
  const lrs = Object.keys(table);
  const withElu = lrs.filter((lr) => table[lr].elu !== undefined && Object.keys(table[lr]).length >= 2);
  // a learning rate at which every activation diverged says nothing about their order
  const dead = withElu.filter((lr) => Object.values(table[lr]).every((v) => !Number.isFinite(v)));
  const usable = withElu.filter((lr) => !dead.includes(lr));
  const parts = withElu.map((lr) => `lr ${lr}: ${Object.keys(table[lr]).map((a) => `${nice(a)} ${fmt(table[lr][a])}`).join(', ')}`);
  const deadText = dead.length ? `; left out: lr ${dead.join(', ')} (every activation diverged)` : '';
  if (usable.length === 0) {
    return { id, paper, measured: parts.join('; ') || 'nothing', verdict: 'not comparable', why: `no learning rate at which any activation trained${deadText}` };
  }
  const losers: string[] = [];
  let paperSetWins = 0;
  for (const lr of usable) {
    const row = table[lr];
    const best = Object.keys(row).sort((a, b) => worst(row[a]) - worst(row[b]))[0];
    if (!Object.keys(row).every((a) => a === 'elu' || worst(row.elu) < worst(row[a]))) losers.push(`lr ${lr} (best: ${nice(best)})`);
    if (Object.keys(row).filter((a) => paperSet.includes(a)).every((a) => a === 'elu' || worst(row.elu) < worst(row[a]))) paperSetWins++;
  }
  const ok = losers.length === 0;
  const sub = `; among ${paperSet.map(nice).join('/')} only, ELU is lowest at ${paperSetWins} of ${usable.length}`;
  return {
    id,
    paper,
    measured: parts.join('; '),
    verdict: ok ? 'reproduced' : 'not reproduced',
    why: (ok ? `ELU is lowest at all ${usable.length} learning rates` : `ELU is not lowest at ${losers.join(', ')}`) + sub + deadText,
  };
}

/**
 * Fig. 3 / Desjardins et al.: higher learning rates work better. `table[lr][act]` as above; rule: for every
 * activation, the error falls as the learning rate rises (strictly, over the lrs given).
 */
export function higherLrBetterClaim(table: Record<string, Record<string, number>>): ClaimResult {
  const id = 'fig3-higher-lr-better';
  const paper = 'higher learning rates give lower reconstruction error (Fig. 3, as Desjardins et al. observed)';
  const lrs = Object.keys(table).sort((a, b) => Number(b) - Number(a)); // high → low
  if (lrs.length < 2) return { id, paper, measured: `${lrs.length} learning rate(s)`, verdict: 'not comparable', why: 'needs at least two learning rates' };
  const acts = Object.keys(table[lrs[0]]);
  const bad: string[] = [];
  for (const a of acts) {
    for (let i = 0; i + 1 < lrs.length; i++) {
      if (!(worst(table[lrs[i]][a]) < worst(table[lrs[i + 1]][a]))) {
        bad.push(`${nice(a)}: lr ${lrs[i]} (${fmt(table[lrs[i]][a])}) is not below lr ${lrs[i + 1]} (${fmt(table[lrs[i + 1]][a])})`);
        break;
      }
    }
  }
  const ok = bad.length === 0;
  return {
    id,
    paper,
    measured: acts.map((a) => `${nice(a)}: ${lrs.map((lr) => fmt(table[lr][a])).join(' < ')}`).join('; ') + ` (lr ${lrs.join(', ')})`,
    verdict: ok ? 'reproduced' : 'not reproduced',
    why: ok ? 'for every activation the error falls as the learning rate rises' : bad.join('; '),
  };
}

/**
 * §5.3: ELU has the lowest test error (and the ranking ELU < SReLU < LReLU < ReLU). `errors[act]` = test
 * errors of the runs. Rule: order of the run means (diverged runs count as +∞).
 */
export function rankingClaim(errors: Record<string, number[]>, expected: string[] = ['elu', 'srelu', 'lrelu', 'relu']): ClaimResult[] {
  const m: Record<string, number> = {};
  for (const a of expected) if (errors[a]?.length) m[a] = mean(errors[a].map(worst));
  const present = expected.filter((a) => a in m);
  const measured = present.map((a) => `${nice(a)} ${fmt(100 * m[a], 2)} %`).join(', ');
  const bestId = 'tab-elu-lowest-error';
  const bestPaper = 'ELU has the lowest test error of the four activations (paper: ELU 28.75, SReLU 29.35, LReLU 30.59, ReLU 31.56 % on CIFAR-100)';
  const rankId = 'tab-ranking';
  const rankPaper = 'test error ranking ELU < SReLU < LReLU < ReLU';
  if (present.length < expected.length || !('elu' in m)) {
    const why = `missing activations: ${expected.filter((a) => !(a in m)).map(nice).join(', ')}`;
    return [
      { id: bestId, paper: bestPaper, measured, verdict: 'not comparable', why },
      { id: rankId, paper: rankPaper, measured, verdict: 'not comparable', why },
    ];
  }
  const order = [...present].sort((a, b) => m[a] - m[b]);
  const eluBest = present.every((a) => a === 'elu' || m.elu < m[a]);
  const rankOk = order.every((a, i) => a === expected[i]) && new Set(order.map((a) => m[a])).size === order.length;
  return [
    { id: bestId, paper: bestPaper, measured, verdict: eluBest ? 'reproduced' : 'not reproduced', why: eluBest ? 'ELU has the lowest mean test error' : `lowest mean test error: ${nice(order[0])}` },
    {
      id: rankId,
      paper: rankPaper,
      measured: `measured order: ${order.map(nice).join(' < ')}`,
      verdict: rankOk ? 'reproduced' : 'not reproduced',
      why: rankOk ? 'the measured order of the means is the paper’s' : `the measured order is ${order.map(nice).join(' < ')}`,
    },
  ];
}

/**
 * Fig. 5: batch normalization helps ReLU and LReLU but not ELU (nor SReLU). `noBn[act]`, `bn[act]` = test
 * errors of the runs. "Helps" = BN lowers the mean error.
 */
export function batchNormClaim(
  noBn: Record<string, number[]>,
  bn: Record<string, number[]>,
  helps: string[] = ['relu', 'lrelu'],
  notHelps: string[] = ['elu', 'srelu'],
): ClaimResult {
  const id = 'fig5-batch-norm';
  const paper = 'batch normalization improves ReLU and LReLU networks but not ELU (or SReLU) networks (Fig. 5)';
  const all = [...helps, ...notHelps].filter((a) => noBn[a]?.length && bn[a]?.length);
  if (all.length < helps.length + notHelps.length) {
    return { id, paper, measured: `pairs for ${all.map(nice).join(', ') || 'nothing'}`, verdict: 'not comparable', why: 'needs every activation with and without BN' };
  }
  const d: Record<string, number> = {};
  for (const a of all) d[a] = mean(bn[a].map(worst)) - mean(noBn[a].map(worst));
  const wrong = [
    ...helps.filter((a) => !(d[a] < 0)).map((a) => `BN did not help ${nice(a)}`),
    ...notHelps.filter((a) => d[a] < 0).map((a) => `BN helped ${nice(a)}`),
  ];
  const measured = `change of mean test error with BN: ${all.map((a) => `${nice(a)} ${d[a] > 0 ? '+' : ''}${fmt(100 * d[a], 2)} pp`).join(', ')}`;
  return {
    id,
    paper,
    measured,
    verdict: wrong.length === 0 ? 'reproduced' : 'not reproduced',
    why: wrong.length === 0 ? 'BN lowered the error of ReLU and LReLU and did not lower it for ELU and SReLU' : wrong.join('; '),
  };
}

/** Fig. 5: ELU without BN beats ReLU with BN. */
export function eluBeatsReluBnClaim(noBn: Record<string, number[]>, bn: Record<string, number[]>): ClaimResult {
  const id = 'fig5-elu-beats-relu-bn';
  const paper = 'ELU without BN has a lower test error than ReLU with BN (Fig. 5)';
  if (!noBn.elu?.length || !bn.relu?.length) return { id, paper, measured: '–', verdict: 'not comparable', why: 'needs ELU without BN and ReLU with BN' };
  const e = mean(noBn.elu.map(worst));
  const r = mean(bn.relu.map(worst));
  const ok = e < r;
  return { id, paper, measured: `ELU ${fmt(100 * e, 2)} %, ReLU+BN ${fmt(100 * r, 2)} %`, verdict: ok ? 'reproduced' : 'not reproduced', why: ok ? 'ELU is lower' : 'ELU is not lower' };
}

/** Paper §4.4: 12.15 h vs 11.48 h per 10k iterations: ELU is 5.84 % slower. */
export const PAPER_ELU_HOURS = 12.15;
export const PAPER_RELU_HOURS = 11.48;
export const PAPER_OVERHEAD = PAPER_ELU_HOURS / PAPER_RELU_HOURS - 1;

/**
 * The cost of ELU: only a small overhead per iteration over ReLU. Rule: measured overhead below twice the
 * paper's (11.7 %). An ELU that measures faster than ReLU (timing noise) also passes: the claim is that ELU
 * is not expensive.
 */
export function overheadClaim(eluSecPerIter: number, reluSecPerIter: number, limit = 2 * PAPER_OVERHEAD): ClaimResult {
  const id = 'imagenet-elu-cost';
  const paper = `ELU costs only a little more per iteration than ReLU: ${PAPER_ELU_HOURS} h vs ${PAPER_RELU_HOURS} h per 10k iterations (+${(100 * PAPER_OVERHEAD).toFixed(1)} %, GPU)`;
  if (!(eluSecPerIter > 0 && reluSecPerIter > 0)) return { id, paper, measured: 'no timing', verdict: 'not comparable', why: 'timings missing' };
  const o = eluSecPerIter / reluSecPerIter - 1;
  const ok = o < limit;
  return {
    id,
    paper,
    measured: `${eluSecPerIter.toFixed(3)} s vs ${reluSecPerIter.toFixed(3)} s per iteration: ${o >= 0 ? '+' : ''}${(100 * o).toFixed(1)} %`,
    verdict: ok ? 'reproduced' : 'not reproduced',
    why: `${ok ? 'below' : 'not below'} the rule's limit of +${(100 * limit).toFixed(1)} % (twice the paper's overhead); absolute hours are not comparable (CPU, scaled net)`,
  };
}

/** A run "trains": the loss at the end is below `fraction` of the loss after the first epoch. */
export function lossFallsCheck(losses: number[], fraction = 0.9): { ok: boolean; first: number; last: number } {
  const first = worst(losses[0]);
  const last = worst(losses[losses.length - 1]);
  return { ok: losses.length >= 2 && Number.isFinite(last) && last < fraction * first, first, last };
}

/**
 * Table 1 can only be compared with a run on the real data set at the paper's size and length; then the
 * rule is: measured test error within 1 percentage point of the paper's (or below it).
 */
export function table1Claim(o: {
  dataName: string;
  width: number;
  iterations: number;
  paperIterations: number;
  measuredError: number;
  /** the paper's error for this data set (6.55 CIFAR-10, 24.28 CIFAR-100), as a fraction */
  paperError?: number;
}): ClaimResult {
  const id = 'table1-cifar';
  const paper = 'the 18-layer ELU network reaches 6.55 % test error on CIFAR-10 and 24.28 % on CIFAR-100 (Table 1)';
  const reasons: string[] = [];
  if (!/^cifar(10|100)/.test(o.dataName) || o.paperError === undefined) reasons.push(`the data is ${o.dataName}, not CIFAR-10/100`);
  if (o.width < 1) reasons.push(`the network is ${o.width}× the paper's width`);
  if (o.iterations < o.paperIterations) reasons.push(`${o.iterations} iterations instead of ≥ ${o.paperIterations}`);
  const measured = `${fmt(100 * o.measuredError, 2)} % test error on ${o.dataName}`;
  if (reasons.length) return { id, paper, measured, verdict: 'not comparable', why: reasons.join('; ') };
  const ok = worst(o.measuredError) <= o.paperError! + 0.01;
  return {
    id,
    paper,
    measured,
    verdict: ok ? 'reproduced' : 'not reproduced',
    why: `${ok ? 'within' : 'more than'} 1 percentage point of the paper's ${fmt(100 * o.paperError!, 2)} %`,
  };
}

/** The claims as a Markdown table. */
export function claimsTable(claims: ClaimResult[]): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
  const lines = ['| claim (paper) | measured | verdict | why |', '| --- | --- | --- | --- |'];
  for (const c of claims) lines.push(`| ${esc(c.paper)} | ${esc(c.measured)} | **${c.verdict}** | ${esc(c.why)} |`);
  return lines.join('\n') + '\n';
}
