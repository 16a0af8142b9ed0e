/**
 * dropout: inverted dropout (kernels/dropout.ts, docs/kernels/dropout.md). In train mode each unit is kept
 * with probability q = 1 − rate and scaled by 1/q; in eval mode it is the identity.
 *
 *   x, y, mask: (count)   y = x · mask   mask ∈ {0, 1/q}        backward: dx += dy · mask
 *
 * The mask of sample j is drawn (drawMask) from that sample's own generator, so a sample drops the same units
 * whichever worker processes it. Spec entry: { type: 'dropout', rate } — rate 0 adds no layer, and in a SELU
 * model the entry becomes alpha-dropout (alpha-dropout.ts).
 */
import { ShapeError } from '../../errors.js';
import type { LayerBase, LayerImpl } from './layer.js';
import { dimsSize } from './layer.js';

export interface DropoutLayer extends LayerBase {
  kind: 'dropout';
  rate: number;
}

export interface DropoutSpec {
  type: 'dropout';
  /** the fraction of units dropped, in [0, 1) */
  rate: number;
}

export const dropout: LayerImpl<DropoutLayer, DropoutSpec> = {
  describe: (l) => `dropout ${l.rate}`,
  outShape: (_, x) => x,
  output: 'new',

  build(l, { maxBatch, kernels: k }) {
    const size = dimsSize(l.out);
    const mask = k.alloc.f32(maxBatch * size);
    const masks = Array.from({ length: maxBatch }, (_, j) => mask.subarray(j * size, (j + 1) * size));
    return {
      drawMask: (j, rng) => k.dropoutMask(masks[j], l.rate, rng, size),
      plan(n) {
        const count = n * size;
        return {
          forward: (x, y, train) => (train ? k.dropoutForward(y, x, mask, count) : k.identityForward(y, x, count)),
          backward: (dx, dy, _x, _y, train) => (train ? k.dropoutBackward(dx, dy, mask, count) : k.identityBackward(dx, dy, count)),
        };
      },
    };
  },

  spec: {
    types: ['dropout'],
    describe: (e) => `dropout ${e.rate}`,
    expand(e, b) {
      if (!(typeof e.rate === 'number' && e.rate >= 0 && e.rate < 1)) {
        throw new ShapeError(`${b.where}: rate must be in [0, 1) (the fraction of units dropped), got ${e.rate}; use 0 or remove the layer to disable it`);
      }
      if (e.rate === 0) return; // the identity: no layer, no mask
      const kind = b.activation === 'selu' ? 'alpha-dropout' : 'dropout';
      b.add({ kind, name: b.nextName(kind), rate: e.rate });
    },
  },

  // PyTorch: nn.Dropout, the same inverted dropout per element; the identity in eval mode
  torch: (l) => ({ module: `nn.Dropout(${l.rate})`, call: (s) => `${s}(x)`, input: 'any', output: 'same' }),
};
