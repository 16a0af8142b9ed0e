/** `elunet experiment <name>`: re-run one of the paper's experiments (src/experiments/). */
import { ElunetError } from '../errors.js';
import { experiments } from '../experiments/index.js';

export async function experimentCommand(name: string, opts: Record<string, unknown>): Promise<void> {
  if (name === 'list') {
    for (const [k, e] of Object.entries(experiments)) console.log(`${k.padEnd(20)} ${e.description}`);
    return;
  }
  const e = experiments[name];
  if (!e) throw new ElunetError(`unknown experiment '${name}'; expected one of: ${Object.keys(experiments).join(', ')} ('elunet experiment list')`);
  await e.run(opts);
}
