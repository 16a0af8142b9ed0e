/** `elunet export RUN --pytorch DIR` and `elunet import FILE --from DIR --out RUN`: the way to PyTorch and back. */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { ElunetError } from '../errors.js';
import { writePytorchExport } from '../export/pytorch.js';
import { importPytorch } from '../export/import.js';
import { TRAIN_DEFAULTS, type TrainOptions } from '../run/setup.js';
import { loadRun } from '../run/load-run.js';

export function exportCommand(runDir: string, opts: { pytorch?: string }): void {
  if (!opts.pytorch) throw new ElunetError('export: say where to write the model, e.g. --pytorch exported/ (PyTorch is the only format)');
  const run = loadRun(runDir, 1);
  const files = writePytorchExport(opts.pytorch, {
    spec: run.spec,
    layout: run.net.layout,
    params: run.net.params,
    stateLayout: run.net.stateLayout,
    state: run.net.state,
    meta: run.meta,
    source: runDir,
  });
  console.log(`wrote ${files.join(', ')}`);
  console.log(`in PyTorch: see ${join(opts.pytorch, 'README.txt')}`);
}

/** The `elunet train` flags that rebuild a run with these options (those that differ from the defaults). */
export function trainFlags(options: Partial<TrainOptions>): string[] {
  const flags: string[] = [];
  const defaults = TRAIN_DEFAULTS as unknown as Record<string, unknown>;
  const skip = new Set(['out', 'resume', 'workers', 'quiet']);
  for (const [key, value] of Object.entries(options)) {
    if (skip.has(key) || value === undefined || value === null || value === defaults[key]) continue;
    if (key === 'dataSeed' && value === 0) continue;
    const flag = '--' + key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
    if (value === true) flags.push(flag);
    else if (value === false) flags.push(key === 'dropout' ? '--no-dropout' : '');
    else flags.push(flag, /^[\w.:@,+/{}-]+$/.test(String(value)) ? String(value) : `'${String(value)}'`);
  }
  return flags.filter(Boolean);
}

export function importCommand(file: string, opts: { from: string; out: string; force?: boolean }): void {
  if (existsSync(opts.out) && readdirSync(opts.out).length > 0) {
    if (!opts.force) throw new ElunetError(`run folder ${opts.out} already exists; pass --force to overwrite it, or another --out`);
    rmSync(opts.out, { recursive: true, force: true });
  }
  const r = importPytorch(file, opts.from, opts.out);
  if (r.renamed.length > 0) console.log(`renamed PyTorch names: ${r.renamed.join(', ')}`);
  console.log(`imported ${file} (${r.net.spec.name}, ${r.net.paramCount.toLocaleString('en-US')} parameters) into ${opts.out}`);
  console.log(`evaluate: elunet eval ${opts.out}`);
  console.log(`fine-tune: elunet train --resume --out ${opts.out}`);
  const flags = trainFlags(r.options).join(' ');
  console.log(
    Object.keys(r.options).length > 0
      ? `  (it trains with the original run's options, kept in its checkpoint${flags ? `: ${flags}` : ''}; a flag such as --epochs or --lr changes one)`
      : `  (the original run recorded no training options: give all of its flags, --model, --width, --data, …)`,
  );
}

/** Registers `export` and `import` on the program (one line in cli.ts). */
export function addExportCommands(program: Command): void {
  program
    .command('export')
    .description("write a run's network for PyTorch: model.py (a torch.nn.Module with elunet's tensor names), weights, README.txt")
    .argument('<run>', 'run folder')
    .option('--pytorch <dir>', 'folder to write model.py, model.safetensors, preprocess.safetensors, elunet.json and README.txt into')
    .action(exportCommand);

  program
    .command('import')
    .description('make a run folder from a state dict saved in PyTorch (from the model.py of elunet export), to evaluate or fine-tune')
    .argument('<file>', 'safetensors file, e.g. written by save_safetensors(net.state_dict(), path) of model.py')
    .requiredOption('--from <dir>', "the folder written by 'elunet export', or the run folder it was exported from")
    .requiredOption('-o, --out <dir>', 'the new run folder')
    .option('--force', 'overwrite an existing run folder')
    .action(importCommand);
}
