/**
 * What a caller hands a Network — the input x, the loss target, the dropout keys — checked once at the door, and
 * held where the network's kernels can read it.
 *
 *   input(x, n)       x: (n, C, H, W) flat, at least n·C·H·W values → x itself, or its copy in the set's memory
 *   target(t, n)      labels (n) or float targets (n, outputSize) → the same, or its copy
 *   checkKeys(k, n)   dropout keys { seed, step, sampleIds } with at least n sample ids
 *
 * A kernel set whose kernels only see their own memory (the SIMD set: one WebAssembly memory) cannot read a
 * plain Float32Array: `alloc.holds(a)` says whether it can. Where it cannot, the values are copied into a buffer
 * of the set's, one per kind (input, labels, float targets), made on first need for maxBatch samples and
 * reused, so the hot path does not allocate. With the TypeScript set every array is held as it is: no copy.
 */
import { ElunetError, ShapeError } from '../errors.js';
import type { KernelSet } from '../kernels/kernel-set.js';

export interface DropoutKeys {
  seed: number;
  step: number;
  /** global index of each of the n samples (≥ n entries) */
  sampleIds: Int32Array;
}

export class CallerInputs {
  private x?: Float32Array;
  private labels?: Int32Array;
  private values?: Float32Array;

  constructor(
    private readonly name: string,
    private readonly kernels: KernelSet,
    private readonly maxBatch: number,
    private readonly inputShape: readonly number[],
    private readonly outputSize: number,
  ) {}

  private get inputSize(): number {
    return this.inputShape[0] * this.inputShape[1] * this.inputShape[2];
  }

  /** The input of a forward over n samples, checked (n, x's type and length), where the kernels can read it. */
  input(x: Float32Array, n: number): Float32Array {
    if (!Number.isInteger(n) || n < 1 || n > this.maxBatch) {
      throw new ShapeError(`${this.name}: forward: n must be an integer in [1, maxBatch = ${this.maxBatch}], got ${n}`);
    }
    const size = this.inputSize;
    if (!(x instanceof Float32Array) || x.length < n * size) {
      throw new ShapeError(
        `${this.name}: forward: x must be a Float32Array of at least n·C·H·W = ${n}·${size} = ` +
          `${n * size} values (input ${this.inputShape.join('×')}), got ${x instanceof Float32Array ? x.length : typeof x}`,
      );
    }
    return this.held(x, n * size, 'x');
  }

  /** The loss target, copied where the kernels can read it when they cannot read it where it is. */
  target(t: Int32Array | Float32Array, n: number): Int32Array | Float32Array {
    if (t instanceof Int32Array) return t.length >= n ? this.held(t, n, 'labels') : t;
    if (t instanceof Float32Array) return t.length >= n * this.outputSize ? this.held(t, n * this.outputSize, 'values') : t;
    return t; // the loss names what it expected
  }

  /** Dropout keys for a train-mode forward over n samples. */
  checkKeys(keys: DropoutKeys | undefined, n: number): DropoutKeys {
    if (!keys || !(keys.sampleIds instanceof Int32Array) || keys.sampleIds.length < n) {
      throw new ElunetError(
        `${this.name}: a train-mode forward of a model with dropout needs keys { seed, step, sampleIds } ` +
          `with sampleIds an Int32Array of at least n = ${n} global sample indices, got ${keys ? `sampleIds of length ${keys.sampleIds?.length}` : 'none'}`,
      );
    }
    return keys;
  }

  /** `a` itself when the kernel set can take it, else its first `count` values copied into the set's buffer of its kind. */
  private held<T extends Float32Array | Int32Array>(a: T, count: number, kind: 'x' | 'labels' | 'values'): T {
    const alloc = this.kernels.alloc;
    if (alloc.holds(a)) return a;
    let copy: Float32Array | Int32Array;
    if (kind === 'labels') copy = this.labels ??= alloc.i32(this.maxBatch);
    else if (kind === 'values') copy = this.values ??= alloc.f32(this.maxBatch * this.outputSize);
    else copy = this.x ??= alloc.f32(this.maxBatch * this.inputSize);
    copy.set(a.subarray(0, count));
    return copy as T;
  }
}
