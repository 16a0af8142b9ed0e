/** `elunet compare`: the same training once per activation, side by side (src/run/compare.ts). */
import type { TrainOptions } from '../run/setup.js';
import { compareRuns } from '../run/compare.js';

export async function compareCommand(opts: Omit<TrainOptions, 'kernels'> & { kernels?: string; activations: string; out: string }): Promise<void> {
  await compareRuns(opts, (line) => console.log(line));
}
