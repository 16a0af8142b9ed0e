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
 *
 * Every kernel runs through each kernel set (test/util/kernel-sets.ts: the TypeScript kernels and the
 * WebAssembly SIMD ones, whose float32 sums the RTOL above already budgets for), with its arrays from the
 * set's allocator; the naive references of matmul, conv2d and dense run too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { expectClose } from './util/check.js';
import { Rng } from '../src/rng.js';
import {
  alphaDropoutCoefficients,
  conv2dBackwardInputNaive,
  conv2dBackwardParamsNaive,
  conv2dForwardNaive,
  conv2dShape,
  denseBackwardInputNaive,
  denseBackwardParamsNaive,
  denseForwardNaive,
  denseShape,
  matmulNaive,
  matmulShape,
  poolShape,
  sppShape,
  type ActivationName,
  type KernelSet,
  type MatmulShape,
} from '../src/kernels/index.js';
import { KERNEL_SETS, type TestKernels } from './util/kernel-sets.js';

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
/** An input, as the float32 array the kernels of `k` take (a copy into its memory). */
function f32(k: KernelSet, c: Case<unknown>, key: string): Float32Array {
  const a = k.alloc.f32(size(c, key));
  a.set(tensor(c, key).data);
  return a;
}
function i32(k: KernelSet, c: Case<unknown>, key: string): Int32Array {
  const a = k.alloc.i32(size(c, key));
  a.set(tensor(c, key).data);
  return a;
}
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


/** One test per kernel set (skipped, with the reason, where the set cannot run). */
function eachSet(name: string, fn: (ks: TestKernels, k: KernelSet) => void): void {
  for (const ks of KERNEL_SETS) test(`pytorch ${name} (${ks.name})`, { skip: ks.skip }, () => fn(ks, ks.k));
}

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

/** The product and its two gradient products with `mm`, arrays from `k`. */
function matmulCase(c: Case<MatmulParams>, mm: Matmul, k: KernelSet, P: string): void {
  const { m, n, k: kk, transA, transB } = c.params;
  const a = f32(k, c, 'a');
  const b = f32(k, c, 'b');
  const dc = f32(k, c, 'dc');
  const out = k.alloc.f32(m * n);
  mm(out, a, b, matmulShape({ m, n, k: kk, transA, transB }));
  closeTo(out, c, 'c', P);

  // dA (as stored): dC·op(B)ᵀ (m×k), or its transpose op(B)·dCᵀ (k×m) when A is stored transposed
  const da = k.alloc.f32(m * kk);
  if (!transA) mm(da, dc, b, matmulShape({ m, n: kk, k: n, transB: !transB, accumulate: true }));
  else mm(da, b, dc, matmulShape({ m: kk, n: m, k: n, transA: transB, transB: true, accumulate: true }));
  closeTo(da, c, 'da', P);

  // dB (as stored): op(A)ᵀ·dC (k×n), or its transpose dCᵀ·op(A) (n×k) when B is stored transposed
  const db = k.alloc.f32(kk * n);
  if (!transB) mm(db, a, dc, matmulShape({ m: kk, n, k: m, transA: !transA, accumulate: true }));
  else mm(db, dc, a, matmulShape({ m: n, n: kk, k: m, transA: true, transB: transA, accumulate: true }));
  closeTo(db, c, 'db', P);
}

for (const c of load<MatmulParams>('matmul').cases) {
  const { m, n, k: kk, transA, transB } = c.params;
  test(`pytorch matmul (naive): ${c.name}`, () => matmulCase(c, matmulNaive, KERNEL_SETS[0].k, `matmul (naive) ${c.name}`));
  eachSet(`matmul: ${c.name}`, (ks, k) => matmulCase(c, ks.matmul, k, `matmul (${ks.name}) ${c.name}`));

  eachSet(`matmul (offsets + accumulate onto random C): ${c.name}`, (ks, k) => {
    // The same product with every matrix placed at an offset inside a larger array, and C pre-filled:
    // the result must be prefill + op(A)·op(B), and nothing outside C's block may change.
    const rng = new Rng(m * 10007 + n * 101 + kk);
    const a0 = tensor(c, 'a').data;
    const b0 = tensor(c, 'b').data;
    const [aOffset, bOffset, cOffset] = [3, 5, 7];
    const a = k.alloc.f32(aOffset + a0.length + 2).fill(NaN);
    const b = k.alloc.f32(bOffset + b0.length + 2).fill(NaN);
    a.set(a0, aOffset);
    b.set(b0, bOffset);
    const out = k.alloc.f32(cOffset + m * n + 4);
    for (let i = 0; i < out.length; i++) out[i] = rng.normal();
    const before = out.slice();
    ks.matmul(out, a, b, matmulShape({ m, n, k: kk, transA, transB, accumulate: true, aOffset, bOffset, cOffset }));
    const expected = ref(c, 'c').map((v, i) => v + before[cOffset + i]);
    close(out.subarray(cOffset, cOffset + m * n), expected, `matmul offsets ${c.name}: prefill + c`);
    assert.deepEqual(out.subarray(0, cOffset), before.subarray(0, cOffset), 'matmul wrote before cOffset');
    assert.deepEqual(out.subarray(cOffset + m * n), before.subarray(cOffset + m * n), 'matmul wrote past C');
  });
}

// ---------------------------------------------------------------------------------------------------------
// conv2d: each set's fast passes (im2col + matmul) and the naive seven loops, forward and both backward
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

function convCase(c: Case<ConvParams>, k: KernelSet, naive: boolean, P: string): void {
  const p = c.params;
  const s = conv2dShape({ n: p.n, c: p.c, h: p.h, w: p.w, oc: p.oc, kh: p.kh, kw: p.kw, stride: p.stride, pad: p.pad });
  const r = p.padResolved;
  assert.deepEqual(
    [s.padTop, s.padBottom, s.padLeft, s.padRight, s.oh, s.ow],
    [r.top, r.bottom, r.left, r.right, p.oh, p.ow],
    `${P}: conv2dShape resolved pad ${JSON.stringify(p.pad)} to the wrong padding or output size`,
  );
  const x = f32(k, c, 'x');
  const w = f32(k, c, 'w');
  const b = p.bias ? f32(k, c, 'b') : null;
  const dy = f32(k, c, 'dy');
  const y = k.alloc.f32(size(c, 'y'));
  const dx = k.alloc.f32(x.length);
  const dw = k.alloc.f32(w.length);
  const db = p.bias ? k.alloc.f32(p.oc) : null;
  if (naive) {
    conv2dForwardNaive(y, x, w, b, s);
    conv2dBackwardInputNaive(dx, dy, w, s);
    conv2dBackwardParamsNaive(dw, db, dy, x, s);
  } else {
    const ws = k.alloc.f32(k.conv2dWorkspaceSize(s));
    k.conv2dForward(y, x, w, b, s, ws);
    k.conv2dBackwardInput(dx, dy, w, s, ws);
    k.conv2dBackwardParams(dw, db, dy, x, s, ws);
  }
  closeTo(y, c, 'y', P);
  closeTo(dx, c, 'dx', P);
  closeTo(dw, c, 'dw', P);
  if (db) closeTo(db, c, 'db', P);
}

for (const c of load<ConvParams>('conv2d').cases) {
  test(`pytorch conv2d (naive): ${c.name}`, () => convCase(c, KERNEL_SETS[0].k, true, `conv2d (naive) ${c.name}`));
  eachSet(`conv2d: ${c.name}`, (ks, k) => convCase(c, k, false, `conv2d (${ks.name}) ${c.name}`));
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
  eachSet(`pool: ${c.name}`, (ks, k) => {
    const P = `pool (${ks.name}) ${c.name}`;
    const s = poolShape({ n: p.n, c: p.c, h: p.h, w: p.w, k: p.k, stride: p.stride, pad: p.pad });
    assert.deepEqual([s.oh, s.ow], [p.oh, p.ow], `${P}: output size`);
    const x = f32(k, c, 'x');
    const dy = f32(k, c, 'dy');
    const y = k.alloc.f32(size(c, 'y'));
    const dx = k.alloc.f32(x.length);
    if (p.kind === 'max') {
      const argmax = k.alloc.i32(y.length);
      k.maxPoolForward(y, argmax, x, s);
      // the inputs are all distinct, so the chosen element is unique and must be PyTorch's
      assert.deepEqual(Array.from(argmax), ref(c, 'argmax'), `${P}: argmax`);
      k.maxPoolBackward(dx, dy, argmax, s);
    } else {
      k.avgPoolForward(y, x, s);
      k.avgPoolBackward(dx, dy, s);
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
  eachSet(`spp: ${c.name}`, (ks, k) => {
    const P = `spp (${ks.name}) ${c.name}`;
    const s = sppShape({ n: p.n, c: p.c, h: p.h, w: p.w, levels: p.levels });
    assert.equal(s.outPerSample, p.outPerSample, `${P}: outPerSample`);
    const x = f32(k, c, 'x');
    const y = k.alloc.f32(p.n * p.outPerSample);
    const argmax = k.alloc.i32(y.length);
    k.sppForward(y, argmax, x, s);
    assert.deepEqual(Array.from(argmax), ref(c, 'argmax'), `${P}: argmax`);
    closeTo(y, c, 'y', P);
    const dx = k.alloc.f32(x.length);
    k.sppBackward(dx, f32(k, c, 'dy'), argmax, s);
    closeTo(dx, c, 'dx', P);
  });
}

// ---------------------------------------------------------------------------------------------------------
// dense: y = x·Wᵀ + b, each set's (through its matmul) and the naive loops
// ---------------------------------------------------------------------------------------------------------
interface DenseParams {
  n: number;
  inFeatures: number;
  outFeatures: number;
  bias: boolean;
}

type DenseKernels = Pick<KernelSet, 'denseForward' | 'denseBackwardInput' | 'denseBackwardParams'>;
const denseNaive: DenseKernels = { denseForward: denseForwardNaive, denseBackwardInput: denseBackwardInputNaive, denseBackwardParams: denseBackwardParamsNaive };

function denseCase(c: Case<DenseParams>, d: DenseKernels, k: KernelSet, P: string): void {
  const p = c.params;
  const s = denseShape({ n: p.n, inFeatures: p.inFeatures, outFeatures: p.outFeatures });
  const x = f32(k, c, 'x');
  const w = f32(k, c, 'w');
  const b = p.bias ? f32(k, c, 'b') : null;
  const dy = f32(k, c, 'dy');
  const y = k.alloc.f32(p.n * p.outFeatures);
  d.denseForward(y, x, w, b, s);
  closeTo(y, c, 'y', P);
  const dx = k.alloc.f32(x.length);
  const dw = k.alloc.f32(w.length);
  const db = p.bias ? k.alloc.f32(p.outFeatures) : null;
  d.denseBackwardInput(dx, dy, w, s);
  d.denseBackwardParams(dw, db, dy, x, s);
  closeTo(dx, c, 'dx', P);
  closeTo(dw, c, 'dw', P);
  if (db) closeTo(db, c, 'db', P);
}

for (const c of load<DenseParams>('dense').cases) {
  test(`pytorch dense (naive): ${c.name}`, () => denseCase(c, denseNaive, KERNEL_SETS[0].k, `dense (naive) ${c.name}`));
  eachSet(`dense: ${c.name}`, (ks, k) => denseCase(c, k, k, `dense (${ks.name}) ${c.name}`));
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

/** The fixture's op as the kernels' activation name. */
const ACT_NAMES: Record<Exclude<ActParams['op'], 'prelu'>, ActivationName> = {
  elu: 'elu', relu: 'relu', 'leaky-relu': 'lrelu', 'shifted-relu': 'srelu', selu: 'selu',
};

for (const c of load<ActParams>('activations').cases) {
  const p = c.params;
  eachSet(`activation: ${c.name}`, (ks, k) => {
    const P = `activation (${ks.name}) ${c.name}`;
    const x = f32(k, c, 'x');
    const dy = f32(k, c, 'dy');
    const y = k.alloc.f32(x.length);
    const dx = k.alloc.f32(x.length);
    if (p.op === 'prelu') {
      const a = f32(k, c, 'a');
      const s = { n: p.n!, c: p.c!, spatial: p.spatial! };
      const da = k.alloc.f32(a.length);
      k.preluForward(y, x, a, s);
      k.preluBackward(dx, da, dy, x, a, s);
      closeTo(y, c, 'y', P);
      closeTo(dx, c, 'dx', P);
      closeTo(da, c, 'da', P);
      return;
    }
    const name = ACT_NAMES[p.op];
    const param = p.alpha ?? p.slope;
    k.activationForward(name, y, x, x.length, param);
    closeTo(y, c, 'y', P);
    k.activationBackward(name, dx, dy, y, x.length, param);
    closeTo(dx, c, 'dx', P);
    k.activationForward(name, x, x, x.length, param);
    close(x, ref(c, 'y'), `${P}: y computed in place (y === x)`);
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
  eachSet(c.name, (ks, k) => {
    const P = `${c.name} (${ks.name})`;
    const x = f32(k, c, 'x');
    const dy = f32(k, c, 'dy');
    const keep = ref(c, 'keep');
    const y = k.alloc.f32(p.count);
    const dx = k.alloc.f32(p.count);
    if (p.kind === 'dropout') {
      const mask = k.alloc.f32(p.count);
      mask.set(keep.map((kept) => (kept ? 1 / (1 - p.rate) : 0))); // what dropoutMask writes
      k.dropoutForward(y, x, mask, p.count);
      k.dropoutBackward(dx, dy, mask, p.count);
    } else {
      const coef = alphaDropoutCoefficients(p.rate);
      // both sides evaluate the same closed form in float64: only the last bits may differ
      close([coef.a, coef.b, coef.alphaPrime], [p.a!, p.b!, p.alphaPrime!], `${P}: coefficients a, b, α′`);
      const keepMask = k.alloc.u8(p.count);
      keepMask.set(keep);
      k.alphaDropoutForward(y, x, keepMask, p.rate, p.count);
      k.alphaDropoutBackward(dx, dy, keepMask, p.rate, p.count);
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
  eachSet(`batchnorm: ${c.name}`, (ks, k) => {
    const P = `batchnorm (${ks.name}) ${c.name}`;
    const s = { n: p.n, c: p.c, spatial: p.spatial };
    const x = f32(k, c, 'x');
    const gamma = f32(k, c, 'gamma');
    const beta = f32(k, c, 'beta');
    const y = k.alloc.f32(x.length);
    if (p.mode === 'eval') {
      k.batchNormForwardEval(y, x, gamma, beta, f32(k, c, 'runMean'), f32(k, c, 'runVar'), s, p.eps);
      closeTo(y, c, 'y', P);
      if (!c.tensors.dy) return;
      const [dx, dgamma, dbeta] = [k.alloc.f32(x.length), k.alloc.f32(p.c), k.alloc.f32(p.c)];
      k.batchNormBackwardEval(dx, dgamma, dbeta, f32(k, c, 'dy'), x, gamma, f32(k, c, 'runMean'), f32(k, c, 'runVar'), s, p.eps);
      closeTo(dx, c, 'dx', P);
      closeTo(dgamma, c, 'dgamma', P);
      closeTo(dbeta, c, 'dbeta', P);
      return;
    }
    const xhat = k.alloc.f32(x.length);
    const mean = k.alloc.f32(p.c);
    const invStd = k.alloc.f32(p.c);
    k.batchNormForwardTrain(y, xhat, mean, invStd, x, gamma, beta, s, p.eps);
    closeTo(y, c, 'y', P);
    closeTo(xhat, c, 'xhat', P);
    closeTo(mean, c, 'mean', P);
    closeTo(invStd, c, 'invStd', P);

    const runMean = f32(k, c, 'runMean0');
    const runVar = f32(k, c, 'runVar0');
    k.batchNormUpdateRunning(runMean, runVar, mean, invStd, s, p.momentum!, p.eps);
    closeTo(runMean, c, 'runMean', P);
    closeTo(runVar, c, 'runVar', P);

    const dx = k.alloc.f32(x.length);
    const dgamma = k.alloc.f32(p.c);
    const dbeta = k.alloc.f32(p.c);
    k.batchNormBackward(dx, dgamma, dbeta, f32(k, c, 'dy'), xhat, invStd, gamma, s);
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
  eachSet(`center: ${c.name}`, (ks, k) => {
    const P = `center (${ks.name}) ${c.name}`;
    const s = { n: p.n, c: p.c, spatial: p.spatial };
    const x = f32(k, c, 'x');
    const y = k.alloc.f32(x.length);
    const dx = k.alloc.f32(x.length);
    if (p.mode === 'eval') {
      k.centerForwardEval(y, x, f32(k, c, 'runMean'), s);
      k.identityBackward(dx, f32(k, c, 'dy'), x.length); // what the layer's eval-mode backward calls
    } else {
      const mean = k.alloc.f32(p.c);
      k.centerForwardTrain(y, mean, x, s);
      closeTo(mean, c, 'mean', P);
      const runMean = f32(k, c, 'runMean0');
      k.centerUpdateRunning(runMean, mean, s, p.momentum!);
      closeTo(runMean, c, 'runMean', P);
      k.centerBackward(dx, f32(k, c, 'dy'), s);
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
  eachSet(`loss: ${c.name}`, (ks, k) => {
    const P = `loss (${ks.name}) ${c.name}`;
    let loss: number;
    let grad: Float32Array;
    let gradDefault: Float32Array; // with the default scale (1/n): the plain gradient of the mean
    let gradKey: string;
    switch (p.loss) {
      case 'softmax-ce': {
        const { n, classes } = p as Required<LossParams>;
        const logits = f32(k, c, 'logits');
        const labels = i32(k, c, 'labels');
        const probs = k.alloc.f32(logits.length);
        loss = k.softmaxCrossEntropyForward(probs, logits, labels, n, classes);
        closeTo(probs, c, 'probs', P);
        grad = k.alloc.f32(logits.length);
        k.softmaxCrossEntropyBackward(grad, probs, labels, n, classes, p.dy / n);
        gradDefault = k.alloc.f32(logits.length);
        k.softmaxCrossEntropyBackward(gradDefault, probs, labels, n, classes);
        gradKey = 'dlogits';
        break;
      }
      case 'mse': {
        const count = p.count!;
        const pred = f32(k, c, 'pred');
        const target = f32(k, c, 'target');
        loss = k.mseForward(pred, target, count);
        grad = k.alloc.f32(count);
        k.mseBackward(grad, pred, target, count, p.dy / count);
        gradDefault = k.alloc.f32(count);
        k.mseBackward(gradDefault, pred, target, count);
        gradKey = 'dpred';
        break;
      }
      case 'bce-logits': {
        const count = p.count!;
        const logits = f32(k, c, 'logits');
        const target = f32(k, c, 'target');
        loss = k.sigmoidCrossEntropyForward(logits, target, count);
        grad = k.alloc.f32(count);
        k.sigmoidCrossEntropyBackward(grad, logits, target, count, p.dy / count);
        gradDefault = k.alloc.f32(count);
        k.sigmoidCrossEntropyBackward(gradDefault, logits, target, count);
        gradKey = 'dlogits';
        break;
      }
    }
    close([loss], [c.loss!], `${P}: loss`);
    closeTo(grad, c, gradKey, P);
    close(gradDefault, ref(c, gradKey).map((v) => v / p.dy), `${P}: ${gradKey} with the default scale`);
  });
}
