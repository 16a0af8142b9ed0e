/**
 * Optimizers and learning-rate schedules.
 *
 * Tier 1: one or two SGD / Nesterov / Adam steps computed by hand from the equations in the file headers.
 * Tier 2: properties — Adam against the textbook form (m̂ = m/(1−β1ᵗ), v̂ = v/(1−β2ᵗ)) in float64 over random
 *         runs; state save/load resumes bit-identically; schedules are piecewise constant / monotone.
 * Tier 3: parameter trajectories from torch.optim.SGD and torch.optim.Adam (test/fixtures/optim-torch.json,
 *         written by scripts/make-optim-fixture.py).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';

import { expectClose, fcParams, randomArray } from './util/check.js';
import { Rng } from '../src/rng.js';
import { ElunetError, ShapeError } from '../src/errors.js';
import {
  Adam,
  Sgd,
  createOptimizer,
  decaySegments,
  parseSchedule,
  paperCifarSchedule,
  type DecayFilter,
  type LayoutEntry,
  type Optimizer,
} from '../src/optim/index.js';

const entry = (name: string, shape: number[], offset: number): LayoutEntry => ({
  name,
  shape,
  offset,
  size: shape.reduce((a, b) => a * b, 1),
});
/** A dense layer's layout: weight (2) then bias (1). */
const TINY: LayoutEntry[] = [entry('fc.weight', [1, 2], 0), entry('fc.bias', [1], 2)];

// Hand-computed values below are exact decimals of float64 math; the optimizers store float32, which holds
// ~7 significant digits, so 1e-6 relative (+1e-7 absolute for values near 0) is the rounding, nothing more.
const HAND = { rtol: 1e-6, atol: 1e-7 };

// ---------------------------------------------------------------------------------------------------------
// Tier 1: hand-computed steps
// ---------------------------------------------------------------------------------------------------------
test('sgd: plain step p ← p − lr·(g + wd·p)', () => {
  const opt = new Sgd(TINY, { weightDecay: 0.01 });
  const p = Float32Array.from([1, -2, 0.5]);
  const g = Float32Array.from([0.5, 0.25, -1]);
  opt.step(p, g, 0.1);
  // g′ = [0.5 + 0.01, 0.25 − 0.02, −1 + 0.005] = [0.51, 0.23, −0.995]
  expectClose(p, [1 - 0.051, -2 - 0.023, 0.5 + 0.0995], { ...HAND, name: 'sgd plain' });
  assert.deepEqual(opt.state(), [], 'μ = 0 keeps no momentum buffer');
  assert.equal(opt.stepCount, 1);
});

test('sgd: momentum — first step v = g′, second step v = μ·v + g′', () => {
  const opt = new Sgd(TINY, { momentum: 0.9, weightDecay: 0.01 });
  const p = Float32Array.from([1, -2, 0.5]);
  const g = Float32Array.from([0.5, 0.25, -1]);
  opt.step(p, g, 0.1);
  // v = g′ = [0.51, 0.23, −0.995];  p = p − 0.1·v
  expectClose(p, [0.949, -2.023, 0.5995], { ...HAND, name: 'step 1' });
  expectClose(opt.state()[0].data, [0.51, 0.23, -0.995], { ...HAND, name: 'v after step 1' });
  opt.step(p, g, 0.1);
  // g′ = g + 0.01·p = [0.50949, 0.22977, −0.994005];  v = 0.9·[0.51, 0.23, −0.995] + g′
  const v2 = [0.459 + 0.50949, 0.207 + 0.22977, -0.8955 - 0.994005];
  expectClose(opt.state()[0].data, v2, { ...HAND, name: 'v after step 2' });
  expectClose(p, [0.949 - 0.1 * v2[0], -2.023 - 0.1 * v2[1], 0.5995 - 0.1 * v2[2]], { ...HAND, name: 'step 2' });
});

test('sgd: Nesterov step p ← p − lr·(g′ + μ·v)', () => {
  const opt = new Sgd(TINY, { momentum: 0.9, nesterov: true, weightDecay: 0.01 });
  const p = Float32Array.from([1, -2, 0.5]);
  opt.step(p, Float32Array.from([0.5, 0.25, -1]), 0.1);
  // v = g′ = [0.51, 0.23, −0.995];  step = g′ + 0.9·v = 1.9·g′
  expectClose(p, [1 - 0.1 * 1.9 * 0.51, -2 - 0.1 * 1.9 * 0.23, 0.5 + 0.1 * 1.9 * 0.995], { ...HAND, name: 'nesterov' });
});

test('sgd: lr multiplies the velocity (PyTorch form), so a new lr acts at once', () => {
  const opt = new Sgd([entry('w', [1], 0)], { momentum: 0.5 });
  const p = Float32Array.from([0]);
  const g = Float32Array.from([1]);
  opt.step(p, g, 1); //   v = 1,   p = −1
  opt.step(p, g, 0.1); // v = 1.5, p = −1 − 0.15
  expectClose(p, [-1.15], { ...HAND, name: 'p' });
});

test('adam: first step moves each parameter by lr·g′/(|g′| + ε) ≈ lr·sign(g′)', () => {
  const opt = new Adam(TINY);
  const p = Float32Array.from([1, -2, 0.5]);
  opt.step(p, Float32Array.from([0.5, -0.001, 3]), 0.01);
  // bias correction makes m̂ = g and v̂ = g² after one step
  expectClose(p, [1 - 0.01, -2 + 0.01 * (0.001 / (0.001 + 1e-8)), 0.5 - 0.01], { ...HAND, name: 'adam step 1' });
  expectClose(opt.state()[0].data, [0.05, -0.0001, 0.3], { ...HAND, name: 'm = (1 − β1)·g' });
  expectClose(opt.state()[1].data, [0.00025, 1e-9, 0.009], { ...HAND, name: 'v = (1 − β2)·g²' });
});

test('adam: second step, by hand', () => {
  const opt = new Adam([entry('w', [1], 0)], { weightDecay: 0.1 });
  const p = Float32Array.from([2]);
  opt.step(p, Float32Array.from([1]), 0.1); // g′ = 1.2 → p = 2 − 0.1 = 1.9
  opt.step(p, Float32Array.from([-1]), 0.1);
  // step 1: m = 0.12, v = 0.00144.   step 2: g′ = −1 + 0.19 = −0.81
  const m = 0.9 * 0.12 + 0.1 * -0.81; //           = 0.027
  const v = 0.999 * 0.00144 + 0.001 * 0.81 * 0.81; // = 0.00209466
  const mHat = m / (1 - 0.81);
  const vHat = v / (1 - 0.998001);
  expectClose(p, [1.9 - (0.1 * mHat) / (Math.sqrt(vHat) + 1e-8)], { ...HAND, name: 'adam step 2' });
  assert.equal(opt.stepCount, 2);
});

test("weight decay filter 'no-bias-norm' spares .bias/.gamma/.beta/.slope; 'all' decays everything (PyTorch default)", () => {
  const layout = [entry('conv1.weight', [2], 0), entry('conv1.bias', [1], 2), entry('bn1.gamma', [1], 3), entry('bn1.beta', [1], 4), entry('fc.weight', [1], 5), entry('fc.prelu.slope', [1], 6)];
  const zeroGrad = new Float32Array(7);
  for (const [decay, expected] of [
    ['all', [0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9]],
    ['no-bias-norm', [0.9, 0.9, 1, 1, 1, 0.9, 1]],
    [(name: string) => name.startsWith('fc.'), [1, 1, 1, 1, 1, 0.9, 0.9]],
  ] as [DecayFilter, number[]][]) {
    const p = new Float32Array(7).fill(1);
    new Sgd(layout, { weightDecay: 0.1, decay }).step(p, zeroGrad, 1); // p ← p − 1·(0 + 0.1·p)
    expectClose(p, expected, { ...HAND, name: `decay ${String(decay)}` });
  }
  // neighbours with the same coefficient merge: weight | bias,gamma,beta | weight → 3 segments
  const segs = decaySegments(layout, 7, 0.1, 'no-bias-norm');
  assert.deepEqual([...segs.start], [0, 2, 5, 6]);
  assert.deepEqual([...segs.decay], [0.1, 0, 0.1, 0]);
});

test('optimizers reject bad arguments with ShapeError naming the option', () => {
  assert.throws(() => new Sgd(TINY, { momentum: 1 }), (e: Error) => e instanceof ShapeError && /momentum/.test(e.message));
  assert.throws(() => new Sgd(TINY, { nesterov: true }), /Nesterov.*momentum > 0/);
  assert.throws(() => new Sgd(TINY, { weightDecay: -1 }), /weight decay/);
  assert.throws(() => new Adam(TINY, { beta2: 1 }), /beta2/);
  assert.throws(() => new Adam(TINY, { eps: 0 }), /eps/);
  assert.throws(() => new Sgd([entry('a', [2], 0), entry('b', [2], 1)]), /'a' and 'b' overlap/);
  assert.throws(() => new Sgd([{ name: 'a', shape: [2, 2], offset: 0, size: 3 }]), /size = product of shape/);
  const opt = new Sgd(TINY);
  assert.throws(() => opt.step(new Float32Array(3), new Float32Array(6), 0.1), /must each hold the 3 floats.*found 3 and 6/);
  assert.throws(() => createOptimizer('rmsprop', TINY), (e: Error) => e instanceof ElunetError && /sgd, adam/.test(e.message));
  assert.throws(() => new Adam(TINY).loadState([{ name: 'exp_avg', data: new Float32Array(3) }], 1), /missing state 'exp_avg_sq'/);
  assert.throws(
    () => new Adam(TINY).loadState([{ name: 'exp_avg', data: new Float32Array(3) }, { name: 'exp_avg_sq', data: new Float32Array(2) }], 1),
    /'exp_avg_sq' must hold 3 floats/,
  );
});

// ---------------------------------------------------------------------------------------------------------
// Tier 2: properties
// ---------------------------------------------------------------------------------------------------------
test('adam matches the textbook form m̂/(√v̂ + ε) over random runs (float64 reference)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 8 }), fc.integer(), (n, steps, seed) => {
      const rng = new Rng(seed);
      const layout = [entry('w', [n], 0)];
      const wd = rng.uniform() < 0.5 ? 0 : 0.05;
      const opt = new Adam(layout, { weightDecay: wd });
      const p = randomArray(rng, n);
      const ref = Float64Array.from(p);
      const m = new Float64Array(n);
      const v = new Float64Array(n);
      for (let t = 1; t <= steps; t++) {
        const g = randomArray(rng, n);
        const lr = 0.001 + 0.01 * rng.uniform();
        opt.step(p, g, lr);
        for (let i = 0; i < n; i++) {
          const gi = g[i] + wd * ref[i];
          m[i] = 0.9 * m[i] + 0.1 * gi;
          v[i] = 0.999 * v[i] + 0.001 * gi * gi;
          ref[i] -= (lr * (m[i] / (1 - 0.9 ** t))) / (Math.sqrt(v[i] / (1 - 0.999 ** t)) + 1e-8);
        }
      }
      // each step moves p by ≤ ~lr ≤ 0.011; float32 state and parameters round at ~6e-8 relative per step,
      // so after ≤ 8 steps the drift is far below 1e-5 absolute
      expectClose(p, ref, { rtol: 1e-5, atol: 1e-5, name: `adam n=${n} steps=${steps}` });
    }),
    fcParams(30),
  );
});

test('state() + loadState() resume bit-identically (sgd, nesterov, adam)', () => {
  const layout = [entry('a.weight', [3, 5], 0), entry('a.bias', [3], 15)];
  const makers: [string, () => Optimizer][] = [
    ['sgd', () => new Sgd(layout, { momentum: 0.9, weightDecay: 5e-4 })],
    ['nesterov', () => new Sgd(layout, { momentum: 0.9, nesterov: true, weightDecay: 5e-4, decay: 'no-bias-norm' })],
    ['adam', () => new Adam(layout, { weightDecay: 1e-3 })],
  ];
  for (const [name, make] of makers) {
    const rng = new Rng(7);
    const grads = Array.from({ length: 6 }, () => randomArray(rng, 18));
    const p = randomArray(rng, 18);
    const a = make();
    const pa = p.slice();
    for (const g of grads) a.step(pa, g, 0.05);

    const b = make();
    const pb = p.slice();
    for (const g of grads.slice(0, 3)) b.step(pb, g, 0.05);
    const saved = b.state().map((t) => ({ name: t.name, data: t.data.slice() }));
    const c = make();
    c.loadState(saved, b.stepCount);
    for (const g of grads.slice(3)) c.step(pb, g, 0.05);
    assert.deepEqual(pb, pa, `${name}: resumed run differs`);
    assert.equal(c.stepCount, 6);
  }
});

// ---------------------------------------------------------------------------------------------------------
// Tier 3: PyTorch trajectories
// ---------------------------------------------------------------------------------------------------------
interface OptimFixture {
  generator: string;
  layout: { name: string; shape: number[] }[];
  lrs: number[];
  p0: number[];
  grads: number[][];
  cases: { name: string; kind: string; options: Record<string, unknown>; decay: 'all' | 'no-bias-norm'; params: number[][] }[];
}

function packageRoot(): string {
  let dir = fileURLToPath(new URL('.', import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('optim.test: no package.json above the test file');
    dir = up;
  }
  return dir;
}

test('sgd and adam follow torch.optim trajectories (6 steps, changing lr, weight-decay groups)', () => {
  const fx = JSON.parse(readFileSync(join(packageRoot(), 'test', 'fixtures', 'optim-torch.json'), 'utf8')) as OptimFixture;
  assert.equal(fx.generator, 'scripts/make-optim-fixture.py');
  let offset = 0;
  const layout = fx.layout.map((e) => {
    const en = entry(e.name, e.shape, offset);
    offset += en.size;
    return en;
  });
  assert.equal(fx.cases.length, 7);
  for (const c of fx.cases) {
    const o = c.options;
    const betas = o.betas as number[] | undefined;
    const opt = createOptimizer(c.kind, layout, {
      momentum: o.momentum as number | undefined,
      nesterov: o.nesterov as boolean | undefined,
      weightDecay: o.weight_decay as number | undefined,
      beta1: betas?.[0],
      beta2: betas?.[1],
      eps: o.eps as number | undefined,
      decay: c.decay,
    });
    const p = Float32Array.from(fx.p0);
    fx.grads.forEach((g, step) => {
      opt.step(p, Float32Array.from(g), fx.lrs[step]);
      // PyTorch ran in float64 from the same float32-exact inputs; ours stores parameters and state in float32
      // (~6e-8 relative per rounding, a few roundings per step, 6 steps) → 1e-6 relative, plus 1e-7 absolute
      // for parameters that pass near 0. A wrong sign, a missing bias correction or decay applied to a bias
      // moves values by ≥ 1e-4.
      expectClose(p, c.params[step], { rtol: 1e-6, atol: 1e-7, name: `${c.name} step ${step + 1}` });
    });
  }
});

// ---------------------------------------------------------------------------------------------------------
// Schedules
// ---------------------------------------------------------------------------------------------------------
test("paper-cifar: 0.01 → 0.005 at 35k → 0.0005 at 85k → 0.00005 at 135k (165k in all)", () => {
  const s = parseSchedule('paper-cifar', 0.01);
  const at = (i: number) => s.lr(i);
  assert.deepEqual(
    [0, 34999, 35000, 84999, 85000, 134999, 135000, 164999, 200000].map(at),
    [0.01, 0.01, 0.005, 0.005, 0.0005, 0.0005, 0.00005, 0.00005, 0.00005],
  );
  assert.equal(s.totalIters, 165000);
  assert.equal(s.toString(), 'steps:35000:0.005,85000:0.0005,135000:0.00005');
  // rates are multiples of --lr
  assert.deepEqual([0, 35000, 85000, 135000].map((i) => parseSchedule('paper-cifar', 0.1).lr(i)), [0.1, 0.05, 0.005, 0.0005]);
});

test('paper-cifar scaled to a short run keeps the proportions (scaleTo and @TOTAL agree)', () => {
  const a = paperCifarSchedule(0.01).scaleTo(16500);
  const b = parseSchedule('paper-cifar@16500', 0.01);
  assert.equal(a.toString(), 'steps:3500:0.005,8500:0.0005,13500:0.00005');
  assert.equal(b.toString(), a.toString());
  assert.equal(b.totalIters, 16500);
  assert.deepEqual([3499, 3500].map((i) => b.lr(i)), [0.01, 0.005]);
  // 1000 iterations: 35/165·1000 = 212.1 → 212, 515.2 → 515, 818.2 → 818
  assert.equal(parseSchedule('paper-cifar@1000', 0.01).toString(), 'steps:212:0.005,515:0.0005,818:0.00005');
});

test('steps: the rate changes exactly at each boundary; toString round-trips', () => {
  const s = parseSchedule('steps:100:0.05,250:0.001', 0.1);
  assert.deepEqual([0, 99, 100, 249, 250, 10 ** 6].map((i) => s.lr(i)), [0.1, 0.1, 0.05, 0.05, 0.001, 0.001]);
  assert.equal(parseSchedule(s.toString(), 0.1).toString(), 'steps:100:0.05,250:0.001');
  assert.equal(parseSchedule(' constant ', 0.3).lr(12345), 0.3);
});

test('cosine: warm-up, half-way, end; monotone after warm-up', () => {
  const s = parseSchedule('cosine:1000,warmup=100,min=0.001', 0.1);
  // warm-up is linear: base·(i+1)/W
  assert.equal(s.lr(0), 0.001);
  assert.ok(Math.abs(s.lr(49) - 0.05) < 1e-15); // exact decimal up to float64 rounding
  assert.equal(s.lr(100), 0.1); // cos(0) = 1
  // half-way through the decay (i = W + (T−W)/2 = 550): (base + min)/2
  assert.ok(Math.abs(s.lr(550) - 0.0505) < 1e-15); // cos(π/2) = 6e-17 in float64, not 0: a few ulps of 0.05
  assert.equal(s.lr(1000), 0.001);
  assert.equal(s.lr(5000), 0.001);
  for (let i = 101; i < 1100; i++) assert.ok(s.lr(i) <= s.lr(i - 1), `cosine rises at ${i}`);
  assert.equal(s.toString(), 'cosine:1000,warmup=100,min=0.001');
  // TOTAL from the run length; scaled warm-up
  assert.equal(parseSchedule('cosine', 0.1, { totalIters: 400 }).toString(), 'cosine:400');
  assert.equal(parseSchedule('cosine:1000,warmup=100@500', 0.1).toString(), 'cosine:500,warmup=50');
  assert.equal(parseSchedule('cosine,warmup=10', 0.1, { totalIters: 400 }).toString(), 'cosine:400,warmup=10');
  assert.equal(parseSchedule('cosine,warmup=10@200', 0.1).toString(), 'cosine:200,warmup=10');
});

test('property: every parsed schedule stays within [min, base] and toString() round-trips', () => {
  const spec = fc.oneof(
    fc.constant('constant'),
    fc.constant('paper-cifar'),
    fc.uniqueArray(fc.integer({ min: 0, max: 100000 }), { minLength: 1, maxLength: 5 }).map(
      (its) => 'steps:' + [...its].sort((a, b) => a - b).map((it, k) => `${it}:${0.01 / 2 ** (k + 1)}`).join(','),
    ),
    fc.tuple(fc.integer({ min: 2, max: 5000 }), fc.integer({ min: 0, max: 100 })).map(([t, w]) => `cosine:${t},warmup=${Math.min(w, t - 1)}`),
  );
  fc.assert(
    fc.property(spec, fc.integer({ min: 0, max: 200000 }), (str, iter) => {
      const s = parseSchedule(str, 0.01);
      const lr = s.lr(iter);
      assert.ok(lr >= 0 && lr <= 0.01, `${str} at ${iter}: ${lr}`);
      assert.equal(parseSchedule(s.toString(), 0.01).lr(iter), lr);
    }),
    fcParams(100),
  );
});

test('parseSchedule errors name --schedule, the problem and the expected syntax', () => {
  const bad: [string, RegExp][] = [
    ['bogus', /unknown schedule 'bogus'/],
    ['steps', /at least one ITER:LR pair/],
    ['steps:abc', /'abc' is not an ITER:LR pair/],
    ['steps:1.5:0.1', /iteration in '1.5:0.1' must be a whole number/],
    ['steps:100:x', /rate in '100:x' must be a number/],
    ['steps:100:0.1,50:0.01', /must increase, but 50 follows 100/],
    ['steps:100:0.1@1000', /@TOTAL needs a schedule with a nominal length/],
    ['cosine', /cosine needs its length/],
    ['cosine:100,warmup=100', /warmup \(100\) must be shorter/],
    ['cosine:100,foo=1', /unknown cosine option 'foo'/],
    ['cosine:100,min=1', /must not exceed the base rate/],
    ['constant:0.1', /constant takes no arguments/],
    ['paper-cifar@0', /total after @ must be ≥ 1/],
    ['paper-cifar@x', /total after @ must be a whole number/],
  ];
  for (const [s, re] of bad) {
    assert.throws(
      () => parseSchedule(s, 0.01),
      (e: Error) => e instanceof ElunetError && re.test(e.message) && e.message.startsWith(`--schedule '${s}'`) && /expected constant \| steps/.test(e.message),
      s,
    );
  }
  assert.throws(() => parseSchedule('constant', 0), /--lr\) must be a finite number > 0/);
  assert.throws(() => parseSchedule('bogus', 0.1, { argName: 'schedule' }), /^ElunetError: schedule 'bogus'/);
});
