/**
 * The third test tier for the SIMD kernels: the PyTorch float64 fixtures of test/fixtures/ (the same files and
 * the same tolerance as test/pytorch.test.ts, whose header explains them: |got − ref| ≤ 1e-5·max|ref| + 1e-4·|ref|;
 * that header already budgets for kernels that sum in float32, as the SIMD ones do), run through the SIMD
 * kernel set for every op it implements: matmul with its gradient products, conv2d, max pooling, dense, the
 * elementwise activations (forward out of place and in place, backward), batch norm and softmax-cross-entropy.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ts from '../src/kernels/index.js';
import { expectClose } from './util/check.js';
import { inMem, inMemI32, scoped, simd } from './util/simd.js';

const RTOL = 1e-4;
const ATOL_REL = 1e-5;
const k = simd();

interface Tensor { shape: number[]; data: number[] }
interface Case<P> { name: string; params: P; tensors: Record<string, Tensor>; loss?: number }

function packageRoot(): string {
  let dir = fileURLToPath(new URL('.', import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('simd-pytorch.test: no package.json above this file');
    dir = up;
  }
  return dir;
}
function cases<P>(op: string): Case<P>[] {
  return (JSON.parse(readFileSync(join(packageRoot(), 'test', 'fixtures', `${op}.json`), 'utf8')) as { cases: Case<P>[] }).cases;
}
/** An input, copied into the kernel set's memory. */
const m32 = (c: Case<unknown>, key: string): Float32Array => inMem(k, c.tensors[key].data);
const ref = (c: Case<unknown>, key: string): number[] => c.tensors[key].data;
const zeros = (n: number): Float32Array => k.memory.f32(n).fill(0);
function closeTo(got: ArrayLike<number>, c: Case<unknown>, key: string, prefix: string): void {
  const e = ref(c, key);
  const max = e.reduce((a, v) => Math.max(a, Math.abs(v)), 0);
  expectClose(got, e, { rtol: RTOL, atol: ATOL_REL * max + 1e-30, name: `${prefix}: ${key}` });
}

for (const c of cases<{ m: number; n: number; k: number; transA: boolean; transB: boolean }>('matmul')) {
  test(`simd pytorch matmul: ${c.name}`, () => scoped(k, () => {
    const { m, n, k: kk, transA, transB } = c.params;
    const a = m32(c, 'a'), b = m32(c, 'b'), dc = m32(c, 'dc');
    const out = zeros(m * n);
    k.matmul(out, a, b, ts.matmulShape({ m, n, k: kk, transA, transB }));
    closeTo(out, c, 'c', c.name);
    const da = zeros(m * kk);
    if (!transA) k.matmul(da, dc, b, ts.matmulShape({ m, n: kk, k: n, transB: !transB, accumulate: true }));
    else k.matmul(da, b, dc, ts.matmulShape({ m: kk, n: m, k: n, transA: transB, transB: true, accumulate: true }));
    closeTo(da, c, 'da', c.name);
    const db = zeros(kk * n);
    if (!transB) k.matmul(db, a, dc, ts.matmulShape({ m: kk, n, k: m, transA: !transA, accumulate: true }));
    else k.matmul(db, dc, a, ts.matmulShape({ m: n, n: kk, k: m, transA: true, transB: transA, accumulate: true }));
    closeTo(db, c, 'db', c.name);
  }));
}

for (const c of cases<{ n: number; c: number; h: number; w: number; oc: number; kh: number; kw: number; stride: number;
  pad: ts.Conv2dPad; bias: boolean }>('conv2d')) {
  test(`simd pytorch conv2d: ${c.name}`, () => scoped(k, () => {
    const p = c.params;
    const s = ts.conv2dShape({ n: p.n, c: p.c, h: p.h, w: p.w, oc: p.oc, kh: p.kh, kw: p.kw, stride: p.stride, pad: p.pad });
    const x = m32(c, 'x'), w = m32(c, 'w'), dy = m32(c, 'dy'), b = p.bias ? m32(c, 'b') : null;
    const y = zeros(ref(c, 'y').length), dx = zeros(x.length), dw = zeros(w.length), db = p.bias ? zeros(p.oc) : null;
    const ws = k.memory.f32(ts.conv2dWorkspaceSize(s));
    k.conv2dForward(y, x, w, b, s, ws);
    k.conv2dBackwardInput(dx, dy, w, s, ws);
    k.conv2dBackwardParams(dw, db, dy, x, s, ws);
    closeTo(y, c, 'y', c.name);
    closeTo(dx, c, 'dx', c.name);
    closeTo(dw, c, 'dw', c.name);
    if (db) closeTo(db, c, 'db', c.name);
  }));
}

for (const c of cases<{ kind: 'max' | 'avg'; n: number; c: number; h: number; w: number; k: number; stride: number; pad: number }>('pool')) {
  if (c.params.kind !== 'max') continue; // average pooling is the TypeScript kernel in both sets
  test(`simd pytorch pool: ${c.name}`, () => scoped(k, () => {
    const p = c.params;
    const s = ts.poolShape({ n: p.n, c: p.c, h: p.h, w: p.w, k: p.k, stride: p.stride, pad: p.pad });
    const x = m32(c, 'x'), dy = m32(c, 'dy');
    const y = zeros(ref(c, 'y').length), am = k.memory.i32(y.length), dx = zeros(x.length);
    k.maxPoolForward(y, am, x, s);
    assert.deepEqual(Array.from(am), ref(c, 'argmax'), `${c.name}: argmax`);
    k.maxPoolBackward(dx, dy, am, s);
    closeTo(y, c, 'y', c.name);
    closeTo(dx, c, 'dx', c.name);
  }));
}

for (const c of cases<{ n: number; inFeatures: number; outFeatures: number; bias: boolean }>('dense')) {
  test(`simd pytorch dense: ${c.name}`, () => scoped(k, () => {
    const p = c.params;
    const s = ts.denseShape(p);
    const x = m32(c, 'x'), w = m32(c, 'w'), dy = m32(c, 'dy'), b = p.bias ? m32(c, 'b') : null;
    const y = zeros(p.n * p.outFeatures), dx = zeros(x.length), dw = zeros(w.length), db = p.bias ? zeros(p.outFeatures) : null;
    k.denseForward(y, x, w, b, s);
    k.denseBackwardInput(dx, dy, w, s);
    k.denseBackwardParams(dw, db, dy, x, s);
    closeTo(y, c, 'y', c.name);
    closeTo(dx, c, 'dx', c.name);
    closeTo(dw, c, 'dw', c.name);
    if (db) closeTo(db, c, 'db', c.name);
  }));
}

const actName = { elu: 'elu', relu: 'relu', 'leaky-relu': 'lrelu', 'shifted-relu': 'srelu', selu: 'selu' } as const;
for (const c of cases<{ op: keyof typeof actName | 'prelu'; alpha?: number; slope?: number }>('activations')) {
  const op = c.params.op;
  if (op === 'prelu') continue; // PReLU is the TypeScript kernel in both sets
  test(`simd pytorch activation: ${c.name}`, () => scoped(k, () => {
    const name = actName[op];
    const param = c.params.alpha ?? c.params.slope;
    const x = m32(c, 'x'), dy = m32(c, 'dy');
    const y = zeros(x.length), dx = zeros(x.length);
    k.activationForward(name, y, x, x.length, param);
    closeTo(y, c, 'y', c.name);
    k.activationBackward(name, dx, dy, y, x.length, param);
    closeTo(dx, c, 'dx', c.name);
    k.activationForward(name, x, x, x.length, param);
    closeTo(x, c, 'y', `${c.name} (in place)`);
  }));
}

for (const c of cases<{ mode: 'train' | 'eval'; n: number; c: number; spatial: number; eps: number }>('batchnorm')) {
  test(`simd pytorch batchnorm: ${c.name}`, () => scoped(k, () => {
    const p = c.params;
    const s = { n: p.n, c: p.c, spatial: p.spatial };
    const x = m32(c, 'x'), gamma = m32(c, 'gamma'), beta = m32(c, 'beta');
    const y = zeros(x.length);
    if (p.mode === 'eval') {
      k.batchNormForwardEval(y, x, gamma, beta, m32(c, 'runMean'), m32(c, 'runVar'), s, p.eps);
      closeTo(y, c, 'y', c.name);
      return;
    }
    const xhat = zeros(x.length), mean = zeros(p.c), inv = zeros(p.c);
    k.batchNormForwardTrain(y, xhat, mean, inv, x, gamma, beta, s, p.eps);
    for (const [key, v] of [['y', y], ['xhat', xhat], ['mean', mean], ['invStd', inv]] as const) closeTo(v, c, key, c.name);
    const dx = zeros(x.length), dg = zeros(p.c), db = zeros(p.c);
    k.batchNormBackward(dx, dg, db, m32(c, 'dy'), xhat, inv, gamma, s);
    for (const [key, v] of [['dx', dx], ['dgamma', dg], ['dbeta', db]] as const) closeTo(v, c, key, c.name);
  }));
}

for (const c of cases<{ loss: string; dy: number; n?: number; classes?: number }>('losses')) {
  if (c.params.loss !== 'softmax-ce') continue; // MSE and BCE are the TypeScript kernels in both sets
  test(`simd pytorch loss: ${c.name}`, () => scoped(k, () => {
    const { n, classes, dy } = c.params as Required<typeof c.params>;
    const logits = m32(c, 'logits'), labels = inMemI32(k, ref(c, 'labels'));
    const probs = zeros(logits.length), grad = zeros(logits.length);
    const loss = k.softmaxCrossEntropyForward(probs, logits, labels, n, classes);
    expectClose([loss], [c.loss!], { rtol: RTOL, atol: 1e-30, name: `${c.name}: loss` });
    closeTo(probs, c, 'probs', c.name);
    k.softmaxCrossEntropyBackward(grad, probs, labels, n, classes, dy / n);
    closeTo(grad, c, 'dlogits', c.name);
  }));
}
