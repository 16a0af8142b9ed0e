/**
 * bn: batch normalization per channel, y = γ·(x − μ)/√(σ² + ε) + β (kernels/batchnorm.ts,
 * docs/kernels/batchnorm.md). Added by a conv or dense entry with norm 'bn-before' (batchNorm: true: before
 * the activation) or 'bn-after' (after it), never written alone.
 *
 *   x, y: (N,C,S)   γ, β: (C) parameters   running mean, running var: (C) state   S = H·W, or 1 after dense
 *
 * train mode: μ, σ² of the batch; the forward writes them into the network's batch-statistics vector, and
 * the running statistics move only when the caller applies such a vector (applyStats, in a fixed order).
 * eval mode: the running statistics. Each mode's backward is that of its own forward (in eval mode an affine
 * map per channel).
 */
import { batchNormShape } from '../../kernels/batchnorm.js';
import type { LayerBase, LayerImpl, TorchHelper } from './layer.js';

/** ε of every batch-norm layer (PyTorch's default). */
export const BN_EPS = 1e-5;
/** Momentum of the running statistics (PyTorch's default). */
export const BN_MOMENTUM = 0.1;

export interface BatchNormLayer extends LayerBase {
  kind: 'bn';
}

export const batchNorm: LayerImpl<BatchNormLayer> = {
  describe: () => 'batchnorm',
  outShape: (_, x) => x,
  params: (l) => [
    { name: 'gamma', shape: [l.in.c], role: { role: 'fill', value: 1 } },
    { name: 'beta', shape: [l.in.c], role: { role: 'fill', value: 0 } },
  ],
  state: (l) => [
    { name: 'running_mean', shape: [l.in.c], role: { role: 'fill', value: 0 } },
    { name: 'running_var', shape: [l.in.c], role: { role: 'fill', value: 1 } },
  ],
  // mean (C values), then the biased variance (C values)
  statsSize: (l) => 2 * l.in.c,
  output: 'new',

  build(l, { params: [gamma, beta], grads: [dgamma, dbeta], state: [runMean, runVar], stats, statsToApply, maxBatch, kernels: k }) {
    const { c, h, w } = l.in;
    const shape = (n: number) => batchNormShape({ n, c, spatial: h * w });
    const [mean, variance] = [stats.subarray(0, c), stats.subarray(c, 2 * c)];
    const [meanIn, varianceIn] = [statsToApply.subarray(0, c), statsToApply.subarray(c, 2 * c)];
    const invStd = k.alloc.f32(c);
    const invStdIn = k.alloc.f32(c);
    const xhat = k.alloc.f32(maxBatch * c * h * w);
    return {
      plan(n) {
        const s = shape(n);
        return {
          forward(x, y, train) {
            if (!train) return k.batchNormForwardEval(y, x, gamma, beta, runMean, runVar, s, BN_EPS);
            k.batchNormForwardTrain(y, xhat, mean, invStd, x, gamma, beta, s, BN_EPS);
            k.batchNormVariance(variance, invStd, s, BN_EPS);
          },
          backward: (dx, dy, x, _y, train) =>
            train
              ? k.batchNormBackward(dx, dgamma, dbeta, dy, xhat, invStd, gamma, s)
              : k.batchNormBackwardEval(dx, dgamma, dbeta, dy, x, gamma, runMean, runVar, s, BN_EPS),
        };
      },
      applyStats(n, momentum) {
        const s = shape(n);
        k.batchNormInvStd(invStdIn, varianceIn, s, BN_EPS);
        k.batchNormUpdateRunning(runMean, runVar, meanIn, invStdIn, s, momentum, BN_EPS);
      },
    };
  },

  torch: (l) => ({
    module: `BatchNorm(${l.in.c})`,
    call: (s) => `${s}(x)`,
    input: 'any',
    output: 'same',
    helpers: [TORCH_BATCHNORM],
    torchNames: { weight: 'gamma', bias: 'beta', num_batches_tracked: null },
  }),
};

/**
 * model.py's BatchNorm: PyTorch's own F.batch_norm with this file's ε and momentum (BatchNorm2d's defaults),
 * but with γ and β named 'gamma' and 'beta' as here (nn.BatchNorm2d names them 'weight' and 'bias' and adds
 * an integer num_batches_tracked), so that its state dict has exactly elunet's keys in both directions.
 * elunet's names stay because its weight-decay rule leaves parameters so named alone (docs/training.md).
 */
const TORCH_BATCHNORM: TorchHelper = {
  name: 'BatchNorm',
  source: `class BatchNorm(nn.Module):
    """elunet's batch norm over the channels of (N, C) or (N, C, H, W): PyTorch's F.batch_norm with
    eps ${BN_EPS.toExponential()} and momentum ${BN_MOMENTUM} (BatchNorm2d's defaults), the scale and shift named 'gamma' and
    'beta' as in elunet's checkpoints (BatchNorm2d names them 'weight' and 'bias')."""

    def __init__(self, channels):
        super().__init__()
        self.gamma = nn.Parameter(torch.ones(channels))
        self.beta = nn.Parameter(torch.zeros(channels))
        self.register_buffer('running_mean', torch.zeros(channels))
        self.register_buffer('running_var', torch.ones(channels))

    def forward(self, x):
        return F.batch_norm(x, self.running_mean, self.running_var, self.gamma, self.beta,
                            self.training, ${BN_MOMENTUM}, ${BN_EPS.toExponential()})`,
};
