/**
 * Batch normalization: hand-computed 2-D and 4-D cases, the running statistics, eval vs train, the invariants
 * of the backward, gradients against finite differences (the training forward and the evaluation forward),
 * TensorFlow.js autodiff as an outside reference, errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import {
  batchNormShape,
  batchNormForwardTrain,
  batchNormUpdateRunning,
  batchNormForwardEval,
  batchNormBackward,
  batchNormBackwardEval,
  batchNormInvStd,
  batchNormVariance,
  type BatchNormShape,
} from '../src/kernels/batchnorm.js';
import { ShapeError } from '../src/errors.js';
import { Rng } from '../src/rng.js';
import { expectClose, assertGradients, randomArray, fcParams } from './util/check.js';

const f32 = (v: number[]) => Float32Array.from(v);

/** Runs the training forward and returns everything it writes. */
function train(x: Float32Array, gamma: Float32Array, beta: Float32Array, s: BatchNormShape, eps = 1e-5) {
  const y = new Float32Array(x.length);
  const xhat = new Float32Array(x.length);
  const mean = new Float32Array(s.c);
  const invStd = new Float32Array(s.c);
  batchNormForwardTrain(y, xhat, mean, invStd, x, gamma, beta, s, eps);
  return { y, xhat, mean, invStd };
}

/** Per-channel statistics in float64, the slow way: every value of channel c is x[(n·C + c)·S + i]. */
function channelStats(x: Float32Array, s: BatchNormShape): { mean: number[]; biasedVar: number[] } {
  const mean: number[] = [];
  const biasedVar: number[] = [];
  for (let c = 0; c < s.c; c++) {
    const vals: number[] = [];
    for (let n = 0; n < s.n; n++) for (let i = 0; i < s.spatial; i++) vals.push(x[(n * s.c + c) * s.spatial + i]);
    const m = vals.reduce((a, b) => a + b, 0) / vals.length;
    mean.push(m);
    biasedVar.push(vals.reduce((a, v) => a + (v - m) * (v - m), 0) / vals.length);
  }
  return { mean, biasedVar };
}

/** Random batch-norm problems: 2-D (spatial 1) and 4-D (spatial = H·W up to 9), at least 4 values per channel. */
const bnCase = fc
  .record({
    n: fc.integer({ min: 2, max: 4 }),
    c: fc.integer({ min: 1, max: 3 }),
    spatial: fc.constantFrom(1, 1, 2, 4, 6, 9),
    seed: fc.integer({ min: 0, max: 1e6 }),
  })
  .filter((r) => r.n * r.spatial >= 4);

test('2-D batch (N=2, C=2): each column is normalized with its own mean and biased variance', () => {
  // x = [[1, 10],      channel 0 holds {1, 3}:   mean 2,  biased variance 1   → xhat {−1, +1}
  //      [3, 30]]      channel 1 holds {10, 30}: mean 20, biased variance 100 → xhat {−1, +1}
  const s = batchNormShape({ n: 2, c: 2 });
  const { y, xhat, mean, invStd } = train(f32([1, 10, 3, 30]), f32([2, 0.5]), f32([0, 1]), s, 0);
  assert.deepEqual([...xhat], [-1, -1, 1, 1]);
  assert.deepEqual([...mean], [2, 20]);
  assert.deepEqual([...invStd], [1, Math.fround(0.1)]); // 1/√1, 1/√100 (stored as float32)
  assert.deepEqual([...y], [-2, 0.5, 2, 1.5]); // γ·xhat + β with γ = [2, 0.5], β = [0, 1]

  // running statistics from PyTorch's initial (0, 1), momentum 0.1; the running variance takes the
  // UNBIASED batch variance, σ²·M/(M−1) = σ²·2: channel 0 → 2, channel 1 → 200
  const runMean = f32([0, 0]);
  const runVar = f32([1, 1]);
  batchNormUpdateRunning(runMean, runVar, mean, invStd, s, 0.1, 0);
  expectClose(runMean, [0.2, 2], { rtol: 1e-6, name: 'runMean' }); // 0.9·0 + 0.1·mean; float32 storage
  expectClose(runVar, [1.1, 20.9], { rtol: 1e-6, name: 'runVar' }); // 0.9·1 + 0.1·{2, 200}
});

test('4-D batch (N=2, C=2, H·W=2): a channel gathers its values across samples and pixels', () => {
  // layout (n, c, s): x = [ n0c0: 1 1 | n0c1: 0 4 | n1c0: 3 3 | n1c1: 0 4 ]
  // channel 0 holds {1,1,3,3}: mean 2, variance 1;  channel 1 holds {0,4,0,4}: mean 2, variance 4
  const s = batchNormShape({ n: 2, c: 2, spatial: 2 });
  const { xhat, mean, invStd } = train(f32([1, 1, 0, 4, 3, 3, 0, 4]), f32([1, 1]), f32([0, 0]), s, 0);
  assert.deepEqual([...xhat], [-1, -1, -1, 1, 1, 1, -1, 1]);
  assert.deepEqual([...mean], [2, 2]);
  assert.deepEqual([...invStd], [1, 0.5]);
});

test('evaluation uses the running statistics: with the batch’s own (biased) statistics it reproduces training', () => {
  fc.assert(
    fc.property(bnCase, (r) => {
      const s = batchNormShape(r);
      const rng = new Rng(r.seed);
      const x = randomArray(rng, r.n * r.c * r.spatial, -3, 3);
      const gamma = randomArray(rng, r.c, 0.5, 2);
      const beta = randomArray(rng, r.c, -1, 1);
      const t = train(x, gamma, beta, s);
      const st = channelStats(x, s);
      const yEval = new Float32Array(x.length);
      batchNormForwardEval(yEval, x, gamma, beta, f32(st.mean), f32(st.biasedVar), s);
      // the same affine map computed in two orders, γ·((x−μ)·invStd)+β vs (γ/σ)·x + (β − γμ/σ), with
      // μ and σ² rounded to float32 on one side: a few float32 ulps of |y| ≲ 10
      expectClose(yEval, t.y, { rtol: 1e-5, atol: 1e-5, name: 'eval vs train' });
    }),
    fcParams(30),
  );
});

test('momentum 1 replaces the running statistics by the batch mean and the unbiased batch variance', () => {
  fc.assert(
    fc.property(bnCase, (r) => {
      const s = batchNormShape(r);
      const x = randomArray(new Rng(r.seed), r.n * r.c * r.spatial, -3, 3);
      const t = train(x, new Float32Array(r.c).fill(1), new Float32Array(r.c), s);
      const runMean = new Float32Array(r.c).fill(7); // anything: momentum 1 forgets it
      const runVar = new Float32Array(r.c).fill(7);
      batchNormUpdateRunning(runMean, runVar, t.mean, t.invStd, s, 1);
      const st = channelStats(x, s);
      const M = r.n * r.spatial;
      expectClose(runMean, st.mean, { rtol: 1e-6, atol: 1e-6, name: 'runMean' }); // float32 rounding of the mean
      // the variance is recovered from the float32 invStd as 1/invStd² − ε: ~2 float32 ulps, relative to σ² + ε
      expectClose(runVar, st.biasedVar.map((v) => (v * M) / (M - 1)), { rtol: 1e-6, atol: 1e-5, name: 'runVar (unbiased)' });
    }),
    fcParams(30),
  );
});

test('batchNormVariance gives back the biased batch variance from invStd, and batchNormInvStd inverts it', () => {
  // channel 0 holds 1, 3 (σ² = 1), channel 1 holds 2, 2 (σ² = 0): 1/invStd² − ε may round below 0 there
  const s = batchNormShape({ n: 2, c: 2 });
  const { invStd } = train(f32([1, 2, 3, 2]), f32([1, 1]), f32([0, 0]), s);
  const variance = new Float32Array(2);
  batchNormVariance(variance, invStd, s, 1e-5);
  // invStd is stored in float32 (~6e-8 relative), so σ² comes back to ~1e-7, and never below 0
  expectClose(variance, [1, 0], { rtol: 1e-6, atol: 1e-6, name: 'variance' });
  assert.ok(variance[1] >= 0);
  const back = new Float32Array(2);
  batchNormInvStd(back, variance, s, 1e-5);
  // 1/√(σ² + ε) of the recovered σ²: within a few float32 roundings of the forward's own invStd
  expectClose(back, invStd, { rtol: 1e-6, atol: 0, name: 'invStd round trip' });
});

test('property: xhat has per-channel mean 0 and variance σ²/(σ²+ε) ≈ 1, even for a large offset and a small spread', () => {
  fc.assert(
    fc.property(bnCase, fc.double({ min: -100, max: 100, noNaN: true }), fc.double({ min: 0.1, max: 10, noNaN: true }), (r, offset, scale) => {
      const s = batchNormShape(r);
      const x = randomArray(new Rng(r.seed), r.n * r.c * r.spatial, -1, 1).map((v) => offset + scale * v);
      const { xhat } = train(x, new Float32Array(r.c).fill(1), new Float32Array(r.c), s);
      const st = channelStats(x, s);
      const xs = channelStats(xhat, s);
      for (let c = 0; c < r.c; c++) {
        // xhat is stored in float32: its mean is a sum of M values of size ~1 each off by ≤ 6e-8
        assert.ok(Math.abs(xs.mean[c]) < 1e-6, `channel ${c}: mean of xhat ${xs.mean[c]}`);
        const expected = st.biasedVar[c] / (st.biasedVar[c] + 1e-5); // ε = 1e-5 keeps it just under 1
        assert.ok(Math.abs(xs.biasedVar[c] - expected) < 1e-6, `channel ${c}: var of xhat ${xs.biasedVar[c]}, expected ${expected}`);
      }
    }),
    fcParams(40),
  );
});

test('property: dx is orthogonal to the directions BN ignores (shifting or scaling a channel): Σdx = 0, Σdx·xhat = 0', () => {
  // y does not change when a channel of x is shifted (x + t) or scaled about its mean, so the gradient has no
  // component along 1 or along xhat. With ε = 0 both sums vanish exactly for any dy.
  fc.assert(
    fc.property(bnCase, (r) => {
      const s = batchNormShape(r);
      const rng = new Rng(r.seed);
      const x = randomArray(rng, r.n * r.c * r.spatial, -3, 3);
      const gamma = randomArray(rng, r.c, 0.5, 2);
      const { xhat, invStd } = train(x, gamma, new Float32Array(r.c), s, 0);
      const dy = randomArray(rng, x.length, -1, 1);
      const dx = new Float32Array(x.length);
      batchNormBackward(dx, new Float32Array(r.c), new Float32Array(r.c), dy, xhat, invStd, gamma, s);
      const sums = channelStats(dx, s).mean; // Σdx / M per channel
      for (let c = 0; c < r.c; c++) {
        let dot = 0;
        for (let n = 0; n < r.n; n++) for (let i = 0; i < r.spatial; i++) dot += dx[(n * r.c + c) * r.spatial + i] * xhat[(n * r.c + c) * r.spatial + i];
        // each dx is a float32 of size ≲ γ·invStd·|dy| ~ 10; cancellation leaves ~1e-6 per term
        const bound = 1e-5 * gamma[c] * invStd[c];
        assert.ok(Math.abs(sums[c]) < bound, `channel ${c}: mean dx ${sums[c]}`);
        assert.ok(Math.abs(dot) / (r.n * r.spatial) < bound, `channel ${c}: mean dx·xhat ${dot}`);
      }
    }),
    fcParams(30),
  );
});

test('property: gradients of x, γ and β match finite differences (2-D and 4-D)', () => {
  fc.assert(
    fc.property(bnCase, (r) => {
      const s = batchNormShape(r);
      const rng = new Rng(r.seed);
      const x = randomArray(rng, r.n * r.c * r.spatial, -2, 2);
      const gamma = randomArray(rng, r.c, 0.5, 2);
      const beta = randomArray(rng, r.c, -1, 1);
      const dx = new Float32Array(x.length);
      const dgamma = new Float32Array(r.c);
      const dbeta = new Float32Array(r.c);
      const y = new Float32Array(x.length);
      const xhat = new Float32Array(x.length);
      const mean = new Float32Array(r.c);
      const invStd = new Float32Array(r.c);
      assertGradients({
        name: `batchnorm ${JSON.stringify(r)}`,
        params: [
          { name: 'x', value: x, grad: dx },
          { name: 'gamma', value: gamma, grad: dgamma },
          { name: 'beta', value: beta, grad: dbeta },
        ],
        forward: () => (batchNormForwardTrain(y, xhat, mean, invStd, x, gamma, beta, s, 1e-5), y),
        backward: (dy) => batchNormBackward(dx, dgamma, dbeta, dy, xhat, invStd, gamma, s),
        seed: r.seed,
      });
    }),
    fcParams(30),
  );
});

test('evaluation backward: by hand, an affine map per channel (dx = γ·dy/√(var+ε), dγ = Σ dy·x̂, dβ = Σ dy)', () => {
  // one channel, runMean 1, runVar 3, ε 1 → r = 1/√4 = 0.5; γ = 2. x = {3, 5}: x̂ = (x − 1)·0.5 = {1, 2}
  const s = batchNormShape({ n: 2, c: 1 });
  const dx = f32([10, 20]); // pre-filled: the backward adds
  const dgamma = f32([1]);
  const dbeta = f32([1]);
  batchNormBackwardEval(dx, dgamma, dbeta, f32([1, -3]), f32([3, 5]), f32([2]), f32([1]), f32([3]), s, 1);
  assert.deepEqual([...dx], [10 + 1, 20 - 3]); // + γ·r·dy = dy
  assert.deepEqual([...dgamma], [1 + (1 * 1 - 3 * 2)]); // + Σ dy·x̂ = 1 − 6
  assert.deepEqual([...dbeta], [1 + (1 - 3)]); // + Σ dy
});

test('property: evaluation-mode gradients of x, γ and β match finite differences (2-D and 4-D)', () => {
  fc.assert(
    fc.property(bnCase, (r) => {
      const s = batchNormShape(r);
      const rng = new Rng(r.seed);
      const x = randomArray(rng, r.n * r.c * r.spatial, -2, 2);
      const gamma = randomArray(rng, r.c, 0.5, 2);
      const beta = randomArray(rng, r.c, -1, 1);
      const runMean = randomArray(rng, r.c, -1, 1);
      const runVar = randomArray(rng, r.c, 0.2, 2);
      const [dx, dgamma, dbeta] = [new Float32Array(x.length), new Float32Array(r.c), new Float32Array(r.c)];
      const y = new Float32Array(x.length);
      assertGradients({
        name: `batchnorm eval ${JSON.stringify(r)}`,
        params: [
          { name: 'x', value: x, grad: dx },
          { name: 'gamma', value: gamma, grad: dgamma },
          { name: 'beta', value: beta, grad: dbeta },
        ],
        forward: () => (batchNormForwardEval(y, x, gamma, beta, runMean, runVar, s), y),
        backward: (dy) => batchNormBackwardEval(dx, dgamma, dbeta, dy, x, gamma, runMean, runVar, s),
        seed: r.seed,
      });
    }),
    fcParams(30),
  );
});

test('TensorFlow.js autodiff through the batch statistics agrees on y, dx, dγ and dβ', async () => {
  await tf.setBackend('cpu');
  const rng = new Rng(11);
  for (const [n, c, spatial] of [
    [8, 3, 1],
    [3, 4, 6],
  ] as const) {
    const s = batchNormShape({ n, c, spatial });
    const eps = 1e-3;
    const x = randomArray(rng, n * c * spatial, -2, 2);
    const gamma = randomArray(rng, c, 0.5, 2);
    const beta = randomArray(rng, c, -1, 1);
    const dy = randomArray(rng, x.length, -1, 1);
    // the textbook formula, differentiated by tfjs: y = γ·(x − mean)/√(var + ε) + β over axes (N, S)
    const f = (xt: tf.Tensor, gt: tf.Tensor, bt: tf.Tensor) => {
      const { mean, variance } = tf.moments(xt, [0, 2], true);
      return xt.sub(mean).mul(variance.add(eps).rsqrt()).mul(gt.reshape([1, c, 1])).add(bt.reshape([1, c, 1]));
    };
    const xt = tf.tensor3d(x, [n, c, spatial]);
    const yRef = f(xt, tf.tensor1d(gamma), tf.tensor1d(beta)).dataSync();
    const [dxRef, dgRef, dbRef] = tf
      .grads((a: tf.Tensor, b: tf.Tensor, cc: tf.Tensor) => f(a, b, cc))([xt, tf.tensor1d(gamma), tf.tensor1d(beta)], tf.tensor3d(dy, [n, c, spatial]))
      .map((t) => t.dataSync());

    const t = train(x, gamma, beta, s, eps);
    const dx = new Float32Array(x.length);
    const dgamma = new Float32Array(c);
    const dbeta = new Float32Array(c);
    batchNormBackward(dx, dgamma, dbeta, dy, t.xhat, t.invStd, gamma, s);
    // tfjs computes in float32 throughout (moments and the chain rule through them): ~1e-6 relative per
    // step, a few steps deep, on values of size ~1–10
    expectClose(t.y, yRef, { rtol: 1e-4, atol: 1e-5, name: `y (${n},${c},${spatial})` });
    expectClose(dx, dxRef, { rtol: 1e-4, atol: 1e-5, name: `dx (${n},${c},${spatial})` });
    expectClose(dgamma, dgRef, { rtol: 1e-4, atol: 1e-5, name: `dgamma (${n},${c},${spatial})` });
    expectClose(dbeta, dbRef, { rtol: 1e-4, atol: 1e-5, name: `dbeta (${n},${c},${spatial})` });
  }
});

test('errors: bad shapes, and training statistics from a single value per channel', () => {
  assert.throws(() => batchNormShape({ n: 0, c: 1 }), (e: Error) => e instanceof ShapeError && /batchnorm: n \(batch size\) must be an integer ≥ 1, got 0/.test(e.message));
  assert.throws(() => batchNormShape({ n: 2, c: 1.5 }), (e: Error) => e instanceof ShapeError && /batchnorm: c \(channels\)/.test(e.message));
  assert.throws(() => batchNormShape({ n: 2, c: 1, spatial: 0 }), (e: Error) => e instanceof ShapeError && /spatial \(H·W for 4-D input, 1 for 2-D input\)/.test(e.message));
  assert.deepEqual(batchNormShape({ n: 3, c: 2 }), { n: 3, c: 2, spatial: 1 }); // 2-D input by default
  const s = batchNormShape({ n: 1, c: 1 });
  assert.throws(
    () => batchNormUpdateRunning(f32([0]), f32([1]), f32([0]), f32([1]), s),
    (e: Error) => e instanceof ShapeError && /more than one value per channel/.test(e.message) && /batch size of at least 2/.test(e.message),
  );
});
