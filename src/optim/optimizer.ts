/**
 * What every optimizer shares: the flat-buffer contract and the weight-decay selection.
 *
 * All parameters of a network live in one Float32Array `params`, described by a layout table of entries
 * `{ name, shape, offset, size }` (docs/architecture.md, Model API). The gradient `grads` has the same
 * layout, and so does every optimizer state buffer (SGD's momentum buffer, Adam's two moments). An
 * optimizer step is therefore one loop over i = 0 … n−1, whatever the network looks like.
 *
 * Weight decay (L2) follows PyTorch: it is added to the gradient, g ← g + wd·p, before the optimizer
 * sees it. PyTorch decays every parameter unless you build parameter groups; here the same default
 * holds ('all'), and `decay: 'no-bias-norm'` leaves out entries whose name ends with `.bias`, `.gamma`, `.beta` or
 * `.slope` (a common refinement: biases and batch-norm shifts/scales do not grow with the weight scale, so
 * decaying them only biases the model; He et al. 2015 train PReLU slopes without decay, since decay pushes
 * them towards ReLU). The choice is turned into a few [start, end) segments once, at construction, so the
 * step loop only reads one decay coefficient per segment.
 */
import { ShapeError } from '../errors.js';

/** One named tensor inside a flat buffer (the same record as model's ParamEntry). */
export interface LayoutEntry {
  name: string;
  shape: number[];
  offset: number;
  size: number;
}

/** One state buffer of an optimizer, laid out like the parameters (e.g. 'momentum_buffer', 'exp_avg'). */
export interface OptimizerStateTensor {
  name: string;
  data: Float32Array;
}

/** Which parameters weight decay applies to. A function receives an entry name and returns true to decay it. */
export type DecayFilter = 'all' | 'no-bias-norm' | ((name: string) => boolean);

/** Entry-name endings that 'no-bias-norm' excludes from weight decay. */
export const NO_DECAY_SUFFIXES: readonly string[] = ['.bias', '.gamma', '.beta', '.slope'];

export interface Optimizer {
  readonly kind: 'sgd' | 'adam';
  /** number of step() calls so far (Adam's bias correction uses it; it is saved in checkpoints) */
  stepCount: number;
  /** Updates `params` in place from `grads` (which it does not modify) with learning rate `lr`. */
  step(params: Float32Array, grads: Float32Array, lr: number): void;
  /** The state buffers (live views, not copies), each of length paramCount, in the parameters' layout. */
  state(): OptimizerStateTensor[];
  /** Copies saved state in (names and lengths must match state()) and sets stepCount. */
  loadState(tensors: OptimizerStateTensor[], stepCount: number): void;
  /** The hyper-parameters, as plain JSON (recorded in checkpoints and run reports). */
  config(): Record<string, string | number | boolean>;
}

/** A run of consecutive parameters sharing one weight-decay coefficient. */
export interface DecaySegments {
  start: Int32Array;
  end: Int32Array;
  decay: Float64Array;
}

/**
 * Checks that layout entries are well formed and do not overlap, and returns the buffer size they span.
 * `what` names the caller in error messages ("sgd", "adam", …).
 */
export function checkLayout(what: string, layout: readonly LayoutEntry[]): number {
  const sorted = [...layout].sort((a, b) => a.offset - b.offset);
  let prevEnd = 0;
  let prevName = '';
  for (const e of sorted) {
    const product = e.shape.reduce((p, d) => p * d, 1);
    if (!Number.isInteger(e.offset) || e.offset < 0 || !Number.isInteger(e.size) || e.size < 0 || product !== e.size) {
      throw new ShapeError(
        `${what}: layout entry '${e.name}' must have an integer offset ≥ 0 and size = product of shape ` +
          `[${e.shape.join(', ')}] = ${product}; found offset ${e.offset}, size ${e.size}`,
      );
    }
    if (e.offset < prevEnd) {
      throw new ShapeError(
        `${what}: layout entries '${prevName}' and '${e.name}' overlap (one ends at ${prevEnd}, the next starts at ` +
          `${e.offset}); every entry needs its own range of the flat buffer`,
      );
    }
    prevEnd = e.offset + e.size;
    prevName = e.name;
  }
  return prevEnd;
}

/** True when `filter` says the entry named `name` gets weight decay. */
export function decays(filter: DecayFilter, name: string): boolean {
  if (filter === 'all') return true;
  if (filter === 'no-bias-norm') return !NO_DECAY_SUFFIXES.some((s) => name.endsWith(s));
  return filter(name);
}

/**
 * Splits [0, n) into segments with coefficient wd (decayed) or 0 (excluded), merging neighbours with the
 * same coefficient. Floats not covered by any entry are decayed (as PyTorch would decay them).
 */
export function decaySegments(layout: readonly LayoutEntry[], n: number, wd: number, filter: DecayFilter): DecaySegments {
  const start: number[] = [];
  const end: number[] = [];
  const decay: number[] = [];
  const push = (s: number, e: number, d: number): void => {
    if (e <= s) return;
    const last = start.length - 1;
    if (last >= 0 && end[last] === s && decay[last] === d) end[last] = e;
    else {
      start.push(s);
      end.push(e);
      decay.push(d);
    }
  };
  let pos = 0;
  for (const e of [...layout].sort((a, b) => a.offset - b.offset)) {
    push(pos, e.offset, wd);
    push(e.offset, e.offset + e.size, wd !== 0 && decays(filter, e.name) ? wd : 0);
    pos = e.offset + e.size;
  }
  push(pos, n, wd);
  return { start: Int32Array.from(start), end: Int32Array.from(end), decay: Float64Array.from(decay) };
}

/** Throws unless params and grads both hold exactly n floats (checked once per step, outside the loop). */
export function checkStepBuffers(what: string, n: number, params: Float32Array, grads: Float32Array): void {
  if (params.length !== n || grads.length !== n) {
    throw new ShapeError(
      `${what}.step: params and grads must each hold the ${n} floats of the layout; found ${params.length} and ` +
        `${grads.length} (pass the network's params and its reduced gradient, not a gradient slot array)`,
    );
  }
}

/** Copies saved state buffers into `own`, checking names and lengths. */
export function loadStateInto(what: string, own: OptimizerStateTensor[], saved: OptimizerStateTensor[]): void {
  for (const o of own) {
    const s = saved.find((t) => t.name === o.name);
    if (!s) {
      throw new ShapeError(
        `${what}.loadState: missing state '${o.name}' (found ${saved.map((t) => `'${t.name}'`).join(', ') || 'none'}); ` +
          `was the checkpoint written by a different optimizer?`,
      );
    }
    if (s.data.length !== o.data.length) {
      throw new ShapeError(
        `${what}.loadState: state '${o.name}' must hold ${o.data.length} floats (one per parameter), found ${s.data.length}`,
      );
    }
    o.data.set(s.data);
  }
}
