/**
 * The SIMD path's plumbing: feature detection, the compiled module's imports (and that it has no static data,
 * so threads can share its memory), the shared-memory allocator, the checks on the views a kernel gets, and
 * a prototype of data-parallel workers that share one WebAssembly memory (test/util/simd-worker.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import { ElunetError } from '../src/errors.js';
import * as ts from '../src/kernels/index.js';
import { Rng } from '../src/rng.js';
import { SimdMemory, createSimdKernels, resolveKernels, simdSupport, wasmFile } from '../src/simd/index.js';
import { expectWithin, inMem, randomF32, simd, sumBound } from './util/simd.js';
import type { WorkerJob } from './util/simd-worker.js';

test('simdSupport: this runtime has WebAssembly SIMD and shared memory; without SIMD it says what is missing', () => {
  assert.deepEqual(simdSupport(), { ok: true });
  const noSimd = { ...WebAssembly, validate: () => false } as unknown as typeof WebAssembly;
  assert.deepEqual(simdSupport(noSimd), { ok: false, reason: 'this runtime has WebAssembly but not its SIMD extension' });
  assert.deepEqual(simdSupport(null), { ok: false, reason: 'this runtime has no WebAssembly' });
});

/** The ids of the sections of a WebAssembly binary, and the names of its imports. */
function sections(bytes: Uint8Array): { ids: number[]; imports: string[] } {
  let at = 8;
  const leb = (): number => {
    let v = 0, shift = 0, b: number;
    do {
      b = bytes[at++];
      v |= (b & 0x7f) << shift;
      shift += 7;
    } while (b & 0x80);
    return v >>> 0;
  };
  const ids: number[] = [];
  const imports: string[] = [];
  while (at < bytes.length) {
    const id = bytes[at++];
    const size = leb();
    const end = at + size;
    ids.push(id);
    if (id === 2) {
      const text = (): string => {
        const n = leb();
        const s = Buffer.from(bytes.subarray(at, at + n)).toString('utf8');
        at += n;
        return s;
      };
      for (let i = leb(); i > 0; i--) {
        const name = `${text()}.${text()}`;
        const kind = bytes[at++];
        imports.push(name);
        if (kind === 0) leb(); // function: type index
        else if (kind === 2) { const flags = bytes[at++]; leb(); if (flags & 1) leb(); } // memory limits
        else throw new Error(`unexpected import kind ${kind}`);
      }
    }
    at = end;
  }
  return { ids, imports };
}

test('resolveKernels: simd by default where it runs, else ts with a note naming the reason; simd asked for where it cannot run is an error', () => {
  const cannot = { ok: false as const, reason: 'this runtime has WebAssembly but not its SIMD extension' };
  assert.deepEqual(resolveKernels(undefined, '--kernels', { ok: true }), { name: 'simd' });
  assert.deepEqual(resolveKernels('ts', '--kernels', { ok: true }), { name: 'ts' });
  assert.deepEqual(resolveKernels(undefined, '--kernels', cannot),
    { name: 'ts', note: 'note: using the TypeScript kernels (--kernels ts): this runtime has WebAssembly but not its SIMD extension' });
  assert.deepEqual(resolveKernels('ts', '--kernels', cannot), { name: 'ts' });
  assert.throws(() => resolveKernels('simd', '--kernels', cannot),
    (e: unknown) => e instanceof ElunetError && /--kernels simd: this runtime has WebAssembly but not its SIMD extension; use --kernels ts/.test((e as Error).message));
  assert.throws(() => resolveKernels('gpu'), (e: unknown) => e instanceof ElunetError && /--kernels must be one of ts, simd, got 'gpu'/.test((e as Error).message));
  // here (Node 20, the module built) the default is simd
  assert.deepEqual(resolveKernels(undefined), { name: 'simd' });
});

test('the built module imports only env.memory, env.exp and env.log, and has no data section', () => {
  const { ids, imports } = sections(new Uint8Array(fs.readFileSync(wasmFile())));
  assert.deepEqual(imports.sort(), ['env.exp', 'env.log', 'env.memory']);
  // data (11) would be written into the shared memory again by every thread's instantiation
  assert.ok(!ids.includes(11), 'the module has static data');
});

test('SimdMemory: 64-byte aligned allocations above the header, growing on demand, mark and release', () => {
  const mem = new SimdMemory(undefined, { initialPages: 1, maximumPages: 64 });
  const a = mem.f32(3), b = mem.i32(5);
  assert.equal(a.byteOffset, 64);
  assert.equal(b.byteOffset, 128);
  assert.equal(mem.byteLength, 65536);
  const mark = mem.mark();
  const big = mem.f32(40_000); // bytes [192, 160192): the memory grows to 3 pages
  assert.equal(big.byteOffset, 192);
  assert.equal(mem.byteLength, 3 * 65536);
  big[39_999] = 7;
  a[2] = 5; // a view made before the grow still works: a shared memory never detaches
  assert.equal(a[2], 5);
  mem.release(mark);
  assert.equal(mem.f32(1).byteOffset, mark);
  assert.throws(() => mem.f32(64 * 16384), (e: unknown) => e instanceof ElunetError && /cannot grow the WebAssembly memory .* maximum is fixed/.test(e.message));
});

test('why the memory is shared: growing a non-shared memory detaches every view made before', () => {
  const plain = new WebAssembly.Memory({ initial: 1, maximum: 4 });
  const view = new Float32Array(plain.buffer, 64, 4);
  plain.grow(1);
  assert.equal(view.length, 0); // a network's buffers would all have become empty
  const shared = new WebAssembly.Memory({ initial: 1, maximum: 4, shared: true });
  const sview = new Float32Array(shared.buffer, 64, 4);
  shared.grow(1);
  assert.equal(sview.length, 4);
});

test('simd kernels reject views of other memories, and accept views made before the memory grew', () => {
  const k = simd();
  const other = createSimdKernels(); // another memory
  const x = other.memory.f32(8);
  assert.throws(() => k.eluForward(k.memory.f32(8), x, 1, 8),
    (e: unknown) => e instanceof ElunetError && /simd eluForward: x is not a view of this kernel set's WebAssembly memory \(it is a view of another SharedArrayBuffer/.test(e.message));
  assert.throws(() => k.reluForward(new Float32Array(8), k.memory.f32(8), 8), /simd reluForward: y is not a view .*an ArrayBuffer of 32 bytes/);
  const early = inMem(k, [-1, 2, -3, 4]);
  const mark = k.memory.mark();
  k.memory.f32(4_000_000); // 16 MB: grows the memory, so it has a new SharedArrayBuffer object
  k.reluForward(early, early, 4);
  assert.deepEqual(Array.from(early), [0, 2, 0, 4]);
  k.memory.release(mark);
});

test('data-parallel prototype: workers instantiate the kernels on one shared memory and write their gradient slots in place', async () => {
  const k = createSimdKernels();
  const rng = new Rng(12);
  const batch = 64, micro = 16, IN = 37, OUT = 11, workers = 2;
  const x = inMem(k, randomF32(rng, batch * IN));
  const dy = inMem(k, randomF32(rng, batch * OUT));
  const slots = k.memory.f32(workers * OUT * IN); // zeroed: a fresh memory
  const before = k.memory.byteLength;
  const results = await Promise.all(Array.from({ length: workers }, (_, worker) => new Promise<{ ownAt: number; memoryBytes: number }>((resolve, reject) => {
    const job: WorkerJob = { memory: k.memory.memory, x: x.byteOffset, dy: dy.byteOffset, slots: slots.byteOffset, batch, micro, IN, OUT, worker, workers, growBytes: 8 << 20 };
    const w = new Worker(new URL('./util/simd-worker.js', import.meta.url), { workerData: job });
    w.once('message', resolve);
    w.once('error', reject);
  })));
  // every worker allocated its own region through the shared bump pointer: no two overlap
  assert.notEqual(results[0].ownAt, results[1].ownAt);
  assert.ok(k.memory.byteLength >= before + 16 << 20, 'the workers grew the shared memory');
  // the main thread reads the slots in place, in a fixed order, and gets the whole batch's dW
  const total = new Float32Array(OUT * IN);
  for (let w = 0; w < workers; w++) for (let i = 0; i < total.length; i++) total[i] += slots[w * OUT * IN + i];
  const ref = new Float32Array(OUT * IN), mag = new Float32Array(OUT * IN);
  const s = ts.denseShape({ n: batch, inFeatures: IN, outFeatures: OUT });
  ts.denseBackwardParamsNaive(ref, null, dy, x, s);
  ts.denseBackwardParamsNaive(mag, null, Float32Array.from(dy, Math.abs), Float32Array.from(x, Math.abs), s);
  expectWithin(total, ref, sumBound(batch + workers, mag), 'dW summed over the worker slots');
  // and the same micro-batches computed on the main thread give the same bits: no kernel depends on the
  // thread or instance it runs in (what makes 1, 2 or 3 workers give identical results in phase 2)
  for (let w = 0; w < workers; w++) {
    const mine = k.memory.f32(OUT * IN);
    const sm = ts.denseShape({ n: micro, inFeatures: IN, outFeatures: OUT });
    for (let mb = w; mb * micro < batch; mb += workers) {
      k.denseBackwardParams(mine, null, dy.subarray(mb * micro * OUT, (mb + 1) * micro * OUT), x.subarray(mb * micro * IN, (mb + 1) * micro * IN), sm);
    }
    assert.deepEqual(new Uint32Array(mine.buffer, mine.byteOffset, mine.length),
      new Uint32Array(slots.buffer, slots.byteOffset + w * OUT * IN * 4, OUT * IN), `worker ${w}'s slot differs from the main thread's bits`);
  }
});
