/** `elunet train`: one training run into a run folder, then its charts (src/run/train.ts). */
import type { TrainOptions } from '../run/setup.js';
import { trainRun } from '../run/train.js';

export async function trainCommand(opts: Omit<TrainOptions, 'kernels'> & { kernels?: string; out?: string; force?: boolean }): Promise<void> {
  await trainRun(opts, (line) => console.log(line));
}
