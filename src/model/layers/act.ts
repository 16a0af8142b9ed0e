/**
 * act: an elementwise activation without weights — elu, relu, lrelu, srelu, selu (kernels/activation.ts,
 * docs/kernels/activations.md). Added after a conv or dense layer, never written alone.
 *
 *   x, y: (count)   y = f(x)   backward from the output: dx += dy · f′ expressed through y
 *
 * Because the backward needs only y, the forward runs in place over the conv/dense/BN output it follows.
 */
import type { ActivationName } from '../../kernels/activation.js';
import type { LayerBase, LayerImpl } from './layer.js';
import { dimsSize } from './layer.js';

export interface ActLayer extends LayerBase {
  kind: 'act';
  act: Exclude<ActivationName, 'prelu' | 'linear'>;
  /** α (elu) or slope (lrelu); NaN if unused */
  param: number;
}

export const act: LayerImpl<ActLayer> = {
  describe: (l) => (l.act === 'elu' ? `elu α=${l.param}` : l.act === 'lrelu' ? `lrelu slope=${l.param}` : l.act),
  outShape: (_, x) => x,
  output: 'in-place',

  build(l, { kernels: k }) {
    const size = dimsSize(l.out);
    return {
      plan(n) {
        const count = n * size;
        return {
          forward: (x, y) => k.activationForward(l.act, y, x, count, l.param),
          backward: (dx, dy, _x, y) => k.activationBackward(l.act, dx, dy, y, count, l.param),
        };
      },
    };
  },
};
