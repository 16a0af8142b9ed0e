/**
 * Dropout and alpha-dropout: hand-computed cases, the published alpha-dropout coefficients, reproducible
 * masks, the statistics each one promises (E[mask] = 1; mean 0 / variance 1 kept), gradients, errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { dropoutMask, dropoutForward, dropoutBackward } from '../src/kernels/dropout.js';
import {
  ALPHA_PRIME,
  alphaDropoutCoefficients,
  alphaDropoutMask,
  alphaDropoutForward,
  alphaDropoutBackward,
} from '../src/kernels/alpha-dropout.js';
import { SELU_ALPHA, SELU_LAMBDA, seluForward } from '../src/kernels/selu.js';
import { ShapeError } from '../src/errors.js';
import { Rng, keyedRng } from '../src/rng.js';
import { expectClose, assertGradients, randomArray, fcParams } from './util/check.js';

const f32 = (v: number[]) => Float32Array.from(v);

function meanVar(v: ArrayLike<number>): { mean: number; variance: number } {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i];
  const mean = s / v.length;
  let q = 0;
  for (let i = 0; i < v.length; i++) q += (v[i] - mean) * (v[i] - mean);
  return { mean, variance: q / v.length };
}

// ---------------------------------------------------------------- dropout

test('dropout by hand: the mask holds 0 or 1/(1−rate); forward multiplies, backward accumulates dy·mask', () => {
  const mask = f32([2, 0, 2, 0]); // what rate 0.5 produces: survivors doubled
  const y = new Float32Array(4);
  dropoutForward(y, f32([1, 2, 3, 4]), mask, 4);
  assert.deepEqual([...y], [2, 0, 6, 0]);
  const dx = f32([1, 1, 1, 1]); // accumulates onto what is there
  dropoutBackward(dx, f32([0.5, 0.5, -1, -1]), mask, 4);
  assert.deepEqual([...dx], [2, 1, -1, 1]);
  // in place: y may be x
  const x = f32([1, 2, 3, 4]);
  dropoutForward(x, x, mask, 4);
  assert.deepEqual([...x], [2, 0, 6, 0]);
});

test('dropout masks: values in {0, 1/(1−rate)}, rate 0 keeps all and draws nothing, only count entries written', () => {
  const mask = new Float32Array(1000).fill(-1);
  dropoutMask(mask, 0.2, new Rng(1), 990);
  for (let i = 0; i < 990; i++) assert.ok(mask[i] === 0 || mask[i] === Math.fround(1 / 0.8), `mask[${i}] = ${mask[i]}`);
  assert.ok(mask.subarray(990).every((v) => v === -1)); // the tail beyond count is untouched
  const rng = new Rng(5);
  dropoutMask(mask, 0, rng, 1000);
  assert.ok(mask.every((v) => v === 1));
  assert.equal(rng.next(), new Rng(5).next()); // rate 0 consumed no random numbers
});

test('dropout masks are reproducible from keyedRng(seed, step, sample) and differ between samples', () => {
  const a = new Float32Array(256);
  const b = new Float32Array(256);
  const c = new Float32Array(256);
  dropoutMask(a, 0.5, keyedRng(42, 3, 7), 256);
  dropoutMask(b, 0.5, keyedRng(42, 3, 7), 256);
  dropoutMask(c, 0.5, keyedRng(42, 3, 8), 256);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
});

test('inverted dropout keeps the expected activation: mean(mask) ≈ 1 and the drop fraction ≈ rate', () => {
  const count = 100_000;
  const mask = new Float32Array(count);
  for (const rate of [0.1, 0.3, 0.5, 0.8]) {
    dropoutMask(mask, rate, keyedRng(2016, Math.round(rate * 100)), count);
    const { mean } = meanVar(mask);
    let zeros = 0;
    for (let i = 0; i < count; i++) if (mask[i] === 0) zeros++;
    // mean(mask) has standard deviation √(rate/((1−rate)·count)) (≤ 0.0063 at rate 0.8); 5σ cannot fail by chance
    assert.ok(Math.abs(mean - 1) < 5 * Math.sqrt(rate / ((1 - rate) * count)), `rate ${rate}: mean(mask) = ${mean}`);
    // the drop fraction is binomial: σ = √(rate(1−rate)/count) ≤ 0.0016
    assert.ok(Math.abs(zeros / count - rate) < 5 * Math.sqrt((rate * (1 - rate)) / count), `rate ${rate}: dropped ${zeros / count}`);
  }
});

test('property: dropout gradient matches finite differences', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 50 }), fc.constantFrom(0, 0.2, 0.5), fc.integer({ min: 0, max: 1e6 }), (count, rate, seed) => {
      const rng = new Rng(seed);
      const mask = new Float32Array(count);
      dropoutMask(mask, rate, rng, count);
      const x = randomArray(rng, count, -2, 2);
      const dx = new Float32Array(count);
      const y = new Float32Array(count);
      assertGradients({
        name: `dropout rate ${rate}`,
        params: [{ name: 'x', value: x, grad: dx }],
        forward: () => (dropoutForward(y, x, mask, count), y),
        backward: (dy) => dropoutBackward(dx, dy, mask, count),
        seed,
      });
    }),
    fcParams(25),
  );
});

// ---------------------------------------------------------------- alpha-dropout

test('alpha-dropout coefficients: α′ = −λα and the published a, b for rates 0.05 and 0.10', () => {
  assert.equal(SELU_LAMBDA, 1.0507009873554804934193349852946);
  assert.equal(SELU_ALPHA, 1.6732632423543772848170429916717);
  // α′ in double precision, as PyTorch and the SNN authors print it
  assert.ok(Math.abs(ALPHA_PRIME - -1.7580993408473766) < 1e-15, `α′ = ${ALPHA_PRIME}`);
  const c05 = alphaDropoutCoefficients(0.05);
  const c10 = alphaDropoutCoefficients(0.1);
  assert.equal(c05.alphaPrime, ALPHA_PRIME);
  // the reference values are given to 6 decimals: agree to half a unit in the last place
  assert.ok(Math.abs(c05.a - 0.954844) < 5e-7 && Math.abs(c05.b - 0.083936) < 5e-7, `rate 0.05: a ${c05.a}, b ${c05.b}`);
  assert.ok(Math.abs(c10.a - 0.921285) < 5e-7 && Math.abs(c10.b - 0.161971) < 5e-7, `rate 0.10: a ${c10.a}, b ${c10.b}`);
  assert.deepEqual(alphaDropoutCoefficients(0), { a: 1, b: 0, alphaPrime: ALPHA_PRIME }); // rate 0: identity
});

test('alpha-dropout by hand: a kept unit becomes a·x + b, a dropped one a·α′ + b; backward passes dy·a only where kept', () => {
  const rate = 0.1;
  const { a, b } = alphaDropoutCoefficients(rate);
  const keep = Uint8Array.from([1, 0, 1]);
  const x = f32([0.5, -1, 2]);
  const y = new Float32Array(3);
  alphaDropoutForward(y, x, keep, rate, 3);
  // float32 storage of values of size ~2: 1e-6 relative
  expectClose(y, [a * 0.5 + b, a * ALPHA_PRIME + b, a * 2 + b], { rtol: 1e-6, name: 'alpha-dropout y' });
  const dx = f32([10, 10, 10]); // accumulates
  alphaDropoutBackward(dx, f32([1, 1, -1]), keep, rate, 3);
  expectClose(dx, [10 + a, 10, 10 - a], { rtol: 1e-6, name: 'alpha-dropout dx' });
  // keep may also be a Float32Array of 0/1, and the forward may run in place
  alphaDropoutForward(x, x, Float32Array.from(keep), rate, 3);
  expectClose(x, y, { rtol: 0, atol: 0, name: 'in place, float keep' });
});

test('alpha-dropout masks: keep ∈ {0, 1}, rate 0 keeps all, same generator → the same units as dropout drops', () => {
  const keep = new Uint8Array(500);
  alphaDropoutMask(keep, 0.3, new Rng(9), 500);
  assert.ok(keep.every((v) => v === 0 || v === 1));
  const mask = new Float32Array(500);
  dropoutMask(mask, 0.3, new Rng(9), 500);
  for (let i = 0; i < 500; i++) assert.equal(keep[i] === 1, mask[i] !== 0, `unit ${i}`);
  alphaDropoutMask(keep, 0, new Rng(9), 500);
  assert.ok(keep.every((v) => v === 1));
});

test('alpha-dropout keeps mean 0 and variance 1: for N(0,1) input, and for SELU of N(0,1) input', () => {
  const count = 200_000;
  const rng = new Rng(1706);
  const z = new Float32Array(count);
  for (let i = 0; i < count; i++) z[i] = rng.normal();
  const s = new Float32Array(count);
  seluForward(s, z, count); // SELU maps N(0,1) to mean 0, variance 1 as well (its fixed point)
  const keep = new Uint8Array(count);
  const y = new Float32Array(count);
  for (const [name, x] of [['N(0,1)', z], ['selu(N(0,1))', s]] as const) {
    for (const rate of [0.05, 0.1, 0.5]) {
      alphaDropoutMask(keep, rate, keyedRng(7, Math.round(rate * 100)), count);
      alphaDropoutForward(y, x, keep, rate, count);
      const { mean, variance } = meanVar(y);
      // with 2·10⁵ samples the sample mean has σ ≈ 1/√count = 0.0022 and the sample variance
      // σ ≈ √((κ−1)/count) ≤ 0.006 for kurtosis κ ≲ 8: 0.012 and 0.03 are ~5σ (SELU output is skewed,
      // and the input's own sample mean/variance also wander by that much)
      assert.ok(Math.abs(mean) < 0.012, `${name}, rate ${rate}: mean ${mean}`);
      assert.ok(Math.abs(variance - 1) < 0.03, `${name}, rate ${rate}: variance ${variance}`);
    }
  }
  // plain dropout, for contrast, does not keep the variance: rate 0.5 doubles E[x²]
  const mask = new Float32Array(count);
  dropoutMask(mask, 0.5, new Rng(3), count);
  dropoutForward(y, z, mask, count);
  assert.ok(meanVar(y).variance > 1.8, `plain dropout variance ${meanVar(y).variance}`);
});

test('property: alpha-dropout gradient matches finite differences (Uint8Array and Float32Array keep masks)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 50 }), fc.constantFrom(0, 0.05, 0.1, 0.5), fc.boolean(), fc.integer({ min: 0, max: 1e6 }), (count, rate, bytes, seed) => {
      const rng = new Rng(seed);
      const keep = bytes ? new Uint8Array(count) : new Float32Array(count);
      alphaDropoutMask(keep, rate, rng, count);
      const x = randomArray(rng, count, -2, 2);
      const dx = new Float32Array(count);
      const y = new Float32Array(count);
      assertGradients({
        name: `alpha-dropout rate ${rate}`,
        params: [{ name: 'x', value: x, grad: dx }],
        forward: () => (alphaDropoutForward(y, x, keep, rate, count), y),
        backward: (dy) => alphaDropoutBackward(dx, dy, keep, rate, count),
        seed,
      });
    }),
    fcParams(25),
  );
});

test('a rate outside [0, 1) is refused by every entry point, with the fix in the message', () => {
  const m = new Float32Array(4);
  const k = new Uint8Array(4);
  const rng = new Rng(1);
  const isRateError = (op: string) => (e: Error) =>
    e instanceof ShapeError && e.message.startsWith(`${op}: rate must be a probability in [0, 1)`) && /use 0 to disable dropout/.test(e.message);
  for (const bad of [1, 1.5, -0.1, NaN]) {
    assert.throws(() => dropoutMask(m, bad, rng, 4), isRateError('dropout'));
    assert.throws(() => alphaDropoutMask(k, bad, rng, 4), isRateError('alpha-dropout'));
    assert.throws(() => alphaDropoutCoefficients(bad), isRateError('alpha-dropout'));
    assert.throws(() => alphaDropoutForward(m, m, k, bad, 4), isRateError('alpha-dropout'));
  }
});
