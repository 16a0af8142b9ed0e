/**
 * Dense layer: a hand-computed forward and backward, the matmul-based passes against the plain sums on random
 * shapes, gradients of x, w and b against finite differences for both versions, and the shape errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  denseShape,
  denseForward,
  denseBackwardInput,
  denseBackwardParams,
  denseForwardNaive,
  denseBackwardInputNaive,
  denseBackwardParamsNaive,
  type DenseShape,
} from '../src/kernels/dense.js';
import { ShapeError } from '../src/errors.js';
import { Rng } from '../src/rng.js';
import { expectClose, assertGradients, randomArray, fcParams } from './util/check.js';

const f32 = (v: number[]) => Float32Array.from(v);

const versions = [
  { name: 'naive', forward: denseForwardNaive, backwardInput: denseBackwardInputNaive, backwardParams: denseBackwardParamsNaive },
  { name: 'fast', forward: denseForward, backwardInput: denseBackwardInput, backwardParams: denseBackwardParams },
];

// Two samples with three features, two units:
//   x = [1 2 3; 4 5 6]     W = [1 0 −1; 0.5 0.5 0.5]  (row o holds the weights of unit o)     b = [10, −1]
//   y = x·Wᵀ + b = [1−3+10  0.5·6−1; 4−6+10  0.5·15−1] = [8 2; 8 6.5]
const X = f32([1, 2, 3, 4, 5, 6]);
const W = f32([1, 0, -1, 0.5, 0.5, 0.5]);
const B = f32([10, -1]);

for (const v of versions) {
  test(`dense ${v.name}: forward computed by hand`, () => {
    const s = denseShape({ n: 2, inFeatures: 3, outFeatures: 2 });
    const y = new Float32Array(4).fill(NaN); // forward overwrites
    v.forward(y, X, W, B, s);
    assert.deepEqual(Array.from(y), [8, 2, 8, 6.5]);
    v.forward(y, X, W, null, s); // without bias
    assert.deepEqual(Array.from(y), [-2, 3, -2, 7.5]);
  });

  test(`dense ${v.name}: backward computed by hand, accumulating onto what the buffers held`, () => {
    const s = denseShape({ n: 2, inFeatures: 3, outFeatures: 2 });
    const dy = f32([1, 2, 0, -1]); // dL/dy for sample 0 = (1, 2), sample 1 = (0, −1)
    // dx = dy·W: sample 0 = 1·(1 0 −1) + 2·(0.5 0.5 0.5) = (2 1 0); sample 1 = −1·(0.5 0.5 0.5)
    const dx = new Float32Array(6).fill(1);
    v.backwardInput(dx, dy, W, s);
    assert.deepEqual(Array.from(dx), [3, 2, 1, 0.5, 0.5, 0.5]);
    // dW = dyᵀ·x: unit 0 = 1·(1 2 3) + 0·(4 5 6) = (1 2 3); unit 1 = 2·(1 2 3) − 1·(4 5 6) = (−2 −1 0)
    // db = Σ_n dy[n,:] = (1, 1)
    const dw = new Float32Array(6).fill(1);
    const db = f32([1, 1]);
    v.backwardParams(dw, db, dy, X, s);
    assert.deepEqual(Array.from(dw), [2, 3, 4, -1, 0, 1]);
    assert.deepEqual(Array.from(db), [2, 2]);
  });
}

const shapeArb = fc.record({
  n: fc.integer({ min: 1, max: 9 }),
  inFeatures: fc.integer({ min: 1, max: 40 }),
  outFeatures: fc.integer({ min: 1, max: 12 }),
});

test('dense fast (one matmul per pass) equals the plain sums on random shapes', () => {
  fc.assert(
    fc.property(shapeArb, fc.integer(), fc.boolean(), (p, seed, withBias) => {
      const s: DenseShape = denseShape(p);
      const rng = new Rng(seed);
      const x = randomArray(rng, s.n * s.inFeatures);
      const w = randomArray(rng, s.outFeatures * s.inFeatures);
      const b = withBias ? randomArray(rng, s.outFeatures) : null;
      const dy = randomArray(rng, s.n * s.outFeatures);
      const [y0, y1] = [new Float32Array(dy.length), new Float32Array(dy.length)];
      denseForwardNaive(y0, x, w, b, s);
      denseForward(y1, x, w, b, s);
      const dx0 = randomArray(rng, x.length);
      const dx1 = dx0.slice();
      denseBackwardInputNaive(dx0, dy, w, s);
      denseBackwardInput(dx1, dy, w, s);
      const dw0 = randomArray(rng, w.length);
      const dw1 = dw0.slice();
      const db0 = randomArray(rng, s.outFeatures);
      const db1 = db0.slice();
      denseBackwardParamsNaive(dw0, db0, dy, x, s);
      denseBackwardParams(dw1, db1, dy, x, s);
      // Both sum in float64 and round once per element (the fast bias add rounds once more): sums of ≤ 40
      // products of entries in [−1, 1) are ≲ 10, so a couple of float32 ulps ≈ 2e-6; 1e-5 leaves margin.
      const tol = { rtol: 1e-5, atol: 1e-5 };
      expectClose(y1, y0, { ...tol, name: 'y' });
      expectClose(dx1, dx0, { ...tol, name: 'dx' });
      expectClose(dw1, dw0, { ...tol, name: 'dw' });
      expectClose(db1, db0, { ...tol, name: 'db' });
    }),
    fcParams(50),
  );
});

for (const v of versions) {
  test(`dense ${v.name}: gradients of x, w and b match finite differences`, () => {
    fc.assert(
      fc.property(shapeArb, fc.integer(), (p, seed) => {
        const s = denseShape(p);
        const rng = new Rng(seed);
        const x = randomArray(rng, s.n * s.inFeatures);
        const w = randomArray(rng, s.outFeatures * s.inFeatures);
        const b = randomArray(rng, s.outFeatures);
        const [dx, dw, db] = [new Float32Array(x.length), new Float32Array(w.length), new Float32Array(b.length)];
        const y = new Float32Array(s.n * s.outFeatures);
        // Checker defaults (step 1e-2, tolerance 1e-2): y is linear in each of x, w, b, so the central
        // difference is exact up to float32 rounding (≈1e-5 relative).
        assertGradients({
          name: `dense ${v.name} ${JSON.stringify(p)}`,
          seed,
          params: [
            { name: 'x', value: x, grad: dx },
            { name: 'w', value: w, grad: dw },
            { name: 'b', value: b, grad: db },
          ],
          forward: () => {
            v.forward(y, x, w, b, s);
            return y;
          },
          backward: (dout) => {
            v.backwardInput(dx, dout, w, s);
            v.backwardParams(dw, db, dout, x, s);
          },
        });
      }),
      fcParams(15),
    );
  });
}

test('denseShape: ShapeErrors name the op and the argument', () => {
  assert.deepEqual(denseShape({ n: 4, inFeatures: 3, outFeatures: 2 }), { n: 4, inFeatures: 3, outFeatures: 2 });
  const bad = (p: { n: number; inFeatures: number; outFeatures: number }, re: RegExp) =>
    assert.throws(() => denseShape(p), (e: unknown) => e instanceof ShapeError && re.test(e.message));
  bad({ n: 0, inFeatures: 3, outFeatures: 2 }, /dense: n \(batch size\) must be an integer ≥ 1, got 0/);
  bad({ n: 1, inFeatures: 2.5, outFeatures: 2 }, /dense: inFeatures .* got 2\.5/);
  bad({ n: 1, inFeatures: 3, outFeatures: -2 }, /dense: outFeatures .* got -2/);
});
