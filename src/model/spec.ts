/**
 * The model spec: a short, typed description of a network, and its expansion into simple layers.
 *
 * A spec is what a person writes (or a zoo function returns):
 *
 *   { name: 'tiny', input: [1, 28, 28], activation: { name: 'elu' }, init: 'he-normal', loss: 'softmax-ce',
 *     layers: [ { type: 'conv', filters: 8, size: 3 }, { type: 'maxpool', size: 2 },
 *               { type: 'dense', units: 10, activation: 'none' } ] }
 *
 * expandSpec turns it into a flat list of simple layers, each with its input and output shape (c, h, w):
 *
 *   conv(8, 3×3) → act(elu) → maxpool(2×2) → flatten → dense(10)
 *
 * A conv or dense entry becomes  conv|dense → [bn] → [act] ; `activation` omitted means the model-wide one,
 * 'none' or 'linear' means no activation layer. A dense entry flattens its input first (NCHW memory is already
 * flat per sample, so flatten only renames the shape). A dropout entry becomes alpha-dropout in a SELU model.
 *
 * Every shape is checked here, once, when the model is built; the message names the layer (its index in
 * `spec.layers`, counted from 0, and its kind), what it expected, what it found and the fix.
 */
import { ShapeError } from '../errors.js';
import { type ActivationName, parseActivation } from '../kernels/activation.js';

/** A layer's activation: a kernel name, or 'none' (no activation layer; 'linear' means the same). */
export type Act = ActivationName | 'none';

/** Padding of a convolution: a number on every side, 'same' (stride 1: output = input size), or 'valid' (0). */
export type ConvPadSpec = number | 'same' | 'valid';

export type LayerSpec =
  | {
      type: 'conv';
      filters: number;
      size: number;
      /** default 1 */
      stride?: number;
      /** default 'same' when stride is 1, else 0 */
      pad?: ConvPadSpec;
      /** default: the model-wide activation */
      activation?: Act;
      /** conv → BN → activation; the conv then has no bias (BN's β takes its place) */
      batchNorm?: boolean;
    }
  | { type: 'dense'; units: number; activation?: Act; batchNorm?: boolean }
  | { type: 'maxpool' | 'avgpool'; size: number; stride?: number; pad?: number }
  | { type: 'spp'; levels: number[] }
  | { type: 'globalavgpool' }
  | { type: 'dropout'; rate: number };

export type InitName = 'he-normal' | 'he-uniform' | 'lecun-normal' | 'glorot-uniform';
export type LossName = 'softmax-ce' | 'mse' | 'sigmoid-ce';

export interface ModelSpec {
  name: string;
  /** one sample's shape: channels, height, width (an MLP on MNIST still says [1, 28, 28]) */
  input: [c: number, h: number, w: number];
  /** the model-wide activation; alpha for elu (default 1), slope for lrelu (default 0.1) */
  activation: { name: ActivationName; alpha?: number; slope?: number };
  init: InitName;
  loss: LossName;
  layers: LayerSpec[];
}

/** The shape of one sample at some point of the network. A flat vector of u values is (u, 1, 1). */
export interface Dims {
  c: number;
  h: number;
  w: number;
}

/** Padding on each side, as conv2dShape takes it. */
export interface Pad4 {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

interface LayerBase {
  /** name used for parameters, the summary and hiddenActivations, e.g. 'conv3', 'conv3.bn', 'conv3.act' */
  name: string;
  /** index of the spec entry this layer came from (for messages) */
  specIndex: number;
  in: Dims;
  out: Dims;
}

/** A simple layer: one kernel (or a renaming) with known input and output shapes. */
export type Layer =
  | (LayerBase & { kind: 'conv'; filters: number; size: number; stride: number; pad: Pad4; bias: boolean })
  | (LayerBase & { kind: 'bn' })
  | (LayerBase & { kind: 'act'; act: ActivationName; /** α (elu) or slope (lrelu); NaN if unused */ param: number })
  | (LayerBase & { kind: 'pool'; op: 'max' | 'avg'; size: number; stride: number; pad: number })
  | (LayerBase & { kind: 'spp'; levels: number[] })
  | (LayerBase & { kind: 'gap' })
  | (LayerBase & { kind: 'flatten' })
  | (LayerBase & { kind: 'dense'; units: number; bias: boolean })
  | (LayerBase & { kind: 'dropout'; rate: number })
  | (LayerBase & { kind: 'alpha-dropout'; rate: number });

export type LayerKind = Layer['kind'];

export interface ExpandedModel {
  spec: ModelSpec;
  layers: Layer[];
  /** per-sample output size (c·h·w of the last layer) */
  outputSize: number;
  /** indices into `layers` of each hidden conv/dense block's output (after BN and activation, before
   *  dropout and pooling): the units whose mean activation the paper's Fig. 2 follows */
  hidden: number[];
}

export const dimsSize = (d: Dims): number => d.c * d.h * d.w;

/** '32×16×16' for a map, '128' for a vector. */
export function formatDims(d: Dims): string {
  return d.h === 1 && d.w === 1 ? `${d.c}` : `${d.c}×${d.h}×${d.w}`;
}

/** A short description of a spec entry for messages: 'conv 3×3', 'maxpool 2×2', 'dense 128'. */
export function describeLayerSpec(l: LayerSpec): string {
  switch (l.type) {
    case 'conv':
      return `conv ${l.size}×${l.size}${(l.stride ?? 1) !== 1 ? `/${l.stride}` : ''}, ${l.filters} filters`;
    case 'dense':
      return `dense ${l.units}`;
    case 'maxpool':
    case 'avgpool':
      return `${l.type} ${l.size}×${l.size}`;
    case 'spp':
      return `spp [${l.levels.join(', ')}]`;
    case 'globalavgpool':
      return 'globalavgpool';
    case 'dropout':
      return `dropout ${l.rate}`;
    default: {
      const _: never = l;
      return String((_ as { type: unknown }).type);
    }
  }
}

function isPosInt(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 1;
}

/**
 * Expands a spec into simple layers with shapes. Throws ShapeError (naming the layer, the expected and the
 * actual shapes, and the fix) when something does not fit.
 */
export function expandSpec(spec: ModelSpec): ExpandedModel {
  const model = `model '${spec.name}'`;
  const [c0, h0, w0] = spec.input ?? [];
  if (!isPosInt(c0) || !isPosInt(h0) || !isPosInt(w0)) {
    throw new ShapeError(
      `${model}: input must be [channels, height, width] with positive integers, got ${JSON.stringify(spec.input)}; ` +
        `e.g. [1, 28, 28] for MNIST, [3, 32, 32] for CIFAR`,
    );
  }
  const modelAct = parseActivation(spec.activation?.name ?? '');
  const actParam = (name: ActivationName): number =>
    name === 'elu' ? (spec.activation.name === 'elu' ? spec.activation.alpha ?? 1 : 1)
    : name === 'lrelu' ? (spec.activation.name === 'lrelu' ? spec.activation.slope ?? 0.1 : 0.1)
    : NaN;
  const selu = modelAct === 'selu';
  if (!Array.isArray(spec.layers) || spec.layers.length === 0) {
    throw new ShapeError(`${model}: layers must be a non-empty list; add at least one dense or conv layer`);
  }

  const layers: Layer[] = [];
  const hidden: number[] = [];
  const count: Record<string, number> = {};
  const nextName = (base: string): string => `${base}${(count[base] = (count[base] ?? 0) + 1)}`;
  let cur: Dims = { c: c0, h: h0, w: w0 };
  // the last conv/dense entry is the output layer, not a hidden one
  let lastTrainable = -1;
  spec.layers.forEach((l, i) => {
    if (l && (l.type === 'conv' || l.type === 'dense')) lastTrainable = i;
  });

  spec.layers.forEach((l, i) => {
    if (!l || typeof l !== 'object') {
      throw new ShapeError(`${model}, layer ${i}: expected an object such as { type: 'dense', units: 10 }, got ${JSON.stringify(l)}`);
    }
    const where = `${model}, layer ${i} (${describeLayerSpec(l)})`;
    const push = (layer: Layer): void => {
      layers.push(layer);
      cur = layer.out;
    };
    const addBnAct = (base: string, act: Act | undefined, bn: boolean | undefined): void => {
      if (bn) push({ kind: 'bn', name: `${base}.bn`, specIndex: i, in: cur, out: cur });
      const a = act === undefined ? modelAct : act === 'none' ? 'linear' : parseActivation(act);
      if (a !== 'linear') push({ kind: 'act', name: `${base}.act`, specIndex: i, in: cur, out: cur, act: a, param: actParam(a) });
      if (i !== lastTrainable) hidden.push(layers.length - 1);
    };
    switch (l.type) {
      case 'conv': {
        if (!isPosInt(l.filters)) throw new ShapeError(`${where}: filters must be a positive integer, got ${l.filters}`);
        if (!isPosInt(l.size)) throw new ShapeError(`${where}: size (kernel height = width) must be a positive integer, got ${l.size}`);
        const stride = l.stride ?? 1;
        if (!isPosInt(stride)) throw new ShapeError(`${where}: stride must be a positive integer, got ${l.stride}`);
        const padSpec = l.pad ?? (stride === 1 ? 'same' : 0);
        let pad: Pad4;
        if (padSpec === 'same') {
          if (stride !== 1) {
            throw new ShapeError(`${where}: pad 'same' needs stride 1, got stride ${stride}; give the padding as a number`);
          }
          // PyTorch's rule: k−1 in total, ⌊(k−1)/2⌋ before and the rest after (a 2×2 kernel pads 0 top, 1 bottom)
          const before = Math.floor((l.size - 1) / 2);
          const after = l.size - 1 - before;
          pad = { top: before, bottom: after, left: before, right: after };
        } else if (padSpec === 'valid') {
          pad = { top: 0, bottom: 0, left: 0, right: 0 };
        } else if (typeof padSpec === 'number' && Number.isInteger(padSpec) && padSpec >= 0) {
          pad = { top: padSpec, bottom: padSpec, left: padSpec, right: padSpec };
        } else {
          throw new ShapeError(`${where}: pad must be 'same', 'valid' or an integer ≥ 0, got ${JSON.stringify(padSpec)}`);
        }
        const ph = cur.h + pad.top + pad.bottom;
        const pw = cur.w + pad.left + pad.right;
        if (ph < l.size || pw < l.size) {
          throw new ShapeError(
            `${where}: input is ${cur.h}×${cur.w} (${ph}×${pw} after padding), smaller than the ${l.size}×${l.size} kernel; ` +
              `use pad 'same', a smaller kernel, or remove a pooling layer before it`,
          );
        }
        const out: Dims = {
          c: l.filters,
          h: Math.floor((ph - l.size) / stride) + 1,
          w: Math.floor((pw - l.size) / stride) + 1,
        };
        const name = nextName('conv');
        push({ kind: 'conv', name, specIndex: i, in: cur, out, filters: l.filters, size: l.size, stride, pad, bias: !l.batchNorm });
        addBnAct(name, l.activation, l.batchNorm);
        return;
      }
      case 'dense': {
        if (!isPosInt(l.units)) throw new ShapeError(`${where}: units must be a positive integer, got ${l.units}`);
        if (cur.h !== 1 || cur.w !== 1) {
          const flat: Dims = { c: dimsSize(cur), h: 1, w: 1 };
          push({ kind: 'flatten', name: nextName('flatten'), specIndex: i, in: cur, out: flat });
        }
        const name = nextName('dense');
        push({ kind: 'dense', name, specIndex: i, in: cur, out: { c: l.units, h: 1, w: 1 }, units: l.units, bias: !l.batchNorm });
        addBnAct(name, l.activation, l.batchNorm);
        return;
      }
      case 'maxpool':
      case 'avgpool': {
        if (!isPosInt(l.size)) throw new ShapeError(`${where}: size must be a positive integer, got ${l.size}`);
        const stride = l.stride ?? l.size;
        const pad = l.pad ?? 0;
        if (!isPosInt(stride)) throw new ShapeError(`${where}: stride must be a positive integer, got ${l.stride}`);
        if (!(Number.isInteger(pad) && pad >= 0 && 2 * pad <= l.size)) {
          throw new ShapeError(`${where}: pad must be an integer in [0, ${Math.floor(l.size / 2)}] (at most half the window), got ${pad}`);
        }
        if (cur.h + 2 * pad < l.size || cur.w + 2 * pad < l.size) {
          throw new ShapeError(
            `${where}: input is ${cur.h}×${cur.w}, smaller than the pool window ${l.size}×${l.size}; remove the pool or pad the input`,
          );
        }
        const out: Dims = {
          c: cur.c,
          h: Math.floor((cur.h + 2 * pad - l.size) / stride) + 1,
          w: Math.floor((cur.w + 2 * pad - l.size) / stride) + 1,
        };
        const op = l.type === 'maxpool' ? 'max' : 'avg';
        push({ kind: 'pool', name: nextName(`${op}pool`), specIndex: i, in: cur, out, op, size: l.size, stride, pad });
        return;
      }
      case 'spp': {
        if (!Array.isArray(l.levels) || l.levels.length === 0 || !l.levels.every(isPosInt)) {
          throw new ShapeError(`${where}: levels must be a non-empty list of positive integers, got ${JSON.stringify(l.levels)}; e.g. [1, 2, 4]`);
        }
        let cells = 0;
        for (const L of l.levels) cells += L * L;
        push({ kind: 'spp', name: nextName('spp'), specIndex: i, in: cur, out: { c: cur.c * cells, h: 1, w: 1 }, levels: [...l.levels] });
        return;
      }
      case 'globalavgpool':
        push({ kind: 'gap', name: nextName('gap'), specIndex: i, in: cur, out: { c: cur.c, h: 1, w: 1 } });
        return;
      case 'dropout': {
        if (!(typeof l.rate === 'number' && l.rate >= 0 && l.rate < 1)) {
          throw new ShapeError(`${where}: rate must be in [0, 1) (the fraction of units dropped), got ${l.rate}; use 0 or remove the layer to disable it`);
        }
        if (l.rate === 0) return; // rate 0 is the identity: no layer, no mask
        const kind = selu ? 'alpha-dropout' : 'dropout';
        push({ kind, name: nextName(kind), specIndex: i, in: cur, out: cur, rate: l.rate });
        return;
      }
      default: {
        const _: never = l;
        throw new ShapeError(
          `${model}, layer ${i}: unknown layer type ${JSON.stringify((_ as { type?: unknown })?.type)}; ` +
            `expected one of conv, dense, maxpool, avgpool, spp, globalavgpool, dropout`,
        );
      }
    }
  });

  if (!['softmax-ce', 'mse', 'sigmoid-ce'].includes(spec.loss)) {
    throw new ShapeError(`${model}: unknown loss ${JSON.stringify(spec.loss)}; expected softmax-ce, mse or sigmoid-ce`);
  }
  if (!['he-normal', 'he-uniform', 'lecun-normal', 'glorot-uniform'].includes(spec.init)) {
    throw new ShapeError(`${model}: unknown init ${JSON.stringify(spec.init)}; expected he-normal, he-uniform, lecun-normal or glorot-uniform`);
  }
  const last = layers[layers.length - 1];
  if (spec.loss === 'softmax-ce' && (last.out.h !== 1 || last.out.w !== 1)) {
    throw new ShapeError(
      `${model}: softmax-ce needs one score per class, but the last layer (${last.name}) outputs ${formatDims(last.out)}; ` +
        `end with a dense layer, or a globalavgpool after a 1×1 conv with one filter per class`,
    );
  }
  return { spec, layers, outputSize: dimsSize(last.out), hidden };
}
