/**
 * pool: max or average pooling over k×k windows, PyTorch's semantics (kernels/pool.ts,
 * docs/kernels/pooling.md).
 *
 *   x: (N,C,H,W)   y: (N,C,OH,OW)   OH = ⌊(H + 2·pad − k)/stride⌋ + 1
 *   max: y = the largest value of each window (argmax remembers where it was, for the backward)
 *   avg: y = the window's sum / k² (padding counts as zeros)
 *
 * Spec entries: { type: 'maxpool' | 'avgpool', size, stride? (default size), pad? (default 0) }.
 */
import { ShapeError } from '../../errors.js';
import { poolShape } from '../../kernels/pool.js';
import type { LayerBase, LayerImpl } from './layer.js';
import { dimsSize, isPosInt } from './layer.js';

export interface PoolLayer extends LayerBase {
  kind: 'pool';
  op: 'max' | 'avg';
  size: number;
  stride: number;
  pad: number;
}

export interface PoolSpec {
  type: 'maxpool' | 'avgpool';
  size: number;
  /** default: size (windows side by side) */
  stride?: number;
  /** default 0; at most half the window */
  pad?: number;
}

export const pool: LayerImpl<PoolLayer, PoolSpec> = {
  describe: (l) => `${l.op}pool ${l.size}×${l.size}/${l.stride}${l.pad ? ` pad ${l.pad}` : ''}`,
  outShape(l, x, where) {
    if (x.h + 2 * l.pad < l.size || x.w + 2 * l.pad < l.size) {
      throw new ShapeError(
        `${where}: input is ${x.h}×${x.w}, smaller than the pool window ${l.size}×${l.size}; remove the pool or pad the input`,
      );
    }
    const out = (len: number): number => Math.floor((len + 2 * l.pad - l.size) / l.stride) + 1;
    return { c: x.c, h: out(x.h), w: out(x.w) };
  },
  output: 'new',

  build(l, { maxBatch, kernels: k }) {
    const argmax = k.alloc.i32(l.op === 'max' ? maxBatch * dimsSize(l.out) : 0);
    return {
      plan(n) {
        const s = poolShape({ n, c: l.in.c, h: l.in.h, w: l.in.w, k: l.size, stride: l.stride, pad: l.pad });
        if (s.oh !== l.out.h || s.ow !== l.out.w) throw new Error(`${l.name}: poolShape disagrees with the spec expansion`);
        if (l.op === 'avg') return { forward: (x, y) => k.avgPoolForward(y, x, s), backward: (dx, dy) => k.avgPoolBackward(dx, dy, s) };
        return { forward: (x, y) => k.maxPoolForward(y, argmax, x, s), backward: (dx, dy) => k.maxPoolBackward(dx, dy, argmax, s) };
      },
    };
  },

  spec: {
    types: ['maxpool', 'avgpool'],
    describe: (e) => `${e.type} ${e.size}×${e.size}`,
    expand(e, b) {
      if (!isPosInt(e.size)) throw new ShapeError(`${b.where}: size must be a positive integer, got ${e.size}`);
      const stride = e.stride ?? e.size;
      const pad = e.pad ?? 0;
      if (!isPosInt(stride)) throw new ShapeError(`${b.where}: stride must be a positive integer, got ${e.stride}`);
      if (!(Number.isInteger(pad) && pad >= 0 && 2 * pad <= e.size)) {
        throw new ShapeError(`${b.where}: pad must be an integer in [0, ${Math.floor(e.size / 2)}] (at most half the window), got ${pad}`);
      }
      const op = e.type === 'maxpool' ? 'max' : 'avg';
      b.add({ kind: 'pool', name: b.nextName(`${op}pool`), op, size: e.size, stride, pad });
    },
  },

  // PyTorch: floor mode as here; max pads with −∞, avg divides by k² with the padding counted
  torch: (l) => ({
    module: l.op === 'max'
      ? `nn.MaxPool2d(${l.size}, stride=${l.stride}, padding=${l.pad})`
      : `nn.AvgPool2d(${l.size}, stride=${l.stride}, padding=${l.pad}, count_include_pad=True)`,
    call: (s) => `${s}(x)`,
    input: 4,
    output: 4,
  }),
};
