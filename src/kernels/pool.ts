/**
 * Max and average pooling over square k×k windows, with PyTorch's semantics.
 *
 *   x: (N,C,H,W)   y: (N,C,OH,OW)   argmax: (N,C,OH,OW) Int32   OH = ⌊(H + 2·pad − k) / stride⌋ + 1 (floor mode)
 *
 * The window of output (i,j) covers input rows i·stride − pad … i·stride − pad + k − 1 (columns likewise).
 *
 *   max:  y[n,c,i,j] = max_{p,q} x̃[n,c, i·s+p−pad, j·s+q−pad]        x̃ = x, and −∞ in the padding
 *         argmax[n,c,i,j] = flat index into x of the element chosen (the first one, in row-major order, on ties)
 *   avg:  y[n,c,i,j] = (1/k²) · Σ_{p,q} x̃[n,c, i·s+p−pad, j·s+q−pad]   x̃ = x, and 0 in the padding
 *         (the divisor is always k², padding included: PyTorch's count_include_pad=True)
 *
 * Backward (accumulates, like every backward in elunet):
 *   max:  dx[argmax[o]] += dy[o]                        for every output element o
 *   avg:  dx[n,c,r,t]   += dy[n,c,i,j] / k²             for every window (i,j) that covers (r,t)
 * Overlapping windows (stride < k) simply add their contributions.
 *
 * PyTorch requires pad ≤ k/2. With that rule and floor mode, every window holds at least one real element
 * (its first row is ≤ H + pad − k < H, its last ≥ k − pad − 1 ≥ 0), so max pooling never returns −∞, and no
 * window reaches past the padded border, so the avg divisor k² is exactly PyTorch's.
 *
 * Only one version of each loop lives here: the "fast" version would differ from the definition only by
 * clipping each window to the real image once (pStart…pEnd below) instead of testing every tap for
 * padding, and that clipping is the clearest way to write the definition anyway.
 */
import { ShapeError, checkInt } from '../errors.js';

export interface PoolShape {
  n: number;
  c: number;
  h: number;
  w: number;
  /** window size (k×k) */
  k: number;
  stride: number;
  /** zero padding on every side */
  pad: number;
  oh: number;
  ow: number;
}

export interface PoolShapeParams {
  n: number;
  c: number;
  h: number;
  w: number;
  k: number;
  /** default k (non-overlapping windows) */
  stride?: number;
  /** default 0 */
  pad?: number;
}

/** Builds and validates a PoolShape (PyTorch's rules). Throws ShapeError naming the argument, what was expected and the fix. */
export function poolShape(p: PoolShapeParams): PoolShape {
  checkInt('pool: n (batch size)', p.n, 1);
  checkInt('pool: c (channels)', p.c, 1);
  checkInt('pool: h (input height)', p.h, 1);
  checkInt('pool: w (input width)', p.w, 1);
  checkInt('pool: k (window size)', p.k, 1);
  const stride = p.stride ?? p.k;
  const pad = p.pad ?? 0;
  checkInt('pool: stride', stride, 1);
  checkInt('pool: pad', pad, 0);
  if (2 * pad > p.k) {
    throw new ShapeError(
      `pool: pad must be at most half the window size (k/2 = ${p.k / 2}), got pad ${pad} with k ${p.k}; ` +
        `use pad ≤ ${Math.floor(p.k / 2)} or a larger window (PyTorch has the same rule)`,
    );
  }
  const oh = Math.floor((p.h + 2 * pad - p.k) / stride) + 1;
  const ow = Math.floor((p.w + 2 * pad - p.k) / stride) + 1;
  if (p.h + 2 * pad < p.k || p.w + 2 * pad < p.k) {
    throw new ShapeError(
      `pool: a ${p.k}×${p.k} window does not fit in the ${p.h}×${p.w} input padded by ${pad} ` +
        `(padded size ${p.h + 2 * pad}×${p.w + 2 * pad}); use a window of at most ${Math.min(p.h, p.w) + 2 * pad}, ` +
        `more padding, or drop this pooling layer`,
    );
  }
  return { n: p.n, c: p.c, h: p.h, w: p.w, k: p.k, stride, pad, oh, ow };
}

/** y = max over each window (padding counts as −∞); argmax records which element of x won (flat index). */
export function maxPoolForward(y: Float32Array, argmax: Int32Array, x: Float32Array, s: PoolShape): void {
  const { n, c, h, w, k, stride, pad, oh, ow } = s;
  const planes = n * c; // each (sample, channel) plane is pooled on its own
  for (let pl = 0; pl < planes; pl++) {
    const xPlane = pl * h * w;
    const yPlane = pl * oh * ow;
    for (let i = 0; i < oh; i++) {
      const r0 = i * stride - pad; // first row of the window, possibly in the padding
      const pStart = r0 < 0 ? 0 : r0;
      const pEnd = r0 + k > h ? h : r0 + k; // window clipped to real rows [pStart, pEnd)
      const yRow = yPlane + i * ow;
      for (let j = 0; j < ow; j++) {
        const t0 = j * stride - pad;
        const qStart = t0 < 0 ? 0 : t0;
        const qEnd = t0 + k > w ? w : t0 + k;
        let best = -Infinity;
        let bestAt = xPlane + pStart * w + qStart;
        for (let r = pStart; r < pEnd; r++) {
          const xRow = xPlane + r * w;
          for (let t = qStart; t < qEnd; t++) {
            const v = x[xRow + t];
            // `v !== v` lets a NaN win and propagate, as in PyTorch (a diverged run should show NaN, not hide it)
            if (v > best || v !== v) {
              best = v;
              bestAt = xRow + t;
            }
          }
        }
        y[yRow + j] = best;
        argmax[yRow + j] = bestAt;
      }
    }
  }
}

/** dx[argmax[o]] += dy[o]: each output's gradient goes to the element that won its window. */
export function maxPoolBackward(dx: Float32Array, dy: Float32Array, argmax: Int32Array, s: PoolShape): void {
  const count = s.n * s.c * s.oh * s.ow;
  for (let o = 0; o < count; o++) dx[argmax[o]] += dy[o];
}

/** y = (1/k²) · sum over each window; padding contributes zeros and still counts in the divisor. */
export function avgPoolForward(y: Float32Array, x: Float32Array, s: PoolShape): void {
  const { n, c, h, w, k, stride, pad, oh, ow } = s;
  const planes = n * c;
  const inv = 1 / (k * k);
  for (let pl = 0; pl < planes; pl++) {
    const xPlane = pl * h * w;
    const yPlane = pl * oh * ow;
    for (let i = 0; i < oh; i++) {
      const r0 = i * stride - pad;
      const pStart = r0 < 0 ? 0 : r0;
      const pEnd = r0 + k > h ? h : r0 + k;
      const yRow = yPlane + i * ow;
      for (let j = 0; j < ow; j++) {
        const t0 = j * stride - pad;
        const qStart = t0 < 0 ? 0 : t0;
        const qEnd = t0 + k > w ? w : t0 + k;
        let sum = 0;
        for (let r = pStart; r < pEnd; r++) {
          const xRow = xPlane + r * w;
          for (let t = qStart; t < qEnd; t++) sum += x[xRow + t];
        }
        y[yRow + j] = sum * inv;
      }
    }
  }
}

/** dx[n,c,r,t] += dy[n,c,i,j] / k² for every window (i,j) that covers the real element (r,t). */
export function avgPoolBackward(dx: Float32Array, dy: Float32Array, s: PoolShape): void {
  const { n, c, h, w, k, stride, pad, oh, ow } = s;
  const planes = n * c;
  const inv = 1 / (k * k);
  for (let pl = 0; pl < planes; pl++) {
    const xPlane = pl * h * w;
    const yPlane = pl * oh * ow;
    for (let i = 0; i < oh; i++) {
      const r0 = i * stride - pad;
      const pStart = r0 < 0 ? 0 : r0;
      const pEnd = r0 + k > h ? h : r0 + k;
      const yRow = yPlane + i * ow;
      for (let j = 0; j < ow; j++) {
        const t0 = j * stride - pad;
        const qStart = t0 < 0 ? 0 : t0;
        const qEnd = t0 + k > w ? w : t0 + k;
        const g = dy[yRow + j] * inv;
        for (let r = pStart; r < pEnd; r++) {
          const xRow = xPlane + r * w;
          for (let t = qStart; t < qEnd; t++) dx[xRow + t] += g;
        }
      }
    }
  }
}
