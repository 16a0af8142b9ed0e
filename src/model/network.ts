/**
 * Network: a model spec turned into buffers, and the loops over its layers (docs/architecture.md).
 *
 *   forward(x, n, mode, keys)   x: (n, C, H, W) flat → output (n, outputSize), a view into the workspace
 *   loss(target, n)             mean over the n samples of the per-sample loss (loss.ts)
 *   backward(target, n, scale)  grads += ∂(scale · Σ_samples per-sample loss)/∂params   (ACCUMULATES)
 *
 * scale = 1/n gives the gradient of loss(); data-parallel training passes 1 / (global batch) for every shard.
 *
 * Built once: the spec is expanded into simple layers (spec.ts, which checks every shape), the parameters get
 * one flat buffer with named views (params.ts), and each layer is built by its implementation (layers/) and
 * given its place in the value and gradient buffers (wiring.ts). Forward is then a loop over the layers and
 * backward the same loop reversed; neither knows what a layer does, and neither allocates. Kernels are called
 * through the KernelSet `kernels` (default tsKernels), whose `alloc` gives every array the network makes; what
 * the caller hands in is checked, and held where those kernels can read it, by inputs.ts.
 *
 * 'train' mode: dropout draws masks, BN and centring use the batch's statistics; 'eval': dropout is the
 * identity, BN and centring use their running statistics. forward never updates those: the caller takes
 * batchStats() after a train-mode forward and applies them with applyRunningStats() (in a fixed order, in
 * parallel training). backward is that of the last forward's mode: after an eval-mode forward it
 * differentiates the evaluation function (running statistics held constant).
 * Dropout masks are drawn per sample from keyedRng(seed, step, sampleId), all dropout layers of a sample in
 * layer order from that one stream, so a sample's masks do not depend on how the batch is split.
 */
import { ElunetError, ShapeError } from '../errors.js';
import { type KernelSet, tsKernels } from '../kernels/kernel-set.js';
import { keyedRng } from '../rng.js';
import { CallerInputs, type DropoutKeys } from './inputs.js';
import { BN_MOMENTUM } from './layers/batchnorm.js';
import { LOSSES, type LossImpl, type Reduction } from './loss.js';
import { ParamBuffers, type ParamEntry, layoutFor } from './params.js';
import { type ExpandedModel, type ModelSpec, expandSpec } from './spec.js';
import { summarize } from './summary.js';
import { type HiddenActivation, type Plan, type Wiring, planFor, wire } from './wiring.js';

export { BN_EPS, BN_MOMENTUM } from './layers/batchnorm.js';
export { describeLayer } from './layers/index.js';
export { summarize, summarizeSpec } from './summary.js';
export type { HiddenActivation } from './wiring.js';
export type { DropoutKeys } from './inputs.js';

export interface NetworkOptions {
  /** largest batch forward will be called with; activation buffers are sized for it */
  maxBatch: number;
  /** share existing buffers (e.g. SharedArrayBuffer views); each must have exactly the layout's size */
  params?: Float32Array;
  grads?: Float32Array;
  state?: Float32Array;
  /** also compute ∂loss/∂input into inputGrad() (accumulating); off by default, training does not need it */
  inputGrad?: boolean;
  /** the kernels, and the allocator of every buffer (default tsKernels) */
  kernels?: KernelSet;
}

export class Network {
  readonly spec: ModelSpec;
  readonly model: ExpandedModel;
  readonly maxBatch: number;
  /** per-sample input size C·H·W and output size */
  readonly inputSize: number;
  readonly outputSize: number;
  readonly kernels: KernelSet;

  readonly layout: ParamEntry[];
  readonly paramCount: number;
  params: Float32Array;
  grads: Float32Array;
  readonly stateLayout: ParamEntry[];
  state: Float32Array;

  private readonly buffers: ParamBuffers;
  /** the layers in place: value and gradient buffers, workspace, batch statistics (wiring.ts) */
  private readonly w: Wiring;
  private readonly lossImpl: LossImpl;
  /** how mse / sigmoid-ce combine a sample's output terms (spec.reduction, default 'sum') */
  private readonly reduction: Reduction;
  private readonly probs: Float32Array;
  private readonly plans = new Map<number, Plan>();
  /** the caller's input, target and dropout keys: checked, and held where the kernels can read them */
  private readonly inputs: CallerInputs;
  private lastN = 0;
  private lastMode: 'train' | 'eval' | null = null;
  private statsValid = false;

  constructor(spec: ModelSpec, opts: NetworkOptions) {
    if (!opts || !Number.isInteger(opts.maxBatch) || opts.maxBatch < 1) {
      throw new ShapeError(`Network '${spec?.name}': maxBatch must be an integer ≥ 1, got ${opts?.maxBatch}`);
    }
    this.spec = spec;
    this.model = expandSpec(spec);
    this.maxBatch = opts.maxBatch;
    this.kernels = opts.kernels ?? tsKernels;
    this.inputSize = spec.input[0] * spec.input[1] * spec.input[2];
    this.outputSize = this.model.outputSize;

    const layout = layoutFor(this.model.layers);
    this.layout = layout.params;
    this.paramCount = layout.paramCount;
    this.stateLayout = layout.state;
    this.buffers = new ParamBuffers(layout, spec.init, `Network '${spec.name}'`, opts, this.kernels.alloc);
    this.params = this.buffers.params;
    this.grads = this.buffers.grads;
    this.state = this.buffers.state;
    this.w = wire(this.model.layers, layout, this.buffers, this.maxBatch, opts.inputGrad ?? false, this.kernels);
    this.lossImpl = LOSSES[spec.loss];
    this.reduction = spec.reduction ?? 'sum';
    this.probs = this.kernels.alloc.f32(this.lossImpl.probabilities ? this.maxBatch * this.outputSize : 0);
    this.inputs = new CallerInputs(`Network '${spec.name}'`, this.kernels, this.maxBatch, spec.input, this.outputSize);
    this.plan(this.maxBatch); // build (and so validate) the passes for the largest batch now
  }

  /** The passes and output views for batch size n (made on first use, then reused). */
  private plan(n: number): Plan {
    let plan = this.plans.get(n);
    if (!plan) this.plans.set(n, (plan = planFor(this.w, this.model, n)));
    return plan;
  }

  // ------------------------------------------------------------------------------------------ parameters

  /**
   * Fills every parameter from `seed`: weights by the spec's init, weight tensor k from keyedRng(seed, k), so
   * the same seed gives the same weights whatever the activation, BN or PReLU choice; biases and BN β 0, BN γ 1,
   * PReLU slopes 0.25 (the roles the layer files give); and resets the running statistics.
   */
  initParams(seed: number): void {
    this.buffers.fill(seed);
  }

  /** The named view of a parameter ('conv1.weight'), or of its gradient. */
  param(name: string): Float32Array {
    return this.buffers.paramViews[this.buffers.indexOf(name)];
  }
  grad(name: string): Float32Array {
    return this.buffers.gradViews[this.buffers.indexOf(name)];
  }

  zeroGrad(): void {
    this.grads.fill(0);
    if (this.w.dInput) this.w.dInput.fill(0);
  }

  /** ∂loss/∂input of the backward passes since the last zeroGrad (needs opts.inputGrad). */
  inputGrad(): Float32Array {
    if (!this.w.dInput) {
      throw new ElunetError(`Network '${this.spec.name}': inputGrad() needs the option { inputGrad: true } at construction`);
    }
    return this.w.dInput;
  }

  // -------------------------------------------------------------------------------- forward and backward

  forward(x: Float32Array, n: number, mode: 'train' | 'eval', keys?: DropoutKeys): Float32Array {
    const input = this.inputs.input(x, n);
    if (mode !== 'train' && mode !== 'eval') {
      throw new ElunetError(`Network '${this.spec.name}': forward: mode must be 'train' or 'eval', got ${JSON.stringify(mode)}`);
    }
    const train = mode === 'train';
    const { passes, output } = this.plan(n);
    const { nodes, vals } = this.w;
    vals[0] = input;
    if (train && this.w.masked.length > 0) this.drawMasks(n, this.inputs.checkKeys(keys, n));
    for (let i = 0; i < nodes.length; i++) {
      const nd = nodes[i];
      if (!nd.alias) passes[i].forward(vals[nd.inBuf], vals[nd.outBuf], train);
    }
    this.lastN = n;
    this.lastMode = mode;
    if (train && this.w.stats.length > 1) {
      this.w.stats[this.w.stats.length - 1] = n;
      this.statsValid = true;
    }
    return output;
  }

  /** Sample j's masks for every dropout layer, in layer order, from keyedRng(seed, step, sampleIds[j]). */
  private drawMasks(n: number, keys: DropoutKeys): void {
    for (let j = 0; j < n; j++) {
      const rng = keyedRng(keys.seed, keys.step, keys.sampleIds[j]);
      for (const run of this.w.masked) run.drawMask?.(j, rng);
    }
  }

  private checkLast(what: string, n: number): void {
    if (this.lastMode === null) throw new ElunetError(`Network '${this.spec.name}': ${what} needs a forward first`);
    if (n !== this.lastN) {
      throw new ElunetError(`Network '${this.spec.name}': ${what}: n = ${n}, but the last forward ran on ${this.lastN} samples; use the same n`);
    }
  }

  /** Mean over the n samples of the per-sample loss, for the last forward. */
  loss(target: Int32Array | Float32Array, n: number): number {
    this.checkLast('loss', n);
    const out = this.plan(n).output;
    return this.lossImpl.forward(this.kernels, this.probs, out, this.inputs.target(target, n), n, this.outputSize, this.reduction, `Network '${this.spec.name}': loss`);
  }

  /** The softmax probabilities computed by the last loss() or backward() of a softmax-ce model: (n, classes). */
  probabilities(): Float32Array {
    return this.probs.subarray(0, this.lastN * this.outputSize);
  }

  /**
   * Backprop of the last forward for the loss scaled by `scale` (1/n for the mean, 1/(global batch) for a
   * shard of a data-parallel batch), in that forward's mode: after an eval-mode forward, the gradient of the
   * evaluation function (BN and centring with their running statistics as constants). ACCUMULATES into
   * grads (and inputGrad()).
   */
  backward(target: Int32Array | Float32Array, n: number, scale: number): void {
    this.checkLast('backward', n);
    const train = this.lastMode === 'train';
    const { passes, output } = this.plan(n);
    const { nodes, vals, slotGrad } = this.w;
    const g = slotGrad[nodes[nodes.length - 1].outSlot];
    g.fill(0, 0, n * this.outputSize);
    this.lossImpl.backward(this.kernels, g, this.probs, output, this.inputs.target(target, n), n, this.outputSize, this.reduction, scale, `Network '${this.spec.name}': backward`);
    for (let i = nodes.length - 1; i >= 0; i--) {
      const nd = nodes[i];
      if (nd.alias) continue; // same values, same gradient
      const dx = slotGrad[nd.inSlot];
      if (dx !== this.w.dInput) dx.fill(0, 0, n * nd.inSize); // dInput accumulates, the rest is cleared
      passes[i].backward(dx, slotGrad[nd.outSlot], vals[nd.inBuf], vals[nd.outBuf], train);
    }
  }

  // ------------------------------------------------------------------------------------ batch-norm stats

  /**
   * The last train-mode forward's batch statistics: for each layer that takes them, in order, a BN layer's
   * mean (C values) then biased variance (C values), a centring layer's mean (C values); and last the batch
   * size n they were taken over. The same array every call (copy it to keep it). Empty of layers (length 1)
   * for a model without BN or centring.
   */
  batchStats(): Float32Array {
    if (this.w.stats.length > 1 && !this.statsValid) {
      throw new ElunetError(`Network '${this.spec.name}': batchStats() needs a train-mode forward first`);
    }
    return this.w.stats;
  }

  /** Length of the batchStats() vector. */
  get batchStatsSize(): number {
    return this.w.stats.length;
  }

  /**
   * Moves the running statistics toward a batchStats() vector (PyTorch's rule: runMean ← (1−m)·runMean + m·μ,
   * and for BN runVar ← (1−m)·runVar + m·σ²·M/(M−1), M = n·H·W).
   */
  applyRunningStats(stats: Float32Array, momentum = BN_MOMENTUM): void {
    if (!(stats instanceof Float32Array) || stats.length !== this.w.stats.length) {
      throw new ShapeError(
        `Network '${this.spec.name}': applyRunningStats: expected a batchStats() vector of ${this.w.stats.length} floats, ` +
          `got ${stats instanceof Float32Array ? stats.length : typeof stats}`,
      );
    }
    this.w.statsToApply.set(stats);
    const n = stats[stats.length - 1];
    for (const nd of this.w.nodes) nd.run.applyStats?.(n, momentum);
  }

  // ------------------------------------------------------------------------------------------ inspection

  /**
   * The output of each hidden conv/dense block for the last forward (views, not copies): after its activation,
   * and after its normalization when that comes after the activation ('bn-after', 'center-after'). This is
   * what the next block's units receive, the z whose mean the bias-shift argument is about (docs/theory.md).
   */
  hiddenActivations(): HiddenActivation[] {
    if (this.lastMode === null) throw new ElunetError(`Network '${this.spec.name}': hiddenActivations() needs a forward first`);
    return this.plan(this.lastN).hidden;
  }

  /** Table of layers: name, output shape, parameter count; and the total. */
  summary(): string {
    return summarize(this.model, this.buffers.layout);
  }
}
