/**
 * The layer table: every layer kind and its implementation (layer.ts describes the interface).
 *
 * `Layer` is the union of the layer records, `LAYERS` maps each kind to its implementation. LAYERS is typed
 * as a mapped type over the kinds, so a kind in the union without an implementation, an implementation whose
 * record has another kind, or one more implementation than kinds does not compile; and no cast is needed
 * where a kind meets its record (implOf below). `LayerSpec`, the entries a model spec may write, is derived
 * from the same table: each implementation with a `spec` part adds its entry type.
 *
 * Adding a layer kind touches two places: its file in this folder, and this file (its import, its record in
 * the Layer union, its object in `impls`). docs/architecture.md, "How to add a layer kind".
 */
import { type ActLayer, act } from './act.js';
import { type AlphaDropoutLayer, alphaDropout } from './alpha-dropout.js';
import { type BatchNormLayer, batchNorm } from './batchnorm.js';
import { type CenterLayer, center } from './center.js';
import { type ConvLayer, conv } from './conv.js';
import { type DenseLayer, dense } from './dense.js';
import { type DropoutLayer, dropout } from './dropout.js';
import { type FlattenLayer, flatten } from './flatten.js';
import { type GapLayer, gap } from './gap.js';
import type { LayerFields, LayerImpl, SpecPart } from './layer.js';
import { type PoolLayer, pool } from './pool.js';
import { type PreluLayer, prelu } from './prelu.js';
import { type SppLayer, spp } from './spp.js';

/** A simple layer: one kernel (or a renaming) with known input and output dims. A new kind's record goes here… */
export type Layer =
  | ConvLayer
  | DenseLayer
  | BatchNormLayer
  | CenterLayer
  | ActLayer
  | PreluLayer
  | PoolLayer
  | SppLayer
  | GapLayer
  | FlattenLayer
  | DropoutLayer
  | AlphaDropoutLayer;

export type LayerKind = Layer['kind'];
export type LayerOf<K extends LayerKind> = Extract<Layer, { kind: K }>;
/** What a spec entry's expansion passes to Expansion.add: a layer record without its place. */
export type LayerInit = { [K in LayerKind]: LayerFields<LayerOf<K>> }[LayerKind];

/** …and its implementation here. This order is that of the spec entry types in messages. */
const impls = {
  conv, dense, bn: batchNorm, center, act, prelu, pool, spp, gap, flatten, dropout, 'alpha-dropout': alphaDropout,
} satisfies Record<LayerKind, unknown>; // exactly the kinds of the union, no more

type SpecOf<I> = I extends LayerImpl<infer _L, infer S> ? S : never;
type ImplOf<K extends LayerKind> = LayerImpl<LayerOf<K>, SpecOf<(typeof impls)[K]>>;

/** kind → implementation. */
export const LAYERS: { readonly [K in LayerKind]: ImplOf<K> } = impls;

/** An entry of a model spec's `layers`: { type: 'conv', … } | { type: 'dense', … } | … */
export type LayerSpec = { [K in LayerKind]: SpecOf<(typeof impls)[K]> }[LayerKind];

/** The implementation of one kind. With `implOf(l.kind).describe(l)` the kind and the record stay matched. */
export function implOf<K extends LayerKind>(kind: K): ImplOf<K> {
  return LAYERS[kind];
}

/** The spec parts, in table order: who expands which entry type. */
export const SPEC_PARTS: SpecPart<LayerSpec>[] = Object.values(LAYERS).flatMap((impl) => (impl.spec ? [impl.spec] : []));

/** What a simple layer does, in a few words: 'conv 3×3/1 pad 1,1,1,1', 'elu α=1', 'maxpool 2×2/2'. */
export function describeLayer(l: Layer): string {
  return implOf(l.kind).describe(l);
}
