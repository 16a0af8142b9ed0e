/**
 * Spatial pyramid pooling: hand-computed bins (overlapping ones included), inputs smaller than the grid, the
 * definition, its agreement with max pooling where the grid divides the image, coverage, gradients, errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { sppShape, sppForward, sppBackward, type SppShape } from '../src/kernels/spp.js';
import { poolShape, maxPoolForward } from '../src/kernels/pool.js';
import { ShapeError } from '../src/errors.js';
import { Rng } from '../src/rng.js';
import { expectClose, assertGradients, randomArray, fcParams } from './util/check.js';

const f32 = (v: number[]) => Float32Array.from(v);

function spp(x: Float32Array, s: SppShape): { y: Float32Array; argmax: Int32Array } {
  const y = new Float32Array(s.n * s.outPerSample);
  const argmax = new Int32Array(y.length);
  sppForward(y, argmax, x, s);
  return { y, argmax };
}

/** The definition, as PyTorch's adaptive_max_pool2d documents it, with floating-point floor and ceil. */
function sppReference(x: Float32Array, s: SppShape): Float32Array {
  const { n, c, h, w, levels } = s;
  const out: number[] = [];
  for (let b = 0; b < n; b++) {
    for (const L of levels) {
      for (let ch = 0; ch < c; ch++) {
        for (let a = 0; a < L; a++) {
          for (let bb = 0; bb < L; bb++) {
            let m = -Infinity;
            for (let r = Math.floor((a * h) / L); r < Math.ceil(((a + 1) * h) / L); r++) {
              for (let t = Math.floor((bb * w) / L); t < Math.ceil(((bb + 1) * w) / L); t++) {
                m = Math.max(m, x[((b * c + ch) * h + r) * w + t]);
              }
            }
            out.push(m);
          }
        }
      }
    }
  }
  return Float32Array.from(out);
}

const sppCase = fc.record({
  n: fc.integer({ min: 1, max: 2 }),
  c: fc.integer({ min: 1, max: 3 }),
  h: fc.integer({ min: 1, max: 9 }),
  w: fc.integer({ min: 1, max: 9 }),
  levels: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 3 }),
  seed: fc.integer({ min: 0, max: 1e6 }),
});

test('a 3×3 image with levels [1, 2]: the 2×2 grid’s bins overlap on the middle row and column', () => {
  // x = [1 2 3; 4 5 6; 7 8 9]. Level 2 along 3 rows: bin 0 = rows [⌊0⌋, ⌈1.5⌉) = [0,2), bin 1 = [⌊1.5⌋, ⌈3⌉) = [1,3).
  const x = f32([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const s = sppShape({ n: 1, c: 1, h: 3, w: 3, levels: [1, 2] });
  assert.equal(s.outPerSample, 1 + 4); // C·(1² + 2²)
  const { y, argmax } = spp(x, s);
  assert.deepEqual([...y], [9, /* level 2: */ 5, 6, 8, 9]);
  assert.deepEqual([...argmax], [8, 4, 5, 7, 8]);
  // backward: x[8] (the 9) wins two bins, the global one and the bottom-right one, and collects both gradients
  const dx = new Float32Array(9).fill(1); // accumulates onto what is there
  sppBackward(dx, f32([10, 1, 2, 3, 4]), argmax, s);
  assert.deepEqual([...dx], [1, 1, 1, 1, 2, 3, 1, 4, 15]);
});

test('the output is ordered level by level, and channel by channel inside a level', () => {
  // C = 2 planes of 2×2: [1 2; 3 4] and [8 7; 6 5]; levels [1, 2] → [max c0, max c1, c0 as 2×2, c1 as 2×2]
  const x = f32([1, 2, 3, 4, 8, 7, 6, 5]);
  const s = sppShape({ n: 1, c: 2, h: 2, w: 2, levels: [1, 2] });
  assert.deepEqual([...spp(x, s).y], [4, 8, 1, 2, 3, 4, 8, 7, 6, 5]);
  // two samples: the second sample's features follow the first's
  const s2 = sppShape({ n: 2, c: 1, h: 2, w: 2, levels: [1] });
  assert.deepEqual([...spp(f32([1, 2, 3, 4, -4, -3, -2, -1]), s2).y], [4, -1]);
});

test('an input smaller than the grid repeats pixels: a 1×1 image fills every bin of every level', () => {
  const s = sppShape({ n: 1, c: 1, h: 1, w: 1, levels: [1, 2, 4] });
  assert.equal(s.outPerSample, 21);
  const { y, argmax } = spp(f32([-3]), s);
  assert.deepEqual([...y], new Array(21).fill(-3));
  assert.deepEqual([...argmax], new Array(21).fill(0));
  // x = [1 2 3; 4 5 6] on a 4×4 grid. Bin rows a = 0..3 are [0,1) [0,1) [1,2) [1,2) (each row twice);
  // bin columns b = 0..3 are [0,1) [0,2) [1,3) [2,3) (⌊b·3/4⌋ to ⌈(b+1)·3/4⌉), so the middle bins straddle two.
  const s2 = sppShape({ n: 1, c: 1, h: 2, w: 3, levels: [4] });
  assert.deepEqual([...spp(f32([1, 2, 3, 4, 5, 6]), s2).y], [1, 2, 3, 3, 1, 2, 3, 3, 4, 5, 6, 6, 4, 5, 6, 6]);
});

test('property: spp equals the definition (adaptive max pooling with floor/ceil bins)', () => {
  fc.assert(
    fc.property(sppCase, (r) => {
      const s = sppShape(r);
      const x = randomArray(new Rng(r.seed), r.n * r.c * r.h * r.w, -3, 3);
      const { y, argmax } = spp(x, s);
      // a max selects a stored value: exact
      expectClose(y, sppReference(x, s), { rtol: 0, atol: 0, name: `spp ${JSON.stringify(r)}` });
      for (let o = 0; o < y.length; o++) assert.equal(x[argmax[o]], y[o]);
    }),
    fcParams(60),
  );
});

test('property: where L divides the image, a level is exactly k×k max pooling with k = H/L', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 1e6 }), (L, m, c, seed) => {
      const h = L * m;
      const x = randomArray(new Rng(seed), 2 * c * h * h, -1, 1);
      const ps = poolShape({ n: 2, c, h, w: h, k: m });
      const yPool = new Float32Array(2 * c * L * L);
      maxPoolForward(yPool, new Int32Array(yPool.length), x, ps);
      expectClose(spp(x, sppShape({ n: 2, c, h, w: h, levels: [L] })).y, yPool, { rtol: 0, atol: 0, name: 'spp vs maxPool' });
    }),
    fcParams(30),
  );
});

test('property: every pixel lies in some bin of every level (a single spike shows up in each level)', () => {
  fc.assert(
    fc.property(sppCase, fc.nat(), (r, where) => {
      const s = sppShape({ ...r, n: 1, c: 1 });
      const x = new Float32Array(r.h * r.w); // zeros, with one spike
      const at = where % x.length;
      x[at] = 1;
      const { y, argmax } = spp(x, s);
      let o = 0;
      for (const L of s.levels) {
        let seen = false;
        for (let i = 0; i < L * L; i++, o++) if (y[o] === 1 && argmax[o] === at) seen = true;
        assert.ok(seen, `level ${L} of ${r.h}×${r.w} misses pixel ${at}`);
      }
    }),
    fcParams(60),
  );
});

test('property: spp gradients match finite differences', () => {
  fc.assert(
    fc.property(sppCase, (r) => {
      const s = sppShape(r);
      const rng = new Rng(r.seed);
      const count = r.n * r.c * r.h * r.w;
      // distinct values 0.05 apart: a ±0.01 finite-difference step cannot change any bin's winner
      const perm = rng.permutation(count);
      const x = new Float32Array(count);
      for (let i = 0; i < count; i++) x[i] = (perm[i] - count / 2) * 0.05;
      const dx = new Float32Array(count);
      const y = new Float32Array(s.n * s.outPerSample);
      const argmax = new Int32Array(y.length);
      assertGradients({
        name: `spp ${JSON.stringify(r)}`,
        params: [{ name: 'x', value: x, grad: dx }],
        forward: () => (sppForward(y, argmax, x, s), y),
        backward: (dy) => sppBackward(dx, dy, argmax, s),
        seed: r.seed,
      });
    }),
    fcParams(30),
  );
});

test('sppShape rejects bad levels and sizes with a message that names them and the fix', () => {
  const base = { n: 1, c: 1, h: 4, w: 4 };
  assert.throws(() => sppShape({ ...base, levels: [] }), (e: Error) => e instanceof ShapeError && /spp: levels must be a non-empty list/.test(e.message) && /\[1, 2, 4\]/.test(e.message));
  assert.throws(() => sppShape({ ...base, levels: [1, 0] }), (e: Error) => e instanceof ShapeError && /got 0 in \[1,0\]/.test(e.message));
  assert.throws(() => sppShape({ ...base, levels: [2.5] }), ShapeError);
  assert.throws(() => sppShape({ ...base, h: 0, levels: [1] }), (e: Error) => e instanceof ShapeError && /spp: h \(input height\)/.test(e.message));
  assert.equal(sppShape({ n: 1, c: 256, h: 13, w: 13, levels: [1, 2, 4] }).outPerSample, 256 * 21);
});
