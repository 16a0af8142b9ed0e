/**
 * The coupling term of the unit natural gradient (docs/theory.md §3–4), measured in a network through its
 * public API (forward, loss, backward, grad, hiddenActivations).
 *
 * For unit u of a dense layer with bias, incoming activations z (d values) and back-propagated signal
 * δ = ∂ln p(y|x)/∂n_u, the unit Fisher block is [[A, b], [bᵀ, c]] with
 *
 *   c = E[δ²]      b = E[δ² z]      A = E[δ² z zᵀ]        (E over inputs x and over y ~ p(y|x), the model's
 *                                                           own predictions: the true Fisher)
 *
 * and the weight–bias coupling is
 *
 *   κ_u = bᵀ A⁻¹ b / c = μ_qᵀ E_q[z zᵀ]⁻¹ μ_q  ∈ [0, 1),     1/(1 − κ_u) = 1 + μ_qᵀ Σ_q⁻¹ μ_q = s · E[δ²]
 *
 * (q = the δ²-reweighted input distribution, μ_q and Σ_q its mean and covariance; the second form is the
 * factor s of Theorem 1 in units of 1/E[δ²], by Sherman–Morrison). κ = 0 when the unit's inputs are centred
 * under q (no bias shift: the natural gradient's bias and weight updates separate); κ → 1 when the mean of
 * the inputs dominates their spread. docs/theory.md predicts κ ≈ 0.94 behind ReLU inputs and ≈ 0.57 behind ELU
 * inputs for d = 32 independent N(0,1) pre-activations; test/theory.test.ts measures that at initialization.
 *
 * How the expectations are taken: for each of the N samples, one eval-mode forward at batch 1, then, for
 * every class y, one backward with target y (scale 1), whose bias gradient of layer ℓ is −δ for all of ℓ's
 * units at once; δ² is weighted by p(y|x) (the true Fisher), or only the label's δ is used ('empirical').
 * The Fisher is that of the network as it predicts, the evaluation function: batch norm and centring layers
 * with their running statistics (their eval-mode backward). z is the block's output as hiddenActivations()
 * gives it — after a centring or BN layer that follows the activation — which is what the unit receives.
 * Per unit, A is accumulated from the stored z and weights, and A x = b is solved by a Cholesky
 * factorization in float64; an input that is exactly 0 on every sample (a dead ReLU below) makes A singular
 * and carries no bias shift (its row of b is 0 too), so the factorization skips any pivot below 1e-12 of the
 * mean diagonal, which solves on the subspace of live inputs.
 *
 * Cost: N · classes batch-1 backward passes, plus per unit N·d² for A and d³/6 for the solve; for the 8 × 128
 * MLP with N = 1000 and all units, about 1.5·10¹⁰ flops (tens of seconds); `unitsPerLayer` samples fewer.
 */
import { ElunetError } from '../errors.js';
import type { Network } from '../model/network.js';
import { median } from '../stats/summary.js';

export interface UnitCoupling {
  unit: number;
  /** E[δ²] */
  c: number;
  /** bᵀA⁻¹b / c ∈ [0, 1) */
  kappa: number;
  /** 1/(1 − κ) = 1 + μ_qᵀΣ_q⁻¹μ_q */
  factor: number;
}

export interface LayerCoupling {
  /** the dense layer whose units are measured, e.g. 'dense3' */
  layer: string;
  /** where its inputs come from: 'input' or the hidden block's name */
  from: string;
  fanIn: number;
  units: UnitCoupling[];
  medianKappa: number;
  medianFactor: number;
  /** mean over samples and inputs of z (the plain, unweighted mean activation feeding the layer) */
  meanInput: number;
}

export interface CouplingOptions {
  /** 'true': y ~ p(y|x) (every class, weighted); 'empirical': the given labels */
  fisher?: 'true' | 'empirical';
  labels?: Int32Array;
  /** measure every k-th unit so that at most this many units per layer are measured (default: all) */
  unitsPerLayer?: number;
}

interface Target {
  layer: string;
  bias: string;
  from: string;
  fanIn: number;
  units: number;
}

/** What may stand between a dense layer and the next: its block's activation and normalization, then dropout
 *  (the identity in eval mode). The next dense layer's input is then the block's output, hiddenActivations(). */
const WITHIN_BLOCK = new Set(['act', 'prelu', 'bn', 'center', 'dropout', 'alpha-dropout']);

/** The dense layers (with a bias) whose input is the network input or a dense block's output. */
function targets(net: Network): Target[] {
  const out: Target[] = [];
  let prevBlock: string | null = 'input';
  for (const l of net.model.layers) {
    if (l.kind === 'dense') {
      const fanIn = l.in.c * l.in.h * l.in.w;
      if (l.bias && prevBlock !== null) out.push({ layer: l.name, bias: `${l.name}.bias`, from: prevBlock, fanIn, units: l.units });
      prevBlock = l.name;
    } else if (l.kind === 'flatten') {
      if (prevBlock !== 'input') prevBlock = null; // after a conv block: not measured
    } else if (!WITHIN_BLOCK.has(l.kind)) {
      prevBlock = null; // conv, pool, … between: the dense layer's input is not a dense block's output
    }
  }
  return out;
}

/** Cholesky solve of A x = b (A symmetric PSD, d × d row-major, overwritten), skipping negligible pivots. */
export function choleskySolvePsd(a: Float64Array, b: Float64Array, d: number): Float64Array {
  let trace = 0;
  for (let i = 0; i < d; i++) trace += a[i * d + i];
  const tol = 1e-12 * (trace / Math.max(d, 1));
  const live = new Uint8Array(d);
  // in-place lower factor L (row-major, lower triangle)
  for (let j = 0; j < d; j++) {
    let s = a[j * d + j];
    for (let k = 0; k < j; k++) if (live[k]) s -= a[j * d + k] * a[j * d + k];
    if (!(s > tol)) {
      live[j] = 0;
      continue;
    }
    live[j] = 1;
    const ljj = Math.sqrt(s);
    a[j * d + j] = ljj;
    for (let i = j + 1; i < d; i++) {
      let t = a[i * d + j];
      for (let k = 0; k < j; k++) if (live[k]) t -= a[i * d + k] * a[j * d + k];
      a[i * d + j] = t / ljj;
    }
  }
  const y = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    if (!live[i]) continue;
    let t = b[i];
    for (let k = 0; k < i; k++) if (live[k]) t -= a[i * d + k] * y[k];
    y[i] = t / a[i * d + i];
  }
  const x = new Float64Array(d);
  for (let i = d - 1; i >= 0; i--) {
    if (!live[i]) continue;
    let t = y[i];
    for (let k = i + 1; k < d; k++) if (live[k]) t -= a[k * d + i] * x[k];
    x[i] = t / a[i * d + i];
  }
  return x;
}

/** κ for one unit from per-sample inputs z (N × d) and weights w (N): κ = bᵀA⁻¹b / c. */
export function unitKappa(z: Float64Array, w: Float64Array, nSamples: number, d: number): { c: number; kappa: number } {
  let c = 0;
  const b = new Float64Array(d);
  const a = new Float64Array(d * d);
  for (let i = 0; i < nSamples; i++) {
    const wi = w[i];
    if (wi === 0) continue;
    const zRow = i * d;
    c += wi;
    for (let p = 0; p < d; p++) {
      const wz = wi * z[zRow + p];
      if (wz === 0) continue;
      b[p] += wz;
      const aRow = p * d;
      for (let q = 0; q <= p; q++) a[aRow + q] += wz * z[zRow + q];
    }
  }
  for (let p = 0; p < d; p++) for (let q = 0; q < p; q++) a[q * d + p] = a[p * d + q];
  if (!(c > 0)) return { c: 0, kappa: NaN };
  const x = choleskySolvePsd(a, Float64Array.from(b), d);
  let bx = 0;
  for (let p = 0; p < d; p++) bx += b[p] * x[p];
  // a common factor 1/N cancels between bᵀA⁻¹b and c
  return { c: c / nSamples, kappa: bx / c };
}

/** Median of the units whose κ is defined (NaN marks a unit without gradient signal). */
const med = (v: number[]): number => median(v.filter((x) => !Number.isNaN(x)));

/**
 * κ per unit of every dense layer fed by the input or by a dense block, from the N samples in x
 * ((N, C, H, W) flat). The network's parameters are read, never changed; its gradients are overwritten.
 */
export function measureCoupling(net: Network, x: Float32Array, nSamples: number, opts: CouplingOptions = {}): LayerCoupling[] {
  const fisher = opts.fisher ?? 'true';
  if (net.spec.loss !== 'softmax-ce') {
    throw new ElunetError(`measureCoupling: needs a softmax-ce classifier (the Fisher of p(y|x) over classes), got loss '${net.spec.loss}'`);
  }
  if (fisher === 'empirical' && (!opts.labels || opts.labels.length < nSamples)) {
    throw new ElunetError(`measureCoupling: fisher 'empirical' needs labels for all ${nSamples} samples`);
  }
  if (x.length < nSamples * net.inputSize) {
    throw new ElunetError(`measureCoupling: x holds ${x.length} values, fewer than N·inputSize = ${nSamples}·${net.inputSize}`);
  }
  const ts = targets(net);
  if (ts.length === 0) throw new ElunetError(`measureCoupling: network '${net.spec.name}' has no dense layer with a bias fed by the input or a dense block`);
  const classes = net.outputSize;
  const zs = ts.map((t) => new Float64Array(nSamples * t.fanIn));
  const ws = ts.map((t) => new Float64Array(nSamples * t.units));
  const target = new Int32Array(1);
  for (let i = 0; i < nSamples; i++) {
    const xi = x.subarray(i * net.inputSize, (i + 1) * net.inputSize);
    net.forward(xi, 1, 'eval');
    const hidden = new Map(net.hiddenActivations().map((h) => [h.name, h.data]));
    ts.forEach((t, j) => {
      const src = t.from === 'input' ? xi : hidden.get(t.from);
      if (!src || src.length < t.fanIn) throw new ElunetError(`measureCoupling: no activation of '${t.from}' (${t.fanIn} values) feeding ${t.layer}`);
      for (let p = 0; p < t.fanIn; p++) zs[j][i * t.fanIn + p] = src[p];
    });
    target[0] = fisher === 'empirical' ? opts.labels![i] : 0;
    net.loss(target, 1);
    const probs = Float64Array.from(net.probabilities());
    const ys = fisher === 'empirical' ? [opts.labels![i]] : Array.from({ length: classes }, (_, y) => y);
    for (const y of ys) {
      const py = fisher === 'empirical' ? 1 : probs[y];
      if (py === 0) continue;
      target[0] = y;
      net.zeroGrad();
      net.backward(target, 1, 1);
      ts.forEach((t, j) => {
        const g = net.grad(t.bias); // = −δ for each unit of the layer
        for (let u = 0; u < t.units; u++) ws[j][i * t.units + u] += py * g[u] * g[u];
      });
    }
  }
  net.zeroGrad();
  return ts.map((t, j) => {
    const step = opts.unitsPerLayer ? Math.max(1, Math.ceil(t.units / opts.unitsPerLayer)) : 1;
    const w = new Float64Array(nSamples);
    const units: UnitCoupling[] = [];
    for (let u = 0; u < t.units; u += step) {
      for (let i = 0; i < nSamples; i++) w[i] = ws[j][i * t.units + u];
      const { c, kappa } = unitKappa(zs[j], w, nSamples, t.fanIn);
      units.push({ unit: u, c, kappa, factor: 1 / (1 - kappa) });
    }
    let sum = 0;
    for (const v of zs[j]) sum += v;
    return {
      layer: t.layer,
      from: t.from,
      fanIn: t.fanIn,
      units,
      medianKappa: med(units.map((q) => q.kappa)),
      medianFactor: med(units.map((q) => q.factor)),
      meanInput: sum / zs[j].length,
    };
  });
}
