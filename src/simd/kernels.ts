/**
 * The SIMD kernel set: the same functions, with the same signatures, as the TypeScript kernels of
 * src/kernels/ (outputs first, then inputs, parameters, a shape record; Float32Array views), computed by the
 * WebAssembly SIMD module (src/simd/assembly/). A layer calls `k.conv2dForward(y, x, w, b, s, ws)` and does
 * not know which set `k` is.
 *
 *   const k = createSimdKernels();            // a new shared memory, or { memory } to join one (a worker)
 *   const x = k.memory.f32(n);                // buffers are views into the module's memory …
 *   k.eluForward(y, x, 1, n);                 // … and the kernels take them as they are: no copies
 *
 * Every array passed in must be a view into this set's memory (the allocator `k.memory` makes them); each
 * call checks, once per array, that its buffer is the memory's and that it is long enough, and throws an
 * ElunetError naming the kernel and the argument otherwise (a view of another buffer would otherwise be read
 * at the wrong address without any error). The address handed to WebAssembly is view.byteOffset (+ 4·offset
 * for matmul's offsets).
 *
 * Kernels without a SIMD version here (average pooling, SPP, global average pooling, PReLU, dropout, alpha
 * dropout, the identity's forward, MSE, sigmoid cross-entropy, the running batch-norm statistics, batch norm's evaluation-mode backward, mean-centring,
 * initializers, shape builders) are the TypeScript ones: they run on the same views unchanged.
 * docs/kernels/simd.md lists which is which and why.
 *
 * It is a KernelSet (src/kernels/kernel-set.ts): `new Network(spec, { kernels: createSimdKernels() })` puts
 * every buffer of the network into the memory (`alloc` is the memory's allocator) and calls these kernels;
 * the optimizers take it the same way. Each thread makes its own set (its own instance of the module and its
 * own matmul scratch), all on one shared memory: see memory.ts, and src/parallel/ for the workers.
 */
import { ElunetError, ShapeError } from '../errors.js';
import * as ts from '../kernels/index.js';
import type { KernelSet } from '../kernels/kernel-set.js';
import type { ActivationName } from '../kernels/activation.js';
import type { BatchNormShape } from '../kernels/batchnorm.js';
import type { Conv2dShape } from '../kernels/conv2d.js';
import type { DenseShape } from '../kernels/dense.js';
import type { MatmulShape } from '../kernels/matmul.js';
import type { PoolShape } from '../kernels/pool.js';
import { instantiateKernels, simdModule, type SimdExports } from './loader.js';
import { SimdMemory } from './memory.js';

/** The type of the TypeScript kernel `K`: each SIMD kernel below is declared with it, so the signatures cannot drift. */
type Twin<K extends keyof typeof ts> = (typeof ts)[K];

type View = Float32Array | Int32Array;

export interface SimdKernelOptions {
  /** the memory to work in: a SimdMemory, or a shared WebAssembly.Memory received from another thread; default a new one */
  memory?: SimdMemory | WebAssembly.Memory;
  /** the compiled module; default the built dist/simd/elunet-simd.wasm (tests pass variants) */
  module?: WebAssembly.Module;
}

/** A SIMD kernel set in this thread. */
export function createSimdKernels(opts: SimdKernelOptions = {}): SimdKernels {
  return new SimdKernels(opts);
}

export class SimdKernels implements KernelSet {
  readonly name = 'simd';
  /** the allocator of this set's memory: every buffer passed to a kernel must come from it */
  readonly memory: SimdMemory;
  /** the same allocator, under the name a KernelSet gives it */
  readonly alloc: SimdMemory;
  /** the instance's exports (addresses in bytes), for benchmarks and tests */
  readonly exports: SimdExports;
  /** address of this thread's matmul scratch (packed panels) */
  private readonly scratch: number;

  constructor(opts: SimdKernelOptions = {}) {
    const m = opts.memory;
    this.memory = m instanceof SimdMemory ? m : new SimdMemory(m);
    this.alloc = this.memory;
    this.exports = instantiateKernels(this.memory.memory, opts.module ?? simdModule());
    this.scratch = this.memory.alloc(this.exports.MATMUL_SCRATCH_FLOATS.value * 4);
  }

  /** The address of `v` after checking that it lies in this memory and has at least `need` elements. */
  private at(op: string, name: string, v: View, need: number): number {
    if (!this.memory.owns(v.buffer)) {
      const what = v.buffer instanceof SharedArrayBuffer ? 'another SharedArrayBuffer' : `an ${v.buffer.constructor.name}`;
      throw new ElunetError(
        `simd ${op}: ${name} is not a view of this kernel set's WebAssembly memory (it is a view of ${what} of ` +
          `${v.buffer.byteLength} bytes); allocate it with kernels.memory.f32(n) / .i32(n) (a network does this ` +
          `through its allocation hook), or use the TypeScript kernels`,
      );
    }
    if (v.length < need) {
      throw new ShapeError(`simd ${op}: ${name} needs at least ${need} elements for this shape, got ${v.length}`);
    }
    return v.byteOffset;
  }

  /** Address of an optional bias (0 = none). */
  private opt(op: string, name: string, v: Float32Array | null, need: number): number {
    return v ? this.at(op, name, v, need) : 0;
  }

  // ───────────────────────────────────────────── matmul, dense ─────────────────────────────────────────────

  readonly matmul: Twin<'matmul'> = (c, a, b, s: MatmulShape) => {
    const { m, n, k } = s;
    const pa = this.at('matmul', 'A', a, s.aOffset + m * k) + 4 * s.aOffset;
    const pb = this.at('matmul', 'B', b, s.bOffset + k * n) + 4 * s.bOffset;
    const pc = this.at('matmul', 'C', c, s.cOffset + m * n) + 4 * s.cOffset;
    this.exports.matmul(pc, pa, pb, m, n, k, s.transA, s.transB, s.accumulate, this.scratch);
  };

  readonly denseForward: Twin<'denseForward'> = (y, x, w, b, s: DenseShape) => {
    const { n, inFeatures: IN, outFeatures: OUT } = s;
    this.exports.denseForward(this.at('denseForward', 'y', y, n * OUT), this.at('denseForward', 'x', x, n * IN),
      this.at('denseForward', 'w', w, OUT * IN), this.opt('denseForward', 'b', b, OUT), this.scratch, n, IN, OUT);
  };

  readonly denseBackwardInput: Twin<'denseBackwardInput'> = (dx, dy, w, s: DenseShape) => {
    const { n, inFeatures: IN, outFeatures: OUT } = s;
    this.exports.denseBackwardInput(this.at('denseBackwardInput', 'dx', dx, n * IN),
      this.at('denseBackwardInput', 'dy', dy, n * OUT), this.at('denseBackwardInput', 'w', w, OUT * IN), this.scratch,
      n, IN, OUT);
  };

  readonly denseBackwardParams: Twin<'denseBackwardParams'> = (dw, db, dy, x, s: DenseShape) => {
    const { n, inFeatures: IN, outFeatures: OUT } = s;
    this.exports.denseBackwardParams(this.at('denseBackwardParams', 'dw', dw, OUT * IN),
      this.opt('denseBackwardParams', 'db', db, OUT), this.at('denseBackwardParams', 'dy', dy, n * OUT),
      this.at('denseBackwardParams', 'x', x, n * IN), this.scratch, n, IN, OUT);
  };

  // ──────────────────────────────────────────────── conv2d ────────────────────────────────────────────────

  readonly conv2dWorkspaceSize: Twin<'conv2dWorkspaceSize'> = ts.conv2dWorkspaceSize;

  readonly conv2dForward: Twin<'conv2dForward'> = (y, x, w, b, s: Conv2dShape, ws) => {
    const op = 'conv2dForward';
    this.exports.conv2dForward(this.at(op, 'y', y, s.n * s.oc * s.oh * s.ow), this.at(op, 'x', x, s.n * s.c * s.h * s.w),
      this.at(op, 'w', w, s.oc * s.c * s.kh * s.kw), this.opt(op, 'b', b, s.oc), this.workspace(op, ws, s), this.scratch,
      s.n, s.c, s.h, s.w, s.oc, s.kh, s.kw, s.stride, s.padTop, s.padLeft, s.oh, s.ow);
  };

  readonly conv2dBackwardInput: Twin<'conv2dBackwardInput'> = (dx, dy, w, s: Conv2dShape, ws) => {
    const op = 'conv2dBackwardInput';
    this.exports.conv2dBackwardInput(this.at(op, 'dx', dx, s.n * s.c * s.h * s.w),
      this.at(op, 'dy', dy, s.n * s.oc * s.oh * s.ow), this.at(op, 'w', w, s.oc * s.c * s.kh * s.kw),
      this.workspace(op, ws, s), this.scratch,
      s.n, s.c, s.h, s.w, s.oc, s.kh, s.kw, s.stride, s.padTop, s.padLeft, s.oh, s.ow);
  };

  readonly conv2dBackwardParams: Twin<'conv2dBackwardParams'> = (dw, db, dy, x, s: Conv2dShape, ws) => {
    const op = 'conv2dBackwardParams';
    this.exports.conv2dBackwardParams(this.at(op, 'dw', dw, s.oc * s.c * s.kh * s.kw), this.opt(op, 'db', db, s.oc),
      this.at(op, 'dy', dy, s.n * s.oc * s.oh * s.ow), this.at(op, 'x', x, s.n * s.c * s.h * s.w),
      this.workspace(op, ws, s), this.scratch,
      s.n, s.c, s.h, s.w, s.oc, s.kh, s.kw, s.stride, s.padTop, s.padLeft, s.oh, s.ow);
  };

  /** The workspace's address; a pointwise conv needs none (size 0) and then ignores `ws`, whatever it is. */
  private workspace(op: string, ws: Float32Array, s: Conv2dShape): number {
    const need = ts.conv2dWorkspaceSize(s);
    return need === 0 ? 0 : this.at(op, 'ws (workspace)', ws, need);
  }

  // ───────────────────────────────────────────── activations ─────────────────────────────────────────────

  readonly eluForward: Twin<'eluForward'> = (y, x, alpha, count) => {
    this.exports.eluForward(this.at('eluForward', 'y', y, count), this.at('eluForward', 'x', x, count), alpha, count);
  };

  readonly eluBackward: Twin<'eluBackward'> = (dx, dy, y, alpha, count) => {
    this.exports.eluBackward(this.at('eluBackward', 'dx', dx, count), this.at('eluBackward', 'dy', dy, count),
      this.at('eluBackward', 'y', y, count), alpha, count);
  };

  readonly reluForward: Twin<'reluForward'> = (y, x, count) => {
    this.exports.reluForward(this.at('reluForward', 'y', y, count), this.at('reluForward', 'x', x, count), count);
  };

  readonly reluBackward: Twin<'reluBackward'> = (dx, dy, y, count) => {
    this.exports.reluBackward(this.at('reluBackward', 'dx', dx, count), this.at('reluBackward', 'dy', dy, count),
      this.at('reluBackward', 'y', y, count), count);
  };

  readonly leakyReluForward: Twin<'leakyReluForward'> = (y, x, slope, count) => {
    this.exports.leakyReluForward(this.at('leakyReluForward', 'y', y, count), this.at('leakyReluForward', 'x', x, count),
      slope, count);
  };

  readonly leakyReluBackward: Twin<'leakyReluBackward'> = (dx, dy, y, slope, count) => {
    this.exports.leakyReluBackward(this.at('leakyReluBackward', 'dx', dx, count),
      this.at('leakyReluBackward', 'dy', dy, count), this.at('leakyReluBackward', 'y', y, count), slope, count);
  };

  readonly shiftedReluForward: Twin<'shiftedReluForward'> = (y, x, count) => {
    this.exports.shiftedReluForward(this.at('shiftedReluForward', 'y', y, count),
      this.at('shiftedReluForward', 'x', x, count), count);
  };

  readonly shiftedReluBackward: Twin<'shiftedReluBackward'> = (dx, dy, y, count) => {
    this.exports.shiftedReluBackward(this.at('shiftedReluBackward', 'dx', dx, count),
      this.at('shiftedReluBackward', 'dy', dy, count), this.at('shiftedReluBackward', 'y', y, count), count);
  };

  readonly seluForward: Twin<'seluForward'> = (y, x, count) => {
    this.exports.seluForward(this.at('seluForward', 'y', y, count), this.at('seluForward', 'x', x, count), count);
  };

  readonly seluBackward: Twin<'seluBackward'> = (dx, dy, y, count) => {
    this.exports.seluBackward(this.at('seluBackward', 'dx', dx, count), this.at('seluBackward', 'dy', dy, count),
      this.at('seluBackward', 'y', y, count), count);
  };

  /** The activations by name (kernels/activation.ts), dispatching to the SIMD kernels above. */
  readonly activationForward: Twin<'activationForward'> = (name: ActivationName, y, x, count, param?) => {
    switch (name) {
      case 'elu':
        return this.eluForward(y, x, param ?? ts.ELU_DEFAULT_ALPHA, count);
      case 'relu':
        return this.reluForward(y, x, count);
      case 'lrelu':
        return this.leakyReluForward(y, x, param ?? ts.LEAKY_RELU_DEFAULT_SLOPE, count);
      case 'srelu':
        return this.shiftedReluForward(y, x, count);
      case 'selu':
        return this.seluForward(y, x, count);
      default:
        return ts.activationForward(name, y, x, count, param); // linear (a copy) and prelu's error
    }
  };

  readonly activationBackward: Twin<'activationBackward'> = (name: ActivationName, dx, dy, y, count, param?) => {
    switch (name) {
      case 'elu':
        return this.eluBackward(dx, dy, y, param ?? ts.ELU_DEFAULT_ALPHA, count);
      case 'relu':
        return this.reluBackward(dx, dy, y, count);
      case 'lrelu':
        return this.leakyReluBackward(dx, dy, y, param ?? ts.LEAKY_RELU_DEFAULT_SLOPE, count);
      case 'srelu':
        return this.shiftedReluBackward(dx, dy, y, count);
      case 'selu':
        return this.seluBackward(dx, dy, y, count);
      default:
        return ts.activationBackward(name, dx, dy, y, count, param);
    }
  };

  // ──────────────────────────────────────────────── pooling ───────────────────────────────────────────────

  readonly maxPoolForward: Twin<'maxPoolForward'> = (y, argmax, x, s: PoolShape) => {
    const out = s.n * s.c * s.oh * s.ow;
    this.exports.maxPoolForward(this.at('maxPoolForward', 'y', y, out), this.at('maxPoolForward', 'argmax', argmax, out),
      this.at('maxPoolForward', 'x', x, s.n * s.c * s.h * s.w), s.n, s.c, s.h, s.w, s.k, s.stride, s.pad, s.oh, s.ow);
  };

  readonly maxPoolBackward: Twin<'maxPoolBackward'> = (dx, dy, argmax, s: PoolShape) => {
    const out = s.n * s.c * s.oh * s.ow;
    this.exports.maxPoolBackward(this.at('maxPoolBackward', 'dx', dx, s.n * s.c * s.h * s.w),
      this.at('maxPoolBackward', 'dy', dy, out), this.at('maxPoolBackward', 'argmax', argmax, out), out);
  };

  // ────────────────────────────────────────────── batch norm ──────────────────────────────────────────────

  readonly batchNormForwardTrain: Twin<'batchNormForwardTrain'> = (y, xhat, mean, invStd, x, gamma, beta,
                                                                   s: BatchNormShape, eps = 1e-5) => {
    const op = 'batchNormForwardTrain';
    const all = s.n * s.c * s.spatial;
    this.exports.batchNormForwardTrain(this.at(op, 'y', y, all), this.at(op, 'xhat', xhat, all),
      this.at(op, 'mean', mean, s.c), this.at(op, 'invStd', invStd, s.c), this.at(op, 'x', x, all),
      this.at(op, 'gamma', gamma, s.c), this.at(op, 'beta', beta, s.c), s.n, s.c, s.spatial, eps);
  };

  readonly batchNormForwardEval: Twin<'batchNormForwardEval'> = (y, x, gamma, beta, runMean, runVar,
                                                                 s: BatchNormShape, eps = 1e-5) => {
    const op = 'batchNormForwardEval';
    const all = s.n * s.c * s.spatial;
    this.exports.batchNormForwardEval(this.at(op, 'y', y, all), this.at(op, 'x', x, all),
      this.at(op, 'gamma', gamma, s.c), this.at(op, 'beta', beta, s.c), this.at(op, 'runMean', runMean, s.c),
      this.at(op, 'runVar', runVar, s.c), s.n, s.c, s.spatial, eps);
  };

  readonly batchNormBackward: Twin<'batchNormBackward'> = (dx, dgamma, dbeta, dy, xhat, invStd, gamma,
                                                           s: BatchNormShape) => {
    const op = 'batchNormBackward';
    const all = s.n * s.c * s.spatial;
    this.exports.batchNormBackward(this.at(op, 'dx', dx, all), this.at(op, 'dgamma', dgamma, s.c),
      this.at(op, 'dbeta', dbeta, s.c), this.at(op, 'dy', dy, all), this.at(op, 'xhat', xhat, all),
      this.at(op, 'invStd', invStd, s.c), this.at(op, 'gamma', gamma, s.c), s.n, s.c, s.spatial);
  };

  // ───────────────────────────────────────────────── loss ─────────────────────────────────────────────────

  readonly softmaxCrossEntropyForward: Twin<'softmaxCrossEntropyForward'> = (probs, logits, labels, n, classes) => {
    const op = 'softmaxCrossEntropyForward';
    ts.checkLabels('softmaxCrossEntropy', labels, n, classes);
    return this.exports.softmaxCrossEntropyForward(this.at(op, 'probs', probs, n * classes),
      this.at(op, 'logits', logits, n * classes), this.at(op, 'labels', labels, n), n, classes);
  };

  readonly softmaxCrossEntropyBackward: Twin<'softmaxCrossEntropyBackward'> = (dlogits, probs, labels, n, classes,
                                                                               scale = 1 / n) => {
    const op = 'softmaxCrossEntropyBackward';
    ts.checkLabels('softmaxCrossEntropyBackward', labels, n, classes);
    this.exports.softmaxCrossEntropyBackward(this.at(op, 'dlogits', dlogits, n * classes),
      this.at(op, 'probs', probs, n * classes), this.at(op, 'labels', labels, n), n, classes, scale);
  };

  // ─────────────────────────────────────────── optimizer updates ──────────────────────────────────────────

  /** One SGD step of params[from, to), sharing one weight decay (the twin: src/kernels/sgd.ts; μ = 0 does not touch `velocity`). */
  readonly sgdUpdate: Twin<'sgdUpdate'> = (params, grads, velocity, from, to, lr, momentum, weightDecay, nesterov) => {
    const op = 'sgdUpdate';
    const pv = momentum === 0 ? 0 : this.at(op, 'velocity', velocity, to) + 4 * from;
    this.exports.sgdStep(this.at(op, 'params', params, to) + 4 * from, this.at(op, 'grads', grads, to) + 4 * from, pv,
      to - from, lr, momentum, weightDecay, nesterov);
  };

  /**
   * One Adam step of params[from, to), sharing one weight decay (the twin: src/kernels/adam.ts); stepSize =
   * lr / (1 − β1ᵗ) and sqrtBc2 = √(1 − β2ᵗ) are the caller's, and 1 − β1, 1 − β2 are computed here in float64
   * and rounded once (assembly/adam.ts says why).
   */
  readonly adamUpdate: Twin<'adamUpdate'> = (params, grads, m, v, from, to, beta1, beta2, eps, weightDecay, stepSize,
                                             sqrtBc2) => {
    const op = 'adamUpdate';
    const off = 4 * from;
    this.exports.adamStep(this.at(op, 'params', params, to) + off, this.at(op, 'grads', grads, to) + off,
      this.at(op, 'm', m, to) + off, this.at(op, 'v', v, to) + off, to - from, beta1, 1 - beta1, beta2, 1 - beta2, eps,
      weightDecay, stepSize, sqrtBc2);
  };

  // ──────────────────────────────────────── sums: gradient slots, identity ────────────────────────────────────────

  /** y += x, four lanes at a time: the same bits as the twin (one float32 add per element). */
  readonly accumulate: Twin<'accumulate'> = (y, x, count) => {
    this.exports.accumulate(this.at('accumulate', 'y', y, count), this.at('accumulate', 'x', x, count), count);
  };

  /** dx += dy: the sum above. */
  readonly identityBackward: Twin<'identityBackward'> = (dx, dy, count) => {
    this.exports.accumulate(this.at('identityBackward', 'dx', dx, count), this.at('identityBackward', 'dy', dy, count), count);
  };

  // ──────────────────────── kernels without a SIMD version: the TypeScript ones, on the same views ────────────────────────

  readonly avgPoolForward: Twin<'avgPoolForward'> = ts.avgPoolForward;
  readonly avgPoolBackward: Twin<'avgPoolBackward'> = ts.avgPoolBackward;
  readonly sppForward: Twin<'sppForward'> = ts.sppForward;
  readonly sppBackward: Twin<'sppBackward'> = ts.sppBackward;
  readonly preluForward: Twin<'preluForward'> = ts.preluForward;
  readonly preluBackward: Twin<'preluBackward'> = ts.preluBackward;
  readonly dropoutMask: Twin<'dropoutMask'> = ts.dropoutMask;
  readonly dropoutForward: Twin<'dropoutForward'> = ts.dropoutForward;
  readonly dropoutBackward: Twin<'dropoutBackward'> = ts.dropoutBackward;
  readonly alphaDropoutMask: Twin<'alphaDropoutMask'> = ts.alphaDropoutMask;
  readonly alphaDropoutForward: Twin<'alphaDropoutForward'> = ts.alphaDropoutForward;
  readonly alphaDropoutBackward: Twin<'alphaDropoutBackward'> = ts.alphaDropoutBackward;
  readonly batchNormUpdateRunning: Twin<'batchNormUpdateRunning'> = ts.batchNormUpdateRunning;
  readonly batchNormBackwardEval: Twin<'batchNormBackwardEval'> = ts.batchNormBackwardEval;
  readonly centerForwardTrain: Twin<'centerForwardTrain'> = ts.centerForwardTrain;
  readonly centerForwardEval: Twin<'centerForwardEval'> = ts.centerForwardEval;
  readonly centerBackward: Twin<'centerBackward'> = ts.centerBackward;
  readonly centerUpdateRunning: Twin<'centerUpdateRunning'> = ts.centerUpdateRunning;
  readonly batchNormVariance: Twin<'batchNormVariance'> = ts.batchNormVariance;
  readonly batchNormInvStd: Twin<'batchNormInvStd'> = ts.batchNormInvStd;
  readonly globalAvgPoolForward: Twin<'globalAvgPoolForward'> = ts.globalAvgPoolForward;
  readonly globalAvgPoolBackward: Twin<'globalAvgPoolBackward'> = ts.globalAvgPoolBackward;
  readonly identityForward: Twin<'identityForward'> = ts.identityForward;
  readonly mseForward: Twin<'mseForward'> = ts.mseForward;
  readonly mseBackward: Twin<'mseBackward'> = ts.mseBackward;
  readonly sigmoidCrossEntropyForward: Twin<'sigmoidCrossEntropyForward'> = ts.sigmoidCrossEntropyForward;
  readonly sigmoidCrossEntropyBackward: Twin<'sigmoidCrossEntropyBackward'> = ts.sigmoidCrossEntropyBackward;
}
