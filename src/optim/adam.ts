/**
 * Adam (Kingma & Ba 2015) as PyTorch's torch.optim.Adam computes it, with L2 weight decay added to the
 * gradient (not AdamW's decoupled decay).
 *
 * params p: (n)   grads g: (n)   first moment m: (n)   second moment v: (n), all in the parameters' layout
 *
 *   t  ← t + 1
 *   g′ = g + wd·p
 *   m  ← β1·m + (1 − β1)·g′
 *   v  ← β2·v + (1 − β2)·g′²
 *   p  ← p − (lr / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + ε)
 *
 * The bias corrections 1 − βᵗ undo the pull of the zero initial moments towards 0 in the first steps; ε is
 * added after the correction of √v, exactly where PyTorch adds it, so the first step moves every parameter
 * by ≈ lr·sign(g′) (for |g′| ≫ ε). State names follow PyTorch: exp_avg (m), exp_avg_sq (v).
 *
 * The loop itself is a kernel (adamUpdate, src/kernels/adam.ts), called once per weight-decay segment through
 * the KernelSet the optimizer is given, which also allocates the moments (in its WebAssembly memory, for the
 * SIMD set).
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

export interface AdamOptions {
  /** β1, default 0.9 */
  beta1?: number;
  /** β2, default 0.999 */
  beta2?: number;
  /** ε, default 1e-8 */
  eps?: number;
  /** L2 coefficient wd, default 0 */
  weightDecay?: number;
  /** which entries weight decay applies to, default 'all' (PyTorch) */
  decay?: DecayFilter;
  /** the update kernel and the allocator of the moments (default tsKernels) */
  kernels?: KernelSet;
}

export class Adam implements Optimizer {
  readonly kind = 'adam' as const;
  stepCount = 0;
  readonly n: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  private readonly decayName: string;
  private readonly segs: DecaySegments;
  private readonly m: Float32Array;
  private readonly v: Float32Array;
  private readonly k: KernelSet;

  constructor(layout: readonly LayoutEntry[], opts: AdamOptions = {}) {
    const { beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weightDecay = 0, decay = 'all', kernels = tsKernels } = opts;
    for (const [name, b] of [['beta1', beta1], ['beta2', beta2]] as const) {
      if (!(b >= 0 && b < 1)) throw new ShapeError(`adam: ${name} must be in [0, 1), got ${b}`);
    }
    if (!(eps > 0 && Number.isFinite(eps))) throw new ShapeError(`adam: eps must be a finite number > 0, got ${eps}`);
    if (!(weightDecay >= 0 && Number.isFinite(weightDecay))) {
      throw new ShapeError(`adam: weight decay must be a finite number ≥ 0, got ${weightDecay}`);
    }
    this.n = checkLayout('adam', layout);
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.eps = eps;
    this.weightDecay = weightDecay;
    this.decayName = typeof decay === 'function' ? 'custom' : decay;
    this.segs = decaySegments(layout, this.n, weightDecay, decay);
    this.k = kernels;
    this.m = kernels.alloc.f32(this.n);
    this.v = kernels.alloc.f32(this.n);
  }

  step(params: Float32Array, grads: Float32Array, lr: number): void {
    checkStepBuffers('adam', this.n, params, grads);
    const t = ++this.stepCount;
    const stepSize = lr / (1 - Math.pow(this.beta1, t));
    const sqrtBc2 = Math.sqrt(1 - Math.pow(this.beta2, t));
    const { start, end, decay } = this.segs;
    for (let s = 0; s < start.length; s++) {
      this.k.adamUpdate(params, grads, this.m, this.v, start[s], end[s], this.beta1, this.beta2, this.eps, decay[s], stepSize, sqrtBc2);
    }
  }

  state(): OptimizerStateTensor[] {
    return [
      { name: 'exp_avg', data: this.m },
      { name: 'exp_avg_sq', data: this.v },
    ];
  }

  loadState(tensors: OptimizerStateTensor[], stepCount: number): void {
    loadStateInto('adam', this.state(), tensors);
    this.stepCount = stepCount;
  }

  config(): Record<string, string | number | boolean> {
    return {
      kind: 'adam',
      beta1: this.beta1,
      beta2: this.beta2,
      eps: this.eps,
      weightDecay: this.weightDecay,
      decay: this.decayName,
    };
  }
}
