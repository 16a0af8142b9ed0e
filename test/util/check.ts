/**
 * The checks every test shares.
 *
 * expectClose   — elementwise comparison that prints the first differing pairs and the largest error.
 * checkGradients — analytic gradients against central finite differences.
 *
 * How checkGradients works (and why it can fail):
 *  1. y = forward(); the output is reduced to a scalar L = Σ dout·y with a random upstream gradient dout,
 *     so every output element matters and a wrong index cannot hide behind symmetric weights.
 *  2. Every gradient buffer is pre-filled with random values r before backward(dout) runs; the analytic
 *     gradient is taken as (grad − r). A backward that overwrites (`=`) instead of accumulating (`+=`)
 *     therefore fails, and so does one that forgets to add a term.
 *  3. For (a sample of) every element v of every parameter, L is evaluated at v+h and v−h (float32 storage,
 *     float64 sums) and the numeric slope (L⁺ − L⁻) / (v⁺ − v⁻) uses the step that float32 actually stored.
 *  4. The error is |a − n| / max(|a| + |n|, floor): relative where gradients are large, absolute (÷ floor)
 *     where they are near zero, so tiny gradients do not fail on rounding noise.
 */
import { Rng } from '../../src/rng.js';

export interface CloseOptions {
  /** relative tolerance (× |expected|) */
  rtol?: number;
  /** absolute tolerance */
  atol?: number;
  /** label printed in the failure message */
  name?: string;
}

/** Throws (with the first differing pairs and the largest error) unless |a−e| ≤ atol + rtol·|e| everywhere. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, opts: CloseOptions = {}): void {
  const { rtol = 1e-5, atol = 1e-6, name = 'values' } = opts;
  if (actual.length !== expected.length) {
    throw new Error(`${name}: length ${actual.length} != expected length ${expected.length}`);
  }
  const bad: string[] = [];
  let worst = 0;
  let worstAt = -1;
  let nBad = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const e = expected[i];
    const err = Math.abs(a - e);
    const lim = atol + rtol * Math.abs(e);
    const excess = err / lim;
    if (!(err <= lim)) {
      nBad++;
      if (bad.length < 8) bad.push(`  [${i}] actual ${a} expected ${e} (|diff| ${err.toExponential(3)})`);
    }
    if (!(excess <= worst)) {
      worst = excess;
      worstAt = i;
    }
  }
  if (nBad > 0) {
    throw new Error(
      `${name}: ${nBad} of ${actual.length} elements differ (rtol ${rtol}, atol ${atol}); first:\n${bad.join('\n')}\n` +
        `  largest error at [${worstAt}]: actual ${actual[worstAt]} expected ${expected[worstAt]}`,
    );
  }
}

export interface GradParam {
  name: string;
  value: Float32Array;
  grad: Float32Array;
}

export interface GradCheckOptions {
  name: string;
  params: GradParam[];
  /** Recompute the output from the current parameter values. A number is a scalar output (a loss). */
  forward: () => Float32Array | number;
  /** Accumulate gradients for the upstream gradient dout into every param.grad. */
  backward: (dout: Float32Array) => void;
  /** seed for dout, the pre-fill and the choice of checked elements; printed on failure */
  seed: number;
  /** finite-difference step (default 1e-2: float32 holds ~7 digits, so the rounding error of a central
   *  difference ≈ 6e-8·|L|/h stays ~1e-5·|L| while the truncation error h²·f‴/6 stays ~1e-5 for O(1) curvature) */
  h?: number;
  /** tolerance on |a−n| / max(|a|+|n|, floor) (default 1e-2: covers the two errors above with margin, while a
   *  flipped sign gives 1, a missing term or a wrong index typically 0.1–1) */
  tol?: number;
  /** floor of the denominator (default 1e-3) */
  floor?: number;
  /** at most this many elements per parameter are checked (sampled without replacement) */
  maxChecks?: number;
}

export interface GradCheckResult {
  ok: boolean;
  worst: number;
  checked: number;
  failures: string[];
}

function scalarLoss(out: Float32Array | number, dout: Float32Array): number {
  if (typeof out === 'number') return out * dout[0];
  let s = 0;
  for (let i = 0; i < out.length; i++) s += dout[i] * out[i];
  return s;
}

/** Runs the check and returns the result (does not throw). */
export function gradCheck(o: GradCheckOptions): GradCheckResult {
  const h = o.h ?? 1e-2;
  const tol = o.tol ?? 1e-2;
  const floor = o.floor ?? 1e-3;
  const maxChecks = o.maxChecks ?? 64;
  const rng = new Rng(o.seed);

  const y0 = o.forward();
  const outLen = typeof y0 === 'number' ? 1 : y0.length;
  const dout = new Float32Array(outLen);
  for (let i = 0; i < outLen; i++) dout[i] = rng.normal();

  const prefill = o.params.map((p) => {
    const r = new Float32Array(p.grad.length);
    for (let i = 0; i < r.length; i++) r[i] = rng.normal();
    p.grad.set(r);
    return r;
  });
  o.backward(dout);
  const analytic = o.params.map((p, k) => {
    const a = new Float64Array(p.grad.length);
    for (let i = 0; i < a.length; i++) a[i] = p.grad[i] - prefill[k][i];
    return a;
  });

  const failures: string[] = [];
  let worst = 0;
  let checked = 0;
  o.params.forEach((p, k) => {
    const idx = Array.from({ length: p.value.length }, (_, i) => i);
    rng.shuffle(idx);
    for (const i of idx.slice(0, maxChecks)) {
      const v = p.value[i];
      p.value[i] = v + h;
      const vp = p.value[i];
      const lp = scalarLoss(o.forward(), dout);
      p.value[i] = v - h;
      const vm = p.value[i];
      const lm = scalarLoss(o.forward(), dout);
      p.value[i] = v;
      const n = (lp - lm) / (vp - vm);
      const a = analytic[k][i];
      const err = Math.abs(a - n) / Math.max(Math.abs(a) + Math.abs(n), floor);
      checked++;
      if (err > worst) worst = err;
      if (!(err <= tol) && failures.length < 6) {
        failures.push(`  ${p.name}[${i}]: analytic ${a.toExponential(5)} numeric ${n.toExponential(5)} (error ${err.toExponential(2)})`);
      }
    }
  });
  o.forward(); // leave outputs consistent with the restored parameters
  return { ok: failures.length === 0, worst, checked, failures };
}

/** Runs the check and throws with the seed and the differing values if any element is off. */
export function assertGradients(o: GradCheckOptions): GradCheckResult {
  const r = gradCheck(o);
  if (!r.ok) {
    throw new Error(
      `${o.name}: gradient check failed (seed ${o.seed}, tol ${o.tol ?? 1e-2}, worst error ${r.worst.toExponential(2)}):\n` +
        r.failures.join('\n'),
    );
  }
  return r;
}

/** Random Float32Array with entries uniform in [lo, hi). */
export function randomArray(rng: Rng, n: number, lo = -1, hi = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * rng.uniform();
  return a;
}

/** Random values kept at least `gap` away from every point in `kinks` (for piecewise-linear ops). */
export function randomAwayFrom(rng: Rng, n: number, kinks: number[], gap: number, lo = -2, hi = 2): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let v: number;
    do v = lo + (hi - lo) * rng.uniform();
    while (kinks.some((k) => Math.abs(v - k) < gap));
    a[i] = v;
  }
  return a;
}

/** fast-check settings shared by every property test: a fixed seed so CI is repeatable. */
export const FC_SEED = 20160201;
export function fcParams(numRuns = 25): { seed: number; numRuns: number; verbose: number } {
  return { seed: FC_SEED, numRuns, verbose: 1 };
}
