/**
 * Initialisers: the spread of each one, its shape (normal or uniform), its determinism, its argument checks,
 * and the reason He initialisation exists — a deep ReLU stack keeps its signal with it and loses it without.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../src/rng.js';
import { ShapeError } from '../src/errors.js';
import { centredGain, glorotNormal, glorotUniform, heNormal, heUniform, lecunNormal } from '../src/kernels/init.js';
import { activationForward } from '../src/kernels/activation.js';
import { normalCdf } from '../src/stats/normal.js';

const COUNT = 20000;
const FAN_IN = 50;
const FAN_OUT = 30;

function stats(w: Float32Array): { mean: number; std: number; kurtosis: number; maxAbs: number } {
  let s = 0;
  for (const v of w) s += v;
  const mean = s / w.length;
  let m2 = 0;
  let m4 = 0;
  let maxAbs = 0;
  for (const v of w) {
    const d = v - mean;
    m2 += d * d;
    m4 += d * d * d * d;
    maxAbs = Math.max(maxAbs, Math.abs(v));
  }
  m2 /= w.length;
  m4 /= w.length;
  return { mean, std: Math.sqrt(m2), kurtosis: m4 / (m2 * m2), maxAbs };
}

interface Case {
  name: string;
  fill: (w: Float32Array, rng: Rng) => void;
  std: number;
  /** half-width of the uniform, or null for a normal */
  bound: number | null;
}

const CASES: Case[] = [
  { name: 'heNormal', fill: (w, r) => heNormal(w, FAN_IN, r), std: Math.sqrt(2 / FAN_IN), bound: null },
  { name: 'heUniform', fill: (w, r) => heUniform(w, FAN_IN, r), std: Math.sqrt(2 / FAN_IN), bound: Math.sqrt(6 / FAN_IN) },
  { name: 'lecunNormal', fill: (w, r) => lecunNormal(w, FAN_IN, r), std: Math.sqrt(1 / FAN_IN), bound: null },
  {
    name: 'glorotUniform',
    fill: (w, r) => glorotUniform(w, FAN_IN, FAN_OUT, r),
    std: Math.sqrt(2 / (FAN_IN + FAN_OUT)),
    bound: Math.sqrt(6 / (FAN_IN + FAN_OUT)),
  },
  { name: 'glorotNormal', fill: (w, r) => glorotNormal(w, FAN_IN, FAN_OUT, r), std: Math.sqrt(2 / (FAN_IN + FAN_OUT)), bound: null },
];

for (const c of CASES) {
  test(`${c.name}: mean 0, the stated std, and the right distribution shape`, () => {
    const w = new Float32Array(COUNT);
    c.fill(w, new Rng(2016));
    const s = stats(w);
    // The sample mean of 20 000 draws has std σ/√20000 ≈ 0.007σ: 5 of those (0.035σ) is a 5-sigma bound.
    assert.ok(Math.abs(s.mean) < 0.035 * c.std, `${c.name}: mean ${s.mean}`);
    // The sample std has relative std 1/√(2·20000) = 0.5% for a normal and √(0.8/20000)/2 ≈ 0.3% for a
    // uniform: 3% is more than 5 sigma, and still catches √2 or √3 mix-ups (41%, 73%).
    assert.ok(Math.abs(s.std / c.std - 1) < 0.03, `${c.name}: std ${s.std}, expected ${c.std}`);
    // Kurtosis tells the two shapes apart: 3 for a normal, 1.8 for a uniform; its sample std here is
    // √(24/20000) ≈ 0.035 (normal), smaller for the uniform, so ±0.25 is 7 sigma and far from the other shape.
    const kurt = c.bound === null ? 3 : 1.8;
    assert.ok(Math.abs(s.kurtosis - kurt) < 0.25, `${c.name}: kurtosis ${s.kurtosis}, expected ${kurt}`);
    if (c.bound !== null) {
      assert.ok(s.maxAbs <= c.bound, `${c.name}: |w| = ${s.maxAbs} beyond the bound ${c.bound}`);
      // P(all 20 000 draws inside 0.99·bound) = 0.99²⁰⁰⁰⁰ ≈ 1e−87: the bound is actually reached
      assert.ok(s.maxAbs > 0.99 * c.bound, `${c.name}: |w| never comes near the bound ${c.bound}`);
    }
  });
}

test('the same seed fills the same weights; another seed fills other weights; only the view is written', () => {
  for (const c of CASES) {
    const a = new Float32Array(100);
    const b = new Float32Array(100);
    c.fill(a, new Rng(5));
    c.fill(b, new Rng(5));
    assert.deepEqual([...a], [...b], c.name);
    c.fill(b, new Rng(6));
    assert.notDeepEqual([...a], [...b], c.name);
    const buf = new Float32Array(10).fill(9);
    c.fill(buf.subarray(2, 8), new Rng(1)); // one parameter's named view inside the flat buffer
    assert.deepEqual([buf[0], buf[1], buf[8], buf[9]], [9, 9, 9, 9], `${c.name} wrote outside its view`);
  }
});

test('fan sizes that are not positive integers are refused with a message naming the function and argument', () => {
  const w = new Float32Array(4);
  const r = new Rng(1);
  assert.throws(() => heNormal(w, 0, r), (e: Error) => e instanceof ShapeError && /heNormal: fanIn/.test(e.message));
  assert.throws(() => heUniform(w, 2.5, r), (e: Error) => e instanceof ShapeError && /heUniform: fanIn/.test(e.message));
  assert.throws(() => lecunNormal(w, NaN, r), (e: Error) => e instanceof ShapeError && /lecunNormal: fanIn/.test(e.message));
  assert.throws(() => glorotUniform(w, 3, 0, r), (e: Error) => e instanceof ShapeError && /glorotUniform: fanOut/.test(e.message));
  assert.throws(() => glorotNormal(w, -1, 3, r), (e: Error) => e instanceof ShapeError && /glorotNormal: fanIn/.test(e.message));
});

/**
 * How the mean square of the pre-activations changes from layer 1 to layer `depth` of a stack of dense ReLU
 * layers of width `width` (no biases) fed with x ~ N(0,1): E[z_depth²] / E[z_1²]. Plain loops, so the test
 * depends on no other kernel.
 */
function signalRatioThroughReluStack(init: (w: Float32Array, fanIn: number, rng: Rng) => void, seed: number, centre = false): number {
  const width = 200;
  const batch = 32;
  const depth = 10;
  const rng = new Rng(seed);
  let x = new Float64Array(batch * width);
  for (let i = 0; i < x.length; i++) x[i] = rng.normal();
  const w = new Float32Array(width * width);
  const z = new Float64Array(batch * width);
  let first = 0;
  let last = 0;
  for (let layer = 0; layer < depth; layer++) {
    init(w, width, rng);
    let ms = 0;
    for (let b = 0; b < batch; b++) {
      const xRow = b * width;
      for (let o = 0; o < width; o++) {
        const wRow = o * width;
        let s = 0;
        for (let i = 0; i < width; i++) s += w[wRow + i] * x[xRow + i];
        z[xRow + o] = s;
        ms += s * s;
      }
    }
    ms /= z.length;
    if (layer === 0) first = ms;
    last = ms;
    x = z.map((v) => (v > 0 ? v : 0));
    if (centre) {
      // each unit's ReLU output minus its mean over the batch (the centring layer in training mode)
      for (let o = 0; o < width; o++) {
        let m = 0;
        for (let b = 0; b < batch; b++) m += x[b * width + o];
        m /= batch;
        for (let b = 0; b < batch; b++) x[b * width + o] -= m;
      }
    }
  }
  return last / first;
}

test('why He: through 10 ReLU layers He keeps the signal (≈ 1×); LeCun halves it per layer (≈ 2⁻⁹)', () => {
  const he = signalRatioThroughReluStack(heNormal, 1);
  const lecun = signalRatioThroughReluStack(lecunNormal, 1);
  // ReLU halves E[z²] and He's Var w = 2/fanIn doubles it back, so the expected ratio is 1. The weights of each
  // layer are shared by the whole batch, so each layer still moves it by a random factor: over seeds 1–12 the
  // ratio ranged 0.49–1.62 (log-std ≈ 0.35). A factor-4 band is about 4 log-std wide on each side.
  assert.ok(he > 0.25 && he < 4, `He: E[z₁₀²]/E[z₁²] = ${he}`);
  // LeCun's Var w = 1/fanIn loses the factor 2 at each of the 9 steps: 2⁻⁹ ≈ 0.002, same random factor
  // (both draw the same normals from the same seed, only √2 apart, and ReLU commutes with positive scaling,
  // so lecun = he / 2⁹ up to the float32 rounding of each weight, ~6e−8 relative, compounded over 10 layers:
  // 1e−5 relative is a loose bound).
  assert.ok(lecun > 2 ** -9 / 4 && lecun < 2 ** -9 * 4, `LeCun: E[z₁₀²]/E[z₁²] = ${lecun}`);
  assert.ok(Math.abs(lecun * 512 - he) < 1e-5 * he, `He ${he} vs 512 × LeCun ${lecun * 512}`);
});

test('centredGain: √(E[f²]/Var f) for z ~ N(0, 1) — ReLU 1/√(1 − 1/π), ELU from its closed-form moments', () => {
  const relu = centredGain((y, x, n) => activationForward('relu', y, x, n));
  // E[relu] = 1/√(2π), E[relu²] = ½: gain² = ½ / (½ − 1/(2π)) = 1/(1 − 1/π). Simpson with h = 0.005 on a
  // function with a kink at 0 (a grid point) errs by ~h² relative; float32 grid values ~6e-8
  assert.ok(Math.abs(relu - 1 / Math.sqrt(1 - 1 / Math.PI)) < 1e-6, `ReLU gain ${relu}`);
  // ELU (α = 1): E[elu] = 1/√(2π) + √e·Φ(−1) − ½ (docs/kernels/activations.md), and
  // E[elu²] = ½ + ∫_{z<0} (eᶻ − 1)² φ(z) dz = ½ + e²·Φ(−2) − 2√e·Φ(−1) + ½
  const m1 = 1 / Math.sqrt(2 * Math.PI) + Math.sqrt(Math.E) * normalCdf(-1) - 0.5;
  const m2 = 1 + Math.E ** 2 * normalCdf(-2) - 2 * Math.sqrt(Math.E) * normalCdf(-1);
  const elu = centredGain((y, x, n) => activationForward('elu', y, x, n, 1));
  // expm1 in float32 on the grid: ~1e-7 relative per value
  assert.ok(Math.abs(elu - Math.sqrt(m2 / (m2 - m1 * m1))) < 1e-6, `ELU gain ${elu} vs ${Math.sqrt(m2 / (m2 - m1 * m1))}`);
  // a symmetric activation has no mean to remove: gain 1
  assert.ok(Math.abs(centredGain((y, x, n) => activationForward('linear', y, x, n)) - 1) < 1e-9);
});

test('why centredGain: a stack of centred ReLUs loses 1 − 1/π of its mean square per layer with He, keeps it with the gain', () => {
  const gain = 1 / Math.sqrt(1 - 1 / Math.PI);
  const plain = signalRatioThroughReluStack(heNormal, 1, true);
  const corrected = signalRatioThroughReluStack((w, fanIn, rng) => heNormal(w, fanIn, rng, gain), 1, true);
  // 9 steps of (1 − 1/π) ≈ 0.0322, with the random factor per layer of the test above (a factor-4 band); the
  // gain draws the same normals ×1.211, so corrected = plain·gain¹⁸ up to float32 rounding of the weights
  const expected = (1 - 1 / Math.PI) ** 9;
  assert.ok(plain > expected / 4 && plain < expected * 4, `centred ReLU, He: E[z₁₀²]/E[z₁²] = ${plain}, expected ≈ ${expected}`);
  assert.ok(corrected > 0.25 && corrected < 4, `centred ReLU, He × gain: E[z₁₀²]/E[z₁²] = ${corrected}`);
  assert.ok(Math.abs(corrected / (plain * gain ** 18) - 1) < 1e-4, `the gain only rescales: ${corrected} vs ${plain * gain ** 18}`);
  // gain 1 is exactly the initialiser without it
  const [a, b] = [new Float32Array(64), new Float32Array(64)];
  heNormal(a, 8, new Rng(3));
  heNormal(b, 8, new Rng(3), 1);
  assert.deepEqual(a, b);
});
