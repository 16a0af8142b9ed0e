/**
 * 2-D convolution: hand-computed cases (forward and both backward passes on a 3×3 image), the fast im2col
 * passes against the seven-loop definition on random shapes (strides, asymmetric pads, even kernels),
 * gradients of x, w and b against finite differences for both versions, linearity, and the shape errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  conv2dShape,
  conv2dCheckArrays,
  conv2dWorkspaceSize,
  conv2dForward,
  conv2dBackwardInput,
  conv2dBackwardParams,
  conv2dForwardNaive,
  conv2dBackwardInputNaive,
  conv2dBackwardParamsNaive,
  type Conv2dShape,
  type Conv2dShapeParams,
} from '../src/kernels/conv2d.js';
import { ShapeError } from '../src/errors.js';
import { Rng } from '../src/rng.js';
import { expectClose, assertGradients, randomArray, fcParams } from './util/check.js';

const f32 = (v: number[]) => Float32Array.from(v);

/** The three passes of one version, with the workspace handled for the fast one. */
interface Conv {
  name: string;
  forward(y: Float32Array, x: Float32Array, w: Float32Array, b: Float32Array | null, s: Conv2dShape): void;
  backwardInput(dx: Float32Array, dy: Float32Array, w: Float32Array, s: Conv2dShape): void;
  backwardParams(dw: Float32Array, db: Float32Array | null, dy: Float32Array, x: Float32Array, s: Conv2dShape): void;
}
/** Workspace of the requested size, filled with junk: the fast passes must not depend on what it held. */
function workspace(s: Conv2dShape): Float32Array {
  return new Float32Array(conv2dWorkspaceSize(s)).fill(12345);
}
const naive: Conv = {
  name: 'naive',
  forward: conv2dForwardNaive,
  backwardInput: conv2dBackwardInputNaive,
  backwardParams: conv2dBackwardParamsNaive,
};
const fast: Conv = {
  name: 'fast',
  forward: (y, x, w, b, s) => conv2dForward(y, x, w, b, s, workspace(s)),
  backwardInput: (dx, dy, w, s) => conv2dBackwardInput(dx, dy, w, s, workspace(s)),
  backwardParams: (dw, db, dy, x, s) => conv2dBackwardParams(dw, db, dy, x, s, workspace(s)),
};
const versions = [naive, fast];

const outLen = (s: Conv2dShape) => s.n * s.oc * s.oh * s.ow;

// ─────────────────────────────── tier 1: small cases computed by hand ───────────────────────────────

//      x (1×1×3×3)      w (1×1×2×2)
//     1  2  3            1  2
//     4  5  6            3  4
//     7  8  9
const X3 = f32([1, 2, 3, 4, 5, 6, 7, 8, 9]);
const W2 = f32([1, 2, 3, 4]);

for (const v of versions) {
  test(`conv2d ${v.name}: a 3×3 image with a 2×2 filter, no padding, computed by hand`, () => {
    const s = conv2dShape({ n: 1, c: 1, h: 3, w: 3, oc: 1, kh: 2 });
    assert.equal(s.oh, 2); // 3 − 2 + 1
    const y = new Float32Array(4);
    v.forward(y, X3, W2, f32([0.5]), s);
    // y[0,0] = 1·1 + 2·2 + 3·4 + 4·5 + 0.5 = 37.5,  y[0,1] = 1·2 + 2·3 + 3·5 + 4·6 + 0.5 = 47.5, …
    assert.deepEqual(Array.from(y), [37.5, 47.5, 67.5, 77.5]);
  });

  test(`conv2d ${v.name}: 'same' padding with an even (2×2) kernel pads 0 before and 1 after`, () => {
    const s = conv2dShape({ n: 1, c: 1, h: 3, w: 3, oc: 1, kh: 2, pad: 'same' });
    assert.deepEqual([s.padTop, s.padBottom, s.padLeft, s.padRight, s.oh, s.ow], [0, 1, 0, 1, 3, 3]);
    const y = new Float32Array(9);
    v.forward(y, X3, W2, null, s);
    // The last row and column see zeros below/right: y[0,2] = 3·1 + 6·3 = 21, y[2,0] = 7·1 + 8·2 = 23, y[2,2] = 9.
    assert.deepEqual(Array.from(y), [37, 47, 21, 67, 77, 33, 23, 26, 9]);
  });

  test(`conv2d ${v.name}: stride 2 with pad 1 and a 3×3 box filter sums the four corner windows`, () => {
    const s = conv2dShape({ n: 1, c: 1, h: 3, w: 3, oc: 1, kh: 3, stride: 2, pad: 1 });
    assert.equal(s.oh, 2); // ⌊(3 + 2 − 3) / 2⌋ + 1
    const y = new Float32Array(4);
    v.forward(y, X3, new Float32Array(9).fill(1), null, s);
    // window (0,0) covers x rows −1…1, cols −1…1: 1+2+4+5 = 12; (0,1): 2+3+5+6 = 16; (1,0): 24; (1,1): 28
    assert.deepEqual(Array.from(y), [12, 16, 24, 28]);
  });

  test(`conv2d ${v.name}: both backward passes by hand, accumulating onto what the buffers held`, () => {
    const s = conv2dShape({ n: 1, c: 1, h: 3, w: 3, oc: 1, kh: 2 });
    const dy = f32([1, 1, 1, 1]);
    // dw[p,q] = Σ_ij dy[i,j]·x[i+p, j+q] = the sum of the 2×2 window of x at (p,q): 12 16 / 24 28; db = Σ dy = 4
    const dw = f32([100, 100, 100, 100]);
    const db = f32([100]);
    v.backwardParams(dw, db, dy, X3, s);
    assert.deepEqual(Array.from(dw), [112, 116, 124, 128]);
    assert.deepEqual(Array.from(db), [104]);
    // dx[u,v] = Σ of the taps w[p,q] whose window puts them on (u,v): the corner (0,0) is reached only by
    // w[0,0] = 1, the centre by all four taps (1+2+3+4 = 10), the edge (0,1) by w[0,0] and w[0,1] (3), …
    const dx = new Float32Array(9).fill(100);
    v.backwardInput(dx, dy, W2, s);
    assert.deepEqual(Array.from(dx), [101, 103, 102, 104, 110, 106, 103, 107, 104]);
  });
}

test('conv2d: a 1×1 convolution mixes channels pixel by pixel (the pointwise path needs no workspace)', () => {
  // Two input channels a = [1 2; 3 4] and b = 10·a; the filter (2, −0.1) gives 2a − 0.1·(10a) = a at every pixel.
  const s = conv2dShape({ n: 1, c: 2, h: 2, w: 2, oc: 1, kh: 1 });
  assert.equal(conv2dWorkspaceSize(s), 0);
  const x = f32([1, 2, 3, 4, 10, 20, 30, 40]);
  const y = new Float32Array(4);
  conv2dForward(y, x, f32([2, -0.1]), null, s, new Float32Array(0));
  expectClose(y, [1, 2, 3, 4], { atol: 1e-6, name: 'pointwise y' }); // 2a − 0.1·(10a): 0.1 is inexact in float32
});

// ───────────────────────────── tier 2: fast against naive on random shapes ─────────────────────────────

/** Random small conv shapes: kernels 1–4 (even ones included), strides 1–3, every padding form. */
const shapeArb: fc.Arbitrary<Conv2dShapeParams> = fc
  .record({
    n: fc.integer({ min: 1, max: 3 }),
    c: fc.integer({ min: 1, max: 3 }),
    h: fc.integer({ min: 1, max: 7 }),
    w: fc.integer({ min: 1, max: 7 }),
    oc: fc.integer({ min: 1, max: 4 }),
    kh: fc.integer({ min: 1, max: 4 }),
    kw: fc.integer({ min: 1, max: 4 }),
    stride: fc.integer({ min: 1, max: 3 }),
    pad: fc.oneof(
      fc.integer({ min: 0, max: 2 }),
      fc.constant('valid' as const),
      fc.constant('same' as const),
      fc.record({
        top: fc.integer({ min: 0, max: 3 }),
        bottom: fc.integer({ min: 0, max: 3 }),
        left: fc.integer({ min: 0, max: 3 }),
        right: fc.integer({ min: 0, max: 3 }),
      }),
    ),
  })
  .map((p) => (p.pad === 'same' ? { ...p, stride: 1 } : p))
  // keep shapes the kernel fits into (the others are ShapeErrors, tested below)
  .filter((p) => {
    const pad = typeof p.pad === 'number' ? { top: p.pad, bottom: p.pad, left: p.pad, right: p.pad }
      : p.pad === 'valid' ? { top: 0, bottom: 0, left: 0, right: 0 }
      : p.pad === 'same' ? { top: p.kh - 1, bottom: 0, left: p.kw - 1, right: 0 } : p.pad;
    return p.kh <= p.h + pad.top + pad.bottom && p.kw <= p.w + pad.left + pad.right;
  });

// Both versions sum in float64 and round each output once, except the fast dw, which rounds the per-sample
// product into float32 dw (≤ 3 samples); with O(1) entries and ≤ 48 taps, sums are ≲ 10, a few ulps ≈ 1e-5.
const FAST_VS_NAIVE = { rtol: 1e-5, atol: 1e-5 };

test('conv2d fast (im2col + matmul) equals the seven-loop definition, for all three passes', () => {
  fc.assert(
    fc.property(shapeArb, fc.integer(), fc.boolean(), (p, seed, withBias) => {
      const s = conv2dShape(p);
      const rng = new Rng(seed);
      const x = randomArray(rng, s.n * s.c * s.h * s.w);
      const w = randomArray(rng, s.oc * s.c * s.kh * s.kw);
      const b = withBias ? randomArray(rng, s.oc) : null;
      const dy = randomArray(rng, outLen(s));
      const label = JSON.stringify(p);

      const y = [naive, fast].map((v) => {
        const out = new Float32Array(outLen(s)).fill(NaN); // forward overwrites
        v.forward(out, x, w, b, s);
        return out;
      });
      expectClose(y[1], y[0], { ...FAST_VS_NAIVE, name: `y ${label}` });

      const dx0 = randomArray(rng, x.length); // pre-filled: both must add to it
      const dx = [naive, fast].map((v) => {
        const g = dx0.slice();
        v.backwardInput(g, dy, w, s);
        return g;
      });
      expectClose(dx[1], dx[0], { ...FAST_VS_NAIVE, name: `dx ${label}` });

      const dw0 = randomArray(rng, w.length);
      const db0 = randomArray(rng, s.oc);
      const [dwN, dbN, dwF, dbF] = [dw0.slice(), db0.slice(), dw0.slice(), db0.slice()];
      naive.backwardParams(dwN, dbN, dy, x, s);
      fast.backwardParams(dwF, dbF, dy, x, s);
      expectClose(dwF, dwN, { ...FAST_VS_NAIVE, name: `dw ${label}` });
      expectClose(dbF, dbN, { ...FAST_VS_NAIVE, name: `db ${label}` });
    }),
    fcParams(80),
  );
});

// ───────────────────────────── gradients against finite differences ─────────────────────────────

for (const v of versions) {
  test(`conv2d ${v.name}: gradients of x, w and b match finite differences (strides, asymmetric pads, even kernels)`, () => {
    fc.assert(
      fc.property(shapeArb, fc.integer(), (p, seed) => {
        const s = conv2dShape(p);
        const rng = new Rng(seed);
        const x = randomArray(rng, s.n * s.c * s.h * s.w);
        const w = randomArray(rng, s.oc * s.c * s.kh * s.kw);
        const b = randomArray(rng, s.oc);
        const dx = new Float32Array(x.length);
        const dw = new Float32Array(w.length);
        const db = new Float32Array(b.length);
        const y = new Float32Array(outLen(s));
        // Defaults of the checker (step 1e-2, tolerance 1e-2): the conv is linear in each of x, w, b, so the
        // central difference has no truncation error and only float32 rounding (≈1e-5 relative) remains.
        assertGradients({
          name: `conv2d ${v.name} ${JSON.stringify(p)}`,
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

// ─────────────────────────────────────────── invariants ───────────────────────────────────────────

test('conv2d is linear in x and in w: conv(αx₁ + βx₂, w) = α·conv(x₁, w) + β·conv(x₂, w), and likewise in w', () => {
  fc.assert(
    fc.property(shapeArb, fc.integer(), (p, seed) => {
      const s = conv2dShape(p);
      const rng = new Rng(seed);
      const [alpha, beta] = [rng.normal(), rng.normal()];
      const conv = (x: Float32Array, w: Float32Array) => {
        const y = new Float32Array(outLen(s));
        fast.forward(y, x, w, null, s);
        return y;
      };
      const mix = (u: Float32Array, v: Float32Array) => u.map((ui, i) => alpha * ui + beta * v[i]);
      const x1 = randomArray(rng, s.n * s.c * s.h * s.w);
      const x2 = randomArray(rng, x1.length);
      const w1 = randomArray(rng, s.oc * s.c * s.kh * s.kw);
      const w2 = randomArray(rng, w1.length);
      // Both sides round the inputs and the outputs to float32 differently: ≤ a few ulps of |y| ≲ 30, so 1e-4.
      const tol = { rtol: 1e-4, atol: 1e-4 };
      expectClose(conv(mix(x1, x2), w1), mix(conv(x1, w1), conv(x2, w1)), { ...tol, name: 'linear in x' });
      expectClose(conv(x1, mix(w1, w2)), mix(conv(x1, w1), conv(x1, w2)), { ...tol, name: 'linear in w' });
    }),
    fcParams(25),
  );
});

test('conv2d: each sample of a batch is convolved on its own (batch of 2 = two batches of 1)', () => {
  const rng = new Rng(11);
  const p = { c: 2, h: 5, w: 6, oc: 3, kh: 3, kw: 2, stride: 2, pad: { top: 1, bottom: 0, left: 2, right: 1 } };
  const s2 = conv2dShape({ n: 2, ...p });
  const s1 = conv2dShape({ n: 1, ...p });
  const x = randomArray(rng, 2 * 2 * 5 * 6);
  const w = randomArray(rng, 3 * 2 * 3 * 2);
  const b = randomArray(rng, 3);
  const y2 = new Float32Array(outLen(s2));
  fast.forward(y2, x, w, b, s2);
  const half = x.length / 2;
  for (const k of [0, 1]) {
    const y1 = new Float32Array(outLen(s1));
    fast.forward(y1, x.slice(k * half, (k + 1) * half), w, b, s1);
    // the same sums in the same order: identical bits
    expectClose(y2.subarray(k * y1.length, (k + 1) * y1.length), y1, { rtol: 0, atol: 0, name: `sample ${k}` });
  }
});

// ─────────────────────────────────────────── shapes and errors ───────────────────────────────────────────

test("conv2dShape: output sizes, and 'same' follows PyTorch (⌊(k−1)/2⌋ before, the rest after)", () => {
  const same = (k: number) => {
    const s = conv2dShape({ n: 1, c: 1, h: 8, w: 8, oc: 1, kh: k, pad: 'same' });
    return [s.padTop, s.padBottom, s.oh, s.ow];
  };
  assert.deepEqual(same(1), [0, 0, 8, 8]);
  assert.deepEqual(same(2), [0, 1, 8, 8]);
  assert.deepEqual(same(3), [1, 1, 8, 8]);
  assert.deepEqual(same(6), [2, 3, 8, 8]);
  const s = conv2dShape({ n: 2, c: 3, h: 32, w: 30, oc: 4, kh: 5, kw: 3, stride: 2, pad: { top: 2, bottom: 1, left: 0, right: 1 } });
  assert.deepEqual([s.oh, s.ow], [16, 15]); // OH = ⌊(32+2+1−5)/2⌋+1 = 16, OW = ⌊(30+0+1−3)/2⌋+1 = 15
  assert.equal(conv2dWorkspaceSize(s), 3 * 5 * 3 * 16 * 15); // one im2col matrix: (C·KH·KW) × (OH·OW)
});

/** Asserts that f throws a ShapeError whose message matches every pattern. */
function throwsShape(f: () => unknown, ...patterns: RegExp[]): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof ShapeError, `expected a ShapeError, got ${String(e)}`);
    for (const re of patterns) assert.match(e.message, re);
    return true;
  });
}

test('conv2dShape: ShapeErrors name the op, what was expected, what was found, and the fix', () => {
  const ok = { n: 1, c: 3, h: 4, w: 4, oc: 2, kh: 3 };
  throwsShape(() => conv2dShape({ ...ok, n: 0 }), /conv2d: n \(batch size\)/, /≥ 1/, /got 0/);
  throwsShape(() => conv2dShape({ ...ok, c: 2.5 }), /conv2d: c \(input channels\)/, /got 2\.5/);
  throwsShape(() => conv2dShape({ ...ok, kw: -1 }), /conv2d: kw/, /got -1/);
  throwsShape(() => conv2dShape({ ...ok, stride: 0 }), /conv2d: stride/, /got 0/, /; use 1 to slide the filter/);
  throwsShape(() => conv2dShape({ ...ok, pad: -1 }), /conv2d: pad/, /≥ 0/, /got -1/);
  throwsShape(() => conv2dShape({ ...ok, pad: { top: 0, bottom: 0, left: 1.5, right: 0 } }), /conv2d: pad\.left/, /got 1\.5/);
  throwsShape(() => conv2dShape({ ...ok, pad: 'full' as never }), /conv2d: pad must be a number, 'same', 'valid'/, /"full"/);
  throwsShape(() => conv2dShape({ ...ok, stride: 2, pad: 'same' }), /'same' needs stride 1/, /got stride 2/, /use a number/);
  // A 5×5 kernel does not fit a 4×4 image without padding; the message gives both sizes and the fixes.
  throwsShape(() => conv2dShape({ ...ok, kh: 5 }), /kernel 5×5 is larger than the padded input 4×4/, /pad: 'same'/);
  conv2dShape({ ...ok, kh: 5, pad: 'same' }); // …and padding is one of them
  // A kernel taller than wide is checked in each direction.
  throwsShape(() => conv2dShape({ ...ok, kh: 1, kw: 7, pad: 1 }), /kernel 1×7 is larger than the padded input 6×6/);
});

test('conv2dCheckArrays: arrays of the wrong length are named with the expected size', () => {
  const s = conv2dShape({ n: 2, c: 3, h: 4, w: 4, oc: 2, kh: 3, pad: 1 });
  throwsShape(() => conv2dCheckArrays(s, { x: new Float32Array(95) }), /conv2d: x must have 96 elements \(N·C·H·W = 2·3·4·4\), got 95/);
  throwsShape(() => conv2dCheckArrays(s, { w: new Float32Array(54), b: new Float32Array(3) }), /conv2d: b must have 2 elements/);
  throwsShape(() => conv2dCheckArrays(s, { ws: new Float32Array(10) }), /workspace needs at least 432 floats/);
  conv2dCheckArrays(s, { x: new Float32Array(96), w: new Float32Array(54), b: null, y: new Float32Array(64), ws: new Float32Array(432) });
});
