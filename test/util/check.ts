/**
 * The checks every test shares.
 *
 * expectClose   — elementwise comparison that prints the first differing pairs and the largest error.
 * gradCheck / assertGradients — analytic gradients against central finite differences (src/gradcheck/finite-difference.ts,
 *                 where the method is explained).
 */
import { Rng } from '../../src/rng.js';
import { gradCheck, type GradCheckOptions, type GradCheckResult } from '../../src/gradcheck/finite-difference.js';
export { gradCheck };
export type { GradParam, GradCheckOptions, GradCheckResult } from '../../src/gradcheck/finite-difference.js';

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

