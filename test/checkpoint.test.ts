/**
 * safetensors files, atomic writes and checkpoints.
 *
 * - the exact bytes of a tiny file (what any safetensors reader, e.g. Python's safetensors.torch, expects);
 * - round trips, including scalars and empty tensors;
 * - every kind of corruption (truncation, bad header length, bad JSON, offsets out of range, gaps, overlaps,
 *   wrong dtype, shape/size mismatch) gives a DataError naming the file, and fuzzed files never give any
 *   other error;
 * - an atomic write that fails midway leaves the old file untouched and no temporary file behind;
 * - a checkpoint saves and loads params, BN state, optimizer state and meta; resuming from it continues a run
 *   bit-identically; a mixed set of files or a different model is refused with the tensor and both shapes.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';

import { fcParams, randomArray } from './util/check.js';
import { Rng } from '../src/rng.js';
import { DataError, ShapeError } from '../src/errors.js';
import { Adam, Sgd, type LayoutEntry } from '../src/optim/index.js';
import {
  decodeSafetensors,
  encodeSafetensors,
  readSafetensors,
  writeSafetensors,
  type NamedTensor,
} from '../src/io/safetensors.js';
import { writeFileAtomic } from '../src/io/atomic.js';
import {
  INDEX_FILE,
  MODEL_FILE,
  OPTIMIZER_FILE,
  checkpointExists,
  loadCheckpoint,
  optimizerSnapshot,
  recoverCheckpoint,
  saveCheckpoint,
  type Checkpoint,
} from '../src/io/checkpoint.js';

const TMP = mkdtempSync(join(tmpdir(), 'elunet-checkpoint-test-'));
after(() => rmSync(TMP, { recursive: true, force: true }));
let dirCount = 0;
const freshDir = (): string => join(TMP, `d${dirCount++}`);

const t = (name: string, shape: number[], values: number[]): NamedTensor => ({ name, shape, data: Float32Array.from(values) });

/** Replaces the header of a valid file with `json` (re-padded) and keeps its data section. */
function withHeader(json: string, data: Uint8Array): Uint8Array {
  const h = Buffer.from(json, 'utf8');
  const padded = Math.ceil(h.length / 8) * 8;
  const out = new Uint8Array(8 + padded + data.length).fill(0x20, 8, 8 + padded);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(h, 8);
  out.set(data, 8 + padded);
  return out;
}

/** Asserts that decoding throws a DataError whose message names the file and matches `re`. */
function rejects(bytes: Uint8Array, re: RegExp, label: string): void {
  assert.throws(
    () => decodeSafetensors(bytes, 'bad.safetensors'),
    (e: Error) => e instanceof DataError && e.message.startsWith('bad.safetensors: ') && re.test(e.message),
    label,
  );
}

// ---------------------------------------------------------------------------------------------------------
// safetensors
// ---------------------------------------------------------------------------------------------------------
test('safetensors: the exact bytes of a one-tensor file', () => {
  const bytes = encodeSafetensors([t('a', [2], [1, -2])]);
  const json = '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}'; // 54 bytes → padded to 56
  const expected = [
    ...[56, 0, 0, 0, 0, 0, 0, 0], // u64 little-endian header length
    ...Buffer.from(json + '  '), // JSON + 2 spaces of padding
    ...[0x00, 0x00, 0x80, 0x3f], // 1.0f, little-endian
    ...[0x00, 0x00, 0x00, 0xc0], // −2.0f
  ];
  assert.deepEqual([...bytes], expected);
});

test('safetensors: header is 8-aligned JSON with metadata; round trip keeps names, shapes, values, order', () => {
  const tensors = [
    t('conv1.weight', [2, 1, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8]),
    t('conv1.bias', [2], [0.5, -0.5]),
    t('scalar', [], [3.25]),
    t('empty', [0, 3], []),
    t('bn1.running_var', [2], [1e-30, 3.4e38]),
  ];
  const bytes = encodeSafetensors(tensors, { format: 'pt', note: 'hello' });
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  assert.equal(n % 8, 0, 'header length is a multiple of 8');
  const header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + n)).toString('utf8'));
  assert.deepEqual(header.__metadata__, { format: 'pt', note: 'hello' });
  assert.deepEqual(header['conv1.bias'], { dtype: 'F32', shape: [2], data_offsets: [32, 40] });
  assert.equal(bytes.length, 8 + n + 4 * (8 + 2 + 1 + 0 + 2));

  const back = decodeSafetensors(bytes);
  assert.deepEqual(back.metadata, { format: 'pt', note: 'hello' });
  assert.deepEqual(back.tensors.map((x) => x.name), tensors.map((x) => x.name));
  for (const [k, x] of back.tensors.entries()) {
    assert.deepEqual(x.shape, tensors[k].shape);
    assert.deepEqual(x.data, tensors[k].data);
  }
  // the same through a file, and from an unaligned buffer (Node pools small reads at odd offsets)
  const path = join(TMP, 'rt.safetensors');
  writeSafetensors(path, tensors, { format: 'pt' });
  assert.deepEqual(readSafetensors(path).tensors[0].data, tensors[0].data);
  const unaligned = new Uint8Array(bytes.length + 1).subarray(1);
  unaligned.set(bytes);
  assert.deepEqual(decodeSafetensors(unaligned).tensors[4].data, tensors[4].data);
});

test('safetensors: the writer refuses duplicate names and shape/length mismatches', () => {
  assert.throws(() => encodeSafetensors([t('a', [1], [1]), t('a', [1], [2])]), /'a' is reserved or used twice/);
  assert.throws(() => encodeSafetensors([t('a', [2, 2], [1, 2, 3])]), /shape \[2, 2\] \(4 values\) but 3 values/);
});

test('safetensors: corrupt files give a DataError naming the file, what was expected and what was found', () => {
  const good = encodeSafetensors([t('a', [2], [1, 2]), t('b', [1], [3])]);
  const data = good.subarray(good.length - 12);
  const u64 = (n: bigint, rest: Uint8Array = new Uint8Array(0)): Uint8Array => {
    const out = new Uint8Array(8 + rest.length);
    new DataView(out.buffer).setBigUint64(0, n, true);
    out.set(rest, 8);
    return out;
  };
  rejects(new Uint8Array(5), /expected at least 8 bytes.*found a file of 5 bytes/, 'shorter than the length prefix');
  rejects(good.subarray(0, good.length - 1), /the data section to end where the last tensor ends|within the/, 'truncated by one byte');
  rejects(good.subarray(0, 20), /header length of at most 12 bytes.*found \d+ \(the file is truncated/, 'truncated in the header');
  rejects(u64(2n ** 63n, good.subarray(8)), /header length of at most/, 'absurd header length');
  rejects(u64(0n, good.subarray(8)), /a JSON header of at least 2 bytes/, 'zero header length');
  rejects(withHeader('[1, 2]', data), /JSON object header starting with '\{'/, 'JSON array');
  rejects(withHeader('{"a": {"dtype": "F32",', data), /expected a JSON header, found text that does not parse/, 'bad JSON');
  rejects(withHeader('{"a":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}', data.subarray(0, 4)), /tensor 'a' is F16; elunet reads float32 \(F32\) tensors only/, 'F16');
  rejects(withHeader('{"a":{"dtype":"F33","shape":[2],"data_offsets":[0,8]}}', data.subarray(0, 8)), /a safetensors dtype \(BOOL, .*F32.*\) for tensor 'a'.*found "F33"/, 'unknown dtype');
  rejects(withHeader('{"a":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}', data.subarray(0, 8)), /tensor 'a' is I64/, 'I64 refused by default');
  // kept raw on request, its size checked with its own dtype's width (8 bytes per I64)
  const i64 = withHeader('{"a":{"dtype":"I64","shape":[2],"data_offsets":[0,8]}}', data.subarray(0, 8));
  assert.throws(() => decodeSafetensors(i64, 'bad.safetensors', { otherDtypes: 'keep' }),
    (e: Error) => e instanceof DataError && /'a' of shape \[2\] to hold 16 bytes of I64.*found data_offsets \[0, 8\] = 8 bytes/.test(e.message));
  const kept = decodeSafetensors(withHeader('{"a":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}', data.subarray(0, 8)), 'ok', { otherDtypes: 'keep' });
  assert.deepEqual([kept.tensors.length, kept.others.map((t) => [t.name, t.dtype, t.shape, [...t.bytes]])], [0, [['a', 'I64', [1], [...data.subarray(0, 8)]]]]);
  rejects(withHeader('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,16]}}', data), /'b'.*within the 12-byte data section.*found end 16/, 'offset past the end');
  rejects(withHeader('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', data), /'b' to begin at byte 8.*found begin 4/, 'overlap');
  rejects(withHeader('{"a":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}', data), /'a' to begin at byte 0.*found begin 4/, 'gap at the start');
  rejects(withHeader('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', data), /end where the last tensor ends \(byte 8\).*found 12 bytes/, 'extra bytes');
  rejects(withHeader('{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}', data), /shape \[3\] to hold 12 bytes.*found data_offsets \[0, 8\] = 8 bytes/, 'shape vs bytes');
  rejects(withHeader('{"a":{"dtype":"F32","shape":[-3],"data_offsets":[0,12]}}', data), /shape of 'a' to be a list of integers/, 'negative dim');
  rejects(withHeader('{"a":{"dtype":"F32","shape":[3],"data_offsets":[12,0]}}', data), /data_offsets of 'a' to be \[begin, end\]/, 'reversed offsets');
  rejects(withHeader('{"__metadata__":{"k":1},"a":{"dtype":"F32","shape":[3],"data_offsets":[0,12]}}', data), /__metadata__ values to be strings/, 'metadata');
  assert.throws(() => readSafetensors(join(TMP, 'nope.safetensors')), (e: Error) => e instanceof DataError && /nope\.safetensors: cannot read.*ENOENT/.test(e.message));
});

test('property: truncated or byte-flipped files decode or throw DataError, never anything else', () => {
  const rng = new Rng(3);
  const good = encodeSafetensors([
    { name: 'w', shape: [3, 4], data: randomArray(rng, 12) },
    { name: 'b', shape: [3], data: randomArray(rng, 3) },
  ], { step: '12' });
  fc.assert(
    fc.property(fc.integer({ min: 0, max: good.length - 1 }), fc.integer({ min: 0, max: good.length - 1 }), fc.integer({ min: 0, max: 255 }), (cut, at, value) => {
      for (const bytes of [good.subarray(0, cut), Uint8Array.from(good).fill(value, at, at + 1)]) {
        try {
          decodeSafetensors(bytes, 'fuzz');
        } catch (e) {
          assert.ok(e instanceof DataError, `expected DataError, got ${(e as Error).name}: ${(e as Error).message}`);
        }
      }
    }),
    fcParams(300),
  );
});

// ---------------------------------------------------------------------------------------------------------
// atomic writes
// ---------------------------------------------------------------------------------------------------------
test('writeFileAtomic: replaces the file; a write that throws midway leaves the old file and no temp file', () => {
  const path = join(TMP, 'atomic.bin');
  writeFileSync(path, 'old contents');
  assert.equal(writeFileAtomic(path, [Buffer.from('new '), Buffer.from('contents')]), 12);
  assert.equal(readFileSync(path, 'utf8'), 'new contents');

  function* crashing(): Generator<Uint8Array> {
    yield Buffer.from('half of a ');
    throw new Error('simulated crash while writing');
  }
  assert.throws(() => writeFileAtomic(path, crashing()), /simulated crash/);
  assert.equal(readFileSync(path, 'utf8'), 'new contents', 'old file intact');
  // a rename that fails (the target is a folder) also cleans up
  const folder = freshDir();
  mkdirSync(folder);
  assert.throws(() => writeFileAtomic(folder, 'data'), /EISDIR|EEXIST|ENOTEMPTY|EPERM/);
  assert.deepEqual(readdirSync(TMP).filter((f) => f.includes('.tmp-')), [], 'temporary files removed');
});

// ---------------------------------------------------------------------------------------------------------
// checkpoints
// ---------------------------------------------------------------------------------------------------------
const entry = (name: string, shape: number[], offset: number): LayoutEntry => ({ name, shape, offset, size: shape.reduce((a, b) => a * b, 1) });
const LAYOUT: LayoutEntry[] = [entry('conv1.weight', [4, 1, 3, 3], 0), entry('conv1.bias', [4], 36), entry('bn1.gamma', [4], 40), entry('bn1.beta', [4], 44), entry('fc.weight', [3, 4], 48), entry('fc.bias', [3], 60)];
const STATE_LAYOUT: LayoutEntry[] = [entry('bn1.running_mean', [4], 0), entry('bn1.running_var', [4], 4)];
const P = 63;

function sample(seed: number, optimizer: Sgd | Adam | undefined): Checkpoint {
  const rng = new Rng(seed);
  return {
    layout: LAYOUT,
    params: randomArray(rng, P),
    stateLayout: STATE_LAYOUT,
    state: randomArray(rng, 8, 0, 2),
    optimizer: optimizer && optimizerSnapshot(optimizer),
    meta: { spec: { name: 'tiny' }, step: 3, epoch: 1, seed, schedule: 'paper-cifar@1000', metrics: [{ step: 1, loss: 2.3 }] },
  };
}

test('checkpoint: save writes three files (index last, naming sizes and SHA-256); load returns the same', () => {
  const dir = freshDir();
  const opt = new Adam(LAYOUT, { weightDecay: 1e-3 });
  const rng = new Rng(11);
  const p = randomArray(rng, P);
  for (let i = 0; i < 3; i++) opt.step(p, randomArray(rng, P), 0.01);
  const ck = sample(1, opt);
  const index = saveCheckpoint(dir, ck);
  assert.deepEqual(readdirSync(dir).sort(), [INDEX_FILE, MODEL_FILE, OPTIMIZER_FILE].sort());
  assert.equal(index.files[MODEL_FILE].bytes, readFileSync(join(dir, MODEL_FILE)).length);
  assert.match(index.files[OPTIMIZER_FILE].sha256, /^[0-9a-f]{64}$/);

  // model.safetensors is a plain safetensors file with PyTorch-style names, params then BN state
  const model = readSafetensors(join(dir, MODEL_FILE));
  assert.deepEqual(model.tensors.map((x) => x.name), [...LAYOUT, ...STATE_LAYOUT].map((e) => e.name));
  assert.deepEqual(model.tensors[0].shape, [4, 1, 3, 3]);
  assert.deepEqual(readSafetensors(join(dir, OPTIMIZER_FILE)).tensors.slice(0, 2).map((x) => x.name), ['conv1.weight.exp_avg', 'conv1.bias.exp_avg']);

  for (const back of [loadCheckpoint(dir), loadCheckpoint(dir, { layout: LAYOUT, stateLayout: STATE_LAYOUT })]) {
    assert.deepEqual(back.params, ck.params);
    assert.deepEqual(back.state, ck.state);
    assert.deepEqual(back.layout.map((e) => [e.name, e.shape, e.offset, e.size]), LAYOUT.map((e) => [e.name, e.shape, e.offset, e.size]));
    assert.deepEqual(back.meta, ck.meta);
    assert.equal(back.optimizer?.kind, 'adam');
    assert.equal(back.optimizer?.stepCount, 3);
    assert.deepEqual(back.optimizer?.config, opt.config());
    assert.deepEqual(back.optimizer?.tensors.map((x) => x.name), ['exp_avg', 'exp_avg_sq']);
    assert.deepEqual(back.optimizer?.tensors[1].data, opt.state()[1].data);
  }
  // a stray temporary file from a process killed mid-save is ignored
  writeFileSync(join(dir, `${MODEL_FILE}.tmp-99999-0`), 'half');
  assert.deepEqual(loadCheckpoint(dir).params, ck.params);
  // without an optimizer: two files
  const dir2 = freshDir();
  saveCheckpoint(dir2, sample(2, undefined));
  assert.deepEqual(readdirSync(dir2).sort(), [INDEX_FILE, MODEL_FILE].sort());
  assert.equal(loadCheckpoint(dir2).optimizer, undefined);
});

test('checkpoint: resuming continues a run bit-identically (momentum buffer, step count)', () => {
  const rng = new Rng(5);
  const grads = Array.from({ length: 8 }, () => randomArray(rng, P));
  const p0 = randomArray(rng, P);
  const make = () => new Sgd(LAYOUT, { momentum: 0.9, nesterov: true, weightDecay: 5e-4, decay: 'no-bias-norm' });

  const straight = make();
  const pa = p0.slice();
  for (const g of grads) straight.step(pa, g, 0.05);

  const first = make();
  const pb = p0.slice();
  for (const g of grads.slice(0, 4)) first.step(pb, g, 0.05);
  const dir = freshDir();
  saveCheckpoint(dir, { layout: LAYOUT, params: pb, stateLayout: [], state: new Float32Array(0), optimizer: optimizerSnapshot(first), meta: null });

  const ck = loadCheckpoint(dir, { layout: LAYOUT, stateLayout: [] });
  const resumed = make();
  resumed.loadState(ck.optimizer!.tensors, ck.optimizer!.stepCount);
  for (const g of grads.slice(4)) resumed.step(ck.params, g, 0.05);
  assert.deepEqual(ck.params, pa);
  assert.equal(resumed.stepCount, 8);
});

test('checkpoint: a different model is refused naming the tensor and both shapes', () => {
  const dir = freshDir();
  saveCheckpoint(dir, sample(3, new Sgd(LAYOUT, { momentum: 0.9 })));
  const wider = LAYOUT.map((e) => (e.name === 'fc.weight' ? entry('fc.weight', [3, 5], 48) : e.name === 'fc.bias' ? entry('fc.bias', [3], 63) : e));
  assert.throws(
    () => loadCheckpoint(dir, { layout: wider, stateLayout: STATE_LAYOUT }),
    (e: Error) => e instanceof ShapeError && /tensor 'fc.weight' has shape \[3, 4\] in the checkpoint but the model expects \[3, 5\]/.test(e.message),
  );
  const extra = [...LAYOUT, entry('fc2.weight', [2, 3], 63)];
  assert.throws(() => loadCheckpoint(dir, { layout: extra, stateLayout: STATE_LAYOUT }), /expects a tensor 'fc2.weight' of shape \[2, 3\], but the checkpoint has none/);
  assert.throws(() => loadCheckpoint(dir, { layout: LAYOUT.slice(0, 4), stateLayout: STATE_LAYOUT }), /the checkpoint has tensors the model does not: 'fc.weight', 'fc.bias'/);
  assert.throws(() => loadCheckpoint(dir, { layout: LAYOUT, stateLayout: [] }), /tensors the model does not: 'bn1.running_mean', 'bn1.running_var'/);
});

test('checkpoint: a mixed set of files, a missing file or a missing index is a DataError', () => {
  const a = freshDir();
  const b = freshDir();
  saveCheckpoint(a, sample(4, new Sgd(LAYOUT, { momentum: 0.9 })));
  saveCheckpoint(b, sample(5, new Sgd(LAYOUT, { momentum: 0.9 })));
  // an interrupted save: b's model file landed in a, a's index did not get replaced
  copyFileSync(join(b, MODEL_FILE), join(a, MODEL_FILE));
  assert.throws(
    () => loadCheckpoint(a),
    (e: Error) => e instanceof DataError && /model\.safetensors: does not match checkpoint\.json: expected \d+ bytes with SHA-256 [0-9a-f]{12}…, found/.test(e.message),
  );
  unlinkSync(join(b, OPTIMIZER_FILE));
  assert.throws(() => loadCheckpoint(b), (e: Error) => e instanceof DataError && /optimizer\.safetensors: missing; checkpoint\.json lists it/.test(e.message));
  unlinkSync(join(b, INDEX_FILE));
  assert.throws(() => loadCheckpoint(b), (e: Error) => e instanceof DataError && /no checkpoint\.json found/.test(e.message));
  writeFileSync(join(b, INDEX_FILE), '{"format": "something-else"}');
  assert.throws(() => loadCheckpoint(b), /expected format 'elunet-checkpoint' version 1, found format "something-else"/);
  writeFileSync(join(b, INDEX_FILE), '{oops');
  assert.throws(() => loadCheckpoint(b), (e: Error) => e instanceof DataError && /checkpoint\.json: expected JSON/.test(e.message));
  assert.ok(!existsSync(join(TMP, 'never')));
});

test('checkpoint: a save that fails midway leaves the previous checkpoint loadable and no debris', () => {
  const dir = freshDir();
  const first = sample(7, new Sgd(LAYOUT, { momentum: 0.9 }));
  saveCheckpoint(dir, first);
  saveCheckpoint(dir, sample(8, new Sgd(LAYOUT, { momentum: 0.9 }))); // replaces the whole set
  saveCheckpoint(dir, first);
  // JSON.stringify throws on a BigInt: the failure comes after both safetensors files were written
  assert.throws(() => saveCheckpoint(dir, { ...sample(9, new Sgd(LAYOUT, { momentum: 0.9 })), meta: { step: 10n } }), /BigInt/);
  assert.deepEqual(loadCheckpoint(dir).params, first.params);
  assert.deepEqual(readdirSync(dir).sort(), [INDEX_FILE, MODEL_FILE, OPTIMIZER_FILE].sort());
  assert.deepEqual(readdirSync(TMP).filter((f) => /\.(new|old)-/.test(f)), [], 'no staging folders left');
});

test('checkpoint: a crash between the two folder renames is explained; a shared folder is updated in place', () => {
  // the moment after `dir` was renamed to dir.old-… and before dir.new-… took its place
  const dir = freshDir();
  saveCheckpoint(dir, sample(10, undefined));
  assert.ok(checkpointExists(dir));
  renameSync(dir, `${dir}.old-1-0`);
  assert.ok(checkpointExists(dir), 'a stranded set still counts, so a resume does not start over');
  assert.ok(!checkpointExists(freshDir()));
  assert.throws(
    () => loadCheckpoint(dir),
    (e: Error) => e instanceof DataError && /no checkpoint\.json found.*a save was interrupted; complete checkpoints were left in .*\.old-1-0/.test(e.message),
  );
  rmSync(`${dir}.old-1-0`, { recursive: true });

  // a folder that also holds other files is never moved away: the files are replaced inside it
  const shared = freshDir();
  mkdirSync(shared);
  writeFileSync(join(shared, 'notes.txt'), 'keep me');
  saveCheckpoint(shared, sample(11, new Adam(LAYOUT)));
  const latest = sample(12, new Adam(LAYOUT));
  saveCheckpoint(shared, latest);
  assert.equal(readFileSync(join(shared, 'notes.txt'), 'utf8'), 'keep me');
  assert.deepEqual(loadCheckpoint(shared).params, latest.params);
  assert.deepEqual(readdirSync(TMP).filter((f) => /\.(new|old)-/.test(f)), []);
});

test('checkpoint: before a resume, recoverCheckpoint puts the newer set of a save cut between its renames in place and clears debris', () => {
  const dir = freshDir();
  const older = sample(13, new Sgd(LAYOUT, { momentum: 0.9 }));
  const newer = sample(14, new Sgd(LAYOUT, { momentum: 0.9 }));
  saveCheckpoint(dir, older);
  assert.deepEqual(recoverCheckpoint(dir), [], 'nothing to do');
  // the moment between the renames of save 7-3: the old set swapped out, the complete new one staged
  saveCheckpoint(`${dir}.new-7-3`, newer);
  renameSync(dir, `${dir}.old-7-3`);
  const done = recoverCheckpoint(dir);
  assert.equal(done.length, 2, done.join('\n'));
  assert.match(done[0], /a save was cut off before its last rename; its complete set .*\.new-7-3 is now /);
  assert.match(done[1], /removed .*\.old-7-3, left by an interrupted save/);
  assert.deepEqual(loadCheckpoint(dir).params, newer.params, 'the newer set');
  assert.deepEqual(readdirSync(TMP).filter((f) => /\.(new|old)-/.test(f)), []);

  // a staging folder cut off while it was written, beside an intact checkpoint: removed, the checkpoint kept
  mkdirSync(`${dir}.new-8-0`);
  writeFileSync(join(`${dir}.new-8-0`, MODEL_FILE + '.tmp-8-0'), 'half a file');
  assert.match(recoverCheckpoint(dir).join('\n'), /removed .*\.new-8-0/);
  assert.deepEqual(loadCheckpoint(dir).params, newer.params);

  // two complete staged sets and no checkpoint: which is newer cannot be told, so both are left for the user
  const two = freshDir();
  saveCheckpoint(`${two}.new-1-0`, older);
  saveCheckpoint(`${two}.new-2-0`, newer);
  assert.deepEqual(recoverCheckpoint(two), []);
  assert.throws(() => loadCheckpoint(two), /a save was interrupted; complete checkpoints were left in/);
  for (const f of ['new-1-0', 'new-2-0']) rmSync(`${two}.${f}`, { recursive: true });
});

test('checkpoint: save refuses buffers that do not match their layouts', () => {
  const ck = sample(6, undefined);
  assert.throws(() => saveCheckpoint(freshDir(), { ...ck, params: new Float32Array(P + 1) }), /params holds 64 floats but its layout spans 63/);
  assert.throws(
    () => saveCheckpoint(freshDir(), { ...ck, optimizer: { kind: 'sgd', stepCount: 0, config: {}, tensors: [{ name: 'momentum_buffer', data: new Float32Array(5) }] } }),
    /optimizer state 'momentum_buffer' holds 5 floats; it must have one per parameter \(63\)/,
  );
  assert.throws(() => saveCheckpoint(freshDir(), { ...ck, stateLayout: [entry('conv1.bias', [4], 0), entry('x', [4], 4)] }), /'conv1.bias' appears twice/);
});
