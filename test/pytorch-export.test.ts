/**
 * The way to PyTorch and back (src/export/): model.py is generated from the layer list, and the same input
 * gives the same logits in elunet and in PyTorch for every model of the zoo, in both directions:
 *
 *   elunet → PyTorch   elunet's weights and batch-norm statistics, loaded with load_state_dict(strict) into
 *                      model.py's Net, eval mode: logits compared with elunet's eval-mode forward;
 *   PyTorch → elunet   a Net with PyTorch-made weights, saved with model.py's save_safetensors, read back
 *                      by elunet's importer: elunet's logits compared with PyTorch's.
 *
 * Every model runs at a small width; batch norm gets random running statistics (mean ≠ 0, variance ≠ 1), so
 * that eval mode is really tested; dropout layers are present and must be the identity in eval mode. One
 * Python process (test/torch-roundtrip.py) does the PyTorch side of all cases. The tests that need PyTorch
 * skip with one line where /usr/bin/python3 cannot import torch (Debian: apt-get install python3-torch);
 * the rest (the generated text, the importer, the export/import commands) runs everywhere.
 *
 * Tolerance, max |elunet − torch| ≤ 1e-4 · max |torch| over a case's logits: both sides compute in float32
 * but sum in different orders (elunet's blocked matmul and im2col vs PyTorch's kernels), which moves each
 * value by a few float32 ulps per layer, ~1e-6 relative after twenty layers. A wrong convention is far
 * larger: padding on the wrong side of a 2×2 kernel moves the logits by several percent (the planted case
 * below proves that this test sees it), and so would a wrong SPP bin, BN ε or dropout scaling.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { Rng } from '../src/rng.js';
import { DataError, ShapeError } from '../src/errors.js';
import { Network } from '../src/model/network.js';
import { models } from '../src/model/zoo.js';
import { expandSpec, type ModelSpec } from '../src/model/spec.js';
import { applyPreprocessorInPlace, fitPreprocessor, type PreprocessorState } from '../src/data/preprocess.js';
import { readSafetensors, writeSafetensors, type NamedTensor } from '../src/io/safetensors.js';
import { preprocessTensors, pytorchModelSource, pytorchSourceOf, writePytorchExport } from '../src/export/pytorch.js';
import { LAYERS } from '../src/model/layers/index.js';
import { importPytorch, loadStateDictInto } from '../src/export/import.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = join(ROOT, 'dist', 'src', 'cli.js');
const PYTHON = process.env.ELUNET_TEST_PYTHON ?? '/usr/bin/python3';

/** null when `PYTHON` imports torch, else the one line the skipped tests print. */
function torchMissing(): string | null {
  const r = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8', timeout: 60_000 });
  return r.status === 0 ? null : `PyTorch is not available to ${PYTHON} (apt-get install python3-torch)`;
}

/** max |a − b| / max |b|: the error relative to the size of the reference values. */
function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, 'the two sides have the same number of values');
  let err = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    err = Math.max(err, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  assert.ok(scale > 0, 'reference values are not all zero');
  return err / scale;
}

/** Gives a network non-trivial biases, BN scales, shifts and running statistics, and PReLU slopes. */
function randomizeNonWeights(net: Network, rng: Rng): void {
  for (const e of net.layout) {
    const v = net.params.subarray(e.offset, e.offset + e.size);
    for (let i = 0; i < v.length; i++) {
      if (e.name.endsWith('.bias') || e.name.endsWith('.beta')) v[i] = 0.1 * rng.normal();
      else if (e.name.endsWith('.gamma')) v[i] = 0.5 + rng.uniform();
      else if (e.name.endsWith('.slope')) v[i] = 0.5 * rng.uniform();
    }
  }
  for (const e of net.stateLayout) {
    const v = net.state.subarray(e.offset, e.offset + e.size);
    for (let i = 0; i < v.length; i++) v[i] = e.name.endsWith('.running_mean') ? 0.3 * rng.normal() : 0.5 + 1.5 * rng.uniform();
  }
}

function tensorsOf(net: Network): NamedTensor[] {
  const split = (layout: typeof net.layout, buf: Float32Array): NamedTensor[] =>
    layout.map((e) => ({ name: e.name, shape: e.shape, data: buf.subarray(e.offset, e.offset + e.size) }));
  return [...split(net.layout, net.params), ...split(net.stateLayout, net.state)];
}

// ------------------------------------------------------------------------------------------ the cases

const zoo = (name: string, o: Parameters<(typeof models)[string]['build']>[0]): ModelSpec => models[name].build(o);

/** A spec that uses what the zoo does not: strided and 'valid' convs, padded avg and max pools, SPP bins
 *  that repeat pixels (3 bins over 2 rows), PReLU after BN, a shifted-ReLU dense layer, glorot init. */
const CUSTOM: ModelSpec = {
  name: 'custom',
  input: [2, 11, 13],
  activation: { name: 'elu', alpha: 1.5 },
  init: 'glorot-uniform',
  loss: 'softmax-ce',
  layers: [
    { type: 'conv', filters: 4, size: 3, stride: 2, pad: 1 },
    { type: 'avgpool', size: 3, stride: 1, pad: 1 },
    { type: 'conv', filters: 5, size: 4, pad: 'same', activation: 'relu' },
    { type: 'maxpool', size: 3, stride: 2, pad: 1 },
    { type: 'conv', filters: 3, size: 2, pad: 'valid', batchNorm: true, activation: 'prelu' },
    { type: 'spp', levels: [1, 3] },
    { type: 'dense', units: 6, activation: 'srelu' },
    { type: 'dense', units: 4, activation: 'none' },
  ],
};

/** A dense layer feeding a conv (flat → map), a global average pool head and the mse loss. */
const CUSTOM_FLAT: ModelSpec = {
  name: 'custom-flat',
  input: [1, 6, 6],
  activation: { name: 'lrelu', slope: 0.3 },
  init: 'he-uniform',
  loss: 'mse',
  layers: [
    { type: 'dense', units: 6 },
    { type: 'conv', filters: 4, size: 1 },
    { type: 'globalavgpool' },
    { type: 'dense', units: 3, activation: 'none' },
  ],
};

interface Case {
  name: string;
  spec: ModelSpec;
  /** model.py written from a deliberately wrong layer list: the comparison must fail */
  planted?: boolean;
  /** fit this preprocessing recipe and test preprocess() of model.py too */
  preprocess?: string;
}

const CASES: Case[] = [
  { name: 'mnist-mlp relu bn dropout', spec: zoo('mnist-mlp', { activation: 'relu', width: 1 / 16, batchNorm: true, dropout: true }) },
  { name: 'mnist-mlp selu alpha-dropout', spec: zoo('mnist-mlp', { activation: 'selu', width: 1 / 16, dropout: true }) },
  { name: 'mnist-cnn elu α=0.5 bn dropout', spec: zoo('mnist-cnn', { activation: 'elu', alpha: 0.5, width: 1 / 8, batchNorm: true, dropout: true }) },
  { name: 'mnist-autoencoder lrelu bn', spec: zoo('mnist-autoencoder', { activation: 'lrelu', slope: 0.2, width: 1 / 50, batchNorm: true }) },
  { name: 'cifar-11 elu bn dropout', spec: zoo('cifar-11', { activation: 'elu', width: 1 / 32, batchNorm: true, classes: 10 }) },
  { name: 'cifar-18 srelu dropout', spec: zoo('cifar-18', { activation: 'srelu', width: 1 / 32, classes: 10 }) },
  { name: 'imagenet-15 prelu bn dropout (96×96: SPP over a 3×3 map)', spec: zoo('imagenet-15', { activation: 'prelu', width: 1 / 64, batchNorm: true, input: [3, 96, 96], classes: 10 }) },
  { name: 'custom: strides, padded pools, spp, prelu, srelu; mean+gcn+zca preprocessing', spec: CUSTOM, preprocess: 'mean,gcn:55,zca:0.1' },
  { name: 'custom: dense → conv → gap, mse', spec: CUSTOM_FLAT },
  { name: 'mnist-cnn relu center-after (4-D and 2-D centring, the init gain behind it)', spec: zoo('mnist-cnn', { activation: 'relu', width: 1 / 8, norm: 'center-after' }) },
  { name: 'mnist-mlp relu bn-after', spec: zoo('mnist-mlp', { activation: 'relu', width: 1 / 16, norm: 'bn-after' }) },
  { name: 'planted: cifar-11 with the 2×2 padding on the wrong side', spec: zoo('cifar-11', { activation: 'elu', width: 1 / 32, classes: 10 }), planted: true },
];

const N = 3;

interface Prepared {
  c: Case;
  dir: string;
  net: Network;
  x: Float32Array;
  logits: Float32Array;
  pre?: Float32Array;
}

/** Writes a case folder (model.py, model.safetensors, input.safetensors) and keeps elunet's logits. */
function prepare(c: Case, k: number, root: string): Prepared {
  const dir = join(root, `case${k}`);
  mkdirSync(dir, { recursive: true });
  const rng = new Rng(77 + k);
  const net = new Network(c.spec, { maxBatch: N });
  net.initParams(k);
  randomizeNonWeights(net, rng);
  const x = new Float32Array(N * net.inputSize).map(() => rng.normal());
  let preprocess: PreprocessorState | undefined;
  let pre: Float32Array | undefined;
  if (c.preprocess) {
    const [ch, h, w] = c.spec.input;
    const train = { name: 'random/train', images: new Float32Array(400 * ch * h * w).map(() => rng.uniform()), labels: new Int32Array(400), n: 400, c: ch, h, w, classes: 2, source: 'random' };
    preprocess = fitPreprocessor(c.preprocess, train);
    const raw = new Float32Array(N * net.inputSize).map(() => rng.uniform());
    writeSafetensors(join(dir, 'raw.safetensors'), [{ name: 'x', shape: [N, ch, h, w], data: raw }]);
    pre = raw.slice();
    applyPreprocessorInPlace(preprocess, pre, N);
    writeSafetensors(join(dir, 'preprocess.safetensors'), preprocessTensors(preprocess));
  }
  let source: string;
  if (c.planted) {
    const model = expandSpec(c.spec);
    const layers = model.layers.map((l) =>
      l.kind === 'conv' && l.pad.top !== l.pad.bottom ? { ...l, pad: { top: l.pad.bottom, bottom: l.pad.top, left: l.pad.right, right: l.pad.left } } : l,
    );
    source = pytorchSourceOf({ ...model, layers }, { preprocess });
  } else {
    source = pytorchModelSource(c.spec, { preprocess });
  }
  writeFileSync(join(dir, 'model.py'), source);
  writeSafetensors(join(dir, 'model.safetensors'), tensorsOf(net));
  writeSafetensors(join(dir, 'input.safetensors'), [{ name: 'x', shape: [N, ...c.spec.input], data: x }]);
  const logits = net.forward(x, N, 'eval').slice();
  return { c, dir, net, x, logits, pre };
}

// ------------------------------------------------------------------------------------------ tests

test('the round trip covers every model of the zoo and every layer kind of the table', () => {
  const cases = CASES.filter((c) => !c.planted);
  const covered = new Set(cases.map((c) => c.spec.name));
  for (const name of Object.keys(models)) assert.ok(covered.has(name), `zoo model '${name}' has a PyTorch round-trip case`);
  // each kind's torch piece (model/layers/<kind>.ts) is held to elunet's forward by at least one case
  const kinds = new Set(cases.flatMap((c) => expandSpec(c.spec).layers.map((l) => l.kind)));
  for (const kind of Object.keys(LAYERS)) assert.ok(kinds.has(kind as never), `layer kind '${kind}' appears in a PyTorch round-trip case`);
});

test('model.py: one module per layer under elunet\'s names, BN as gamma/beta, asymmetric padding explicit', () => {
  const src = pytorchModelSource(zoo('cifar-11', { activation: 'elu', width: 1 / 32, batchNorm: true }));
  assert.match(src, /^class Cifar11\(nn\.Module\):/m);
  assert.match(src, /self\.conv1 = nn\.Conv2d\(3, 6, 5, stride=1, padding=2, bias=False\)/);
  assert.match(src, /self\.conv1\.bn = BatchNorm\(6\)/);
  assert.match(src, /self\.gamma = nn\.Parameter/);
  assert.match(src, /F\.batch_norm\(x, self\.running_mean, self\.running_var, self\.gamma, self\.beta,\s+self\.training, 0\.1, 1e-5\)/);
  // conv5 is the first 2×2 'same' conv: 0 rows/columns before, 1 after, as PyTorch's padding='same' would
  assert.match(src, /x = self\.conv5\(F\.pad\(x, \(0, 1, 0, 1\)\)\)/);
  assert.match(src, /x = x\.mean\(\(2, 3\)\)/);
  assert.doesNotMatch(src, /import (numpy|safetensors)/);
  // the helper classes a model needs, each defined once (cifar-11 with BN: BatchNorm only)
  assert.equal(src.match(/^class BatchNorm\(nn\.Module\):/gm)?.length, 1);
  assert.doesNotMatch(src, /^class (PReLU|ShiftedReLU|SPP)\b/m);
});

test('importer: PyTorch names for BN and PReLU are mapped, num_batches_tracked is left out, anything else is refused by name', () => {
  const net = new Network(CUSTOM, { maxBatch: 1 });
  net.initParams(3);
  randomizeNonWeights(net, new Rng(5));
  const torchNames = tensorsOf(net).map((t) => ({
    ...t,
    data: t.data.slice(),
    name: t.name.replace(/\.bn\.gamma$/, '.bn.weight').replace(/\.bn\.beta$/, '.bn.bias').replace(/\.act\.slope$/, '.act.weight'),
  }));
  torchNames.push({ name: 'conv3.bn.num_batches_tracked', shape: [], data: new Float32Array(1) });
  const back = new Network(CUSTOM, { maxBatch: 1 });
  const renamed = loadStateDictInto(back, torchNames, 'sd.safetensors');
  assert.deepEqual(renamed.sort(), ['conv3.act.weight → conv3.act.slope', 'conv3.bn.bias → conv3.bn.beta', 'conv3.bn.weight → conv3.bn.gamma']);
  assert.deepEqual(back.params, net.params);
  assert.deepEqual(back.state, net.state);

  const missing = torchNames.filter((t) => t.name !== 'dense1.bias');
  assert.throws(() => loadStateDictInto(back, missing, 'sd.safetensors'), (e: unknown) => e instanceof ShapeError && /sd\.safetensors: .*expects a tensor 'dense1\.bias' of shape \[6\]/.test((e as Error).message));
  const wrong = torchNames.map((t) => (t.name === 'dense2.weight' ? { ...t, shape: [6, 4] } : t));
  assert.throws(() => loadStateDictInto(back, wrong, 'sd.safetensors'), (e: unknown) => e instanceof ShapeError && /'dense2\.weight' has shape \[6, 4\], the model expects \[4, 6\]/.test((e as Error).message));
  const extra = [...torchNames, { name: 'head.weight', shape: [1], data: new Float32Array(1) }];
  assert.throws(() => loadStateDictInto(back, extra, 'sd.safetensors'), (e: unknown) => e instanceof ShapeError && /does not have: 'head\.weight'/.test((e as Error).message));
});

/**
 * A safetensors file laid out as safetensors.torch.save_file writes one (tensors sorted by dtype size, largest
 * first, then by name), from raw little-endian bytes, so that any dtype can be written without PyTorch.
 */
function handMadeSafetensors(entries: { name: string; dtype: string; shape: number[]; bytes: Uint8Array }[]): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let pos = 0;
  for (const e of entries) {
    header[e.name] = { dtype: e.dtype, shape: e.shape, data_offsets: [pos, pos + e.bytes.length] };
    pos += e.bytes.length;
  }
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const padded = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + padded + pos).fill(0x20, 8, 8 + padded);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  let at = 8 + padded;
  for (const e of entries) {
    out.set(e.bytes, at);
    at += e.bytes.length;
  }
  return out;
}

function f32Le(data: Float32Array): Uint8Array {
  const b = new Uint8Array(4 * data.length);
  const dv = new DataView(b.buffer);
  data.forEach((v, i) => dv.setFloat32(4 * i, v, true));
  return b;
}

function i64Le(v: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigInt64(0, v, true);
  return b;
}

test("import: a state dict with nn.BatchNorm2d's int64 num_batches_tracked is accepted (dropped); a non-float32 tensor the model needs, or an unknown one, is refused by name and dtype", () => {
  const dir = mkdtempSync(join(tmpdir(), 'elunet-import-dtype-'));
  try {
    const net = new Network(CUSTOM, { maxBatch: 1 });
    net.initParams(3);
    randomizeNonWeights(net, new Rng(7));
    const from = join(dir, 'export');
    writePytorchExport(from, { spec: CUSTOM, layout: net.layout, params: net.params, stateLayout: net.stateLayout, state: net.state, meta: {}, source: 'test' });
    const torchName = (n: string) => n.replace(/\.bn\.gamma$/, '.bn.weight').replace(/\.bn\.beta$/, '.bn.bias').replace(/\.act\.slope$/, '.act.weight');
    const floats = tensorsOf(net).map((t) => ({ name: torchName(t.name), dtype: 'F32', shape: t.shape, bytes: f32Le(t.data) }))
      .sort((a, b) => (a.name < b.name ? -1 : 1));
    const counter = { name: 'conv3.bn.num_batches_tracked', dtype: 'I64', shape: [], bytes: i64Le(1234n) };
    const file = join(dir, 'state.safetensors');
    writeFileSync(file, handMadeSafetensors([counter, ...floats]));

    // the reader: refused by default (a checkpoint holds float32 only), handed back raw on request
    assert.throws(() => readSafetensors(file), (e: unknown) => e instanceof DataError && /state\.safetensors: tensor 'conv3\.bn\.num_batches_tracked' is I64; elunet reads float32 \(F32\) tensors only/.test((e as Error).message));
    const kept = readSafetensors(file, { otherDtypes: 'keep' });
    assert.deepEqual(kept.others.map((t) => [t.name, t.dtype, t.shape, new DataView(t.bytes.buffer, t.bytes.byteOffset).getBigInt64(0, true)]), [['conv3.bn.num_batches_tracked', 'I64', [], 1234n]]);
    assert.equal(kept.tensors.length, floats.length);

    // the importer drops it, as it drops a float32 one
    const out = join(dir, 'run');
    const r = importPytorch(file, from, out);
    assert.deepEqual(r.net.params, net.params);
    assert.deepEqual(r.net.state, net.state);

    // a tensor the model keeps, saved in another dtype: named, with its dtype and the fix
    const f64 = floats.map((t) => (t.name === 'dense1.bias' ? { ...t, dtype: 'F64', bytes: new Uint8Array(2 * t.bytes.length) } : t));
    writeFileSync(file, handMadeSafetensors([counter, ...f64]));
    assert.throws(() => importPytorch(file, from, join(dir, 'run2')),
      (e: unknown) => e instanceof DataError && /tensor 'dense1\.bias' is F64, but the model \(custom\) takes 'dense1\.bias' as float32 \(F32\); save the state dict in float32/.test((e as Error).message));
    // an integer tensor the model does not have: listed with the other extra tensors
    writeFileSync(file, handMadeSafetensors([counter, { name: 'step', dtype: 'I64', shape: [], bytes: i64Le(5n) }, ...floats]));
    assert.throws(() => importPytorch(file, from, join(dir, 'run3')),
      (e: unknown) => e instanceof ShapeError && /tensors the model \(custom\) does not have: 'step' \(I64\)/.test((e as Error).message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('export and import commands: the exported weights come back as a run that evaluates exactly as the original', () => {
  const dir = mkdtempSync(join(tmpdir(), 'elunet-export-'));
  try {
    const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
    const run = join(dir, 'run');
    const t = cli('train', '--model', 'mnist-cnn', '--width', '0.25', '--batch-norm', '--train-limit', '256', '--test-limit', '100', '--epochs', '1', '--workers', '1', '--out', run, '--quiet');
    assert.equal(t.status, 0, t.stderr);
    const bad = cli('export', run);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /^error: export: say where to write the model, e\.g\. --pytorch/);
    const exp = join(dir, 'exp');
    const e = cli('export', run, '--pytorch', exp);
    assert.equal(e.status, 0, e.stderr);
    for (const f of ['model.py', 'model.safetensors', 'elunet.json', 'README.txt']) assert.ok(existsSync(join(exp, f)), f);
    // the three lines to use it
    assert.match(readFileSync(join(exp, 'README.txt'), 'utf8'), /\n {4}from model import Net, load_safetensors\n {4}net = Net\(\); net\.load_state_dict\(load_safetensors\('model\.safetensors'\)\); net\.eval\(\)\n {4}logits = net\(x\)/);
    // model.safetensors holds elunet's names, so it is also a state dict elunet imports as it is
    const back = join(dir, 'back');
    const i = cli('import', join(exp, 'model.safetensors'), '--from', exp, '--out', back);
    assert.equal(i.status, 0, i.stderr);
    assert.equal(/fine-tune: elunet train --resume --out (.*)/.exec(i.stdout)?.[1], back, i.stdout);
    const kept = /original run's options, kept in its checkpoint: (.*);/.exec(i.stdout)?.[1] ?? '';
    for (const flag of ['--width 0.25', '--batch-norm', '--train-limit 256', '--test-limit 100', '--epochs 1']) assert.ok(kept.includes(flag), `${flag} in '${kept}'`);
    const evalOf = (r: string) => {
      const ev = cli('eval', r);
      assert.equal(ev.status, 0, ev.stderr);
      return ev.stdout.replace(/\s+[\d.]+ s\s*$/, '');
    };
    assert.equal(evalOf(back), evalOf(run));
    // the imported run fine-tunes with --resume --out alone: the original run's options, from step 0, from the
    // imported weights
    const ft = cli('train', '--resume', '--out', back, '--workers', '1', '--quiet');
    assert.equal(ft.status, 0, ft.stderr);
    assert.match(ft.stdout, /training mnist-cnn \(elu\) on mnist with 1 worker/);
    assert.equal(readFileSync(join(back, 'metrics.jsonl'), 'utf8').trim().split('\n').length, 1);
    assert.notEqual(evalOf(back), evalOf(run), 'the fine-tuned weights moved');
    // a file of another model is refused with the tensor's name
    const other = join(dir, 'other');
    assert.equal(cli('train', '--model', 'mnist-mlp', '--width', '0.25', '--train-limit', '64', '--test-limit', '32', '--epochs', '1', '--workers', '1', '--out', other, '--quiet').status, 0);
    const wrong = cli('import', join(other, 'checkpoint', 'model.safetensors'), '--from', exp, '--out', join(dir, 'wrong'));
    assert.equal(wrong.status, 1);
    assert.match(wrong.stderr, /error: .*model\.safetensors: the model \(mnist-cnn\) expects a tensor 'conv1\.weight'/);
    assert.doesNotMatch(wrong.stderr, /\n\s+at /);
    const exists = cli('import', join(exp, 'model.safetensors'), '--from', exp, '--out', back);
    assert.match(exists.stderr, /already exists; pass --force/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const missingTorch = torchMissing();

test('PyTorch round trip of every zoo model (elunet → PyTorch and PyTorch → elunet, eval mode)', { skip: missingTorch ?? false }, async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'elunet-torch-'));
  try {
    const prepared = CASES.map((c, k) => prepare(c, k, root));
    const casesFile = join(root, 'cases.json');
    writeFileSync(casesFile, JSON.stringify(prepared.map((p) => ({ name: p.c.name, dir: p.dir }))));
    const py = spawnSync(PYTHON, [join(ROOT, 'test', 'torch-roundtrip.py'), casesFile], { encoding: 'utf8', timeout: 300_000 });
    assert.equal(py.status, 0, `torch-roundtrip.py failed:\n${py.stderr}`);
    const report = JSON.parse(py.stdout.trim().split('\n').pop()!) as Record<string, { keys_match: boolean; missing: string[]; unexpected: string[] }>;
    const errors: string[] = [];
    for (const p of prepared) {
      await t.test(p.c.name, () => {
        const r = report[p.c.name];
        assert.ok(r.keys_match, `state_dict keys differ: missing ${r.missing.join(', ')}; unexpected ${r.unexpected.join(', ')}`);
        const torchLogits = readSafetensors(join(p.dir, 'torch_logits.safetensors')).tensors[0].data;
        const toTorch = relError(p.logits, torchLogits);
        if (p.c.planted) {
          // the wrong side of the padding is seen: far above the tolerance
          assert.ok(toTorch > 1e-2, `planted padding bug not detected: relative error ${toTorch}`);
          errors.push(`${p.c.name}: ${toTorch.toExponential(1)} (caught)`);
          return;
        }
        assert.ok(toTorch <= 1e-4, `elunet → PyTorch: relative error ${toTorch}`);

        // PyTorch → elunet: the state dict PyTorch saved, with exactly elunet's names
        const sd = readSafetensors(join(p.dir, 'torch_state.safetensors'));
        const net = new Network(p.c.spec, { maxBatch: N });
        assert.deepEqual(loadStateDictInto(net, sd.tensors, 'torch_state.safetensors'), [], 'no renaming needed');
        const fromTorch = relError(net.forward(p.x, N, 'eval'), readSafetensors(join(p.dir, 'torch_logits2.safetensors')).tensors[0].data);
        assert.ok(fromTorch <= 1e-4, `PyTorch → elunet: relative error ${fromTorch}`);

        let pre = '';
        if (p.pre) {
          const e = relError(readSafetensors(join(p.dir, 'torch_pre.safetensors')).tensors[0].data, p.pre);
          // float64 in PyTorch against elunet's float32 arithmetic with float64 sums: the same 1e-4 bound
          assert.ok(e <= 1e-4, `preprocess(): relative error ${e}`);
          pre = `, preprocess ${e.toExponential(1)}`;
        }
        errors.push(`${p.c.name}: elunet→torch ${toTorch.toExponential(1)}, torch→elunet ${fromTorch.toExponential(1)}${pre}`);
      });
    }
    t.diagnostic(`max relative errors: ${errors.join('; ')}`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('importing an unknown --from folder explains what it expects', () => {
  const dir = mkdtempSync(join(tmpdir(), 'elunet-import-'));
  try {
    const r = spawnSync(process.execPath, [CLI, 'import', join(dir, 'x.safetensors'), '--from', dir, '--out', join(dir, 'out')], { encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /--from .*: expected the folder written by 'elunet export' \(with elunet\.json\) or a run folder/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
