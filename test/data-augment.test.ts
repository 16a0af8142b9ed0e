/**
 * Augmentation: the crop/flip definition on a hand case, its agreement with an explicit "pad the image,
 * then crop, then flip" reference, the keyed draw, and independence from how a batch is split across workers
 * and where in it a sample lands (the draw is keyed by sample id).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { keyedRng } from '../src/rng.js';
import { AUGMENT_KEY, augmentSample, cropFlip } from '../src/data/index.js';
import { assembleBatch } from '../src/train/batch.js';

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

test('assembleBatch: the same rows whether built at once or in two parts (two "workers"); a crop follows the sample, not its row', () => {
  const c = 3;
  const h = 8;
  const w = 8;
  const d = c * h * w;
  const n = 20;
  const r = keyedRng(1);
  const src = { images: new Float32Array(n * d).map(() => r.uniform()), labels: Int32Array.from({ length: n }, (_, i) => i % 10), n, c, h, w, classes: 10 };
  const ids = [3, 17, 0, 5, 5, 12, 19, 8];
  const aug = { pad: 4, flip: true };
  const build = (order: number[], step: number, parts: [number, number][]): { x: Float32Array; labels: Int32Array } => {
    const x = new Float32Array(order.length * d);
    const labels = new Int32Array(order.length);
    for (const [offset, count] of parts) {
      const px = new Float32Array(count * d);
      const pl = new Int32Array(count);
      assembleBatch(px, pl, src, order, offset, count, aug, 42, step);
      x.set(px, offset * d);
      labels.set(pl, offset);
    }
    return { x, labels };
  };
  const whole = build(ids, 7, [[0, ids.length]]);
  const split = build(ids, 7, [[0, 3], [3, 5]]);
  assert.deepEqual(split.x, whole.x);
  assert.deepEqual(split.labels, whole.labels);
  assert.deepEqual([...whole.labels], ids.map((i) => i % 10));
  // rows 3 and 4 hold the same sample: the same crop and flip, since the draw is keyed by the sample id
  assert.deepEqual(whole.x.subarray(3 * d, 4 * d), whole.x.subarray(4 * d, 5 * d));
  // sample 17 moved from row 1 to row 6 of another batch: still the same crop
  const moved = build([0, 3, 5, 5, 12, 19, 17, 8], 7, [[0, 8]]);
  assert.deepEqual(moved.x.subarray(6 * d, 7 * d), whole.x.subarray(1 * d, 2 * d));
  // another step gives other crops
  assert.notDeepEqual(build(ids, 8, [[0, ids.length]]).x, whole.x);
});

test('augmentSample draws dy, dx, flip in that order from keyedRng(seed, step, id, AUGMENT_KEY); all 81 offsets and both flips occur', () => {
  const s = { c: 2, h: 5, w: 6 };
  const d = s.c * s.h * s.w;
  const r0 = keyedRng(9);
  const images = new Float32Array(3 * d).map(() => r0.uniform() + 1);
  const trials = 2000;
  const out = new Float32Array(d);
  const one = new Float32Array(d);
  const seen = new Set<number>();
  let flips = 0;
  for (let step = 0; step < trials; step++) {
    const id = step % 3;
    augmentSample(out, 0, images, id * d, s, { pad: 4, flip: true }, 11, step, id);
    const rng = keyedRng(11, step, id, AUGMENT_KEY);
    const dy = rng.int(9);
    const dx = rng.int(9);
    const flip = rng.uniform() < 0.5;
    cropFlip(one, 0, images, id * d, s, 4, dy, dx, flip);
    assert.deepEqual(out, one, `step ${step}`);
    seen.add(dy * 9 + dx);
    if (flip) flips++;
  }
  assert.equal(seen.size, 81);
  // Binomial(2000, ½): standard deviation 0.011 of the fraction; ±0.05 is 4.5 σ
  assert.ok(Math.abs(flips / trials - 0.5) < 0.05, `flip fraction ${flips / trials}`);
});
