/**
 * The parameter layout: every trainable number of a network lives in ONE flat Float32Array, described by a
 * table of named slices.
 *
 *   name              shape           offset     size
 *   conv1.weight      [32, 1, 3, 3]        0      288
 *   conv1.bias        [32]               288       32
 *   dense1.weight     [10, 6272]         320    62720
 *   …
 *
 * Gradients use the same table on a second buffer, and optimizer state (momentum, Adam's moments) on a third,
 * so an optimizer step is one loop over flat arrays, a checkpoint is one header plus one write, and sharing
 * the weights with worker threads is one SharedArrayBuffer. Named views (subarray) are made once, at build;
 * the hot loops only ever see views.
 *
 * Batch-norm running statistics are not trained: they live in a separate `state` buffer with its own table.
 */
import { ElunetError, ShapeError } from '../errors.js';
import type { Allocator } from '../kernels/kernel-set.js';
import { glorotNormal, glorotUniform, heNormal, heUniform, lecunNormal } from '../kernels/init.js';
import { keyedRng } from '../rng.js';
import { textTable } from '../table.js';
import { type Layer, implOf } from './layers/index.js';
import type { ParamRole } from './layers/layer.js';
import type { InitName } from './spec.js';

export type { ParamRole } from './layers/layer.js';

export interface ParamEntry {
  /** e.g. 'conv1.weight', 'conv1.bias', 'conv2.bn.gamma', 'dense1.act.slope' */
  name: string;
  shape: number[];
  /** first element in the flat buffer */
  offset: number;
  /** number of elements (the product of shape) */
  size: number;
}

/** Appends entries back to back (no padding), so offsets are running sums of sizes. */
export class LayoutBuilder {
  readonly entries: ParamEntry[] = [];
  readonly roles: ParamRole[] = [];
  total = 0;

  /** Appends an entry and returns its index. */
  add(name: string, shape: number[], role: ParamRole): number {
    const size = shape.reduce((a, b) => a * b, 1);
    this.entries.push({ name, shape: [...shape], offset: this.total, size });
    this.roles.push(role);
    this.total += size;
    return this.entries.length - 1;
  }
}

export interface ModelLayout {
  params: ParamEntry[];
  paramRoles: ParamRole[];
  paramCount: number;
  /** BN running mean / var: not trained, not in grads */
  state: ParamEntry[];
  stateRoles: ParamRole[];
  stateCount: number;
  /** per layer, the indices (into params) of the entries it owns, in order */
  layerParams: number[][];
  layerState: number[][];
}

/**
 * The layout of a list of expanded layers. Order: layer by layer, and within a layer weight before bias
 * (gamma before beta, running mean before running var). Allocates nothing but the table, so the size of a
 * 165-million-parameter model can be known without building it.
 */
export function layoutFor(layers: readonly Layer[]): ModelLayout {
  const p = new LayoutBuilder();
  const s = new LayoutBuilder();
  const layerParams: number[][] = [];
  const layerState: number[][] = [];
  for (const l of layers) {
    const impl = implOf(l.kind);
    layerParams.push((impl.params?.(l) ?? []).map((t) => p.add(`${l.name}.${t.name}`, t.shape, t.role)));
    layerState.push((impl.state?.(l) ?? []).map((t) => s.add(`${l.name}.${t.name}`, t.shape, t.role)));
  }
  return {
    params: p.entries,
    paramRoles: p.roles,
    paramCount: p.total,
    state: s.entries,
    stateRoles: s.roles,
    stateCount: s.total,
    layerParams,
    layerState,
  };
}

/**
 * Fills every tensor from its role: weight tensor k (counted over weights only) draws from keyedRng(seed, k)
 * by the spec's init (its spread times the role's gain, when a layer has one), so the same seed gives the same
 * weights — the same draws, times a constant where a gain is set — whatever the activation, BN or PReLU choice;
 * every other tensor is filled with its value (biases and β 0, γ 1, PReLU slopes 0.25, running var 1).
 */
export function fillTensors(views: readonly Float32Array[], roles: readonly ParamRole[], init: InitName, seed: number): void {
  let weightIndex = 0;
  views.forEach((v, k) => {
    const r = roles[k];
    if (r.role === 'fill') {
      v.fill(r.value);
      return;
    }
    const rng = keyedRng(seed, weightIndex++);
    const gain = r.gain ?? 1;
    if (init === 'he-normal') heNormal(v, r.fanIn, rng, gain);
    else if (init === 'he-uniform') heUniform(v, r.fanIn, rng, gain);
    else if (init === 'lecun-normal') lecunNormal(v, r.fanIn, rng, gain);
    else if (init === 'glorot-uniform') glorotUniform(v, r.fanIn, r.fanOut, rng, gain);
    else glorotNormal(v, r.fanIn, r.fanOut, rng, gain);
  });
}

/** One subarray view per entry, made once. */
export function makeViews(buf: Float32Array, layout: readonly ParamEntry[]): Float32Array[] {
  return layout.map((e) => buf.subarray(e.offset, e.offset + e.size));
}

/** Returns `buf` if it has exactly `size` floats, a fresh zeroed buffer from `alloc` if `buf` is undefined; throws otherwise. */
export function ensureBuffer(what: string, buf: Float32Array | undefined, size: number, alloc: Allocator): Float32Array {
  if (buf === undefined) return alloc.f32(size);
  if (!(buf instanceof Float32Array)) {
    throw new ShapeError(`${what}: expected a Float32Array, got ${Object.prototype.toString.call(buf)}`);
  }
  if (buf.length !== size) {
    throw new ShapeError(
      `${what}: expected ${size} floats (the model's layout), got ${buf.length}; ` +
        `it was made for a different model, width or input size`,
    );
  }
  return buf;
}

/**
 * The flat buffers of one model — params, grads (same layout) and state — with a view per entry, made once.
 * Buffers the caller gives (SharedArrayBuffer views, say) are used as they are, and a given state is kept;
 * the others come from `alloc`, and a new state starts reset (running mean 0, running var 1).
 */
export class ParamBuffers {
  readonly params: Float32Array;
  readonly grads: Float32Array;
  readonly state: Float32Array;
  readonly paramViews: Float32Array[];
  readonly gradViews: Float32Array[];
  readonly stateViews: Float32Array[];

  constructor(
    readonly layout: ModelLayout,
    private readonly init: InitName,
    private readonly owner: string,
    given: { params?: Float32Array; grads?: Float32Array; state?: Float32Array },
    alloc: Allocator,
  ) {
    this.params = ensureBuffer(`${owner}: params`, given.params, layout.paramCount, alloc);
    this.grads = ensureBuffer(`${owner}: grads`, given.grads, layout.paramCount, alloc);
    this.state = ensureBuffer(`${owner}: state`, given.state, layout.stateCount, alloc);
    this.paramViews = makeViews(this.params, layout.params);
    this.gradViews = makeViews(this.grads, layout.params);
    this.stateViews = makeViews(this.state, layout.state);
    if (given.state === undefined) this.resetState();
  }

  /** Every parameter from `seed` (fillTensors), and the state reset. */
  fill(seed: number): void {
    fillTensors(this.paramViews, this.layout.paramRoles, this.init, seed);
    this.resetState();
  }

  resetState(): void {
    fillTensors(this.stateViews, this.layout.stateRoles, this.init, 0);
  }

  /** The index of the parameter called `name` ('conv1.weight'); an ElunetError lists the names otherwise. */
  indexOf(name: string): number {
    const k = this.layout.params.findIndex((e) => e.name === name);
    if (k < 0) throw new ElunetError(`${this.owner}: no parameter '${name}'; it has ${this.layout.params.map((e) => e.name).join(', ')}`);
    return k;
  }
}

/** The layout as a text table (name, shape, offset, size). */
export function formatLayout(layout: readonly ParamEntry[]): string {
  const rows = layout.map((e) => [e.name, `[${e.shape.join(', ')}]`, e.offset, e.size]);
  return textTable(['name', 'shape', 'offset', 'size'], rows, { align: ['left', 'left', 'right', 'right'] });
}

/** Parameter count of expanded layers without allocating anything (e.g. for a model zoo listing). */
export function paramCountOf(layers: readonly Layer[]): number {
  return layoutFor(layers).paramCount;
}
