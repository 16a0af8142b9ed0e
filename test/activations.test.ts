/**
 * Activations: ELU, ReLU, leaky ReLU, shifted ReLU, SELU, PReLU, and the name registry.
 *
 * Tier 1 — hand-computed values that read as documentation (ELU(−1) = e⁻¹ − 1, …).
 * Tier 2 — properties on random inputs: gradients against finite differences (inputs kept away from each
 *          kink, so the one-sided slopes do not meet inside a difference), invariants (ELU ≥ −α, identity for
 *          x > 0, the backward from the output equals the derivative from the input, in place = out of place),
 *          and planted bugs that the gradient check must catch.
 * Tier 3 — the moments of each activation for x ~ N(0,1), integrated numerically through the kernels,
 *          against the table of docs/kernels/activations.md (float64 numerical integration).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Rng } from '../src/rng.js';
import { ElunetError, ShapeError } from '../src/errors.js';
import { eluBackward, eluBackwardNaive, eluForward } from '../src/kernels/elu.js';
import { reluBackward, reluForward } from '../src/kernels/relu.js';
import { leakyReluBackward, leakyReluForward } from '../src/kernels/leaky-relu.js';
import { shiftedReluBackward, shiftedReluForward } from '../src/kernels/shifted-relu.js';
import { SELU_ALPHA, SELU_LAMBDA, seluBackward, seluForward } from '../src/kernels/selu.js';
import { preluBackward, preluForward, preluShape } from '../src/kernels/prelu.js';
import {
  ACTIVATION_NAMES,
  activationBackward,
  activationForward,
  defaultActivationParam,
  parseActivation,
  type ActivationName,
} from '../src/kernels/activation.js';
import { assertGradients, expectClose, fcParams, gradCheck, randomAwayFrom } from './util/check.js';

const f32 = (xs: number[]) => Float32Array.from(xs);

// Float32 stores about 7 significant digits: a hand value computed in float64 and the kernel's float32 output
// agree to one rounding, |Δ| ≤ 2⁻²⁴·|v| ≈ 6e−8·|v|; rtol 1e−6 leaves a 16× margin.
const HAND = { rtol: 1e-6, atol: 1e-7 };

/** One elementwise activation, wired to the kernels, for the tests that loop over all of them. */
interface Elementwise {
  name: string;
  forward: (y: Float32Array, x: Float32Array, n: number) => void;
  backward: (dx: Float32Array, dy: Float32Array, y: Float32Array, n: number) => void;
  /** derivative computed from the INPUT, in float64: the reference the backward-from-output is held to */
  deriv: (x: number) => number;
  /** points where the derivative jumps (finite differences across them are meaningless) */
  kinks: number[];
}

const ALPHA = 0.7; // ELU α ≠ 1 on purpose: α = 1 hides a swapped y + α / α·eˣ in the value at 0
const SLOPE = 0.1;
const ACTS: Elementwise[] = [
  {
    name: 'elu',
    forward: (y, x, n) => eluForward(y, x, ALPHA, n),
    backward: (dx, dy, y, n) => eluBackward(dx, dy, y, ALPHA, n),
    deriv: (x) => (x > 0 ? 1 : ALPHA * Math.exp(x)),
    kinks: [0],
  },
  {
    name: 'relu',
    forward: reluForward,
    backward: reluBackward,
    deriv: (x) => (x > 0 ? 1 : 0),
    kinks: [0],
  },
  {
    name: 'lrelu',
    forward: (y, x, n) => leakyReluForward(y, x, SLOPE, n),
    backward: (dx, dy, y, n) => leakyReluBackward(dx, dy, y, SLOPE, n),
    deriv: (x) => (x > 0 ? 1 : SLOPE),
    kinks: [0],
  },
  {
    name: 'srelu',
    forward: shiftedReluForward,
    backward: shiftedReluBackward,
    deriv: (x) => (x > -1 ? 1 : 0),
    kinks: [-1],
  },
  {
    name: 'selu',
    forward: seluForward,
    backward: seluBackward,
    deriv: (x) => (x > 0 ? SELU_LAMBDA : SELU_LAMBDA * SELU_ALPHA * Math.exp(x)),
    kinks: [0],
  },
];

// ---------------------------------------------------------------------------------------------------------
// Tier 1: hand-computed values
// ---------------------------------------------------------------------------------------------------------

test('ELU by hand: identity for x > 0, α(eˣ − 1) for x ≤ 0, saturating at −α', () => {
  const x = f32([2, 0.5, 0, -1, -2, -30]);
  const y = new Float32Array(6);
  eluForward(y, x, 1, 6);
  expectClose(y, [2, 0.5, 0, Math.exp(-1) - 1, Math.exp(-2) - 1, Math.exp(-30) - 1], { ...HAND, name: 'ELU α=1' });
  assert.equal(y[3], Math.fround(-0.6321205588285577)); // ELU(−1) = e⁻¹ − 1
  eluForward(y, x, 0.5, 6);
  expectClose(y, [2, 0.5, 0, 0.5 * (Math.exp(-1) - 1), 0.5 * (Math.exp(-2) - 1), -0.5], { ...HAND, name: 'ELU α=0.5' });
});

test('ELU backward: the branch-free α = 1 loop gives the same bits as the plain loop (±0, ±∞, saturation, NaN included)', () => {
  const n = 100_003;
  const rng = new Rng(5);
  const y = new Float32Array(n);
  const dy = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 7 === 0 ? -1 + 2 ** -24 * (i % 3) : (rng.uniform() * 2 - 1) * 4;
    dy[i] = rng.uniform() * 2 - 1;
  }
  y.set([0, -0, 1e-45, -1e-45, -1, NaN, Infinity, -Infinity, 3.4028234663852886e38, -3.4028234663852886e38], 0);
  const fast = new Float32Array(n).fill(0.25); // pre-filled: both must accumulate
  const plain = new Float32Array(n).fill(0.25);
  eluBackward(fast, dy, y, 1, n);
  eluBackwardNaive(plain, dy, y, 1, n);
  assert.deepEqual(new Uint32Array(fast.buffer), new Uint32Array(plain.buffer));
  // at y = +∞ the slope is 1 (½(y − |y|) would be ∞ − ∞ = NaN), a NaN y stays NaN
  assert.deepEqual([fast[6], fast[5]], [Math.fround(0.25 + dy[6]), NaN]);
});

test('ELU backward by hand: slope 1 for y > 0 and y + α = α·eˣ for y ≤ 0; it accumulates', () => {
  const x = f32([3, -1, 0]);
  const y = new Float32Array(3);
  eluForward(y, x, 1, 3);
  const dx = f32([10, 10, 10]); // pre-filled: backward must add, not overwrite
  eluBackward(dx, f32([2, 2, 2]), y, 1, 3);
  expectClose(dx, [10 + 2, 10 + 2 * Math.exp(-1), 10 + 2], { ...HAND, name: 'dx' });
});

test('ReLU, leaky ReLU (slope 0.1) and shifted ReLU max(−1, x) by hand', () => {
  const x = f32([-3, -1, -0.5, 0, 0.5, 2]);
  const y = new Float32Array(6);
  reluForward(y, x, 6);
  assert.deepEqual([...y], [0, 0, 0, 0, 0.5, 2]);
  leakyReluForward(y, x, 0.1, 6);
  expectClose(y, [-0.3, -0.1, -0.05, 0, 0.5, 2], { ...HAND, name: 'LReLU' });
  shiftedReluForward(y, x, 6);
  assert.deepEqual([...y], [-1, -1, -0.5, 0, 0.5, 2]);

  const dy = f32([1, 1, 1, 1, 1, 1]);
  let dx = new Float32Array(6);
  reluForward(y, x, 6);
  reluBackward(dx, dy, y, 6);
  assert.deepEqual([...dx], [0, 0, 0, 0, 1, 1]); // slope 0 at x = 0, as in PyTorch
  dx = new Float32Array(6);
  leakyReluForward(y, x, 0.1, 6);
  leakyReluBackward(dx, dy, y, 0.1, 6);
  expectClose(dx, [0.1, 0.1, 0.1, 0.1, 1, 1], { ...HAND, name: 'LReLU dx' });
  dx = new Float32Array(6);
  shiftedReluForward(y, x, 6);
  shiftedReluBackward(dx, dy, y, 6);
  assert.deepEqual([...dx], [0, 0, 1, 1, 1, 1]); // flat where the output sits at −1
});

test('SELU by hand: λ·x for x > 0, λα(eˣ − 1) for x ≤ 0, saturating at −λα ≈ −1.7581', () => {
  assert.equal(SELU_ALPHA, 1.6732632423543772);
  assert.equal(SELU_LAMBDA, 1.0507009873554805);
  const x = f32([1, -1, -40]);
  const y = new Float32Array(3);
  seluForward(y, x, 3);
  expectClose(y, [SELU_LAMBDA, SELU_LAMBDA * SELU_ALPHA * (Math.exp(-1) - 1), -1.7580993408473766], {
    ...HAND,
    name: 'SELU',
  });
  const dx = new Float32Array(3);
  seluBackward(dx, f32([1, 1, 1]), y, 3);
  // from the output: λ, y + λα = λα·e⁻¹, and ≈ 0 deep in saturation (λα·e⁻⁴⁰ ≈ 7e−18, lost to rounding).
  // atol 2e−7: y + λα cancels two float32 numbers of size 1.76, one ulp of which is 1.2e−7.
  expectClose(dx, [SELU_LAMBDA, SELU_LAMBDA * SELU_ALPHA * Math.exp(-1), 0], { rtol: 1e-6, atol: 2e-7, name: 'SELU dx' });
});

test('PReLU by hand: one slope per channel over (N, C, spatial); da sums dy·x where x ≤ 0', () => {
  const s = preluShape({ n: 2, c: 2, spatial: 2 });
  //             n=0: c=0     c=1      n=1: c=0     c=1
  const x = f32([-1, 2, -3, 4, -2, 0, 5, -4]);
  const a = f32([0.25, 0.5]);
  const y = new Float32Array(8);
  preluForward(y, x, a, s);
  expectClose(y, [-0.25, 2, -1.5, 4, -0.5, 0, 5, -2], { ...HAND, name: 'y' });
  const dy = f32([1, 1, 1, 1, 2, 2, 2, 2]);
  const dx = new Float32Array(8);
  const da = f32([100, 100]); // accumulates onto whatever was there
  preluBackward(dx, da, dy, x, a, s);
  expectClose(dx, [0.25, 1, 0.5, 1, 0.5, 0.5, 2, 1], { ...HAND, name: 'dx' }); // x = 0 takes the slope (PyTorch)
  // da[0] = 1·(−1) + 2·(−2) + 2·0 = −5;  da[1] = 1·(−3) + 2·(−4) = −11
  expectClose(da, [100 - 5, 100 - 11], { ...HAND, name: 'da' });
});

test('PReLU with every slope 0.1 is the leaky ReLU; dense layers use spatial = 1', () => {
  const rng = new Rng(7);
  const x = randomAwayFrom(rng, 24, [0], 0, -3, 3);
  const s = preluShape({ n: 4, c: 6 }); // spatial defaults to 1
  assert.equal(s.spatial, 1);
  const yp = new Float32Array(24);
  const yl = new Float32Array(24);
  preluForward(yp, x, new Float32Array(6).fill(0.1), s);
  leakyReluForward(yl, x, Math.fround(0.1), 24); // the learned slope is stored in float32
  assert.deepEqual([...yp], [...yl]);
});

test('preluShape rejects shapes that are not positive integers, naming the field', () => {
  assert.throws(() => preluShape({ n: 0, c: 3 }), (e: Error) => e instanceof ShapeError && /prelu: n/.test(e.message));
  assert.throws(() => preluShape({ n: 2, c: 1.5 }), (e: Error) => e instanceof ShapeError && /prelu: c/.test(e.message));
  assert.throws(() => preluShape({ n: 2, c: 3, spatial: -1 }), (e: Error) => e instanceof ShapeError && /spatial/.test(e.message));
});

// ---------------------------------------------------------------------------------------------------------
// Tier 2: gradients against finite differences
// ---------------------------------------------------------------------------------------------------------

// check.ts's default step h = 1e−2. Inputs stay at least 0.05 > 2h away from every kink, so x ± h never
// straddles one and each central difference sees a single smooth branch.
const KINK_GAP = 0.05;

for (const act of ACTS) {
  test(`${act.name}: backward (from the output) matches central differences, random sizes and seeds`, () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (n, seed) => {
        const rng = new Rng(seed);
        const x = randomAwayFrom(rng, n, act.kinks, KINK_GAP, -3, 3);
        const y = new Float32Array(n);
        const dx = new Float32Array(n);
        assertGradients({
          name: act.name,
          seed,
          params: [{ name: 'x', value: x, grad: dx }],
          forward: () => {
            act.forward(y, x, n);
            return y;
          },
          backward: (dout) => act.backward(dx, dout, y, n),
        });
      }),
      fcParams(),
    );
  });
}

test('prelu: dx and da match central differences, random shapes and seeds', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 6 }),
      fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      (n, c, spatial, seed) => {
        const rng = new Rng(seed);
        const s = preluShape({ n, c, spatial });
        const count = n * c * spatial;
        const x = randomAwayFrom(rng, count, [0], KINK_GAP, -3, 3);
        const a = randomAwayFrom(rng, c, [], 0, -0.5, 1); // slopes may be learned negative
        const y = new Float32Array(count);
        const dx = new Float32Array(count);
        const da = new Float32Array(c);
        assertGradients({
          name: 'prelu',
          seed,
          params: [
            { name: 'x', value: x, grad: dx },
            { name: 'a', value: a, grad: da },
          ],
          forward: () => {
            preluForward(y, x, a, s);
            return y;
          },
          backward: (dout) => preluBackward(dx, da, dout, x, a, s),
        });
      },
    ),
    fcParams(),
  );
});

test('the gradient check catches planted bugs in the ELU backward (so passing it means something)', () => {
  const n = 16;
  const rng = new Rng(11);
  const x = randomAwayFrom(rng, n, [0], KINK_GAP, -3, 3);
  const y = new Float32Array(n);
  const dx = new Float32Array(n);
  const run = (backward: (dout: Float32Array) => void) =>
    gradCheck({
      name: 'planted',
      seed: 5,
      params: [{ name: 'x', value: x, grad: dx }],
      forward: () => {
        eluForward(y, x, ALPHA, n);
        return y;
      },
      backward,
    });
  assert.equal(run((dy) => eluBackward(dx, dy, y, ALPHA, n)).ok, true, 'the correct backward passes');
  const planted: Record<string, (dy: Float32Array) => void> = {
    'overwrites instead of accumulating': (dy) => {
      for (let i = 0; i < n; i++) dx[i] = y[i] > 0 ? dy[i] : dy[i] * (y[i] + ALPHA);
    },
    'y − α instead of y + α': (dy) => {
      for (let i = 0; i < n; i++) dx[i] += y[i] > 0 ? dy[i] : dy[i] * (y[i] - ALPHA);
    },
    'slope 1 everywhere (forgot the negative branch)': (dy) => {
      for (let i = 0; i < n; i++) dx[i] += dy[i];
    },
    'off by one index': (dy) => {
      for (let i = 0; i < n; i++) dx[i] += y[i] > 0 ? dy[(i + 1) % n] : dy[(i + 1) % n] * (y[i] + ALPHA);
    },
  };
  for (const [what, backward] of Object.entries(planted)) {
    assert.equal(run(backward).ok, false, `a backward that ${what} must fail`);
  }
});

// ---------------------------------------------------------------------------------------------------------
// Tier 2: invariants
// ---------------------------------------------------------------------------------------------------------

// fast-check's fc.float yields float32 values, exactly what a Float32Array stores.
const xs = fc.array(fc.float({ min: -60, max: 60, noNaN: true }), { minLength: 1, maxLength: 64 });
const alphas = fc.float({ min: Math.fround(0.05), max: 4, noNaN: true });

test('ELU ≥ −α everywhere, and is the identity for x > 0', () => {
  fc.assert(
    fc.property(xs, alphas, (vals, alpha) => {
      const x = f32(vals);
      const y = new Float32Array(x.length);
      eluForward(y, x, alpha, x.length);
      for (let i = 0; i < x.length; i++) {
        // α is a float32 value, so rounding α·(eˣ − 1) ∈ [−α, 0] to float32 cannot leave [−α, 0]
        assert.ok(y[i] >= -alpha, `ELU(${x[i]}) = ${y[i]} < −α = ${-alpha}`);
        if (x[i] > 0) assert.equal(y[i], x[i]);
        else assert.ok(y[i] <= 0);
      }
    }),
    fcParams(100),
  );
});

test('ELU backward from the output equals the derivative computed from the input', () => {
  fc.assert(
    fc.property(xs, alphas, (vals, alpha) => {
      const x = f32(vals);
      const n = x.length;
      const y = new Float32Array(n);
      eluForward(y, x, alpha, n);
      const dx = new Float32Array(n);
      eluBackward(dx, new Float32Array(n).fill(1), y, alpha, n);
      const fromInput = Array.from(x, (v) => (v > 0 ? 1 : alpha * Math.exp(v)));
      // y + α cancels: y carries a float32 rounding of up to 2⁻²⁴·α, and the sum one more of the same size,
      // so the absolute error can reach ~2·2⁻²⁴·α even where the exact slope α·eˣ is tiny; 4·2⁻²⁴·α has margin.
      expectClose(dx, fromInput, { rtol: 1e-6, atol: 4 * 2 ** -24 * alpha, name: `dELU, α=${alpha}` });
    }),
    fcParams(100),
  );
});

test('every elementwise backward from the output equals its derivative from the input', () => {
  for (const act of ACTS) {
    const x = f32([-50, -5, -1.5, -1, -0.3, 0, 0.3, 1, 5, 50]);
    const y = new Float32Array(x.length);
    act.forward(y, x, x.length);
    const dx = new Float32Array(x.length);
    act.backward(dx, new Float32Array(x.length).fill(1), y, x.length);
    // atol 2e−7: for ELU/SELU the slope y + α is a difference of two float32 numbers ≤ 1.76 (see above)
    expectClose(dx, Array.from(x, act.deriv), { rtol: 1e-6, atol: 2e-7, name: act.name });
  }
});

test('every elementwise forward gives the same result in place (y === x) as out of place', () => {
  fc.assert(
    fc.property(xs, (vals) => {
      for (const act of ACTS) {
        const x = f32(vals);
        const y = new Float32Array(x.length);
        act.forward(y, x, x.length);
        act.forward(x, x, x.length); // overwrite the input
        assert.deepEqual([...x], [...y], act.name);
      }
    }),
    fcParams(50),
  );
});

test('every elementwise activation is non-decreasing and touches only the first `count` elements', () => {
  fc.assert(
    fc.property(xs, (vals) => {
      const sorted = f32(vals).sort();
      for (const act of ACTS) {
        const y = new Float32Array(sorted.length + 1).fill(42);
        act.forward(y, sorted, sorted.length);
        for (let i = 1; i < sorted.length; i++) assert.ok(y[i] >= y[i - 1], `${act.name} decreases at ${sorted[i]}`);
        assert.equal(y[sorted.length], 42, `${act.name} wrote past count`);
      }
    }),
    fcParams(50),
  );
});

// ---------------------------------------------------------------------------------------------------------
// Tier 3: moments for x ~ N(0,1), by numerical integration through the kernels
// ---------------------------------------------------------------------------------------------------------

/**
 * E[f(x)] and Var[f(x)] for x ~ N(0,1): composite Simpson's rule on [−10, 10] (the tails beyond hold < 1e−22
 * of the mass), split at the kinks −1 and 0 so every panel integrates a smooth function. f is evaluated by the
 * kernel itself on a float32 grid; the sums run in float64.
 */
function normalMoments(forward: (y: Float32Array, x: Float32Array, n: number) => void): { mean: number; variance: number } {
  const breaks = [-10, -1, 0, 10];
  const perUnit = 1000; // step 1e−3: Simpson's error ~ h⁴·max|g⁗| ≈ 1e−12, far below the table's 6 digits
  let m1 = 0;
  let m2 = 0;
  for (let b = 0; b + 1 < breaks.length; b++) {
    const lo = breaks[b];
    const hi = breaks[b + 1];
    const panels = 2 * Math.round(((hi - lo) * perUnit) / 2);
    const h = (hi - lo) / panels;
    const x = new Float32Array(panels + 1);
    for (let i = 0; i <= panels; i++) x[i] = lo + i * h;
    const y = new Float32Array(panels + 1);
    forward(y, x, panels + 1);
    for (let i = 0; i <= panels; i++) {
      const w = (i === 0 || i === panels ? 1 : i % 2 === 1 ? 4 : 2) * (h / 3);
      const phi = Math.exp(-0.5 * x[i] * x[i]) / Math.sqrt(2 * Math.PI);
      m1 += w * phi * y[i];
      m2 += w * phi * y[i] * y[i];
    }
  }
  return { mean: m1, variance: m2 - m1 * m1 };
}

// the table of docs/kernels/activations.md (float64 numerical integration, independent of the kernels). It has 6 decimals,
// i.e. ±5e−7 of rounding; our integral adds ~1e−7 (float32 outputs summed 20 000 times with random-sign
// rounding errors). atol 1e−6 covers both and still fails a planted error in the 6th decimal.
const MOMENTS: { name: string; forward: (y: Float32Array, x: Float32Array, n: number) => void; mean: number; variance: number }[] = [
  { name: 'ReLU', forward: reluForward, mean: 0.398942, variance: 0.340845 },
  { name: 'LReLU (slope 0.1)', forward: (y, x, n) => leakyReluForward(y, x, 0.1, n), mean: 0.359048, variance: 0.376084 },
  { name: 'SReLU max(−1,x)', forward: shiftedReluForward, mean: 0.083315, variance: 0.751088 },
  { name: 'ELU (α = 1)', forward: (y, x, n) => eluForward(y, x, 1, n), mean: 0.160521, variance: 0.619179 },
  { name: 'SELU', forward: seluForward, mean: 0, variance: 1 },
];

test('moments for x ~ N(0,1) match the table of docs/kernels/activations.md', () => {
  for (const m of MOMENTS) {
    const got = normalMoments(m.forward);
    assert.ok(Math.abs(got.mean - m.mean) <= 1e-6, `${m.name}: E[f(x)] = ${got.mean}, table ${m.mean}`);
    assert.ok(Math.abs(got.variance - m.variance) <= 1e-6, `${m.name}: Var[f(x)] = ${got.variance}, table ${m.variance}`);
  }
});

test("ELU's mean matches its closed form 1/√(2π) + e^½·Φ(−1) − ½, and is the closest to 0 of the paper's four", () => {
  const PHI_MINUS_1 = 0.15865525393145707; // Φ(−1) = erfc(1/√2)/2
  const closed = 1 / Math.sqrt(2 * Math.PI) + Math.exp(0.5) * PHI_MINUS_1 - 0.5;
  const elu = normalMoments((y, x, n) => eluForward(y, x, 1, n));
  assert.ok(Math.abs(elu.mean - closed) <= 1e-6, `ELU mean ${elu.mean} vs closed form ${closed}`); // see MOMENTS tolerance
  // The paper's argument: ELU pushes the mean activation towards 0 compared with ReLU and leaky ReLU. (The
  // shifted ReLU's mean is even smaller, but it gets there with a hard corner and no smooth saturation.)
  const relu = normalMoments(reluForward);
  const lrelu = normalMoments((y, x, n) => leakyReluForward(y, x, 0.1, n));
  assert.ok(elu.mean < lrelu.mean && lrelu.mean < relu.mean);
});

test('SELU keeps (mean 0, variance 1) a fixed point to 1e−6', () => {
  const selu = normalMoments(seluForward);
  assert.ok(Math.abs(selu.mean) < 1e-6, `mean ${selu.mean}`); // tolerance: see MOMENTS
  assert.ok(Math.abs(selu.variance - 1) < 1e-6, `variance ${selu.variance}`);
});

// ---------------------------------------------------------------------------------------------------------
// The registry
// ---------------------------------------------------------------------------------------------------------

test('parseActivation accepts every name (any case) and rejects others with the list of names', () => {
  for (const name of ACTIVATION_NAMES) assert.equal(parseActivation(name), name);
  assert.equal(parseActivation(' ELU '), 'elu');
  assert.throws(
    () => parseActivation('swish'),
    (e: Error) =>
      e instanceof ShapeError &&
      e.message === "unknown activation 'swish'; expected one of: elu, relu, lrelu, srelu, prelu, selu, linear",
  );
});

test('activationForward/Backward dispatch to the kernels (defaults α = 1, slope 0.1); linear is the identity', () => {
  const rng = new Rng(3);
  const x = randomAwayFrom(rng, 32, [-1, 0], 0.01, -3, 3);
  const dy = randomAwayFrom(rng, 32, [], 0, -1, 1);
  const direct: Record<Exclude<ActivationName, 'prelu'>, [Elementwise['forward'], Elementwise['backward']]> = {
    elu: [(y, v, n) => eluForward(y, v, 1, n), (d, g, y, n) => eluBackward(d, g, y, 1, n)],
    relu: [reluForward, reluBackward],
    lrelu: [(y, v, n) => leakyReluForward(y, v, 0.1, n), (d, g, y, n) => leakyReluBackward(d, g, y, 0.1, n)],
    srelu: [shiftedReluForward, shiftedReluBackward],
    selu: [seluForward, seluBackward],
    linear: [(y, v, n) => y.set(v.subarray(0, n)), (d, g, _y, n) => { for (let i = 0; i < n; i++) d[i] += g[i]; }],
  };
  for (const [name, [fwd, bwd]] of Object.entries(direct) as [ActivationName, [Elementwise['forward'], Elementwise['backward']]][]) {
    const y1 = new Float32Array(32);
    const y2 = new Float32Array(32);
    activationForward(name, y1, x, 32);
    fwd(y2, x, 32);
    assert.deepEqual([...y1], [...y2], `${name} forward`);
    const d1 = new Float32Array(32).fill(0.5);
    const d2 = new Float32Array(32).fill(0.5);
    activationBackward(name, d1, dy, y1, 32);
    bwd(d2, dy, y2, 32);
    assert.deepEqual([...d1], [...d2], `${name} backward`);
  }
  // an explicit parameter is passed through
  const y = new Float32Array(1);
  activationForward('elu', y, f32([-1]), 1, 2);
  expectClose(y, [2 * (Math.exp(-1) - 1)], { ...HAND, name: 'elu α=2' });
  assert.equal(defaultActivationParam('elu'), 1);
  assert.equal(defaultActivationParam('lrelu'), 0.1);
});

test("the registry refuses 'prelu' (it has learned weights) with a message pointing to prelu.ts", () => {
  const b = new Float32Array(2);
  assert.throws(() => activationForward('prelu', b, b, 2), (e: Error) => e instanceof ElunetError && /preluForward/.test(e.message));
  assert.throws(() => activationBackward('prelu', b, b, b, 2), (e: Error) => e instanceof ElunetError && /prelu/.test(e.message));
});
