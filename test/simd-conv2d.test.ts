/**
 * The SIMD convolution (src/simd/assembly/conv2d.ts: im2col / col2im + the SIMD matmul) against the seven-loop
 * definitions: random shapes with every padding form, strides 1–3, even kernels, widths that leave vector
 * tails; the first MNIST layer (C·KH·KW = 9) and the 1×1 pointwise path; finite-difference gradients.
 * Tolerances: test/util/simd.ts (the float32 summation bound).
 */
import { test } from 'node:test';
import * as ts from '../src/kernels/index.js';
import { Rng } from '../src/rng.js';
import { assertGradients } from './util/check.js';
import { checkConv, checkConvCase, inMem, randomF32, scoped, simd } from './util/simd.js';

const k = simd();

test('simd conv2d equals the seven-loop definition on random shapes, for all three passes', () => {
  checkConv(k, 100);
});

test('simd conv2d: the first MNIST layer (28×28, 1→32, 3×3 same), a 32×32 64→64 slice, and a pointwise conv', () => {
  checkConvCase(k, { n: 2, c: 1, h: 28, w: 28, oc: 32, kh: 3, pad: 'same' }, 1, true);
  checkConvCase(k, { n: 1, c: 64, h: 8, w: 8, oc: 64, kh: 3, pad: 'same' }, 2, true);
  checkConvCase(k, { n: 2, c: 5, h: 6, w: 7, oc: 9, kh: 1 }, 3, true);
});

test('simd conv2d: gradients of x, w and b match finite differences (stride 2, asymmetric padding)', () => {
  scoped(k, () => {
    const s = ts.conv2dShape({ n: 2, c: 2, h: 6, w: 7, oc: 3, kh: 3, kw: 2, stride: 2, pad: { top: 1, bottom: 0, left: 2, right: 1 } });
    const rng = new Rng(5);
    const xLen = s.n * s.c * s.h * s.w, wLen = s.oc * s.c * s.kh * s.kw, yLen = s.n * s.oc * s.oh * s.ow;
    const x = inMem(k, randomF32(rng, xLen)), w = inMem(k, randomF32(rng, wLen)), b = inMem(k, randomF32(rng, s.oc));
    const dx = k.memory.f32(xLen), dw = k.memory.f32(wLen), db = k.memory.f32(s.oc);
    const y = k.memory.f32(yLen), dy = k.memory.f32(yLen), ws = k.memory.f32(ts.conv2dWorkspaceSize(s));
    assertGradients({
      name: 'simd conv2d',
      seed: 9,
      params: [{ name: 'x', value: x, grad: dx }, { name: 'w', value: w, grad: dw }, { name: 'b', value: b, grad: db }],
      forward: () => {
        k.conv2dForward(y, x, w, b, s, ws);
        return y;
      },
      backward: (dout) => {
        dy.set(dout);
        k.conv2dBackwardInput(dx, dy, w, s, ws);
        k.conv2dBackwardParams(dw, db, dy, x, s, ws);
      },
    });
  });
});
