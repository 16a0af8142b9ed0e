/** The model layer: typed spec, layer table, parameter layout, Network, zoo (docs/models.md). */
export * from './spec.js';
export * from './params.js';
export * from './network.js';
export * from './zoo.js';
export { LAYERS, implOf, type LayerOf, type LayerInit } from './layers/index.js';
export type * from './layers/layer.js';
