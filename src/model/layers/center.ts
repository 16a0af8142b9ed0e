/**
 * center: each unit's (channel's) activation minus its mean — batch norm without the scale and without γ, β
 * (kernels/center.ts, docs/kernels/center.md). Added after the activation by a conv or dense entry with
 * norm: 'center-after', never written alone; it is the control of docs/theory.md §8 (a ReLU whose outputs
 * have mean zero).
 *
 *   x, y: (N,C,S)   running mean: (C) state   S = H·W, or 1 after dense
 *
 * train mode: the mean of the batch (a micro-batch in training: "ghost" statistics, like BN's), written into
 * the network's batch-statistics vector; the running mean moves only when the caller applies such a vector
 * (applyStats, in a fixed order). eval mode: the running mean, and the backward is then dx += dy.
 *
 * Its output is a buffer of its own: it could run in place (its backward needs neither x nor y), but its input
 * is the output of the activation before it, whose backward reads that output.
 */
import { centerShape } from '../../kernels/center.js';
import { BN_MOMENTUM } from './batchnorm.js';
import type { LayerBase, LayerImpl, TorchHelper } from './layer.js';
import { dimsSize } from './layer.js';

export interface CenterLayer extends LayerBase {
  kind: 'center';
}

export const center: LayerImpl<CenterLayer> = {
  describe: () => 'center (minus the mean)',
  outShape: (_, x) => x,
  state: (l) => [{ name: 'running_mean', shape: [l.in.c], role: { role: 'fill', value: 0 } }],
  // the batch mean, C values
  statsSize: (l) => l.in.c,
  output: 'new',

  build(l, { state: [runMean], stats: mean, statsToApply: meanIn, kernels: k }) {
    const { c, h, w } = l.in;
    const shape = (n: number) => centerShape({ n, c, spatial: h * w });
    return {
      plan(n) {
        const s = shape(n);
        const count = n * dimsSize(l.in);
        return {
          forward: (x, y, train) => (train ? k.centerForwardTrain(y, mean, x, s) : k.centerForwardEval(y, x, runMean, s)),
          backward: (dx, dy, _x, _y, train) => (train ? k.centerBackward(dx, dy, s) : k.identityBackward(dx, dy, count)),
        };
      },
      applyStats: (n, momentum) => k.centerUpdateRunning(runMean, meanIn, shape(n), momentum),
    };
  },

  torch: (l) => ({ module: `Center(${l.in.c})`, call: (s) => `${s}(x)`, input: 'any', output: 'same', helpers: [TORCH_CENTER] }),
};

/**
 * model.py's Center: the same operation with the same running mean (a buffer named 'running_mean', so that the
 * state dict has elunet's key), moved by batch norm's momentum in training. PyTorch has no such module.
 */
const TORCH_CENTER: TorchHelper = {
  name: 'Center',
  source: `class Center(nn.Module):
    """elunet's centring over the channels of (N, C) or (N, C, H, W): in training each channel minus its batch
    mean, the running mean moved by momentum ${BN_MOMENTUM} (batch norm's rule); in evaluation minus the running mean."""

    def __init__(self, channels):
        super().__init__()
        self.register_buffer('running_mean', torch.zeros(channels))

    def forward(self, x):
        shape = (1, -1) + (1,) * (x.dim() - 2)
        if self.training:
            mean = x.mean([0] + list(range(2, x.dim())))
            with torch.no_grad():
                self.running_mean.mul_(1 - ${BN_MOMENTUM}).add_(${BN_MOMENTUM} * mean)
            return x - mean.reshape(shape)
        return x - self.running_mean.reshape(shape)`,
};
