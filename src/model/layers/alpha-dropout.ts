/**
 * alpha-dropout: the dropout of self-normalizing (SELU) networks (kernels/alpha-dropout.ts). A dropped unit
 * takes SELU's negative saturation α′ = −λα, and an affine map a·z + b keeps mean 0 and variance 1; in eval
 * mode it is the identity. A dropout entry of a SELU model becomes this layer (dropout.ts).
 *
 *   x, y, keep: (count)   y = a·(keep ? x : α′) + b   keep ∈ {0, 1}        backward: dx += dy · a · keep
 *
 * Like dropout, sample j's keep mask is drawn from that sample's own generator (drawMask).
 */
import type { LayerBase, LayerImpl } from './layer.js';
import { dimsSize } from './layer.js';

export interface AlphaDropoutLayer extends LayerBase {
  kind: 'alpha-dropout';
  rate: number;
}

export const alphaDropout: LayerImpl<AlphaDropoutLayer> = {
  describe: (l) => `alpha-dropout ${l.rate}`,
  outShape: (_, x) => x,
  output: 'new',

  build(l, { maxBatch, kernels: k }) {
    const size = dimsSize(l.out);
    const keep = k.alloc.u8(maxBatch * size);
    const keeps = Array.from({ length: maxBatch }, (_, j) => keep.subarray(j * size, (j + 1) * size));
    return {
      drawMask: (j, rng) => k.alphaDropoutMask(keeps[j], l.rate, rng, size),
      plan(n) {
        const count = n * size;
        return {
          forward: (x, y, train) => (train ? k.alphaDropoutForward(y, x, keep, l.rate, count) : k.identityForward(y, x, count)),
          backward: (dx, dy, _x, _y, train) =>
            train ? k.alphaDropoutBackward(dx, dy, keep, l.rate, count) : k.identityBackward(dx, dy, count),
        };
      },
    };
  },

  // PyTorch: nn.AlphaDropout, the same a and b; the identity in eval mode
  torch: (l) => ({ module: `nn.AlphaDropout(${l.rate})`, call: (s) => `${s}(x)`, input: 'any', output: 'same' }),
};
