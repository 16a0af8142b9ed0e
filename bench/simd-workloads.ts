/**
 * The workloads of the interleaved benchmark (bench/simd.ts), as each JavaScript side runs them. A side is one
 * library in its own child process; `makeWorkload(side, name)` builds its inputs (fixed seeds) and returns the
 * function to time, or why the side cannot run it. bench/torch_peer.py implements the same names for PyTorch.
 *
 *   name                                   unit       work per call
 *   peak                                   GFLOP/s    the register-only f32x4 multiply + add loop (simd only)
 *   matmul 1024³                           GFLOP/s    2·M·N·K
 *   conv2d {fwd,bwd-input,bwd-params,fwd+bwd} 32×32 64→64 b32 and 28×28 1→32 b32 (the first MNIST layer)
 *                                          GFLOP/s    2·N·OC·OH·OW·C·KH·KW per pass (3 passes for fwd+bwd)
 *   elu fwd 1M, elu bwd 1M                 Melem/s    2^20 elements, inputs uniform in [−3, 3]
 *   train step mnist-cnn b64, mnist-mlp b64  samples/s  forward + loss + backward + SGD momentum 0.9
 *
 * The training steps of both elunet sides are the same code (trainStep below: a Network and an Sgd on the
 * side's kernel set); on the SIMD side every buffer, the optimizer's velocity included, lives in the module's
 * memory and the input is written there once.
 */
import * as ts from '../src/kernels/index.js';
import type { KernelSet } from '../src/kernels/kernel-set.js';
import { Network } from '../src/model/network.js';
import { models } from '../src/model/zoo.js';
import { Sgd } from '../src/optim/sgd.js';
import { createSimdKernels, simdSupport, type SimdKernels } from '../src/simd/index.js';
import { fillUniform } from './common.js';
import { loadTf, tfConv, tfEluBackward, tfEluForward, tfMatmul, tfTrainStep, type Tf } from './tfjs-peer.js';

export type SideName = 'elunet-simd' | 'elunet-ts' | 'tfjs-cpu' | 'tfjs-wasm' | 'torch';
export const SIDES: readonly SideName[] = ['elunet-simd', 'elunet-ts', 'tfjs-cpu', 'tfjs-wasm', 'torch'];

export type Unit = 'GFLOP/s' | 'Melem/s' | 'samples/s';

export interface WorkloadInfo {
  name: string;
  unit: Unit;
  /** work per call in the unit's numerator: FLOP, elements or samples */
  work: number;
}

export type ConvPass = 'fwd' | 'bwd-input' | 'bwd-params' | 'fwd+bwd';

interface ConvDims {
  n: number; h: number; w: number; c: number; oc: number;
}

const convLabel = (d: ConvDims): string => `${d.h}×${d.w} ${d.c}→${d.oc} b${d.n}`;

/** The workload list (quick: tiny shapes, for a smoke test of the harness). */
export function workloadList(quick: boolean): WorkloadInfo[] {
  const list: WorkloadInfo[] = [];
  const size = quick ? 128 : 1024;
  list.push({ name: 'peak', unit: 'GFLOP/s', work: peakIterations(quick) * 96 });
  list.push({ name: `matmul ${size}³`, unit: 'GFLOP/s', work: 2 * size ** 3 });
  for (const d of convDims(quick)) {
    const one = 2 * d.n * d.oc * d.h * d.w * d.c * 9;
    for (const pass of ['fwd', 'bwd-input', 'bwd-params', 'fwd+bwd'] as const) {
      list.push({ name: `conv2d ${pass} ${convLabel(d)}`, unit: 'GFLOP/s', work: pass === 'fwd+bwd' ? 3 * one : one });
    }
  }
  const count = quick ? 1 << 16 : 1 << 20;
  const label = quick ? '64K' : '1M';
  list.push({ name: `elu fwd ${label}`, unit: 'Melem/s', work: count }, { name: `elu bwd ${label}`, unit: 'Melem/s', work: count });
  const batch = quick ? 4 : 64;
  for (const model of ['mnist-cnn', 'mnist-mlp']) list.push({ name: `train step ${model} b${batch}`, unit: 'samples/s', work: batch });
  return list;
}

function convDims(quick: boolean): ConvDims[] {
  return quick
    ? [{ n: 2, h: 8, w: 8, c: 16, oc: 16 }, { n: 2, h: 7, w: 7, c: 1, oc: 8 }]
    : [{ n: 32, h: 32, w: 32, c: 64, oc: 64 }, { n: 32, h: 28, w: 28, c: 1, oc: 32 }];
}

function peakIterations(quick: boolean): number {
  return quick ? 100_000 : 2_000_000;
}

export type Made = { run: () => void; info?: Record<string, string | number | boolean> } | { unsupported: string };

const unsupported = (reason: string): Made => ({ unsupported: reason });

interface Parsed {
  kind: 'peak' | 'matmul' | 'conv2d' | 'elu' | 'train';
  size?: number;
  pass?: ConvPass;
  conv?: ConvDims;
  dir?: 'fwd' | 'bwd';
  count?: number;
  model?: 'mnist-cnn' | 'mnist-mlp';
  batch?: number;
}

function parse(name: string, quick: boolean): Parsed {
  if (name === 'peak') return { kind: 'peak' };
  let m = /^matmul (\d+)³$/.exec(name);
  if (m) return { kind: 'matmul', size: Number(m[1]) };
  m = /^conv2d (fwd|bwd-input|bwd-params|fwd\+bwd) (.+)$/.exec(name);
  if (m) {
    const conv = convDims(quick).find((d) => convLabel(d) === m![2]);
    if (conv) return { kind: 'conv2d', pass: m[1] as ConvPass, conv };
  }
  m = /^elu (fwd|bwd) (1M|64K)$/.exec(name);
  if (m) return { kind: 'elu', dir: m[1] as 'fwd' | 'bwd', count: m[2] === '1M' ? 1 << 20 : 1 << 16 };
  m = /^train step (mnist-cnn|mnist-mlp) b(\d+)$/.exec(name);
  if (m) return { kind: 'train', model: m[1] as 'mnist-cnn' | 'mnist-mlp', batch: Number(m[2]) };
  throw new Error(`bench: no workload named '${name}'`);
}

// ───────────────────────────────────────────────── sides ─────────────────────────────────────────────────

/** Builds `name` for one JavaScript side (inputs from fixed seeds, so every side sees the same numbers). */
export async function makeWorkload(side: Exclude<SideName, 'torch'>, name: string, quick: boolean): Promise<Made> {
  const w = parse(name, quick);
  switch (side) {
    case 'elunet-simd': {
      const support = simdSupport();
      if (!support.ok) return unsupported(support.reason);
      return simdWorkload(createSimdKernels(), w, quick);
    }
    case 'elunet-ts':
      return tsWorkload(w);
    case 'tfjs-cpu':
    case 'tfjs-wasm':
      return tfWorkload(await loadTf(side === 'tfjs-cpu' ? 'cpu' : 'wasm'), side, w);
  }
}

function simdWorkload(k: SimdKernels, w: Parsed, quick: boolean): Made {
  const f32 = (src: Float32Array): Float32Array => {
    const v = k.memory.f32(src.length);
    v.set(src);
    return v;
  };
  switch (w.kind) {
    case 'peak': {
      const iterations = peakIterations(quick);
      let sink = 0;
      return { run: () => { sink += k.exports.peakMulAdd(iterations, 1, 0.5); }, info: { note: 'register-only f32x4 mul+add, 12 chains' } };
    }
    case 'matmul': {
      const n = w.size!;
      const a = f32(fillUniform(new Float32Array(n * n), 1)), b = f32(fillUniform(new Float32Array(n * n), 2));
      const c = k.memory.f32(n * n);
      const s = ts.matmulShape({ m: n, n, k: n });
      ts.matmulCheckArrays(c, a, b, s);
      return { run: () => k.matmul(c, a, b, s) };
    }
    case 'conv2d': {
      const { s, x, wt, dy } = convInputs(w.conv!);
      const xm = f32(x), wm = f32(wt), dym = f32(dy);
      const ws = k.memory.f32(ts.conv2dWorkspaceSize(s)), y = k.memory.f32(dy.length);
      const dx = k.memory.f32(x.length), dw = k.memory.f32(wt.length);
      ts.conv2dCheckArrays(s, { x: xm, w: wm, y, ws });
      ts.conv2dCheckArrays(s, { x: dx, w: dw, y: dym });
      return { run: convRunner(w.pass!, {
        fwd: () => k.conv2dForward(y, xm, wm, null, s, ws),
        bwdInput: () => k.conv2dBackwardInput(dx, dym, wm, s, ws),
        bwdParams: () => k.conv2dBackwardParams(dw, null, dym, xm, s, ws),
        zero: () => { dx.fill(0); dw.fill(0); },
      }) };
    }
    case 'elu': {
      const n = w.count!;
      const x = f32(fillUniform(new Float32Array(n), 6, -3, 3)), dy = f32(fillUniform(new Float32Array(n), 7));
      const y = k.memory.f32(n), dx = k.memory.f32(n);
      if (w.dir === 'fwd') return { run: () => k.eluForward(y, x, 1, n) };
      k.eluForward(y, x, 1, n);
      return { run: () => k.eluBackward(dx, dy, y, 1, n) };
    }
    case 'train':
      return trainStep(k, w);
  }
}

/** One training step of the zoo model on a kernel set: what `elunet train` does per step, on one thread. */
function trainStep(k: KernelSet, w: Parsed): Made {
  const { batch, model } = w as Required<Pick<Parsed, 'batch' | 'model'>>;
  const inputs = trainInputs(batch);
  const x = k.alloc.f32(inputs.x.length);
  x.set(inputs.x);
  const labels = k.alloc.i32(batch);
  labels.set(inputs.labels);
  const net = new Network(models[model].build({ activation: 'elu' }), { maxBatch: batch, kernels: k });
  net.initParams(1);
  const opt = new Sgd(net.layout, { momentum: 0.9, kernels: k });
  return { run: () => {
    net.zeroGrad();
    net.forward(x, batch, 'train');
    net.loss(labels, batch);
    net.backward(labels, batch, 1 / batch);
    opt.step(net.params, net.grads, 0.01);
  }, info: { kernels: k.name } };
}

function tsWorkload(w: Parsed): Made {
  switch (w.kind) {
    case 'peak':
      return unsupported('the core peak is measured by the SIMD module');
    case 'matmul': {
      const n = w.size!;
      const a = fillUniform(new Float32Array(n * n), 1), b = fillUniform(new Float32Array(n * n), 2);
      const c = new Float32Array(n * n);
      const s = ts.matmulShape({ m: n, n, k: n });
      ts.matmulCheckArrays(c, a, b, s);
      return { run: () => ts.matmul(c, a, b, s) };
    }
    case 'conv2d': {
      const { s, x, wt, dy } = convInputs(w.conv!);
      const ws = new Float32Array(ts.conv2dWorkspaceSize(s)), y = new Float32Array(dy.length);
      const dx = new Float32Array(x.length), dw = new Float32Array(wt.length);
      ts.conv2dCheckArrays(s, { x, w: wt, y, ws });
      ts.conv2dCheckArrays(s, { x: dx, w: dw, y: dy });
      return { run: convRunner(w.pass!, {
        fwd: () => ts.conv2dForward(y, x, wt, null, s, ws),
        bwdInput: () => ts.conv2dBackwardInput(dx, dy, wt, s, ws),
        bwdParams: () => ts.conv2dBackwardParams(dw, null, dy, x, s, ws),
        zero: () => { dx.fill(0); dw.fill(0); },
      }) };
    }
    case 'elu': {
      const n = w.count!;
      const x = fillUniform(new Float32Array(n), 6, -3, 3), dy = fillUniform(new Float32Array(n), 7);
      const y = new Float32Array(n), dx = new Float32Array(n);
      if (w.dir === 'fwd') return { run: () => ts.eluForward(y, x, 1, n) };
      ts.eluForward(y, x, 1, n);
      return { run: () => ts.eluBackward(dx, dy, y, 1, n) };
    }
    case 'train':
      return trainStep(ts.tsKernels, w);
  }
}

function tfWorkload(tf: Tf, side: 'tfjs-cpu' | 'tfjs-wasm', w: Parsed): Made {
  const has = (kernel: string): boolean => tf.getKernel(kernel, tf.getBackend()) !== undefined;
  const info = { backend: tf.getBackend(), version: tf.version.tfjs };
  switch (w.kind) {
    case 'peak':
      return unsupported('the core peak is measured by the SIMD module');
    case 'matmul': {
      const n = w.size!;
      return { ...tfMatmul(tf, n, n, n, fillUniform(new Float32Array(n * n), 1), fillUniform(new Float32Array(n * n), 2)), info };
    }
    case 'conv2d': {
      const d = w.conv!;
      const { x, wt, dy } = convInputs(d);
      const needs: Record<ConvPass, string[]> = {
        'fwd': ['Conv2D'], 'bwd-input': ['Conv2DBackpropInput'], 'bwd-params': ['Conv2DBackpropFilter'],
        'fwd+bwd': ['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter'],
      };
      const missing = needs[w.pass!].filter((kname) => !has(kname));
      if (missing.length) return unsupported(`the ${side} backend has no ${missing.join(', ')} kernel`);
      const dims = { n: d.n, c: d.c, h: d.h, w: d.w, oc: d.oc, k: 3 };
      if (w.pass === 'fwd' || w.pass === 'fwd+bwd') return { ...tfConv(tf, dims, x, wt, dy, w.pass === 'fwd+bwd'), info };
      return { ...tfConvPass(tf, dims, x, wt, dy, w.pass!), info };
    }
    case 'elu': {
      const n = w.count!;
      const x = fillUniform(new Float32Array(n), 6, -3, 3), dy = fillUniform(new Float32Array(n), 7);
      if (w.dir === 'bwd' && !has('EluGrad')) return unsupported(`the ${side} backend has no EluGrad kernel`);
      return { ...(w.dir === 'fwd' ? tfEluForward(tf, x) : tfEluBackward(tf, x, dy)), info };
    }
    case 'train': {
      const { batch, model } = w as Required<Pick<Parsed, 'batch' | 'model'>>;
      if (model === 'mnist-cnn' && !has('Conv2DBackpropFilter')) {
        return unsupported(`the ${side} backend has no Conv2DBackpropFilter kernel, so it cannot train a CNN`);
      }
      const { x, labels } = trainInputs(batch);
      return { ...tfTrainStep(tf, model, batch, x, labels), info };
    }
  }
}

/** One backward pass alone through its tfjs kernel (NHWC, filters (KH, KW, C, OC)), result read with dataSync. */
function tfConvPass(tf: Tf, d: { n: number; c: number; h: number; w: number; oc: number; k: number },
                    x: Float32Array, f: Float32Array, dy: Float32Array, pass: 'bwd-input' | 'bwd-params'): { run: () => void; dispose: () => void } {
  const X = tf.tensor4d(x, [d.n, d.h, d.w, d.c]);
  const F = tf.tensor4d(f, [d.k, d.k, d.c, d.oc]);
  const DY = tf.tensor4d(dy, [d.n, d.h, d.w, d.oc]);
  const attrs = { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', dimRoundingMode: undefined, dilations: [1, 1] };
  const run = pass === 'bwd-input'
    ? () => tf.tidy(() => void (tf.engine().runKernel('Conv2DBackpropInput', { dy: DY, filter: F },
      { ...attrs, inputShape: [d.n, d.h, d.w, d.c] } as never) as { dataSync(): unknown }).dataSync())
    : () => tf.tidy(() => void (tf.engine().runKernel('Conv2DBackpropFilter', { x: X, dy: DY },
      { ...attrs, filterShape: [d.k, d.k, d.c, d.oc] } as never) as { dataSync(): unknown }).dataSync());
  return { run, dispose: () => tf.dispose([X, F, DY]) };
}

function convInputs(d: ConvDims) {
  const s = ts.conv2dShape({ n: d.n, c: d.c, h: d.h, w: d.w, oc: d.oc, kh: 3, pad: 'same' });
  return {
    s,
    x: fillUniform(new Float32Array(s.n * s.c * s.h * s.w), 3),
    wt: fillUniform(new Float32Array(s.oc * s.c * 9), 4, -0.1, 0.1),
    dy: fillUniform(new Float32Array(s.n * s.oc * s.oh * s.ow), 5),
  };
}

function convRunner(pass: ConvPass, f: { fwd: () => void; bwdInput: () => void; bwdParams: () => void; zero: () => void }): () => void {
  switch (pass) {
    case 'fwd':
      return f.fwd;
    case 'bwd-input':
      return f.bwdInput;
    case 'bwd-params':
      return f.bwdParams;
    case 'fwd+bwd':
      // a training step's zeroGrad clears the gradients once; the backward passes then accumulate
      return () => {
        f.fwd();
        f.zero();
        f.bwdInput();
        f.bwdParams();
      };
  }
}

function trainInputs(batch: number) {
  const x = fillUniform(new Float32Array(batch * 784), 8, 0, 1);
  const labels = new Int32Array(batch);
  for (let i = 0; i < batch; i++) labels[i] = (i * 7 + 3) % 10;
  return { x, labels };
}
