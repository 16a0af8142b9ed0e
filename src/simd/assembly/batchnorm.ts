/**
 * Batch normalization, WebAssembly SIMD version. Twin of src/kernels/batchnorm.ts (per channel, PyTorch's
 * conventions: biased variance in the forward), held to it by test/simd-ops.test.ts.
 *
 *   x, y, xhat: (N,C,S)   gamma, beta, mean, invStd: (C)          M = N·S values per channel
 *   μ_c = (1/M) Σ x        σ²_c = (1/M) Σ (x − μ_c)²        invStd_c = 1/√(σ²_c + ε)
 *   xhat = (x − μ_c)·invStd_c        y = γ_c·xhat + β_c
 *   dβ_c += Σ dy     dγ_c += Σ dy·xhat     dx += (γ_c·invStd_c/M)·(M·dy − Σ dy − xhat·Σ dy·xhat)
 *   eval: y = γ_c·(x − runMean_c)/√(runVar_c + ε) + β_c
 *
 * Like the twin, everything is computed in float64 and rounded once when stored: each f32x4 of the input is
 * widened to two f64x2 (f64x2.promote_low_f32x4), the arithmetic runs on pairs of doubles, and the results are
 * narrowed back (f32x4.demote_f64x2_zero). What differs is only the order of the float64 sums (two lanes
 * accumulate alternate pairs of elements, then the lanes and the scalar tail are added), which moves μ and
 * the sums by float64 roundings — the float32 results then agree with the twin's to an ulp or so.
 * The per-channel rows (S contiguous values for each sample) end with a scalar tail for S % 4.
 * The running-statistics update (C values) is left to the TypeScript twin.
 */

// @ts-ignore: decorator
@inline
function lo64(v: v128): v128 {
  return f64x2.promote_low_f32x4(v);
}
// @ts-ignore: decorator
@inline
function hi64(v: v128): v128 {
  return f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1));
}
/** Narrows two f64x2 (elements 0–1 and 2–3) to one f32x4. */
// @ts-ignore: decorator
@inline
function narrow(lo: v128, hi: v128): v128 {
  return v128.shuffle<f32>(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
}
// @ts-ignore: decorator
@inline
function hsum(v: v128): f64 {
  return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
}

export function batchNormForwardTrain(y: usize, xhat: usize, mean: usize, invStd: usize, x: usize, gamma: usize,
                                      beta: usize, N: i32, C: i32, S: i32, eps: f64): void {
  const M = <f64>N * S;
  const sampleBytes: usize = (<usize>C * S) << 2;
  const full = S & ~3;
  for (let ch = 0; ch < C; ch++) {
    const chBase = x + ((<usize>ch * S) << 2);
    let acc = f64x2.splat(0);
    let tail: f64 = 0;
    for (let b = 0; b < N; b++) {
      const row = chBase + <usize>b * sampleBytes;
      for (let i = 0; i < full; i += 4) {
        const v = v128.load(row + (<usize>i << 2));
        acc = f64x2.add(acc, f64x2.add(lo64(v), hi64(v)));
      }
      for (let i = full; i < S; i++) tail += <f64>load<f32>(row + (<usize>i << 2));
    }
    const mu = (hsum(acc) + tail) / M;
    const muv = f64x2.splat(mu);
    let sq = f64x2.splat(0);
    let sqTail: f64 = 0;
    for (let b = 0; b < N; b++) {
      const row = chBase + <usize>b * sampleBytes;
      for (let i = 0; i < full; i += 4) {
        const v = v128.load(row + (<usize>i << 2));
        const d0 = f64x2.sub(lo64(v), muv);
        const d1 = f64x2.sub(hi64(v), muv);
        sq = f64x2.add(sq, f64x2.add(f64x2.mul(d0, d0), f64x2.mul(d1, d1)));
      }
      for (let i = full; i < S; i++) {
        const d = <f64>load<f32>(row + (<usize>i << 2)) - mu;
        sqTail += d * d;
      }
    }
    const inv = 1 / Math.sqrt((hsum(sq) + sqTail) / M + eps);
    const g = <f64>load<f32>(gamma + (<usize>ch << 2));
    const bt = <f64>load<f32>(beta + (<usize>ch << 2));
    const invv = f64x2.splat(inv), gv = f64x2.splat(g), btv = f64x2.splat(bt);
    const off0: usize = (<usize>ch * S) << 2;
    for (let b = 0; b < N; b++) {
      const off = off0 + <usize>b * sampleBytes;
      for (let i = 0; i < full; i += 4) {
        const o = off + (<usize>i << 2);
        const v = v128.load(x + o);
        const h0 = f64x2.mul(f64x2.sub(lo64(v), muv), invv);
        const h1 = f64x2.mul(f64x2.sub(hi64(v), muv), invv);
        v128.store(xhat + o, narrow(h0, h1));
        v128.store(y + o, narrow(f64x2.add(f64x2.mul(gv, h0), btv), f64x2.add(f64x2.mul(gv, h1), btv)));
      }
      for (let i = full; i < S; i++) {
        const o = off + (<usize>i << 2);
        const xh = (<f64>load<f32>(x + o) - mu) * inv;
        store<f32>(xhat + o, <f32>xh);
        store<f32>(y + o, <f32>(g * xh + bt));
      }
    }
    store<f32>(mean + (<usize>ch << 2), <f32>mu);
    store<f32>(invStd + (<usize>ch << 2), <f32>inv);
  }
}

export function batchNormForwardEval(y: usize, x: usize, gamma: usize, beta: usize, runMean: usize, runVar: usize,
                                     N: i32, C: i32, S: i32, eps: f64): void {
  const sampleBytes: usize = (<usize>C * S) << 2;
  const full = S & ~3;
  for (let ch = 0; ch < C; ch++) {
    // y = scale·x + shift, scale = γ/√(var + ε), shift = β − scale·mean (the twin's order of operations)
    const scale = <f64>load<f32>(gamma + (<usize>ch << 2)) / Math.sqrt(<f64>load<f32>(runVar + (<usize>ch << 2)) + eps);
    const shift = <f64>load<f32>(beta + (<usize>ch << 2)) - scale * <f64>load<f32>(runMean + (<usize>ch << 2));
    const sv = f64x2.splat(scale), hv = f64x2.splat(shift);
    const off0: usize = (<usize>ch * S) << 2;
    for (let b = 0; b < N; b++) {
      const off = off0 + <usize>b * sampleBytes;
      for (let i = 0; i < full; i += 4) {
        const o = off + (<usize>i << 2);
        const v = v128.load(x + o);
        v128.store(y + o, narrow(f64x2.add(f64x2.mul(sv, lo64(v)), hv), f64x2.add(f64x2.mul(sv, hi64(v)), hv)));
      }
      for (let i = full; i < S; i++) {
        const o = off + (<usize>i << 2);
        store<f32>(y + o, <f32>(scale * <f64>load<f32>(x + o) + shift));
      }
    }
  }
}

export function batchNormBackward(dx: usize, dgamma: usize, dbeta: usize, dy: usize, xhat: usize, invStd: usize,
                                  gamma: usize, N: i32, C: i32, S: i32): void {
  const M = <f64>N * S;
  const sampleBytes: usize = (<usize>C * S) << 2;
  const full = S & ~3;
  for (let ch = 0; ch < C; ch++) {
    const off0: usize = (<usize>ch * S) << 2;
    let sDy = f64x2.splat(0), sDyX = f64x2.splat(0);
    let tDy: f64 = 0, tDyX: f64 = 0;
    for (let b = 0; b < N; b++) {
      const off = off0 + <usize>b * sampleBytes;
      for (let i = 0; i < full; i += 4) {
        const o = off + (<usize>i << 2);
        const g = v128.load(dy + o);
        const h = v128.load(xhat + o);
        const g0 = lo64(g), g1 = hi64(g);
        sDy = f64x2.add(sDy, f64x2.add(g0, g1));
        sDyX = f64x2.add(sDyX, f64x2.add(f64x2.mul(g0, lo64(h)), f64x2.mul(g1, hi64(h))));
      }
      for (let i = full; i < S; i++) {
        const o = off + (<usize>i << 2);
        const g = <f64>load<f32>(dy + o);
        tDy += g;
        tDyX += g * <f64>load<f32>(xhat + o);
      }
    }
    const sumDy = hsum(sDy) + tDy;
    const sumDyXhat = hsum(sDyX) + tDyX;
    const cb = dbeta + (<usize>ch << 2);
    const cg = dgamma + (<usize>ch << 2);
    store<f32>(cb, <f32>(<f64>load<f32>(cb) + sumDy));
    store<f32>(cg, <f32>(<f64>load<f32>(cg) + sumDyXhat));
    const k = (<f64>load<f32>(gamma + (<usize>ch << 2)) * <f64>load<f32>(invStd + (<usize>ch << 2))) / M;
    const kM = k * M, kSumDy = k * sumDy, kSumDyXhat = k * sumDyXhat;
    const kMv = f64x2.splat(kM), kSv = f64x2.splat(kSumDy), kXv = f64x2.splat(kSumDyXhat);
    for (let b = 0; b < N; b++) {
      const off = off0 + <usize>b * sampleBytes;
      for (let i = 0; i < full; i += 4) {
        const o = off + (<usize>i << 2);
        const g = v128.load(dy + o);
        const h = v128.load(xhat + o);
        const d = v128.load(dx + o);
        // dx += kM·dy − kSumDy − xhat·kSumDyXhat, in float64 (the twin's expression)
        const r0 = f64x2.add(lo64(d), f64x2.sub(f64x2.sub(f64x2.mul(kMv, lo64(g)), kSv), f64x2.mul(lo64(h), kXv)));
        const r1 = f64x2.add(hi64(d), f64x2.sub(f64x2.sub(f64x2.mul(kMv, hi64(g)), kSv), f64x2.mul(hi64(h), kXv)));
        v128.store(dx + o, narrow(r0, r1));
      }
      for (let i = full; i < S; i++) {
        const o = off + (<usize>i << 2);
        const v = <f64>load<f32>(dx + o) + (kM * <f64>load<f32>(dy + o) - kSumDy - <f64>load<f32>(xhat + o) * kSumDyXhat);
        store<f32>(dx + o, <f32>v);
      }
    }
  }
}
