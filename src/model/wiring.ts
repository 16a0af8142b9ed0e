/**
 * Where each layer of a network reads and writes, decided once when the network is built.
 *
 *   values     vals[0] is the caller's input; every other layer output gets a buffer for maxBatch samples,
 *              unless the layer writes over its input ('in-place': its backward needs only its output;
 *              never over the caller's input) or is its input ('alias': a renaming such as flatten).
 *   gradients  the gradient of a layer's output lives in slot s, of its input in slot s − 1 (an alias shares
 *              its input's slot). Slot s uses ping-pong buffer s % 2, so a layer's dy and dx are never the
 *              same array; slot 0 is the input-gradient buffer when one was asked for.
 *   workspace  one scratch array, as large as the largest layer asks for (the im2col columns).
 *   statistics each layer that takes batch statistics (BN) gets its segment of one vector, then one last
 *              float for the batch size; applyRunningStats copies its argument into a second such vector.
 *
 * Every array comes from the KernelSet's alloc. The layers are built here, in order, with their views; and
 * planFor makes their passes for a batch of n, with the views Network hands out (output, hidden blocks).
 */
import type { KernelSet } from '../kernels/kernel-set.js';
import { type Layer, implOf } from './layers/index.js';
import { type LayerPass, type LayerRun, dimsSize } from './layers/layer.js';
import type { ModelLayout, ParamBuffers } from './params.js';
import { type ExpandedModel, blockName } from './spec.js';

/** One layer in place: its run, its value buffers (into vals), its gradient slots (into slotGrad). */
export interface Node {
  run: LayerRun;
  /** a renaming: shares its input's values and gradient, nothing to compute */
  alias: boolean;
  inBuf: number;
  outBuf: number;
  inSlot: number;
  outSlot: number;
  /** per-sample input size */
  inSize: number;
}

/** The output of one hidden block (its last layer: the activation, or the normalization after it) for the last
 *  forward (Network.hiddenActivations), named after the block ('dense3'). */
export interface HiddenActivation {
  name: string;
  /** (n, units, spatial) flat */
  data: Float32Array;
  units: number;
  spatial: number;
}

export interface Wiring {
  nodes: Node[];
  vals: Float32Array[];
  slotGrad: Float32Array[];
  /** the input gradient, or null when not asked for */
  dInput: Float32Array | null;
  workspace: Float32Array;
  stats: Float32Array;
  statsToApply: Float32Array;
  /** the layers that draw dropout masks, in order */
  masked: LayerRun[];
}

/** Everything that depends on the batch size n, made once per n. */
export interface Plan {
  passes: LayerPass[];
  output: Float32Array;
  hidden: HiddenActivation[];
}

export function wire(layers: readonly Layer[], layout: ModelLayout, pb: ParamBuffers, maxBatch: number, inputGrad: boolean,
                     k: KernelSet): Wiring {
  const { alloc } = k;
  const B = maxBatch;
  const statsSizes = layers.map((l) => implOf(l.kind).statsSize?.(l) ?? 0);
  const statsSize = statsSizes.reduce((a, b) => a + b, 0);
  const stats = alloc.f32(statsSize + 1);
  const statsToApply = alloc.f32(statsSize + 1);
  const inputSize = dimsSize(layers[0].in);
  const dInput = inputGrad ? alloc.f32(B * inputSize) : null;
  const vals = [alloc.f32(0)];
  const nodes: Node[] = [];
  let buf = 0; // the value buffer and gradient slot of the current layer's input
  let slot = 0;
  let statsAt = 0;
  let maxSlotSize = inputSize;
  layers.forEach((l, i) => {
    const impl = implOf(l.kind);
    const alias = impl.output === 'alias';
    const inPlace = impl.output === 'in-place' && buf !== 0;
    const outBuf = alias || inPlace ? buf : vals.push(alloc.f32(B * dimsSize(l.out))) - 1;
    const outSlot = alias ? slot : slot + 1;
    const [from, to] = [statsAt, (statsAt += statsSizes[i])];
    const run = impl.build(l, {
      params: layout.layerParams[i].map((e) => pb.paramViews[e]),
      grads: layout.layerParams[i].map((e) => pb.gradViews[e]),
      state: layout.layerState[i].map((e) => pb.stateViews[e]),
      stats: stats.subarray(from, to),
      statsToApply: statsToApply.subarray(from, to),
      maxBatch: B,
      needDx: slot !== 0 || dInput !== null,
      kernels: k,
    });
    nodes.push({ run, alias, inBuf: buf, outBuf, inSlot: slot, outSlot, inSize: dimsSize(l.in) });
    buf = outBuf;
    slot = outSlot;
    maxSlotSize = Math.max(maxSlotSize, dimsSize(l.out));
  });
  const pingPong = [alloc.f32(B * maxSlotSize), alloc.f32(B * maxSlotSize)];
  const slotGrad = Array.from({ length: slot + 1 }, (_, s) => (s === 0 && dInput ? dInput : pingPong[s % 2]));
  const workspace = alloc.f32(Math.max(0, ...nodes.map((nd) => nd.run.workspace ?? 0)));
  const masked = nodes.flatMap((nd) => (nd.run.drawMask ? [nd.run] : []));
  return { nodes, vals, slotGrad, dInput, workspace, stats, statsToApply, masked };
}

/** Each layer's passes for a batch of n, and views of the output and of the hidden blocks' outputs. */
export function planFor(w: Wiring, model: ExpandedModel, n: number): Plan {
  const passes = w.nodes.map((nd) => nd.run.plan(n, w.workspace));
  const outputOf = (i: number): Float32Array => w.vals[w.nodes[i].outBuf].subarray(0, n * dimsSize(model.layers[i].out));
  const hidden = model.hidden.map((i): HiddenActivation => {
    const { name, out } = model.layers[i];
    return { name: blockName(name), data: outputOf(i), units: out.c, spatial: out.h * out.w };
  });
  return { passes, output: outputOf(w.nodes.length - 1), hidden };
}
