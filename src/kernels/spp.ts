/**
 * Spatial pyramid pooling (He et al. 2014): max pooling onto fixed L×L grids, whatever the input size, so a
 * convolutional stack of any resolution can feed a dense layer. The ELU paper's ImageNet net puts a 3-level
 * pyramid before its first fully connected layer.
 *
 *   x: (N,C,H,W)   levels: [L0, L1, …]   y: (N, C·ΣL²)   argmax: same length as y, Int32 flat indices into x
 *
 * Per sample, y holds level L0 as a (C,L0,L0) block flattened, then level L1 as (C,L1,L1), and so on.
 * Bin (a,b) of level L covers rows [⌊a·H/L⌋, ⌈(a+1)·H/L⌉) and columns [⌊b·W/L⌋, ⌈(b+1)·W/L⌉) — PyTorch's
 * adaptive_max_pool2d, so neighbouring bins may share a row when L does not divide H:
 *
 *   y[n, off_L + (c·L + a)·L + b] = max_{r ∈ rows(a), t ∈ cols(b)} x[n,c,r,t]      off_L = C·Σ_{L' before L} L'²
 *
 * Every bin is non-empty, even when H < L (then bins repeat pixels: H = 1, L = 2 gives rows [0,1) twice).
 *
 * Backward (accumulates): dx[argmax[o]] += dy[o] for every output element o, exactly as for max pooling.
 */
import { ShapeError, checkInt } from '../errors.js';

export interface SppShape {
  n: number;
  c: number;
  h: number;
  w: number;
  /** grid sizes, e.g. [1, 2, 4] */
  levels: number[];
  /** C · Σ L²: the number of features per sample that the next dense layer sees */
  outPerSample: number;
}

export interface SppShapeParams {
  n: number;
  c: number;
  h: number;
  w: number;
  levels: readonly number[];
}

/** Builds and validates an SppShape. Throws ShapeError naming the argument, what was expected and the fix. */
export function sppShape(p: SppShapeParams): SppShape {
  checkInt('spp: n (batch size)', p.n, 1);
  checkInt('spp: c (channels)', p.c, 1);
  checkInt('spp: h (input height)', p.h, 1);
  checkInt('spp: w (input width)', p.w, 1);
  if (!Array.isArray(p.levels) || p.levels.length === 0) {
    throw new ShapeError(`spp: levels must be a non-empty list of grid sizes, got ${JSON.stringify(p.levels)}; use for example [1, 2, 4]`);
  }
  let cells = 0;
  for (const L of p.levels) {
    if (!Number.isInteger(L) || L < 1) {
      throw new ShapeError(`spp: every level must be an integer grid size ≥ 1, got ${L} in ${JSON.stringify(p.levels)}; use for example [1, 2, 4]`);
    }
    cells += L * L;
  }
  return { n: p.n, c: p.c, h: p.h, w: p.w, levels: [...p.levels], outPerSample: p.c * cells };
}

/** y = max over each bin of each pyramid level; argmax records the winning element of x (flat index). */
export function sppForward(y: Float32Array, argmax: Int32Array, x: Float32Array, s: SppShape): void {
  const { n, c, h, w, levels, outPerSample } = s;
  for (let b = 0; b < n; b++) {
    const xSample = b * c * h * w;
    let o = b * outPerSample; // output elements are written in order: level, channel, bin row, bin column
    for (let l = 0; l < levels.length; l++) {
      const L = levels[l];
      for (let ch = 0; ch < c; ch++) {
        const xPlane = xSample + ch * h * w;
        for (let a = 0; a < L; a++) {
          const rStart = Math.floor((a * h) / L);
          const rEnd = Math.floor(((a + 1) * h + L - 1) / L); // ⌈(a+1)·H/L⌉ in integer arithmetic
          for (let bb = 0; bb < L; bb++) {
            const tStart = Math.floor((bb * w) / L);
            const tEnd = Math.floor(((bb + 1) * w + L - 1) / L);
            let best = -Infinity;
            let bestAt = xPlane + rStart * w + tStart;
            for (let r = rStart; r < rEnd; r++) {
              const xRow = xPlane + r * w;
              for (let t = tStart; t < tEnd; t++) {
                const v = x[xRow + t];
                if (v > best || v !== v) {
                  // NaN wins and propagates, as in PyTorch
                  best = v;
                  bestAt = xRow + t;
                }
              }
            }
            y[o] = best;
            argmax[o] = bestAt;
            o++;
          }
        }
      }
    }
  }
}

/** dx[argmax[o]] += dy[o]: each bin's gradient goes to the element that won it. */
export function sppBackward(dx: Float32Array, dy: Float32Array, argmax: Int32Array, s: SppShape): void {
  const count = s.n * s.outPerSample;
  for (let o = 0; o < count; o++) dx[argmax[o]] += dy[o];
}
