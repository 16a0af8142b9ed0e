/**
 * flatten: (C,H,W) → (C·H·W, 1, 1), added by a dense entry whose input is a map. In NCHW memory each sample
 * is already one contiguous row, so flatten only renames the shape: its output is its input's buffer, its
 * gradient its input's gradient, and there is nothing to compute either way.
 */
import type { LayerBase, LayerImpl } from './layer.js';
import { dimsSize } from './layer.js';

export interface FlattenLayer extends LayerBase {
  kind: 'flatten';
}

export const flatten: LayerImpl<FlattenLayer> = {
  describe: () => 'flatten',
  outShape: (_, x) => ({ c: dimsSize(x), h: 1, w: 1 }),
  output: 'alias',
  build: () => ({ plan: () => ({ forward() {}, backward() {} }) }),
  torch: () => ({ module: null, call: () => 'x.flatten(1)', input: 4, output: 2 }),
};
