/**
 * What the SIMD kernel tests share: the kernel set of the built module, copies of test arrays into its memory,
 * the float32 error bounds the SIMD kernels are held to, and the property checks themselves — written as
 * functions of a kernel set so that test/simd-planted-bugs.test.ts can run the very same checks on a module
 * compiled from a deliberately broken copy of the sources and show that they fail.
 *
 * The tolerances, and why (u = 2⁻²⁴, the unit roundoff of float32; "ulp" = unit in the last place):
 *  - sums (matmul, dense, conv): the SIMD kernels add in float32, the references in float64 then round once.
 *    A float32 sum of T products differs from the exact one by at most ≈ T·u·Σ|terms| (Higham's γ_T bound,
 *    first order), so each element is held to |simd − ref| ≤ (T + 4)·u·(Σ|terms| + |accumulated-onto value|),
 *    with Σ|terms| computed by running the naive kernel on the absolute values of the inputs. The +4 covers
 *    the reference's own rounding and the final adds. This is a worst case, so it never fails on honest
 *    rounding, and a wrong index or sign moves an element by a whole term, far outside it.
 *  - elementwise ops: a few roundings each, stated where they are used (ELU's forward: the measured bound
 *    of expm1, EXPM1_MAX_ULP; ReLU, shifted ReLU and max pooling: exactly the same bits).
 */
import fc from 'fast-check';
import * as ts from '../../src/kernels/index.js';
import { SimdKernels, createSimdKernels } from '../../src/simd/index.js';
import { Rng } from '../../src/rng.js';
import { fcParams } from './check.js';

export const U = 2 ** -24;
/**
 * The largest error of the vector expm1 (src/simd/assembly/expm1.ts) in float32 ulps of the result, measured
 * on every negative float32 down to −24 by bench/exp-error.ts (0.8495 ulp at x = −0.36387);
 * test/simd-activations.test.ts checks it on a dense grid. Keep equal to the bound stated in expm1.ts and
 * docs/kernels/simd.md.
 */
export const EXPM1_MAX_ULP = 0.85;

let shared: SimdKernels | null = null;
/** One kernel set on the built module, per test process. */
export function simd(): SimdKernels {
  shared ??= createSimdKernels();
  return shared;
}

/** A copy of `src` inside the kernel set's memory. */
export function inMem(k: SimdKernels, src: ArrayLike<number>): Float32Array {
  const v = k.memory.f32(src.length);
  v.set(src);
  return v;
}

export function inMemI32(k: SimdKernels, src: ArrayLike<number>): Int32Array {
  const v = k.memory.i32(src.length);
  v.set(src);
  return v;
}

/** Runs `fn` with the memory's allocations released afterwards (each property run allocates afresh). */
export function scoped<T>(k: SimdKernels, fn: () => T): T {
  const mark = k.memory.mark();
  try {
    return fn();
  } finally {
    k.memory.release(mark);
  }
}

export function randomF32(rng: Rng, n: number, lo = -1, hi = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * rng.uniform();
  return a;
}

const abs = (a: ArrayLike<number>): Float32Array => Float32Array.from(a, Math.abs);

/**
 * Throws unless |actual[i] − ref[i]| ≤ bound[i] for every i (NaN must meet NaN, an infinity the same infinity),
 * printing the first offenders and the worst ratio error / bound.
 */
export function expectWithin(actual: ArrayLike<number>, ref: ArrayLike<number>, bound: (i: number) => number,
                             name: string): void {
  if (actual.length !== ref.length) throw new Error(`${name}: length ${actual.length} != ${ref.length}`);
  const bad: string[] = [];
  let worst = 0;
  for (let i = 0; i < ref.length; i++) {
    const a = actual[i];
    const r = ref[i];
    if (Number.isNaN(r) || Number.isNaN(a)) {
      if (Number.isNaN(r) && Number.isNaN(a)) continue;
    } else if (a === r) {
      continue;
    }
    const err = Math.abs(a - r);
    const b = bound(i);
    if (!(err <= b)) {
      if (bad.length < 6) bad.push(`  [${i}] simd ${a} reference ${r} (|diff| ${err.toExponential(3)} > bound ${b.toExponential(3)})`);
      worst = Math.max(worst, err / b);
    }
  }
  if (bad.length > 0) throw new Error(`${name}: elements outside the float32 bound; first:\n${bad.join('\n')}\n  worst |diff|/bound ${worst.toExponential(3)}`);
}

/** The sum bound: |simd − ref| ≤ (terms + 4)·u·magnitude[i] (see the header). */
export function sumBound(terms: number, magnitude: ArrayLike<number>): (i: number) => number {
  return (i) => (terms + 4) * U * magnitude[i] + 1e-35;
}

// ─────────────────────────────────────────────── matmul ───────────────────────────────────────────────

export interface MatmulCase {
  m: number; n: number; k: number; transA: boolean; transB: boolean; accumulate: boolean;
  aOffset: number; bOffset: number; cOffset: number; seed: number;
}

/** One matmul case: SIMD against matmulNaive, elements outside C untouched, within the sum bound. */
export function checkMatmulCase(k: SimdKernels, p: MatmulCase): void {
  scoped(k, () => {
    const s = ts.matmulShape(p);
    const rng = new Rng(p.seed);
    const pad = 3;
    const a = randomF32(rng, s.aOffset + s.m * s.k + pad);
    const b = randomF32(rng, s.bOffset + s.k * s.n + pad);
    const c = randomF32(rng, s.cOffset + s.m * s.n + pad);
    if (!s.accumulate) c.fill(NaN, s.cOffset, s.cOffset + s.m * s.n); // overwritten: whatever was there must not matter
    const ref = c.slice();
    ts.matmulNaive(ref, a, b, s);
    const mag = Float32Array.from(c, (v) => (Number.isNaN(v) ? 0 : Math.abs(v)));
    ts.matmulNaive(mag, abs(a), abs(b), s);
    const cm = inMem(k, c);
    k.matmul(cm, inMem(k, a), inMem(k, b), s);
    expectWithin(cm, ref, sumBound(s.k, mag), `simd matmul ${JSON.stringify(p)}`);
  });
}

export const matmulArb: fc.Arbitrary<MatmulCase> = fc.record({
  m: fc.integer({ min: 1, max: 37 }), // 4-row tiles and a remainder of every size
  n: fc.integer({ min: 1, max: 41 }), // 8-column tiles and a remainder of every size
  k: fc.integer({ min: 1, max: 300 }), // crosses the 256-long k block
  transA: fc.boolean(),
  transB: fc.boolean(),
  accumulate: fc.boolean(),
  aOffset: fc.integer({ min: 0, max: 5 }),
  bOffset: fc.integer({ min: 0, max: 5 }),
  cOffset: fc.integer({ min: 0, max: 5 }),
  seed: fc.integer(),
});

export function checkMatmul(k: SimdKernels, numRuns = 80): void {
  fc.assert(fc.property(matmulArb, (p) => checkMatmulCase(k, p)), fcParams(numRuns));
}

// ─────────────────────────────────────────────── dense ────────────────────────────────────────────────

export function checkDense(k: SimdKernels, numRuns = 40): void {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 19 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 21 }), fc.boolean(),
      fc.integer(),
      (n, IN, OUT, withBias, seed) => scoped(k, () => {
        const s = ts.denseShape({ n, inFeatures: IN, outFeatures: OUT });
        const rng = new Rng(seed);
        const x = randomF32(rng, n * IN), w = randomF32(rng, OUT * IN), b = withBias ? randomF32(rng, OUT) : null;
        const dy = randomF32(rng, n * OUT);
        const label = JSON.stringify({ n, IN, OUT, withBias, seed });
        // forward
        const ref = new Float32Array(n * OUT), mag = new Float32Array(n * OUT);
        ts.denseForwardNaive(ref, x, w, b, s);
        ts.denseForwardNaive(mag, abs(x), abs(w), b && abs(b), s);
        const y = k.memory.f32(n * OUT).fill(NaN);
        k.denseForward(y, inMem(k, x), inMem(k, w), b && inMem(k, b), s);
        expectWithin(y, ref, sumBound(IN + 1, mag), `simd dense y ${label}`);
        // backward, accumulating onto random contents
        const dx0 = randomF32(rng, n * IN), dw0 = randomF32(rng, OUT * IN), db0 = randomF32(rng, OUT);
        const dxR = dx0.slice(), dxM = abs(dx0);
        ts.denseBackwardInputNaive(dxR, dy, w, s);
        ts.denseBackwardInputNaive(dxM, abs(dy), abs(w), s);
        const dx = inMem(k, dx0);
        k.denseBackwardInput(dx, inMem(k, dy), inMem(k, w), s);
        expectWithin(dx, dxR, sumBound(OUT, dxM), `simd dense dx ${label}`);
        const dwR = dw0.slice(), dbR = db0.slice(), dwM = abs(dw0), dbM = abs(db0);
        ts.denseBackwardParamsNaive(dwR, withBias ? dbR : null, dy, x, s);
        ts.denseBackwardParamsNaive(dwM, withBias ? dbM : null, abs(dy), abs(x), s);
        const dw = inMem(k, dw0), db = inMem(k, db0);
        k.denseBackwardParams(dw, withBias ? db : null, inMem(k, dy), inMem(k, x), s);
        expectWithin(dw, dwR, sumBound(n, dwM), `simd dense dw ${label}`);
        expectWithin(db, withBias ? dbR : db0, sumBound(n, dbM), `simd dense db ${label}`);
      }),
    ),
    fcParams(numRuns),
  );
}

// ─────────────────────────────────────────────── conv2d ───────────────────────────────────────────────

/** Random conv shapes: kernels 1–4, strides 1–3, every padding form, widths up to 13 (whole vectors and tails). */
export const convArb: fc.Arbitrary<ts.Conv2dShapeParams> = fc
  .record({
    n: fc.integer({ min: 1, max: 3 }),
    c: fc.integer({ min: 1, max: 3 }),
    h: fc.integer({ min: 1, max: 9 }),
    w: fc.integer({ min: 1, max: 13 }),
    oc: fc.integer({ min: 1, max: 10 }),
    kh: fc.integer({ min: 1, max: 4 }),
    kw: fc.integer({ min: 1, max: 4 }),
    stride: fc.integer({ min: 1, max: 3 }),
    pad: fc.oneof(
      fc.integer({ min: 0, max: 2 }),
      fc.constant('valid' as const),
      fc.constant('same' as const),
      fc.record({
        top: fc.integer({ min: 0, max: 3 }), bottom: fc.integer({ min: 0, max: 3 }),
        left: fc.integer({ min: 0, max: 3 }), right: fc.integer({ min: 0, max: 3 }),
      }),
    ),
  })
  .map((p) => (p.pad === 'same' ? { ...p, stride: 1 } : p))
  .filter((p) => {
    const pad = typeof p.pad === 'number' ? { top: p.pad, bottom: p.pad, left: p.pad, right: p.pad }
      : p.pad === 'valid' ? { top: 0, bottom: 0, left: 0, right: 0 }
      : p.pad === 'same' ? { top: p.kh - 1, bottom: 0, left: p.kw - 1, right: 0 } : p.pad;
    return p.kh <= p.h + pad.top + pad.bottom && p.kw <= p.w + pad.left + pad.right;
  });

/** The three passes of one conv shape, SIMD against the seven-loop definitions, within the sum bound. */
export function checkConvCase(k: SimdKernels, p: ts.Conv2dShapeParams, seed: number, withBias: boolean): void {
  scoped(k, () => {
    const s = ts.conv2dShape(p);
    const rng = new Rng(seed);
    const xLen = s.n * s.c * s.h * s.w, wLen = s.oc * s.c * s.kh * s.kw, yLen = s.n * s.oc * s.oh * s.ow;
    const x = randomF32(rng, xLen), w = randomF32(rng, wLen), b = withBias ? randomF32(rng, s.oc) : null;
    const dy = randomF32(rng, yLen);
    const ws = k.memory.f32(ts.conv2dWorkspaceSize(s)).fill(NaN); // scratch: its contents must not matter
    const label = JSON.stringify({ ...p, seed, withBias });
    const taps = s.c * s.kh * s.kw;

    const ref = new Float32Array(yLen), mag = new Float32Array(yLen);
    ts.conv2dForwardNaive(ref, x, w, b, s);
    ts.conv2dForwardNaive(mag, abs(x), abs(w), b && abs(b), s);
    const y = k.memory.f32(yLen).fill(NaN);
    k.conv2dForward(y, inMem(k, x), inMem(k, w), b && inMem(k, b), s, ws);
    expectWithin(y, ref, sumBound(taps + 1, mag), `simd conv2d y ${label}`);

    const dx0 = randomF32(rng, xLen);
    const dxR = dx0.slice(), dxM = abs(dx0);
    ts.conv2dBackwardInputNaive(dxR, dy, w, s);
    ts.conv2dBackwardInputNaive(dxM, abs(dy), abs(w), s);
    const dx = inMem(k, dx0);
    k.conv2dBackwardInput(dx, inMem(k, dy), inMem(k, w), s, ws);
    // dcol sums OC products in float32, col2im then adds up to KH·KW of them onto dx
    expectWithin(dx, dxR, sumBound(s.oc + s.kh * s.kw, dxM), `simd conv2d dx ${label}`);

    const dw0 = randomF32(rng, wLen), db0 = randomF32(rng, s.oc);
    const dwR = dw0.slice(), dbR = db0.slice(), dwM = abs(dw0), dbM = abs(db0);
    ts.conv2dBackwardParamsNaive(dwR, withBias ? dbR : null, dy, x, s);
    ts.conv2dBackwardParamsNaive(dwM, withBias ? dbM : null, abs(dy), abs(x), s);
    const dw = inMem(k, dw0), db = inMem(k, db0);
    k.conv2dBackwardParams(dw, withBias ? db : null, inMem(k, dy), inMem(k, x), s, ws);
    const perOutput = s.n * s.oh * s.ow; // products summed into each dw and db element
    expectWithin(dw, dwR, sumBound(perOutput + s.n, dwM), `simd conv2d dw ${label}`);
    expectWithin(db, withBias ? dbR : db0, sumBound(perOutput, dbM), `simd conv2d db ${label}`);
  });
}

export function checkConv(k: SimdKernels, numRuns = 80): void {
  fc.assert(fc.property(convArb, fc.integer(), fc.boolean(), (p, seed, withBias) => checkConvCase(k, p, seed, withBias)),
    fcParams(numRuns));
}

// ───────────────────────────────────────────── activations ─────────────────────────────────────────────

/** Inputs for the elementwise ops: uniform in [−6, 6] with special values sprinkled in (NaN, ±∞, ±0, −100, tiny). */
export function activationInput(rng: Rng, n: number): Float32Array {
  const specials = [NaN, Infinity, -Infinity, 0, -0, -100, -1e-30, 1e-30, -20, 3];
  const x = randomF32(rng, n, -6, 6);
  for (let i = 0; i < n; i++) if (rng.uniform() < 0.08) x[i] = specials[rng.int(specials.length)];
  return x;
}

/** ulp of the float32 nearest to v (2⁻¹⁴⁹ for subnormals and zero). */
export function ulp32(v: number): number {
  const f = Math.abs(Math.fround(v));
  if (!Number.isFinite(f)) return Infinity;
  const bits = new Int32Array(new Float32Array([f]).buffer)[0];
  const e = (bits >>> 23) & 0xff;
  return e === 0 ? 2 ** -149 : 2 ** (e - 150);
}

type Fwd = 'elu' | 'selu' | 'relu' | 'lrelu' | 'srelu';

/**
 * Each activation, forward (out of place and in place) and backward (accumulating), on counts 0…40 (every
 * tail length) and a few thousand, against the TypeScript kernels. Bounds per op, in float32 roundings:
 *  elu  forward (α = 1) ≤ EXPM1_MAX_ULP + ½ ulp of the twin's result: expm1's error against the exact value,
 *       plus the twin's own rounding of it; α ≠ 1 and selu: 2·EXPM1_MAX_ULP + 2.5 ulps (the float32 product
 *       α·(eˣ−1) rounds once more, may cross a binade, and α or λα is itself rounded to float32);
 *       backward |err| ≤ 4u·(|dx| + |dy|·(|y| + c)), c = α, λα or 1: y + c, the product and the sum each
 *       round once (the twin rounds once), and y + c rounds relative to its operands, not to a cancelled sum;
 *  lrelu forward ≤ 2 ulps (slope 0.1 is inexact in float32), backward as above;
 *  relu, srelu: exactly the same bits (selects and one correctly rounded add).
 */
export function checkActivations(k: SimdKernels, numRuns = 30): void {
  fc.assert(
    fc.property(
      fc.constantFrom<Fwd>('elu', 'selu', 'relu', 'lrelu', 'srelu'),
      fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 1000, max: 3000 })),
      fc.constantFrom(1, 0.5, 2.5, 0.1),
      fc.boolean(),
      fc.integer(),
      (name, count, param, inPlace, seed) => scoped(k, () => {
        const rng = new Rng(seed);
        const x = activationInput(rng, count);
        const label = `${name} count ${count} param ${param} inPlace ${inPlace} seed ${seed}`;
        const ref = new Float32Array(count);
        ts.activationForward(name, ref, x, count, param);
        const xm = inMem(k, x);
        const y = inPlace ? xm : k.memory.f32(count).fill(NaN);
        k.activationForward(name, y, xm, count, param);
        const fwdUlps = name === 'elu' && param === 1 ? EXPM1_MAX_ULP + 0.5
          : name === 'elu' || name === 'selu' ? 2 * EXPM1_MAX_ULP + 2.5 : name === 'lrelu' ? 2 : 0;
        expectWithin(y, ref, (i) => fwdUlps * ulp32(ref[i]), `simd ${label} forward`);

        // backward from the reference output (so both sides see the same y), accumulating onto random dx
        const dy = randomF32(rng, count, -2, 2);
        const dx0 = randomF32(rng, count, -2, 2);
        const dxR = dx0.slice();
        ts.activationBackward(name, dxR, dy, ref, count, param);
        const dx = inMem(k, dx0);
        k.activationBackward(name, dx, inMem(k, dy), inMem(k, ref), count, param);
        const exact = name === 'relu' || name === 'srelu';
        // the slope y + c (c = α or λα, a float32 constant here, float64 in the twin) rounds relative to
        // its operands, |y| + |c|, not to the (possibly cancelled) result
        const c = name === 'elu' ? param : name === 'selu' ? ts.SELU_LAMBDA * ts.SELU_ALPHA : 1;
        expectWithin(dx, dxR, (i) => (exact ? 0 : 4 * U * (Math.abs(dx0[i]) + Math.abs(dy[i]) * (Math.abs(ref[i]) + c))),
          `simd ${label} backward`);
      }),
    ),
    fcParams(numRuns),
  );
}

// ─────────────────────────────────────────────── pooling ──────────────────────────────────────────────

/** Max pooling, forward and backward: the same values and the same argmax as the twin (ties and NaN included). */
export function checkMaxPool(k: SimdKernels, numRuns = 60): void {
  fc.assert(
    fc.property(
      fc.record({
        n: fc.integer({ min: 1, max: 2 }), c: fc.integer({ min: 1, max: 3 }),
        h: fc.integer({ min: 2, max: 11 }), w: fc.integer({ min: 2, max: 21 }),
        k: fc.integer({ min: 1, max: 3 }), stride: fc.integer({ min: 1, max: 3 }), pad: fc.integer({ min: 0, max: 1 }),
      }).map((p) => (p.k === 2 && p.stride === 1 ? { ...p, stride: 2, pad: 0 } : p)), // favour the 2×2 fast path
      fc.integer(),
      fc.boolean(),
      (p, seed, ties) => scoped(k, () => {
        if (2 * p.pad > p.k || p.h + 2 * p.pad < p.k || p.w + 2 * p.pad < p.k) return;
        const s = ts.poolShape(p);
        const rng = new Rng(seed);
        const xLen = s.n * s.c * s.h * s.w, yLen = s.n * s.c * s.oh * s.ow;
        // with `ties`, values come from {−1, 0, 1, NaN}, so windows tie and the first-maximum rule matters
        const x = ties ? Float32Array.from({ length: xLen }, () => [-1, 0, 1, NaN][rng.int(4)] as number) : randomF32(rng, xLen);
        const y = new Float32Array(yLen), am = new Int32Array(yLen);
        ts.maxPoolForward(y, am, x, s);
        const ym = k.memory.f32(yLen), amm = k.memory.i32(yLen);
        const xm = inMem(k, x);
        k.maxPoolForward(ym, amm, xm, s);
        const label = JSON.stringify({ ...p, seed, ties });
        expectWithin(ym, y, () => 0, `simd maxpool y ${label}`);
        expectWithin(amm, am, () => 0, `simd maxpool argmax ${label}`);
        const dy = randomF32(rng, yLen), dx0 = randomF32(rng, xLen);
        const dxR = dx0.slice();
        ts.maxPoolBackward(dxR, dy, am, s);
        const dx = inMem(k, dx0);
        k.maxPoolBackward(dx, inMem(k, dy), amm, s);
        expectWithin(dx, dxR, () => 0, `simd maxpool dx ${label}`);
      }),
    ),
    fcParams(numRuns),
  );
}

// ────────────────────────────────────────────── batch norm ──────────────────────────────────────────────

/**
 * Batch norm against the twin. Both compute in float64 and round once; only the order of the float64 sums
 * differs, which moves a result across a float32 rounding boundary at most: ≤ 1 ulp, plus 1e−30 absolute.
 */
export function checkBatchNorm(k: SimdKernels, numRuns = 40): void {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 19 }), fc.integer(),
      (n, c, spatial, seed) => scoped(k, () => {
        if (n * spatial < 2) return;
        const s = ts.batchNormShape({ n, c, spatial });
        const rng = new Rng(seed);
        const all = n * c * spatial;
        const x = randomF32(rng, all, -3, 5), gamma = randomF32(rng, c, 0.5, 2), beta = randomF32(rng, c);
        const label = JSON.stringify({ n, c, spatial, seed });
        const oneUlp = (ref: Float32Array) => (i: number) => ulp32(ref[i]) + 1e-30;
        const [y, xhat, mean, inv] = [all, all, c, c].map((len) => new Float32Array(len));
        ts.batchNormForwardTrain(y, xhat, mean, inv, x, gamma, beta, s);
        const [ym, xhm, mm, im] = [all, all, c, c].map((len) => k.memory.f32(len));
        const gm = inMem(k, gamma);
        k.batchNormForwardTrain(ym, xhm, mm, im, inMem(k, x), gm, inMem(k, beta), s);
        expectWithin(ym, y, oneUlp(y), `simd batchnorm y ${label}`);
        expectWithin(xhm, xhat, oneUlp(xhat), `simd batchnorm xhat ${label}`);
        expectWithin(mm, mean, oneUlp(mean), `simd batchnorm mean ${label}`);
        expectWithin(im, inv, oneUlp(inv), `simd batchnorm invStd ${label}`);

        const dy = randomF32(rng, all), dx0 = randomF32(rng, all), dg0 = randomF32(rng, c), db0 = randomF32(rng, c);
        const [dx, dg, db] = [dx0.slice(), dg0.slice(), db0.slice()];
        ts.batchNormBackward(dx, dg, db, dy, xhat, inv, gamma, s);
        const [dxm, dgm, dbm] = [inMem(k, dx0), inMem(k, dg0), inMem(k, db0)];
        k.batchNormBackward(dxm, dgm, dbm, inMem(k, dy), inMem(k, xhat), inMem(k, inv), gm, s);
        expectWithin(dxm, dx, oneUlp(dx), `simd batchnorm dx ${label}`);
        expectWithin(dgm, dg, oneUlp(dg), `simd batchnorm dgamma ${label}`);
        expectWithin(dbm, db, oneUlp(db), `simd batchnorm dbeta ${label}`);

        const runMean = randomF32(rng, c), runVar = randomF32(rng, c, 0.1, 2);
        const ye = new Float32Array(all);
        ts.batchNormForwardEval(ye, x, gamma, beta, runMean, runVar, s);
        const yem = k.memory.f32(all);
        k.batchNormForwardEval(yem, inMem(k, x), gm, inMem(k, beta), inMem(k, runMean), inMem(k, runVar), s);
        expectWithin(yem, ye, oneUlp(ye), `simd batchnorm eval y ${label}`);
      }),
    ),
    fcParams(numRuns),
  );
}

// ──────────────────────────────────────────────── loss ────────────────────────────────────────────────

/** Softmax-cross-entropy: the same float64 operations in the same order with the same Math.exp/log: same bits. */
export function checkSoftmax(k: SimdKernels, numRuns = 30): void {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 2, max: 13 }), fc.integer(), (n, classes, seed) =>
      scoped(k, () => {
        const rng = new Rng(seed);
        const logits = randomF32(rng, n * classes, -8, 8);
        const labels = Int32Array.from({ length: n }, () => rng.int(classes));
        const probs = new Float32Array(n * classes);
        const loss = ts.softmaxCrossEntropyForward(probs, logits, labels, n, classes);
        const pm = k.memory.f32(n * classes), lm = inMemI32(k, labels);
        const lossM = k.softmaxCrossEntropyForward(pm, inMem(k, logits), lm, n, classes);
        const label = JSON.stringify({ n, classes, seed });
        if (lossM !== loss) throw new Error(`simd softmax-CE loss ${label}: ${lossM} != ${loss}`);
        expectWithin(pm, probs, () => 0, `simd softmax-CE probs ${label}`);
        const d0 = randomF32(rng, n * classes);
        const d = d0.slice();
        ts.softmaxCrossEntropyBackward(d, probs, labels, n, classes, 0.37);
        const dm = inMem(k, d0);
        k.softmaxCrossEntropyBackward(dm, pm, lm, n, classes, 0.37);
        expectWithin(dm, d, () => 0, `simd softmax-CE dlogits ${label}`);
      }),
    ),
    fcParams(numRuns),
  );
}

// ───────────────────────────────────────────── optimizers ─────────────────────────────────────────────

/**
 * SGD (plain, momentum, Nesterov, with weight decay) for three steps, against the twin's loop. The twin
 * rounds each stored value once from float64, the SIMD loop rounds every operation (≤ 4 per value): after
 * three steps each value is held to 16u·(|value| + |everything added into it|), measured from the twin.
 */
export function checkSgd(k: SimdKernels, numRuns = 30): void {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 37 }), fc.integer({ min: 0, max: 6 }), fc.constantFrom(0, 0.9), fc.boolean(),
      fc.constantFrom(0, 5e-4), fc.integer(),
      (count, fromWanted, mu, nesterovWanted, wd, seed) => scoped(k, () => {
        const nesterov = nesterovWanted && mu > 0;
        const from = Math.min(fromWanted, count); // one segment [from, count) of a longer buffer
        const rng = new Rng(seed);
        const p0 = randomF32(rng, count), lr = 0.05;
        const p = p0.slice(), v = new Float32Array(count);
        const pm = inMem(k, p0), vm = k.memory.f32(count).fill(0);
        const moved = new Float64Array(count);
        for (let step = 0; step < 3; step++) {
          const g = randomF32(rng, count);
          // the twin's loop (src/kernels/sgd.ts), in float64 with float32 storage
          for (let i = from; i < count; i++) {
            const gi = g[i] + wd * p[i];
            const before = p[i];
            if (mu === 0) p[i] -= lr * gi;
            else {
              v[i] = mu * v[i] + gi;
              p[i] -= lr * (nesterov ? gi + mu * v[i] : v[i]);
            }
            moved[i] += Math.abs(p[i] - before) + Math.abs(v[i]);
          }
          k.sgdUpdate(pm, inMem(k, g), vm, from, count, lr, mu, wd, nesterov);
        }
        const label = JSON.stringify({ count, from, mu, nesterov, wd, seed });
        expectWithin(pm, p, (i) => 16 * U * (Math.abs(p[i]) + moved[i]), `simd sgd params ${label}`);
        if (mu > 0) expectWithin(vm, v, (i) => 16 * U * (Math.abs(v[i]) + moved[i]), `simd sgd velocity ${label}`);
      })),
    fcParams(numRuns),
  );
}

/**
 * Adam for three steps against the twin's loop. Each float32 operation rounds (≈ 10 per value per step,
 * a division and a square root among them) where the twin rounds the stored values once: values are held to
 * 32u·(|p| + Σ|step|), and the moments to 16u of the sum of their terms in absolute value.
 */
export function checkAdam(k: SimdKernels, numRuns = 30): void {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 37 }), fc.integer({ min: 0, max: 6 }), fc.constantFrom(0, 1e-2), fc.integer(),
      (count, fromWanted, wd, seed) => scoped(k, () => {
        const from = Math.min(fromWanted, count); // one segment [from, count) of a longer buffer
        const rng = new Rng(seed);
        const b1 = 0.9, b2 = 0.999, eps = 1e-8, lr = 1e-3;
        const p0 = randomF32(rng, count);
        const p = p0.slice(), m = new Float32Array(count), v = new Float32Array(count);
        const pm = inMem(k, p0), mm = k.memory.f32(count).fill(0), vm = k.memory.f32(count).fill(0);
        const moved = new Float64Array(count);
        const mMag = new Float64Array(count); // m's terms in absolute value: m can cancel to near 0, its error cannot
        for (let t = 1; t <= 3; t++) {
          const g = randomF32(rng, count);
          const stepSize = lr / (1 - Math.pow(b1, t));
          const sqrtBc2 = Math.sqrt(1 - Math.pow(b2, t));
          for (let i = from; i < count; i++) {
            const gi = g[i] + wd * p[i];
            m[i] = b1 * m[i] + (1 - b1) * gi;
            mMag[i] = b1 * mMag[i] + (1 - b1) * Math.abs(gi);
            v[i] = b2 * v[i] + (1 - b2) * gi * gi;
            const d = (stepSize * m[i]) / (Math.sqrt(v[i]) / sqrtBc2 + eps);
            p[i] -= d;
            moved[i] += Math.abs(d);
          }
          k.adamUpdate(pm, inMem(k, g), mm, vm, from, count, b1, b2, eps, wd, stepSize, sqrtBc2);
        }
        const label = JSON.stringify({ count, from, wd, seed });
        expectWithin(pm, p, (i) => 32 * U * (Math.abs(p[i]) + moved[i]), `simd adam params ${label}`);
        expectWithin(mm, m, (i) => 16 * U * mMag[i] + 1e-30, `simd adam m ${label}`);
        expectWithin(vm, v, (i) => 16 * U * Math.abs(v[i]) + 1e-30, `simd adam v ${label}`);
      })),
    fcParams(numRuns),
  );
}

// ───────────────────────────────────────────── the slot sum ─────────────────────────────────────────────

/** accumulate (y += x) and the identity's backward, the same bits as the twin: counts 0…40, specials, offsets. */
export function checkAccumulate(k: SimdKernels, numRuns = 40): void {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 3 }), fc.integer(), (count, offset, seed) => scoped(k, () => {
      const rng = new Rng(seed);
      const y0 = activationInput(rng, offset + count + 3);
      const x = activationInput(rng, offset + count);
      const ref = y0.slice();
      ts.accumulate(ref.subarray(offset), x.subarray(offset), count);
      for (const op of ['accumulate', 'identityBackward'] as const) {
        const ym = inMem(k, y0);
        k[op](ym.subarray(offset), inMem(k, x).subarray(offset), count);
        expectWithin(ym, ref, () => 0, `simd ${op} count ${count} offset ${offset} seed ${seed}`);
      }
    })),
    fcParams(numRuns),
  );
}
