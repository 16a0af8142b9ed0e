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
 * Log axes. The range is widened to whole decades 10^⌊log10 lo⌋ .. 10^⌈log10 hi⌉; every decade is a tick,
 * and when the axis spans at most two decades 2·10^k and 5·10^k are labelled too.
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

/** Decade ticks covering [lo, hi] for a log axis (lo > 0); see the file header. */
export function logTicks(lo: number, hi: number, maxLabels = 8): Ticks {
  if (!(lo > 0) || !(hi > 0) || !Number.isFinite(lo) || !Number.isFinite(hi)) {
    throw new ShapeError(`logTicks: a log axis needs a positive finite range, got [${lo}, ${hi}]; use a linear axis for data ≤ 0`);
  }
  if (lo > hi) [lo, hi] = [hi, lo];
  const eLo = Math.floor(Math.log10(lo) + 1e-9);
  let eHi = Math.ceil(Math.log10(hi) - 1e-9);
  if (eHi === eLo) eHi++;
  const decades = eHi - eLo;
  const values: number[] = [];
  const labels: string[] = [];
  const minor: number[] = [];
  // label every `every`-th decade so that at most maxLabels labels appear
  const every = Math.max(1, Math.ceil((decades + 1) / maxLabels));
  for (let e = eLo; e <= eHi; e++) {
    const v = Number((10 ** e).toPrecision(12));
    if ((e - eLo) % every === 0) {
      values.push(v);
      labels.push(formatLogTick(1, e));
    } else minor.push(v);
    if (e === eHi) break;
    for (let m = 2; m <= 9; m++) {
      const mv = Number((m * 10 ** e).toPrecision(12));
      if (decades <= 2 && (m === 2 || m === 5)) {
        values.push(mv);
        labels.push(formatLogTick(m, e));
      } else minor.push(mv);
    }
  }
  const axisLo = Number((10 ** eLo).toPrecision(12));
  const axisHi = Number((10 ** eHi).toPrecision(12));
  return { lo: axisLo, hi: axisHi, values, labels, step: 0, minor };
}
