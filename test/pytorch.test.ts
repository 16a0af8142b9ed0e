/**
 * Third test tier: elunet's float32 kernels against PyTorch float64 reference numbers.
 *
 * The fixtures in test/fixtures/<op>.json were written by scripts/make-fixtures.py (see docs/testing.md):
 * every input there is float32-exact, so both sides start from the same numbers, and every gradient is
 * PyTorch autograd's gradient of Σ dy·y for a random upstream gradient dy. Each case runs forward, then the
 * backward functions into ZEROED gradient buffers (the accumulate-not-overwrite rule is proved by the
 * property tests, which pre-fill the buffers), and compares every output and every gradient.
 *
 * Tolerance, for every comparison below:  |got − ref| ≤ ATOL_REL·max|ref| + RTOL·|ref|
 *  - RTOL = 1e-4. float32 rounds each stored value to ~6e-8 relative. Our kernels sum in float64 and round
 *    once (or once per block), but a kernel that summed in float32 over K terms would drift by about
 *    √K·6e-8 (random walk) up to K·6e-8 (worst case); with K ≤ ~10³ here (conv: C·KH·KW ≤ 144 taps forward,
 *    N·OH·OW ≤ 128 for dw; dense: 200 inputs; matmul: k = 300) that is ≤ 6e-5, still inside 1e-4.
 *  - ATOL_REL = 1e-5 of the array's largest magnitude: an element that is nearly zero because its terms
 *    cancel keeps the absolute rounding error of those terms (~6e-8·K·|term|), which no relative test can
 *    accept. 1e-5·max stays far below any real bug: a flipped sign, a wrong index or a missing term moves
 *    an element by a sizeable fraction of the array's scale (≥ 1e-2·max in practice).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { expectClose } from './util/check.js';
import { Rng } from '../src/rng.js';
import {
  alphaDropoutBackward,
  alphaDropoutCoefficients,
  alphaDropoutForward,
  avgPoolBackward,
  avgPoolForward,
  batchNormBackward,
  batchNormBackwardEval,
  batchNormForwardEval,
  batchNormForwardTrain,
  batchNormUpdateRunning,
  centerBackward,
  centerForwardEval,
  centerForwardTrain,
  centerUpdateRunning,
  conv2dBackwardInput,
  conv2dBackwardInputNaive,
  conv2dBackwardParams,
  conv2dBackwardParamsNaive,
  conv2dForward,
  conv2dForwardNaive,
  conv2dShape,
  conv2dWorkspaceSize,
  denseBackwardInput,
  denseBackwardInputNaive,
  denseBackwardParams,
  denseBackwardParamsNaive,
  denseForward,
  denseForwardNaive,
  denseShape,
  dropoutBackward,
  dropoutForward,
  eluBackward,
  identityBackward,
  eluForward,
  leakyReluBackward,
  leakyReluForward,
  matmul,
  matmulNaive,
  matmulShape,
  maxPoolBackward,
  maxPoolForward,
  mseBackward,
  mseForward,
  poolShape,
  preluBackward,
  preluForward,
  reluBackward,
  reluForward,
  seluBackward,
  seluForward,
  shiftedReluBackward,
  shiftedReluForward,
  sigmoidCrossEntropyBackward,
  sigmoidCrossEntropyForward,
  softmaxCrossEntropyBackward,
  softmaxCrossEntropyForward,
  sppBackward,
  sppForward,
  sppShape,
  type MatmulShape,
} from '../src/kernels/index.js';

// ---- tolerances (see the header for the reasoning) ----
const RTOL = 1e-4;
const ATOL_REL = 1e-5;

// ---- fixtures ----
interface Tensor {
  shape: number[];
  data: number[];
}
interface Case<P> {
  name: string;
  params: P;
  tensors: Record<string, Tensor>;
  /** scalar loss, for the loss fixtures */
  loss?: number;
}
interface Fixture<P> {
  op: string;
  generator: string;
  torch: string;
  cases: Case<P>[];
}

/** The package root: the first folder at or above this file's folder that holds package.json. */
function packageRoot(): string {
  let dir = fileURLToPath(new URL('.', import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`pytorch.test: no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}
const FIXTURE_DIR = join(packageRoot(), 'test', 'fixtures');
const FIXTURE_OPS = ['matmul', 'conv2d', 'pool', 'spp', 'dense', 'activations', 'dropout', 'batchnorm', 'center', 'losses'];

function load<P>(op: string): Fixture<P> {
  const path = join(FIXTURE_DIR, `${op}.json`);
  if (!existsSync(path)) {
    throw new Error(`pytorch.test: missing fixture ${path}; regenerate with /usr/bin/python3 scripts/make-fixtures.py`);
  }
  return JSON.parse(readFileSync(path, 'utf8')) as Fixture<P>;
}

function tensor(c: Case<unknown>, key: string): Tensor {
  const t = c.tensors[key];
  if (!t) throw new Error(`fixture case "${c.name}" has no tensor "${key}"`);
  return t;
}
/** An input, as the float32 array our kernels take. */
const f32 = (c: Case<unknown>, key: string): Float32Array => Float32Array.from(tensor(c, key).data);
const i32 = (c: Case<unknown>, key: string): Int32Array => Int32Array.from(tensor(c, key).data);
/** A reference output, kept in float64. */
const ref = (c: Case<unknown>, key: string): number[] => tensor(c, key).data;
const size = (c: Case<unknown>, key: string): number => tensor(c, key).data.length;

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** Holds `got` to the PyTorch numbers with the tolerance explained in the header. (The 1e-30 only keeps the
 *  bound positive for an all-zero reference, where the kernel must then give exact zeros: it only adds zeros.) */
function close(got: ArrayLike<number>, expected: ArrayLike<number>, label: string): void {
  expectClose(got, expected, { rtol: RTOL, atol: ATOL_REL * maxAbs(expected) + 1e-30, name: label });
}
function closeTo(got: ArrayLike<number>, c: Case<unknown>, key: string, prefix: string): void {
  close(got, ref(c, key), `${prefix}: ${key}`);
}

// ---------------------------------------------------------------------------------------------------------
// Fixture sanity: the files exist, name their generator, and hold float32-exact inputs.
// ---------------------------------------------------------------------------------------------------------
test('pytorch fixtures: every file exists, names its generator, and has uniquely named cases', () => {
  for (const op of FIXTURE_OPS) {
    const fx = load<unknown>(op);
    assert.equal(fx.op, op);
    assert.equal(fx.generator, 'scripts/make-fixtures.py');
    assert.ok(fx.cases.length >= 3, `${op}: only ${fx.cases.length} cases`);
    const names = new Set(fx.cases.map((c) => c.name));
    assert.equal(names.size, fx.cases.length, `${op}: duplicate case names`);
    for (const c of fx.cases) {
      for (const [key, t] of Object.entries(c.tensors)) {
        const n = t.shape.reduce((a, b) => a * b, 1);
        assert.equal(t.data.length, n, `${op}/${c.name}: tensor ${key} has ${t.data.length} values for shape [${t.shape}]`);
      }
    }
  }
});

// ---------------------------------------------------------------------------------------------------------
// matmul: C = op(A)·op(B), and the two products that give its gradients, in every transpose combination
// ---------------------------------------------------------------------------------------------------------
interface MatmulParams {
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
}
type Matmul = (c: Float32Array, a: Float32Array, b: Float32Array, s: MatmulShape) => void;

for (const c of load<MatmulParams>('matmul').cases) {
  const { m, n, k, transA, transB } = c.params;
  for (const [variant, mm] of [['fast', matmul], ['naive', matmulNaive]] as [string, Matmul][]) {
    test(`pytorch matmul (${variant}): ${c.name}`, () => {
      const P = `matmul (${variant}) ${c.name}`;
      const a = f32(c, 'a');
      const b = f32(c, 'b');
      const dc = f32(c, 'dc');
      const out = new Float32Array(m * n);
      mm(out, a, b, matmulShape({ m, n, k, transA, transB }));
      closeTo(out, c, 'c', P);

      // dA (as stored): dC·op(B)ᵀ (m×k), or its transpose op(B)·dCᵀ (k×m) when A is stored transposed
      const da = new Float32Array(m * k);
      if (!transA) mm(da, dc, b, matmulShape({ m, n: k, k: n, transB: !transB, accumulate: true }));
      else mm(da, b, dc, matmulShape({ m: k, n: m, k: n, transA: transB, transB: true, accumulate: true }));
      closeTo(da, c, 'da', P);

      // dB (as stored): op(A)ᵀ·dC (k×n), or its transpose dCᵀ·op(A) (n×k) when B is stored transposed
      const db = new Float32Array(k * n);
      if (!transB) mm(db, a, dc, matmulShape({ m: k, n, k: m, transA: !transA, accumulate: true }));
      else mm(db, dc, a, matmulShape({ m: n, n: k, k: m, transA: true, transB: transA, accumulate: true }));
      closeTo(db, c, 'db', P);
    });
  }

  test(`pytorch matmul (fast, offsets + accumulate onto random C): ${c.name}`, () => {
    // The same product with every matrix placed at an offset inside a larger array, and C pre-filled:
    // the result must be prefill + op(A)·op(B), and nothing outside C's block may change.
    const rng = new Rng(m * 10007 + n * 101 + k);
    const a0 = f32(c, 'a');
    const b0 = f32(c, 'b');
    const [aOffset, bOffset, cOffset] = [3, 5, 7];
    const a = new Float32Array(aOffset + a0.length + 2).fill(NaN);
    const b = new Float32Array(bOffset + b0.length + 2).fill(NaN);
    a.set(a0, aOffset);
    b.set(b0, bOffset);
    const out = new Float32Array(cOffset + m * n + 4);
    for (let i = 0; i < out.length; i++) out[i] = rng.normal();
    const before = out.slice();
    matmul(out, a, b, matmulShape({ m, n, k, transA, transB, accumulate: true, aOffset, bOffset, cOffset }));
    const expected = ref(c, 'c').map((v, i) => v + before[cOffset + i]);
    close(out.subarray(cOffset, cOffset + m * n), expected, `matmul offsets ${c.name}: prefill + c`);
    assert.deepEqual(out.subarray(0, cOffset), before.subarray(0, cOffset), 'matmul wrote before cOffset');
    assert.deepEqual(out.subarray(cOffset + m * n), before.subarray(cOffset + m * n), 'matmul wrote past C');
  });
}

// ---------------------------------------------------------------------------------------------------------
// conv2d: fast (im2col + matmul) and naive (seven loops), forward and both backward functions
// ---------------------------------------------------------------------------------------------------------
type Pad = number | 'same' | 'valid' | { top: number; bottom: number; left: number; right: number };
interface ConvParams {
  n: number;
  c: number;
  h: number;
  w: number;
  oc: number;
  kh: number;
  kw: number;
  stride: number;
  pad: Pad;
  padResolved: { top: number; bottom: number; left: number; right: number };
  oh: number;
  ow: number;
  bias: boolean;
}

for (const c of load<ConvParams>('conv2d').cases) {
  const p = c.params;
  for (const variant of ['fast', 'naive'] as const) {
    test(`pytorch conv2d (${variant}): ${c.name}`, () => {
      const P = `conv2d (${variant}) ${c.name}`;
      const s = conv2dShape({ n: p.n, c: p.c, h: p.h, w: p.w, oc: p.oc, kh: p.kh, kw: p.kw, stride: p.stride, pad: p.pad });
      const r = p.padResolved;
      assert.deepEqual(
        [s.padTop, s.padBottom, s.padLeft, s.padRight, s.oh, s.ow],
        [r.top, r.bottom, r.left, r.right, p.oh, p.ow],
        `${P}: conv2dShape resolved pad ${JSON.stringify(p.pad)} to the wrong padding or output size`,
      );
      const x = f32(c, 'x');
      const w = f32(c, 'w');
      const b = p.bias ? f32(c, 'b') : null;
      const dy = f32(c, 'dy');
      const y = new Float32Array(size(c, 'y'));
      const dx = new Float32Array(x.length);
      const dw = new Float32Array(w.length);
      const db = p.bias ? new Float32Array(p.oc) : null;
      if (variant === 'fast') {
        const ws = new Float32Array(conv2dWorkspaceSize(s));
        conv2dForward(y, x, w, b, s, ws);
        conv2dBackwardInput(dx, dy, w, s, ws);
        conv2dBackwardParams(dw, db, dy, x, s, ws);
      } else {
        conv2dForwardNaive(y, x, w, b, s);
        conv2dBackwardInputNaive(dx, dy, w, s);
        conv2dBackwardParamsNaive(dw, db, dy, x, s);
      }
      closeTo(y, c, 'y', P);
      closeTo(dx, c, 'dx', P);
      closeTo(dw, c, 'dw', P);
      if (db) closeTo(db, c, 'db', P);
    });
  }
}

// ---------------------------------------------------------------------------------------------------------
// pooling: max (with the chosen indices) and average (count_include_pad)
// ---------------------------------------------------------------------------------------------------------
interface PoolParams {
  kind: 'max' | 'avg';
  n: number;
  c: number;
  h: number;
  w: number;
  k: number;
  stride: number;
  pad: number;
  oh: number;
  ow: number;
}

for (const c of load<PoolParams>('pool').cases) {
  const p = c.params;
  test(`pytorch pool: ${c.name}`, () => {
    const P = `pool ${c.name}`;
    const s = poolShape({ n: p.n, c: p.c, h: p.h, w: p.w, k: p.k, stride: p.stride, pad: p.pad });
    assert.deepEqual([s.oh, s.ow], [p.oh, p.ow], `${P}: output size`);
    const x = f32(c, 'x');
    const dy = f32(c, 'dy');
    const y = new Float32Array(size(c, 'y'));
    const dx = new Float32Array(x.length);
    if (p.kind === 'max') {
      const argmax = new Int32Array(y.length);
      maxPoolForward(y, argmax, x, s);
      // the inputs are all distinct, so the chosen element is unique and must be PyTorch's
      assert.deepEqual(Array.from(argmax), ref(c, 'argmax'), `${P}: argmax`);
      maxPoolBackward(dx, dy, argmax, s);
    } else {
      avgPoolForward(y, x, s);
      avgPoolBackward(dx, dy, s);
    }
    closeTo(y, c, 'y', P);
    closeTo(dx, c, 'dx', P);
  });
}

// ---------------------------------------------------------------------------------------------------------
// spatial pyramid pooling: adaptive max pooling per level, concatenated per sample
// ---------------------------------------------------------------------------------------------------------
interface SppParams {
  n: number;
  c: number;
  h: number;
  w: number;
  levels: number[];
  outPerSample: number;
}

for (const c of load<SppParams>('spp').cases) {
  const p = c.params;
  test(`pytorch spp: ${c.name}`, () => {
    const P = `spp ${c.name}`;
    const s = sppShape({ n: p.n, c: p.c, h: p.h, w: p.w, levels: p.levels });
    assert.equal(s.outPerSample, p.outPerSample, `${P}: outPerSample`);
    const x = f32(c, 'x');
    const y = new Float32Array(p.n * p.outPerSample);
    const argmax = new Int32Array(y.length);
    sppForward(y, argmax, x, s);
    assert.deepEqual(Array.from(argmax), ref(c, 'argmax'), `${P}: argmax`);
    closeTo(y, c, 'y', P);
    const dx = new Float32Array(x.length);
    sppBackward(dx, f32(c, 'dy'), argmax, s);
    closeTo(dx, c, 'dx', P);
  });
}

// ---------------------------------------------------------------------------------------------------------
// dense: y = x·Wᵀ + b, fast (through matmul) and naive
// ---------------------------------------------------------------------------------------------------------
interface DenseParams {
  n: number;
  inFeatures: number;
  outFeatures: number;
  bias: boolean;
}

const denseVariants = {
  fast: { forward: denseForward, backwardInput: denseBackwardInput, backwardParams: denseBackwardParams },
  naive: { forward: denseForwardNaive, backwardInput: denseBackwardInputNaive, backwardParams: denseBackwardParamsNaive },
};

for (const c of load<DenseParams>('dense').cases) {
  const p = c.params;
  for (const [variant, k] of Object.entries(denseVariants)) {
    test(`pytorch dense (${variant}): ${c.name}`, () => {
      const P = `dense (${variant}) ${c.name}`;
      const s = denseShape({ n: p.n, inFeatures: p.inFeatures, outFeatures: p.outFeatures });
      const x = f32(c, 'x');
      const w = f32(c, 'w');
      const b = p.bias ? f32(c, 'b') : null;
      const dy = f32(c, 'dy');
      const y = new Float32Array(p.n * p.outFeatures);
      k.forward(y, x, w, b, s);
      closeTo(y, c, 'y', P);
      const dx = new Float32Array(x.length);
      const dw = new Float32Array(w.length);
      const db = p.bias ? new Float32Array(p.outFeatures) : null;
      k.backwardInput(dx, dy, w, s);
      k.backwardParams(dw, db, dy, x, s);
      closeTo(dx, c, 'dx', P);
      closeTo(dw, c, 'dw', P);
      if (db) closeTo(db, c, 'db', P);
    });
  }
}

// ---------------------------------------------------------------------------------------------------------
// activations: elementwise ones (also run in place, y === x, as the contract allows) and PReLU
// ---------------------------------------------------------------------------------------------------------
interface ActParams {
  op: 'elu' | 'relu' | 'leaky-relu' | 'shifted-relu' | 'selu' | 'prelu';
  count?: number;
  alpha?: number;
  slope?: number;
  n?: number;
  c?: number;
  spatial?: number;
}

/** forward(y, x, count) and backward(dx, dy, y, count) of one elementwise activation with its parameter bound. */
function elementwise(p: ActParams): {
  forward: (y: Float32Array, x: Float32Array, count: number) => void;
  backward: (dx: Float32Array, dy: Float32Array, y: Float32Array, count: number) => void;
} {
  switch (p.op) {
    case 'elu':
      return {
        forward: (y, x, n) => eluForward(y, x, p.alpha!, n),
        backward: (dx, dy, y, n) => eluBackward(dx, dy, y, p.alpha!, n),
      };
    case 'relu':
      return { forward: reluForward, backward: reluBackward };
    case 'leaky-relu':
      return {
        forward: (y, x, n) => leakyReluForward(y, x, p.slope!, n),
        backward: (dx, dy, y, n) => leakyReluBackward(dx, dy, y, p.slope!, n),
      };
    case 'shifted-relu':
      return { forward: shiftedReluForward, backward: shiftedReluBackward };
    case 'selu':
      return { forward: seluForward, backward: seluBackward };
    case 'prelu':
      throw new Error('prelu is not elementwise');
  }
}

for (const c of load<ActParams>('activations').cases) {
  const p = c.params;
  test(`pytorch activation: ${c.name}`, () => {
    const P = `activation ${c.name}`;
    const x = f32(c, 'x');
    const dy = f32(c, 'dy');
    const y = new Float32Array(x.length);
    const dx = new Float32Array(x.length);
    if (p.op === 'prelu') {
      const a = f32(c, 'a');
      const s = { n: p.n!, c: p.c!, spatial: p.spatial! };
      const da = new Float32Array(a.length);
      preluForward(y, x, a, s);
      preluBackward(dx, da, dy, x, a, s);
      closeTo(y, c, 'y', P);
      closeTo(dx, c, 'dx', P);
      closeTo(da, c, 'da', P);
      return;
    }
    const { forward, backward } = elementwise(p);
    forward(y, x, x.length);
    closeTo(y, c, 'y', P);
    backward(dx, dy, y, x.length);
    closeTo(dx, c, 'dx', P);
    const inPlace = x.slice();
    forward(inPlace, inPlace, inPlace.length);
    close(inPlace, ref(c, 'y'), `${P}: y computed in place (y === x)`);
  });
}

// ---------------------------------------------------------------------------------------------------------
// dropout (inverted, fixed mask) and alpha-dropout (fixed keep mask)
// ---------------------------------------------------------------------------------------------------------
interface DropoutParams {
  kind: 'dropout' | 'alpha-dropout';
  rate: number;
  count: number;
  a?: number;
  b?: number;
  alphaPrime?: number;
}

for (const c of load<DropoutParams>('dropout').cases) {
  const p = c.params;
  test(`pytorch ${c.name}`, () => {
    const P = c.name;
    const x = f32(c, 'x');
    const dy = f32(c, 'dy');
    const keep = ref(c, 'keep');
    const y = new Float32Array(p.count);
    const dx = new Float32Array(p.count);
    if (p.kind === 'dropout') {
      const mask = Float32Array.from(keep, (k) => (k ? 1 / (1 - p.rate) : 0)); // what dropoutMask writes
      dropoutForward(y, x, mask, p.count);
      dropoutBackward(dx, dy, mask, p.count);
    } else {
      const coef = alphaDropoutCoefficients(p.rate);
      // both sides evaluate the same closed form in float64: only the last bits may differ
      close([coef.a, coef.b, coef.alphaPrime], [p.a!, p.b!, p.alphaPrime!], `${P}: coefficients a, b, α′`);
      const keepMask = Uint8Array.from(keep);
      alphaDropoutForward(y, x, keepMask, p.rate, p.count);
      alphaDropoutBackward(dx, dy, keepMask, p.rate, p.count);
    }
    closeTo(y, c, 'y', P);
    closeTo(dx, c, 'dx', P);
  });
}

// ---------------------------------------------------------------------------------------------------------
// batch norm: training forward (batch statistics), running-statistics update, backward; eval forward
// ---------------------------------------------------------------------------------------------------------
interface BnParams {
  mode: 'train' | 'eval';
  n: number;
  c: number;
  spatial: number;
  eps: number;
  momentum?: number;
}

for (const c of load<BnParams>('batchnorm').cases) {
  const p = c.params;
  test(`pytorch batchnorm: ${c.name}`, () => {
    const P = `batchnorm ${c.name}`;
    const s = { n: p.n, c: p.c, spatial: p.spatial };
    const x = f32(c, 'x');
    const gamma = f32(c, 'gamma');
    const beta = f32(c, 'beta');
    const y = new Float32Array(x.length);
    if (p.mode === 'eval') {
      batchNormForwardEval(y, x, gamma, beta, f32(c, 'runMean'), f32(c, 'runVar'), s, p.eps);
      closeTo(y, c, 'y', P);
      if (!c.tensors.dy) return;
      const [dx, dgamma, dbeta] = [new Float32Array(x.length), new Float32Array(p.c), new Float32Array(p.c)];
      batchNormBackwardEval(dx, dgamma, dbeta, f32(c, 'dy'), x, gamma, f32(c, 'runMean'), f32(c, 'runVar'), s, p.eps);
      closeTo(dx, c, 'dx', P);
      closeTo(dgamma, c, 'dgamma', P);
      closeTo(dbeta, c, 'dbeta', P);
      return;
    }
    const xhat = new Float32Array(x.length);
    const mean = new Float32Array(p.c);
    const invStd = new Float32Array(p.c);
    batchNormForwardTrain(y, xhat, mean, invStd, x, gamma, beta, s, p.eps);
    closeTo(y, c, 'y', P);
    closeTo(xhat, c, 'xhat', P);
    closeTo(mean, c, 'mean', P);
    closeTo(invStd, c, 'invStd', P);

    const runMean = f32(c, 'runMean0');
    const runVar = f32(c, 'runVar0');
    batchNormUpdateRunning(runMean, runVar, mean, invStd, s, p.momentum!, p.eps);
    closeTo(runMean, c, 'runMean', P);
    closeTo(runVar, c, 'runVar', P);

    const dx = new Float32Array(x.length);
    const dgamma = new Float32Array(p.c);
    const dbeta = new Float32Array(p.c);
    batchNormBackward(dx, dgamma, dbeta, f32(c, 'dy'), xhat, invStd, gamma, s);
    closeTo(dx, c, 'dx', P);
    closeTo(dgamma, c, 'dgamma', P);
    closeTo(dbeta, c, 'dbeta', P);
  });
}

// ---------------------------------------------------------------------------------------------------------
// mean-centring: training forward (batch mean), running-mean update, backward; eval forward and backward
// ---------------------------------------------------------------------------------------------------------
interface CenterParams {
  mode: 'train' | 'eval';
  n: number;
  c: number;
  spatial: number;
  momentum?: number;
}

for (const c of load<CenterParams>('center').cases) {
  const p = c.params;
  test(`pytorch center: ${c.name}`, () => {
    const P = `center ${c.name}`;
    const s = { n: p.n, c: p.c, spatial: p.spatial };
    const x = f32(c, 'x');
    const y = new Float32Array(x.length);
    const dx = new Float32Array(x.length);
    if (p.mode === 'eval') {
      centerForwardEval(y, x, f32(c, 'runMean'), s);
      identityBackward(dx, f32(c, 'dy'), x.length); // what the layer's eval-mode backward calls
    } else {
      const mean = new Float32Array(p.c);
      centerForwardTrain(y, mean, x, s);
      closeTo(mean, c, 'mean', P);
      const runMean = f32(c, 'runMean0');
      centerUpdateRunning(runMean, mean, s, p.momentum!);
      closeTo(runMean, c, 'runMean', P);
      centerBackward(dx, f32(c, 'dy'), s);
    }
    closeTo(y, c, 'y', P);
    closeTo(dx, c, 'dx', P);
  });
}

// ---------------------------------------------------------------------------------------------------------
// losses (mean over the batch). The stored gradient is dy·dL/dinput for a scalar dy, which is exactly
// what the backward's `scale` argument expresses: scale = dy / n.
// ---------------------------------------------------------------------------------------------------------
interface LossParams {
  loss: 'softmax-ce' | 'mse' | 'bce-logits';
  dy: number;
  n?: number;
  classes?: number;
  count?: number;
}

for (const c of load<LossParams>('losses').cases) {
  const p = c.params;
  test(`pytorch loss: ${c.name}`, () => {
    const P = `loss ${c.name}`;
    let loss: number;
    let grad: Float32Array;
    let gradDefault: Float32Array; // with the default scale (1/n): the plain gradient of the mean
    let gradKey: string;
    switch (p.loss) {
      case 'softmax-ce': {
        const { n, classes } = p as Required<LossParams>;
        const logits = f32(c, 'logits');
        const labels = i32(c, 'labels');
        const probs = new Float32Array(logits.length);
        loss = softmaxCrossEntropyForward(probs, logits, labels, n, classes);
        closeTo(probs, c, 'probs', P);
        grad = new Float32Array(logits.length);
        softmaxCrossEntropyBackward(grad, probs, labels, n, classes, p.dy / n);
        gradDefault = new Float32Array(logits.length);
        softmaxCrossEntropyBackward(gradDefault, probs, labels, n, classes);
        gradKey = 'dlogits';
        break;
      }
      case 'mse': {
        const count = p.count!;
        const pred = f32(c, 'pred');
        const target = f32(c, 'target');
        loss = mseForward(pred, target, count);
        grad = new Float32Array(count);
        mseBackward(grad, pred, target, count, p.dy / count);
        gradDefault = new Float32Array(count);
        mseBackward(gradDefault, pred, target, count);
        gradKey = 'dpred';
        break;
      }
      case 'bce-logits': {
        const count = p.count!;
        const logits = f32(c, 'logits');
        const target = f32(c, 'target');
        loss = sigmoidCrossEntropyForward(logits, target, count);
        grad = new Float32Array(count);
        sigmoidCrossEntropyBackward(grad, logits, target, count, p.dy / count);
        gradDefault = new Float32Array(count);
        sigmoidCrossEntropyBackward(gradDefault, logits, target, count);
        gradKey = 'dlogits';
        break;
      }
    }
    close([loss], [c.loss!], `${P}: loss`);
    closeTo(grad, c, gradKey, P);
    close(gradDefault, ref(c, gradKey).map((v) => v / p.dy), `${P}: ${gradKey} with the default scale`);
  });
}
