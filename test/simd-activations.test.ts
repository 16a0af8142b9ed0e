/**
 * The SIMD activations (src/simd/assembly/elu.ts, selu.ts, relu.ts, leaky-relu.ts, shifted-relu.ts) and the
 * vector expm1 behind ELU and SELU (expm1.ts): against the TypeScript kernels on every tail length and on
 * special values, the stated error bound of expm1 on a dense grid of all negative float32 inputs, ELU's
 * invariants, and finite-difference gradients. Tolerances: test/util/simd.ts (checkActivations).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { measureExpm1Error } from '../bench/exp-error.js';
import { Rng } from '../src/rng.js';
import { assertGradients } from './util/check.js';
import { EXPM1_MAX_ULP, checkActivations, inMem, randomF32, scoped, simd } from './util/simd.js';

const k = simd();

test('simd activations (elu, selu, relu, lrelu, srelu) equal the TypeScript kernels, forward in and out of place, backward', () => {
  checkActivations(k, 60);
});

test(`simd expm1: within ${EXPM1_MAX_ULP} ulp of float64 Math.expm1 on a dense grid of every negative float32 down to −24`, () => {
  // every 89th float32 bit pattern between −0 and −24: 12.4 million inputs, every binade densely covered
  // (the full check, all 1.1 billion, is `node dist/bench/exp-error.js`)
  const r = measureExpm1Error(k, 89);
  assert.ok(r.checked > 12_000_000, `only ${r.checked} inputs checked`);
  assert.ok(r.maxUlp <= EXPM1_MAX_ULP,
    `expm1 error ${r.maxUlp.toFixed(3)} ulp at x = ${r.maxUlpAt} exceeds the stated bound ${EXPM1_MAX_ULP} ulp`);
});

test('simd expm1: saturation, infinities, NaN and the smallest inputs', () => {
  scoped(k, () => {
    const xs = [-17.4, -24, -25, -88, -1000, -Infinity, NaN, -1e-30, -1.4e-45, -0, 0];
    const x = inMem(k, xs);
    const y = k.memory.f32(xs.length);
    k.exports.expm1Neg(y.byteOffset, x.byteOffset, xs.length);
    // below −17.33 the float32 nearest to eˣ − 1 is −1; tiny inputs keep their value (expm1(x) = x + x²/2 + …)
    assert.deepEqual(Array.from(y.subarray(0, 6)), [-1, -1, -1, -1, -1, -1]);
    assert.ok(Number.isNaN(y[6]), 'NaN must stay NaN');
    assert.equal(y[7], Math.fround(-1e-30));
    assert.equal(y[8], Math.fround(-1.4e-45));
    assert.equal(y[9], 0);
    assert.equal(y[10], 0);
  });
});

test('simd ELU: the output never goes below −α, and is x itself for x > 0', () => {
  scoped(k, () => {
    const rng = new Rng(4);
    for (const alpha of [1, 0.3, 2.7]) {
      const x = inMem(k, [...randomF32(rng, 997, -40, 10), -3.4e38, 3.4e38, -Infinity]);
      const y = k.memory.f32(x.length);
      k.eluForward(y, x, alpha, x.length);
      for (let i = 0; i < x.length; i++) {
        assert.ok(y[i] >= Math.fround(-alpha), `ELU(${x[i]}) = ${y[i]} < −α = ${-alpha}`);
        if (x[i] > 0) assert.equal(y[i], x[i]);
      }
    }
  });
});

for (const [name, fwd, bwd] of [
  ['elu α = 1.3', (y: Float32Array, x: Float32Array) => k.eluForward(y, x, 1.3, x.length),
    (dx: Float32Array, dy: Float32Array, y: Float32Array) => k.eluBackward(dx, dy, y, 1.3, y.length)],
  ['selu', (y: Float32Array, x: Float32Array) => k.seluForward(y, x, x.length),
    (dx: Float32Array, dy: Float32Array, y: Float32Array) => k.seluBackward(dx, dy, y, y.length)],
  ['lrelu', (y: Float32Array, x: Float32Array) => k.leakyReluForward(y, x, 0.1, x.length),
    (dx: Float32Array, dy: Float32Array, y: Float32Array) => k.leakyReluBackward(dx, dy, y, 0.1, y.length)],
] as const) {
  test(`simd ${name}: the backward from the output matches finite differences`, () => {
    scoped(k, () => {
      const rng = new Rng(8);
      // 37 values (a vector tail), kept 0.05 away from the kink at 0 so that x ± h stays on one side
      const x = inMem(k, Array.from({ length: 37 }, () => {
        const v = -3 + 6 * rng.uniform();
        return Math.abs(v) < 0.05 ? v + 0.1 : v;
      }));
      const dx = k.memory.f32(37), y = k.memory.f32(37), dy = k.memory.f32(37);
      assertGradients({
        name: `simd ${name}`,
        seed: 2,
        params: [{ name: 'x', value: x, grad: dx }],
        forward: () => {
          fwd(y, x);
          return y;
        },
        backward: (dout) => {
          dy.set(dout);
          bwd(dx, dy, y);
        },
      });
    });
  });
}
