/** Re-creating a trained network from a run folder's checkpoint (for eval, predict and reports). */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ElunetError } from '../errors.js';
import type { KernelSet } from '../kernels/kernel-set.js';
import { Network } from '../model/network.js';
import type { ModelSpec } from '../model/spec.js';
import { loadCheckpoint, readCheckpointIndex } from '../io/checkpoint.js';
import { validatePreprocessor, type PreprocessorState } from '../data/preprocess.js';

export interface LoadedRun {
  net: Network;
  spec: ModelSpec;
  meta: Record<string, any>;
  preprocess: PreprocessorState;
  classNames?: string[];
}

/** The run's network on `kernels` (default tsKernels), its spec, metadata and preprocessing. */
export function loadRun(runDir: string, maxBatch = 64, kernels?: KernelSet): LoadedRun {
  const dir = join(runDir, 'checkpoint');
  if (!existsSync(join(dir, 'checkpoint.json'))) {
    throw new ElunetError(`${runDir} holds no checkpoint (expected ${join(dir, 'checkpoint.json')}); pass the folder given to 'elunet train --out'`);
  }
  // the spec from the index alone; the tensors are read and verified once, against the network's layouts
  const spec = (readCheckpointIndex(dir).meta as { spec?: ModelSpec } | null)?.spec;
  if (!spec || !Array.isArray(spec.layers)) throw new ElunetError(`${join(dir, 'checkpoint.json')} has no model spec`);
  const net = new Network(spec, { maxBatch, kernels });
  const ck = loadCheckpoint(dir, { layout: [...net.layout], stateLayout: [...net.stateLayout] });
  net.params.set(ck.params);
  net.state.set(ck.state);
  const meta = ck.meta as Record<string, any>;
  const preprocess = validatePreprocessor(meta.preprocess, `${join(dir, 'checkpoint.json')} meta.preprocess`);
  return { net, spec, meta, preprocess, classNames: meta.data?.classNames };
}
