/**
 * act: an elementwise activation without weights — elu, relu, lrelu, srelu, selu (kernels/activation.ts,
 * docs/kernels/activations.md). Added after a conv or dense layer, never written alone.
 *
 *   x, y: (count)   y = f(x)   backward from the output: dx += dy · f′ expressed through y
 *
 * Because the backward needs only y, the forward runs in place over the conv/dense/BN output it follows.
 */
import type { ActivationName } from '../../kernels/activation.js';
import type { LayerBase, LayerImpl, TorchHelper } from './layer.js';
import { dimsSize, pyFloat } from './layer.js';

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

  torch: (l) => ({
    module: TORCH_ACTIVATIONS[l.act](l.param),
    call: (s) => `${s}(x)`,
    input: 'any',
    output: 'same',
    helpers: l.act === 'srelu' ? [TORCH_SHIFTED_RELU] : [],
  }),
};

/** Each activation as a PyTorch module (param: α of elu, slope of lrelu); SELU's λ and α are PyTorch's. */
const TORCH_ACTIVATIONS: { [A in ActLayer['act']]: (param: number) => string } = {
  elu: (alpha) => `nn.ELU(alpha=${pyFloat(alpha)})`,
  relu: () => 'nn.ReLU()',
  lrelu: (slope) => `nn.LeakyReLU(negative_slope=${pyFloat(slope)})`,
  srelu: () => 'ShiftedReLU()',
  selu: () => 'nn.SELU()',
};

/** model.py's shifted ReLU (torch.nn has none). */
const TORCH_SHIFTED_RELU: TorchHelper = {
  name: 'ShiftedReLU',
  source: `class ShiftedReLU(nn.Module):
    """The shifted ReLU of the ELU paper: max(-1, x)."""

    def forward(self, x):
        return x.clamp(min=-1.0)`,
};
