/**
 * The gradient checker: analytic gradients against central finite differences. Used by the test suite
 * (test/util/check.ts re-exports it) and, through ./network.ts, by `elunet gradcheck`.
 *
 * How it works (and why it can fail):
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
import { Rng } from '../rng.js';

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
  /**
   * When set, an element whose one-sided slopes (L⁺−L⁰)/h and (L⁰−L⁻)/h disagree by more than this
   * (relative, same measure as tol) is skipped and counted in `skipped`: a kink (a max-pool argmax that
   * switches, a ReLU that crosses zero) lies inside [v−h, v+h], where a central difference means nothing.
   * Whole-network checks need this; single-op tests keep their inputs away from kinks instead and leave it off.
   */
  kinkTol?: number;
  /**
   * Step sizes to try in turn (default [h]); an element passes if any of them agrees within tol. A whole
   * network in float32 has so many kinks (every max-pool window, every ReLU) that some fall within any one
   * step; a wrong sign or index fails at every step size, so a ladder keeps the check sharp.
   */
  steps?: number[];
}

/** (L(v+h) − L(v−h)) / (v⁺ − v⁻) at element i, restoring the value; kink when kinkTol says so. */
function centralDifference(
  o: GradCheckOptions,
  value: Float32Array,
  i: number,
  h: number,
  dout: Float32Array,
  floor: number,
): { slope: number; kink: boolean } {
  const v = value[i];
  value[i] = v + h;
  const vp = value[i];
  const lp = scalarLoss(o.forward(), dout);
  value[i] = v - h;
  const vm = value[i];
  const lm = scalarLoss(o.forward(), dout);
  value[i] = v;
  let kink = false;
  if (o.kinkTol !== undefined) {
    const l0 = scalarLoss(o.forward(), dout);
    const right = (lp - l0) / (vp - v);
    const left = (l0 - lm) / (v - vm);
    kink = Math.abs(right - left) / Math.max(Math.abs(right) + Math.abs(left), floor) > o.kinkTol;
  }
  return { slope: (lp - lm) / (vp - vm), kink };
}

export interface GradCheckResult {
  ok: boolean;
  worst: number;
  checked: number;
  /** elements skipped because a kink lies within ±h (only with kinkTol) */
  skipped: number;
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
  const steps = o.steps ?? [h];
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
  let skipped = 0;
  o.params.forEach((p, k) => {
    const idx = Array.from({ length: p.value.length }, (_, i) => i);
    rng.shuffle(idx);
    for (const i of idx.slice(0, maxChecks)) {
      const a = analytic[k][i];
      let best = Infinity;
      let bestN = NaN;
      for (const step of steps) {
        const r = centralDifference(o, p.value, i, step, dout, floor);
        if (r.kink) continue;
        const err = Math.abs(a - r.slope) / Math.max(Math.abs(a) + Math.abs(r.slope), floor);
        if (err < best) {
          best = err;
          bestN = r.slope;
        }
        if (best <= tol) break;
      }
      if (best === Infinity) {
        skipped++;
        continue;
      }
      checked++;
      if (best > worst) worst = best;
      if (!(best <= tol) && failures.length < 6) {
        failures.push(`  ${p.name}[${i}]: analytic ${a.toExponential(5)} numeric ${bestN.toExponential(5)} (error ${best.toExponential(2)})`);
      } else if (!(best <= tol)) {
        failures.push('');
      }
    }
  });
  o.forward(); // leave outputs consistent with the restored parameters
  return { ok: failures.length === 0, worst, checked, skipped, failures: failures.filter((f) => f !== '') };
}
