/**
 * Max and average pooling: hand-computed cases, the definition on an explicitly padded input, invariants,
 * gradients against finite differences, TensorFlow.js as an outside reference, and the shape errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import {
  poolShape,
  maxPoolForward,
  maxPoolBackward,
  avgPoolForward,
  avgPoolBackward,
  type PoolShape,
} from '../src/kernels/pool.js';
import { ShapeError } from '../src/errors.js';
import { Rng } from '../src/rng.js';
import { expectClose, assertGradients, randomArray, fcParams } from './util/check.js';

const f32 = (v: number[]) => Float32Array.from(v);

/** Runs max pooling and returns y and argmax as plain arrays. */
function maxPool(x: Float32Array, s: PoolShape): { y: Float32Array; argmax: Int32Array } {
  const y = new Float32Array(s.n * s.c * s.oh * s.ow);
  const argmax = new Int32Array(y.length);
  maxPoolForward(y, argmax, x, s);
  return { y, argmax };
}
function avgPool(x: Float32Array, s: PoolShape): Float32Array {
  const y = new Float32Array(s.n * s.c * s.oh * s.ow);
  avgPoolForward(y, x, s);
  return y;
}

/**
 * The definition, written the long way: copy x into a (H+2pad)×(W+2pad) canvas whose border holds `fill`
 * (−∞ for max, 0 for avg), then reduce every k×k window of the canvas with no bounds tests at all.
 */
function poolReference(x: Float32Array, s: PoolShape, kind: 'max' | 'avg'): Float32Array {
  const { n, c, h, w, k, stride, pad, oh, ow } = s;
  const ph = h + 2 * pad;
  const pw = w + 2 * pad;
  const y = new Float32Array(n * c * oh * ow);
  for (let pl = 0; pl < n * c; pl++) {
    const canvas = new Float64Array(ph * pw).fill(kind === 'max' ? -Infinity : 0);
    for (let r = 0; r < h; r++) for (let t = 0; t < w; t++) canvas[(r + pad) * pw + t + pad] = x[pl * h * w + r * w + t];
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        let acc = kind === 'max' ? -Infinity : 0;
        for (let p = 0; p < k; p++) {
          for (let q = 0; q < k; q++) {
            const v = canvas[(i * stride + p) * pw + j * stride + q];
            acc = kind === 'max' ? Math.max(acc, v) : acc + v;
          }
        }
        y[pl * oh * ow + i * ow + j] = kind === 'max' ? acc : acc / (k * k);
      }
    }
  }
  return y;
}

/** A random valid pooling problem: small shapes, any stride, any padding PyTorch allows. */
const poolCase = fc
  .record({
    n: fc.integer({ min: 1, max: 2 }),
    c: fc.integer({ min: 1, max: 3 }),
    h: fc.integer({ min: 1, max: 7 }),
    w: fc.integer({ min: 1, max: 7 }),
    k: fc.integer({ min: 1, max: 4 }),
    stride: fc.integer({ min: 1, max: 3 }),
    padFrac: fc.double({ min: 0, max: 1, noNaN: true }),
    seed: fc.integer({ min: 0, max: 1e6 }),
  })
  .map((r) => ({ ...r, pad: Math.floor(r.padFrac * (Math.floor(r.k / 2) + 0.999)) }))
  .filter((r) => r.h + 2 * r.pad >= r.k && r.w + 2 * r.pad >= r.k);

/**
 * Inputs whose values are all distinct and at least 0.05 apart (a shuffled ramp), so that moving one value by
 * the finite-difference step h = 0.01 in either direction cannot change which element wins a window.
 */
function distinctValues(rng: Rng, count: number): Float32Array {
  const perm = rng.permutation(count);
  const x = new Float32Array(count);
  for (let i = 0; i < count; i++) x[i] = (perm[i] - count / 2) * 0.05;
  return x;
}

test('max and avg pooling, 2×2 windows, stride 2, on a 4×4 ramp', () => {
  // x = [ 1  2  3  4
  //       5  6  7  8
  //       9 10 11 12
  //      13 14 15 16 ]
  const x = f32(Array.from({ length: 16 }, (_, i) => i + 1));
  const s = poolShape({ n: 1, c: 1, h: 4, w: 4, k: 2 });
  assert.deepEqual([s.oh, s.ow, s.stride, s.pad], [2, 2, 2, 0]); // stride defaults to k
  const { y, argmax } = maxPool(x, s);
  assert.deepEqual([...y], [6, 8, 14, 16]); // the bottom-right of each window
  assert.deepEqual([...argmax], [5, 7, 13, 15]); // their flat indices into x
  assert.deepEqual([...avgPool(x, s)], [3.5, 5.5, 11.5, 13.5]); // e.g. (1+2+5+6)/4
});

test('padding: max pooling pads with −∞, avg pooling with 0 and still divides by k²', () => {
  // x = [-1 -2; -3 -4], k 2, stride 2, pad 1: each window holds one real element and three padding cells.
  const x = f32([-1, -2, -3, -4]);
  const s = poolShape({ n: 1, c: 1, h: 2, w: 2, k: 2, stride: 2, pad: 1 });
  assert.deepEqual([s.oh, s.ow], [2, 2]);
  const { y, argmax } = maxPool(x, s);
  assert.deepEqual([...y], [-1, -2, -3, -4]); // zero padding would have returned 0 everywhere
  assert.deepEqual([...argmax], [0, 1, 2, 3]);
  assert.deepEqual([...avgPool(x, s)], [-0.25, -0.5, -0.75, -1]); // count_include_pad: x / 4
});

test('overlapping windows: the backward adds every window’s gradient into the shared winner', () => {
  // x = [1 2 3; 4 9 5; 6 7 8], k 2, stride 1: the centre 9 wins all four windows.
  const x = f32([1, 2, 3, 4, 9, 5, 6, 7, 8]);
  const s = poolShape({ n: 1, c: 1, h: 3, w: 3, k: 2, stride: 1 });
  const { y, argmax } = maxPool(x, s);
  assert.deepEqual([...y], [9, 9, 9, 9]);
  assert.deepEqual([...argmax], [4, 4, 4, 4]);
  const dx = new Float32Array(9).fill(100); // the backward accumulates onto whatever is there
  maxPoolBackward(dx, f32([1, 2, 3, 4]), argmax, s);
  assert.deepEqual([...dx], [100, 100, 100, 100, 110, 100, 100, 100, 100]);
  // avg: the centre is in 4 windows, corners in 1, edges in 2; each window passes dy/4 to each of its cells
  const dxa = new Float32Array(9);
  avgPoolBackward(dxa, f32([4, 4, 4, 4]), s);
  assert.deepEqual([...dxa], [1, 2, 1, 2, 4, 2, 1, 2, 1]);
});

test('ties go to the first element in row-major order, and NaN propagates (PyTorch’s choices)', () => {
  const s = poolShape({ n: 1, c: 1, h: 2, w: 2, k: 2 });
  assert.deepEqual([...maxPool(f32([3, 3, 3, 3]), s).argmax], [0]);
  const { y, argmax } = maxPool(f32([1, NaN, 5, 2]), s);
  assert.ok(Number.isNaN(y[0]));
  assert.equal(argmax[0], 1);
});

test('several samples and channels are pooled plane by plane', () => {
  // (N=2, C=2, 2×2): each plane is [a, b; c, d] and 2×2 pooling reduces it to one value.
  const x = f32([1, 2, 3, 4, /**/ 8, 7, 6, 5, /**/ -1, -2, -3, -4, /**/ 0, 9, 0, 0]);
  const s = poolShape({ n: 2, c: 2, h: 2, w: 2, k: 2 });
  const { y, argmax } = maxPool(x, s);
  assert.deepEqual([...y], [4, 8, -1, 9]);
  assert.deepEqual([...argmax], [3, 4, 8, 13]);
  assert.deepEqual([...avgPool(x, s)], [2.5, 6.5, -2.5, 2.25]);
});

test('property: max and avg pooling equal the definition on an explicitly padded canvas', () => {
  fc.assert(
    fc.property(poolCase, (r) => {
      const s = poolShape(r);
      const x = randomArray(new Rng(r.seed), r.n * r.c * r.h * r.w, -3, 3);
      // max picks one stored value: exact. avg sums ≤ 16 values in float64 in another order, then rounds
      // to float32 once: 1 ulp of float32 (6e-8 relative) plus an absolute 1e-6 for sums that cancel to ≈ 0.
      expectClose(maxPool(x, s).y, poolReference(x, s, 'max'), { rtol: 0, atol: 0, name: 'max pool' });
      expectClose(avgPool(x, s), poolReference(x, s, 'avg'), { rtol: 1e-6, atol: 1e-6, name: 'avg pool' });
    }),
    fcParams(60),
  );
});

test('property: each max output is x[argmax], and argmax lies inside that output’s window', () => {
  fc.assert(
    fc.property(poolCase, (r) => {
      const s = poolShape(r);
      const x = randomArray(new Rng(r.seed), r.n * r.c * r.h * r.w, -3, 3);
      const { y, argmax } = maxPool(x, s);
      for (let o = 0; o < y.length; o++) {
        const pl = Math.floor(o / (s.oh * s.ow));
        const i = Math.floor((o % (s.oh * s.ow)) / s.ow);
        const j = o % s.ow;
        const a = argmax[o] - pl * s.h * s.w; // index within the plane
        const row = Math.floor(a / s.w);
        const col = a % s.w;
        assert.ok(a >= 0 && a < s.h * s.w, `argmax ${argmax[o]} outside plane ${pl}`);
        assert.ok(row >= i * s.stride - s.pad && row < i * s.stride - s.pad + s.k, `row ${row} outside window ${i}`);
        assert.ok(col >= j * s.stride - s.pad && col < j * s.stride - s.pad + s.k, `col ${col} outside window ${j}`);
        assert.equal(y[o], x[argmax[o]]);
      }
    }),
    fcParams(40),
  );
});

test('property: avg pooling of a constant image (no padding) is that constant', () => {
  fc.assert(
    fc.property(poolCase, fc.double({ min: -100, max: 100, noNaN: true }), (r, v) => {
      const s = poolShape({ ...r, pad: 0, k: Math.min(r.k, r.h, r.w) });
      const cst = Math.fround(v);
      const y = avgPool(new Float32Array(r.n * r.c * r.h * r.w).fill(cst), s);
      // k² equal terms summed in float64 and divided: exact up to one float32 rounding (6e-8 relative)
      expectClose(y, new Float32Array(y.length).fill(cst), { rtol: 1e-7, atol: 0, name: 'avg of constant' });
    }),
    fcParams(30),
  );
});

test('property: gradients of max and avg pooling match finite differences (padding, overlap, several planes)', () => {
  fc.assert(
    fc.property(poolCase, (r) => {
      const s = poolShape(r);
      const rng = new Rng(r.seed);
      const count = r.n * r.c * r.h * r.w;
      const y = new Float32Array(s.n * s.c * s.oh * s.ow);
      const argmax = new Int32Array(y.length);

      const xm = distinctValues(rng, count); // no window can change its winner under the ±0.01 step
      const dxm = new Float32Array(count);
      assertGradients({
        name: `maxPool ${JSON.stringify(s)}`,
        params: [{ name: 'x', value: xm, grad: dxm }],
        forward: () => (maxPoolForward(y, argmax, xm, s), y),
        backward: (dy) => maxPoolBackward(dxm, dy, argmax, s),
        seed: r.seed,
      });

      const xa = randomArray(rng, count, -2, 2);
      const dxa = new Float32Array(count);
      assertGradients({
        name: `avgPool ${JSON.stringify(s)}`,
        params: [{ name: 'x', value: xa, grad: dxa }],
        forward: () => (avgPoolForward(y, xa, s), y),
        backward: (dy) => avgPoolBackward(dxa, dy, s),
        seed: r.seed + 1,
      });
    }),
    fcParams(30),
  );
});

test('TensorFlow.js agrees on forward and backward (no padding, where its "valid" mode is the same op)', async () => {
  await tf.setBackend('cpu');
  const rng = new Rng(7);
  for (const [h, w, k, stride] of [
    [6, 6, 2, 2],
    [7, 5, 3, 2],
    [5, 5, 2, 1],
  ] as const) {
    const n = 2;
    const c = 3;
    const s = poolShape({ n, c, h, w, k, stride });
    const x = randomArray(rng, n * c * h * w, -1, 1);
    const dy = randomArray(rng, n * c * s.oh * s.ow, -1, 1);
    // tfjs is NHWC: transpose in, transpose out
    const xt = tf.tensor4d(x, [n, c, h, w]).transpose([0, 2, 3, 1]) as tf.Tensor4D;
    const dyt = tf.tensor4d(dy, [n, c, s.oh, s.ow]).transpose([0, 2, 3, 1]);
    for (const kind of ['max', 'avg'] as const) {
      const op = (t: tf.Tensor4D) => (kind === 'max' ? tf.maxPool(t, k, stride, 'valid') : tf.avgPool(t, k, stride, 'valid'));
      const yRef = op(xt).transpose([0, 3, 1, 2]).dataSync();
      const dxRef = tf.grad((t: tf.Tensor) => op(t as tf.Tensor4D))(xt, dyt).transpose([0, 3, 1, 2]).dataSync();
      const y = new Float32Array(dy.length);
      const dx = new Float32Array(x.length);
      if (kind === 'max') {
        const argmax = new Int32Array(y.length);
        maxPoolForward(y, argmax, x, s);
        maxPoolBackward(dx, dy, argmax, s);
      } else {
        avgPoolForward(y, x, s);
        avgPoolBackward(dx, dy, s);
      }
      // float32 on both sides, summed in different orders: a few ulps of values of size ~1
      expectClose(y, yRef, { rtol: 1e-5, atol: 1e-6, name: `${kind} pool y (${h}×${w}, k ${k}, stride ${stride})` });
      expectClose(dx, dxRef, { rtol: 1e-5, atol: 1e-6, name: `${kind} pool dx (${h}×${w}, k ${k}, stride ${stride})` });
    }
  }
});

test('poolShape rejects bad arguments with a message that names the argument and the fix', () => {
  const base = { n: 1, c: 1, h: 4, w: 4, k: 2 };
  assert.throws(() => poolShape({ ...base, k: 3, pad: 2 }), (e: Error) => e instanceof ShapeError && /pad must be at most half/.test(e.message) && /use pad ≤ 1/.test(e.message));
  assert.throws(() => poolShape({ ...base, h: 2, k: 5, pad: 1 }), (e: Error) => e instanceof ShapeError && /does not fit in the 2×4 input padded by 1/.test(e.message));
  assert.throws(() => poolShape({ ...base, stride: 0 }), (e: Error) => e instanceof ShapeError && /pool: stride must be an integer ≥ 1, got 0/.test(e.message));
  assert.throws(() => poolShape({ ...base, k: 1.5 }), (e: Error) => e instanceof ShapeError && /pool: k \(window size\)/.test(e.message));
  assert.throws(() => poolShape({ ...base, pad: -1 }), (e: Error) => e instanceof ShapeError && /pool: pad must be an integer ≥ 0/.test(e.message));
  assert.throws(() => poolShape({ ...base, n: 0 }), ShapeError);
  // floor mode: a 5×5 input with 2×2 windows drops the last row and column, as PyTorch does
  const s = poolShape({ n: 1, c: 1, h: 5, w: 5, k: 2 });
  assert.deepEqual([s.oh, s.ow], [2, 2]);
});
