/** `elunet models`: the zoo with parameter counts (and one model's layer table). */
import { ElunetError } from '../errors.js';
import { parseActivation } from '../kernels/activation.js';
import { models } from '../model/zoo.js';
import { summarizeSpec } from '../model/network.js';
import { expandSpec } from '../model/spec.js';
import { paramCountOf } from '../model/params.js';

export function modelsCommand(opts: { width: number; activation: string; summary?: string }): void {
  const activation = parseActivation(opts.activation);
  if (opts.summary) {
    const entry = models[opts.summary];
    if (!entry) throw new ElunetError(`--summary: unknown model '${opts.summary}'; expected one of: ${Object.keys(models).join(', ')}`);
    console.log(summarizeSpec(entry.build({ activation, width: opts.width })));
    return;
  }
  const rows: string[][] = [['model', 'input', 'parameters', 'description']];
  for (const [name, entry] of Object.entries(models)) {
    const spec = entry.build({ activation, width: opts.width });
    const count = paramCountOf(expandSpec(spec).layers); // counted from the layout, no buffers allocated
    rows.push([name, spec.input.join('×'), count.toLocaleString('en-US'), entry.description]);
  }
  const w = rows[0].map((_, j) => Math.max(...rows.map((r) => r[j].length)));
  for (const [i, r] of rows.entries()) {
    console.log(r.map((c, j) => (j === 2 ? c.padStart(w[j]) : c.padEnd(w[j]))).join('  ').trimEnd());
    if (i === 0) console.log(w.map((n) => '-'.repeat(n)).join('  '));
  }
  console.log(`\nwidth factor ${opts.width}; 'elunet models --summary <name>' prints a model's layers; docs/models.md explains each.`);
}
