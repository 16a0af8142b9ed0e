/**
 * dense: a fully connected layer, y = x·Wᵀ + b (kernels/dense.ts, docs/kernels/dense.md).
 *
 *   x: (N,IN)   W: (OUT,IN)   b: (OUT), absent under batch norm   y: (N,OUT)
 *
 * The spec entry { type: 'dense', units, activation?, norm?, batchNorm? } becomes [flatten] → dense →
 * [bn] → [activation] → [bn | center] (norm, layer.ts): a map input is flattened first (a renaming, see
 * flatten.ts).
 */
import { ShapeError } from '../../errors.js';
import { denseShape } from '../../kernels/dense.js';
import type { Act, LayerBase, LayerImpl, Norm, TensorSpec } from './layer.js';
import { dimsSize, initGainOf, isPosInt, normOf } from './layer.js';

export interface DenseLayer extends LayerBase {
  kind: 'dense';
  units: number;
  bias: boolean;
  /** multiplies the init's standard deviation (absent: 1) */
  initGain?: number;
}

export interface DenseSpec {
  type: 'dense';
  units: number;
  /** default: the model-wide activation */
  activation?: Act;
  /** where a normalization goes (layer.ts, Norm); default 'none' */
  norm?: Norm;
  /** dense → BN → activation, the same as norm 'bn-before'; the dense layer then has no bias */
  batchNorm?: boolean;
  /** multiplies the init's standard deviation of this layer's weights (default 1; the zoo sets it for layers
   *  fed by centred activations: kernels/init.ts, centredGain) */
  initGain?: number;
}

export const dense: LayerImpl<DenseLayer, DenseSpec> = {
  describe: (l) => `dense${l.bias ? '' : ' (no bias)'}${l.initGain ? ` (init ×${+l.initGain.toFixed(3)})` : ''}`,
  outShape: (l) => ({ c: l.units, h: 1, w: 1 }),
  params(l) {
    const inF = dimsSize(l.in);
    const weight: TensorSpec = {
      name: 'weight', shape: [l.units, inF], role: { role: 'weight', fanIn: inF, fanOut: l.units, ...(l.initGain ? { gain: l.initGain } : {}) },
    };
    return l.bias ? [weight, { name: 'bias', shape: [l.units], role: { role: 'fill', value: 0 } }] : [weight];
  },
  output: 'new',

  build(l, { params: [w, b = null], grads: [dw, db = null], needDx, kernels: k }) {
    return {
      plan(n) {
        const s = denseShape({ n, inFeatures: dimsSize(l.in), outFeatures: l.units });
        return {
          forward: (x, y) => k.denseForward(y, x, w, b, s),
          backward(dx, dy, x) {
            k.denseBackwardParams(dw, db, dy, x, s);
            if (needDx) k.denseBackwardInput(dx, dy, w, s);
          },
        };
      },
    };
  },

  spec: {
    types: ['dense'],
    block: true,
    describe: (e) => `dense ${e.units}`,
    expand(e, b) {
      if (!isPosInt(e.units)) throw new ShapeError(`${b.where}: units must be a positive integer, got ${e.units}`);
      if (b.dims.h !== 1 || b.dims.w !== 1) b.add({ kind: 'flatten', name: b.nextName('flatten') });
      const norm = normOf(e, b.where);
      const name = b.nextName('dense');
      const initGain = initGainOf(e, b.where);
      b.add({ kind: 'dense', name, units: e.units, bias: norm !== 'bn-before', ...(initGain ? { initGain } : {}) });
      b.addNormAct(name, e.activation, norm);
    },
  },

  // PyTorch: nn.Linear, weight (out, in); a map before it is flattened in NCHW order, as here
  torch: (l) => ({ module: `nn.Linear(${dimsSize(l.in)}, ${l.units}${l.bias ? '' : ', bias=False'})`, call: (s) => `${s}(x)`, input: 2, output: 2 }),
};
