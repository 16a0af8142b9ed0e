/** The model layer: typed spec, parameter layout, Network, zoo (docs/models.md). */
export * from './spec.js';
export * from './params.js';
export * from './network.js';
export * from './zoo.js';
