/**
 * conv: a 2-D convolution, y = w ⊛ x + b (kernels/conv2d.ts, docs/kernels/conv2d.md).
 *
 *   x: (N,C,H,W)   w: (OC,C,K,K)   b: (OC), absent under batch norm   y: (N,OC,OH,OW)
 *
 * The spec entry { type: 'conv', filters, size, stride?, pad?, activation?, norm?, batchNorm? } becomes
 * conv → [bn] → [activation] → [bn | center] (norm, layer.ts). With batch norm before the activation the conv
 * has no bias: BN's β takes its place.
 */
import { ShapeError } from '../../errors.js';
import { conv2dShape } from '../../kernels/conv2d.js';
import type { Act, Dims, LayerBase, LayerFields, LayerImpl, Norm, TensorSpec } from './layer.js';
import { initGainOf, isPosInt, normOf } from './layer.js';

/** Padding on each side, as conv2dShape takes it. */
export interface Pad4 {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

export interface ConvLayer extends LayerBase {
  kind: 'conv';
  filters: number;
  size: number;
  stride: number;
  pad: Pad4;
  bias: boolean;
  /** multiplies the init's standard deviation (absent: 1) */
  initGain?: number;
}

/** Padding of a convolution: a number on every side, 'same' (stride 1: output = input size), or 'valid' (0). */
export type ConvPadSpec = number | 'same' | 'valid';

export interface ConvSpec {
  type: 'conv';
  filters: number;
  size: number;
  /** default 1 */
  stride?: number;
  /** default 'same' when stride is 1, else 0 */
  pad?: ConvPadSpec;
  /** default: the model-wide activation */
  activation?: Act;
  /** where a normalization goes (layer.ts, Norm); default 'none' */
  norm?: Norm;
  /** conv → BN → activation, the same as norm 'bn-before'; the conv then has no bias (BN's β takes its place) */
  batchNorm?: boolean;
  /** multiplies the init's standard deviation of this layer's weights (default 1) */
  initGain?: number;
}

function outShape(l: LayerFields<ConvLayer>, x: Dims, where: string): Dims {
  const ph = x.h + l.pad.top + l.pad.bottom;
  const pw = x.w + l.pad.left + l.pad.right;
  if (ph < l.size || pw < l.size) {
    throw new ShapeError(
      `${where}: input is ${x.h}×${x.w} (${ph}×${pw} after padding), smaller than the ${l.size}×${l.size} kernel; ` +
        `use pad 'same', a smaller kernel, or remove a pooling layer before it`,
    );
  }
  return { c: l.filters, h: Math.floor((ph - l.size) / l.stride) + 1, w: Math.floor((pw - l.size) / l.stride) + 1 };
}

/** 'same' (stride 1 only) pads k−1 in total, ⌊(k−1)/2⌋ before and the rest after: PyTorch's rule. */
function padOf(e: ConvSpec, stride: number, where: string): Pad4 {
  const p = e.pad ?? (stride === 1 ? 'same' : 0);
  if (p === 'same') {
    if (stride !== 1) throw new ShapeError(`${where}: pad 'same' needs stride 1, got stride ${stride}; give the padding as a number`);
    const before = Math.floor((e.size - 1) / 2);
    const after = e.size - 1 - before;
    return { top: before, bottom: after, left: before, right: after };
  }
  if (p === 'valid') return { top: 0, bottom: 0, left: 0, right: 0 };
  if (typeof p === 'number' && Number.isInteger(p) && p >= 0) return { top: p, bottom: p, left: p, right: p };
  throw new ShapeError(`${where}: pad must be 'same', 'valid' or an integer ≥ 0, got ${JSON.stringify(p)}`);
}

export const conv: LayerImpl<ConvLayer, ConvSpec> = {
  describe(l) {
    const p = l.pad;
    const pad = p.top === p.bottom && p.left === p.right && p.top === p.left ? `${p.top}` : `${p.top},${p.bottom},${p.left},${p.right}`;
    return `conv ${l.size}×${l.size}/${l.stride} pad ${pad}${l.bias ? '' : ' (no bias)'}${l.initGain ? ` (init ×${+l.initGain.toFixed(3)})` : ''}`;
  },
  outShape,
  params(l) {
    const k2 = l.size * l.size;
    const weight: TensorSpec = {
      name: 'weight',
      shape: [l.filters, l.in.c, l.size, l.size],
      role: { role: 'weight', fanIn: l.in.c * k2, fanOut: l.filters * k2, ...(l.initGain ? { gain: l.initGain } : {}) },
    };
    return l.bias ? [weight, { name: 'bias', shape: [l.filters], role: { role: 'fill', value: 0 } }] : [weight];
  },
  output: 'new',

  build(l, { params: [w, b = null], grads: [dw, db = null], maxBatch, needDx, kernels: k }) {
    const shape = (n: number) =>
      conv2dShape({ n, c: l.in.c, h: l.in.h, w: l.in.w, oc: l.filters, kh: l.size, kw: l.size, stride: l.stride, pad: l.pad });
    return {
      workspace: k.conv2dWorkspaceSize(shape(maxBatch)),
      plan(n, ws) {
        const s = shape(n);
        if (s.oh !== l.out.h || s.ow !== l.out.w) throw new Error(`${l.name}: conv2dShape gives ${s.oh}×${s.ow}, the expansion ${l.out.h}×${l.out.w}`);
        if (k.conv2dWorkspaceSize(s) > ws.length) throw new Error(`${l.name}: the '${k.name}' kernels need more workspace for n = ${n} than for maxBatch`);
        return {
          forward: (x, y) => k.conv2dForward(y, x, w, b, s, ws),
          backward(dx, dy, x) {
            k.conv2dBackwardParams(dw, db, dy, x, s, ws);
            if (needDx) k.conv2dBackwardInput(dx, dy, w, s, ws);
          },
        };
      },
    };
  },

  spec: {
    types: ['conv'],
    block: true,
    describe: (e) => `conv ${e.size}×${e.size}${(e.stride ?? 1) !== 1 ? `/${e.stride}` : ''}, ${e.filters} filters`,
    expand(e, b) {
      if (!isPosInt(e.filters)) throw new ShapeError(`${b.where}: filters must be a positive integer, got ${e.filters}`);
      if (!isPosInt(e.size)) throw new ShapeError(`${b.where}: size (kernel height = width) must be a positive integer, got ${e.size}`);
      const stride = e.stride ?? 1;
      if (!isPosInt(stride)) throw new ShapeError(`${b.where}: stride must be a positive integer, got ${e.stride}`);
      const norm = normOf(e, b.where);
      const name = b.nextName('conv');
      const pad = padOf(e, stride, b.where);
      const initGain = initGainOf(e, b.where);
      b.add({ kind: 'conv', name, filters: e.filters, size: e.size, stride, pad, bias: norm !== 'bn-before', ...(initGain ? { initGain } : {}) });
      b.addNormAct(name, e.activation, norm);
    },
  },

  // PyTorch: nn.Conv2d (cross-correlation, weight (OC, C, K, K)). An asymmetric padding ('same' with an even
  // kernel) is written as an explicit F.pad(x, (left, right, top, bottom)) before an unpadded conv.
  torch(l) {
    const { top, bottom, left, right } = l.pad;
    const symmetric = top === bottom && left === right && top === left;
    const module = `nn.Conv2d(${l.in.c}, ${l.filters}, ${l.size}, stride=${l.stride}, padding=${symmetric ? top : 0}${l.bias ? '' : ', bias=False'})`;
    if (symmetric) return { module, call: (s) => `${s}(x)`, input: 4, output: 4 };
    return { module, call: (s) => `${s}(F.pad(x, (${left}, ${right}, ${top}, ${bottom})))`, input: 4, output: 4 };
  },
};
