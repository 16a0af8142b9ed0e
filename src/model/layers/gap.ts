/**
 * gap: global average pooling, the mean of each channel's map (kernels/global-avg-pool.ts). The CIFAR nets
 * end with it, after a 1×1 conv to one map per class.
 *
 *   x: (N,C,H,W)   y: (N,C)   y[n,c] = (1/(H·W)) · Σ_s x[n,c,s]
 *
 * Spec entry: { type: 'globalavgpool' }.
 */
import { globalAvgPoolShape } from '../../kernels/global-avg-pool.js';
import type { LayerBase, LayerImpl } from './layer.js';

export interface GapLayer extends LayerBase {
  kind: 'gap';
}

export interface GapSpec {
  type: 'globalavgpool';
}

export const gap: LayerImpl<GapLayer, GapSpec> = {
  describe: () => 'global avg pool',
  outShape: (_, x) => ({ c: x.c, h: 1, w: 1 }),
  output: 'new',

  build(l, { kernels: k }) {
    return {
      plan(n) {
        const s = globalAvgPoolShape({ n, c: l.in.c, spatial: l.in.h * l.in.w });
        return {
          forward: (x, y) => k.globalAvgPoolForward(y, x, s),
          backward: (dx, dy) => k.globalAvgPoolBackward(dx, dy, s),
        };
      },
    };
  },

  spec: {
    types: ['globalavgpool'],
    describe: () => 'globalavgpool',
    expand: (_, b) => b.add({ kind: 'gap', name: b.nextName('gap') }),
  },

  torch: () => ({ module: null, call: () => 'x.mean((2, 3))', input: 4, output: 2 }),
};
