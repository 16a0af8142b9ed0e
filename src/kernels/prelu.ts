/**
 * PReLU, the parametric ReLU (He et al. 2015): a leaky ReLU whose negative slope is learned, one per channel.
 * The ELU paper mentions it (it lacks ELU's saturation) but runs no experiment with it.
 *
 *   x: (N,C,S)   y: (N,C,S)   a: (C)        S = spatial = H·W for a conv map, 1 for a dense layer
 *
 *   y[n,c,s] = x[n,c,s]             if x > 0
 *   y[n,c,s] = a[c] · x[n,c,s]      if x ≤ 0
 *
 * Backward (needs x: with a learned slope, possibly ≤ 0, the sign of y does not tell the branch):
 *
 *   dx[n,c,s] += dy[n,c,s] · (x > 0 ? 1 : a[c])
 *   da[c]     += Σ_n Σ_s dy[n,c,s] · x[n,c,s] · [x ≤ 0]
 *
 * PyTorch applies the slope where x < 0 and uses ≥ for the identity branch in the forward; at x = 0 both
 * branches give y = 0 and a contribution 0 to da, so the conventions agree on every output. For dx at
 * x = 0 we take the slope a[c] (as PyTorch's backward does).
 *
 * Unlike the other activations the forward must NOT run in place: the backward needs x.
 *
 * Docs: docs/kernels/activations.md. Letters: docs/notation.md.
 */
import { checkInt } from '../errors.js';

export interface PreluShape {
  /** batch size N */
  n: number;
  /** channels C: one learned slope each */
  c: number;
  /** elements per (sample, channel): H·W for a conv map, 1 for a dense layer */
  spatial: number;
}

/** Builds and validates a PreluShape (throws ShapeError naming the field). */
export function preluShape(p: { n: number; c: number; spatial?: number }): PreluShape {
  const spatial = p.spatial ?? 1;
  checkInt('prelu: n (batch size)', p.n, 1);
  checkInt('prelu: c (channels, one slope each)', p.c, 1);
  checkInt('prelu: spatial (H·W, or 1 for dense)', spatial, 1);
  return { n: p.n, c: p.c, spatial };
}

/** The usual initial slope (He et al. 2015 start every PReLU at 0.25). */
export const PRELU_INITIAL_SLOPE = 0.25;

/** y = x > 0 ? x : a[c]·x. Must not run in place (the backward reads x). */
export function preluForward(y: Float32Array, x: Float32Array, a: Float32Array, s: PreluShape): void {
  const { n, c, spatial } = s;
  for (let ni = 0; ni < n; ni++) {
    for (let ci = 0; ci < c; ci++) {
      const slope = a[ci];
      const base = (ni * c + ci) * spatial;
      const end = base + spatial;
      for (let i = base; i < end; i++) {
        const v = x[i];
        y[i] = v > 0 ? v : slope * v;
      }
    }
  }
}

/** dx += dy·(x > 0 ? 1 : a[c]);  da[c] += Σ dy·x over x ≤ 0. Accumulates into both. */
export function preluBackward(
  dx: Float32Array,
  da: Float32Array,
  dy: Float32Array,
  x: Float32Array,
  a: Float32Array,
  s: PreluShape,
): void {
  const { n, c, spatial } = s;
  for (let ci = 0; ci < c; ci++) {
    const slope = a[ci];
    let daSum = 0; // float64 sum over the batch and the map; added to da[c] once
    for (let ni = 0; ni < n; ni++) {
      const base = (ni * c + ci) * spatial;
      const end = base + spatial;
      for (let i = base; i < end; i++) {
        const v = x[i];
        const g = dy[i];
        if (v > 0) {
          dx[i] += g;
        } else {
          dx[i] += slope * g;
          daSum += g * v;
        }
      }
    }
    da[ci] += daSum;
  }
}
