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
import type { LayerBase, LayerImpl, TorchHelper } from './layer.js';

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

  torch: (l) => ({
    module: `PReLU(${l.in.c})`,
    call: (s) => `${s}(x)`,
    input: 'any',
    output: 'same',
    helpers: [TORCH_PRELU],
    torchNames: { weight: 'slope' },
  }),
};

/** model.py's PReLU: F.prelu with the slope named 'slope' as here (nn.PReLU names it 'weight'). */
const TORCH_PRELU: TorchHelper = {
  name: 'PReLU',
  source: `class PReLU(nn.Module):
    """PReLU with one learned slope per channel, named 'slope' as in elunet (nn.PReLU names it 'weight')."""

    def __init__(self, channels):
        super().__init__()
        self.slope = nn.Parameter(torch.full((channels,), ${PRELU_INITIAL_SLOPE}))

    def forward(self, x):
        return F.prelu(x, self.slope)`,
};
