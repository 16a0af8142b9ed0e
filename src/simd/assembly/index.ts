/**
 * The entry of elunet's WebAssembly SIMD kernels: every exported function of the module, by the file of its
 * TypeScript twin. Built by `npm run build` (asc with SIMD, a shared imported memory, -O3) into
 * dist/simd/elunet-simd.wasm and loaded by src/simd/loader.ts; docs/kernels/simd.md explains the design.
 */
export { MATMUL_SCRATCH_FLOATS, matmul } from './matmul';
export { conv2dForward, conv2dBackwardInput, conv2dBackwardParams } from './conv2d';
export { denseForward, denseBackwardInput, denseBackwardParams } from './dense';
export { eluForward, eluBackward } from './elu';
export { expm1Neg } from './expm1';
export { seluForward, seluBackward } from './selu';
export { reluForward, reluBackward } from './relu';
export { leakyReluForward, leakyReluBackward } from './leaky-relu';
export { shiftedReluForward, shiftedReluBackward } from './shifted-relu';
export { maxPoolForward, maxPoolBackward } from './pool';
export { batchNormForwardTrain, batchNormForwardEval, batchNormBackward } from './batchnorm';
export { softmaxCrossEntropyForward, softmaxCrossEntropyBackward } from './softmax-cross-entropy';
export { sgdStep } from './sgd';
export { accumulate } from './accumulate';
export { adamStep } from './adam';
export { peakMulAdd, peakFlopsPerIteration } from './peak';
