/**
 * Network: a model spec turned into buffers and a forward / backward pass over the kernels.
 *
 * Built once:
 *   - the spec is expanded into simple layers with shapes (spec.ts), which checks every shape;
 *   - the parameters, gradients and BN running statistics get one flat buffer each, with a layout table and
 *     named views (params.ts);
 *   - every layer output gets an activation buffer for maxBatch samples. Activations other than PReLU run in
 *     place over the conv/dense/BN output they follow (their backward needs only their output); flatten is a
 *     renaming and shares its input's buffer;
 *   - backward uses two gradient buffers in turn (the gradient of a layer's output in one, of its input in
 *     the other), plus, if asked for, an input-gradient buffer;
 *   - the convolutions share one im2col workspace; pools keep their argmax, dropouts their masks.
 * After that, forward and backward allocate nothing: the shape records for a batch size n are made the first
 * time that n is seen and kept ("plans"); every loop runs over preallocated views.
 *
 *   forward(x, n, mode, keys)   x: (n, C, H, W) flat → output (n, outputSize), a view into the workspace
 *   loss(target, n)             mean over the n samples of the per-sample loss (see below)
 *   backward(target, n, scale)  grads += ∂(scale · Σ_samples per-sample loss)/∂params   (ACCUMULATES)
 *
 * Per-sample loss: softmax-ce → −log softmax(logits)[label]; mse → Σ over outputs (y − t)²; sigmoid-ce →
 * Σ over outputs of the logistic cross-entropy. With scale = 1/n, backward gives the gradient of loss().
 * Data-parallel training passes scale = 1 / (global batch) for every shard (docs/architecture.md).
 *
 * Train vs eval: in 'train' mode dropout draws masks and BN normalizes with the batch's own statistics; in
 * 'eval' mode dropout is the identity and BN uses its running statistics. forward never updates the running
 * statistics: the caller takes batchStats() after a train-mode forward and applies them with
 * applyRunningStats() (the coordinator of parallel training does so in a fixed order).
 *
 * Dropout masks are drawn per sample from keyedRng(seed, step, sampleId), all dropout layers of a sample in
 * layer order from that one stream, so a sample's masks do not depend on how the batch is split.
 */
import { ElunetError, ShapeError } from '../errors.js';
import { keyedRng } from '../rng.js';
import { activationBackward, activationForward } from '../kernels/activation.js';
import { alphaDropoutBackward, alphaDropoutForward, alphaDropoutMask } from '../kernels/alpha-dropout.js';
import {
  type BatchNormShape,
  batchNormBackward,
  batchNormForwardEval,
  batchNormForwardTrain,
  batchNormShape,
  batchNormUpdateRunning,
} from '../kernels/batchnorm.js';
import {
  type Conv2dShape,
  conv2dBackwardInput,
  conv2dBackwardParams,
  conv2dForward,
  conv2dShape,
  conv2dWorkspaceSize,
} from '../kernels/conv2d.js';
import { type DenseShape, denseBackwardInput, denseBackwardParams, denseForward, denseShape } from '../kernels/dense.js';
import { dropoutBackward, dropoutForward, dropoutMask } from '../kernels/dropout.js';
import { glorotUniform, heNormal, heUniform, lecunNormal } from '../kernels/init.js';
import { mseBackward, mseForward } from '../kernels/mse.js';
import { avgPoolBackward, avgPoolForward, maxPoolBackward, maxPoolForward, type PoolShape, poolShape } from '../kernels/pool.js';
import { PRELU_INITIAL_SLOPE, preluBackward, preluForward, type PreluShape, preluShape } from '../kernels/prelu.js';
import { sigmoidCrossEntropyBackward, sigmoidCrossEntropyForward } from '../kernels/sigmoid-cross-entropy.js';
import { softmaxCrossEntropyBackward, softmaxCrossEntropyForward } from '../kernels/softmax-cross-entropy.js';
import { sppBackward, sppForward, type SppShape, sppShape } from '../kernels/spp.js';
import { type GapShape, globalAvgPoolBackward, globalAvgPoolForward } from '../kernels/global-avg-pool.js';
import { type ModelLayout, type ParamEntry, ensureBuffer, layoutFor, makeViews } from './params.js';
import { type ExpandedModel, type Layer, type ModelSpec, dimsSize, expandSpec, formatDims } from './spec.js';

/** ε of every batch-norm layer (PyTorch's default). */
export const BN_EPS = 1e-5;
/** Momentum of the running statistics (PyTorch's default). */
export const BN_MOMENTUM = 0.1;

export interface NetworkOptions {
  /** largest batch forward will be called with; activation buffers are sized for it */
  maxBatch: number;
  /** share existing buffers (e.g. SharedArrayBuffer views); each must have exactly the layout's size */
  params?: Float32Array;
  grads?: Float32Array;
  state?: Float32Array;
  /** also compute ∂loss/∂input into inputGrad() (accumulating); off by default, training does not need it */
  inputGrad?: boolean;
}

export interface DropoutKeys {
  seed: number;
  step: number;
  /** global index of each of the n samples (≥ n entries) */
  sampleIds: Int32Array;
}

export interface HiddenActivation {
  name: string;
  /** (n, units, spatial) flat: the post-activation output of one hidden layer for the last forward */
  data: Float32Array;
  units: number;
  spatial: number;
}

type Of<K extends Layer['kind']> = Extract<Layer, { kind: K }>;

interface NodeBase {
  /** value buffers: 0 is the input of the current forward */
  inBuf: number;
  outBuf: number;
  /** gradient slots: the gradient of slot s lives in slotGrad[s] */
  inSlot: number;
  outSlot: number;
  /** per-sample sizes */
  inSize: number;
  outSize: number;
}

type Node =
  | (NodeBase & { layer: Of<'conv'>; w: Float32Array; b: Float32Array | null; dw: Float32Array; db: Float32Array | null })
  | (NodeBase & { layer: Of<'dense'>; w: Float32Array; b: Float32Array | null; dw: Float32Array; db: Float32Array | null })
  | (NodeBase & {
      layer: Of<'bn'>;
      gamma: Float32Array;
      beta: Float32Array;
      dgamma: Float32Array;
      dbeta: Float32Array;
      runMean: Float32Array;
      runVar: Float32Array;
      mean: Float32Array;
      invStd: Float32Array;
      xhat: Float32Array;
      /** where this layer's mean (then var) goes in the batch-stats vector */
      statsOffset: number;
    })
  | (NodeBase & { layer: Of<'act'>; a: Float32Array | null; da: Float32Array | null })
  | (NodeBase & { layer: Of<'pool'>; argmax: Int32Array })
  | (NodeBase & { layer: Of<'spp'>; argmax: Int32Array })
  | (NodeBase & { layer: Of<'gap'> })
  | (NodeBase & { layer: Of<'flatten'> })
  | (NodeBase & { layer: Of<'dropout'>; mask: Float32Array; maskViews: Float32Array[] })
  | (NodeBase & { layer: Of<'alpha-dropout'>; keep: Uint8Array; keepViews: Uint8Array[] });

type KernelShape = Conv2dShape | DenseShape | BatchNormShape | PreluShape | PoolShape | SppShape | GapShape | null;

/** Everything that depends on the batch size n, made once per n. */
interface Plan {
  n: number;
  shapes: KernelShape[];
  output: Float32Array;
  hidden: HiddenActivation[];
}

export class Network {
  readonly spec: ModelSpec;
  readonly model: ExpandedModel;
  readonly maxBatch: number;
  /** per-sample input size C·H·W and output size */
  readonly inputSize: number;
  readonly outputSize: number;

  readonly layout: ParamEntry[];
  readonly paramCount: number;
  params: Float32Array;
  grads: Float32Array;
  readonly stateLayout: ParamEntry[];
  state: Float32Array;

  private readonly full: ModelLayout;
  private readonly paramViews: Float32Array[];
  private readonly gradViews: Float32Array[];
  private readonly stateViews: Float32Array[];
  private readonly nodes: Node[] = [];
  private readonly vals: Float32Array[];
  private readonly slotGrad: Float32Array[] = [];
  private readonly dInput: Float32Array | null;
  private workspace: Float32Array;
  private readonly probs: Float32Array;
  private readonly stats: Float32Array;
  private readonly bnNodes: Extract<Node, { layer: Of<'bn'> }>[] = [];
  private readonly dropoutNodes: Extract<Node, { layer: Of<'dropout'> | Of<'alpha-dropout'> }>[] = [];
  private readonly plans = new Map<number, Plan>();
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
    const [c, h, w] = spec.input;
    this.inputSize = c * h * w;
    this.outputSize = this.model.outputSize;

    this.full = layoutFor(this.model.layers);
    this.layout = this.full.params;
    this.paramCount = this.full.paramCount;
    this.stateLayout = this.full.state;
    this.params = ensureBuffer(`Network '${spec.name}': params`, opts.params, this.paramCount);
    this.grads = ensureBuffer(`Network '${spec.name}': grads`, opts.grads, this.paramCount);
    const stateGiven = opts.state !== undefined;
    this.state = ensureBuffer(`Network '${spec.name}': state`, opts.state, this.full.stateCount);
    this.paramViews = makeViews(this.params, this.layout);
    this.gradViews = makeViews(this.grads, this.layout);
    this.stateViews = makeViews(this.state, this.stateLayout);
    if (!stateGiven) this.resetState();

    const B = this.maxBatch;
    this.vals = [new Float32Array(0)]; // slot for the caller's input, set by forward
    let curBuf = 0;
    let curSlot = 0;
    let maxSlotSize = this.inputSize;
    let statsSize = 0;
    let wsSize = 0;
    const layers = this.model.layers;
    for (let i = 0; i < layers.length; i++) {
      const layer = layers[i];
      const inSize = dimsSize(layer.in);
      const outSize = dimsSize(layer.out);
      const pv = this.full.layerParams[i].map((k) => this.paramViews[k]);
      const gv = this.full.layerParams[i].map((k) => this.gradViews[k]);
      const sv = this.full.layerState[i].map((k) => this.stateViews[k]);
      const newBuf = (): number => {
        this.vals.push(new Float32Array(B * outSize));
        return this.vals.length - 1;
      };
      const inBuf = curBuf;
      const inSlot = curSlot;
      let outBuf: number;
      let outSlot = curSlot + 1;
      if (layer.kind === 'flatten') {
        outBuf = inBuf;
        outSlot = inSlot;
      } else if (layer.kind === 'act' && layer.act !== 'prelu' && inBuf !== 0) {
        outBuf = inBuf; // in place: the backward needs only the output
      } else {
        outBuf = newBuf();
      }
      const base: NodeBase = { inBuf, outBuf, inSlot, outSlot, inSize, outSize };
      let node: Node;
      switch (layer.kind) {
        case 'conv': {
          node = { ...base, layer, w: pv[0], b: layer.bias ? pv[1] : null, dw: gv[0], db: layer.bias ? gv[1] : null };
          wsSize = Math.max(wsSize, conv2dWorkspaceSize(this.convShape(layer, B)));
          break;
        }
        case 'dense':
          node = { ...base, layer, w: pv[0], b: layer.bias ? pv[1] : null, dw: gv[0], db: layer.bias ? gv[1] : null };
          break;
        case 'bn': {
          const ch = layer.in.c;
          const bn = {
            ...base,
            layer,
            gamma: pv[0],
            beta: pv[1],
            dgamma: gv[0],
            dbeta: gv[1],
            runMean: sv[0],
            runVar: sv[1],
            mean: new Float32Array(ch),
            invStd: new Float32Array(ch),
            xhat: new Float32Array(B * outSize),
            statsOffset: statsSize,
          };
          statsSize += 2 * ch;
          this.bnNodes.push(bn);
          node = bn;
          break;
        }
        case 'act':
          node = { ...base, layer, a: layer.act === 'prelu' ? pv[0] : null, da: layer.act === 'prelu' ? gv[0] : null };
          break;
        case 'pool':
          node = { ...base, layer, argmax: new Int32Array(layer.op === 'max' ? B * outSize : 0) };
          break;
        case 'spp':
          node = { ...base, layer, argmax: new Int32Array(B * outSize) };
          break;
        case 'gap':
          node = { ...base, layer };
          break;
        case 'flatten':
          node = { ...base, layer };
          break;
        case 'dropout': {
          const mask = new Float32Array(B * outSize);
          const maskViews = Array.from({ length: B }, (_, j) => mask.subarray(j * outSize, (j + 1) * outSize));
          const d = { ...base, layer, mask, maskViews };
          this.dropoutNodes.push(d);
          node = d;
          break;
        }
        case 'alpha-dropout': {
          const keep = new Uint8Array(B * outSize);
          const keepViews = Array.from({ length: B }, (_, j) => keep.subarray(j * outSize, (j + 1) * outSize));
          const d = { ...base, layer, keep, keepViews };
          this.dropoutNodes.push(d);
          node = d;
          break;
        }
        default: {
          const _: never = layer;
          throw new Error(`Network: unhandled layer ${JSON.stringify(_)}`);
        }
      }
      this.nodes.push(node);
      curBuf = outBuf;
      curSlot = outSlot;
      maxSlotSize = Math.max(maxSlotSize, outSize);
    }

    // gradient slots: slot s uses ping-pong buffer s % 2, so a layer's dy and dx are never the same array
    this.dInput = opts.inputGrad ? new Float32Array(B * this.inputSize) : null;
    const pingPong = [new Float32Array(B * maxSlotSize), new Float32Array(B * maxSlotSize)];
    for (let s = 0; s <= curSlot; s++) this.slotGrad.push(s === 0 && this.dInput ? this.dInput : pingPong[s % 2]);
    this.workspace = new Float32Array(wsSize);
    this.probs = new Float32Array(spec.loss === 'softmax-ce' ? B * this.outputSize : 0);
    // [mean(c), var(c)] per BN layer, then the batch size they were taken over
    this.stats = new Float32Array(statsSize + 1);
    this.plan(B); // build (and so validate) the kernel shapes for the largest batch now
  }

  // ---------------------------------------------------------------------------------------------- build

  private convShape(l: Of<'conv'>, n: number): Conv2dShape {
    const s = conv2dShape({
      n,
      c: l.in.c,
      h: l.in.h,
      w: l.in.w,
      oc: l.filters,
      kh: l.size,
      kw: l.size,
      stride: l.stride,
      pad: l.pad,
    });
    if (s.oh !== l.out.h || s.ow !== l.out.w) {
      throw new Error(`Network: ${l.name}: conv2dShape gives ${s.oh}×${s.ow}, the spec expansion ${l.out.h}×${l.out.w}`);
    }
    return s;
  }

  /** The kernel shape records and output views for batch size n (made on first use, then reused). */
  private plan(n: number): Plan {
    const cached = this.plans.get(n);
    if (cached) return cached;
    const shapes: KernelShape[] = this.nodes.map((node): KernelShape => {
      const l = node.layer;
      switch (l.kind) {
        case 'conv': {
          const s = this.convShape(l, n);
          const need = conv2dWorkspaceSize(s);
          if (need > this.workspace.length) this.workspace = new Float32Array(need);
          return s;
        }
        case 'dense':
          return denseShape({ n, inFeatures: node.inSize, outFeatures: l.units });
        case 'bn':
          return batchNormShape({ n, c: l.in.c, spatial: l.in.h * l.in.w });
        case 'act':
          return l.act === 'prelu' ? preluShape({ n, c: l.in.c, spatial: l.in.h * l.in.w }) : null;
        case 'pool': {
          const s = poolShape({ n, c: l.in.c, h: l.in.h, w: l.in.w, k: l.size, stride: l.stride, pad: l.pad });
          if (s.oh !== l.out.h || s.ow !== l.out.w) throw new Error(`Network: ${l.name}: poolShape disagrees with the spec expansion`);
          return s;
        }
        case 'spp': {
          const s = sppShape({ n, c: l.in.c, h: l.in.h, w: l.in.w, levels: l.levels });
          if (s.outPerSample !== node.outSize) throw new Error(`Network: ${l.name}: sppShape disagrees with the spec expansion`);
          return s;
        }
        case 'gap':
          return { n, c: l.in.c, spatial: l.in.h * l.in.w };
        case 'flatten':
        case 'dropout':
        case 'alpha-dropout':
          return null;
        default: {
          const _: never = l;
          throw new Error(`Network: unhandled layer ${JSON.stringify(_)}`);
        }
      }
    });
    const last = this.nodes[this.nodes.length - 1];
    const hidden = this.model.hidden.map((i): HiddenActivation => {
      const node = this.nodes[i];
      const o = node.layer.out;
      return {
        name: node.layer.name.replace(/\.(act|bn)$/, ''),
        data: this.vals[node.outBuf].subarray(0, n * node.outSize),
        units: o.c,
        spatial: o.h * o.w,
      };
    });
    const plan: Plan = { n, shapes, output: this.vals[last.outBuf].subarray(0, n * this.outputSize), hidden };
    this.plans.set(n, plan);
    return plan;
  }

  // ------------------------------------------------------------------------------------------ parameters

  /**
   * Fills every parameter from `seed`: weights by the spec's init (weight tensor k draws from
   * keyedRng(seed, k), so the same seed gives the same weights whatever the activation, BN or PReLU
   * choice), biases and BN β = 0, BN γ = 1, PReLU slopes = 0.25; resets the running statistics (mean 0, var 1).
   */
  initParams(seed: number): void {
    let weightIndex = 0;
    for (let k = 0; k < this.layout.length; k++) {
      const v = this.paramViews[k];
      const r = this.full.paramRoles[k];
      switch (r.role) {
        case 'weight': {
          const rng = keyedRng(seed, weightIndex++);
          switch (this.spec.init) {
            case 'he-normal':
              heNormal(v, r.fanIn, rng);
              break;
            case 'he-uniform':
              heUniform(v, r.fanIn, rng);
              break;
            case 'lecun-normal':
              lecunNormal(v, r.fanIn, rng);
              break;
            case 'glorot-uniform':
              glorotUniform(v, r.fanIn, r.fanOut, rng);
              break;
            default: {
              const _: never = this.spec.init;
              throw new ShapeError(`Network: unknown init ${String(_)}`);
            }
          }
          break;
        }
        case 'bias':
        case 'beta':
          v.fill(0);
          break;
        case 'gamma':
          v.fill(1);
          break;
        case 'prelu-slope':
          v.fill(PRELU_INITIAL_SLOPE);
          break;
        case 'running-mean':
        case 'running-var':
          throw new Error(`Network: ${this.layout[k].name} is state, not a parameter`);
        default: {
          const _: never = r;
          throw new Error(`Network: unknown parameter role ${JSON.stringify(_)}`);
        }
      }
    }
    this.resetState();
  }

  private resetState(): void {
    for (let k = 0; k < this.stateLayout.length; k++) {
      this.stateViews[k].fill(this.full.stateRoles[k].role === 'running-var' ? 1 : 0);
    }
  }

  /** The named view of a parameter ('conv1.weight'), or of its gradient. */
  param(name: string): Float32Array {
    return this.paramViews[this.indexOf(name)];
  }
  grad(name: string): Float32Array {
    return this.gradViews[this.indexOf(name)];
  }
  private indexOf(name: string): number {
    const k = this.layout.findIndex((e) => e.name === name);
    if (k < 0) {
      throw new ElunetError(`Network '${this.spec.name}': no parameter '${name}'; it has ${this.layout.map((e) => e.name).join(', ')}`);
    }
    return k;
  }

  zeroGrad(): void {
    this.grads.fill(0);
    if (this.dInput) this.dInput.fill(0);
  }

  /** ∂loss/∂input of the backward passes since the last zeroGrad (needs opts.inputGrad). */
  inputGrad(): Float32Array {
    if (!this.dInput) {
      throw new ElunetError(`Network '${this.spec.name}': inputGrad() needs the option { inputGrad: true } at construction`);
    }
    return this.dInput;
  }

  // --------------------------------------------------------------------------------------------- forward

  forward(x: Float32Array, n: number, mode: 'train' | 'eval', keys?: DropoutKeys): Float32Array {
    if (!Number.isInteger(n) || n < 1 || n > this.maxBatch) {
      throw new ShapeError(`Network '${this.spec.name}': forward: n must be an integer in [1, maxBatch = ${this.maxBatch}], got ${n}`);
    }
    if (!(x instanceof Float32Array) || x.length < n * this.inputSize) {
      throw new ShapeError(
        `Network '${this.spec.name}': forward: x must be a Float32Array of at least n·C·H·W = ${n}·${this.inputSize} = ` +
          `${n * this.inputSize} values (input ${this.spec.input.join('×')}), got ${x instanceof Float32Array ? x.length : typeof x}`,
      );
    }
    if (mode !== 'train' && mode !== 'eval') {
      throw new ElunetError(`Network '${this.spec.name}': forward: mode must be 'train' or 'eval', got ${JSON.stringify(mode)}`);
    }
    const train = mode === 'train';
    const plan = this.plan(n);
    const vals = this.vals;
    vals[0] = x;
    if (train && this.dropoutNodes.length > 0) this.drawMasks(n, keys);

    const nodes = this.nodes;
    for (let i = 0; i < nodes.length; i++) {
      const node = nodes[i];
      const xin = vals[node.inBuf];
      const y = vals[node.outBuf];
      const s = plan.shapes[i];
      const count = n * node.outSize;
      switch (node.layer.kind) {
        case 'conv': {
          const nd = node as Extract<Node, { layer: Of<'conv'> }>;
          conv2dForward(y, xin, nd.w, nd.b, s as Conv2dShape, this.workspace);
          break;
        }
        case 'dense': {
          const nd = node as Extract<Node, { layer: Of<'dense'> }>;
          denseForward(y, xin, nd.w, nd.b, s as DenseShape);
          break;
        }
        case 'bn': {
          const nd = node as Extract<Node, { layer: Of<'bn'> }>;
          if (train) {
            batchNormForwardTrain(y, nd.xhat, nd.mean, nd.invStd, xin, nd.gamma, nd.beta, s as BatchNormShape, BN_EPS);
            const st = this.stats;
            const c = nd.layer.in.c;
            for (let ch = 0; ch < c; ch++) {
              const inv = nd.invStd[ch];
              st[nd.statsOffset + ch] = nd.mean[ch];
              st[nd.statsOffset + c + ch] = Math.max(0, 1 / (inv * inv) - BN_EPS);
            }
          } else {
            batchNormForwardEval(y, xin, nd.gamma, nd.beta, nd.runMean, nd.runVar, s as BatchNormShape, BN_EPS);
          }
          break;
        }
        case 'act': {
          const nd = node as Extract<Node, { layer: Of<'act'> }>;
          if (nd.a) preluForward(y, xin, nd.a, s as PreluShape);
          else activationForward(nd.layer.act, y, xin, count, nd.layer.param);
          break;
        }
        case 'pool': {
          const nd = node as Extract<Node, { layer: Of<'pool'> }>;
          if (nd.layer.op === 'max') maxPoolForward(y, nd.argmax, xin, s as PoolShape);
          else avgPoolForward(y, xin, s as PoolShape);
          break;
        }
        case 'spp': {
          const nd = node as Extract<Node, { layer: Of<'spp'> }>;
          sppForward(y, nd.argmax, xin, s as SppShape);
          break;
        }
        case 'gap':
          globalAvgPoolForward(y, xin, s as GapShape);
          break;
        case 'flatten':
          break;
        case 'dropout': {
          const nd = node as Extract<Node, { layer: Of<'dropout'> }>;
          if (train) dropoutForward(y, xin, nd.mask, count);
          else copy(y, xin, count);
          break;
        }
        case 'alpha-dropout': {
          const nd = node as Extract<Node, { layer: Of<'alpha-dropout'> }>;
          if (train) alphaDropoutForward(y, xin, nd.keep, nd.layer.rate, count);
          else copy(y, xin, count);
          break;
        }
        default: {
          const _: never = node.layer;
          throw new Error(`Network: unhandled layer ${JSON.stringify(_)}`);
        }
      }
    }
    this.lastN = n;
    this.lastMode = mode;
    if (train && this.bnNodes.length > 0) {
      this.stats[this.stats.length - 1] = n;
      this.statsValid = true;
    }
    return plan.output;
  }

  /** Sample j's masks for every dropout layer, in layer order, from keyedRng(seed, step, sampleIds[j]). */
  private drawMasks(n: number, keys: DropoutKeys | undefined): void {
    if (!keys || !(keys.sampleIds instanceof Int32Array) || keys.sampleIds.length < n) {
      throw new ElunetError(
        `Network '${this.spec.name}': a train-mode forward of a model with dropout needs keys { seed, step, sampleIds } ` +
          `with sampleIds an Int32Array of at least n = ${n} global sample indices, got ${keys ? `sampleIds of length ${keys.sampleIds?.length}` : 'none'}`,
      );
    }
    const drops = this.dropoutNodes;
    for (let j = 0; j < n; j++) {
      const rng = keyedRng(keys.seed, keys.step, keys.sampleIds[j]);
      for (let d = 0; d < drops.length; d++) {
        const nd = drops[d];
        if (nd.layer.kind === 'dropout') {
          const m = (nd as Extract<Node, { layer: Of<'dropout'> }>).maskViews[j];
          dropoutMask(m, nd.layer.rate, rng, nd.outSize);
        } else {
          const m = (nd as Extract<Node, { layer: Of<'alpha-dropout'> }>).keepViews[j];
          alphaDropoutMask(m, nd.layer.rate, rng, nd.outSize);
        }
      }
    }
  }

  // ------------------------------------------------------------------------------------------------ loss

  private checkTarget(what: string, target: Int32Array | Float32Array, n: number): void {
    if (this.lastMode === null) {
      throw new ElunetError(`Network '${this.spec.name}': ${what} needs a forward first`);
    }
    if (n !== this.lastN) {
      throw new ElunetError(`Network '${this.spec.name}': ${what}: n = ${n}, but the last forward ran on ${this.lastN} samples; use the same n`);
    }
    if (this.spec.loss === 'softmax-ce') {
      if (!(target instanceof Int32Array) || target.length < n) {
        throw new ElunetError(
          `Network '${this.spec.name}': ${what}: softmax-ce needs an Int32Array of at least ${n} class labels, ` +
            `got ${target instanceof Int32Array ? `${target.length} labels` : Object.prototype.toString.call(target)}`,
        );
      }
    } else if (!(target instanceof Float32Array) || target.length < n * this.outputSize) {
      throw new ElunetError(
        `Network '${this.spec.name}': ${what}: ${this.spec.loss} needs a Float32Array target of at least n·outputs = ` +
          `${n}·${this.outputSize} values, got ${target instanceof Float32Array ? target.length : Object.prototype.toString.call(target)}`,
      );
    }
  }

  /** Mean over the n samples of the per-sample loss, for the last forward. */
  loss(target: Int32Array | Float32Array, n: number): number {
    this.checkTarget('loss', target, n);
    const out = this.vals[this.nodes[this.nodes.length - 1].outBuf];
    const count = n * this.outputSize;
    switch (this.spec.loss) {
      case 'softmax-ce':
        return softmaxCrossEntropyForward(this.probs, out, target as Int32Array, n, this.outputSize);
      case 'mse':
        return mseForward(out, target as Float32Array, count) * this.outputSize; // per-sample sum, mean over samples
      case 'sigmoid-ce':
        return sigmoidCrossEntropyForward(out, target as Float32Array, count) * this.outputSize;
      default: {
        const _: never = this.spec.loss;
        throw new ShapeError(`Network: unknown loss ${String(_)}`);
      }
    }
  }

  /** The softmax probabilities computed by the last loss() or backward() of a softmax-ce model: (n, classes). */
  probabilities(): Float32Array {
    return this.probs.subarray(0, this.lastN * this.outputSize);
  }

  // -------------------------------------------------------------------------------------------- backward

  /**
   * Backprop of the last forward for the loss scaled by `scale` (1/n for the mean, 1/(global batch) for a
   * shard of a data-parallel batch). ACCUMULATES into grads (and inputGrad()).
   */
  backward(target: Int32Array | Float32Array, n: number, scale: number): void {
    this.checkTarget('backward', target, n);
    if (this.lastMode === 'eval' && this.bnNodes.length > 0) {
      throw new ElunetError(
        `Network '${this.spec.name}': backward after an eval-mode forward of a model with batch norm is not supported ` +
          `(BN's backward is that of the batch statistics); run forward in 'train' mode`,
      );
    }
    const train = this.lastMode === 'train';
    const plan = this.plan(n);
    const nodes = this.nodes;
    const vals = this.vals;
    const last = nodes[nodes.length - 1];
    const g = this.slotGrad[last.outSlot];
    const out = vals[last.outBuf];
    const count = n * this.outputSize;
    g.fill(0, 0, count);
    switch (this.spec.loss) {
      case 'softmax-ce':
        softmaxCrossEntropyForward(this.probs, out, target as Int32Array, n, this.outputSize);
        softmaxCrossEntropyBackward(g, this.probs, target as Int32Array, n, this.outputSize, scale);
        break;
      case 'mse':
        mseBackward(g, out, target as Float32Array, count, scale);
        break;
      case 'sigmoid-ce':
        sigmoidCrossEntropyBackward(g, out, target as Float32Array, count, scale);
        break;
      default: {
        const _: never = this.spec.loss;
        throw new ShapeError(`Network: unknown loss ${String(_)}`);
      }
    }

    for (let i = nodes.length - 1; i >= 0; i--) {
      const node = nodes[i];
      if (node.inSlot === node.outSlot) continue; // flatten: same values, same gradient
      const dy = this.slotGrad[node.outSlot];
      const dx = this.slotGrad[node.inSlot];
      // the first layer's input gradient is needed only for inputGrad(); dInput accumulates, the rest is cleared
      const wantDx = node.inSlot !== 0 || this.dInput !== null;
      if (dx !== this.dInput) dx.fill(0, 0, n * node.inSize);
      const xin = vals[node.inBuf];
      const y = vals[node.outBuf];
      const s = plan.shapes[i];
      const cnt = n * node.outSize;
      switch (node.layer.kind) {
        case 'conv': {
          const nd = node as Extract<Node, { layer: Of<'conv'> }>;
          conv2dBackwardParams(nd.dw, nd.db, dy, xin, s as Conv2dShape, this.workspace);
          if (wantDx) conv2dBackwardInput(dx, dy, nd.w, s as Conv2dShape, this.workspace);
          break;
        }
        case 'dense': {
          const nd = node as Extract<Node, { layer: Of<'dense'> }>;
          denseBackwardParams(nd.dw, nd.db, dy, xin, s as DenseShape);
          if (wantDx) denseBackwardInput(dx, dy, nd.w, s as DenseShape);
          break;
        }
        case 'bn': {
          const nd = node as Extract<Node, { layer: Of<'bn'> }>;
          batchNormBackward(dx, nd.dgamma, nd.dbeta, dy, nd.xhat, nd.invStd, nd.gamma, s as BatchNormShape);
          break;
        }
        case 'act': {
          const nd = node as Extract<Node, { layer: Of<'act'> }>;
          if (nd.a && nd.da) preluBackward(dx, nd.da, dy, xin, nd.a, s as PreluShape);
          else activationBackward(nd.layer.act, dx, dy, y, cnt, nd.layer.param);
          break;
        }
        case 'pool': {
          const nd = node as Extract<Node, { layer: Of<'pool'> }>;
          if (nd.layer.op === 'max') maxPoolBackward(dx, dy, nd.argmax, s as PoolShape);
          else avgPoolBackward(dx, dy, s as PoolShape);
          break;
        }
        case 'spp': {
          const nd = node as Extract<Node, { layer: Of<'spp'> }>;
          sppBackward(dx, dy, nd.argmax, s as SppShape);
          break;
        }
        case 'gap':
          globalAvgPoolBackward(dx, dy, s as GapShape);
          break;
        case 'flatten':
          break;
        case 'dropout': {
          const nd = node as Extract<Node, { layer: Of<'dropout'> }>;
          if (train) dropoutBackward(dx, dy, nd.mask, cnt);
          else addInto(dx, dy, cnt);
          break;
        }
        case 'alpha-dropout': {
          const nd = node as Extract<Node, { layer: Of<'alpha-dropout'> }>;
          if (train) alphaDropoutBackward(dx, dy, nd.keep, nd.layer.rate, cnt);
          else addInto(dx, dy, cnt);
          break;
        }
        default: {
          const _: never = node.layer;
          throw new Error(`Network: unhandled layer ${JSON.stringify(_)}`);
        }
      }
    }
  }

  // ------------------------------------------------------------------------------------ batch-norm stats

  /**
   * The last train-mode forward's batch statistics: for each BN layer in order, mean (C values) then biased
   * variance (C values), and last the batch size n they were taken over. The same array every call (copy it
   * to keep it). Empty of layers (length 1) for a model without BN.
   */
  batchStats(): Float32Array {
    if (this.bnNodes.length > 0 && !this.statsValid) {
      throw new ElunetError(`Network '${this.spec.name}': batchStats() needs a train-mode forward first`);
    }
    return this.stats;
  }

  /** Length of the batchStats() vector. */
  get batchStatsSize(): number {
    return this.stats.length;
  }

  /**
   * Moves the running statistics toward a batchStats() vector (PyTorch's rule: runMean ← (1−m)·runMean + m·μ,
   * runVar ← (1−m)·runVar + m·σ²·M/(M−1), M = n·H·W).
   */
  applyRunningStats(stats: Float32Array, momentum = BN_MOMENTUM): void {
    if (!(stats instanceof Float32Array) || stats.length !== this.stats.length) {
      throw new ShapeError(
        `Network '${this.spec.name}': applyRunningStats: expected a batchStats() vector of ${this.stats.length} floats, ` +
          `got ${stats instanceof Float32Array ? stats.length : typeof stats}`,
      );
    }
    const n = stats[stats.length - 1];
    for (const nd of this.bnNodes) {
      const c = nd.layer.in.c;
      const invStd = new Float32Array(c);
      for (let ch = 0; ch < c; ch++) invStd[ch] = 1 / Math.sqrt(stats[nd.statsOffset + c + ch] + BN_EPS);
      const mean = stats.subarray(nd.statsOffset, nd.statsOffset + c);
      const s = batchNormShape({ n, c, spatial: nd.layer.in.h * nd.layer.in.w });
      batchNormUpdateRunning(nd.runMean, nd.runVar, mean, invStd, s, momentum, BN_EPS);
    }
  }

  // ------------------------------------------------------------------------------------------ inspection

  /** Post-activation output of each hidden conv/dense block for the last forward (views, not copies). */
  hiddenActivations(): HiddenActivation[] {
    if (this.lastMode === null) throw new ElunetError(`Network '${this.spec.name}': hiddenActivations() needs a forward first`);
    return this.plan(this.lastN).hidden;
  }

  /** Table of layers: name, output shape, parameter count; and the total. */
  summary(): string {
    return summarize(this.model, this.full);
  }
}

function copy(y: Float32Array, x: Float32Array, count: number): void {
  for (let i = 0; i < count; i++) y[i] = x[i];
}

function addInto(dx: Float32Array, dy: Float32Array, count: number): void {
  for (let i = 0; i < count; i++) dx[i] += dy[i];
}

/** What a simple layer does, in a few words: 'conv 3×3/1 pad 1,1,1,1', 'elu', 'maxpool 2×2/2'. */
export function describeLayer(l: Layer): string {
  switch (l.kind) {
    case 'conv': {
      const p = l.pad;
      const pad = p.top === p.bottom && p.left === p.right && p.top === p.left ? `${p.top}` : `${p.top},${p.bottom},${p.left},${p.right}`;
      return `conv ${l.size}×${l.size}/${l.stride} pad ${pad}${l.bias ? '' : ' (no bias)'}`;
    }
    case 'dense':
      return `dense${l.bias ? '' : ' (no bias)'}`;
    case 'bn':
      return 'batchnorm';
    case 'act':
      return l.act === 'elu' ? `elu α=${l.param}` : l.act === 'lrelu' ? `lrelu slope=${l.param}` : l.act;
    case 'pool':
      return `${l.op}pool ${l.size}×${l.size}/${l.stride}${l.pad ? ` pad ${l.pad}` : ''}`;
    case 'spp':
      return `spp [${l.levels.join(', ')}]`;
    case 'gap':
      return 'global avg pool';
    case 'flatten':
      return 'flatten';
    case 'dropout':
      return `dropout ${l.rate}`;
    case 'alpha-dropout':
      return `alpha-dropout ${l.rate}`;
    default: {
      const _: never = l;
      return String(_);
    }
  }
}

/** The summary table of an expanded model (no buffers needed). */
export function summarize(model: ExpandedModel, layout: ModelLayout = layoutFor(model.layers)): string {
  const [c, h, w] = model.spec.input;
  const rows: string[][] = [['input', '', formatDims({ c, h, w }), '']];
  model.layers.forEach((l, i) => {
    const count = layout.layerParams[i].reduce((a, k) => a + layout.params[k].size, 0);
    rows.push([l.name, describeLayer(l), formatDims(l.out), count ? count.toLocaleString('en-US') : '']);
  });
  const head = ['layer', 'op', 'output', 'params'];
  const widths = head.map((hd, j) => Math.max(hd.length, ...rows.map((r) => r[j].length)));
  const fmt = (r: string[]): string => r.map((v, j) => (j === 3 ? v.padStart(widths[j]) : v.padEnd(widths[j]))).join('  ').trimEnd();
  const rule = '-'.repeat(widths.reduce((a, b) => a + b + 2, -2));
  const state = layout.stateCount ? ` (+ ${layout.stateCount.toLocaleString('en-US')} BN running statistics)` : '';
  return [
    `${model.spec.name}: ${model.spec.activation.name}, init ${model.spec.init}, loss ${model.spec.loss}`,
    fmt(head),
    rule,
    ...rows.map(fmt),
    rule,
    `total parameters: ${layout.paramCount.toLocaleString('en-US')}${state}`,
  ].join('\n');
}

/** The summary of a spec without building it (no buffers: fine for a 165-million-parameter model). */
export function summarizeSpec(spec: ModelSpec): string {
  return summarize(expandSpec(spec));
}
