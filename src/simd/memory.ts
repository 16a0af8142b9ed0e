/**
 * The one shared WebAssembly memory that a training run's buffers live in, and the allocator that hands out
 * Float32Array / Int32Array views of it.
 *
 * Why one shared memory (docs/kernels/simd.md, "Memory" — measured there):
 *  - The SIMD kernels can only read and write their module's memory, so every buffer they touch (parameters,
 *    gradients, activations, workspaces) must be a view into it; copying in and out per call would cost as
 *    much as the arithmetic on small layers.
 *  - A shared memory (shared: true, backed by a SharedArrayBuffer) can be posted to piscina workers; each
 *    worker instantiates the module on it, so parameters and per-micro-batch gradient slots are written and
 *    read in place by every thread (zero copies per step), exactly as the TypeScript path shares its
 *    SharedArrayBuffers.
 *  - Growing a shared memory never moves or detaches it: views made before a grow stay valid (a non-shared
 *    memory detaches its ArrayBuffer on grow, which would silently empty every view a network holds). The
 *    price is a fixed maximum, set at creation; the default is all of wasm32's 4 GiB, which only reserves
 *    address space (pages are committed when first touched).
 *
 * Layout: bytes [0, 64) are the allocator's header (the bump pointer, an Int32 updated with Atomics so that
 * the main thread and workers can allocate concurrently), so no buffer starts at address 0 (the kernels read
 * address 0 as "no bias"). Every allocation is 64-byte aligned (a cache line, and 16 for f32x4). Nothing is
 * ever freed: a network allocates its buffers once per batch shape and keeps them (docs/architecture.md,
 * "Memory"); `mark`/`release` exist for single-threaded scratch use (tests, benchmarks).
 */
import { ElunetError } from '../errors.js';
import type { Allocator } from '../kernels/kernel-set.js';
import { MAX_PAGES, PAGE_BYTES } from './loader.js';

const HEADER_BYTES = 64;
const ALIGN = 64;
/** Int32 index of the bump pointer (next free byte) in the header. */
const BUMP = 0;
/** Int32 index of a marker that says the header was initialised (so a second SimdMemory on it keeps the pointer). */
const MAGIC = 1;
const MAGIC_VALUE = 0x456c554e; // 'ElUN'

export interface SimdMemoryOptions {
  /** pages of 64 KiB at creation (default 16 = 1 MiB; the memory grows as buffers are allocated) */
  initialPages?: number;
  /** the fixed maximum in pages (default 65536 = 4 GiB, the whole wasm32 address space; only reserved) */
  maximumPages?: number;
}

export class SimdMemory implements Allocator {
  readonly memory: WebAssembly.Memory;
  private readonly header: Int32Array;
  /** this thread's SharedArrayBuffer objects for the memory, the newest first (a grow makes a new one) */
  private buffers: ArrayBufferLike[];

  /** A new shared memory, or (with `memory`) this thread's allocator over one made elsewhere (a worker's). */
  constructor(memory?: WebAssembly.Memory, opts: SimdMemoryOptions = {}) {
    if (memory) {
      if (!(memory instanceof WebAssembly.Memory) || !(memory.buffer instanceof SharedArrayBuffer)) {
        throw new ElunetError('SimdMemory: expected a shared WebAssembly.Memory (created with shared: true), got ' +
          (memory instanceof WebAssembly.Memory ? 'a non-shared memory' : String(memory)));
      }
      this.memory = memory;
    } else {
      const initial = opts.initialPages ?? 16;
      const maximum = opts.maximumPages ?? MAX_PAGES;
      if (!Number.isInteger(initial) || !Number.isInteger(maximum) || initial < 1 || maximum < initial || maximum > MAX_PAGES) {
        throw new ElunetError(`SimdMemory: pages must be integers with 1 ≤ initial ≤ maximum ≤ ${MAX_PAGES}, got initial ${initial}, maximum ${maximum}`);
      }
      this.memory = new WebAssembly.Memory({ initial, maximum, shared: true });
    }
    this.buffers = [this.memory.buffer];
    this.header = new Int32Array(this.memory.buffer, 0, HEADER_BYTES / 4);
    if (Atomics.compareExchange(this.header, MAGIC, 0, MAGIC_VALUE) === 0) {
      Atomics.store(this.header, BUMP, HEADER_BYTES);
    }
  }

  /** Bytes handed out so far (the bump pointer), header included. */
  get used(): number {
    return Atomics.load(this.header, BUMP);
  }

  /** Current size of the memory in bytes. */
  get byteLength(): number {
    return this.memory.buffer.byteLength;
  }

  /**
   * Reserves `bytes` (rounded up to 64) and returns the address of the first; grows the memory when needed.
   * Safe to call from several threads at once (the pointer moves by Atomics.add).
   */
  alloc(bytes: number): number {
    if (!Number.isInteger(bytes) || bytes < 0) throw new ElunetError(`SimdMemory.alloc: bytes must be an integer ≥ 0, got ${bytes}`);
    const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
    const at = Atomics.add(this.header, BUMP, size);
    const end = at + size;
    if (end > MAX_PAGES * PAGE_BYTES) {
      throw new ElunetError(`SimdMemory: cannot allocate ${bytes} bytes: the WebAssembly memory would pass 4 GiB (wasm32's limit); use a smaller batch or model`);
    }
    this.ensure(end);
    return at;
  }

  /** A zero-filled Float32Array of n floats inside the memory. */
  f32(n: number): Float32Array {
    const at = this.alloc(n * 4);
    return new Float32Array(this.buffer(), at, n).fill(0);
  }

  /** A zero-filled Int32Array of n integers inside the memory. */
  i32(n: number): Int32Array {
    const at = this.alloc(n * 4);
    return new Int32Array(this.buffer(), at, n).fill(0);
  }

  /** A zero-filled Uint8Array of n bytes inside the memory. */
  u8(n: number): Uint8Array {
    const at = this.alloc(n);
    return new Uint8Array(this.buffer(), at, n).fill(0);
  }

  /** Whether `a` is a view of this memory (what a kernel set's allocator says: its kernels can take it). */
  holds(a: ArrayBufferView): boolean {
    return this.owns(a.buffer);
  }

  /** Its arrays live on the memory's SharedArrayBuffer: worker threads share them (Allocator.shared). */
  readonly shared = true;

  /** A Float32Array view of n floats at byte address `at` (for a worker that receives addresses, not views). */
  viewF32(at: number, n: number): Float32Array {
    this.ensureReadable(at, n * 4);
    return new Float32Array(this.buffer(), at, n);
  }

  /** The address and length of a view of this memory, to post to another thread (which makes it back with viewF32). */
  addressOf(v: Float32Array): { at: number; length: number } {
    if (!this.owns(v.buffer)) throw new ElunetError('SimdMemory.addressOf: the array is not a view of this memory');
    return { at: v.byteOffset, length: v.length };
  }

  /** An Int32Array view of n integers at byte address `at`. */
  viewI32(at: number, n: number): Int32Array {
    this.ensureReadable(at, n * 4);
    return new Int32Array(this.buffer(), at, n);
  }

  /** The bump pointer, to `release` back to later. Single-threaded use only (tests, benchmarks). */
  mark(): number {
    return this.used;
  }

  /** Frees everything allocated since `mark` (views into it must no longer be used). Single-threaded use only. */
  release(mark: number): void {
    if (!Number.isInteger(mark) || mark < HEADER_BYTES || mark > this.used) {
      throw new ElunetError(`SimdMemory.release: ${mark} is not a mark of this memory (between ${HEADER_BYTES} and ${this.used})`);
    }
    Atomics.store(this.header, BUMP, mark);
  }

  /**
   * Whether `buf` is this memory's buffer (in this thread). A grow gives the memory a new SharedArrayBuffer
   * object, so the few this thread has seen are kept; the newest is checked first.
   */
  owns(buf: ArrayBufferLike): boolean {
    const list = this.buffers;
    if (buf === list[0]) return true;
    for (let i = 1; i < list.length; i++) if (buf === list[i]) return true;
    const now = this.memory.buffer;
    if (now !== list[0]) {
      this.buffers = [now, ...list];
      return buf === now;
    }
    return false;
  }

  /** The newest SharedArrayBuffer of the memory in this thread. */
  private buffer(): ArrayBufferLike {
    const now = this.memory.buffer;
    if (now !== this.buffers[0]) this.buffers = [now, ...this.buffers];
    return now;
  }

  /** Grows the memory until it holds `end` bytes. Racing growers may add a page or two more than needed. */
  private ensure(end: number): void {
    let length = this.memory.buffer.byteLength;
    while (length < end) {
      const pages = Math.ceil((end - length) / PAGE_BYTES);
      try {
        this.memory.grow(pages);
      } catch (e) {
        throw new ElunetError(
          `SimdMemory: cannot grow the WebAssembly memory to ${end} bytes (${(e as Error).message}); ` +
            `its maximum is fixed when it is created (maximumPages); create it with a larger maximum, or use a smaller batch`,
        );
      }
      length = this.memory.buffer.byteLength;
    }
  }

  private ensureReadable(at: number, bytes: number): void {
    if (!Number.isInteger(at) || at < HEADER_BYTES || at + bytes > this.used) {
      throw new ElunetError(`SimdMemory: [${at}, ${at + bytes}) is not inside what this memory has allocated ([${HEADER_BYTES}, ${this.used}))`);
    }
    this.ensure(at + bytes);
  }
}
