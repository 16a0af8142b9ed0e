/** `elunet models`: the zoo with parameter counts (and one model's layer table). */
import { ElunetError } from '../errors.js';
import { parseActivation } from '../kernels/activation.js';
import { models } from '../model/zoo.js';
import { summarizeSpec } from '../model/network.js';
import { expandSpec } from '../model/spec.js';
import { paramCountOf } from '../model/params.js';
import { textTable } from '../table.js';

export function modelsCommand(opts: { width: number; activation: string; summary?: string }): void {
  const activation = parseActivation(opts.activation);
  if (opts.summary) {
    const entry = models[opts.summary];
    if (!entry) throw new ElunetError(`--summary: unknown model '${opts.summary}'; expected one of: ${Object.keys(models).join(', ')}`);
    console.log(summarizeSpec(entry.build({ activation, width: opts.width })));
    return;
  }
  const rows: string[][] = [];
  for (const [name, entry] of Object.entries(models)) {
    const spec = entry.build({ activation, width: opts.width });
    const count = paramCountOf(expandSpec(spec).layers); // counted from the layout, no buffers allocated
    rows.push([name, spec.input.join('×'), count.toLocaleString('en-US'), entry.description]);
  }
  console.log(textTable(['model', 'input', 'parameters', 'description'], rows, { align: ['left', 'left', 'right', 'left'] }));
  console.log(`\nwidth factor ${opts.width}; 'elunet models --summary <name>' prints a model's layers; docs/models.md explains each.`);
}
