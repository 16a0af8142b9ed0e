/**
 * A run folder, as `elunet train --out <dir>` leaves it:
 *
 *   metrics.jsonl   one line of EpochMetrics per epoch (written by the training loop)
 *   checkpoint/     model.safetensors, optimizer.safetensors, checkpoint.json (src/io/checkpoint.ts)
 *   *.png           curves.png, samples.png, misclassified.png, filters.png (src/report/)
 *
 * Here: the default folder name, the rules for starting in a folder that is not empty, and reading a run
 * back for charts (loadRun, in ./load-run.ts, rebuilds its network).
 */
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ElunetError } from '../errors.js';
import { readMetrics } from '../train/loop.js';
import type { LabelledRun } from '../report/run-plots.js';

/** runs/<model>-<activation>-s<seed> */
export function defaultRunFolder(o: { model: string; activation: string; seed: number }): string {
  return join('runs', `${o.model}-${o.activation}-s${o.seed}`);
}

/**
 * Makes `out` ready for a training: an existing non-empty folder needs --resume (continue it, which needs a
 * checkpoint there) or --force (delete it first); anything else is refused with a message that says so.
 */
export function prepareRunFolder(out: string, o: { resume?: boolean; force?: boolean }): void {
  if (existsSync(out) && readdirSync(out).length > 0 && !o.resume) {
    if (!o.force) {
      throw new ElunetError(`run folder ${out} already exists; pass --resume to continue it, --force to overwrite it, or --out <dir> for a new one`);
    }
    rmSync(out, { recursive: true, force: true });
  }
  if (o.resume && !existsSync(join(out, 'checkpoint', 'checkpoint.json'))) {
    throw new ElunetError(`--resume: ${out} has no checkpoint (expected ${join(out, 'checkpoint', 'checkpoint.json')}); start it without --resume`);
  }
}

/** The label of a run: its activation (from the checkpoint metadata, '+BN' with batch norm before it, '+BN-after',
 *  '+centred'), else the folder name. */
export function runLabel(runDir: string): string {
  const p = join(runDir, 'checkpoint', 'checkpoint.json');
  if (existsSync(p)) {
    try {
      const j = JSON.parse(readFileSync(p, 'utf8'));
      const a = j?.meta?.options?.activation ?? j?.meta?.spec?.activation?.name;
      const norm = j?.meta?.options?.norm;
      const bn = j?.meta?.options?.batchNorm || norm === 'bn-before' ? '+BN' : norm === 'bn-after' ? '+BN-after' : norm === 'center-after' ? '+centred' : '';
      if (typeof a === 'string') return a + bn;
    } catch {
      /* fall through to the folder name */
    }
  }
  return basename(runDir);
}

/**
 * The kernels a run in `runDir` was trained with, from its checkpoint's options ('ts' for a run from before
 * the option existed); undefined when the folder has no checkpoint with options.
 */
export function recordedKernels(runDir: string): string | undefined {
  const p = join(runDir, 'checkpoint', 'checkpoint.json');
  if (!existsSync(p)) return undefined;
  try {
    const options = JSON.parse(readFileSync(p, 'utf8'))?.meta?.options;
    if (!options || typeof options !== 'object') return undefined;
    return typeof options.kernels === 'string' ? options.kernels : 'ts';
  } catch {
    return undefined; // the checkpoint reader names what is wrong with the file when it is read
  }
}

/** A run folder's label and metrics, for src/report/run-plots.ts. */
export function readRun(runDir: string): LabelledRun {
  return { label: runLabel(runDir), history: readMetrics(runDir) };
}
