/**
 * eˣ − 1 on four float32 lanes at once: the exponential behind ELU and SELU (elu.ts, selu.ts). It stands in for
 * the twins' Math.expm1 (float64, correctly rounded to within an ulp, then rounded to float32).
 *
 *   x = k·ln 2 + r,  k = round(x·log₂e),  |r| ≤ ½ ln 2 (+ rounding)          (Cody–Waite: ln 2 = C1 + C2)
 *   eˣ − 1 = 2ᵏ·(eʳ − 1) + (2ᵏ − 1)
 *   eʳ − 1 ≈ r + r²·(1/2! + r·(1/3! + r·(1/4! + … + r·(1/8!))))                 (Taylor, degree 8)
 *
 * Written as 2ᵏ·expm1(r) + (2ᵏ − 1) rather than 2ᵏ·eʳ − 1, so that for k = 0 (−0.35 ≲ x ≤ 0) the result is
 * the polynomial itself, whose leading term r = x is exact: small inputs keep their relative precision (the
 * reason the twins use expm1 rather than exp(x) − 1). 2ᵏ is built from its bits, (k + 127) << 23.
 * The Taylor remainder r⁹/9! is < 2.2·10⁻¹⁰ for |r| ≤ 0.35, far below float32 rounding.
 *
 * Range: the input is clamped to [−24, 0] first. For x ≤ −17.33 the float32 nearest to eˣ − 1 is −1 (eˣ is
 * below half an ulp of 1), and the formula returns exactly −1 there, so clamping at −24 changes no result
 * and keeps 2ᵏ a normal float (k ≥ −35). Positive inputs are clamped to 0: callers only use lanes with x ≤ 0
 * (ELU selects x itself for x > 0). NaN in gives NaN out, as Math.expm1.
 *
 * Speed: V8 turns f32x4.min/max (NaN-propagating), f32x4.nearest and i32x4.trunc_sat_f32x4_s into sequences of
 * several x86 instructions each; pmin/pmax (one instruction) and the 1.5·2²³ rounding trick (one add gives
 * both k and the bits of 2ᵏ) compute the same values — bit for bit, compared on all 2³¹ float32 inputs with
 * the sign bit set — and took ELU's forward on 2²⁰ floats from ~545 to ~950 million elements per second
 * (best of 15 calls on the shared development machine).
 *
 * Error bound, measured against float64 Math.expm1 on every one of the 1,103,101,953 float32 values from −0
 * down to −24 (bench/exp-error.ts; test/simd-activations.test.ts repeats it on a dense grid): at most
 * 0.8495 ulp of the result (at x = −0.36387; EXPM1_MAX_ULP = 0.85 in the tests), so every result is one of
 * the two float32 neighbours of the exact value (faithful rounding); 99.70 % are the correctly rounded one.
 * The largest absolute error is 4.2·10⁻⁸ (at x = −16.98, where the ulp of values near −1 is 6·10⁻⁸).
 * Below −24 the result is exactly −1, the correctly rounded value, so the bound covers every negative
 * float32 and −∞.
 * −0 comes out as +0 (the twins give −0); nothing in elunet distinguishes the two.
 */

const LOG2E: f32 = 1.44269504088896341;
/** ln 2 split so that k·C1 is exact for |k| < 2¹⁵ (C1 has 9 significant bits): C1 + C2 = ln 2 to ~1e−12. */
const C1: f32 = 0.693359375;
const C2: f32 = -2.12194440e-4;
const LO: f32 = -24;

/** 1.5·2²³: adding it rounds a float of magnitude < 2²² to an integer (ties to even) held in the low mantissa bits. */
const ROUNDER: f32 = 12582912;

// @ts-ignore: decorator
@inline
export function expm1x4(x: v128): v128 {
  // clamp to [−24, 0]; pmin/pmax (one instruction each) keep NaN because x is their first operand
  const xc = f32x4.pmax(f32x4.pmin(x, f32x4.splat(0)), f32x4.splat(LO));
  // k = round(x·log₂e) by the 1.5·2²³ trick: t's low mantissa bits hold k, so t gives both k and 2ᵏ's bits
  const t = f32x4.add(f32x4.mul(xc, f32x4.splat(LOG2E)), f32x4.splat(ROUNDER));
  const k = f32x4.sub(t, f32x4.splat(ROUNDER));
  const r = f32x4.sub(f32x4.sub(xc, f32x4.mul(k, f32x4.splat(C1))), f32x4.mul(k, f32x4.splat(C2)));
  // Horner from 1/8! down to 1/2!, then expm1(r) = r + r²·q
  let q = f32x4.add(f32x4.splat(<f32>(1.0 / 5040.0)), f32x4.mul(r, f32x4.splat(<f32>(1.0 / 40320.0))));
  q = f32x4.add(f32x4.splat(<f32>(1.0 / 720.0)), f32x4.mul(r, q));
  q = f32x4.add(f32x4.splat(<f32>(1.0 / 120.0)), f32x4.mul(r, q));
  q = f32x4.add(f32x4.splat(<f32>(1.0 / 24.0)), f32x4.mul(r, q));
  q = f32x4.add(f32x4.splat(<f32>(1.0 / 6.0)), f32x4.mul(r, q));
  q = f32x4.add(f32x4.splat(0.5), f32x4.mul(r, q));
  const em1 = f32x4.add(r, f32x4.mul(f32x4.mul(r, r), q));
  // 2ᵏ = bits (k + 127) << 23: t's bits are 0x4B400000 + k, and the shift drops everything above the low 9
  // bits, so (bits(t) + 127) << 23 is (k + 127) << 23 for k ∈ [−35, 0]. NaN gives 1.0 and stays NaN through r.
  const scale = i32x4.shl(i32x4.add(t, i32x4.splat(127)), 23);
  return f32x4.add(f32x4.mul(scale, em1), f32x4.sub(scale, f32x4.splat(1)));
}

/** The same function on one float (lane 0 of the vector version), for the scalar tails: identical results. */
// @ts-ignore: decorator
@inline
export function expm1f1(x: f32): f32 {
  return f32x4.extract_lane(expm1x4(f32x4.splat(x)), 0);
}

/** y[i] = expm1(x[i]) for x[i] ≤ 0 (clamped to 0 above), exported for the error measurement and its test. */
export function expm1Neg(y: usize, x: usize, count: i32): void {
  const full = count & ~3;
  for (let t = 0; t < full; t += 4) {
    const off: usize = <usize>t << 2;
    v128.store(y + off, expm1x4(v128.load(x + off)));
  }
  for (let t = max(full, 0); t < count; t++) {
    const off: usize = <usize>t << 2;
    store<f32>(y + off, expm1f1(load<f32>(x + off)));
  }
}
