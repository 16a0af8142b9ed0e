/**
 * Stochastic gradient descent with momentum, Nesterov momentum and L2 weight decay (PyTorch's torch.optim.SGD
 * with dampening 0).
 *
 * params p: (n)   grads g: (n)   momentum buffer v: (n), all in the parameters' layout
 *
 *   g′ = g + wd·p                          L2 weight decay, added to the gradient
 *   v  ← μ·v + g′                          (v starts at 0, so the first step gives v = g′, as in PyTorch)
 *   p  ← p − lr·v                          classical momentum
 *   p  ← p − lr·(g′ + μ·v)                 Nesterov: the step looks ahead along the new velocity
 *   p  ← p − lr·g′                         μ = 0: plain SGD (no buffer is kept)
 *
 * Note the convention: lr multiplies the velocity, so changing lr mid-run changes the step size at once
 * (PyTorch's form); Sutskever et al. put lr inside v instead. With a constant lr the two are the same.
 *
 * The loop itself is a kernel (sgdUpdate, src/kernels/sgd.ts: float64 per element, stored as float32), called
 * once per weight-decay segment through the KernelSet the optimizer is given, which also allocates the
 * velocity: with the SIMD set both live in its WebAssembly memory, beside the parameters.
 */
import { ShapeError } from '../errors.js';
import { type KernelSet, tsKernels } from '../kernels/kernel-set.js';
import {
  checkLayout,
  checkStepBuffers,
  decaySegments,
  loadStateInto,
  type DecayFilter,
  type DecaySegments,
  type LayoutEntry,
  type Optimizer,
  type OptimizerStateTensor,
} from './optimizer.js';

export interface SgdOptions {
  /** μ, default 0 (PyTorch's default; the CLI defaults to 0.9, the paper's value) */
  momentum?: number;
  /** Nesterov momentum (needs μ > 0), default false */
  nesterov?: boolean;
  /** L2 coefficient wd, default 0 (the paper's CIFAR runs use 5e-4) */
  weightDecay?: number;
  /** which entries weight decay applies to, default 'all' (PyTorch) */
  decay?: DecayFilter;
  /** the update kernel and the allocator of the velocity (default tsKernels) */
  kernels?: KernelSet;
}

export class Sgd implements Optimizer {
  readonly kind = 'sgd' as const;
  stepCount = 0;
  readonly n: number;
  readonly momentum: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;
  private readonly decayName: string;
  private readonly segs: DecaySegments;
  /** velocity v; empty when μ = 0 */
  private readonly buf: Float32Array;
  private readonly k: KernelSet;

  constructor(layout: readonly LayoutEntry[], opts: SgdOptions = {}) {
    const { momentum = 0, nesterov = false, weightDecay = 0, decay = 'all', kernels = tsKernels } = opts;
    if (!(momentum >= 0 && momentum < 1)) {
      throw new ShapeError(`sgd: momentum must be in [0, 1), got ${momentum}`);
    }
    if (!(weightDecay >= 0 && Number.isFinite(weightDecay))) {
      throw new ShapeError(`sgd: weight decay must be a finite number ≥ 0, got ${weightDecay}`);
    }
    if (nesterov && momentum === 0) {
      throw new ShapeError('sgd: Nesterov momentum needs momentum > 0 (e.g. --momentum 0.9), got momentum 0');
    }
    this.n = checkLayout('sgd', layout);
    this.momentum = momentum;
    this.nesterov = nesterov;
    this.weightDecay = weightDecay;
    this.decayName = typeof decay === 'function' ? 'custom' : decay;
    this.segs = decaySegments(layout, this.n, weightDecay, decay);
    this.k = kernels;
    this.buf = kernels.alloc.f32(momentum > 0 ? this.n : 0);
  }

  step(params: Float32Array, grads: Float32Array, lr: number): void {
    checkStepBuffers('sgd', this.n, params, grads);
    const { start, end, decay } = this.segs;
    for (let s = 0; s < start.length; s++) {
      this.k.sgdUpdate(params, grads, this.buf, start[s], end[s], lr, this.momentum, decay[s], this.nesterov);
    }
    this.stepCount++;
  }

  state(): OptimizerStateTensor[] {
    return this.momentum > 0 ? [{ name: 'momentum_buffer', data: this.buf }] : [];
  }

  loadState(tensors: OptimizerStateTensor[], stepCount: number): void {
    loadStateInto('sgd', this.state(), tensors);
    this.stepCount = stepCount;
  }

  config(): Record<string, string | number | boolean> {
    return {
      kind: 'sgd',
      momentum: this.momentum,
      nesterov: this.nesterov,
      weightDecay: this.weightDecay,
      decay: this.decayName,
    };
  }
}
