/**
 * The layer interface: everything one kind of layer knows, as one object per kind. Each kind lives in its own
 * file in this folder; index.ts is the table from kind to object, and Network (../network.ts) is the loops
 * over that table.
 *
 * A layer kind gives
 *   - its record: the fields a layer of this kind carries (a conv: filters, size, stride, pad, bias) on top
 *     of LayerBase (name, input and output dims);
 *   - describe: one line for the summary table ('conv 3×3/1 pad 1', 'maxpool 2×2/2');
 *   - outShape: its output dims from its input dims. This is the shape check, made once when a model is
 *     built; a message names the spec entry, what it expected, what it found and the fix;
 *   - params / state: its trained parameters and its untrained state (batch norm's running statistics),
 *     each with the role that says how initParams fills it. The layout (../params.ts) lays them out back to
 *     back in one flat buffer, layer by layer, in the order given here;
 *   - output: where its output lives — a buffer of its own ('new'), written over its input ('in-place': the
 *     backward needs only the output), or the input itself ('alias': a renaming, nothing to compute);
 *   - build: given views of its parameters and the KernelSet, it allocates what it needs for maxBatch samples
 *     and returns a LayerRun. run.plan(n) makes the shape records for a batch of n once, and returns the
 *     forward (the kernel calls) and the backward (the same calls in reverse);
 *   - spec (optional): the entry a model spec may write for it ({ type: 'maxpool', size: 2 }): its type,
 *     how it is described in messages, and how it is checked and expanded into layers;
 *   - torch: what the layer is in PyTorch — the module model.py builds for it and its line of forward, with
 *     the Python class it needs if torch.nn has none that fits (TorchLayer below). `elunet export` writes
 *     model.py from these pieces (src/export/pytorch.ts), so a kind without one does not compile.
 *
 * The layers hold no loops: the kernels do the arithmetic, called through the KernelSet `k` (never imported),
 * and every array a layer allocates comes from k.alloc.
 */
import { ShapeError } from '../../errors.js';
import type { ActivationName } from '../../kernels/activation.js';
import type { UniformSource } from '../../kernels/dropout.js';
import type { KernelSet } from '../../kernels/kernel-set.js';
import type { LayerInit } from './index.js';

/** The shape of one sample at some point of the network. A flat vector of u values is (u, 1, 1). */
export interface Dims {
  c: number;
  h: number;
  w: number;
}

export const dimsSize = (d: Dims): number => d.c * d.h * d.w;

/** What every layer record carries. */
export interface LayerBase {
  /** name used for parameters, the summary and hiddenActivations, e.g. 'conv3', 'conv3.bn', 'conv3.act';
   *  the part before the first '.' is the block the layer belongs to (blockName in ../spec.ts) */
  name: string;
  /** index of the spec entry this layer came from (for messages) */
  specIndex: number;
  in: Dims;
  out: Dims;
}

/** A layer record as a spec entry writes it: without the place the expansion gives it. */
export type LayerFields<L extends LayerBase> = Omit<L, 'specIndex' | 'in' | 'out'>;

/** How initParams fills a tensor: a weight draws from the spec's init (its spread × gain, default 1), anything
 *  else starts at one value. */
export type ParamRole = { role: 'weight'; fanIn: number; fanOut: number; gain?: number } | { role: 'fill'; value: number };

/** One tensor of a layer: `name` 'weight' becomes 'conv1.weight' in the layout. */
export interface TensorSpec {
  name: string;
  shape: number[];
  role: ParamRole;
}

/** What the network hands a layer when it builds it. */
export interface BuildContext {
  /** views of this layer's parameters (in params() order), of their gradients, and of its state */
  params: Float32Array[];
  grads: Float32Array[];
  state: Float32Array[];
  /** this layer's part of the batch-statistics vector (statsSize floats): a train-mode forward writes `stats`;
   *  applyStats reads `statsToApply`, where Network.applyRunningStats copies the vector it is given */
  stats: Float32Array;
  statsToApply: Float32Array;
  maxBatch: number;
  /** false when nothing needs this layer's input gradient (the first layer of a network without inputGrad) */
  needDx: boolean;
  kernels: KernelSet;
}

/** The kernel calls of one layer for one batch size. Arrays hold n samples of in / out dims each. */
export interface LayerPass {
  /** y = f(x); train: batch statistics and dropout masks, else running statistics and no dropout */
  forward(x: Float32Array, y: Float32Array, train: boolean): void;
  /** dx += ∂L/∂x and the parameter gradients += ∂L/∂θ, from dy (and x or y, as the kernels need) */
  backward(dx: Float32Array, dy: Float32Array, x: Float32Array, y: Float32Array, train: boolean): void;
}

/** One layer of a built network. */
export interface LayerRun {
  /** floats of the scratch shared by all layers (the im2col columns) this layer needs, for any n ≤ maxBatch */
  workspace?: number;
  /** the passes for a batch of n ≤ maxBatch samples (made once per n and kept) */
  plan(n: number, workspace: Float32Array): LayerPass;
  /** draws sample j's dropout mask from rng (the generator of that sample: see Network.forward) */
  drawMask?(j: number, rng: UniformSource): void;
  /** moves the running statistics toward statsToApply, taken over n samples */
  applyStats?(n: number, momentum: number): void;
}

export type Placement = 'new' | 'in-place' | 'alias';

export interface LayerImpl<L extends LayerBase, S extends SpecEntryBase = never> {
  describe(l: L): string;
  /** the output dims for `input`; throws ShapeError starting with `where` when the input does not fit */
  outShape(l: LayerFields<L>, input: Dims, where: string): Dims;
  params?(l: L): TensorSpec[];
  state?(l: L): TensorSpec[];
  /** floats of the batch-statistics vector this layer writes in a train-mode forward */
  statsSize?(l: L): number;
  output: Placement;
  build(l: L, ctx: BuildContext): LayerRun;
  spec?: SpecPart<S>;
  torch(l: L): TorchLayer;
}

// ─────────────────────────────────────────────────────────────────────────────────── the model spec side

/** A layer's activation in a spec: a kernel name, or 'none' (no activation layer; 'linear' means the same). */
export type Act = ActivationName | 'none';

/**
 * Where a conv or dense block normalizes, and how:
 *   'none'          conv|dense → act
 *   'bn-before'     conv|dense → BN → act              (Ioffe & Szegedy's placement; the conv/dense has no bias)
 *   'bn-after'      conv|dense → act → BN              (BN centres and scales the activations themselves)
 *   'center-after'  conv|dense → act → center          (each unit's activation minus its mean: nothing else)
 * `batchNorm: true` in a spec entry is the older spelling of 'bn-before'.
 */
export type Norm = 'none' | 'bn-before' | 'bn-after' | 'center-after';
export const NORMS: readonly Norm[] = ['none', 'bn-before', 'bn-after', 'center-after'];

/**
 * The normalization a conv or dense entry asks for, from its `norm` and its `batchNorm` (a spec may come from
 * a JSON file, so both are checked); ShapeError starting with `where` when they are invalid or disagree.
 */
export function normOf(e: { norm?: Norm; batchNorm?: boolean }, where: string): Norm {
  if (e.batchNorm !== undefined && typeof e.batchNorm !== 'boolean') {
    throw new ShapeError(`${where}: batchNorm must be true or false, got ${JSON.stringify(e.batchNorm)}`);
  }
  if (e.norm === undefined) return e.batchNorm ? 'bn-before' : 'none';
  if (!NORMS.includes(e.norm)) {
    throw new ShapeError(`${where}: norm must be one of ${NORMS.join(', ')}, got ${JSON.stringify(e.norm)}`);
  }
  if (e.batchNorm === true && e.norm !== 'bn-before') {
    throw new ShapeError(`${where}: batchNorm: true means norm 'bn-before', but norm is '${e.norm}'; give only one of them`);
  }
  return e.norm;
}

export interface SpecEntryBase {
  type: string;
}

/** What a spec entry's expansion may do. */
export interface Expansion {
  /** "model 'tiny', layer 3 (conv 3×3, 8 filters)": the start of every message about this entry */
  readonly where: string;
  /** the dims of one sample where the next layer will be added */
  readonly dims: Dims;
  /** the model-wide activation */
  readonly activation: ActivationName;
  /** numbered names, counted over the whole model: nextName('conv') → 'conv1', then 'conv2', … */
  nextName(base: string): string;
  /** appends a layer: its input is `dims`, its output what its kind's outShape says */
  add(layer: LayerInit): void;
  /** what follows a conv or dense layer named `base`: [bn] → [activation] → [bn | center], as `norm` says
   *  (activation omitted: the model-wide one; 'none' or 'linear': no activation layer) */
  addNormAct(base: string, act: Act | undefined, norm: Norm): void;
}

/** The entry a model spec writes for a layer kind. */
export interface SpecPart<S extends SpecEntryBase> {
  /** the `type` values this part expands */
  types: readonly S['type'][];
  /** a hidden block (conv, dense): its last layer's output is one of the hidden activations, unless it is
   *  the model's last block (the output layer) */
  block?: boolean;
  /** the entry in a few words, for messages: 'conv 3×3, 8 filters' */
  describe(e: S): string;
  /** checks the entry's fields (it may come from a JSON file) and appends its layers */
  expand(e: S, b: Expansion): void;
}

/** The `initGain` of a conv or dense entry: undefined, or a positive finite number (ShapeError otherwise). */
export function initGainOf(e: { initGain?: number }, where: string): number | undefined {
  const g = e.initGain;
  if (g === undefined) return undefined;
  if (!(typeof g === 'number' && Number.isFinite(g) && g > 0)) {
    throw new ShapeError(`${where}: initGain must be a positive number (it multiplies the init's standard deviation), got ${JSON.stringify(g)}`);
  }
  return g;
}

// ─────────────────────────────────────────────────────────────────────────────────── the PyTorch side

/** The rank of the tensor between two layers in model.py: (N, C, H, W) or (N, F). */
export type TorchRank = 2 | 4;

/** A Python class that model.py defines once, before the network, for every layer that names it. */
export interface TorchHelper {
  /** the class name, e.g. 'BatchNorm' */
  name: string;
  /** the class definition, at the top level of model.py (four-space indents, no trailing blank line) */
  source: string;
}

/**
 * What one layer is in model.py. Its module is registered under the layer's name (self.conv1, and
 * self.conv1.bn for 'conv1.bn'), so its parameters and buffers get elunet's checkpoint names in the state
 * dict; those must be exactly the names and shapes of the kind's params() and state(), in any order.
 */
export interface TorchLayer {
  /** Python expression of the module built in __init__, or null if the layer is only a line of forward */
  module: string | null;
  /** the forward line's right-hand side, given the module's attribute path ('self.conv1'); the input is x */
  call: (self: string) => string;
  /** the rank the layer needs as input ('any' for elementwise layers and batch norm) */
  input: TorchRank | 'any';
  /** the rank of its output ('same' as its input) */
  output: TorchRank | 'same';
  /** classes of its own that the module expression uses */
  helpers?: TorchHelper[];
  /** where plain torch.nn modules name this layer's tensors otherwise, { theirs: ours }, null for a tensor
   *  elunet does not keep: nn.BatchNorm2d's { weight: 'gamma', bias: 'beta', num_batches_tracked: null }.
   *  `elunet import` accepts those names too (src/export/import.ts) */
  torchNames?: Record<string, string | null>;
}

/** A Python float literal (1 → '1.0', so that an α stays a float in Python). */
export function pyFloat(v: number): string {
  return Number.isInteger(v) ? v.toFixed(1) : String(v);
}

export function isPosInt(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 1;
}
