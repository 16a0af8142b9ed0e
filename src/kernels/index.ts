/**
 * Every kernel of elunet, re-exported. Each lives in its own file with its forward and backward side by side
 * and a header giving the shapes and the equations; docs/architecture.md lists the signatures and
 * docs/kernels/ derives them. Conventions: NCHW layout; conv filters (OC, C, KH, KW); dense weights
 * (out, in); outputs first, then inputs, then parameters, then a shape record; backward accumulates.
 * kernel-set.ts gathers the ones a network calls into one object (KernelSet), with its allocation hook.
 */
export * from './matmul.js';
export * from './conv2d.js';
export * from './dense.js';
export * from './pool.js';
export * from './spp.js';
export * from './global-avg-pool.js';
export * from './elu.js';
export * from './relu.js';
export * from './leaky-relu.js';
export * from './shifted-relu.js';
export * from './prelu.js';
export * from './selu.js';
export * from './identity.js';
export * from './activation.js';
export * from './dropout.js';
export * from './alpha-dropout.js';
export * from './batchnorm.js';
export * from './center.js';
export * from './softmax-cross-entropy.js';
export * from './mse.js';
export * from './sigmoid-cross-entropy.js';
export * from './sgd.js';
export * from './adam.js';
export * from './accumulate.js';
export * from './init.js';
export * from './kernel-set.js';
