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
 * Each entry type belongs to a layer file (layers/conv.ts owns { type: 'conv' }, …), which checks the entry and
 * says which layers it becomes; `LayerSpec` is the union of those entry types, taken from the layer table. A
 * conv or dense entry becomes conv|dense → [bn] → [act] → [bn | center] (addNormAct below; its `norm` says
 * which, layers/layer.ts): `activation` omitted means the model-wide one, 'none' or 'linear' means no
 * activation layer, 'prelu' a PReLU layer.
 *
 * Every shape is checked here, once, when the model is built; the message names the layer (its index in
 * `spec.layers`, counted from 0, and its kind), what it expected, what it found and the fix.
 */
import { ShapeError } from '../errors.js';
import { type ActivationName, parseActivation } from '../kernels/activation.js';
import { type Layer, type LayerInit, type LayerSpec, SPEC_PARTS, implOf } from './layers/index.js';
import { type Dims, type Expansion, dimsSize, isPosInt } from './layers/layer.js';
import { LOSSES, REDUCTIONS, type LossName, type Reduction } from './loss.js';

export type { Layer, LayerKind, LayerSpec } from './layers/index.js';
export type { Act, Dims, Norm } from './layers/layer.js';
export { NORMS } from './layers/layer.js';
export { dimsSize } from './layers/layer.js';
export type { ConvPadSpec, Pad4 } from './layers/conv.js';
export type { LossName, Reduction } from './loss.js';
export { REDUCTIONS } from './loss.js';

export type InitName = 'he-normal' | 'he-uniform' | 'lecun-normal' | 'glorot-uniform' | 'glorot-normal';
const INIT_NAMES: readonly InitName[] = ['he-normal', 'he-uniform', 'lecun-normal', 'glorot-uniform', 'glorot-normal'];

export interface ModelSpec {
  name: string;
  /** one sample's shape: channels, height, width (an MLP on MNIST still says [1, 28, 28]) */
  input: [c: number, h: number, w: number];
  /** the model-wide activation; alpha for elu (default 1), slope for lrelu (default 0.1) */
  activation: { name: ActivationName; alpha?: number; slope?: number };
  init: InitName;
  loss: LossName;
  /** how mse and sigmoid-ce combine a sample's terms, one per output: 'sum' (the default) or 'mean' (a
   *  per-pixel loss whose size, and so the learning rate that suits it, does not depend on the image size);
   *  softmax-ce takes only 'sum' (one term per sample). The batch is always averaged. */
  reduction?: Reduction;
  layers: LayerSpec[];
}

export interface ExpandedModel {
  spec: ModelSpec;
  layers: Layer[];
  /** per-sample output size (c·h·w of the last layer) */
  outputSize: number;
  /** indices into `layers` of each hidden conv/dense block's output — its last layer: after the activation
   *  and, with norm 'bn-after' or 'center-after', after that normalization; before dropout and pooling. These
   *  are the units whose mean activation the paper's Fig. 2 follows, and the inputs of the next block's units
   *  (the z of docs/theory.md) */
  hidden: number[];
}

/** The block a layer belongs to: its name up to the first '.' ('dense3.act' → 'dense3', 'conv2.bn' → 'conv2'). */
export function blockName(layerName: string): string {
  const dot = layerName.indexOf('.');
  return dot < 0 ? layerName : layerName.slice(0, dot);
}

/** '32×16×16' for a map, '128' for a vector. */
export function formatDims(d: Dims): string {
  return d.h === 1 && d.w === 1 ? `${d.c}` : `${d.c}×${d.h}×${d.w}`;
}

/** The spec part (layer file) that expands an entry, or undefined for an unknown type. */
function partOf(e: LayerSpec) {
  return SPEC_PARTS.find((p) => p.types.includes(e.type));
}

/** A short description of a spec entry for messages: 'conv 3×3', 'maxpool 2×2', 'dense 128'. */
export function describeLayerSpec(e: LayerSpec): string {
  return partOf(e)?.describe(e) ?? String(e.type);
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
  if (!Array.isArray(spec.layers) || spec.layers.length === 0) {
    throw new ShapeError(`${model}: layers must be a non-empty list; add at least one dense or conv layer`);
  }

  const layers: Layer[] = [];
  const hidden: number[] = [];
  const count = new Map<string, number>();
  let dims: Dims = { c: c0, h: h0, w: w0 };
  // the last block (conv/dense entry) is the output layer, not a hidden one
  let lastBlock = -1;
  spec.layers.forEach((e, i) => {
    if (e && partOf(e)?.block) lastBlock = i;
  });

  spec.layers.forEach((e, i) => {
    if (!e || typeof e !== 'object') {
      throw new ShapeError(`${model}, layer ${i}: expected an object such as { type: 'dense', units: 10 }, got ${JSON.stringify(e)}`);
    }
    const part = partOf(e);
    if (!part) {
      throw new ShapeError(
        `${model}, layer ${i}: unknown layer type ${JSON.stringify(e.type)}; expected one of ${SPEC_PARTS.flatMap((p) => p.types).join(', ')}`,
      );
    }
    const where = `${model}, layer ${i} (${part.describe(e)})`;
    const add = (l: LayerInit): void => {
      const out = implOf(l.kind).outShape(l, dims, where);
      layers.push({ ...l, specIndex: i, in: dims, out });
      dims = out;
    };
    const b: Expansion = {
      where,
      get dims() {
        return dims;
      },
      activation: modelAct,
      nextName(base) {
        const k = (count.get(base) ?? 0) + 1;
        count.set(base, k);
        return `${base}${k}`;
      },
      add,
      addNormAct(base, act, norm) {
        if (norm === 'bn-before') add({ kind: 'bn', name: `${base}.bn` });
        const a = act === undefined ? modelAct : act === 'none' ? 'linear' : parseActivation(act);
        if (a === 'prelu') add({ kind: 'prelu', name: `${base}.act` });
        else if (a !== 'linear') add({ kind: 'act', name: `${base}.act`, act: a, param: actParam(a) });
        if (norm === 'bn-after') add({ kind: 'bn', name: `${base}.bn` });
        else if (norm === 'center-after') add({ kind: 'center', name: `${base}.center` });
      },
    };
    part.expand(e, b);
    if (part.block && i !== lastBlock) hidden.push(layers.length - 1);
  });

  if (!Object.hasOwn(LOSSES, spec.loss)) {
    throw new ShapeError(`${model}: unknown loss ${JSON.stringify(spec.loss)}; expected softmax-ce, mse or sigmoid-ce`);
  }
  if (spec.reduction !== undefined && !LOSSES[spec.loss].reductions.includes(spec.reduction)) {
    throw new ShapeError(
      REDUCTIONS.includes(spec.reduction)
        ? `${model}: reduction '${spec.reduction}' averages a sample's loss over its outputs, but ${spec.loss} has one term per sample; ` +
          `remove reduction (or use 'sum')`
        : `${model}: unknown reduction ${JSON.stringify(spec.reduction)}; expected ${REDUCTIONS.join(' or ')}`,
    );
  }
  if (!INIT_NAMES.includes(spec.init)) {
    throw new ShapeError(`${model}: unknown init ${JSON.stringify(spec.init)}; expected ${INIT_NAMES.slice(0, -1).join(', ')} or ${INIT_NAMES.at(-1)}`);
  }
  if (layers.length === 0) {
    throw new ShapeError(`${model}: the layers expand to nothing (a dropout of rate 0 adds no layer); add at least one dense or conv layer`);
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
