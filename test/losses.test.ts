/**
 * Losses: softmax cross-entropy (fused), mean squared error, sigmoid (logistic) cross-entropy.
 *
 * Tier 1 — hand-computed values, including logits of ±1000 that a naive formula turns into NaN or ∞.
 * Tier 2 — properties: probabilities sum to 1, CE ≥ 0, gradients against finite differences for the mean
 *          (default scale) and for the sum (scale 1), shards with scale 1/(global batch) add up to the full
 *          batch, and bad labels are refused with their index and value.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Rng } from '../src/rng.js';
import { ElunetError } from '../src/errors.js';
import { softmaxCrossEntropyBackward, softmaxCrossEntropyForward } from '../src/kernels/softmax-cross-entropy.js';
import { mseBackward, mseForward } from '../src/kernels/mse.js';
import { sigmoidCrossEntropyBackward, sigmoidCrossEntropyForward } from '../src/kernels/sigmoid-cross-entropy.js';
import { assertGradients, expectClose, fcParams, randomArray } from './util/check.js';

const f32 = (xs: number[]) => Float32Array.from(xs);
const i32 = (xs: number[]) => Int32Array.from(xs);

// A hand value in float64 against float32 storage (probs, gradients): one rounding, ≤ 2⁻²⁴ ≈ 6e−8 relative.
// The returned losses are float64 sums of float32 inputs: same order. rtol 1e−6 leaves a 16× margin.
const HAND = { rtol: 1e-6, atol: 1e-7 };
const close = (a: number, e: number, what: string, tol = 1e-6) =>
  assert.ok(Math.abs(a - e) <= tol * Math.max(1, Math.abs(e)), `${what}: got ${a}, expected ${e}`);

function randomLabels(rng: Rng, n: number, classes: number): Int32Array {
  const l = new Int32Array(n);
  for (let i = 0; i < n; i++) l[i] = rng.int(classes);
  return l;
}

// ---------------------------------------------------------------------------------------------------------
// Softmax cross-entropy
// ---------------------------------------------------------------------------------------------------------

test('softmax CE by hand: equal logits give ln K; logits (1,2,3) with label 2 give log(1 + e⁻¹ + e⁻²)', () => {
  const probs = new Float32Array(5);
  close(softmaxCrossEntropyForward(probs, f32([0, 0]), i32([0]), 1, 2), Math.LN2, 'two equal logits');
  expectClose(probs.subarray(0, 2), [0.5, 0.5], { ...HAND, name: 'probs' });

  const loss = softmaxCrossEntropyForward(probs, f32([1, 2, 3]), i32([2]), 1, 3);
  close(loss, Math.log(1 + Math.exp(-1) + Math.exp(-2)), 'CE'); // = 0.40760596…
  const z = Math.exp(1) + Math.exp(2) + Math.exp(3);
  expectClose(probs.subarray(0, 3), [Math.exp(1) / z, Math.exp(2) / z, Math.exp(3) / z], { ...HAND, name: 'probs' });
});

test('softmax CE returns the MEAN over the batch', () => {
  const probs = new Float32Array(4);
  // row 0: ln 2;  row 1: logits (0, ln 3) label 0 → p = 1/4 → CE = ln 4
  const loss = softmaxCrossEntropyForward(probs, f32([0, 0, 0, Math.log(3)]), i32([1, 0]), 2, 2);
  close(loss, (Math.LN2 + Math.log(4)) / 2, 'mean CE');
});

test('softmax CE is stable for logits of ±1000 (subtract the row max; loss from log-sum-exp)', () => {
  const probs = new Float32Array(2);
  close(softmaxCrossEntropyForward(probs, f32([1000, 0]), i32([0]), 1, 2), 0, 'confident and right');
  assert.deepEqual([...probs], [1, 0]);
  // p of the true class underflows to 0 in float32, but the loss is the finite −log p = 1000
  close(softmaxCrossEntropyForward(probs, f32([1000, 0]), i32([1]), 1, 2), 1000, 'confident and wrong');
  close(softmaxCrossEntropyForward(probs, f32([-1000, -1000]), i32([1]), 1, 2), Math.LN2, 'both very negative');
  const d = new Float32Array(2);
  softmaxCrossEntropyBackward(d, probs, i32([1]), 1, 2);
  expectClose(d, [0.5, -0.5], { ...HAND, name: 'dlogits' });
});

test('softmax CE backward by hand: scale·(p − onehot), accumulating', () => {
  const probs = new Float32Array(3);
  softmaxCrossEntropyForward(probs, f32([1, 2, 3]), i32([0]), 1, 3);
  const d = f32([1, 1, 1]);
  softmaxCrossEntropyBackward(d, probs, i32([0]), 1, 3);
  expectClose(d, [1 + probs[0] - 1, 1 + probs[1], 1 + probs[2]], { ...HAND, name: 'dlogits (scale 1/n = 1)' });
});

test('softmax probabilities lie in [0,1] and sum to 1 per row; CE ≥ 0 and equals −mean log p', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 2, max: 20 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (n, k, seed) => {
      const rng = new Rng(seed);
      const logits = randomArray(rng, n * k, -10, 10);
      const labels = randomLabels(rng, n, k);
      const probs = new Float32Array(n * k);
      const loss = softmaxCrossEntropyForward(probs, logits, labels, n, k);
      assert.ok(loss >= 0);
      let minusLogP = 0;
      for (let r = 0; r < n; r++) {
        let sum = 0;
        for (let j = 0; j < k; j++) {
          const p = probs[r * k + j];
          assert.ok(p >= 0 && p <= 1, `p = ${p}`);
          sum += p;
        }
        // each of ≤ 20 float32 probabilities carries ≤ 6e−8 relative rounding: the sum is 1 within 20·6e−8
        assert.ok(Math.abs(sum - 1) < 2e-6, `row ${r} sums to ${sum}`);
        minusLogP -= Math.log(probs[r * k + labels[r]]);
      }
      // logits within ±10 and K ≤ 20 keep every p ≥ e⁻²⁰/20 ≈ 1e−10, so log p is well defined; float32 p
      // carries a 6e−8 relative error, i.e. an absolute error 6e−8 in log p: tol 1e−6 has margin.
      close(loss, minusLogP / n, 'CE vs −mean log p');
    }),
    fcParams(),
  );
});

test('softmax CE gradient of the MEAN (default scale 1/n) matches central differences', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 2, max: 7 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (n, k, seed) => {
      const rng = new Rng(seed);
      const logits = randomArray(rng, n * k, -3, 3);
      const labels = randomLabels(rng, n, k);
      const probs = new Float32Array(n * k);
      const d = new Float32Array(n * k);
      assertGradients({
        name: 'softmax CE (mean)',
        seed,
        params: [{ name: 'logits', value: logits, grad: d }],
        forward: () => softmaxCrossEntropyForward(probs, logits, labels, n, k),
        // gradCheck reduces a scalar loss L to L·dout[0]; the default scale 1/n times dout[0]
        backward: (dout) => softmaxCrossEntropyBackward(d, probs, labels, n, k, dout[0] / n),
      });
    }),
    fcParams(),
  );
});

test('softmax CE gradient of the SUM over the batch is the backward with scale 1', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 2, max: 7 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (n, k, seed) => {
      const rng = new Rng(seed);
      const logits = randomArray(rng, n * k, -3, 3);
      const labels = randomLabels(rng, n, k);
      const probs = new Float32Array(n * k);
      const d = new Float32Array(n * k);
      assertGradients({
        name: 'softmax CE (sum)',
        seed,
        params: [{ name: 'logits', value: logits, grad: d }],
        forward: () => n * softmaxCrossEntropyForward(probs, logits, labels, n, k),
        backward: (dout) => softmaxCrossEntropyBackward(d, probs, labels, n, k, dout[0]),
      });
    }),
    fcParams(),
  );
});

test('each row of the softmax CE gradient sums to 0 and stays within ±scale', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 2, max: 12 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (n, k, seed) => {
      const rng = new Rng(seed);
      const logits = randomArray(rng, n * k, -8, 8);
      const labels = randomLabels(rng, n, k);
      const probs = new Float32Array(n * k);
      softmaxCrossEntropyForward(probs, logits, labels, n, k);
      const d = new Float32Array(n * k);
      softmaxCrossEntropyBackward(d, probs, labels, n, k, 1);
      for (let r = 0; r < n; r++) {
        let sum = 0;
        for (let j = 0; j < k; j++) {
          const g = d[r * k + j];
          assert.ok(Math.abs(g) <= 1, `|dz| = ${Math.abs(g)} > scale`);
          sum += g;
        }
        // Σ p − 1 with ≤ 12 float32 probabilities, each rounded by ≤ 6e−8 (and once more in the gradient)
        assert.ok(Math.abs(sum) < 2e-6, `row ${r} of the gradient sums to ${sum}`);
      }
    }),
    fcParams(),
  );
});

test('data-parallel shards with scale 1/(global batch) reproduce the full-batch gradient exactly', () => {
  const rng = new Rng(21);
  const n = 12;
  const k = 5;
  const logits = randomArray(rng, n * k, -4, 4);
  const labels = randomLabels(rng, n, k);
  const probs = new Float32Array(n * k);
  softmaxCrossEntropyForward(probs, logits, labels, n, k);
  const full = new Float32Array(n * k);
  softmaxCrossEntropyBackward(full, probs, labels, n, k);
  const sharded = new Float32Array(n * k);
  for (const [start, size] of [[0, 5], [5, 4], [9, 3]]) {
    softmaxCrossEntropyBackward(
      sharded.subarray(start * k),
      probs.subarray(start * k),
      labels.subarray(start),
      size,
      k,
      1 / n, // the GLOBAL batch, not the shard's 5, 4 or 3
    );
  }
  assert.deepEqual([...sharded], [...full]); // each row is computed by the same operations either way
});

test('labels outside [0, classes) are refused with their index and value, before anything is written', () => {
  const probs = new Float32Array(6).fill(7);
  const logits = new Float32Array(6);
  for (const [labels, pattern] of [
    [i32([0, 3]), /labels\[1\] = 3 is outside \[0, 3\)/],
    [i32([-1, 0]), /labels\[0\] = -1 is outside \[0, 3\)/],
    [i32([0]), /expected 2 labels.*got 1/],
  ] as const) {
    assert.throws(
      () => softmaxCrossEntropyForward(probs, logits, labels, 2, 3),
      (e: Error) => e instanceof ElunetError && pattern.test(e.message) && /softmaxCrossEntropy/.test(e.message),
    );
    assert.throws(() => softmaxCrossEntropyBackward(new Float32Array(6), probs, labels, 2, 3), ElunetError);
  }
  assert.deepEqual([...probs], [7, 7, 7, 7, 7, 7]);
});

// ---------------------------------------------------------------------------------------------------------
// Mean squared error
// ---------------------------------------------------------------------------------------------------------

test('MSE by hand: mean of squares; backward 2·(pred − target)/count, accumulating', () => {
  close(mseForward(f32([1, 2]), f32([0, 0]), 2), 2.5, 'MSE');
  close(mseForward(f32([1, 2, 9]), f32([1, 2, 0]), 2), 0, 'only the first count elements');
  const d = f32([10, 10]);
  mseBackward(d, f32([1, 2]), f32([0, 0]), 2);
  expectClose(d, [10 + 1, 10 + 2], { ...HAND, name: 'dpred' });
});

test('MSE is ≥ 0, and its gradient matches central differences', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (n, seed) => {
      const rng = new Rng(seed);
      const pred = randomArray(rng, n, -2, 2);
      const target = randomArray(rng, n, -2, 2);
      const d = new Float32Array(n);
      assert.ok(mseForward(pred, target, n) >= 0);
      assertGradients({
        name: 'mse',
        seed,
        params: [{ name: 'pred', value: pred, grad: d }],
        forward: () => mseForward(pred, target, n),
        backward: (dout) => mseBackward(d, pred, target, n, dout[0] / n),
      });
    }),
    fcParams(),
  );
});

// ---------------------------------------------------------------------------------------------------------
// Sigmoid cross-entropy
// ---------------------------------------------------------------------------------------------------------

test('sigmoid CE by hand: x = 0 gives ln 2 for any target; ±100 logits stay finite', () => {
  close(sigmoidCrossEntropyForward(f32([0, 0, 0]), f32([1, 0, 0.3]), 3), Math.LN2, 'x = 0');
  close(sigmoidCrossEntropyForward(f32([100]), f32([0]), 1), 100, 'confident and wrong (log(1 − σ(100)) = −∞ naively)');
  close(sigmoidCrossEntropyForward(f32([-100]), f32([1]), 1), 100, 'confident and wrong, other side');
  close(sigmoidCrossEntropyForward(f32([100, -100]), f32([1, 0]), 2), 0, 'confident and right');
  const d = new Float32Array(4);
  sigmoidCrossEntropyBackward(d, f32([0, 100, -100, 2]), f32([1, 0, 0, 0.5]), 4, 1);
  const s2 = 1 / (1 + Math.exp(-2));
  expectClose(d, [-0.5, 1, 0, s2 - 0.5], { ...HAND, name: 'σ(x) − t' });
  assert.ok(Number.isFinite(sigmoidCrossEntropyForward(f32([1e30, -1e30]), f32([0.5, 0.5]), 2)));
});

test('sigmoid CE equals the textbook −t·log σ − (1−t)·log(1−σ) where that is safe', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (n, seed) => {
      const rng = new Rng(seed);
      const x = randomArray(rng, n, -10, 10);
      const t = randomArray(rng, n, 0, 1);
      let naive = 0;
      for (let i = 0; i < n; i++) {
        const s = 1 / (1 + Math.exp(-x[i]));
        naive += -t[i] * Math.log(s) - (1 - t[i]) * Math.log(1 - s);
      }
      // |x| ≤ 10: 1 − σ(x) ≥ 4.5e−5 keeps ~11 of float64's 16 digits, so the naive sum is good to ~1e−11
      // relative; the stable form is exact to float64 rounding. tol 1e−9 is loose on both.
      close(sigmoidCrossEntropyForward(x, t, n), naive / n, 'stable vs naive', 1e-9);
    }),
    fcParams(),
  );
});

test('sigmoid CE gradient matches central differences', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (n, seed) => {
      const rng = new Rng(seed);
      const x = randomArray(rng, n, -4, 4);
      const t = randomArray(rng, n, 0, 1);
      const d = new Float32Array(n);
      assertGradients({
        name: 'sigmoid CE',
        seed,
        params: [{ name: 'logits', value: x, grad: d }],
        forward: () => sigmoidCrossEntropyForward(x, t, n),
        backward: (dout) => sigmoidCrossEntropyBackward(d, x, t, n, dout[0] / n),
      });
    }),
    fcParams(),
  );
});
