/**
 * Axis ticks: "nice" values for linear axes (steps of 1, 2 or 5 × 10^k) and decades for log axes, plus
 * the label text for each tick.
 *
 * Linear axes. For data in [lo, hi] and at most `maxIntervals` intervals, the step is the SMALLEST value
 * of the form m·10^k (m ∈ {1, 2, 5}) for which the nice range
 *
 *   [⌊lo / step⌋ · step,  ⌈hi / step⌉ · step]
 *
 * has at most maxIntervals steps. Examples (maxIntervals = 6):
 *   0 .. 1          → step 0.2   → 0, 0.2, 0.4, 0.6, 0.8, 1
 *   0.0013 .. 0.0171 → step 0.005 → 0, 0.005, 0.01, 0.015, 0.02
 *   3 .. 97         → step 20    → 0, 20, 40, 60, 80, 100
 * Tick values are k·step computed from the integer k and rounded to the step's decimals, so labels never
 * read 0.30000000000000004.
 *
 * Log axes. Powers of ten are labelled (every k-th one on axes spanning many decades); on axes spanning
 * at most about two decades 2·10^k and 5·10^k are labelled too, within about one decade also 3·10^k, and
 * within half a decade every m·10^k; a range narrower still is labelled with linear nice ticks.
 * The other m·10^k (m = 2..9) are returned as minor ticks for light grid lines.
 */
import { ShapeError } from '../errors.js';

export interface Ticks {
  /** axis start (a multiple of step for linear axes, a power of ten for log axes) */
  lo: number;
  /** axis end */
  hi: number;
  /** tick values, ascending, lo and hi included */
  values: number[];
  /** label text for each tick value */
  labels: string[];
  /** linear: the step; log: 0 */
  step: number;
  /** log axes only: unlabelled minor ticks (2..9 × 10^k) for light grid lines */
  minor: number[];
}

const MANTISSAS = [1, 2, 5];

/** Number of decimals needed to print multiples of `step` (a 1, 2 or 5 × 10^k value) exactly. */
function decimalsFor(step: number): number {
  return Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
}

/**
 * Label for tick value v on an axis with the given step: fixed-point with as many decimals as the step
 * needs, or exponent form (2e-5, 1.5e+6) when fixed-point would be too long. −0 prints as 0.
 */
export function formatTick(v: number, step: number): string {
  if (v === 0 || Object.is(v, -0)) return '0';
  const dec = step > 0 ? decimalsFor(step) : decimalsFor(Math.abs(v));
  const abs = Math.abs(v);
  if (dec <= 4 && abs < 1e6) return v.toFixed(dec);
  // exponent form: enough mantissa digits to tell ticks one step apart
  const digits = step > 0 ? Math.max(0, Math.floor(Math.log10(abs) + 1e-9) - Math.floor(Math.log10(step) + 1e-9)) : 0;
  const [mant, exp] = v.toExponential(Math.min(digits, 6)).split('e');
  const m = mant.includes('.') ? mant.replace(/0+$/, '').replace(/\.$/, '') : mant;
  return `${m}e${exp.replace('+', '')}`;
}

/** Nice linear ticks covering [lo, hi] with at most maxIntervals steps (see the file header). */
export function niceTicks(lo: number, hi: number, maxIntervals = 6): Ticks {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
    throw new ShapeError(`niceTicks: the range must be finite, got [${lo}, ${hi}]`);
  }
  if (!Number.isInteger(maxIntervals) || maxIntervals < 1) {
    throw new ShapeError(`niceTicks: maxIntervals must be an integer ≥ 1, got ${maxIntervals}`);
  }
  if (lo > hi) [lo, hi] = [hi, lo];
  if (lo === hi) {
    // a flat series: centre it in a small range around the value
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const span = hi - lo;
  let exp = Math.floor(Math.log10(span / maxIntervals)) - 1;
  for (;;) {
    for (const m of MANTISSAS) {
      const step = m * 10 ** exp;
      const kLo = Math.floor(lo / step + 1e-9);
      const kHi = Math.ceil(hi / step - 1e-9);
      if (kHi - kLo <= maxIntervals) {
        const dec = decimalsFor(step);
        const values: number[] = [];
        for (let k = kLo; k <= kHi; k++) values.push(Number((k * step).toFixed(Math.min(dec, 20))));
        return {
          lo: values[0],
          hi: values[values.length - 1],
          values,
          labels: values.map((v) => formatTick(v, step)),
          step,
          minor: [],
        };
      }
    }
    exp++;
  }
}

/** Label for a log-axis tick m·10^e: decimal for 10^-3..10^5, else exponent form (1e-5, 2e6). */
function formatLogTick(m: number, e: number): string {
  if (e >= -3 && e <= 5) return (m * 10 ** e).toFixed(Math.max(0, -e));
  return `${m}e${e}`;
}

/**
 * Ticks for a log axis showing [lo, hi] (lo > 0); see the file header. The axis is the data range padded
 * by 3 % of its span in log10 units, and snapped to a power of ten when one lies within 10 % of the span
 * outside the data (so a curve from 0.011 to 0.9 gets the axis 0.01 .. 1).
 */
export function logTicks(lo: number, hi: number, maxLabels = 8): Ticks {
  if (!(lo > 0) || !(hi > 0) || !Number.isFinite(lo) || !Number.isFinite(hi)) {
    throw new ShapeError(`logTicks: a log axis needs a positive finite range, got [${lo}, ${hi}]; use a linear axis for data ≤ 0`);
  }
  if (lo > hi) [lo, hi] = [hi, lo];
  let lLo = Math.log10(lo);
  let lHi = Math.log10(hi);
  if (lHi - lLo < 0.3) {
    // less than a factor of 2: widen symmetrically so the axis shows at least two labelled ticks
    const mid = (lLo + lHi) / 2;
    lLo = mid - 0.15;
    lHi = mid + 0.15;
  }
  const span = lHi - lLo;
  const snapLo = Math.floor(lLo + 1e-9);
  const snapHi = Math.ceil(lHi - 1e-9);
  const aLo = lLo - snapLo <= 0.1 * span ? snapLo : lLo - 0.03 * span;
  const aHi = snapHi - lHi <= 0.1 * span ? snapHi : lHi + 0.03 * span;
  const axisSpan = aHi - aLo;
  // which mantissas get a label: only decades on long axes, 1-2-5 on medium, 1-2-3-5 within about a decade
  const labelled = axisSpan > 2.5 ? [1] : axisSpan > 1.2 ? [1, 2, 5] : axisSpan > 0.6 ? [1, 2, 3, 5] : [1, 2, 3, 4, 5, 6, 7, 8, 9];
  const eFirst = Math.floor(aLo);
  const eLast = Math.ceil(aHi);
  const every = Math.max(1, Math.ceil((eLast - eFirst + 1) / maxLabels));
  const values: number[] = [];
  const labels: string[] = [];
  const minor: number[] = [];
  const eps = 1e-9;
  for (let e = eFirst; e <= eLast; e++) {
    for (let m = 1; m <= 9; m++) {
      const l = Math.log10(m) + e;
      if (l < aLo - eps || l > aHi + eps) continue;
      const v = Number((m * 10 ** e).toPrecision(12));
      const isLabel = labelled.includes(m) && (m !== 1 || (e - eFirst) % every === 0) && (every === 1 || m === 1);
      if (isLabel) {
        values.push(v);
        labels.push(formatLogTick(m, e));
      } else minor.push(v);
    }
  }
  const axisLo = Number((10 ** aLo).toPrecision(12));
  const axisHi = Number((10 ** aHi).toPrecision(12));
  if (values.length < 2) {
    // a range narrower than from one m·10^k to the next: label it like a linear axis
    const lin = niceTicks(axisLo, axisHi, 4);
    const inside = lin.values.map((v, i) => [v, i] as const).filter(([v]) => v >= axisLo && v <= axisHi);
    return { lo: axisLo, hi: axisHi, values: inside.map(([v]) => v), labels: inside.map(([, i]) => lin.labels[i]), step: 0, minor };
  }
  return {
    lo: axisLo,
    hi: axisHi,
    values,
    labels,
    step: 0,
    minor,
  };
}
