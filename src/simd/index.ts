/**
 * elunet's WebAssembly SIMD kernels, from TypeScript: the loader (feature detection, the compiled module),
 * the shared memory and its allocator, and the kernel set with the TypeScript kernels' signatures.
 * docs/kernels/simd.md explains the design; src/simd/assembly/ holds the kernels themselves.
 */
export { simdSupport, simdModule, compileSimd, instantiateKernels, wasmFile, MAX_PAGES, PAGE_BYTES } from './loader.js';
export type { SimdExports, SimdSupport } from './loader.js';
export { SimdMemory, type SimdMemoryOptions } from './memory.js';
export { SimdKernels, createSimdKernels, type SimdKernelOptions } from './kernels.js';
export { KERNEL_NAMES, kernelsByName, resolveKernels, simdAvailable, type KernelsName } from './select.js';
