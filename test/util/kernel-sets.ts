/**
 * The kernel sets the parametrised tests run over: the TypeScript kernels and the WebAssembly SIMD ones. A
 * test written once as `for (const ks of KERNEL_SETS) test(`… (${ks.name})`, { skip: ks.skip }, () => …)` holds
 * both sets to the same checks (the whole-network gradient checks, the PyTorch fixtures, the data-parallel
 * bit-identity). Where this runtime cannot run the SIMD kernels the simd cases skip with one line saying why.
 */
import { type KernelSet, tsKernels } from '../../src/kernels/kernel-set.js';
import { matmul } from '../../src/kernels/matmul.js';
import { createSimdKernels, simdAvailable, type SimdKernels } from '../../src/simd/index.js';

export interface TestKernels {
  name: 'ts' | 'simd';
  /** the set itself; `make` a fresh one (for simd: on a new memory, as a training run makes it) */
  readonly k: KernelSet;
  make(): KernelSet;
  /** the set's matrix multiply (not a KernelSet entry: the layers call it through dense and conv) */
  readonly matmul: typeof matmul;
  /** false, or why the set cannot run here */
  skip: string | false;
}

const support = simdAvailable();
let simdSet: SimdKernels | null = null;
const simdShared = (): SimdKernels => (simdSet ??= createSimdKernels());

export const KERNEL_SETS: readonly TestKernels[] = [
  { name: 'ts', k: tsKernels, make: () => tsKernels, matmul, skip: false },
  {
    name: 'simd',
    get k() {
      return simdShared();
    },
    make: () => createSimdKernels(),
    get matmul() {
      return simdShared().matmul;
    },
    skip: support.ok ? false : `the SIMD kernels cannot run here: ${support.reason}`,
  },
];
