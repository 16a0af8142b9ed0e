/**
 * spp: spatial pyramid max pooling, a map of any size to a vector of fixed length (kernels/spp.ts,
 * docs/kernels/pooling.md). The paper's ImageNet net puts it before its first dense layer.
 *
 *   x: (N,C,H,W)   levels [L0, L1, …]   y: (N, C·ΣL²): each level's L×L grid of bin maxima, flattened in turn
 *
 * Spec entry: { type: 'spp', levels: [1, 2, 4] }.
 */
import { ShapeError } from '../../errors.js';
import { sppShape } from '../../kernels/spp.js';
import type { LayerBase, LayerImpl, TorchHelper } from './layer.js';
import { dimsSize, isPosInt } from './layer.js';

export interface SppLayer extends LayerBase {
  kind: 'spp';
  levels: number[];
}

export interface SppSpec {
  type: 'spp';
  levels: number[];
}

export const spp: LayerImpl<SppLayer, SppSpec> = {
  describe: (l) => `spp [${l.levels.join(', ')}]`,
  outShape: (l, x) => ({ c: x.c * l.levels.reduce((cells, L) => cells + L * L, 0), h: 1, w: 1 }),
  output: 'new',

  build(l, { maxBatch, kernels: k }) {
    const argmax = k.alloc.i32(maxBatch * dimsSize(l.out));
    return {
      plan(n) {
        const s = sppShape({ n, c: l.in.c, h: l.in.h, w: l.in.w, levels: l.levels });
        if (s.outPerSample !== dimsSize(l.out)) throw new Error(`${l.name}: sppShape disagrees with the spec expansion`);
        return {
          forward: (x, y) => k.sppForward(y, argmax, x, s),
          backward: (dx, dy) => k.sppBackward(dx, dy, argmax, s),
        };
      },
    };
  },

  spec: {
    types: ['spp'],
    describe: (e) => `spp [${Array.isArray(e.levels) ? e.levels.join(', ') : e.levels}]`,
    expand(e, b) {
      if (!Array.isArray(e.levels) || e.levels.length === 0 || !e.levels.every(isPosInt)) {
        throw new ShapeError(`${b.where}: levels must be a non-empty list of positive integers, got ${JSON.stringify(e.levels)}; e.g. [1, 2, 4]`);
      }
      b.add({ kind: 'spp', name: b.nextName('spp'), levels: [...e.levels] });
    },
  },

  torch: (l) => ({ module: `SPP([${l.levels.join(', ')}])`, call: (s) => `${s}(x)`, input: 4, output: 2, helpers: [TORCH_SPP] }),
};

/** model.py's SPP: PyTorch's adaptive max pool makes the same bins ⌊a·H/L⌋ … ⌈(a+1)·H/L⌉ as kernels/spp.ts. */
const TORCH_SPP: TorchHelper = {
  name: 'SPP',
  source: `class SPP(nn.Module):
    """Spatial pyramid pooling: per level L an adaptive max pool to L x L (PyTorch's bins, as elunet's),
    flattened (C, L, L), the levels concatenated in order: (N, C, H, W) -> (N, C * sum(L*L))."""

    def __init__(self, levels):
        super().__init__()
        self.levels = list(levels)

    def forward(self, x):
        return torch.cat([F.adaptive_max_pool2d(x, level).flatten(1) for level in self.levels], 1)

    def extra_repr(self):
        return f'levels={self.levels}'`,
};
