/**
 * The model layer: spec expansion and its shape errors, the flat parameter layout, Network's buffers and
 * modes (dropout keys, batch-norm statistics, reuse of its output arrays), and the zoo (shapes and the
 * paper's parameter counts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ShapeError, ElunetError } from '../src/errors.js';
import { Network, summarizeSpec } from '../src/model/network.js';
import { formatLayout, layoutFor } from '../src/model/params.js';
import { expandSpec, type InitName, type LayerSpec, type ModelSpec, type Norm } from '../src/model/spec.js';
import { models, zooModel } from '../src/model/zoo.js';
import { ACTIVATION_NAMES, type ActivationName } from '../src/kernels/activation.js';
import { Rng, keyedRng } from '../src/rng.js';
import { glorotNormal, glorotUniform, heNormal, heUniform, lecunNormal } from '../src/kernels/init.js';
import { expectClose, randomArray } from './util/check.js';

function spec(layers: LayerSpec[], o: Partial<ModelSpec> = {}): ModelSpec {
  return { name: 't', input: [2, 8, 8], activation: { name: 'elu' }, init: 'he-normal', loss: 'softmax-ce', layers, ...o };
}

const kinds = (s: ModelSpec): string => expandSpec(s).layers.map((l) => l.kind).join(' ');

// ─────────────────────────────────────────────────────────────────────────────────────────── spec expansion

test('expandSpec: conv → [bn] → act, dense flattens, rate-0 dropout vanishes, SELU gets alpha-dropout', () => {
  const s = spec([
    { type: 'conv', filters: 4, size: 3 },
    { type: 'conv', filters: 5, size: 2, batchNorm: true, activation: 'relu' },
    { type: 'maxpool', size: 2 },
    { type: 'dropout', rate: 0 },
    { type: 'dense', units: 7, activation: 'none' },
    { type: 'dropout', rate: 0.5 },
    { type: 'dense', units: 3, activation: 'none' },
  ]);
  const e = expandSpec(s);
  assert.equal(kinds(s), 'conv act conv bn act pool flatten dense dropout dense');
  assert.deepEqual(
    e.layers.map((l) => `${l.name}:${l.out.c}x${l.out.h}x${l.out.w}`),
    ['conv1:4x8x8', 'conv1.act:4x8x8', 'conv2:5x8x8', 'conv2.bn:5x8x8', 'conv2.act:5x8x8', 'maxpool1:5x4x4',
      'flatten1:80x1x1', 'dense1:7x1x1', 'dropout1:7x1x1', 'dense2:3x1x1'],
  );
  const conv2 = e.layers[2];
  assert.ok(conv2.kind === 'conv');
  // 'same' for an even kernel follows PyTorch: k−1 = 1 in total, 0 before and 1 after
  assert.deepEqual(conv2.pad, { top: 0, bottom: 1, left: 0, right: 1 });
  assert.equal(conv2.bias, false, 'a conv followed by BN has no bias (β replaces it)');
  const act2 = e.layers[4];
  assert.ok(act2.kind === 'act' && act2.act === 'relu', 'a layer activation overrides the model-wide one');
  // hidden blocks: conv1 (its act), conv2 (its act), dense1 (no act: the dense itself); not the last dense
  assert.deepEqual(e.hidden, [1, 4, 7]);
  assert.equal(e.outputSize, 3);
  assert.equal(kinds({ ...s, activation: { name: 'selu' } }), 'conv act conv bn act pool flatten dense alpha-dropout dense');
});

test('expandSpec: valid/explicit padding and strides give the usual ⌊(H + pads − k)/s⌋ + 1', () => {
  const e = expandSpec(spec([
    { type: 'conv', filters: 3, size: 3, pad: 'valid' }, // 8 → 6
    { type: 'conv', filters: 3, size: 3, stride: 2, pad: 1 }, // 6 → 3
    { type: 'avgpool', size: 3, stride: 1, pad: 1 }, // 3 → 3
    { type: 'spp', levels: [1, 2] }, // 3·(1 + 4) = 15
    { type: 'dense', units: 2, activation: 'none' },
  ]));
  assert.deepEqual(e.layers.filter((l) => l.kind !== 'act').map((l) => [l.out.c, l.out.h, l.out.w]), [
    [3, 6, 6], [3, 3, 3], [3, 3, 3], [15, 1, 1], [2, 1, 1],
  ]);
});

test('shape errors name the layer, what was expected and found, and the fix', () => {
  const pool1x1 = spec([
    { type: 'conv', filters: 4, size: 3 },
    { type: 'maxpool', size: 8 },
    { type: 'maxpool', size: 2 },
    { type: 'dense', units: 2 },
  ]);
  assert.throws(() => expandSpec(pool1x1), (e: Error) => {
    assert.ok(e instanceof ShapeError);
    assert.match(e.message, /layer 2 \(maxpool 2×2\): input is 1×1, smaller than the pool window 2×2; remove the pool or pad the input/);
    return true;
  });
  assert.throws(
    () => expandSpec(spec([{ type: 'conv', filters: 4, size: 9, pad: 0 }, { type: 'dense', units: 2 }])),
    /layer 0 \(conv 9×9, 4 filters\): input is 8×8 .*smaller than the 9×9 kernel; use pad 'same'/,
  );
  assert.throws(() => expandSpec(spec([{ type: 'conv', filters: 4, size: 3, stride: 2, pad: 'same' }])), /pad 'same' needs stride 1/);
  assert.throws(() => expandSpec(spec([{ type: 'conv', filters: 4, size: 3 }])), /softmax-ce needs one score per class.*4×8×8/);
  assert.throws(() => expandSpec(spec([{ type: 'dense', units: 0 }])), /layer 0 \(dense 0\): units must be a positive integer/);
  assert.throws(() => expandSpec(spec([{ type: 'dense', units: 3, activation: 'gelu' as ActivationName }])), /unknown activation 'gelu'/);
  assert.throws(() => expandSpec(spec([{ type: 'dropout', rate: 1 }, { type: 'dense', units: 2 }])), /layer 0 \(dropout 1\): rate must be in \[0, 1\)/);
  assert.throws(() => expandSpec(spec([{ type: 'flatten' } as unknown as LayerSpec])), /layer 0: unknown layer type "flatten"/);
  assert.throws(() => expandSpec(spec([{ type: 'dropout', rate: 0 }], { loss: 'mse' })), /the layers expand to nothing/);
  assert.throws(() => expandSpec(spec([{ type: 'spp', levels: 4 } as unknown as LayerSpec])), /layer 0 \(spp \[4\]\): levels must be a non-empty list/);
  assert.throws(() => expandSpec(spec([{ type: 'dense', units: 2 }], { input: [1, 0, 28] })), /input must be \[channels, height, width\]/);
  assert.throws(() => new Network(spec([{ type: 'dense', units: 2 }]), { maxBatch: 0 }), /maxBatch must be an integer ≥ 1/);
});

// ───────────────────────────────────────────────────────────────────────────────────────── parameter layout

test('layout: one flat buffer, entries back to back, views share the buffer, grads share the layout', () => {
  const s = spec([
    { type: 'conv', filters: 3, size: 3, batchNorm: true },
    { type: 'dense', units: 4, activation: 'prelu' },
    { type: 'dense', units: 2, activation: 'none' },
  ]);
  const net = new Network(s, { maxBatch: 2 });
  assert.deepEqual(net.layout.map((e) => [e.name, e.shape.join('x'), e.offset, e.size]), [
    ['conv1.weight', '3x2x3x3', 0, 54],
    ['conv1.bn.gamma', '3', 54, 3],
    ['conv1.bn.beta', '3', 57, 3],
    ['dense1.weight', '4x192', 60, 768],
    ['dense1.bias', '4', 828, 4],
    ['dense1.act.slope', '4', 832, 4],
    ['dense2.weight', '2x4', 836, 8],
    ['dense2.bias', '2', 844, 2],
  ]);
  assert.equal(net.paramCount, 846);
  assert.equal(net.params.length, 846);
  assert.equal(net.grads.length, 846);
  assert.deepEqual(net.stateLayout.map((e) => [e.name, e.offset, e.size]), [
    ['conv1.bn.running_mean', 0, 3],
    ['conv1.bn.running_var', 3, 3],
  ]);
  net.param('dense1.bias')[2] = 7;
  assert.equal(net.params[830], 7, 'the named view is a window on the flat buffer');
  net.grad('dense2.weight')[0] = 5;
  assert.equal(net.grads[836], 5);
  assert.throws(() => net.param('dense9.weight'), /no parameter 'dense9.weight'; it has conv1.weight/);
});

test('shared buffers are used as given; a buffer of the wrong size is refused', () => {
  const s = spec([{ type: 'dense', units: 3, batchNorm: true }, { type: 'dense', units: 2, activation: 'none' }]);
  const { paramCount, stateCount } = layoutFor(expandSpec(s).layers);
  const params = new Float32Array(new SharedArrayBuffer(paramCount * 4));
  const state = new Float32Array(stateCount).fill(0.5);
  const net = new Network(s, { maxBatch: 2, params, state });
  assert.equal(net.params, params);
  assert.equal(net.state, state);
  assert.equal(net.state[0], 0.5, 'a given state is not reset');
  assert.throws(() => new Network(s, { maxBatch: 2, params: new Float32Array(paramCount + 1) }), /params: expected \d+ floats/);
  const fresh = new Network(s, { maxBatch: 2 });
  assert.deepEqual(Array.from(fresh.state), [0, 0, 0, 1, 1, 1], 'running mean 0, running var 1');
});

test('initParams: deterministic, same weights for every activation, biases 0, BN γ 1 β 0, PReLU 0.25, He variance', () => {
  const build = (act: ActivationName, bn = false) => {
    const net = new Network(models['mnist-mlp'].build({ activation: act, width: 1, batchNorm: bn }), { maxBatch: 1 });
    net.initParams(7);
    return net;
  };
  const elu = build('elu');
  assert.deepEqual(build('elu').params, elu.params, 'same seed, same parameters');
  const relu = build('relu');
  assert.deepEqual(relu.params, elu.params, 'run k starts from the same weights whatever the activation');
  const prelu = build('prelu');
  assert.deepEqual(prelu.param('dense3.weight'), elu.param('dense3.weight'), 'PReLU slopes do not shift the weight streams');
  assert.ok(prelu.param('dense1.act.slope').every((v) => v === 0.25));
  assert.ok(elu.param('dense1.bias').every((v) => v === 0));
  const bn = build('elu', true);
  assert.ok(bn.param('dense2.bn.gamma').every((v) => v === 1) && bn.param('dense2.bn.beta').every((v) => v === 0));
  // He normal: Var w = 2/fanIn. dense2 has 128·128 = 16384 draws, so the sample variance has a relative
  // standard error of √(2/16384) ≈ 1.1 %; 5 % is > 4 standard errors.
  const w = elu.param('dense2.weight');
  let sq = 0;
  for (const v of w) sq += v * v;
  assert.ok(Math.abs(sq / w.length / (2 / 128) - 1) < 0.05, `variance ${sq / w.length}`);
  const selu = build('selu');
  assert.equal(selu.spec.init, 'lecun-normal', 'SELU uses the SNN recipe');
});

test("initParams: the spec's init names the initialiser; weight tensor k draws from keyedRng(seed, k)", () => {
  // dense 4 → 3 → 2: fanIn 4 and fanOut 3 for the first weight, 3 and 2 for the second
  const draws: Record<InitName, (w: Float32Array, fanIn: number, fanOut: number, rng: Rng) => void> = {
    'he-normal': (w, i, _o, r) => heNormal(w, i, r),
    'he-uniform': (w, i, _o, r) => heUniform(w, i, r),
    'lecun-normal': (w, i, _o, r) => lecunNormal(w, i, r),
    'glorot-uniform': (w, i, o, r) => glorotUniform(w, i, o, r),
    'glorot-normal': (w, i, o, r) => glorotNormal(w, i, o, r),
  };
  for (const [init, draw] of Object.entries(draws) as [InitName, (typeof draws)[InitName]][]) {
    const net = new Network(spec([{ type: 'dense', units: 3 }, { type: 'dense', units: 2, activation: 'none' }], { input: [1, 2, 2], init }), { maxBatch: 1 });
    net.initParams(5);
    const w1 = new Float32Array(12), w2 = new Float32Array(6);
    draw(w1, 4, 3, keyedRng(5, 0));
    draw(w2, 3, 2, keyedRng(5, 1));
    assert.deepEqual(net.param('dense1.weight'), w1, `${init}: dense1.weight`);
    assert.deepEqual(net.param('dense2.weight'), w2, `${init}: dense2.weight`);
  }
  assert.throws(
    () => new Network(spec([{ type: 'dense', units: 3 }], { init: 'xavier' as InitName }), { maxBatch: 1 }),
    (e: unknown) => e instanceof ShapeError && /unknown init "xavier"; expected he-normal, he-uniform, lecun-normal, glorot-uniform or glorot-normal/.test((e as Error).message),
  );
});

// ──────────────────────────────────────────────────────────────────────────────────────────────── network

function tinyCnn(o: { bn?: boolean; dropout?: boolean; act?: ActivationName } = {}): ModelSpec {
  const layers: LayerSpec[] = [
    { type: 'conv', filters: 4, size: 3, batchNorm: o.bn },
    { type: 'maxpool', size: 2 },
    { type: 'dense', units: 6, batchNorm: o.bn },
  ];
  if (o.dropout) layers.push({ type: 'dropout', rate: 0.5 });
  layers.push({ type: 'dense', units: 3, activation: 'none' });
  return spec(layers, { input: [1, 6, 6], activation: { name: o.act ?? 'elu' } });
}

function inputs(n: number, size: number, seed: number): Float32Array {
  return randomArray(new Rng(seed), n * size, -1, 1);
}

test('forward returns the same output array every call with the same n, and allocates it once per n', () => {
  const net = new Network(tinyCnn(), { maxBatch: 4 });
  net.initParams(1);
  const x = inputs(4, 36, 2);
  const a = net.forward(x, 4, 'eval');
  const first = Float32Array.from(a);
  const b = net.forward(x, 4, 'train');
  assert.equal(a, b, 'the output is a view into the workspace, not a fresh array');
  assert.equal(a.length, 4 * 3);
  const h1 = net.hiddenActivations();
  net.forward(x, 4, 'eval');
  assert.equal(net.hiddenActivations(), h1);
  assert.equal(h1[0].data, net.hiddenActivations()[0].data);
  const c = net.forward(x, 2, 'eval');
  assert.equal(c.length, 2 * 3);
  assert.equal(net.forward(x, 2, 'eval'), c);
  expectClose(c, first.subarray(0, 6), { rtol: 1e-6, atol: 1e-7, name: 'first two samples of a batch of 4 vs a batch of 2' });
  assert.equal(net.forward(x, 4, 'eval'), a, 'the view for n = 4 is kept');
  // gradient buffers too: backward writes into the same grads array
  const g = net.grads;
  net.zeroGrad();
  net.backward(new Int32Array([0, 1, 2, 0]), 4, 1 / 4);
  assert.equal(net.grads, g);
});

test('hiddenActivations: post-activation outputs of each hidden block (ELU ≥ −1), with units and spatial size', () => {
  const net = new Network(tinyCnn(), { maxBatch: 3 });
  net.initParams(3);
  net.forward(inputs(3, 36, 4), 3, 'eval');
  const h = net.hiddenActivations();
  assert.deepEqual(h.map((a) => [a.name, a.units, a.spatial, a.data.length]), [
    ['conv1', 4, 36, 3 * 4 * 36],
    ['dense1', 6, 1, 3 * 6],
  ]);
  assert.ok(h.every((a) => a.data.every((v) => v >= -1)), 'ELU outputs are ≥ −α');
  assert.ok(h[0].data.some((v) => v < 0), 'these are outputs after the activation, negative values included');
});

test('loss: softmax-CE is the mean over samples; MSE and sigmoid-CE sum over outputs and average over samples', () => {
  const net = new Network(tinyCnn(), { maxBatch: 2 });
  net.initParams(5);
  const x = inputs(2, 36, 6);
  const out = Float32Array.from(net.forward(x, 2, 'eval'));
  const labels = new Int32Array([2, 0]);
  let expected = 0;
  for (let s = 0; s < 2; s++) {
    const row = Array.from(out.subarray(s * 3, s * 3 + 3));
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0));
    expected += (lse - row[labels[s]]) / 2;
  }
  assert.ok(Math.abs(net.loss(labels, 2) - expected) < 1e-6);
  assert.throws(() => net.loss(new Float32Array(6), 2), /softmax-ce needs an Int32Array of at least 2 class labels/);
  assert.throws(() => net.loss(labels, 1), /the last forward ran on 2 samples/);

  const mseNet = new Network({ ...tinyCnn(), loss: 'mse' }, { maxBatch: 2, params: net.params });
  const y = mseNet.forward(x, 2, 'eval');
  const t = randomArray(new Rng(9), 6, 0, 1);
  let sse = 0;
  for (let i = 0; i < 6; i++) sse += (y[i] - t[i]) ** 2;
  assert.ok(Math.abs(mseNet.loss(t, 2) - sse / 2) < 1e-5, 'per-sample sum of squares, averaged over the 2 samples');
  assert.throws(() => mseNet.loss(new Float32Array(5), 2), /mse needs a Float32Array target of at least n·outputs = 2·3/);
});

test('dropout: same keys → same masks; another step → other masks; eval mode ignores dropout', () => {
  const net = new Network(tinyCnn({ dropout: true }), { maxBatch: 4 });
  net.initParams(1);
  const x = inputs(4, 36, 2);
  const ids = new Int32Array([10, 11, 12, 13]);
  const a = Float32Array.from(net.forward(x, 4, 'train', { seed: 5, step: 1, sampleIds: ids }));
  const b = Float32Array.from(net.forward(x, 4, 'train', { seed: 5, step: 1, sampleIds: ids }));
  assert.deepEqual(a, b);
  const c = Float32Array.from(net.forward(x, 4, 'train', { seed: 5, step: 2, sampleIds: ids }));
  assert.notDeepEqual(a, c);
  const e1 = Float32Array.from(net.forward(x, 4, 'eval'));
  const noDrop = new Network(tinyCnn(), { maxBatch: 4, params: net.params });
  assert.deepEqual(Float32Array.from(noDrop.forward(x, 4, 'eval')), e1, 'eval-mode dropout is the identity');
  assert.throws(() => net.forward(x, 4, 'train'), /needs keys \{ seed, step, sampleIds \}/);
});

test('splitting a batch into halves with the right sample ids gives the whole batch’s outputs and gradients', () => {
  // train mode without BN (dropout keyed per sample), and eval mode with BN (running statistics): in both,
  // a sample's output does not depend on its batch-mates
  for (const [o, mode] of [[{ dropout: true }, 'train'], [{ bn: true, dropout: true }, 'eval']] as const) {
    const whole = new Network(tinyCnn(o), { maxBatch: 4 });
    whole.initParams(8);
    whole.state.set(randomArray(new Rng(3), whole.state.length, 0.5, 1.5)); // non-trivial running stats
    const half = new Network(tinyCnn(o), { maxBatch: 2, params: whole.params, state: whole.state });
    const x = inputs(4, 36, 9);
    const labels = new Int32Array([0, 2, 1, 1]);
    const ids = new Int32Array([40, 41, 42, 43]);
    const keys = (from: number, n: number) => ({ seed: 6, step: 3, sampleIds: ids.subarray(from, from + n) });
    const full = Float32Array.from(whole.forward(x, 4, mode, keys(0, 4)));
    const parts = new Float32Array(12);
    const gradHalves = new Float32Array(whole.paramCount);
    for (const from of [0, 2]) {
      parts.set(half.forward(x.subarray(from * 36), 2, mode, keys(from, 2)), from * 3);
      if (mode === 'train') {
        half.zeroGrad();
        half.backward(labels.subarray(from), 2, 1 / 4); // each shard scaled by 1 / (global batch)
        for (let i = 0; i < gradHalves.length; i++) gradHalves[i] += half.grads[i];
      }
    }
    // the blocked matmul may sum a row in a different order for another batch size: float32 rounding
    // (~1e-7 relative per sum) is all that may differ
    expectClose(parts, full, { rtol: 1e-5, atol: 1e-6, name: `${mode} outputs, halves vs whole` });
    if (mode === 'train') {
      whole.zeroGrad();
      whole.backward(labels, 4, 1 / 4);
      expectClose(gradHalves, whole.grads, { rtol: 1e-4, atol: 1e-6, name: 'summed shard gradients vs whole batch' });
    }
  }
});

test('batch norm: train mode uses batch statistics, batchStats/applyRunningStats follow PyTorch, eval uses running stats', () => {
  const s = spec([{ type: 'dense', units: 3, batchNorm: true, activation: 'none' }, { type: 'dense', units: 2, activation: 'none' }], {
    input: [2, 1, 1],
  });
  const net = new Network(s, { maxBatch: 4 });
  net.initParams(2);
  const x = new Float32Array([1, 2, 3, 5, -1, 0, 2, 2]);
  net.forward(x, 4, 'train');
  const z = net.hiddenActivations()[0].data; // BN output (no activation): zero mean, unit biased variance per unit
  for (let u = 0; u < 3; u++) {
    const col = [0, 1, 2, 3].map((i) => z[i * 3 + u]);
    const m = col.reduce((a, v) => a + v, 0) / 4;
    const v = col.reduce((a, c) => a + (c - m) ** 2, 0) / 4;
    assert.ok(Math.abs(m) < 1e-6 && Math.abs(v - 1) < 1e-3, `unit ${u}: mean ${m}, var ${v}`);
  }
  // batch statistics of the pre-BN values W·x (dense1 has no bias under BN)
  const W = net.param('dense1.weight');
  const stats = Float32Array.from(net.batchStats());
  assert.equal(stats.length, 3 + 3 + 1);
  assert.equal(stats[6], 4, 'the last entry is the batch size');
  for (let u = 0; u < 3; u++) {
    const pre = [0, 1, 2, 3].map((i) => W[u * 2] * x[i * 2] + W[u * 2 + 1] * x[i * 2 + 1]);
    const m = pre.reduce((a, v) => a + v, 0) / 4;
    const v = pre.reduce((a, c) => a + (c - m) ** 2, 0) / 4;
    assert.ok(Math.abs(stats[u] - m) < 1e-5 && Math.abs(stats[3 + u] - v) < 1e-4 * (1 + v), `unit ${u}`);
  }
  assert.deepEqual(Array.from(net.state), [0, 0, 0, 1, 1, 1], 'forward itself never touches the running statistics');
  net.applyRunningStats(stats);
  for (let u = 0; u < 3; u++) {
    // PyTorch: momentum 0.1, unbiased variance (× M/(M−1) = 4/3) in the running average
    assert.ok(Math.abs(net.state[u] - 0.1 * stats[u]) < 1e-6);
    assert.ok(Math.abs(net.state[3 + u] - (0.9 + 0.1 * stats[3 + u] * (4 / 3))) < 1e-4);
  }
  // eval: y = γ(x − μ_run)/√(σ²_run + ε) + β with the running values
  net.param('dense1.bn.gamma').set([1.5, 0.5, -1]);
  net.param('dense1.bn.beta').set([0.2, -0.3, 0.1]);
  const y = net.forward(x, 4, 'eval');
  const W2 = net.param('dense2.weight');
  const b2 = net.param('dense2.bias');
  const g = net.param('dense1.bn.gamma');
  const be = net.param('dense1.bn.beta');
  const expected: number[] = [];
  for (let i = 0; i < 4; i++) {
    const zn = [0, 1, 2].map((u) => {
      const pre = W[u * 2] * x[i * 2] + W[u * 2 + 1] * x[i * 2 + 1];
      return (g[u] * (pre - net.state[u])) / Math.sqrt(net.state[3 + u] + 1e-5) + be[u];
    });
    for (let o = 0; o < 2; o++) expected.push(b2[o] + zn.reduce((a, v, u) => a + W2[o * 3 + u] * v, 0));
  }
  // float32 vs float64 evaluation of two small affine maps: ~1e-7 relative, 1e-5 leaves margin
  expectClose(y, expected, { rtol: 1e-5, atol: 1e-5, name: 'eval-mode BN with running statistics' });
  // a backward after an eval-mode forward differentiates the evaluation function (running statistics held
  // constant; test/network-gradcheck.test.ts checks its numbers against finite differences)
  net.zeroGrad();
  net.backward(new Int32Array(4), 4, 0.25);
  assert.ok(net.grads.every(Number.isFinite) && net.grad('dense1.bn.gamma').some((g) => g !== 0));
  assert.throws(() => net.applyRunningStats(new Float32Array(3)), /expected a batchStats\(\) vector of 7 floats/);
});

// ───────────────────────────────────────────────────────────────── normalization after the activation, centring

test("expandSpec: norm places BN before or after the activation, or a centring layer after it; hidden blocks end there", () => {
  const s = (norm: Norm) =>
    spec([{ type: 'conv', filters: 3, size: 3, norm }, { type: 'dense', units: 4, norm }, { type: 'dense', units: 2, activation: 'none' }]);
  assert.equal(kinds(s('none')), 'conv act flatten dense act dense');
  assert.equal(kinds(s('bn-before')), 'conv bn act flatten dense bn act dense');
  assert.equal(kinds(s('bn-after')), 'conv act bn flatten dense act bn dense');
  assert.equal(kinds(s('center-after')), 'conv act center flatten dense act center dense');
  // 'bn-before' is exactly what batchNorm: true has always built
  const old = spec([{ type: 'conv', filters: 3, size: 3, batchNorm: true }, { type: 'dense', units: 4, batchNorm: true }, { type: 'dense', units: 2, activation: 'none' }]);
  assert.deepEqual(expandSpec(s('bn-before')).layers, expandSpec(old).layers);
  const e = expandSpec(s('center-after'));
  assert.deepEqual(e.layers.map((l) => l.name), ['conv1', 'conv1.act', 'conv1.center', 'flatten1', 'dense1', 'dense1.act', 'dense1.center', 'dense2']);
  // a bias stays before the activation unless BN comes first (BN's β replaces it only there)
  for (const [norm, bias] of [['bn-before', false], ['bn-after', true], ['center-after', true]] as const) {
    const l = expandSpec(s(norm)).layers.find((x) => x.kind === 'dense')!;
    assert.ok(l.kind === 'dense' && l.bias === bias, `${norm}: bias ${bias}`);
  }
  assert.deepEqual(e.hidden, [2, 6], 'the hidden blocks end with their centring layer');
  const net = new Network(s('center-after'), { maxBatch: 3 });
  net.initParams(1);
  net.forward(inputs(3, 128, 4), 3, 'train');
  const h = net.hiddenActivations();
  assert.deepEqual(h.map((a) => a.name), ['conv1', 'dense1']);
  // what hiddenActivations hands out is the centred output: in train mode each unit has batch mean 0
  for (const a of h) {
    for (let u = 0; u < a.units; u++) {
      let sum = 0;
      for (let i = 0; i < 3; i++) for (let p = 0; p < a.spatial; p++) sum += a.data[(i * a.units + u) * a.spatial + p];
      // 3·spatial float32 values of size ~1, each rounded once after the float64 subtraction
      assert.ok(Math.abs(sum / (3 * a.spatial)) < 1e-6, `${a.name} unit ${u}: batch mean ${sum / (3 * a.spatial)}`);
    }
  }
  assert.deepEqual(net.stateLayout.map((x) => `${x.name}[${x.shape}]`), ['conv1.center.running_mean[3]', 'dense1.center.running_mean[4]']);
  assert.equal(net.paramCount, new Network(s('none'), { maxBatch: 1 }).paramCount, 'centring adds no parameter');
});

test("zoo with norm 'center-after': the layers fed by centred blocks draw He's weights × centredGain, the same draws", () => {
  const gain = 1 / Math.sqrt(1 - 1 / Math.PI); // ReLU's (test/init.test.ts checks centredGain)
  const s = models['mnist-mlp'].build({ activation: 'relu', norm: 'center-after', width: 1 / 16 });
  const gains = s.layers.map((e) => ('initGain' in e ? e.initGain : undefined));
  assert.equal(gains[0], undefined, 'the first layer is fed by the pixels');
  for (const g of gains.slice(1)) assert.ok(g !== undefined && Math.abs(g - gain) < 1e-6, `gain ${g}`);
  const plain = new Network(models['mnist-mlp'].build({ activation: 'relu', width: 1 / 16 }), { maxBatch: 1 });
  const centred = new Network(s, { maxBatch: 1 });
  plain.initParams(4);
  centred.initParams(4);
  assert.deepEqual(centred.param('dense1.weight'), plain.param('dense1.weight'));
  // the same normals from the same stream, std × gain: one float32 rounding apart
  expectClose(centred.param('dense2.weight'), plain.param('dense2.weight').map((w) => w * gain), { rtol: 1e-6, atol: 0, name: 'dense2 × gain' });
  assert.match(centred.summary(), /dense \(init ×1\.211\)/);
  // no gain without centring, nor for the other placements: their specs are what they always were
  for (const norm of [undefined, 'bn-before', 'bn-after'] as const) {
    assert.ok(models['mnist-mlp'].build({ activation: 'relu', norm }).layers.every((e) => !('initGain' in e)), String(norm));
  }
  assert.throws(
    () => expandSpec(spec([{ type: 'dense', units: 3, initGain: -1 }])),
    (e: Error) => e instanceof ShapeError && /layer 0 \(dense 3\): initGain must be a positive number/.test(e.message),
  );
});

test('norm errors name the layer: an unknown placement, and batchNorm contradicting norm', () => {
  assert.throws(
    () => expandSpec(spec([{ type: 'dense', units: 3, norm: 'layer' as never }])),
    (e: Error) => e instanceof ShapeError && /layer 0 \(dense 3\): norm must be one of none, bn-before, bn-after, center-after, got "layer"/.test(e.message),
  );
  assert.throws(
    () => expandSpec(spec([{ type: 'conv', filters: 2, size: 3, batchNorm: true, norm: 'center-after' }])),
    (e: Error) => e instanceof ShapeError && /batchNorm: true means norm 'bn-before', but norm is 'center-after'; give only one of them/.test(e.message),
  );
  assert.doesNotThrow(() => expandSpec(spec([{ type: 'dense', units: 3, batchNorm: true, norm: 'bn-before' }])));
  assert.throws(() => models['mnist-mlp'].build({ activation: 'relu', batchNorm: true, norm: 'bn-after' }), /batchNorm \(BN before the activation\) and norm 'bn-after' disagree/);
  assert.throws(() => models['mnist-mlp'].build({ activation: 'relu', norm: 'after' as never }), /zoo 'mnist-mlp': norm must be one of/);
});

test('centring: batchStats holds its batch mean, applyRunningStats moves the running mean, eval subtracts it', () => {
  // dense(2 → 2, no activation) → center, then the output layer; BN (after) on a second block to see the layout
  const s = spec([
    { type: 'dense', units: 2, activation: 'none', norm: 'center-after' },
    { type: 'dense', units: 3, activation: 'none', norm: 'bn-after' },
    { type: 'dense', units: 2, activation: 'none' },
  ], { input: [2, 1, 1] });
  const net = new Network(s, { maxBatch: 4 });
  net.initParams(3);
  const x = new Float32Array([1, 2, 3, 5, -1, 0, 2, 2]);
  net.forward(x, 4, 'train');
  const W = net.param('dense1.weight');
  const b = net.param('dense1.bias');
  const pre = (i: number, u: number) => b[u] + W[u * 2] * x[i * 2] + W[u * 2 + 1] * x[i * 2 + 1];
  const means = [0, 1].map((u) => [0, 1, 2, 3].reduce((a, i) => a + pre(i, u), 0) / 4);
  const stats = Float32Array.from(net.batchStats());
  assert.equal(stats.length, 2 + 3 + 3 + 1, 'centring: 2 means; BN: 3 means, 3 variances; the batch size');
  assert.equal(stats[8], 4);
  // float32 storage of a mean of four float32 products: ~1e-7 relative
  expectClose(stats.subarray(0, 2), means, { rtol: 1e-6, atol: 1e-6, name: 'centring batch mean' });
  assert.deepEqual(Array.from(net.state.subarray(0, 2)), [0, 0], 'forward never moves the running mean');
  net.applyRunningStats(stats);
  expectClose(net.state.subarray(0, 2), means.map((m) => 0.1 * m), { rtol: 1e-6, atol: 1e-7, name: 'running mean after one update' });
  net.forward(x, 4, 'eval');
  const h = net.hiddenActivations()[0].data;
  const expected = [0, 1, 2, 3].flatMap((i) => [0, 1].map((u) => pre(i, u) - net.state[u]));
  // x − runMean in float32 after the float32 dense output: ~1e-7 of values of size ~3
  expectClose(h, expected, { rtol: 1e-5, atol: 1e-6, name: 'eval: minus the running mean' });
});

test('centring: micro-batches of 2 give the same bits on one network as on two (the worker count does not matter)', () => {
  // each micro-batch takes its own mean (ghost statistics); what a worker would compute is a forward/backward
  // of its micro-batch on another Network sharing the parameters, and the running means are applied in order
  const s = models['mnist-mlp'].build({ activation: 'relu', width: 1 / 32, norm: 'center-after', input: [1, 4, 4] });
  const a = new Network(s, { maxBatch: 2 });
  a.initParams(5);
  const b = new Network(s, { maxBatch: 2, params: a.params });
  const x = inputs(4, 16, 6);
  const labels = new Int32Array([1, 0, 3, 2]);
  const run = (nets: Network[]): { grads: Float32Array; state: Float32Array } => {
    const grads = new Float32Array(a.paramCount);
    const stats: Float32Array[] = [];
    [0, 2].forEach((from, j) => {
      const net = nets[j % nets.length];
      net.zeroGrad();
      net.forward(x.subarray(from * 16), 2, 'train');
      net.backward(labels.subarray(from), 2, 1 / 4);
      for (let i = 0; i < grads.length; i++) grads[i] += net.grads[i];
      stats.push(Float32Array.from(net.batchStats()));
    });
    for (const st of stats) nets[0].applyRunningStats(st);
    return { grads, state: Float32Array.from(nets[0].state) };
  };
  const one = run([a]);
  a.state.fill(0);
  const two = run([a, b]);
  assert.deepEqual(two.grads, one.grads);
  assert.deepEqual(two.state, one.state);
  assert.ok(one.state.some((v) => v !== 0));
});

test("reduction: 'mean' divides mse / sigmoid-ce by the outputs; softmax-ce refuses it; an unknown one is named", () => {
  const layers: LayerSpec[] = [{ type: 'dense', units: 4, activation: 'none' }];
  const x = inputs(2, 3, 7);
  const t = randomArray(new Rng(8), 8, 0, 1);
  for (const loss of ['mse', 'sigmoid-ce'] as const) {
    const [sum, mean] = ([undefined, 'mean'] as const).map((reduction) => {
      const net = new Network(spec(layers, { input: [3, 1, 1], loss, ...(reduction ? { reduction } : {}) }), { maxBatch: 2 });
      net.initParams(1);
      net.forward(x, 2, 'eval');
      return net.loss(t, 2);
    });
    // one float32 rounding of the kernels' mean, multiplied by 4 or not
    assert.ok(Math.abs(mean - sum / 4) <= 1e-7 * sum, `${loss}: ${mean} vs ${sum} / 4`);
  }
  assert.throws(
    () => expandSpec(spec(layers, { reduction: 'mean' })),
    (e: Error) => e instanceof ShapeError && /reduction 'mean' averages a sample's loss over its outputs, but softmax-ce has one term per sample/.test(e.message),
  );
  assert.throws(() => expandSpec(spec(layers, { loss: 'mse', reduction: 'max' as never })), /unknown reduction "max"; expected sum or mean/);
  assert.equal(models['mnist-autoencoder'].build({ activation: 'elu', reduction: 'mean' }).reduction, 'mean');
  assert.equal('reduction' in models['mnist-autoencoder'].build({ activation: 'elu' }), false, 'the default spec is unchanged');
});

test('summary: a row per layer with its output shape and parameters, and the total', () => {
  const net = new Network(tinyCnn({ bn: true }), { maxBatch: 1 });
  const s = net.summary();
  assert.match(s, /conv1\s+conv 3×3\/1 pad 1 \(no bias\)\s+4×6×6\s+36/);
  assert.match(s, /maxpool1\s+maxpool 2×2\/2\s+4×3×3/);
  assert.match(s, /flatten1\s+flatten\s+36/);
  assert.match(s, new RegExp(`total parameters: ${net.paramCount}`));
  assert.match(s, /\+ 20 BN running statistics/);
  // the whole text, as `elunet models --summary` prints it: one unbroken rule above and below the rows,
  // parameter counts right-aligned
  assert.equal(s, [
    't: elu, init he-normal, loss softmax-ce',
    'layer       op                          output  params',
    '------------------------------------------------------',
    'input                                   1×6×6',
    'conv1       conv 3×3/1 pad 1 (no bias)  4×6×6       36',
    'conv1.bn    batchnorm                   4×6×6        8',
    'conv1.act   elu α=1                     4×6×6',
    'maxpool1    maxpool 2×2/2               4×3×3',
    'flatten1    flatten                     36',
    'dense1      dense (no bias)             6          216',
    'dense1.bn   batchnorm                   6           12',
    'dense1.act  elu α=1                     6',
    'dense2      dense                       3           21',
    '------------------------------------------------------',
    'total parameters: 293 (+ 20 BN running statistics)',
  ].join('\n'));
});

test('formatLayout: the layout as a table of name, shape, offset and size', () => {
  const net = new Network(tinyCnn({ bn: true }), { maxBatch: 1 });
  assert.equal(formatLayout(net.layout), [
    'name             shape         offset  size',
    '---------------  ------------  ------  ----',
    'conv1.weight     [4, 1, 3, 3]       0    36',
    'conv1.bn.gamma   [4]               36     4',
    'conv1.bn.beta    [4]               40     4',
    'dense1.weight    [6, 36]           44   216',
    'dense1.bn.gamma  [6]              260     6',
    'dense1.bn.beta   [6]              266     6',
    'dense2.weight    [3, 6]           272    18',
    'dense2.bias      [3]              290     3',
  ].join('\n'));
});

// ──────────────────────────────────────────────────────────────────────────────────────────────────── zoo

/** Number of weights (not biases, not BN) in a spec's layout, split into conv and dense. */
function weightCounts(s: ModelSpec): { conv: number; dense: number; total: number } {
  const l = layoutFor(expandSpec(s).layers);
  let conv = 0;
  let dense = 0;
  for (const e of l.params) {
    if (!e.name.endsWith('.weight')) continue;
    if (e.shape.length === 4) conv += e.size;
    else dense += e.size;
  }
  return { conv, dense, total: l.paramCount };
}

test('zoo at width 1: the parameter counts of the paper\'s architectures, counted by hand', () => {
  // MNIST MLP (paper §4.1.1): 216,320 weights (784·128 + 7·128² + 128·10)
  assert.equal(weightCounts(models['mnist-mlp'].build({ activation: 'elu' })).dense, 216_320);
  // autoencoder (paper §4.1.2): 2,833,000 weights (2 × (784·1000 + 1000·500 + 500·250 + 250·30))
  assert.equal(weightCounts(models['mnist-autoencoder'].build({ activation: 'elu' })).dense, 2_833_000);
  // paper §4.2: 1,666,384 conv weights ('same' padding; the weight count does not depend on padding)
  const c11 = weightCounts(models['cifar-11'].build({ activation: 'elu' }));
  assert.equal(c11.conv, 1_666_384);
  assert.equal(c11.dense, 0);
  assert.equal(c11.total, 1_666_384 + 2_644, 'plus one bias per filter: 192+192+240+240+260+260+280+280+300+300+100');
  // paper §4.3: ≈ 39.3 M conv weights with all 19 listed conv layers
  const c18 = weightCounts(models['cifar-18'].build({ activation: 'elu' }));
  assert.equal(c18.conv, 39_316_096);
  // paper §4.4: the poster's 15 layers; with SPP [1, 2, 4] on 1024 maps the first FC sees 1024·21 = 21,504 inputs
  const i15 = weightCounts(models['imagenet-15'].build({ activation: 'elu' }));
  assert.equal(i15.conv, 55_896_192);
  assert.equal(i15.dense, 21_504 * 4096 + 4096 * 4096 + 4096 * 1000);
  assert.equal(expandSpec(models['imagenet-15'].build({ activation: 'elu' })).layers.filter((l) => l.kind === 'conv' || l.kind === 'dense').length, 15);
  assert.equal(expandSpec(models['cifar-11'].build({ activation: 'elu' })).layers.filter((l) => l.kind === 'conv').length, 11);
});

test('zoo: cifar-11 follows paper §4.2 — pools until 1×1, dropout per stack, 1×1 conv to the classes, global average pool', () => {
  const e = expandSpec(models['cifar-11'].build({ activation: 'elu' }));
  const sizes = e.layers.filter((l) => l.kind === 'pool').map((l) => l.out.h);
  assert.deepEqual(sizes, [16, 8, 4, 2, 1], 'five pools (32 → 1), none once the map is 1×1');
  assert.deepEqual(e.layers.filter((l) => l.kind === 'dropout').map((l) => (l.kind === 'dropout' ? l.rate : 0)), [0.1, 0.2, 0.3, 0.4, 0.5]);
  const last = e.layers.slice(-2);
  assert.equal(last[0].kind, 'conv');
  assert.equal(last[0].out.c, 100);
  assert.equal(last[1].kind, 'gap');
  assert.equal(kinds(models['cifar-11'].build({ activation: 'elu', dropout: false })).includes('dropout'), false);
  const bn = expandSpec(models['cifar-11'].build({ activation: 'relu', batchNorm: true }));
  assert.equal(bn.layers.filter((l) => l.kind === 'bn').length, 10, 'BN after every conv but the classifier');
  const selu = expandSpec(models['cifar-11'].build({ activation: 'selu' }));
  assert.equal(selu.layers.filter((l) => l.kind === 'alpha-dropout').length, 5);
});

test('zoo: every model builds at a small width, runs forward and backward, and has the promised output', () => {
  const cases: [string, Partial<Parameters<(typeof models)[string]['build']>[0]>, number][] = [
    ['mnist-mlp', { width: 1 / 16 }, 10],
    ['mnist-cnn', { width: 1 / 8, dropout: true }, 10],
    ['mnist-autoencoder', { width: 1 / 50 }, 784],
    ['cifar-11', { width: 1 / 32, input: [3, 16, 16], classes: 10 }, 10],
    ['cifar-18', { width: 1 / 64, input: [3, 8, 8], classes: 10, batchNorm: true }, 10],
    ['imagenet-15', { width: 1 / 128, input: [3, 24, 24], classes: 7 }, 7],
  ];
  for (const [name, o, outputs] of cases) {
    const s = zooModel(name).build({ activation: 'elu', ...o });
    const net = new Network(s, { maxBatch: 2 });
    net.initParams(1);
    assert.equal(net.outputSize, outputs, name);
    const x = inputs(2, net.inputSize, 3);
    const y = net.forward(x, 2, 'train', { seed: 1, step: 0, sampleIds: new Int32Array([0, 1]) });
    assert.ok(y.every(Number.isFinite), `${name}: finite outputs`);
    const target = s.loss === 'softmax-ce' ? new Int32Array([0, 1]) : randomArray(new Rng(1), 2 * outputs, 0, 1);
    const l = net.loss(target, 2);
    assert.ok(Number.isFinite(l) && l > 0, `${name}: loss ${l}`);
    net.zeroGrad();
    net.backward(target, 2, 0.5);
    assert.ok(net.grads.some((g) => g !== 0) && net.grads.every(Number.isFinite), `${name}: gradients`);
    assert.match(net.summary(), /total parameters/);
  }
  assert.throws(() => zooModel('resnet'), /unknown model 'resnet'; the zoo has: mnist-mlp/);
  assert.throws(() => models['mnist-mlp'].build({ activation: 'elu', width: 0 }), /width must be a positive number/);
});

test('zoo: imagenet-15 accepts any input size (SPP), including maps smaller than its pyramid', () => {
  for (const hw of [224, 64, 17, 8]) {
    const e = expandSpec(models['imagenet-15'].build({ activation: 'elu', input: [3, hw, hw] }));
    const spp = e.layers.find((l) => l.kind === 'spp')!;
    assert.equal(spp.out.c, 1024 * 21, `input ${hw}`);
  }
  assert.match(summarizeSpec(models['imagenet-15'].build({ activation: 'elu' })), /total parameters: 164,867,528/);
});

test('zoo: every activation builds every small model (alpha/slope options reach the spec)', () => {
  for (const act of ACTIVATION_NAMES) {
    const net = new Network(models['mnist-cnn'].build({ activation: act, width: 1 / 16 }), { maxBatch: 1 });
    net.initParams(0);
    assert.ok(net.forward(inputs(1, 784, 1), 1, 'eval').every(Number.isFinite), act);
  }
  assert.equal(models['mnist-mlp'].build({ activation: 'elu', alpha: 0.5 }).activation.alpha, 0.5);
  assert.equal(models['mnist-mlp'].build({ activation: 'lrelu', slope: 0.2 }).activation.slope, 0.2);
  const e = expandSpec(models['mnist-mlp'].build({ activation: 'elu', alpha: 0.5 }));
  assert.ok(e.layers.some((l) => l.kind === 'act' && l.param === 0.5));
});

test('errors are ElunetErrors (one-line messages for the CLI)', () => {
  const net = new Network(tinyCnn(), { maxBatch: 2 });
  assert.throws(() => net.forward(new Float32Array(10), 2, 'eval'), (e: Error) => e instanceof ShapeError && /at least n·C·H·W = 2·36 = 72/.test(e.message));
  assert.throws(() => net.forward(new Float32Array(72), 3, 'eval'), /n must be an integer in \[1, maxBatch = 2\]/);
  assert.throws(() => net.inputGrad(), (e: Error) => e instanceof ElunetError && /inputGrad: true/.test(e.message));
});

test('forward and backward allocate no buffers (heap growth per step, after warm-up)', async () => {
  // Method: expose V8's gc(), warm the code up until it is optimized (and let background compiles land),
  // collect, run K steps without collecting, and divide by K the growth of
  //  (a) the memory held by ArrayBuffers, where every new typed-array buffer lands (a view made by subarray()
  //      does not). It can only shrink while earlier garbage is freed, so no window may show growth;
  //  (b) the used JS heap. Background work only ever adds to a window, so the smallest of five windows is
  //      taken. V8 itself leaves a few dozen bytes per step that depend on how polymorphic the call sites
  //      have become (measured 0–115 bytes, e.g. a boxed loss value), so the bound is 256 bytes: a new
  //      Float32Array costs about 300 heap bytes of headers whatever its length (measured by planting one).
  // Only layers whose kernels allocate nothing are used (the dense/conv kernels build a small matmul record
  // per call and keyedRng an Rng per sample: theirs, listed in docs/models.md).
  const v8 = await import('node:v8');
  const vm = await import('node:vm');
  v8.setFlagsFromString('--expose_gc');
  const gc = vm.runInNewContext('gc') as () => void;
  const n = 16;
  const s = spec([{ type: 'maxpool', size: 2 }, { type: 'globalavgpool' }], { input: [3, 8, 8] });
  const net = new Network(s, { maxBatch: n, inputGrad: true });
  const x = inputs(n, 3 * 64, 1);
  const labels = Int32Array.from({ length: n }, (_, i) => i % 3);
  const step = (): void => {
    net.forward(x, n, 'train');
    net.backward(labels, n, 1 / n);
  };
  for (let i = 0; i < 10000; i++) step();
  await new Promise((r) => setTimeout(r, 100));
  let perStep = Infinity;
  let buffersPerStep = -Infinity;
  for (let window = 0; window < 5; window++) {
    gc();
    const before = process.memoryUsage();
    const K = 1000;
    for (let i = 0; i < K; i++) step();
    const after = process.memoryUsage();
    perStep = Math.min(perStep, (after.heapUsed - before.heapUsed) / K);
    buffersPerStep = Math.max(buffersPerStep, (after.arrayBuffers - before.arrayBuffers) / K);
  }
  assert.ok(buffersPerStep <= 0, `${buffersPerStep} bytes of new ArrayBuffers per forward + backward`);
  assert.ok(perStep < 256, `${perStep.toFixed(1)} heap bytes allocated per forward + backward`);
});
