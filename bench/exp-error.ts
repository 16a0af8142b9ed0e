/**
 * The error of the SIMD kernels' expm1 (src/simd/assembly/expm1.ts) against float64 Math.expm1, over the
 * negative float32 values it is used on: every float32 from −0 down to −24 (below −24 the input is clamped
 * and the result is exactly −1, as is the correctly rounded one for every x < −17.33).
 *
 *   node dist/bench/exp-error.js [--stride S] [--json]
 *
 * --stride 1 (the default) checks all 1,103,101,952 values (about a minute on one core); --stride S checks
 * every S-th bit pattern. Reports the largest error in float32 ulps of the correctly rounded result and the
 * largest absolute error, each with the input where it occurs. test/simd-activations.test.ts runs the same
 * function on a dense grid (measureExpm1Error, exported here).
 */
import { createSimdKernels, type SimdKernels } from '../src/simd/index.js';
import { intArg, note, parseArgs, runBench } from './common.js';

export interface Expm1Error {
  checked: number;
  maxUlp: number;
  maxUlpAt: number;
  maxAbs: number;
  maxAbsAt: number;
  /** how many results are not the correctly rounded float32 */
  notCorrectlyRounded: number;
}

/** Bit pattern of −24 as float32: the last input checked. */
const LAST_BITS = 0xc1c00000;
const CHUNK = 1 << 20;

/**
 * Runs expm1Neg on the float32 bit patterns 0x80000000 (−0), +stride, … up to −24 and compares each result with
 * Math.expm1 of the same input in float64.
 */
export function measureExpm1Error(k: SimdKernels, stride: number, progress?: (done: number) => void): Expm1Error {
  const mark = k.memory.mark();
  const x = k.memory.f32(CHUNK), y = k.memory.f32(CHUNK);
  const xBits = new Uint32Array(x.buffer, x.byteOffset, CHUNK);
  const ref32 = new Float32Array(1);
  const refBits = new Uint32Array(ref32.buffer);
  const r: Expm1Error = { checked: 0, maxUlp: 0, maxUlpAt: 0, maxAbs: 0, maxAbsAt: 0, notCorrectlyRounded: 0 };
  const span = LAST_BITS - 0x80000000;
  let done = 0;
  for (let start = 0; start <= span; ) {
    let n = 0;
    for (; n < CHUNK && start <= span; n++, start += stride) xBits[n] = 0x80000000 + start;
    k.exports.expm1Neg(y.byteOffset, x.byteOffset, n);
    for (let i = 0; i < n; i++) {
      const xi = x[i];
      const exact = Math.expm1(xi);
      ref32[0] = exact;
      const e = (refBits[0] >>> 23) & 0xff;
      const ulp = e === 0 ? 2 ** -149 : 2 ** (e - 150);
      const err = Math.abs(y[i] - exact);
      const inUlp = err / ulp;
      if (y[i] !== ref32[0]) r.notCorrectlyRounded++;
      if (inUlp > r.maxUlp) {
        r.maxUlp = inUlp;
        r.maxUlpAt = xi;
      }
      if (err > r.maxAbs) {
        r.maxAbs = err;
        r.maxAbsAt = xi;
      }
    }
    r.checked += n;
    done += n;
    if (progress && (done & ((1 << 27) - 1)) < n) progress(done);
  }
  k.memory.release(mark);
  return r;
}

async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv, { flags: ['json'], values: ['stride'] });
  const stride = intArg(args, 'stride', 1);
  const k = createSimdKernels();
  const t0 = performance.now();
  const r = measureExpm1Error(k, stride, (d) => note(`  ${(d / 1e6).toFixed(0)} M values checked`));
  const seconds = (performance.now() - t0) / 1000;
  const out = { ...r, stride, seconds: Math.round(seconds * 10) / 10, range: '[-24, -0] (all negative float32 there, every stride-th bit pattern)' };
  if (args.flags.has('json')) {
    process.stdout.write(JSON.stringify(out, null, 2) + '\n');
  } else {
    process.stdout.write(
      `expm1 (SIMD) against float64 Math.expm1 on ${r.checked} float32 inputs in [−24, −0] (stride ${stride}, ${out.seconds} s):\n` +
        `  max error ${r.maxUlp.toFixed(3)} ulp (at x = ${r.maxUlpAt}), max absolute error ${r.maxAbs.toExponential(3)} (at x = ${r.maxAbsAt})\n` +
        `  ${r.notCorrectlyRounded} results (${((100 * r.notCorrectlyRounded) / r.checked).toFixed(2)} %) differ from the correctly rounded float32\n`,
    );
  }
}

// runs only as a program, not when a test imports measureExpm1Error
runBench(import.meta.url, main);
