/**
 * docs/theory.md, checked with numbers.
 *
 * 1. The unit Fisher block and its inverse (§3–4): from 20,000 samples of non-centred inputs z whose error
 *    signal δ² is correlated with z, build F = [[A, b], [bᵀ, c]] and solve F·x = g directly (Gaussian
 *    elimination with partial pivoting, float64). The reconstructed Theorems 1 and 2 must give the same
 *    natural step, and b must decompose as Cov(δ², z) + E[z]·E[δ²]. All of these are algebraic identities
 *    of the sample moments, so they hold to rounding (tolerance 1e-9 relative, for a 6 × 6 system whose
 *    condition number here is ~1e3). Each identity is also checked to FAIL when its sign or its weighting is
 *    planted wrong, so the checks can tell a right formula from a near miss.
 * 2. The tables of §4: the means and variances of the activations for a standard-normal input (by
 *    quadrature), the coupling 1 + d·μ²/σ² for d = 128, and the condition numbers of the one-input F_unit.
 * 3. The coupling measured in a network (src/experiments/coupling.ts): equal to an analytic computation on a
 *    two-layer net, and larger behind ReLU inputs than behind ELU inputs, as §4's table predicts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../src/rng.js';
import { Network } from '../src/model/network.js';
import type { ModelSpec } from '../src/model/spec.js';
import { measureCoupling, unitKappa } from '../src/experiments/coupling.js';
import { normalCdf } from '../src/stats/normal.js';

// ------------------------------------------------------------------ small float64 linear algebra (test-only)

/** Solves M x = r (M: m × m row-major) by Gaussian elimination with partial pivoting; M and r are copied. */
function solve(mIn: Float64Array, rIn: Float64Array, m: number): Float64Array {
  const a = Float64Array.from(mIn);
  const r = Float64Array.from(rIn);
  for (let col = 0; col < m; col++) {
    let piv = col;
    for (let i = col + 1; i < m; i++) if (Math.abs(a[i * m + col]) > Math.abs(a[piv * m + col])) piv = i;
    if (piv !== col) {
      for (let k = 0; k < m; k++) [a[col * m + k], a[piv * m + k]] = [a[piv * m + k], a[col * m + k]];
      [r[col], r[piv]] = [r[piv], r[col]];
    }
    for (let i = col + 1; i < m; i++) {
      const f = a[i * m + col] / a[col * m + col];
      for (let k = col; k < m; k++) a[i * m + k] -= f * a[col * m + k];
      r[i] -= f * r[col];
    }
  }
  const x = new Float64Array(m);
  for (let i = m - 1; i >= 0; i--) {
    let s = r[i];
    for (let k = i + 1; k < m; k++) s -= a[i * m + k] * x[k];
    x[i] = s / a[i * m + i];
  }
  return x;
}

const dot = (u: ArrayLike<number>, v: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < u.length; i++) s += u[i] * v[i];
  return s;
};

/** |a − e| ≤ rtol·max(|e|, scale): the relative check used for the identities. */
function near(a: number, e: number, rtol: number, scale = 1e-12): boolean {
  return Math.abs(a - e) <= rtol * Math.max(Math.abs(e), scale);
}

function assertNear(a: number, e: number, rtol: number, what: string): void {
  assert.ok(near(a, e, rtol), `${what}: ${a} vs ${e} (relative error ${(Math.abs(a - e) / Math.abs(e)).toExponential(2)}, allowed ${rtol})`);
}

// ------------------------------------------------------------------ 1. the Fisher block identities

interface Moments {
  d: number;
  c: number;
  b: Float64Array;
  a: Float64Array;
  meanZ: Float64Array;
  muQ: Float64Array;
  sigmaQ: Float64Array;
  covDeltaZ: Float64Array;
}

/** Sample moments of z (non-centred, skewed) and δ² (correlated with z), as in the derivation's check. */
function sampleMoments(seed: number, d: number, n: number): Moments {
  const rng = new Rng(seed);
  const c0 = { c: 0 };
  const b = new Float64Array(d);
  const a = new Float64Array(d * d);
  const meanZ = new Float64Array(d);
  const z = new Float64Array(d);
  let meanDelta = 0;
  const zd = new Float64Array(d); // Σ δ² z
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < d; p++) z[p] = 0.7 + rng.normal() - 0.5 * Math.log(1 - rng.uniform()); // N(0.7, 1) + Exp(mean 0.5)
    const delta2 = Math.exp(0.3 * z[0] - 0.2 * z[1]) * (0.5 + rng.uniform());
    c0.c += delta2;
    meanDelta += delta2;
    for (let p = 0; p < d; p++) {
      meanZ[p] += z[p];
      zd[p] += delta2 * z[p];
      b[p] += delta2 * z[p];
      for (let q = 0; q < d; q++) a[p * d + q] += delta2 * z[p] * z[q];
    }
  }
  const c = c0.c / n;
  for (let p = 0; p < d; p++) {
    b[p] /= n;
    meanZ[p] /= n;
    zd[p] /= n;
    for (let q = 0; q < d; q++) a[p * d + q] /= n;
  }
  meanDelta /= n;
  // q(z) = δ² p(z) / E[δ²]: μ_q = b / c, E_q[zzᵀ] = A / c, Σ_q = A/c − μ_q μ_qᵀ
  const muQ = b.map((v) => v / c);
  const sigmaQ = new Float64Array(d * d);
  for (let p = 0; p < d; p++) for (let q = 0; q < d; q++) sigmaQ[p * d + q] = a[p * d + q] / c - muQ[p] * muQ[q];
  const covDeltaZ = zd.map((v, p) => v - meanDelta * meanZ[p]);
  return { d, c, b, a, meanZ, muQ, sigmaQ, covDeltaZ };
}

function fisherBlock(m: Moments): Float64Array {
  const d = m.d;
  const f = new Float64Array((d + 1) * (d + 1));
  for (let p = 0; p < d; p++) {
    for (let q = 0; q < d; q++) f[p * (d + 1) + q] = m.a[p * d + q];
    f[p * (d + 1) + d] = m.b[p];
    f[d * (d + 1) + p] = m.b[p];
  }
  f[d * (d + 1) + d] = m.c;
  return f;
}

const D = 5;
const M = sampleMoments(20240601, D, 20000);
const F = fisherBlock(M);
const g = Float64Array.from([0.3, -1.2, 0.8, 0.1, -0.5, 0.9]); // (Δw, Δw₀): an ordinary gradient step
const dw = g.subarray(0, D);
const dw0 = g[D];
const nat = solve(F, g, D + 1); // the natural step, by brute force
const natW = nat.subarray(0, D);
const natB = nat[D];
const aInvB = solve(M.a, M.b, D);
const aInvDw = solve(M.a, dw, D);
const s = 1 / (M.c - dot(M.b, aInvB));
// identities of sample moments hold to rounding; 1e-9 leaves room for a condition number ~1e3 times ε ≈ 2e-16 and then some
const RT = 1e-9;

test('theory §3: b = Cov(δ², z) + E[z]·E[δ²] (and not E[z]·E[δ²] alone when δ² and z are correlated)', () => {
  for (let p = 0; p < D; p++) assertNear(M.b[p], M.covDeltaZ[p] + M.meanZ[p] * M.c, RT, `b[${p}]`);
  // planted: dropping the covariance term must be visibly wrong for these correlated inputs
  assert.ok(!near(M.b[0], M.meanZ[0] * M.c, 1e-3), 'the covariance term matters here');
});

test('theory §4, Theorem 1 (reconstruction): the natural bias and weight steps by the block inverse', () => {
  const bias = s * (dw0 - dot(M.b, aInvDw));
  assertNear(bias, natB, RT, 'Δw̃₀ = s·(Δw₀ − bᵀA⁻¹Δw)');
  const rhs = Float64Array.from(dw, (v, p) => v - natB * M.b[p]);
  const w = solve(M.a, rhs, D);
  for (let p = 0; p < D; p++) assertNear(w[p], natW[p], RT, `Δw̃[${p}] = (A⁻¹(Δw − Δw̃₀·b))`);
  // planted sign error in the bias formula
  assert.ok(!near(s * (dw0 + dot(M.b, aInvDw)), natB, 1e-3), 'a flipped sign is caught');
});

test('theory §4: s = (1/E[δ²])·(1 + μ_qᵀΣ_q⁻¹μ_q), and Sherman–Morrison 1 + μᵀΣ⁻¹μ = 1/(1 − μᵀE_q[zzᵀ]⁻¹μ)', () => {
  const sigmaInvMu = solve(M.sigmaQ, M.muQ, D);
  const quad = dot(M.muQ, sigmaInvMu);
  assertNear(s, (1 / M.c) * (1 + quad), RT, 's');
  const eqzz = M.a.map((v) => v / M.c);
  const kappa = dot(M.muQ, solve(eqzz, M.muQ, D));
  assert.ok(kappa >= 0 && kappa < 1, `0 ≤ μᵀE_q[zzᵀ]⁻¹μ < 1, got ${kappa}`);
  assertNear(1 + quad, 1 / (1 - kappa), RT, 'Sherman–Morrison');
  // the same κ from the coupling routine's accumulator (unitKappa) on weighted samples is checked in part 3
  // planted: using the plain mean E_p[z] instead of the δ²-weighted μ_q breaks the formula for s
  const plain = solve(M.sigmaQ, M.meanZ, D);
  assert.ok(!near(s, (1 / M.c) * (1 + dot(M.meanZ, plain)), 1e-3), 'the δ² weighting matters');
});

test('theory §4, Theorem 2 (reconstruction): Δw̃₀ = Δw₀/E[δ²] − μ_qᵀΔw̃ — the natural gradient removes the bias shift', () => {
  assertNear(natB, dw0 / M.c - dot(M.muQ, natW), RT, 'bias-shift identity');
  assert.ok(!near(natB, dw0 / M.c + dot(M.muQ, natW), 1e-3), 'a flipped sign is caught');
  assert.ok(!near(natB, dw0 / M.c, 1e-3), 'without the correction the bias step is wrong for non-centred inputs');
});

test('theory §5: with inputs centred under q (μ_q = 0) the block separates: Δw̃ = A⁻¹Δw, Δw̃₀ = Δw₀/E[δ²]', () => {
  // centre z under q: z' = z − μ_q gives b' = E[δ²(z − μ_q)] = 0 and A' = c·Σ_q
  const d = D;
  const aC = M.sigmaQ.map((v) => v * M.c);
  const fC = fisherBlock({ ...M, a: aC, b: new Float64Array(d) });
  const natC = solve(fC, g, d + 1);
  const expectW = solve(aC, dw, d);
  for (let p = 0; p < d; p++) assertNear(natC[p], expectW[p], RT, `Δw̃[${p}]`);
  assertNear(natC[d], dw0 / M.c, RT, 'Δw̃₀');
});

// ------------------------------------------------------------------ 2. the tables of §4

/** ∫ f(x) φ(x) dx over [−12, 12] by composite Simpson with 24,000 intervals (error far below 1e-9 here). */
function gaussMoment(f: (x: number) => number): number {
  const lo = -12;
  const hi = 12;
  const k = 24000;
  const h = (hi - lo) / k;
  const phi = (x: number) => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
  let sum = f(lo) * phi(lo) + f(hi) * phi(hi);
  for (let i = 1; i < k; i++) {
    const x = lo + i * h;
    sum += (i % 2 ? 4 : 2) * f(x) * phi(x);
  }
  return (sum * h) / 3;
}

const ACTS: Record<string, (x: number) => number> = {
  ReLU: (x) => Math.max(0, x),
  LReLU: (x) => (x > 0 ? x : 0.1 * x),
  ELU: (x) => (x > 0 ? x : Math.expm1(x)),
  SReLU: (x) => Math.max(-1, x),
};
/** docs/theory.md §4 table (and docs/kernels/activations.md): mean, variance, 1 + 128·μ²/σ² */
const TABLE: Record<string, [number, number, number]> = {
  ReLU: [0.399, 0.341, 60.8],
  LReLU: [0.359, 0.376, 44.9],
  ELU: [0.161, 0.619, 6.3],
  SReLU: [0.083, 0.751, 2.2],
};

test('theory §4 table: moments of each activation for x ~ N(0, 1) and the coupling 1 + d·μ²/σ² for d = 128', () => {
  for (const [name, f] of Object.entries(ACTS)) {
    const mu = gaussMoment(f);
    const variance = gaussMoment((x) => f(x) ** 2) - mu * mu;
    const [tm, tv, tc] = TABLE[name];
    // the table prints 3 decimals (μ, σ²) and 1 decimal (coupling): half a unit in the last printed place
    assert.ok(Math.abs(mu - tm) <= 0.0005, `${name} mean ${mu} vs table ${tm}`);
    assert.ok(Math.abs(variance - tv) <= 0.0005, `${name} variance ${variance} vs table ${tv}`);
    assert.ok(Math.abs(1 + (128 * mu * mu) / variance - tc) <= 0.05, `${name} coupling ${1 + (128 * mu * mu) / variance} vs table ${tc}`);
  }
  // closed forms: E[relu] = 1/√(2π); E[elu] = 1/√(2π) + e^{1/2}·Φ(−1) − 1/2 (Simpson's error here is < 1e-12)
  assert.ok(Math.abs(gaussMoment(ACTS.ReLU) - 1 / Math.sqrt(2 * Math.PI)) < 1e-10);
  assert.ok(Math.abs(gaussMoment(ACTS.ELU) - (1 / Math.sqrt(2 * Math.PI) + Math.exp(0.5) * normalCdf(-1) - 0.5)) < 1e-10);
});

test('theory §4: for d independent inputs (δ² independent of z) μᵀΣ⁻¹μ = d·μ²/σ², measured from samples', () => {
  // ReLU of N(0,1) inputs, d = 16, 20,000 samples: the sample estimate's relative standard error is ≈ 1.5 %,
  // and its small-sample bias (Hotelling) about d/N relative; 6 % is four standard errors
  const d = 16;
  const n = 20000;
  const rng = new Rng(7);
  const z = new Float64Array(n * d);
  for (let i = 0; i < z.length; i++) z[i] = Math.max(0, rng.normal());
  const w = new Float64Array(n).fill(1);
  const { kappa } = unitKappa(z, w, n, d);
  const measured = 1 / (1 - kappa) - 1;
  const expected = (d * (1 / (2 * Math.PI))) / 0.3408450569081046; // d·μ²/σ² with μ = 1/√(2π), σ² = ½ − 1/(2π)
  assert.ok(Math.abs(measured / expected - 1) < 0.06, `μᵀΣ⁻¹μ ${measured} vs d·μ²/σ² = ${expected}`);
});

test('theory §4: condition numbers of F_unit = [[1 + μ², μ], [μ, 1]] for μ = 0, 0.5, 1, 2', () => {
  const table: [number, number][] = [[0, 1.0], [0.5, 2.7], [1, 6.9], [2, 34.0]];
  for (const [mu, cond] of table) {
    const tr = 2 + mu * mu;
    const det = 1; // (1 + μ²)·1 − μ² = 1
    const root = Math.sqrt(tr * tr - 4 * det);
    const k = (tr + root) / (tr - root);
    assert.ok(Math.abs(k - cond) <= 0.05, `μ = ${mu}: condition number ${k} vs table ${cond}`);
  }
});

// ------------------------------------------------------------------ 3. the coupling measured in a network

function tinyNet(act: 'elu' | 'relu', inputs: number, hidden: number, classes: number): Network {
  const spec: ModelSpec = {
    name: `tiny-${act}`, input: [inputs, 1, 1], activation: { name: act }, init: 'he-normal', loss: 'softmax-ce',
    layers: [{ type: 'dense', units: hidden }, { type: 'dense', units: classes, activation: 'none' }],
  };
  const net = new Network(spec, { maxBatch: 1 });
  net.initParams(3);
  return net;
}

test('measureCoupling equals an analytic two-layer computation (true Fisher, both layers)', () => {
  const inputs = 4;
  const hidden = 5;
  const classes = 3;
  const n = 400;
  const net = tinyNet('elu', inputs, hidden, classes);
  const rng = new Rng(11);
  const x = new Float32Array(n * inputs);
  for (let i = 0; i < x.length; i++) x[i] = 0.5 + rng.normal(); // non-centred inputs
  const measured = measureCoupling(net, x, n);
  assert.deepEqual(measured.map((l) => [l.layer, l.from, l.fanIn, l.units.length]), [['dense1', 'input', inputs, hidden], ['dense2', 'dense1', hidden, classes]]);

  // analytic: h = elu(W1 x + b1), logits = W2 h + b2, p = softmax. For target y: ∂(−ln p_y)/∂logit_j = p_j − [j = y];
  // δ at hidden unit k = elu′(n_k) · Σ_j W2[j,k]·(p_j − [j = y]). True Fisher: weight p_y.
  const w1 = net.param('dense1.weight');
  const b1 = net.param('dense1.bias');
  const w2 = net.param('dense2.weight');
  const b2 = net.param('dense2.bias');
  const zIn = new Float64Array(n * inputs);
  const zHid = new Float64Array(n * hidden);
  const wOut = Array.from({ length: classes }, () => new Float64Array(n));
  const wHid = Array.from({ length: hidden }, () => new Float64Array(n));
  for (let i = 0; i < n; i++) {
    const xi = Array.from({ length: inputs }, (_, p) => x[i * inputs + p]);
    const pre = Array.from({ length: hidden }, (_, k) => b1[k] + xi.reduce((acc, v, p) => acc + w1[k * inputs + p] * v, 0));
    const h = pre.map((v) => (v > 0 ? v : Math.expm1(v)));
    const slope = pre.map((v) => (v > 0 ? 1 : Math.exp(v)));
    const logits = Array.from({ length: classes }, (_, j) => b2[j] + h.reduce((acc, v, k) => acc + w2[j * hidden + k] * v, 0));
    const mx = Math.max(...logits);
    const ex = logits.map((v) => Math.exp(v - mx));
    const sum = ex.reduce((p, q) => p + q, 0);
    const p = ex.map((v) => v / sum);
    for (let q = 0; q < inputs; q++) zIn[i * inputs + q] = xi[q];
    for (let k = 0; k < hidden; k++) zHid[i * hidden + k] = h[k];
    for (let y = 0; y < classes; y++) {
      const dLogit = p.map((pj, j) => pj - (j === y ? 1 : 0));
      for (let j = 0; j < classes; j++) wOut[j][i] += p[y] * dLogit[j] ** 2;
      for (let k = 0; k < hidden; k++) {
        const back = dLogit.reduce((acc, v, j) => acc + w2[j * hidden + k] * v, 0);
        wHid[k][i] += p[y] * (slope[k] * back) ** 2;
      }
    }
  }
  // the network runs in float32: κ agrees to float32 rounding of activations and gradients (~1e-6), 1e-4 leaves room
  for (let k = 0; k < hidden; k++) {
    const e = unitKappa(zIn, wHid[k], n, inputs).kappa;
    assert.ok(Math.abs(measured[0].units[k].kappa - e) < 1e-4, `dense1 unit ${k}: κ ${measured[0].units[k].kappa} vs analytic ${e}`);
  }
  for (let j = 0; j < classes; j++) {
    const e = unitKappa(zHid, wOut[j], n, hidden).kappa;
    assert.ok(Math.abs(measured[1].units[j].kappa - e) < 1e-4, `dense2 unit ${j}: κ ${measured[1].units[j].kappa} vs analytic ${e}`);
  }
  // and the unweighted κ (δ² ≡ 1) is different: the measurement really uses the back-propagated δ²
  const flat = unitKappa(zHid, new Float64Array(n).fill(1), n, hidden).kappa;
  assert.ok(measured[1].units.some((u) => Math.abs(u.kappa - flat) > 1e-3), 'δ² weighting visible');
});

test('measureCoupling at initialization: units fed by ReLUs are more coupled than units fed by ELUs', () => {
  // inputs N(0, ½) so that He-initialized pre-activations are ≈ N(0, 1). Theory with δ² independent of z
  // (§4's table, d = 32): κ = t/(1 + t), t = 32·μ²/σ²: ReLU 14.9 → 0.94, ELU 1.33 → 0.57. Measured κ is
  // higher, because δ² is correlated with z (the Cov(δ², z) term of §3): a unit's own derivative is part of
  // δ, and a ReLU unit's δ is 0 on the half of the inputs where it is off, so q leans towards the inputs that
  // switch it on. Over seeds 1–6 the medians were ReLU 0.93–0.94 vs ELU 0.84–0.86 (output layer, fed by the
  // 32 hidden units) and ReLU 0.65–0.66 vs ELU 0.34–0.40 (hidden layer, fed by the centred input): the test
  // asks for the order with half of the smallest gap seen.
  const inputs = 8;
  const n = 600;
  const rng = new Rng(5);
  const x = new Float32Array(n * inputs);
  for (let i = 0; i < x.length; i++) x[i] = Math.SQRT1_2 * rng.normal();
  const kappa = (act: 'elu' | 'relu') => measureCoupling(tinyNet(act, inputs, 32, 4), x, n).map((l) => l.medianKappa);
  const [reluHidden, reluOut] = kappa('relu');
  const [eluHidden, eluOut] = kappa('elu');
  assert.ok(reluOut - eluOut > 0.04, `output layer: median κ ReLU ${reluOut} vs ELU ${eluOut}`);
  assert.ok(reluHidden - eluHidden > 0.13, `hidden layer: median κ ReLU ${reluHidden} vs ELU ${eluHidden}`);
});

test('measureCoupling through centring and BN after the activation: the centred outputs are the inputs, and κ falls', () => {
  // dense(8 → 32, ReLU) → [center | BN] → dense(32 → 4), with the running statistics set to those of the whole
  // sample (one train-mode forward, applied with momentum 1), so that evaluation mode centres exactly. The
  // output layer's inputs are then the centred (or standardized) ReLU outputs: μ_p = 0, and only the
  // reweighting by δ² (the Cov(δ², z) term of §3) leaves a mean under q. Over seeds 1–6 the output layer's
  // median κ was ReLU 0.93–0.94, centred 0.16–0.32, BN after 0.38–0.54; the test asks for half of the smallest
  // gaps (0.61 and 0.40).
  const inputs = 8;
  const n = 600;
  const rng = new Rng(7);
  const x = new Float32Array(n * inputs);
  for (let i = 0; i < x.length; i++) x[i] = Math.SQRT1_2 * rng.normal();
  const kappa = (norm: 'none' | 'center-after' | 'bn-after') => {
    const spec: ModelSpec = {
      name: `tiny-${norm}`, input: [inputs, 1, 1], activation: { name: 'relu' }, init: 'he-normal', loss: 'softmax-ce',
      layers: [{ type: 'dense', units: 32, norm }, { type: 'dense', units: 4, activation: 'none' }],
    };
    const whole = new Network(spec, { maxBatch: n });
    whole.initParams(3);
    whole.forward(x, n, 'train');
    whole.applyRunningStats(Float32Array.from(whole.batchStats()), 1);
    const layers = measureCoupling(new Network(spec, { maxBatch: 1, params: whole.params, state: whole.state }), x, n);
    assert.deepEqual(layers.map((l) => `${l.layer}<-${l.from}`), ['dense1<-input', 'dense2<-dense1'], `${norm}: both layers measured`);
    if (norm === 'center-after') assert.ok(Math.abs(layers[1].meanInput) < 1e-6, `centred inputs have mean ${layers[1].meanInput}`);
    return layers[1].medianKappa;
  };
  const relu = kappa('none');
  const centred = kappa('center-after');
  const bnAfter = kappa('bn-after');
  assert.ok(relu - centred > 0.3, `median κ behind ReLU ${relu}, behind centred ReLU ${centred}`);
  assert.ok(relu - bnAfter > 0.2, `median κ behind ReLU ${relu}, behind ReLU+BN ${bnAfter}`);
});

test('κ from N samples is biased upwards like the R² of a regression: about κ + (1 − κ)·d/N', () => {
  // d = 128 independent N(m, 1) inputs, δ² = 1: κ = d·m²/(1 + d·m²) exactly (§4). The estimate from N samples
  // fits d coefficients to N points; measured over 3 draws at N = 300, 1000, 2000 it was within 0.05 of
  // κ + (1 − κ)·d/N (below it, more so at small N). The test takes one draw at N = 1000 and allows 0.05.
  const d = 128;
  const N = 1000;
  for (const m of [0, 0.1]) {
    const rng = new Rng(11);
    const z = new Float64Array(N * d).map(() => m + rng.normal());
    const { kappa } = unitKappa(z, new Float64Array(N).fill(1), N, d);
    const truth = (d * m * m) / (1 + d * m * m);
    const predicted = truth + ((1 - truth) * d) / N;
    assert.ok(Math.abs(kappa - predicted) < 0.05, `m = ${m}: measured ${kappa}, true ${truth}, predicted with the bias ${predicted}`);
    assert.ok(kappa > truth, `m = ${m}: the estimate ${kappa} lies above the true ${truth}`);
  }
});

test('measureCoupling refuses what it cannot measure, with a clear message', () => {
  const spec: ModelSpec = {
    name: 'ae', input: [4, 1, 1], activation: { name: 'elu' }, init: 'he-normal', loss: 'sigmoid-ce',
    layers: [{ type: 'dense', units: 3 }, { type: 'dense', units: 4, activation: 'none' }],
  };
  const net = new Network(spec, { maxBatch: 1 });
  assert.throws(() => measureCoupling(net, new Float32Array(8), 2), /softmax-ce/);
  assert.throws(() => measureCoupling(tinyNet('elu', 4, 3, 2), new Float32Array(8), 2, { fisher: 'empirical' }), /labels/);
});
