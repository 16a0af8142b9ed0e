/**
 * The measurements behind the memory design of the SIMD path (docs/kernels/simd.md, "Memory"):
 *
 *   node dist/bench/simd-memory.js [--rounds R] [--slice MS]
 *
 *   --rounds R   interleaved rounds (default 9); results are medians over rounds
 *   --slice MS   how long each variant runs in one round, and each copy timing (default 300)
 *
 *  1. Do the kernels run slower on a shared memory? The module is compiled a second time without
 *     --sharedMemory (with the asc API, in memory) and both instances run the same kernels on the same data
 *     in interleaved rounds (median of same-round ratios).
 *  2. What would the alternative — one private memory per worker — cost per step? Copying the parameters in
 *     (and a gradient slot out) of mnist-cnn (421,642 floats) and of cifar-11 at full width, timed with
 *     Float32Array.set.
 * Growth is not timed: a non-shared memory detaches its buffer on grow (test/simd-memory.test.ts shows every
 * view becoming empty), which decides the question by itself for buffers that are allocated over time.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';
import * as ts from '../src/kernels/index.js';
import { Network } from '../src/model/network.js';
import { models } from '../src/model/zoo.js';
import { compileSimd, type SimdExports } from '../src/simd/loader.js';
import { fillUniform, fmt, intArg, note, numberArg, parseArgs, runBench } from './common.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

async function compileVariant(shared: boolean): Promise<WebAssembly.Module> {
  const script: string = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).scripts['build:simd'];
  const args = script.split(/\s+/).slice(2);
  args.splice(args.indexOf('--outFile'), 2);
  const flags = shared ? args : args.filter((a) => a !== '--sharedMemory');
  let binary: Uint8Array | null = null;
  const { error } = await asc.main([path.join(root, 'src/simd/assembly/index.ts'), '--outFile', 'v.wasm', ...flags], {
    writeFile: (name: string, contents: Uint8Array | string) => { if (name.endsWith('.wasm')) binary = contents as Uint8Array; },
    stdout: { write: () => true } as unknown as NodeJS.WritableStream,
    stderr: { write: () => true } as unknown as NodeJS.WritableStream,
  } as never);
  if (error || !binary) throw new Error(`asc failed: ${error?.message}`);
  return compileSimd(new Uint8Array(binary as Uint8Array), `the ${shared ? 'shared' : 'non-shared'} variant`);
}

interface Variant {
  name: string;
  ex: SimdExports;
  f32: (n: number) => Float32Array;
}

function makeVariant(module: WebAssembly.Module, shared: boolean): Variant {
  const memory = new WebAssembly.Memory({ initial: 2048, maximum: 65536, shared });
  const ex = new WebAssembly.Instance(module, { env: { memory, exp: Math.exp, log: Math.log } }).exports as unknown as SimdExports;
  let at = 64;
  return {
    name: shared ? 'shared' : 'non-shared',
    ex,
    f32: (n) => {
      const v = new Float32Array(memory.buffer, at, n);
      at += Math.ceil((n * 4) / 64) * 64;
      return v;
    },
  };
}

/** The kernels timed on one variant: a function per workload. */
function workloads(v: Variant): { name: string; run: () => void }[] {
  const scratch = v.f32(v.ex.MATMUL_SCRATCH_FLOATS.value);
  const n = 256;
  const a = fillUniform(v.f32(n * n), 1), b = fillUniform(v.f32(n * n), 2), c = v.f32(n * n);
  const count = 1 << 20;
  const x = fillUniform(v.f32(count), 3, -3, 3), y = v.f32(count);
  const s = ts.conv2dShape({ n: 16, c: 32, h: 14, w: 14, oc: 64, kh: 3, pad: 'same' });
  const cx = fillUniform(v.f32(16 * 32 * 196), 4), cw = fillUniform(v.f32(64 * 32 * 9), 5), cy = v.f32(16 * 64 * 196);
  const ws = v.f32(ts.conv2dWorkspaceSize(s));
  return [
    { name: 'matmul 256³', run: () => v.ex.matmul(c.byteOffset, a.byteOffset, b.byteOffset, n, n, n, false, false, false, scratch.byteOffset) },
    { name: 'elu fwd 1M', run: () => v.ex.eluForward(y.byteOffset, x.byteOffset, 1, count) },
    { name: 'conv2d fwd 14×14 32→64 b16', run: () => v.ex.conv2dForward(cy.byteOffset, cx.byteOffset, cw.byteOffset, 0, ws.byteOffset,
      scratch.byteOffset, s.n, s.c, s.h, s.w, s.oc, s.kh, s.kw, s.stride, s.padTop, s.padLeft, s.oh, s.ow) },
  ];
}

function timeFor(fn: () => void, ms: number): number {
  const t0 = performance.now();
  let calls = 0;
  let t = 0;
  do {
    fn();
    calls++;
    t = performance.now() - t0;
  } while (t < ms);
  return t / calls;
}

const median = (xs: number[]): number => [...xs].sort((p, q) => p - q)[xs.length >> 1];

async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv, { values: ['rounds', 'slice'] });
  const rounds = intArg(args, 'rounds', 9);
  const slice = numberArg(args, 'slice', 300);
  const shared = workloads(makeVariant(await compileVariant(true), true));
  const plain = workloads(makeVariant(await compileVariant(false), false));
  process.stdout.write(`1. the same kernels on a shared and a non-shared memory (${rounds} interleaved rounds of ${slice} ms)\n`);
  for (let w = 0; w < shared.length; w++) {
    for (const f of [shared[w].run, plain[w].run]) timeFor(f, 500); // warm-up and tier-up
    const ratios: number[] = [];
    const msShared: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 ? [plain[w].run, shared[w].run] : [shared[w].run, plain[w].run];
      const t = order.map((f) => timeFor(f, slice));
      const [ts0, tp] = r % 2 ? [t[1], t[0]] : [t[0], t[1]];
      ratios.push(tp / ts0);
      msShared.push(ts0);
    }
    process.stdout.write(`   ${shared[w].name.padEnd(28)} shared ${fmt(median(msShared))} ms/call; non-shared speed / shared speed: ` +
      `median ${fmt(median(ratios.map((q) => 1 / q)))}× (range ${fmt(Math.min(...ratios.map((q) => 1 / q)))}–${fmt(Math.max(...ratios.map((q) => 1 / q)))}×)\n`);
  }
  process.stdout.write('2. one private memory per worker instead: copying parameters in and a gradient slot out, per step\n');
  for (const model of ['mnist-cnn', 'cifar-11'] as const) {
    const n = new Network(models[model].build({ activation: 'elu' }), { maxBatch: 1 }).paramCount;
    const src = fillUniform(new Float32Array(n), 6), dst = new Float32Array(n);
    const ms = median(Array.from({ length: rounds }, () => timeFor(() => dst.set(src), slice)));
    process.stdout.write(`   ${model.padEnd(24)} ${n} floats: ${fmt(ms)} ms per copy, ${fmt(2 * ms)} ms per step and worker (in and out)\n`);
  }
  note('done');
}

runBench(import.meta.url, main);
