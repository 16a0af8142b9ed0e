/**
 * Finds, checks and instantiates elunet's WebAssembly SIMD kernels (src/simd/assembly/, compiled by
 * `npm run build` into dist/simd/elunet-simd.wasm; never committed, nothing downloaded).
 *
 *   simdSupport()            can this runtime run them? WebAssembly SIMD (validated on a tiny module) and
 *                            shared WebAssembly memory; { ok: false, reason } says what is missing
 *   wasmFile()               where the compiled module lives, relative to this package
 *   simdModule()             the compiled WebAssembly.Module (compiled once per thread, synchronously)
 *   instantiateKernels(mem)  one instance on a given shared memory: its exports, typed
 *
 * The module imports its memory (env.memory, shared, up to 65536 pages) and the host's Math.exp and Math.log
 * (env.exp, env.log: softmax-cross-entropy.ts says why); it has no static data, so any number of instances,
 * one per thread, can run on the same memory. docs/kernels/simd.md describes the whole design.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ElunetError } from '../errors.js';

/** The exports of dist/simd/elunet-simd.wasm (addresses are byte offsets into the shared memory). */
export interface SimdExports {
  MATMUL_SCRATCH_FLOATS: WebAssembly.Global;
  matmul(c: number, a: number, b: number, m: number, n: number, k: number, transA: boolean, transB: boolean,
         accumulate: boolean, scratch: number): void;
  conv2dForward(y: number, x: number, w: number, b: number, ws: number, scratch: number, N: number, C: number,
                H: number, W: number, OC: number, KH: number, KW: number, stride: number, padTop: number,
                padLeft: number, OH: number, OW: number): void;
  conv2dBackwardInput(dx: number, dy: number, w: number, ws: number, scratch: number, N: number, C: number,
                      H: number, W: number, OC: number, KH: number, KW: number, stride: number, padTop: number,
                      padLeft: number, OH: number, OW: number): void;
  conv2dBackwardParams(dw: number, db: number, dy: number, x: number, ws: number, scratch: number, N: number,
                       C: number, H: number, W: number, OC: number, KH: number, KW: number, stride: number,
                       padTop: number, padLeft: number, OH: number, OW: number): void;
  denseForward(y: number, x: number, w: number, b: number, scratch: number, N: number, IN: number, OUT: number): void;
  denseBackwardInput(dx: number, dy: number, w: number, scratch: number, N: number, IN: number, OUT: number): void;
  denseBackwardParams(dw: number, db: number, dy: number, x: number, scratch: number, N: number, IN: number,
                      OUT: number): void;
  eluForward(y: number, x: number, alpha: number, count: number): void;
  eluBackward(dx: number, dy: number, y: number, alpha: number, count: number): void;
  expm1Neg(y: number, x: number, count: number): void;
  seluForward(y: number, x: number, count: number): void;
  seluBackward(dx: number, dy: number, y: number, count: number): void;
  reluForward(y: number, x: number, count: number): void;
  reluBackward(dx: number, dy: number, y: number, count: number): void;
  leakyReluForward(y: number, x: number, slope: number, count: number): void;
  leakyReluBackward(dx: number, dy: number, y: number, slope: number, count: number): void;
  shiftedReluForward(y: number, x: number, count: number): void;
  shiftedReluBackward(dx: number, dy: number, y: number, count: number): void;
  maxPoolForward(y: number, argmax: number, x: number, N: number, C: number, H: number, W: number, k: number,
                 stride: number, pad: number, OH: number, OW: number): void;
  maxPoolBackward(dx: number, dy: number, argmax: number, count: number): void;
  batchNormForwardTrain(y: number, xhat: number, mean: number, invStd: number, x: number, gamma: number, beta: number,
                        N: number, C: number, S: number, eps: number): void;
  batchNormForwardEval(y: number, x: number, gamma: number, beta: number, runMean: number, runVar: number, N: number,
                       C: number, S: number, eps: number): void;
  batchNormBackward(dx: number, dgamma: number, dbeta: number, dy: number, xhat: number, invStd: number, gamma: number,
                    N: number, C: number, S: number): void;
  softmaxCrossEntropyForward(probs: number, logits: number, labels: number, n: number, classes: number): number;
  softmaxCrossEntropyBackward(dlogits: number, probs: number, labels: number, n: number, classes: number,
                              scale: number): void;
  sgdStep(params: number, grads: number, velocity: number, count: number, lr: number, mu: number, wd: number,
          nesterov: boolean): void;
  adamStep(params: number, grads: number, m: number, v: number, count: number, beta1: number, oneMinusBeta1: number,
           beta2: number, oneMinusBeta2: number, eps: number, wd: number, stepSize: number, sqrtBc2: number): void;
  accumulate(y: number, x: number, count: number): void;
  peakMulAdd(iterations: number, mul: number, add: number): number;
  peakFlopsPerIteration(): number;
}

/** The memory the module was compiled for: shared, at most 65536 pages of 64 KiB (4 GiB, all of wasm32). */
export const MAX_PAGES = 65536;
export const PAGE_BYTES = 65536;

export type SimdSupport = { ok: true } | { ok: false; reason: string };

/**
 * The smallest module that uses a SIMD instruction: (func (result v128) i32.const 0 i8x16.splat i8x16.popcnt).
 * A runtime without WebAssembly SIMD rejects it in WebAssembly.validate.
 */
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, 0x03, 0x02, 0x01, 0x00,
  0x0a, 0x0a, 0x01, 0x08, 0x00, 0x41, 0x00, 0xfd, 0x0f, 0xfd, 0x62, 0x0b,
]);

/**
 * Whether this runtime can run the SIMD kernels: WebAssembly with SIMD (the probe module validates) and shared
 * memories (a WebAssembly.Memory with shared: true is backed by a SharedArrayBuffer). `wasm` is the
 * WebAssembly namespace to ask (a test passes a stand-in without SIMD).
 */
export function simdSupport(wasm: typeof WebAssembly | null = globalThis.WebAssembly ?? null): SimdSupport {
  if (!wasm) return { ok: false, reason: 'this runtime has no WebAssembly' };
  try {
    if (!wasm.validate(SIMD_PROBE)) return { ok: false, reason: 'this runtime has WebAssembly but not its SIMD extension' };
  } catch (e) {
    return { ok: false, reason: `WebAssembly.validate failed on the SIMD probe (${(e as Error).message})` };
  }
  try {
    const m = new wasm.Memory({ initial: 1, maximum: 1, shared: true });
    if (typeof SharedArrayBuffer === 'undefined' || !(m.buffer instanceof SharedArrayBuffer)) {
      return { ok: false, reason: 'this runtime cannot share WebAssembly memory (no SharedArrayBuffer)' };
    }
  } catch (e) {
    return { ok: false, reason: `this runtime cannot create a shared WebAssembly memory (${(e as Error).message})` };
  }
  return { ok: true };
}

/** dist/simd/elunet-simd.wasm of this package (this file runs as dist/src/simd/loader.js). */
export function wasmFile(): string {
  return fileURLToPath(new URL('../../simd/elunet-simd.wasm', import.meta.url));
}

let cached: WebAssembly.Module | null = null;

/** The compiled module of wasmFile(), compiled once per thread (synchronously, so networks build synchronously). */
export function simdModule(): WebAssembly.Module {
  if (cached) return cached;
  const file = wasmFile();
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = new Uint8Array(fs.readFileSync(file));
  } catch {
    throw new ElunetError(
      `the SIMD kernels are not built: ${file} is missing; run \`npm run build\` (it compiles src/simd/assembly ` +
        `with AssemblyScript), or use the TypeScript kernels (--kernels ts)`,
    );
  }
  cached = compileSimd(bytes, file);
  return cached;
}

/** Compiles module bytes (the built file, or a test's variant), with an error that names where they came from. */
export function compileSimd(bytes: Uint8Array<ArrayBuffer>, from: string): WebAssembly.Module {
  const support = simdSupport();
  if (!support.ok) throw new ElunetError(`cannot load the SIMD kernels: ${support.reason}; use --kernels ts`);
  try {
    return new WebAssembly.Module(bytes);
  } catch (e) {
    throw new ElunetError(`${from} is not a valid WebAssembly module (${(e as Error).message}); rebuild it with \`npm run build\``);
  }
}

/** Instantiates `module` (default: the built one) on `memory`; every thread that computes makes its own instance. */
export function instantiateKernels(memory: WebAssembly.Memory, module: WebAssembly.Module = simdModule()): SimdExports {
  const instance = new WebAssembly.Instance(module, { env: { memory, exp: Math.exp, log: Math.log } });
  return instance.exports as unknown as SimdExports;
}
