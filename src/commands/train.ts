/** `elunet train`: one training run into a run folder, then its charts (src/run/train.ts). */
import type { Command } from 'commander';
import type { TrainOptions } from '../run/setup.js';
import { trainRun } from '../run/train.js';
import type { KernelsName } from '../simd/index.js';

export async function trainCommand(opts: Omit<TrainOptions, 'kernels'> & { kernels?: KernelsName; out?: string; force?: boolean },
                                   cmd: Command): Promise<void> {
  // on --resume, only the options typed on the command line override the run's saved ones
  const typed = new Set(Object.keys(opts).filter((k) => cmd.getOptionValueSource(k) === 'cli'));
  await trainRun(opts, (line) => console.log(line), typed);
}
