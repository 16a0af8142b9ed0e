/**
 * The SIMD matmul and dense kernels (src/simd/assembly/matmul.ts, dense.ts) against the TypeScript naive
 * references: a product by hand, random shapes through every transpose, offset and accumulate flag (tiles
 * that are not full in either direction), the cache blocks crossed in every direction, and the finite-
 * difference gradients of dense. Tolerances: test/util/simd.ts (the float32 summation bound).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ts from '../src/kernels/index.js';
import { Rng } from '../src/rng.js';
import { assertGradients } from './util/check.js';
import { checkDense, checkMatmul, checkMatmulCase, inMem, randomF32, scoped, simd } from './util/simd.js';

const k = simd();

test('simd matmul: a 2×3 times 3×2 product computed by hand, through every transpose flag', () => {
  // A = [1 2 3; 4 5 6], B = [7 8; 9 10; 11 12]: A·B = [58 64; 139 154] (test/matmul.test.ts works it out)
  const A = inMem(k, [1, 2, 3, 4, 5, 6]), AT = inMem(k, [1, 4, 2, 5, 3, 6]);
  const B = inMem(k, [7, 8, 9, 10, 11, 12]), BT = inMem(k, [7, 9, 11, 8, 10, 12]);
  for (const [transA, transB] of [[false, false], [true, false], [false, true], [true, true]]) {
    const c = k.memory.f32(4).fill(NaN);
    k.matmul(c, transA ? AT : A, transB ? BT : B, ts.matmulShape({ m: 2, n: 2, k: 3, transA, transB }));
    assert.deepEqual(Array.from(c), [58, 64, 139, 154], `transA ${transA} transB ${transB}`); // small integers: exact
  }
});

test('simd matmul equals the triple loop on random shapes, transposes, offsets and accumulate', () => {
  checkMatmul(k, 120);
});

test('simd matmul: m, n and k past the cache blocks (MC = 128, NC = 1024, KC = 256), edges everywhere, C over NaN', () => {
  // the first k-block must store (not add onto the NaN), later k-blocks add, and nothing outside C is written
  for (const [transA, transB] of [[false, false], [true, false], [false, true], [true, true]]) {
    for (const accumulate of [false, true]) {
      checkMatmulCase(k, { m: 131, n: 1030, k: 259, transA, transB, accumulate, aOffset: 1, bOffset: 2, cOffset: 3, seed: 5 });
    }
  }
});

test('simd matmul leaves the elements around C alone', () => {
  scoped(k, () => {
    const s = ts.matmulShape({ m: 5, n: 9, k: 7, cOffset: 4 });
    const rng = new Rng(2);
    const c = k.memory.f32(4 + 45 + 4).fill(NaN);
    k.matmul(c, inMem(k, randomF32(rng, 35)), inMem(k, randomF32(rng, 63)), s);
    assert.ok([0, 1, 2, 3, 49, 50, 51, 52].every((i) => Number.isNaN(c[i])), 'an element outside C was written');
    assert.ok(c.subarray(4, 49).every((v) => Number.isFinite(v)), 'C was not fully written');
  });
});

test('simd dense equals the naive sums (forward, both backward passes, with and without bias)', () => {
  checkDense(k, 60);
});

test('simd dense: gradients of x, W and b match finite differences', () => {
  scoped(k, () => {
    const s = ts.denseShape({ n: 3, inFeatures: 7, outFeatures: 5 });
    const rng = new Rng(11);
    const x = inMem(k, randomF32(rng, 21)), w = inMem(k, randomF32(rng, 35)), b = inMem(k, randomF32(rng, 5));
    const dx = k.memory.f32(21), dw = k.memory.f32(35), db = k.memory.f32(5), y = k.memory.f32(15), dy = k.memory.f32(15);
    assertGradients({
      name: 'simd dense',
      seed: 3,
      params: [{ name: 'x', value: x, grad: dx }, { name: 'w', value: w, grad: dw }, { name: 'b', value: b, grad: db }],
      forward: () => {
        k.denseForward(y, x, w, b, s);
        return y;
      },
      backward: (dout) => {
        dy.set(dout);
        k.denseBackwardInput(dx, dy, w, s);
        k.denseBackwardParams(dw, db, dy, x, s);
      },
    });
  });
});

test('simd matmul: a view outside the module memory, or too short for the shape, is a clear error', () => {
  const s = ts.matmulShape({ m: 2, n: 2, k: 2 });
  const inside = k.memory.f32(4);
  assert.throws(() => k.matmul(inside, new Float32Array(4), inside, s),
    /simd matmul: A is not a view of this kernel set's WebAssembly memory .*ArrayBuffer of 16 bytes.*kernels\.memory\.f32/);
  assert.throws(() => k.matmul(inside, inside, k.memory.f32(3), s), /simd matmul: B needs at least 4 elements for this shape, got 3/);
});
