/**
 * The KernelSet seam: a Network calls every kernel through the set it was given, and takes every array it
 * allocates from that set's `alloc`. The test plays the part of a set whose kernels can only see their own
 * memory (as WebAssembly kernels can): its arrays are views into one ArrayBuffer (the "arena"), and each of
 * its kernels refuses a typed-array argument that lives anywhere else. A network built on it must train with
 * the very same bits as one built on tsKernels.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type Allocator, type KernelSet, tsKernels } from '../src/kernels/kernel-set.js';
import { Network } from '../src/model/network.js';
import type { ModelSpec } from '../src/model/spec.js';
import { Rng } from '../src/rng.js';
import { Sgd } from '../src/optim/sgd.js';
import { Adam } from '../src/optim/adam.js';

/** A bump allocator over one ArrayBuffer; every array it returns is zero-filled and 8-byte aligned. */
function arena(bytes: number): Allocator & { buffer: ArrayBuffer } {
  const buffer = new ArrayBuffer(bytes);
  let used = 0;
  const take = (n: number, size: number): number => {
    const at = used;
    used += Math.ceil((n * size) / 8) * 8;
    if (used > bytes) throw new Error(`arena: out of memory (${used} > ${bytes} bytes)`);
    return at;
  };
  return {
    buffer,
    f32: (n) => new Float32Array(buffer, take(n, 4), n),
    i32: (n) => new Int32Array(buffer, take(n, 4), n),
    u8: (n) => new Uint8Array(buffer, take(n, 1), n),
    holds: (a) => a.buffer === buffer,
    shared: false,
  };
}

/** Every kernel any test below called through an arena set. */
const called = new Set<string>();

/** tsKernels, with `alloc` from the arena and every kernel refusing arrays from outside it; notes the calls. */
function arenaKernels(alloc: Allocator & { buffer: ArrayBuffer }): KernelSet {
  const set: KernelSet = { ...tsKernels, name: 'arena', alloc };
  // the wrapped functions keep their signatures; a string-keyed write is the plain way to replace them all
  const writable = set as unknown as Record<string, unknown>;
  for (const [key, f] of Object.entries(tsKernels)) {
    if (typeof f !== 'function') continue;
    writable[key] = (...args: unknown[]) => {
      args.forEach((a, i) => {
        if (ArrayBuffer.isView(a) && a.buffer !== alloc.buffer) throw new Error(`${key}: argument ${i} lives outside the arena`);
      });
      called.add(key);
      return (f as (...a: unknown[]) => unknown)(...args);
    };
  }
  return set;
}

const specs: ModelSpec[] = [
  {
    name: 'every-kind', input: [2, 9, 9], activation: { name: 'elu' }, init: 'he-uniform', loss: 'softmax-ce',
    layers: [
      { type: 'conv', filters: 3, size: 2, batchNorm: true },
      { type: 'avgpool', size: 3, stride: 2, pad: 1 },
      { type: 'conv', filters: 4, size: 3, stride: 2, pad: 1, activation: 'prelu' },
      { type: 'dropout', rate: 0.3 },
      { type: 'maxpool', size: 2 },
      { type: 'spp', levels: [1, 2] },
      { type: 'dense', units: 5, activation: 'relu', batchNorm: true },
      { type: 'dense', units: 4, activation: 'none' },
    ],
  },
  {
    name: 'selu-gap', input: [1, 6, 6], activation: { name: 'selu' }, init: 'lecun-normal', loss: 'mse',
    layers: [
      { type: 'conv', filters: 3, size: 3 },
      { type: 'dropout', rate: 0.2 }, // alpha-dropout in a SELU model
      { type: 'conv', filters: 2, size: 1, activation: 'none' },
      { type: 'globalavgpool' },
    ],
  },
  {
    name: 'after-norms', input: [3, 4, 4], activation: { name: 'relu' }, init: 'he-normal', loss: 'mse', reduction: 'mean',
    layers: [
      { type: 'conv', filters: 2, size: 3, norm: 'center-after' },
      { type: 'dense', units: 4, norm: 'bn-after' },
      { type: 'dense', units: 3, activation: 'none' },
    ],
  },
  {
    name: 'mlp-sigmoid', input: [3, 1, 1], activation: { name: 'lrelu', slope: 0.2 }, init: 'glorot-uniform', loss: 'sigmoid-ce',
    layers: [{ type: 'dense', units: 4 }, { type: 'dense', units: 2, activation: 'none' }],
  },
];

for (const spec of specs) {
  test(`${spec.name}: every kernel call sees only arena memory, and the bits equal those of tsKernels`, () => {
    const mem = arena(1 << 20);
    const set = arenaKernels(mem);
    const n = 3;
    const nets = [
      new Network(spec, { maxBatch: 4, inputGrad: true }),
      new Network(spec, { maxBatch: 4, inputGrad: true, kernels: set }),
    ];
    const inArena = (a: ArrayBufferView): boolean => a.buffer === mem.buffer;
    assert.ok([nets[1].params, nets[1].grads, nets[1].state].every(inArena), 'params, grads and state come from alloc');
    const record = nets.map((net, which) => {
      net.initParams(4);
      const rng = new Rng(8);
      // the caller of an arena set hands in arena arrays too (a copy into its memory)
      const copy = <T extends Float32Array | Int32Array>(a: T, make: (k: number) => T): T => {
        const b = which === 1 ? make(a.length) : a;
        b.set(a);
        return b;
      };
      const x = copy(Float32Array.from({ length: n * net.inputSize }, () => 2 * rng.uniform() - 1), mem.f32);
      const target =
        spec.loss === 'softmax-ce'
          ? copy(Int32Array.from({ length: n }, () => rng.int(net.outputSize)), mem.i32)
          : copy(Float32Array.from({ length: n * net.outputSize }, () => rng.uniform()), mem.f32);
      const out: number[][] = [];
      for (let step = 0; step < 2; step++) {
        const keys = { seed: 1, step, sampleIds: Int32Array.from([5, 6, 7]) };
        out.push(Array.from(net.forward(x, n, 'train', keys)), [net.loss(target, n)]);
        net.zeroGrad();
        net.backward(target, n, 1 / n);
        out.push(Array.from(net.grads), Array.from(net.inputGrad()));
        net.applyRunningStats(Float32Array.from(net.batchStats())); // a plain array from the caller: copied in
        out.push(Array.from(net.state), Array.from(net.forward(x, 2, 'eval')));
        for (let i = 0; i < net.params.length; i++) net.params[i] -= 0.1 * net.grads[i];
      }
      // a backward after an eval-mode forward: dropout the identity, BN and centring with running statistics
      net.forward(x, n, 'eval');
      net.zeroGrad();
      net.backward(target, n, 1 / n);
      out.push(Array.from(net.grads));
      if (which === 1) {
        const views = [net.batchStats(), net.inputGrad(), net.probabilities(), ...net.hiddenActivations().map((h) => h.data)];
        assert.ok(views.every(inArena), 'batch statistics, input gradient, probabilities, hidden activations');
      }
      return out;
    });
    assert.deepEqual(record[1], record[0], 'the arena network computes the same bits');
  });
}

test('an input and targets from outside the set are copied into its memory by the network (forward, loss, backward)', () => {
  for (const spec of [specs[0], specs[1]]) {
    const mem = arena(1 << 20);
    const net = new Network(spec, { maxBatch: 4, kernels: arenaKernels(mem) });
    const ref = new Network(spec, { maxBatch: 4 });
    const rng = new Rng(2);
    const x = Float32Array.from({ length: 3 * net.inputSize }, () => rng.uniform());
    const target = spec.loss === 'softmax-ce' ? Int32Array.from([1, 0, 3]) : Float32Array.from({ length: 3 * net.outputSize }, () => rng.uniform());
    const keys = { seed: 1, step: 0, sampleIds: Int32Array.from([5, 6, 7]) };
    const got = [net, ref].map((m) => {
      m.initParams(4);
      const out = Array.from(m.forward(x, 3, 'train', keys));
      const loss = m.loss(target, 3);
      m.backward(target, 3, 1 / 3);
      return [out, [loss], Array.from(m.grads)];
    });
    assert.deepEqual(got[0], got[1], spec.name);
  }
});

test('the optimizers and the sum of gradient slots call their kernels through the set: the bits of tsKernels', () => {
  const layout = [
    { name: 'conv1.weight', shape: [3, 5], offset: 0, size: 15 },
    { name: 'conv1.bias', shape: [3], offset: 15, size: 3 },
    { name: 'dense1.weight', shape: [4, 2], offset: 18, size: 8 },
  ];
  const run = (set: KernelSet, alloc: Allocator): number[][] => {
    const rng = new Rng(3);
    const out: number[][] = [];
    const opts = [
      new Sgd(layout, { momentum: 0, weightDecay: 1e-2, kernels: set }),
      new Sgd(layout, { momentum: 0.9, nesterov: true, weightDecay: 1e-2, decay: 'no-bias-norm', kernels: set }),
      new Adam(layout, { weightDecay: 1e-2, decay: 'no-bias-norm', kernels: set }),
    ];
    for (const opt of opts) {
      const p = alloc.f32(26);
      const g = alloc.f32(26);
      const slot = alloc.f32(26);
      p.set(Array.from({ length: 26 }, () => rng.normal()));
      for (let step = 0; step < 3; step++) {
        g.fill(0);
        for (let j = 0; j < 2; j++) {
          slot.set(Array.from({ length: 26 }, () => rng.normal()));
          set.accumulate(g, slot, 26);
        }
        opt.step(p, g, 0.1);
        out.push(Array.from(p), ...opt.state().map((t) => Array.from(t.data)));
      }
    }
    return out;
  };
  const mem = arena(1 << 16);
  assert.deepEqual(run(arenaKernels(mem), mem), run(tsKernels, tsKernels.alloc));
});

test('the tests above called every kernel of the set, so KernelSet lists no kernel that nothing uses', () => {
  const all = Object.keys(tsKernels).filter((k) => k !== 'name' && k !== 'alloc');
  assert.deepEqual(all.filter((k) => !called.has(k)), []);
});
