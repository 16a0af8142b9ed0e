/**
 * The summary table of a model: a row per simple layer (name, what it does, output shape, parameters) and
 * the totals. It needs no buffers, so `elunet models` can show a 165-million-parameter model.
 */
import { describeLayer } from './layers/index.js';
import { type ModelLayout, layoutFor } from './params.js';
import { type ExpandedModel, type ModelSpec, expandSpec, formatDims } from './spec.js';
import { textTable } from '../table.js';

/** The summary table of an expanded model. */
export function summarize(model: ExpandedModel, layout: ModelLayout = layoutFor(model.layers)): string {
  const [c, h, w] = model.spec.input;
  const rows: string[][] = [['input', '', formatDims({ c, h, w }), '']];
  model.layers.forEach((l, i) => {
    const count = layout.layerParams[i].reduce((a, k) => a + layout.params[k].size, 0);
    rows.push([l.name, describeLayer(l), formatDims(l.out), count ? count.toLocaleString('en-US') : '']);
  });
  // counts with thousands separators are right-aligned by hand: the table's number test does not read '18,496'
  const table = textTable(['layer', 'op', 'output', 'params'], rows, { align: ['left', 'left', 'left', 'right'], solidRule: true });
  const rule = table.split('\n')[1];
  const state = layout.stateCount ? ` (+ ${layout.stateCount.toLocaleString('en-US')} BN running statistics)` : '';
  return [
    `${model.spec.name}: ${model.spec.activation.name}, init ${model.spec.init}, loss ${model.spec.loss}`,
    table,
    rule,
    `total parameters: ${layout.paramCount.toLocaleString('en-US')}${state}`,
  ].join('\n');
}

/** The summary of a spec without building it (no buffers: fine for a 165-million-parameter model). */
export function summarizeSpec(spec: ModelSpec): string {
  return summarize(expandSpec(spec));
}
