/**
 * The way back from PyTorch: a state dict saved from model.py (src/export/pytorch.ts) as safetensors becomes
 * an elunet run folder that `elunet eval` and `elunet predict` use, and `elunet train --resume` fine-tunes.
 *
 * The architecture and everything around it (data, preprocessing, training options) come from the run the
 * model was exported from: its export folder (elunet.json) or the run folder itself. The tensors must then
 * be exactly the model's, by name and shape. Names follow elunet's checkpoints; a state dict from plain
 * PyTorch modules is accepted too, where the names differ only as PyTorch names things. Each layer kind says
 * which in its torch piece (`torchNames`, model/layers/<kind>.ts); today:
 *
 *   'conv1.bn.weight' / 'conv1.bn.bias'   → 'conv1.bn.gamma' / 'conv1.bn.beta'   (nn.BatchNorm2d)
 *   'conv1.bn.num_batches_tracked'        → left out (elunet does not count batches; int64 in PyTorch)
 *   'conv1.act.weight'                    → 'conv1.act.slope'                     (nn.PReLU)
 *
 * Every tensor the model keeps must be float32 (F32); one of another dtype is refused by name and dtype, while
 * a tensor elunet leaves out may have any (num_batches_tracked is I64 in a state dict saved by
 * safetensors.torch.save_file).
 *
 * The new run's checkpoint is at step 0 with a fresh optimizer state of the run's optimizer (zero momentum
 * or moments, exactly what a new optimizer starts from), so a resumed training starts from these weights.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataError, ElunetError, ShapeError } from '../errors.js';
import { Network } from '../model/network.js';
import { implOf } from '../model/layers/index.js';
import type { ParamEntry } from '../model/params.js';
import type { ModelSpec } from '../model/spec.js';
import { checkpointExists, optimizerSnapshot, readCheckpointIndex, saveCheckpoint } from '../io/checkpoint.js';
import { type NamedTensor, type RawTensor, readSafetensors } from '../io/safetensors.js';
import { TRAIN_DEFAULTS, makeOptimizerFactory, type TrainOptions } from '../run/setup.js';
import { EXPORT_FORMAT, EXPORT_INFO_FILE, type ExportInfo } from './pytorch.js';

/** What a run needs besides its weights: the model spec and the checkpoint meta (options, data, preprocessing). */
export interface RunDescription {
  spec: ModelSpec;
  meta: Record<string, unknown>;
}

/** The spec and meta of an export folder (elunet.json) or of a run folder (checkpoint/checkpoint.json). */
export function readRunDescription(from: string): RunDescription {
  const info = join(from, EXPORT_INFO_FILE);
  if (existsSync(info)) {
    let json: ExportInfo;
    try {
      json = JSON.parse(readFileSync(info, 'utf8')) as ExportInfo;
    } catch (e) {
      throw new DataError(`${info}: expected JSON, found text that does not parse (${(e as Error).message})`);
    }
    if (json?.format !== EXPORT_FORMAT || !json.spec || !Array.isArray(json.spec.layers)) {
      throw new DataError(`${info}: expected an '${EXPORT_FORMAT}' description with a model spec (written by 'elunet export'), found format ${JSON.stringify(json?.format)}`);
    }
    return { spec: json.spec, meta: json.meta ?? {} };
  }
  const ckpt = join(from, 'checkpoint');
  if (checkpointExists(ckpt)) {
    const meta = readCheckpointIndex(ckpt).meta as Record<string, unknown> & { spec?: ModelSpec };
    if (!meta?.spec || !Array.isArray(meta.spec.layers)) throw new DataError(`${join(ckpt, 'checkpoint.json')}: has no model spec`);
    const { spec, training: _training, ...rest } = meta;
    return { spec, meta: rest };
  }
  throw new ElunetError(
    `--from ${from}: expected the folder written by 'elunet export' (with ${EXPORT_INFO_FILE}) or a run folder (with checkpoint/checkpoint.json); found neither`,
  );
}

/** PyTorch's names of the model's tensors where plain torch.nn modules differ from elunet: full name →
 *  elunet's full name, or null for a tensor elunet leaves out (each layer kind's torchNames). */
function pytorchAliases(net: Network): Map<string, string | null> {
  const aliases = new Map<string, string | null>();
  for (const l of net.model.layers) {
    for (const [theirs, ours] of Object.entries(implOf(l.kind).torch(l).torchNames ?? {})) {
      aliases.set(`${l.name}.${theirs}`, ours === null ? null : `${l.name}.${ours}`);
    }
  }
  return aliases;
}

/**
 * Copies the tensors of a PyTorch state dict into `net` (parameters and BN running statistics). Every
 * tensor of the model must be there with its exact shape, and nothing else; errors name the file, the
 * tensor and both shapes. `others` are the file's tensors of other dtypes than F32 (readSafetensors with
 * otherDtypes 'keep'): dropped when elunet leaves them out, refused with their dtype otherwise. Returns the
 * renamings that were applied ('conv1.bn.weight → conv1.bn.gamma').
 */
export function loadStateDictInto(net: Network, tensors: NamedTensor[], file: string, others: RawTensor[] = []): string[] {
  const expected = new Set([...net.layout, ...net.stateLayout].map((e) => e.name));
  const aliases = pytorchAliases(net);
  const unknownOthers: string[] = [];
  for (const t of others) {
    const alias = expected.has(t.name) ? undefined : aliases.get(t.name);
    if (alias === null) continue;
    const name = alias ?? t.name;
    if (expected.has(name)) {
      throw new DataError(
        `${file}: tensor '${t.name}' is ${t.dtype}, but the model (${net.spec.name}) takes '${name}' as float32 (F32); ` +
          `save the state dict in float32 (model.float() in PyTorch)`,
      );
    }
    unknownOthers.push(`'${t.name}' (${t.dtype})`);
  }
  const byName = new Map<string, NamedTensor>();
  const renamed: string[] = [];
  for (const t of tensors) {
    const alias = expected.has(t.name) ? undefined : aliases.get(t.name);
    const name = alias === undefined ? t.name : alias;
    if (name === null) continue;
    if (name !== t.name) renamed.push(`${t.name} → ${name}`);
    if (byName.has(name)) throw new ShapeError(`${file}: tensors '${byName.get(name)!.name}' and '${t.name}' both give '${name}'; keep one`);
    byName.set(name, t);
  }
  const fill = (layout: readonly ParamEntry[], buf: Float32Array): void => {
    for (const e of layout) {
      const t = byName.get(e.name);
      if (!t) {
        throw new ShapeError(
          `${file}: the model (${net.spec.name}) expects a tensor '${e.name}' of shape [${e.shape.join(', ')}], but the file has none ` +
            `(was it saved from the model.py that 'elunet export' wrote for this run?)`,
        );
      }
      if (t.shape.length !== e.shape.length || t.shape.some((d, k) => d !== e.shape[k])) {
        throw new ShapeError(`${file}: tensor '${t.name}' has shape [${t.shape.join(', ')}], the model expects [${e.shape.join(', ')}]`);
      }
      buf.set(t.data, e.offset);
      byName.delete(e.name);
    }
  };
  fill(net.layout, net.params);
  fill(net.stateLayout, net.state);
  if (byName.size > 0 || unknownOthers.length > 0) {
    const extra = [...[...byName.values()].map((t) => `'${t.name}'`), ...unknownOthers];
    throw new ShapeError(
      `${file}: tensors the model (${net.spec.name}) does not have: ${extra.slice(0, 5).join(', ')}${extra.length > 5 ? ` and ${extra.length - 5} more` : ''}`,
    );
  }
  return renamed;
}

export interface ImportResult {
  net: Network;
  renamed: string[];
  /** the options of the run the weights belong to (for the command that fine-tunes it) */
  options: Partial<TrainOptions>;
}

/**
 * Makes the run folder `out` from a PyTorch state dict `file` and the run description in `from`: a
 * checkpoint at step 0 with these weights, the run's spec, options, data and preprocessing, and a fresh
 * optimizer state.
 */
export function importPytorch(file: string, from: string, out: string): ImportResult {
  const run = readRunDescription(from);
  const { tensors, others } = readSafetensors(file, { otherDtypes: 'keep' });
  const net = new Network(run.spec, { maxBatch: 1 });
  const renamed = loadStateDictInto(net, tensors, file, others);
  const options = (run.meta.options ?? {}) as Partial<TrainOptions>;
  const opt = makeOptimizerFactory({ ...TRAIN_DEFAULTS, ...options })(net.layout);
  saveCheckpoint(join(out, 'checkpoint'), {
    layout: [...net.layout],
    params: net.params,
    stateLayout: [...net.stateLayout],
    state: net.state,
    optimizer: optimizerSnapshot(opt),
    meta: {
      ...run.meta,
      spec: run.spec,
      imported: { file, from },
      training: { step: 0, history: [], epochAcc: { loss: 0, top1: 0, steps: 0 }, elapsed: 0 },
    },
  });
  return { net, renamed, options };
}
