/**
 * Augmentation: the crop/flip definition on a hand case, its agreement with an explicit "pad the image,
 * then crop, then flip" reference, and independence from how the batch is split across workers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ShapeError } from '../src/errors.js';
import { keyedRng } from '../src/rng.js';
import { augmentBatch, cropFlip, gatherBatch } from '../src/data/index.js';

/** The definition, literally: build the zero-padded canvas, cut the window, mirror it. */
function reference(src: Float32Array, c: number, h: number, w: number, pad: number, dy: number, dx: number, flip: boolean): Float32Array {
  const ph = h + 2 * pad;
  const pw = w + 2 * pad;
  const canvas = new Float32Array(c * ph * pw);
  for (let ch = 0; ch < c; ch++) for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) canvas[ch * ph * pw + (i + pad) * pw + j + pad] = src[ch * h * w + i * w + j];
  const out = new Float32Array(c * h * w);
  for (let ch = 0; ch < c; ch++) {
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        const v = canvas[ch * ph * pw + (i + dy) * pw + j + dx];
        out[ch * h * w + i * w + (flip ? w - 1 - j : j)] = v;
      }
    }
  }
  return out;
}

test('cropFlip: hand case 3×3, pad 1, shift down-right by one, flipped', () => {
  const src = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const out = new Float32Array(9).fill(-1);
  // dy = dx = 2 = 2·pad: the window starts one pixel below/right of the image origin
  cropFlip(out, 0, src, 0, { c: 1, h: 3, w: 3 }, 1, 2, 2, false);
  assert.deepEqual([...out], [5, 6, 0, 8, 9, 0, 0, 0, 0]);
  cropFlip(out, 0, src, 0, { c: 1, h: 3, w: 3 }, 1, 2, 2, true);
  assert.deepEqual([...out], [0, 6, 5, 0, 9, 8, 0, 0, 0]);
  cropFlip(out, 0, src, 0, { c: 1, h: 3, w: 3 }, 1, 1, 1, false); // centred: the identity
  assert.deepEqual([...out], [1, 2, 3, 4, 5, 6, 7, 8, 9]);
});

test('cropFlip equals pad-then-crop-then-flip for every offset (property)', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 4 }),
      fc.integer({ min: 0, max: 1e6 }), fc.boolean(),
      (c, h, w, pad, seed, flip) => {
        const r = keyedRng(seed);
        const src = new Float32Array(c * h * w).map(() => r.uniform() + 1);
        const dy = r.int(2 * pad + 1);
        const dx = r.int(2 * pad + 1);
        const out = new Float32Array(c * h * w + 5).fill(NaN);
        cropFlip(out, 5, src, 0, { c, h, w }, pad, dy, dx, flip);
        assert.deepEqual(out.subarray(5), reference(src, c, h, w, pad, dy, dx, flip));
      },
    ),
    { seed: 5, numRuns: 200 },
  );
});

test('augmentBatch: the same rows whether built in one call or by two "workers" with batchOffset', () => {
  const c = 3;
  const h = 8;
  const w = 8;
  const d = c * h * w;
  const n = 20;
  const r = keyedRng(1);
  const images = new Float32Array(n * d).map(() => r.uniform());
  const labels = Int32Array.from({ length: n }, (_, i) => i % 10);
  const idx = [3, 17, 0, 5, 5, 12, 19, 8];
  const opts = { pad: 4, flip: true, seed: 42, step: 7 };
  const whole = new Float32Array(idx.length * d);
  const wholeLabels = new Int32Array(idx.length);
  augmentBatch(whole, wholeLabels, images, labels, idx, { c, h, w }, opts);
  const parts = new Float32Array(idx.length * d);
  const partLabels = new Int32Array(idx.length);
  const a = new Float32Array(3 * d);
  const la = new Int32Array(3);
  augmentBatch(a, la, images, labels, idx.slice(0, 3), { c, h, w }, { ...opts, batchOffset: 0 });
  const b = new Float32Array(5 * d);
  const lb = new Int32Array(5);
  augmentBatch(b, lb, images, labels, idx.slice(3), { c, h, w }, { ...opts, batchOffset: 3 });
  parts.set(a, 0);
  parts.set(b, 3 * d);
  partLabels.set(la, 0);
  partLabels.set(lb, 3);
  assert.deepEqual(parts, whole);
  assert.deepEqual(partLabels, wholeLabels);
  assert.deepEqual([...wholeLabels], idx.map((i) => i % 10));
  // rows 3 and 4 are the same sample but different batch positions: different draws (same with prob. 1/162)
  assert.notDeepEqual(whole.subarray(3 * d, 4 * d), whole.subarray(4 * d, 5 * d));
  // another step gives other crops
  const next = new Float32Array(idx.length * d);
  augmentBatch(next, null, images, null, idx, { c, h, w }, { ...opts, step: 8 });
  assert.notDeepEqual(next, whole);
});

test('augmentBatch: row r uses keyedRng(seed, step, batchOffset + r) drawing dy, dx, flip; all 81 offsets and both flips occur', () => {
  const s = { c: 2, h: 5, w: 6 };
  const d = s.c * s.h * s.w;
  const r0 = keyedRng(9);
  const images = new Float32Array(3 * d).map(() => r0.uniform() + 1);
  const B = 2000;
  const idx = Int32Array.from({ length: B }, (_, i) => i % 3);
  const out = new Float32Array(B * d);
  augmentBatch(out, null, images, null, idx, s, { pad: 4, flip: true, seed: 11, step: 3, batchOffset: 100 });
  const seen = new Set<number>();
  let flips = 0;
  const one = new Float32Array(d);
  for (let r = 0; r < B; r++) {
    const rng = keyedRng(11, 3, 100 + r);
    const dy = rng.int(9);
    const dx = rng.int(9);
    const flip = rng.uniform() < 0.5;
    cropFlip(one, 0, images, idx[r] * d, s, 4, dy, dx, flip);
    assert.deepEqual(out.subarray(r * d, (r + 1) * d), one, `row ${r}`);
    seen.add(dy * 9 + dx);
    if (flip) flips++;
  }
  assert.equal(seen.size, 81);
  // Binomial(2000, ½): standard deviation 0.011 of the fraction; ±0.05 is 4.5 σ
  assert.ok(Math.abs(flips / B - 0.5) < 0.05, `flip fraction ${flips / B}`);
});

test('gatherBatch copies rows and labels; size errors are ShapeErrors', () => {
  const images = Float32Array.from([0, 1, 2, 3, 4, 5]);
  const out = new Float32Array(4);
  const lo = new Int32Array(2);
  gatherBatch(out, lo, images, Int32Array.from([7, 8, 9]), [2, 0], 2);
  assert.deepEqual([...out], [4, 5, 0, 1]);
  assert.deepEqual([...lo], [9, 7]);
  assert.throws(() => gatherBatch(new Float32Array(3), null, images, null, [0, 1], 2), ShapeError);
  assert.throws(() => augmentBatch(new Float32Array(2), null, images, null, [0], { c: 1, h: 1, w: 2 }, { pad: -1, flip: false, seed: 0, step: 0 }), ShapeError);
});
