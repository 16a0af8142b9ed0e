/**
 * Input preprocessing fitted on the training set and applied to every set: per-pixel mean subtraction,
 * global contrast normalization (GCN) and ZCA whitening, as used for CIFAR in the maxout paper and the ELU
 * paper (pylearn2's make_cifar100_gcn_whitened.py: GCN with scale 55, then ZCA with filter_bias 0.1).
 *
 *   x: one sample flattened to D = C·H·W values; X: (N, D) the training set
 *
 *   mean  x ← x − μ,                     μ[d] = (1/N) Σ_n X[n,d]                    (fitted)
 *   gcn   x̄ = (1/D) Σ_d x[d],  z = x − x̄ (if subtractMean)
 *         s = √(sqrtBias + Σ_d z[d]²) / scale          (L2 norm; useStd: √(sqrtBias + var₁(z)) / scale)
 *         x ← z / (s < minDivisor ? 1 : s)            → every image gets L2 norm `scale` (55 by default)
 *   zca   μ = mean of the (already GCN'd) training rows,  Σ = (1/N) (X−μ)ᵀ(X−μ)   (biased, as pylearn2)
 *         Σ + b·I = U·diag(λ + b)·Uᵀ… i.e. Σ = U diag(λ) Uᵀ,   W = U·diag(1/√(λ + b))·Uᵀ   (b = filter_bias)
 *         x ← (x − μ)·W                                    (W is symmetric, so row- or column-use agree)
 *
 * GCN needs no fitting (it is per image). A fitted Preprocessor is plain data and converts to JSON
 * (large arrays as base64 float32) so a checkpoint can carry it and inference applies the same transform.
 */
import { DataError, ShapeError } from '../errors.js';
import { matmul, matmulShape } from '../kernels/matmul.js';
import type { Dataset } from './dataset.js';
import { symmetricEigen } from './eigen.js';

export const GCN_DEFAULTS = { scale: 55, sqrtBias: 0, minDivisor: 1e-8, useStd: false, subtractMean: true };
export const ZCA_DEFAULT_FILTER_BIAS = 0.1;

/** What to fit, in order. */
export type PreprocessStepSpec =
  | { kind: 'mean' }
  | { kind: 'gcn'; scale?: number; sqrtBias?: number; minDivisor?: number; useStd?: boolean; subtractMean?: boolean }
  | { kind: 'zca'; filterBias?: number; /** fit on at most this many training samples (default all) */ fitSamples?: number };

/** A fitted step: everything needed to apply it. */
export type PreprocessStep =
  | { kind: 'mean'; mean: Float32Array }
  | { kind: 'gcn'; scale: number; sqrtBias: number; minDivisor: number; useStd: boolean; subtractMean: boolean }
  | { kind: 'zca'; filterBias: number; mean: Float32Array; /** (D, D) symmetric */ whiten: Float32Array; /** λ ascending */ eigenvalues: Float64Array };

export interface Preprocessor {
  /** the sample shape it was fitted for */
  c: number;
  h: number;
  w: number;
  steps: PreprocessStep[];
}

/**
 * Parse a CLI-style description: comma-separated 'mean', 'gcn', 'gcn:<scale>', 'zca', 'zca:<filterBias>',
 * or 'none' / '' for nothing. Example: 'gcn,zca' = the paper's CIFAR recipe.
 */
export function parsePreprocessSpec(text: string): PreprocessStepSpec[] {
  const out: PreprocessStepSpec[] = [];
  for (const raw of text.split(',').map((s) => s.trim()).filter((s) => s && s !== 'none')) {
    const [kind, arg] = raw.split(':');
    const num = arg === undefined ? undefined : Number(arg);
    if (arg !== undefined && !Number.isFinite(num)) {
      throw new ShapeError(`preprocess: "${raw}" has a non-numeric argument; expected e.g. gcn:55 or zca:0.1`);
    }
    if (kind === 'mean' && arg === undefined) out.push({ kind: 'mean' });
    else if (kind === 'gcn') out.push({ kind: 'gcn', scale: num });
    else if (kind === 'zca') out.push({ kind: 'zca', filterBias: num });
    else throw new ShapeError(`preprocess: unknown step "${raw}"; expected a comma-separated list of mean, gcn[:scale], zca[:filterBias], or none`);
  }
  return out;
}

// ---- the per-step math -------------------------------------------------------------------------------

/** Per-pixel mean over the n samples of x (float64 sums). */
export function pixelMean(x: Float32Array, n: number, d: number): Float32Array {
  const acc = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const row = i * d;
    for (let k = 0; k < d; k++) acc[k] += x[row + k];
  }
  const mean = new Float32Array(d);
  for (let k = 0; k < d; k++) mean[k] = acc[k] / Math.max(n, 1);
  return mean;
}

/** x[i,:] −= mean, in place. */
export function subtractMean(x: Float32Array, n: number, d: number, mean: Float32Array): void {
  for (let i = 0; i < n; i++) {
    const row = i * d;
    for (let k = 0; k < d; k++) x[row + k] -= mean[k];
  }
}

/** Global contrast normalization of each of the n rows of x, in place (see the file header). */
export function gcn(x: Float32Array, n: number, d: number, p: Extract<PreprocessStep, { kind: 'gcn' }>): void {
  for (let i = 0; i < n; i++) {
    const row = i * d;
    let sum = 0;
    for (let k = 0; k < d; k++) sum += x[row + k];
    const mu = p.subtractMean ? sum / d : 0;
    let ss = 0;
    for (let k = 0; k < d; k++) {
      const z = x[row + k] - mu;
      ss += z * z;
    }
    // pylearn2: use_std → numpy var with ddof = 1 (ddof = 0 when D = 1); it is the variance of z about
    // z's own mean, which is 0 when the mean was subtracted.
    let spread = ss;
    if (p.useStd) {
      const zbar = (sum - mu * d) / d;
      spread = (ss - d * zbar * zbar) / (d > 1 ? d - 1 : 1);
    }
    let s = Math.sqrt(p.sqrtBias + spread) / p.scale;
    if (s < p.minDivisor) s = 1;
    const inv = 1 / s;
    for (let k = 0; k < d; k++) x[row + k] = (x[row + k] - mu) * inv;
  }
}

/**
 * Σ = (1/n) Σ_i (x_i − μ)(x_i − μ)ᵀ in float64, via the blocked matmul on chunks of rows:
 * each chunk's XcᵀXc is summed in float64 inside the kernel, stored as float32 once, and added into a
 * float64 accumulator, so rounding does not grow with n.
 */
export function covariance(x: Float32Array, n: number, d: number, mean: Float32Array): Float64Array {
  const chunk = Math.max(1, Math.min(n, 256));
  const xc = new Float32Array(chunk * d);
  const part = new Float32Array(d * d);
  const cov = new Float64Array(d * d);
  for (let start = 0; start < n; start += chunk) {
    const rows = Math.min(chunk, n - start);
    for (let r = 0; r < rows; r++) {
      const src = (start + r) * d;
      for (let k = 0; k < d; k++) xc[r * d + k] = x[src + k] - mean[k];
    }
    matmul(part, xc, xc, matmulShape({ m: d, n: d, k: rows, transA: true }));
    for (let i = 0; i < d * d; i++) cov[i] += part[i];
  }
  for (let i = 0; i < d * d; i++) cov[i] /= n;
  // exact symmetry (the two triangles are summed in different orders)
  for (let i = 0; i < d; i++) {
    for (let j = i + 1; j < d; j++) {
      const v = 0.5 * (cov[i * d + j] + cov[j * d + i]);
      cov[i * d + j] = v;
      cov[j * d + i] = v;
    }
  }
  return cov;
}

/** Fit ZCA on the n rows of x: returns μ, W = U·diag(1/√(λ+b))·Uᵀ and λ. */
export function fitZca(
  x: Float32Array, n: number, d: number, filterBias: number,
): { mean: Float32Array; whiten: Float32Array; eigenvalues: Float64Array } {
  if (!(filterBias >= 0)) throw new ShapeError(`zca: filterBias must be ≥ 0, got ${filterBias}`);
  const mean = pixelMean(x, n, d);
  const cov = covariance(x, n, d, mean);
  const { values, vectors } = symmetricEigen(cov, d); // row j of vectors = u_j
  // W = Uᵀ·diag(f)·U with f_j = 1/√(λ_j + b), i.e. W[a,b] = Σ_j f_j·u_j[a]·u_j[b]: one matmul of
  // S = diag(f)·U (rows u_j scaled by f_j) against U, the kernel summing over j in float64.
  const s = new Float32Array(d * d);
  const u = Float32Array.from(vectors);
  for (let j = 0; j < d; j++) {
    const lam = Math.max(values[j], 0); // round-off can leave tiny negative eigenvalues of a PSD matrix
    const f = lam + filterBias > 0 ? 1 / Math.sqrt(lam + filterBias) : 0;
    for (let a = 0; a < d; a++) s[j * d + a] = vectors[j * d + a] * f;
  }
  const whiten = new Float32Array(d * d);
  matmul(whiten, s, u, matmulShape({ m: d, n: d, k: d, transA: true }));
  return { mean, whiten, eigenvalues: values };
}

/** x[i,:] ← (x[i,:] − μ)·W for the n rows of x, in place (chunks through the blocked matmul). */
export function applyZca(x: Float32Array, n: number, d: number, mean: Float32Array, whiten: Float32Array): void {
  const chunk = Math.max(1, Math.min(n, 256));
  const xc = new Float32Array(chunk * d);
  for (let start = 0; start < n; start += chunk) {
    const rows = Math.min(chunk, n - start);
    for (let r = 0; r < rows; r++) {
      const src = (start + r) * d;
      for (let k = 0; k < d; k++) xc[r * d + k] = x[src + k] - mean[k];
    }
    matmul(x, xc, whiten, matmulShape({ m: rows, n: d, k: d, cOffset: start * d }));
  }
}

// ---- fit / apply ---------------------------------------------------------------------------------------

/** Apply fitted steps to n samples stored in x, in place. */
export function applyPreprocessorInPlace(p: Preprocessor, x: Float32Array, n: number): void {
  const d = p.c * p.h * p.w;
  if (x.length < n * d) throw new ShapeError(`preprocess: expected ${n}·${d} values, got ${x.length}`);
  for (const s of p.steps) {
    switch (s.kind) {
      case 'mean':
        subtractMean(x, n, d, s.mean);
        break;
      case 'gcn':
        gcn(x, n, d, s);
        break;
      case 'zca':
        applyZca(x, n, d, s.mean, s.whiten);
        break;
      default: {
        const never: never = s;
        throw new ShapeError(`preprocess: unknown step ${(never as { kind: string }).kind}`);
      }
    }
  }
}

/** A preprocessed copy of ds (or ds itself, modified, with inPlace). Shapes must match the fitted ones. */
export function applyPreprocessor(p: Preprocessor, ds: Dataset, opts: { inPlace?: boolean } = {}): Dataset {
  if (ds.c !== p.c || ds.h !== p.h || ds.w !== p.w) {
    throw new ShapeError(`preprocess: fitted for samples (${p.c},${p.h},${p.w}), ${ds.name} has (${ds.c},${ds.h},${ds.w})`);
  }
  const images = opts.inPlace ? ds.images : ds.images.slice();
  applyPreprocessorInPlace(p, images, ds.n);
  return opts.inPlace ? ds : { ...ds, images };
}

/**
 * Fit the steps on the training set, in order: each step is fitted on the training data as transformed by
 * the steps before it. The training set itself is not modified.
 */
export function fitPreprocessor(train: Dataset, specs: PreprocessStepSpec[] | string): Preprocessor {
  const list = typeof specs === 'string' ? parsePreprocessSpec(specs) : specs;
  const d = train.c * train.h * train.w;
  const p: Preprocessor = { c: train.c, h: train.h, w: train.w, steps: [] };
  if (list.length === 0) return p;
  const x = train.images.slice(0, train.n * d);
  for (const spec of list) {
    let step: PreprocessStep;
    switch (spec.kind) {
      case 'mean':
        step = { kind: 'mean', mean: pixelMean(x, train.n, d) };
        break;
      case 'gcn': {
        const g = { ...GCN_DEFAULTS };
        for (const k of ['scale', 'sqrtBias', 'minDivisor', 'useStd', 'subtractMean'] as const) {
          if (spec[k] !== undefined) (g as Record<string, unknown>)[k] = spec[k];
        }
        if (!(g.scale >= g.minDivisor)) throw new ShapeError(`gcn: scale must be ≥ minDivisor (${g.minDivisor}), got ${g.scale}`);
        step = { kind: 'gcn', ...g };
        break;
      }
      case 'zca': {
        const b = spec.filterBias ?? ZCA_DEFAULT_FILTER_BIAS;
        const m = Math.min(train.n, spec.fitSamples ?? train.n);
        step = { kind: 'zca', filterBias: b, ...fitZca(x, m, d, b) };
        break;
      }
      default: {
        const never: never = spec;
        throw new ShapeError(`preprocess: unknown step ${(never as { kind: string }).kind}`);
      }
    }
    p.steps.push(step);
    if (spec !== list[list.length - 1]) applyPreprocessorInPlace({ ...p, steps: [step] }, x, train.n);
  }
  return p;
}

// ---- JSON ----------------------------------------------------------------------------------------------

/** A float array in JSON: little-endian float32 (or float64) bytes in base64. */
export interface EncodedArray {
  dtype: 'float32' | 'float64';
  length: number;
  base64: string;
}

function encode(a: Float32Array | Float64Array): EncodedArray {
  const bytes = Buffer.from(a.buffer, a.byteOffset, a.byteLength); // typed arrays are little-endian on every Node platform
  return { dtype: a instanceof Float32Array ? 'float32' : 'float64', length: a.length, base64: bytes.toString('base64') };
}

function decode(e: EncodedArray, what: string, expected: number): Float32Array | Float64Array {
  if (!e || typeof e.base64 !== 'string' || (e.dtype !== 'float32' && e.dtype !== 'float64')) {
    throw new DataError(`preprocessor JSON: expected ${what} as {dtype, length, base64}, found ${JSON.stringify(e)?.slice(0, 80)}`);
  }
  const bytes = Buffer.from(e.base64, 'base64');
  const size = e.dtype === 'float32' ? 4 : 8;
  if (bytes.length !== expected * size || e.length !== expected) {
    throw new DataError(`preprocessor JSON: expected ${what} to hold ${expected} ${e.dtype} values, found ${bytes.length / size}`);
  }
  const copy = new Uint8Array(bytes); // aligned copy
  return e.dtype === 'float32' ? new Float32Array(copy.buffer) : new Float64Array(copy.buffer);
}

export type PreprocessorJSON = {
  format: 'elunet-preprocessor';
  version: 1;
  c: number;
  h: number;
  w: number;
  steps: Record<string, unknown>[];
};

export function preprocessorToJSON(p: Preprocessor): PreprocessorJSON {
  return {
    format: 'elunet-preprocessor',
    version: 1,
    c: p.c,
    h: p.h,
    w: p.w,
    steps: p.steps.map((s) => {
      switch (s.kind) {
        case 'mean':
          return { kind: 'mean', mean: encode(s.mean) };
        case 'gcn':
          return { ...s };
        case 'zca':
          return { kind: 'zca', filterBias: s.filterBias, mean: encode(s.mean), whiten: encode(s.whiten), eigenvalues: encode(s.eigenvalues) };
      }
    }),
  };
}

export function preprocessorFromJSON(json: unknown): Preprocessor {
  const j = json as PreprocessorJSON;
  if (!j || j.format !== 'elunet-preprocessor' || j.version !== 1 || !Array.isArray(j.steps)) {
    throw new DataError(`preprocessor JSON: expected {format: 'elunet-preprocessor', version: 1, steps: [...]}, found ${JSON.stringify(json)?.slice(0, 80)}`);
  }
  const d = j.c * j.h * j.w;
  if (!Number.isInteger(d) || d <= 0) throw new DataError(`preprocessor JSON: expected positive c, h, w, found ${j.c}, ${j.h}, ${j.w}`);
  const steps: PreprocessStep[] = j.steps.map((s, i) => {
    const kind = s.kind;
    if (kind === 'mean') return { kind, mean: decode(s.mean as EncodedArray, `steps[${i}].mean`, d) as Float32Array };
    if (kind === 'gcn') {
      const g = s as unknown as Extract<PreprocessStep, { kind: 'gcn' }>;
      for (const k of ['scale', 'sqrtBias', 'minDivisor'] as const) {
        if (typeof g[k] !== 'number') throw new DataError(`preprocessor JSON: expected steps[${i}].${k} to be a number, found ${g[k]}`);
      }
      return { kind, scale: g.scale, sqrtBias: g.sqrtBias, minDivisor: g.minDivisor, useStd: !!g.useStd, subtractMean: g.subtractMean !== false };
    }
    if (kind === 'zca') {
      return {
        kind,
        filterBias: Number(s.filterBias),
        mean: Float32Array.from(decode(s.mean as EncodedArray, `steps[${i}].mean`, d)),
        whiten: Float32Array.from(decode(s.whiten as EncodedArray, `steps[${i}].whiten`, d * d)),
        eigenvalues: Float64Array.from(decode(s.eigenvalues as EncodedArray, `steps[${i}].eigenvalues`, d)),
      };
    }
    throw new DataError(`preprocessor JSON: expected steps[${i}].kind to be mean, gcn or zca, found ${String(kind)}`);
  });
  return { c: j.c, h: j.h, w: j.w, steps };
}
