/**
 * The other SIMD kernels against their TypeScript twins: max pooling (src/simd/assembly/pool.ts: the same
 * values and argmax, ties and NaN included), batch norm (batchnorm.ts: float64 like the twin, ≤ 1 ulp),
 * softmax-cross-entropy (softmax-cross-entropy.ts: the same bits), the SGD and Adam updates (sgd.ts,
 * adam.ts: float32 against the twin's float64, on a segment that starts inside the buffer), the sum of
 * gradient slots (accumulate.ts: the same bits); finite-difference gradients where there is a backward.
 * Tolerances: test/util/simd.ts.
 */
import { test } from 'node:test';
import * as ts from '../src/kernels/index.js';
import { Rng } from '../src/rng.js';
import { assertGradients } from './util/check.js';
import { checkAccumulate, checkAdam, checkBatchNorm, checkMaxPool, checkSgd, checkSoftmax, inMem, inMemI32, randomF32, scoped, simd } from './util/simd.js';

const k = simd();

test('simd max pooling: the same maxima and argmax as the twin (2×2 fast path, other windows, ties, NaN)', () => {
  checkMaxPool(k, 100);
});

test('simd batch norm: training forward, backward and eval forward within an ulp of the twin', () => {
  checkBatchNorm(k, 60);
});

test('simd softmax-cross-entropy: the same loss, probabilities and gradient bits as the twin', () => {
  checkSoftmax(k, 40);
});

test('simd SGD update (plain, momentum, Nesterov, weight decay) follows the twin over three steps', () => {
  checkSgd(k, 40);
});

test('simd Adam update follows the twin over three steps', () => {
  checkAdam(k, 40);
});

test('simd sum of gradient slots (and the identity backward): the same bits as the twin, NaN and ±∞ included', () => {
  checkAccumulate(k, 60);
});

test('simd max pooling 2×2: the gradient lands on the maximum of each window (finite differences)', () => {
  scoped(k, () => {
    const s = ts.poolShape({ n: 1, c: 2, h: 6, w: 10, k: 2 });
    const rng = new Rng(3);
    // distinct values at least 0.05 apart, so that ±h never changes which element wins
    const vals = Array.from({ length: 120 }, (_, i) => (i - 60) * 0.05);
    rng.shuffle(vals);
    const x = inMem(k, vals), dx = k.memory.f32(120);
    const out = s.n * s.c * s.oh * s.ow;
    const y = k.memory.f32(out), am = k.memory.i32(out), dy = k.memory.f32(out);
    assertGradients({
      name: 'simd maxpool', seed: 1, h: 1e-2,
      params: [{ name: 'x', value: x, grad: dx }],
      forward: () => {
        k.maxPoolForward(y, am, x, s);
        return y;
      },
      backward: (dout) => {
        dy.set(dout);
        k.maxPoolBackward(dx, dy, am, s);
      },
    });
  });
});

test('simd batch norm: gradients of x, γ and β match finite differences', () => {
  scoped(k, () => {
    const s = ts.batchNormShape({ n: 3, c: 2, spatial: 5 });
    const rng = new Rng(6);
    const x = inMem(k, randomF32(rng, 30, -2, 2)), gamma = inMem(k, randomF32(rng, 2, 0.5, 1.5)), beta = inMem(k, randomF32(rng, 2));
    const [y, xhat, dy, dx] = [30, 30, 30, 30].map((n) => k.memory.f32(n));
    const [mean, inv, dg, db] = [2, 2, 2, 2].map((n) => k.memory.f32(n));
    assertGradients({
      name: 'simd batchnorm', seed: 4,
      params: [{ name: 'x', value: x, grad: dx }, { name: 'gamma', value: gamma, grad: dg }, { name: 'beta', value: beta, grad: db }],
      forward: () => {
        k.batchNormForwardTrain(y, xhat, mean, inv, x, gamma, beta, s);
        return y;
      },
      backward: (dout) => {
        dy.set(dout);
        k.batchNormBackward(dx, dg, db, dy, xhat, inv, gamma, s);
      },
    });
  });
});

test('simd softmax-cross-entropy: the gradient of the mean loss matches finite differences', () => {
  scoped(k, () => {
    const rng = new Rng(7);
    const n = 3, classes = 10;
    const logits = inMem(k, randomF32(rng, n * classes, -3, 3)), d = k.memory.f32(n * classes), probs = k.memory.f32(n * classes);
    const labels = inMemI32(k, [2, 9, 0]);
    assertGradients({
      name: 'simd softmax-CE', seed: 5,
      params: [{ name: 'logits', value: logits, grad: d }],
      forward: () => k.softmaxCrossEntropyForward(probs, logits, labels, n, classes),
      backward: (dout) => k.softmaxCrossEntropyBackward(d, probs, labels, n, classes, dout[0] / n),
    });
  });
});
