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
import { ShapeError } from '../errors.js';
import { type Layer, dimsSize } from './spec.js';

export interface ParamEntry {
  /** e.g. 'conv1.weight', 'conv1.bias', 'conv2.bn.gamma', 'dense1.prelu.slope' */
  name: string;
  shape: number[];
  /** first element in the flat buffer */
  offset: number;
  /** number of elements (the product of shape) */
  size: number;
}

/** What a parameter is for, which decides how initParams fills it. */
export type ParamRole =
  | { role: 'weight'; fanIn: number; fanOut: number }
  | { role: 'bias' }
  | { role: 'gamma' }
  | { role: 'beta' }
  | { role: 'prelu-slope' }
  | { role: 'running-mean' }
  | { role: 'running-var' };

/** Appends entries back to back (no padding), so offsets are running sums of sizes. */
export class LayoutBuilder {
  readonly entries: ParamEntry[] = [];
  readonly roles: ParamRole[] = [];
  total = 0;

  add(name: string, shape: number[], role: ParamRole): ParamEntry {
    const size = shape.reduce((a, b) => a * b, 1);
    const e: ParamEntry = { name, shape: [...shape], offset: this.total, size };
    this.entries.push(e);
    this.roles.push(role);
    this.total += size;
    return e;
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
    const mine: number[] = [];
    const mineState: number[] = [];
    const addP = (suffix: string, shape: number[], role: ParamRole): void => {
      mine.push(p.entries.length);
      p.add(`${l.name}.${suffix}`, shape, role);
    };
    const addS = (suffix: string, shape: number[], role: ParamRole): void => {
      mineState.push(s.entries.length);
      s.add(`${l.name}.${suffix}`, shape, role);
    };
    switch (l.kind) {
      case 'conv': {
        const k2 = l.size * l.size;
        addP('weight', [l.filters, l.in.c, l.size, l.size], { role: 'weight', fanIn: l.in.c * k2, fanOut: l.filters * k2 });
        if (l.bias) addP('bias', [l.filters], { role: 'bias' });
        break;
      }
      case 'dense': {
        const inF = dimsSize(l.in);
        addP('weight', [l.units, inF], { role: 'weight', fanIn: inF, fanOut: l.units });
        if (l.bias) addP('bias', [l.units], { role: 'bias' });
        break;
      }
      case 'bn':
        addP('gamma', [l.in.c], { role: 'gamma' });
        addP('beta', [l.in.c], { role: 'beta' });
        addS('running_mean', [l.in.c], { role: 'running-mean' });
        addS('running_var', [l.in.c], { role: 'running-var' });
        break;
      case 'act':
        if (l.act === 'prelu') addP('slope', [l.in.c], { role: 'prelu-slope' });
        break;
      case 'pool':
      case 'spp':
      case 'gap':
      case 'flatten':
      case 'dropout':
      case 'alpha-dropout':
        break;
      default: {
        const _: never = l;
        throw new Error(`layoutFor: unhandled layer ${JSON.stringify(_)}`);
      }
    }
    layerParams.push(mine);
    layerState.push(mineState);
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

/** One subarray view per entry, made once. */
export function makeViews(buf: Float32Array, layout: readonly ParamEntry[]): Float32Array[] {
  return layout.map((e) => buf.subarray(e.offset, e.offset + e.size));
}

/** Returns `buf` if it has exactly `size` floats, a fresh zeroed buffer if `buf` is undefined; throws otherwise. */
export function ensureBuffer(what: string, buf: Float32Array | undefined, size: number): Float32Array {
  if (buf === undefined) return new Float32Array(size);
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

/** The layout as a text table (name, shape, offset, size). */
export function formatLayout(layout: readonly ParamEntry[]): string {
  const rows = layout.map((e) => [e.name, `[${e.shape.join(', ')}]`, String(e.offset), String(e.size)]);
  const head = ['name', 'shape', 'offset', 'size'];
  const widths = head.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)));
  const fmt = (r: string[]): string => r.map((v, j) => (j >= 2 ? v.padStart(widths[j]) : v.padEnd(widths[j]))).join('  ');
  return [fmt(head), ...rows.map(fmt)].join('\n');
}

/** Parameter count of expanded layers without allocating anything (e.g. for a model zoo listing). */
export function paramCountOf(layers: readonly Layer[]): number {
  return layoutFor(layers).paramCount;
}
