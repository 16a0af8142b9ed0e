/**
 * Checkpoints: a folder with three files, the index last.
 *
 *   model.safetensors      the parameters and the non-trained state (batch-norm running mean / variance),
 *                          one tensor per layout entry, named as in the layout ('conv1.weight',
 *                          'bn1.running_mean'), so safetensors.torch.load_file() reads it directly
 *   optimizer.safetensors  the optimizer's state buffers split the same way, named '<param>.<state>'
 *                          ('conv1.weight.momentum_buffer', 'fc.bias.exp_avg_sq', …); absent if none
 *   checkpoint.json        the commit marker: format and version, the byte size and SHA-256 of each file
 *                          above, both layouts (name, shape, offset), the optimizer's kind, step count and
 *                          hyper-parameters, and `meta`, any JSON the caller wants kept (model spec,
 *                          preprocessing statistics, step, epoch, seed, schedule, metrics so far)
 *
 * How a save survives a crash. The new set is written, file by file (each fsynced), into a sibling staging
 * folder `<dir>.new-<pid>-<n>`; then the old folder is renamed away to `<dir>.old-<pid>-<n>`, the staging
 * folder renamed to `<dir>`, and the old one deleted. A crash while writing leaves `<dir>` untouched; only a
 * crash in the instant between the two renames leaves no `<dir>`, and then both complete sets exist beside
 * it (loadCheckpoint's error names them). `<dir>` must therefore hold nothing but the checkpoint: if it
 * holds other files, they are left alone and the three files are instead renamed into it one by one, index
 * last. In that mode an interrupted save leaves an index that no longer matches the new model file; the
 * index's sizes and SHA-256 sums reveal it, and loadCheckpoint refuses the mixed set with a DataError instead
 * of resuming from weights of one step and momentum of another.
 *
 * What a resume does with the debris of a crash (recoverCheckpoint): a cut between the two renames left the
 * pair `<dir>.old-T` and `<dir>.new-T` of one save T and no `<dir>`; the new set is complete (its index is
 * written last), so it becomes `<dir>`. A cut while writing left a staging folder beside an intact `<dir>`;
 * it is deleted, and the resume starts from `<dir>`. The crash tests (test/resume-kill.test.ts) kill a
 * training at both moments with ELUNET_KILL_IN_SAVE (see killPoint below).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { DataError, ShapeError } from '../errors.js';
import { checkLayout, type LayoutEntry, type Optimizer, type OptimizerStateTensor } from '../optim/optimizer.js';
import { syncDir, writeFileAtomic } from './atomic.js';
import { decodeSafetensors, safetensorsChunks, type NamedTensor } from './safetensors.js';

export const MODEL_FILE = 'model.safetensors';
export const OPTIMIZER_FILE = 'optimizer.safetensors';
export const INDEX_FILE = 'checkpoint.json';
export const CHECKPOINT_FORMAT = 'elunet-checkpoint';
export const CHECKPOINT_VERSION = 1;

/** The optimizer's part of a checkpoint; `tensors` are flat buffers in the parameters' layout. */
export interface OptimizerSnapshot {
  kind: string;
  stepCount: number;
  config: Record<string, unknown>;
  tensors: OptimizerStateTensor[];
}

export interface Checkpoint {
  layout: LayoutEntry[];
  params: Float32Array;
  /** non-trained state such as batch-norm running statistics (may be empty) */
  stateLayout: LayoutEntry[];
  state: Float32Array;
  optimizer?: OptimizerSnapshot;
  /** any JSON value */
  meta: unknown;
}

interface FileRecord {
  bytes: number;
  sha256: string;
}

/** checkpoint.json */
export interface CheckpointIndex {
  format: string;
  version: number;
  files: Record<string, FileRecord>;
  params: { name: string; shape: number[]; offset: number }[];
  state: { name: string; shape: number[]; offset: number }[];
  optimizer: { kind: string; stepCount: number; config: Record<string, unknown>; state: string[] } | null;
  meta: unknown;
}

/** The optimizer's state as a snapshot (views, not copies: save it before the next step). */
export function optimizerSnapshot(opt: Optimizer): OptimizerSnapshot {
  return { kind: opt.kind, stepCount: opt.stepCount, config: opt.config(), tensors: opt.state() };
}

function checkBuffer(what: string, layout: readonly LayoutEntry[], data: Float32Array): void {
  const n = checkLayout(what, layout);
  if (data.length !== n) {
    throw new ShapeError(`saveCheckpoint: ${what} holds ${data.length} floats but its layout spans ${n}`);
  }
}

/** Slices a flat buffer into one named tensor per layout entry (views, no copies). */
function split(layout: readonly LayoutEntry[], data: Float32Array, suffix = ''): NamedTensor[] {
  return layout.map((e) => ({ name: e.name + suffix, shape: e.shape, data: data.subarray(e.offset, e.offset + e.size) }));
}

/** Writes a safetensors file atomically while hashing it; returns its size and SHA-256. */
function writeHashed(path: string, tensors: NamedTensor[], metadata: Record<string, string>): FileRecord {
  const hash = createHash('sha256');
  function* chunks(): Generator<Uint8Array> {
    for (const c of safetensorsChunks(tensors, metadata)) {
      hash.update(c);
      yield c;
    }
  }
  const bytes = writeFileAtomic(path, chunks());
  return { bytes, sha256: hash.digest('hex') };
}

let saveCounter = 0;

/**
 * Fault injection for the crash tests: ELUNET_KILL_IN_SAVE='<k>:staged' or '<k>:swapped' makes this process
 * SIGKILL itself in its k-th save (counting from 1), after the staging folder is complete ('staged') or
 * between the two renames ('swapped'), the two moments a power cut can hit. Unset in normal use.
 */
const KILL_IN_SAVE = /^(\d+):(staged|swapped)$/.exec(process.env.ELUNET_KILL_IN_SAVE ?? '');
let savesStarted = 0;
function killPoint(save: number, point: 'staged' | 'swapped'): void {
  if (KILL_IN_SAVE && Number(KILL_IN_SAVE[1]) === save && KILL_IN_SAVE[2] === point) process.kill(process.pid, 'SIGKILL');
}

/** Files a checkpoint folder may hold; a folder with anything else is not swapped as a whole. */
function isCheckpointFile(f: string): boolean {
  return [MODEL_FILE, OPTIMIZER_FILE, INDEX_FILE].some((name) => f === name || f.startsWith(name + '.tmp-'));
}

/**
 * Saves a checkpoint as the folder `dir` (see the file header): model.safetensors, optimizer.safetensors
 * (when `ck.optimizer` is given), then checkpoint.json. Returns the index that was written.
 */
export function saveCheckpoint(dir: string, ck: Checkpoint): CheckpointIndex {
  checkBuffer('params', ck.layout, ck.params);
  checkBuffer('state', ck.stateLayout, ck.state);
  const names = new Set<string>();
  for (const e of [...ck.layout, ...ck.stateLayout]) {
    if (names.has(e.name)) throw new ShapeError(`saveCheckpoint: tensor name '${e.name}' appears twice in the layouts`);
    names.add(e.name);
  }
  for (const t of ck.optimizer?.tensors ?? []) {
    if (t.data.length !== ck.params.length) {
      throw new ShapeError(
        `saveCheckpoint: optimizer state '${t.name}' holds ${t.data.length} floats; it must have one per parameter (${ck.params.length})`,
      );
    }
  }
  const target = resolve(dir);
  const parent = dirname(target);
  mkdirSync(parent, { recursive: true });
  const save = ++savesStarted;
  const tag = `${process.pid}-${saveCounter++}`;
  const stage = `${target}.new-${tag}`;
  mkdirSync(stage);
  let index: CheckpointIndex;
  try {
    index = writeSet(stage, ck);
  } catch (e) {
    rmSync(stage, { recursive: true, force: true });
    throw e;
  }

  killPoint(save, 'staged');
  if (!existsSync(target)) {
    renameSync(stage, target);
  } else if (readdirSync(target).every(isCheckpointFile)) {
    const old = `${target}.old-${tag}`;
    renameSync(target, old);
    killPoint(save, 'swapped');
    renameSync(stage, target);
    rmSync(old, { recursive: true, force: true });
  } else {
    // the folder holds other files too: replace ours inside it, the index last
    for (const f of [MODEL_FILE, OPTIMIZER_FILE, INDEX_FILE]) {
      if (existsSync(join(stage, f))) renameSync(join(stage, f), join(target, f));
    }
    rmSync(stage, { recursive: true, force: true });
    syncDir(target);
  }
  syncDir(parent);
  return index;
}

/** Writes the three files into the (new, empty) folder `dir`, the index last. */
function writeSet(dir: string, ck: Checkpoint): CheckpointIndex {
  const files: Record<string, FileRecord> = {};
  files[MODEL_FILE] = writeHashed(
    join(dir, MODEL_FILE),
    [...split(ck.layout, ck.params), ...split(ck.stateLayout, ck.state)],
    { format: 'pt', producer: 'elunet' },
  );

  let optimizer: CheckpointIndex['optimizer'] = null;
  if (ck.optimizer) {
    const o = ck.optimizer;
    const tensors = o.tensors.flatMap((t) => split(ck.layout, t.data, '.' + t.name));
    files[OPTIMIZER_FILE] = writeHashed(join(dir, OPTIMIZER_FILE), tensors, { producer: 'elunet', optimizer: o.kind });
    optimizer = { kind: o.kind, stepCount: o.stepCount, config: o.config, state: o.tensors.map((t) => t.name) };
  }

  const strip = (l: readonly LayoutEntry[]) => l.map((e) => ({ name: e.name, shape: [...e.shape], offset: e.offset }));
  const index: CheckpointIndex = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    files,
    params: strip(ck.layout),
    state: strip(ck.stateLayout),
    optimizer,
    meta: ck.meta ?? null,
  };
  writeFileAtomic(join(dir, INDEX_FILE), formatIndex(index));
  return index;
}

/** Pretty JSON, but with arrays of numbers (shapes, metric series) kept on one line. */
function formatIndex(index: CheckpointIndex): string {
  return JSON.stringify(index, null, 2).replace(/\[\s+(-?[\d.eE+-]+(?:,\s+-?[\d.eE+-]+)*)\s+\]/g, (_, body: string) => `[${body.replace(/\s+/g, ' ')}]`) + '\n';
}

/** Reads and checks checkpoint.json only (no tensors): for listing or inspecting runs. */
export function readCheckpointIndex(dir: string): CheckpointIndex {
  const path = join(dir, INDEX_FILE);
  if (!existsSync(path)) {
    throw new DataError(`${dir}: no ${INDEX_FILE} found; expected a checkpoint folder written by elunet${strandedHint(dir)}`);
  }
  let index: CheckpointIndex;
  try {
    index = JSON.parse(readFileSync(path, 'utf8')) as CheckpointIndex;
  } catch (e) {
    throw new DataError(`${path}: expected JSON, found text that does not parse (${(e as Error).message})`);
  }
  if (index?.format !== CHECKPOINT_FORMAT || index.version !== CHECKPOINT_VERSION) {
    throw new DataError(
      `${path}: expected format '${CHECKPOINT_FORMAT}' version ${CHECKPOINT_VERSION}, found format ` +
        `${JSON.stringify(index?.format)} version ${JSON.stringify(index?.version)}`,
    );
  }
  if (typeof index.files !== 'object' || !index.files?.[MODEL_FILE] || !Array.isArray(index.params) || !Array.isArray(index.state)) {
    throw new DataError(`${path}: expected the fields files (with ${MODEL_FILE}), params and state; the index is incomplete`);
  }
  return index;
}

/**
 * True when `dir` holds a checkpoint, or when a save was cut off between its two folder renames and left
 * complete sets beside it (then loadCheckpoint throws, explaining which folder to rename). A resume should
 * test this rather than the index file alone, so that it never silently starts over.
 */
export function checkpointExists(dir: string): boolean {
  return existsSync(join(dir, INDEX_FILE)) || strandedHint(dir) !== '';
}

/** The staging (`.new-`) and swapped-out (`.old-`) folders of interrupted saves beside `dir`, by their save tag. */
function saveDebris(dir: string): { path: string; kind: 'new' | 'old'; tag: string }[] {
  const target = resolve(dir);
  const base = basename(target);
  let names: string[] = [];
  try {
    names = readdirSync(dirname(target));
  } catch {
    return [];
  }
  return names.flatMap((f) => {
    const m = f.startsWith(base + '.') ? /^\.(new|old)-(.+)$/.exec(f.slice(base.length)) : null;
    return m ? [{ path: join(dirname(target), f), kind: m[1] as 'new' | 'old', tag: m[2] }] : [];
  });
}

/**
 * Before a resume: puts `dir` back in order after a save that a crash interrupted (see the file header) and
 * returns one line per thing it did (nothing when there was nothing to do). With no `dir`, the complete
 * staging set of the save that was cut off takes its place (between the renames; or the first save of a run,
 * before its one rename); with more than one such set it cannot tell which is newer and leaves them for the
 * user (loadCheckpoint's error names them). Then leftover staging and swapped-out folders are deleted.
 */
export function recoverCheckpoint(dir: string): string[] {
  const debris = saveDebris(dir);
  if (debris.length === 0) return [];
  const done: string[] = [];
  if (!existsSync(join(dir, INDEX_FILE))) {
    const complete = debris.filter((d) => d.kind === 'new' && existsSync(join(d.path, INDEX_FILE)));
    if (complete.length !== 1 || existsSync(dir)) return [];
    const cut = complete[0];
    loadCheckpoint(cut.path); // verifies every file against the index before it becomes the checkpoint
    renameSync(cut.path, resolve(dir));
    syncDir(dirname(resolve(dir)));
    done.push(`a save was cut off before its last rename; its complete set ${cut.path} is now ${dir}`);
  }
  for (const d of saveDebris(dir)) {
    rmSync(d.path, { recursive: true, force: true });
    done.push(`removed ${d.path}, left by an interrupted save`);
  }
  return done;
}

/** If a save was cut off between its two renames, names the complete sets left beside `dir`. */
function strandedHint(dir: string): string {
  const target = resolve(dir);
  const base = basename(target);
  let siblings: string[] = [];
  try {
    siblings = readdirSync(dirname(target)).filter(
      (f) => (f.startsWith(base + '.old-') || f.startsWith(base + '.new-')) && existsSync(join(dirname(target), f, INDEX_FILE)),
    );
  } catch {
    // no parent folder: nothing to suggest
  }
  if (siblings.length === 0) return '';
  return ` (a save was interrupted; complete checkpoints were left in ${siblings.map((f) => join(dirname(target), f)).join(' and ')}: ` +
    `rename the .new- one, or else the .old- one, to ${base})`;
}

/** Reads one file of the set and checks it against the index's size and SHA-256. */
function readChecked(dir: string, file: string, rec: FileRecord): Uint8Array {
  const path = join(dir, file);
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch {
    throw new DataError(`${path}: missing; ${INDEX_FILE} lists it as part of the checkpoint (${rec.bytes} bytes)`);
  }
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (bytes.length !== rec.bytes || sha !== rec.sha256) {
    throw new DataError(
      `${path}: does not match ${INDEX_FILE}: expected ${rec.bytes} bytes with SHA-256 ${rec.sha256.slice(0, 12)}…, found ` +
        `${bytes.length} bytes with SHA-256 ${sha.slice(0, 12)}… (the save was interrupted, or a file was replaced; ` +
        `use an earlier checkpoint)`,
    );
  }
  return bytes;
}

function toLayout(entries: CheckpointIndex['params']): LayoutEntry[] {
  return entries.map((e) => ({ name: e.name, shape: e.shape, offset: e.offset, size: e.shape.reduce((p, d) => p * d, 1) }));
}

/**
 * Copies the tensors named by `layout` (plus `suffix`) out of `tensors` into a flat buffer laid out by
 * `layout`. Every entry must be present with its exact shape; `what` and `file` name things in errors.
 */
function gather(file: string, what: string, layout: readonly LayoutEntry[], byName: Map<string, NamedTensor>, suffix = ''): Float32Array {
  const out = new Float32Array(checkLayout(what, layout));
  for (const e of layout) {
    const t = byName.get(e.name + suffix);
    if (!t) {
      throw new ShapeError(
        `${file}: the model expects a tensor '${e.name + suffix}' of shape [${e.shape.join(', ')}], but the checkpoint has none ` +
          `(was it saved from a different model?)`,
      );
    }
    if (t.shape.length !== e.shape.length || t.shape.some((d, k) => d !== e.shape[k])) {
      throw new ShapeError(
        `${file}: tensor '${t.name}' has shape [${t.shape.join(', ')}] in the checkpoint but the model expects ` +
          `[${e.shape.join(', ')}] (was it saved from a different model or width?)`,
      );
    }
    out.set(t.data, e.offset);
    byName.delete(t.name);
  }
  return out;
}

function leftovers(file: string, byName: Map<string, NamedTensor>): void {
  if (byName.size > 0) {
    const names = [...byName.keys()];
    throw new ShapeError(
      `${file}: the checkpoint has tensors the model does not: ${names.slice(0, 5).map((n) => `'${n}'`).join(', ')}` +
        `${names.length > 5 ? ` and ${names.length - 5} more` : ''} (was it saved from a different model?)`,
    );
  }
}

/**
 * Loads and validates a checkpoint. With `expect` (the model being restored), tensors are matched by name
 * and shape against the model's layouts and placed at the model's offsets; without it, the layouts
 * recorded in checkpoint.json are used. Throws DataError for missing or corrupt files and ShapeError when
 * the checkpoint does not fit the model (naming the tensor and both shapes).
 */
export function loadCheckpoint(dir: string, expect: { layout?: LayoutEntry[]; stateLayout?: LayoutEntry[] } = {}): Checkpoint {
  const index = readCheckpointIndex(dir);
  const modelPath = join(dir, MODEL_FILE);
  const model = decodeSafetensors(readChecked(dir, MODEL_FILE, index.files[MODEL_FILE]), modelPath);
  const layout = expect.layout ?? toLayout(index.params);
  const stateLayout = expect.stateLayout ?? toLayout(index.state);
  const byName = new Map(model.tensors.map((t) => [t.name, t]));
  const params = gather(modelPath, 'params', layout, byName);
  const state = gather(modelPath, 'state', stateLayout, byName);
  leftovers(modelPath, byName);

  let optimizer: OptimizerSnapshot | undefined;
  if (index.optimizer) {
    const rec = index.files[OPTIMIZER_FILE];
    const optPath = join(dir, OPTIMIZER_FILE);
    if (!rec) throw new DataError(`${join(dir, INDEX_FILE)}: names optimizer state but lists no ${OPTIMIZER_FILE}`);
    const opt = decodeSafetensors(readChecked(dir, OPTIMIZER_FILE, rec), optPath);
    const optByName = new Map(opt.tensors.map((t) => [t.name, t]));
    const tensors = index.optimizer.state.map((name) => ({ name, data: gather(optPath, 'optimizer state', layout, optByName, '.' + name) }));
    leftovers(optPath, optByName);
    optimizer = { kind: index.optimizer.kind, stepCount: index.optimizer.stepCount, config: index.optimizer.config, tensors };
  }
  return { layout, params, stateLayout, state, optimizer, meta: index.meta };
}
