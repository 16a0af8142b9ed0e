/**
 * KernelSet: the kernels a network calls, gathered in one object, together with the memory they work on.
 *
 * The layer files (src/model/layers/) and the losses (src/model/loss.ts) import no kernel: they call
 * `k.conv2dForward(…)` on the KernelSet their Network was given. `tsKernels`, built below from the
 * TypeScript kernels of this folder, is the default and the reference every test holds things to. Another set
 * (say, WebAssembly SIMD kernels) implements the same signatures; a layer never asks which set it got.
 *
 * `alloc` is the allocation hook. Every array a Network allocates — activations, the two gradient buffers,
 * the input gradient, the convolution workspace, batch-norm scratch, dropout masks, pooling argmax, the loss's
 * probabilities, and params/grads/state when the caller does not supply them — comes from the set's `alloc`,
 * and so does the optimizer's state. A set whose kernels can only read and write their own memory (a
 * WebAssembly memory) hands out views into that memory; tsKernels hands out plain arrays. An array the caller
 * supplies (the input batch, the targets) is used as given when `alloc.holds` it, and copied into one of the
 * set's own otherwise (the Network does this, once per call, for the few arrays a caller hands it).
 *
 * The list below is exactly what the layers, the losses, the optimizers and the sum of gradient slots call;
 * shape records (conv2dShape, …) are plain data and are built by the shape functions directly, whatever the
 * set. Kernels import nothing of the model, and this file only gathers them.
 */
import { accumulate } from './accumulate.js';
import { activationBackward, activationForward } from './activation.js';
import { adamUpdate } from './adam.js';
import { alphaDropoutBackward, alphaDropoutForward, alphaDropoutMask } from './alpha-dropout.js';
import {
  batchNormBackward,
  batchNormBackwardEval,
  batchNormForwardEval,
  batchNormForwardTrain,
  batchNormInvStd,
  batchNormUpdateRunning,
  batchNormVariance,
} from './batchnorm.js';
import { centerBackward, centerForwardEval, centerForwardTrain, centerUpdateRunning } from './center.js';
import { conv2dBackwardInput, conv2dBackwardParams, conv2dForward, conv2dWorkspaceSize } from './conv2d.js';
import { denseBackwardInput, denseBackwardParams, denseForward } from './dense.js';
import { dropoutBackward, dropoutForward, dropoutMask } from './dropout.js';
import { globalAvgPoolBackward, globalAvgPoolForward } from './global-avg-pool.js';
import { identityBackward, identityForward } from './identity.js';
import { mseBackward, mseForward } from './mse.js';
import { avgPoolBackward, avgPoolForward, maxPoolBackward, maxPoolForward } from './pool.js';
import { preluBackward, preluForward } from './prelu.js';
import { sgdUpdate } from './sgd.js';
import { sigmoidCrossEntropyBackward, sigmoidCrossEntropyForward } from './sigmoid-cross-entropy.js';
import { softmaxCrossEntropyBackward, softmaxCrossEntropyForward } from './softmax-cross-entropy.js';
import { sppBackward, sppForward } from './spp.js';

/** Where a network's arrays come from. Each call returns a zero-filled array of n elements. */
export interface Allocator {
  f32(n: number): Float32Array;
  i32(n: number): Int32Array;
  u8(n: number): Uint8Array;
  /** whether the set's kernels can take `a` as it is (it lives in their memory) */
  holds(a: ArrayBufferView): boolean;
  /** its arrays live on SharedArrayBuffers, which worker threads can share (src/parallel/) */
  readonly shared: boolean;
}

/** Plain JavaScript arrays; the TypeScript kernels take any array. */
export const heapAllocator: Allocator = {
  f32: (n) => new Float32Array(n),
  i32: (n) => new Int32Array(n),
  u8: (n) => new Uint8Array(n),
  holds: () => true,
  shared: false,
};

export interface KernelSet {
  /** for messages and reports: 'ts' */
  readonly name: string;
  readonly alloc: Allocator;
  conv2dWorkspaceSize: typeof conv2dWorkspaceSize;
  conv2dForward: typeof conv2dForward;
  conv2dBackwardInput: typeof conv2dBackwardInput;
  conv2dBackwardParams: typeof conv2dBackwardParams;
  denseForward: typeof denseForward;
  denseBackwardInput: typeof denseBackwardInput;
  denseBackwardParams: typeof denseBackwardParams;
  batchNormForwardTrain: typeof batchNormForwardTrain;
  batchNormForwardEval: typeof batchNormForwardEval;
  batchNormBackward: typeof batchNormBackward;
  batchNormBackwardEval: typeof batchNormBackwardEval;
  batchNormVariance: typeof batchNormVariance;
  batchNormInvStd: typeof batchNormInvStd;
  batchNormUpdateRunning: typeof batchNormUpdateRunning;
  centerForwardTrain: typeof centerForwardTrain;
  centerForwardEval: typeof centerForwardEval;
  centerBackward: typeof centerBackward;
  centerUpdateRunning: typeof centerUpdateRunning;
  activationForward: typeof activationForward;
  activationBackward: typeof activationBackward;
  preluForward: typeof preluForward;
  preluBackward: typeof preluBackward;
  maxPoolForward: typeof maxPoolForward;
  maxPoolBackward: typeof maxPoolBackward;
  avgPoolForward: typeof avgPoolForward;
  avgPoolBackward: typeof avgPoolBackward;
  sppForward: typeof sppForward;
  sppBackward: typeof sppBackward;
  globalAvgPoolForward: typeof globalAvgPoolForward;
  globalAvgPoolBackward: typeof globalAvgPoolBackward;
  identityForward: typeof identityForward;
  identityBackward: typeof identityBackward;
  dropoutMask: typeof dropoutMask;
  dropoutForward: typeof dropoutForward;
  dropoutBackward: typeof dropoutBackward;
  alphaDropoutMask: typeof alphaDropoutMask;
  alphaDropoutForward: typeof alphaDropoutForward;
  alphaDropoutBackward: typeof alphaDropoutBackward;
  softmaxCrossEntropyForward: typeof softmaxCrossEntropyForward;
  softmaxCrossEntropyBackward: typeof softmaxCrossEntropyBackward;
  mseForward: typeof mseForward;
  mseBackward: typeof mseBackward;
  sigmoidCrossEntropyForward: typeof sigmoidCrossEntropyForward;
  sigmoidCrossEntropyBackward: typeof sigmoidCrossEntropyBackward;
  sgdUpdate: typeof sgdUpdate;
  adamUpdate: typeof adamUpdate;
  accumulate: typeof accumulate;
}

/** The TypeScript kernels of this folder: the readable reference. */
export const tsKernels: KernelSet = {
  name: 'ts',
  alloc: heapAllocator,
  conv2dWorkspaceSize,
  conv2dForward,
  conv2dBackwardInput,
  conv2dBackwardParams,
  denseForward,
  denseBackwardInput,
  denseBackwardParams,
  batchNormForwardTrain,
  batchNormForwardEval,
  batchNormBackward,
  batchNormBackwardEval,
  batchNormVariance,
  batchNormInvStd,
  batchNormUpdateRunning,
  centerForwardTrain,
  centerForwardEval,
  centerBackward,
  centerUpdateRunning,
  activationForward,
  activationBackward,
  preluForward,
  preluBackward,
  maxPoolForward,
  maxPoolBackward,
  avgPoolForward,
  avgPoolBackward,
  sppForward,
  sppBackward,
  globalAvgPoolForward,
  globalAvgPoolBackward,
  identityForward,
  identityBackward,
  dropoutMask,
  dropoutForward,
  dropoutBackward,
  alphaDropoutMask,
  alphaDropoutForward,
  alphaDropoutBackward,
  softmaxCrossEntropyForward,
  softmaxCrossEntropyBackward,
  mseForward,
  mseBackward,
  sigmoidCrossEntropyForward,
  sigmoidCrossEntropyBackward,
  sgdUpdate,
  adamUpdate,
  accumulate,
};
