/**
 * Choosing the kernels by name: what `--kernels ts|simd` means, and what a command uses when it is not given.
 *
 *   ts     the TypeScript kernels of src/kernels/ (the readable reference); plain arrays
 *   simd   the WebAssembly SIMD kernels of this folder; every buffer in one shared WebAssembly memory
 *
 * The default is simd where this runtime can run it (WebAssembly SIMD and shared memory, and the module was
 * built), else ts with a one-line note that names the reason. Both sets compute the same functions; results
 * differ in rounding only (docs/kernels/simd.md states by how much), and each set is deterministic.
 */
import fs from 'node:fs';
import { ElunetError } from '../errors.js';
import { type KernelSet, tsKernels } from '../kernels/kernel-set.js';
import { SimdKernels } from './kernels.js';
import { simdSupport, wasmFile, type SimdSupport } from './loader.js';

export type KernelsName = 'ts' | 'simd';
export const KERNEL_NAMES: readonly KernelsName[] = ['ts', 'simd'];

/** Whether the SIMD kernels can run here: the runtime (simdSupport) and the built module. */
export function simdAvailable(): SimdSupport {
  const support = simdSupport();
  if (!support.ok) return support;
  if (!fs.existsSync(wasmFile())) return { ok: false, reason: `the SIMD module ${wasmFile()} is not built (run \`npm run build\`)` };
  return { ok: true };
}

/**
 * The kernels to use: `requested` when given (an ElunetError if it is simd and simd cannot run here), else
 * simd where it can run and ts otherwise, with the note to print in `note`. `simd` is what simdAvailable()
 * says (a test passes another answer).
 */
export function resolveKernels(requested: string | undefined, flag = '--kernels',
                               simd: SimdSupport = simdAvailable()): { name: KernelsName; note?: string } {
  if (requested !== undefined && !KERNEL_NAMES.includes(requested as KernelsName)) {
    throw new ElunetError(`${flag} must be one of ${KERNEL_NAMES.join(', ')}, got '${requested}'`);
  }
  if (requested === 'simd' && !simd.ok) throw new ElunetError(`${flag} simd: ${simd.reason}; use ${flag} ts`);
  if (requested !== undefined) return { name: requested as KernelsName };
  return simd.ok ? { name: 'simd' } : { name: 'ts', note: `note: using the TypeScript kernels (--kernels ts): ${simd.reason}` };
}

/**
 * The named kernel set, made in this thread: ts is the one shared object; simd is a new set on a new shared
 * memory, or on `memory` (a worker joining the memory of the main thread).
 */
export function kernelsByName(name: KernelsName, memory?: WebAssembly.Memory): KernelSet {
  return name === 'simd' ? new SimdKernels({ memory }) : tsKernels;
}
