/**
 * Mean-centring (src/kernels/center.ts): hand-computed 2-D and 4-D cases, the running mean, eval against
 * train, the invariants of the forward and the backward, in-place use, gradients against finite
 * differences, accumulation, errors. The planted bugs are in planted-bugs.test.ts, the PyTorch numbers in
 * pytorch.test.ts (test/fixtures/center.json).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  centerBackward,
  centerForwardEval,
  centerForwardTrain,
  centerShape,
  centerUpdateRunning,
  type CenterShape,
} from '../src/kernels/center.js';
import { ShapeError } from '../src/errors.js';
import { Rng } from '../src/rng.js';
import { assertGradients, expectClose, fcParams, randomArray } from './util/check.js';

const f32 = (v: number[]) => Float32Array.from(v);

/** Per-channel means in float64, the slow way: every value of channel c is x[(n·C + c)·S + i]. */
function channelMeans(x: ArrayLike<number>, s: CenterShape): number[] {
  const out: number[] = [];
  for (let c = 0; c < s.c; c++) {
    let sum = 0;
    for (let n = 0; n < s.n; n++) for (let i = 0; i < s.spatial; i++) sum += x[(n * s.c + c) * s.spatial + i];
    out.push(sum / (s.n * s.spatial));
  }
  return out;
}

/** Random centring problems: 2-D (spatial 1) and 4-D (spatial = H·W up to 9). */
const centerCase = fc.record({
  n: fc.integer({ min: 1, max: 5 }),
  c: fc.integer({ min: 1, max: 4 }),
  spatial: fc.constantFrom(1, 1, 2, 4, 6, 9),
  seed: fc.integer({ min: 0, max: 1e6 }),
});

test('2-D batch (N=3, C=2): each column loses its own mean; the running mean moves by momentum', () => {
  // x = [[1, 10],     channel 0 holds {1, 2, 6}: mean 3    → y {−2, −1, 3}
  //      [2, 20],     channel 1 holds {10, 20, 60}: mean 30 → y {−20, −10, 30}
  //      [6, 60]]
  const s = centerShape({ n: 3, c: 2 });
  const y = new Float32Array(6);
  const mean = new Float32Array(2);
  centerForwardTrain(y, mean, f32([1, 10, 2, 20, 6, 60]), s);
  assert.deepEqual([...y], [-2, -20, -1, -10, 3, 30]);
  assert.deepEqual([...mean], [3, 30]);
  // runMean ← 0.9·runMean + 0.1·μ from PyTorch's initial 0: {0.3, 3}
  const runMean = f32([0, 0]);
  centerUpdateRunning(runMean, mean, s, 0.1);
  expectClose(runMean, [0.3, 3], { rtol: 1e-7, name: 'runMean' }); // one float32 rounding of 0.1·μ
  // eval subtracts the running mean, not the batch's: y = x − {0.3, 3}
  const yEval = new Float32Array(6);
  centerForwardEval(yEval, f32([1, 10, 2, 20, 6, 60]), runMean, s);
  expectClose(yEval, [0.7, 7, 1.7, 17, 5.7, 57], { rtol: 1e-7, name: 'eval' }); // float32 subtraction
  // backward: dx = dy − mean over the batch of dy, per column. dy = [[1, 0], [2, 0], [6, 3]]:
  // column 0 mean 3 → dx {−2, −1, 3}; column 1 mean 1 → dx {−1, −1, 2}
  const dx = new Float32Array(6);
  centerBackward(dx, f32([1, 0, 2, 0, 6, 3]), s);
  assert.deepEqual([...dx], [-2, -1, -1, -1, 3, 2]);
});

test('4-D batch (N=2, C=2, H·W=2): a channel gathers its values across samples and pixels', () => {
  // layout (n, c, s): x = [ n0c0: 1 3 | n0c1: 0 4 | n1c0: 5 7 | n1c1: 8 12 ]
  // channel 0 holds {1,3,5,7}: mean 4;  channel 1 holds {0,4,8,12}: mean 6
  const s = centerShape({ n: 2, c: 2, spatial: 2 });
  const y = new Float32Array(8);
  const mean = new Float32Array(2);
  centerForwardTrain(y, mean, f32([1, 3, 0, 4, 5, 7, 8, 12]), s);
  assert.deepEqual([...mean], [4, 6]);
  assert.deepEqual([...y], [-3, -1, -6, -2, 1, 3, 2, 6]);
});

test('the forward runs in place with the same result, and eval with the batch mean as running mean reproduces training', () => {
  fc.assert(
    fc.property(centerCase, (r) => {
      const s = centerShape(r);
      const x = randomArray(new Rng(r.seed), r.n * r.c * r.spatial, -3, 3);
      const y = new Float32Array(x.length);
      const mean = new Float32Array(r.c);
      centerForwardTrain(y, mean, x, s);
      const inPlace = Float32Array.from(x);
      centerForwardTrain(inPlace, new Float32Array(r.c), inPlace, s);
      assert.deepEqual([...inPlace], [...y]); // the same operations in the same order: the same bits
      const yEval = new Float32Array(x.length);
      centerForwardEval(yEval, x, mean, s);
      // training subtracts μ in float64, evaluation the float32 running value: |μ| ≤ 3 differs by ≤ 3·6e-8, and
      // y (|y| ≤ 6) is rounded to float32 once more on each side
      expectClose(yEval, y, { rtol: 0, atol: 1e-6, name: 'eval vs train' });
    }),
    fcParams(30),
  );
});

test('property: the output has per-channel mean 0 (to float32 rounding), even for a large offset', () => {
  fc.assert(
    fc.property(centerCase, fc.double({ min: -100, max: 100, noNaN: true }), (r, offset) => {
      const s = centerShape(r);
      const x = randomArray(new Rng(r.seed), r.n * r.c * r.spatial, -1, 1).map((v) => offset + v);
      const y = new Float32Array(x.length);
      const mean = new Float32Array(r.c);
      centerForwardTrain(y, mean, x, s);
      const exact = channelMeans(x, s);
      channelMeans(y, s).forEach((m, c) => {
        // μ is rounded to float32 (≤ 6e-8·|μ| ≤ 6e-6 for |μ| ≤ 101) and each y = x − μ once more: the mean of y
        // is within a few of those roundings of 0
        assert.ok(Math.abs(m) < 2e-5, `channel ${c}: mean of y ${m}`);
        assert.ok(Math.abs(mean[c] - exact[c]) <= 1e-7 * Math.abs(exact[c]) + 1e-12, `channel ${c}: mean ${mean[c]} vs ${exact[c]}`);
      });
    }),
    fcParams(40),
  );
});

test('property: dx has per-channel sum 0 (y ignores a shift of a channel), and the backward accumulates', () => {
  fc.assert(
    fc.property(centerCase, (r) => {
      const s = centerShape(r);
      const rng = new Rng(r.seed);
      const dy = randomArray(rng, r.n * r.c * r.spatial, -1, 1);
      const dx = new Float32Array(dy.length);
      centerBackward(dx, dy, s);
      // M values of size ≲ 2, each rounded once to float32: the sum stays within M·2·6e-8
      for (const m of channelMeans(dx, s)) assert.ok(Math.abs(m) < 2e-7, `mean of dx ${m}`);
      const pre = randomArray(rng, dy.length, -1, 1);
      const acc = Float32Array.from(pre);
      centerBackward(acc, dy, s);
      // acc = pre + dx up to one float32 rounding of each sum
      expectClose(acc, pre.map((v, i) => v + dx[i]), { rtol: 1e-6, atol: 1e-6, name: 'accumulated dx' });
    }),
    fcParams(30),
  );
});

test('property: the train-mode gradient matches finite differences (2-D and 4-D)', () => {
  fc.assert(
    fc.property(centerCase, (r) => {
      const s = centerShape(r);
      const x = randomArray(new Rng(r.seed), r.n * r.c * r.spatial, -2, 2);
      const dx = new Float32Array(x.length);
      const y = new Float32Array(x.length);
      const mean = new Float32Array(r.c);
      assertGradients({
        name: `center ${JSON.stringify(r)}`,
        params: [{ name: 'x', value: x, grad: dx }],
        forward: () => (centerForwardTrain(y, mean, x, s), y),
        backward: (dy) => centerBackward(dx, dy, s),
        seed: r.seed,
      });
    }),
    fcParams(30),
  );
});

test('a batch of one value per channel centres to zero, and its gradient vanishes', () => {
  // M = 1: y = x − x = 0 whatever x, so ∂y/∂x = 0; the formula gives dy − dy = 0
  const s = centerShape({ n: 1, c: 3 });
  const y = new Float32Array(3);
  centerForwardTrain(y, new Float32Array(3), f32([5, -2, 7]), s);
  assert.deepEqual([...y], [0, 0, 0]);
  const dx = new Float32Array(3);
  centerBackward(dx, f32([1, 2, 3]), s);
  assert.deepEqual([...dx], [0, 0, 0]);
});

test('errors: bad shapes name the argument', () => {
  assert.throws(() => centerShape({ n: 0, c: 1 }), (e: Error) => e instanceof ShapeError && /center: n \(batch size\) must be an integer ≥ 1, got 0/.test(e.message));
  assert.throws(() => centerShape({ n: 2, c: 0 }), (e: Error) => e instanceof ShapeError && /center: c \(channels\)/.test(e.message));
  assert.throws(() => centerShape({ n: 2, c: 1, spatial: 1.5 }), (e: Error) => e instanceof ShapeError && /spatial \(H·W for 4-D input/.test(e.message));
  assert.deepEqual(centerShape({ n: 3, c: 2 }), { n: 3, c: 2, spatial: 1 }); // 2-D input by default
});
