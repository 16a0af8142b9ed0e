/**
 * Global average pooling: a hand-computed case, the definition in float64, gradients against finite
 * differences, planted bugs that the gradient check must reject, and the shape errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { type GapShape, globalAvgPoolBackward, globalAvgPoolForward, globalAvgPoolShape } from '../src/kernels/global-avg-pool.js';
import { ShapeError } from '../src/errors.js';
import { Rng } from '../src/rng.js';
import { assertGradients, expectClose, fcParams, gradCheck, randomArray } from './util/check.js';

test('by hand: two samples, two channels of 2×2 maps; the backward spreads dy/4 and accumulates', () => {
  const s = globalAvgPoolShape({ n: 2, c: 2, spatial: 4 });
  // sample 0: channel 0 = 1 2 3 4 (mean 2.5), channel 1 = −4 0 0 0 (mean −1); sample 1: 8 8 8 8, 0 1 0 1
  const x = Float32Array.from([1, 2, 3, 4, -4, 0, 0, 0, 8, 8, 8, 8, 0, 1, 0, 1]);
  const y = new Float32Array(4);
  globalAvgPoolForward(y, x, s);
  assert.deepEqual(Array.from(y), [2.5, -1, 8, 0.5]);
  const dx = new Float32Array(16).fill(1); // a gradient already there from another branch
  globalAvgPoolBackward(dx, Float32Array.from([4, -8, 0, 2]), s);
  assert.deepEqual(Array.from(dx), [2, 2, 2, 2, -1, -1, -1, -1, 1, 1, 1, 1, 1.5, 1.5, 1.5, 1.5]);
});

/** y[n,c] = (1/S) Σ_s x[n,c,s], straight from the header, summed in float64. */
function reference(x: Float32Array, s: GapShape): Float64Array {
  const y = new Float64Array(s.n * s.c);
  for (let n = 0; n < s.n; n++) {
    for (let c = 0; c < s.c; c++) {
      let sum = 0;
      for (let i = 0; i < s.spatial; i++) sum += x[(n * s.c + c) * s.spatial + i];
      y[n * s.c + c] = sum / s.spatial;
    }
  }
  return y;
}

const shapes = fc.record({ n: fc.integer({ min: 1, max: 3 }), c: fc.integer({ min: 1, max: 4 }), spatial: fc.integer({ min: 1, max: 9 }) });

test('property: the forward is the mean of each row, as the definition says', () => {
  fc.assert(
    fc.property(shapes, fc.integer({ min: 0, max: 1e6 }), (p, seed) => {
      const s = globalAvgPoolShape(p);
      const x = randomArray(new Rng(seed), s.n * s.c * s.spatial, -3, 3);
      const y = new Float32Array(s.n * s.c);
      globalAvgPoolForward(y, x, s);
      // the same float64 sum, once scaled by 1/S and once divided by S, then rounded to float32: ≤ 1 ulp apart
      expectClose(y, reference(x, s), { rtol: 2e-7, atol: 1e-7, name: 'gap forward' });
    }),
    fcParams(),
  );
});

/** gradCheck of one random problem with the given backward (the real one unless a bug is planted). */
function check(s: GapShape, seed: number, backward: (dx: Float32Array, dy: Float32Array, s: GapShape) => void) {
  const rng = new Rng(seed);
  const x = randomArray(rng, s.n * s.c * s.spatial);
  const dx = new Float32Array(x.length);
  const y = new Float32Array(s.n * s.c);
  return gradCheck({
    name: 'globalavgpool',
    seed: seed + 1,
    maxChecks: 1000, // every element
    params: [{ name: 'x', value: x, grad: dx }],
    forward: () => {
      globalAvgPoolForward(y, x, s);
      return y;
    },
    backward: (dout) => backward(dx, dout, s),
  });
}

test('property: dx matches central differences (random shapes, accumulating into noise)', () => {
  fc.assert(
    fc.property(shapes, fc.integer({ min: 0, max: 1e6 }), (p, seed) => {
      const s = globalAvgPoolShape(p);
      const rng = new Rng(seed);
      const x = randomArray(rng, s.n * s.c * s.spatial);
      const dx = new Float32Array(x.length);
      const y = new Float32Array(s.n * s.c);
      // the op is linear, so the central difference is exact up to float32 rounding: the default tolerance holds
      assertGradients({
        name: 'globalavgpool',
        seed,
        params: [{ name: 'x', value: x, grad: dx }],
        forward: () => {
          globalAvgPoolForward(y, x, s);
          return y;
        },
        backward: (dout) => globalAvgPoolBackward(dx, dout, s),
      });
    }),
    fcParams(),
  );
});

test('the gradient check rejects a backward with a flipped sign, an overwrite, a missing 1/S or a shifted row', () => {
  const s = globalAvgPoolShape({ n: 2, c: 3, spatial: 5 });
  assert.equal(check(s, 3, globalAvgPoolBackward).ok, true, 'the real backward passes');
  const planted: [string, (dx: Float32Array, dy: Float32Array, s: GapShape) => void][] = [
    ['dx −= dy/S', (dx, dy, t) => globalAvgPoolBackward(dx, dy.map((g) => -g), t)],
    ['dx = dy/S (no accumulation)', (dx, dy, t) => {
      dx.fill(0);
      globalAvgPoolBackward(dx, dy, t);
    }],
    ['dx += dy (the 1/S forgotten)', (dx, dy, t) => {
      for (let r = 0; r < t.n * t.c; r++) for (let i = 0; i < t.spatial; i++) dx[r * t.spatial + i] += dy[r];
    }],
    ['dx of row r gets dy of row r+1', (dx, dy, t) => {
      for (let r = 0; r < t.n * t.c; r++) for (let i = 0; i < t.spatial; i++) dx[r * t.spatial + i] += dy[(r + 1) % (t.n * t.c)] / t.spatial;
    }],
  ];
  for (const [what, backward] of planted) {
    const r = check(s, 3, backward);
    assert.equal(r.ok, false, `'${what}' passed the gradient check`);
    // each is a gross error: relative error ≥ 0.5 against the 1e-2 tolerance (a shifted row or a sign gives ~1)
    assert.ok(r.worst > 0.5, `'${what}': worst error only ${r.worst}`);
  }
});

test('globalAvgPoolShape rejects sizes that are not positive integers, naming the field', () => {
  assert.throws(() => globalAvgPoolShape({ n: 0, c: 2, spatial: 4 }), (e: Error) => e instanceof ShapeError && /globalavgpool: n/.test(e.message));
  assert.throws(() => globalAvgPoolShape({ n: 1, c: 2.5, spatial: 4 }), /globalavgpool: c \(channels\) must be an integer ≥ 1, got 2.5/);
  assert.throws(() => globalAvgPoolShape({ n: 1, c: 2, spatial: 0 }), /spatial \(H·W\)/);
});
