/**
 * The standard normal distribution function, to double precision, for the large-sample branch of the
 * signed-rank test:
 *
 *   Φ(z) = ½ · erfc(−z / √2)
 *
 * erfc is computed two ways, each where it keeps its relative precision:
 *   0 ≤ x < 2     erf(x) = (2/√π) · e^(−x²) · Σₖ (2x²)ᵏ · x / (1·3·5···(2k+1))    (all terms positive: no
 *                 cancellation; erfc = 1 − erf loses at most ~2 of 16 digits at x = 2, where erfc ≈ 5e-3)
 *   x ≥ 2         erfc(x) = e^(−x²)/√π · 1/(x + ½/(x + 1/(x + (3/2)/(x + 2/(x + …)))))    (Laplace's
 *                 continued fraction, evaluated bottom-up from a fixed depth; it converges fast for x ≥ 2)
 * test/stats.test.ts holds both branches to published values of Φ and to each other where they meet.
 */

const TWO_OVER_SQRT_PI = 1.1283791670955126; // 2/√π
const ONE_OVER_SQRT_PI = 0.5641895835477563; // 1/√π

/** Terms of the series until they stop changing the sum (fewer than 60 for x < 2). */
function erfSeries(x: number): number {
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let k = 1; k < 500; k++) {
    term *= (2 * x2) / (2 * k + 1);
    const next = sum + term;
    if (next === sum) break;
    sum = next;
  }
  return TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
}

/** Continued fraction for erfc, depth 120: at x = 2, depth 120 and depth 400 give the same double. */
function erfcContinuedFraction(x: number): number {
  let f = x;
  for (let k = 120; k >= 1; k--) f = x + k / 2 / f;
  return (ONE_OVER_SQRT_PI * Math.exp(-x * x)) / f;
}

/** Complementary error function erfc(x) = 1 − erf(x), for any real x. */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return 2 - erfc(-x);
  if (x === Infinity) return 0;
  return x < 2 ? 1 - erfSeries(x) : erfcContinuedFraction(x);
}

/** Standard normal distribution function Φ(z) = P(Z ≤ z). */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}
