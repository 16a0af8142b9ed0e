/**
 * prelu: the parametric ReLU, a leaky ReLU with a learned slope per channel (kernels/prelu.ts). Added after a
 * conv or dense layer whose activation is 'prelu'; named like the other activations ('conv1.act').
 *
 *   x, y: (N,C,S)   a: (C), starting at 0.25        y = x > 0 ? x : a[c]·x
 *
 * Unlike the other activations it cannot run in place: its backward needs x (the sign of y does not tell the
 * branch once a slope may be negative).
 */
import { PRELU_INITIAL_SLOPE, preluShape } from '../../kernels/prelu.js';
import type { LayerBase, LayerImpl } from './layer.js';

export interface PreluLayer extends LayerBase {
  kind: 'prelu';
}

export const prelu: LayerImpl<PreluLayer> = {
  describe: () => 'prelu',
  outShape: (_, x) => x,
  params: (l) => [{ name: 'slope', shape: [l.in.c], role: { role: 'fill', value: PRELU_INITIAL_SLOPE } }],
  output: 'new',

  build(l, { params: [a], grads: [da], kernels: k }) {
    return {
      plan(n) {
        const s = preluShape({ n, c: l.in.c, spatial: l.in.h * l.in.w });
        return {
          forward: (x, y) => k.preluForward(y, x, a, s),
          backward: (dx, dy, x) => k.preluBackward(dx, da, dy, x, a, s),
        };
      },
    };
  },
};
