/**
 * Whole-network gradient checks: Network.forward → loss → backward against central finite differences of
 * Network.loss, for every parameter tensor and for the input, through the harness `elunet gradcheck` uses
 * (src/gradcheck/network.ts, which explains the set-up). These tests check the wiring (which buffer feeds
 * which kernel, the order of the backward, the gradient slots, the loss scaling), not the kernels themselves,
 * which have their own tests. assertGradients pre-fills every gradient buffer with noise, so a backward that
 * overwrites instead of accumulating fails. Every test runs with both kernel sets (test/util/kernel-sets.ts):
 * the TypeScript kernels and the WebAssembly SIMD ones, whose float32 sums and vector expm1 add rounding of
 * ~1e-7 relative to the loss, far below what the tolerance allows (test/util/check.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Network } from '../src/model/network.js';
import type { LayerSpec, ModelSpec } from '../src/model/spec.js';
import { ACTIVATION_NAMES, type ActivationName } from '../src/kernels/activation.js';
import { Rng } from '../src/rng.js';
import type { KernelSet } from '../src/kernels/kernel-set.js';
import { KERNEL_SETS } from './util/kernel-sets.js';
import { inputParam, networkLoss, networkParams } from '../src/gradcheck/network.js';
import { assertGradients, expectClose, gradCheck, randomArray } from './util/check.js';

interface Case {
  spec: ModelSpec;
  n: number;
  seed: number;
  /** finite-difference step, see the call sites */
  h?: number;
  /** dropout models need fixed keys so that every evaluation uses the same masks */
  keys?: boolean;
  /** accept a drawn input only if the net is far from every kink there (see `awayFromKinks`) */
  accept?: (net: Network, x: Float32Array, n: number) => boolean;
}

function spec(name: string, act: ActivationName, input: [number, number, number], layers: LayerSpec[], loss: ModelSpec['loss'] = 'softmax-ce'): ModelSpec {
  return { name, input, activation: { name: act }, init: 'he-normal', loss, layers };
}

/** Builds the net, random input and target, and the assertGradients options over every tensor + the input. */
function setup(c: Case, kernels: KernelSet): { net: Network; opts: Parameters<typeof assertGradients>[0] } {
  const net = new Network(c.spec, { maxBatch: c.n, inputGrad: true, kernels });
  net.initParams(c.seed);
  const rng = new Rng(c.seed + 1);
  // nudge PReLU slopes and BN γ/β away from their initial values so a swapped γ/β or slope/x shows up
  for (const e of net.layout) {
    if (/\.(gamma|beta|slope)$/.test(e.name)) {
      const v = net.param(e.name);
      for (let i = 0; i < v.length; i++) v[i] += 0.3 * (rng.uniform() - 0.5);
    }
  }
  const n = c.n;
  const keys = c.keys ? { seed: c.seed, step: 3, sampleIds: Int32Array.from({ length: n }, (_, i) => 100 + i) } : undefined;
  let x = randomArray(rng, n * net.inputSize, -1, 1);
  for (let tries = 0; c.accept; tries++) {
    net.forward(x, n, 'train', keys);
    if (c.accept(net, x, n)) break;
    if (tries === 500) throw new Error(`${c.spec.name}: no input far enough from the kinks in 500 draws`);
    x = randomArray(rng, n * net.inputSize, -1, 1);
  }
  const target: Int32Array | Float32Array =
    c.spec.loss === 'softmax-ce'
      ? Int32Array.from({ length: n }, () => rng.int(net.outputSize))
      : randomArray(rng, n * net.outputSize, 0, 1);
  return {
    net,
    opts: {
      name: c.spec.name,
      params: [...networkParams(net), inputParam({ net, x })],
      ...networkLoss({ net, x, n, target, keys }),
      seed: c.seed + 2,
      h: c.h,
      maxChecks: 24,
    },
  };
}

function check(kernels: KernelSet, c: Case): void {
  assertGradients(setup(c, kernels).opts);
}

// ── Kinks ──────────────────────────────────────────────────────────────────────────────────────────────────
// A central difference with step h = 1e-2 is wrong wherever the perturbation carries a unit across a point
// where the network is not differentiable: a max-pool window whose two largest values swap, or a ReLU-type
// activation whose pre-activation changes side. Moving one weight by h moves a pre-activation by at most
// h·|input| ≤ 0.01 here (inputs in [−1, 1]), and the layers after it by a few times that, so inputs are
// redrawn until every such decision has a margin of KINK_MARGIN = 0.05. Then any remaining failure is a bug.
const KINK_MARGIN = 0.05;

/** Smallest gap between the largest and second largest value over the given windows of a (n, c, h, w) map. */
function minTopTwoGap(map: Float32Array, n: number, c: number, h: number, w: number, windows: [number, number, number, number][]): number {
  let worst = Infinity;
  for (let p = 0; p < n * c; p++) {
    for (const [r0, r1, c0, c1] of windows) {
      if ((r1 - r0) * (c1 - c0) < 2) continue; // a single value cannot tie
      let a = -Infinity;
      let b = -Infinity;
      for (let r = r0; r < r1; r++) {
        for (let t = c0; t < c1; t++) {
          const v = map[p * h * w + r * w + t];
          if (v > a) [a, b] = [v, a];
          else if (v > b) b = v;
        }
      }
      worst = Math.min(worst, a - b);
    }
  }
  return worst;
}

/** The windows of a k×k, stride-k pool, and the bins of a spatial pyramid (PyTorch's adaptive rule). */
function poolWindows(h: number, w: number, k: number): [number, number, number, number][] {
  const out: [number, number, number, number][] = [];
  for (let i = 0; i + k <= h; i += k) for (let j = 0; j + k <= w; j += k) out.push([i, i + k, j, j + k]);
  return out;
}
function sppWindows(h: number, w: number, levels: number[]): [number, number, number, number][] {
  const out: [number, number, number, number][] = [];
  for (const L of levels) {
    for (let a = 0; a < L; a++) {
      for (let b = 0; b < L; b++) {
        out.push([Math.floor((a * h) / L), Math.ceil(((a + 1) * h) / L), Math.floor((b * w) / L), Math.ceil(((b + 1) * w) / L)]);
      }
    }
  }
  return out;
}

/** Accepts the input when the first hidden block's map has a clear winner in every window. */
function clearWinners(windows: (h: number, w: number) => [number, number, number, number][]) {
  return (net: Network, _x: Float32Array, n: number): boolean => {
    const a = net.hiddenActivations()[0];
    const { c, h, w } = net.model.layers[0].out;
    return minTopTwoGap(a.data, n, c, h, w, windows(h, w)) > KINK_MARGIN;
  };
}

/**
 * Reference forward of a dense-only MLP in float64, straight from the definitions, returning the output and
 * the smallest distance of any hidden pre-activation from the activation's kink.
 */
function referenceMlp(net: Network, x: Float32Array, n: number): { out: Float64Array; kinkDistance: number } {
  const act = net.spec.activation.name;
  const dense = net.model.layers.filter((l) => l.kind === 'dense');
  const kink = act === 'srelu' ? -1 : 0;
  let kinkDistance = Infinity;
  let a = Float64Array.from(x);
  let width = net.inputSize;
  dense.forEach((l, li) => {
    const W = net.param(`${l.name}.weight`);
    const b = net.param(`${l.name}.bias`);
    const units = l.out.c;
    const z = new Float64Array(n * units);
    for (let s = 0; s < n; s++) {
      for (let u = 0; u < units; u++) {
        let sum = b[u];
        for (let i = 0; i < width; i++) sum += W[u * width + i] * a[s * width + i];
        z[s * units + u] = sum;
      }
    }
    if (li < dense.length - 1) {
      const slope = act === 'prelu' ? net.param(`${l.name}.act.slope`) : null;
      for (let k = 0; k < z.length; k++) {
        const v = z[k];
        kinkDistance = Math.min(kinkDistance, Math.abs(v - kink));
        const lam = 1.0507009873554805;
        const alp = 1.6732632423543772;
        z[k] =
          act === 'elu' ? (v > 0 ? v : Math.expm1(v))
          : act === 'relu' ? Math.max(0, v)
          : act === 'lrelu' ? (v > 0 ? v : 0.1 * v)
          : act === 'srelu' ? Math.max(-1, v)
          : act === 'prelu' ? (v > 0 ? v : slope![k % units] * v)
          : act === 'selu' ? lam * (v > 0 ? v : alp * Math.expm1(v))
          : v;
      }
    }
    a = z;
    width = units;
  });
  return { out: a, kinkDistance };
}

/** SELU's pre-activation from its output (SELU is invertible): z = y/λ for y > 0, log1p(y/(λα)) below. */
function seluPreactivationsAway(net: Network): boolean {
  const lam = 1.0507009873554805;
  const alp = 1.6732632423543772;
  return net.hiddenActivations().every((h) =>
    h.data.every((y) => Math.abs(y > 0 ? y / lam : Math.log1p(y / (lam * alp))) > KINK_MARGIN),
  );
}

for (const ks of KERNEL_SETS) {
  const kt = (name: string, fn: () => void): void => {
    test(`${ks.name}: ${name}`, { skip: ks.skip }, fn);
  };

  kt('small CNN conv → ELU → maxpool → dense → softmax-CE: parameter and input gradients', () => {
    check(ks.k, {
      spec: spec('cnn', 'elu', [2, 4, 4], [
        { type: 'conv', filters: 3, size: 3 },
        { type: 'maxpool', size: 2 },
        { type: 'dense', units: 4, activation: 'none' },
      ]),
      n: 2,
      seed: 11,
      accept: clearWinners((h, w) => poolWindows(h, w, 2)),
    });
  });

  kt('the check has teeth: a backward with the wrong scale, or one that forgets the input, fails', () => {
    const c: Case = {
      spec: spec('cnn', 'elu', [2, 6, 6], [
        { type: 'conv', filters: 3, size: 3 },
        { type: 'maxpool', size: 2 },
        { type: 'dense', units: 4, activation: 'none' },
      ]),
      n: 3,
      seed: 11,
    };
    const { net, opts } = setup(c, ks.k);
    const wrongScale = gradCheck({ ...opts, backward: (dout) => { opts.backward(new Float32Array([dout[0] * 1.5])); } });
    assert.equal(wrongScale.ok, false, 'a 1.5× gradient must fail');
    const noInput = gradCheck({
      ...opts,
      backward: (dout) => {
        opts.backward(dout);
        net.inputGrad().fill(0); // loses the pre-filled noise and the gradient: must fail on 'input'
      },
    });
    assert.equal(noInput.ok, false);
    assert.ok(noInput.failures.some((f) => f.includes('input')), noInput.failures.join('\n'));
  });

  kt('CNN with batch norm (conv → BN → ELU, dense → BN → ELU), 2×2 same-padded conv, avg pool', () => {
    check(ks.k, {
      spec: spec('cnn-bn', 'elu', [2, 6, 6], [
        { type: 'conv', filters: 3, size: 2, pad: 'same', batchNorm: true },
        { type: 'avgpool', size: 2 },
        { type: 'conv', filters: 4, size: 3, stride: 2, pad: 1, batchNorm: true },
        { type: 'dense', units: 5, batchNorm: true },
        { type: 'dense', units: 3, activation: 'none' },
      ]),
      n: 4,
      seed: 21,
    });
  });

  kt('1×1-conv head with global average pooling, and a spatial-pyramid-pooling net', () => {
    check(ks.k, {
      spec: spec('gap', 'elu', [3, 5, 5], [
        { type: 'conv', filters: 4, size: 3 },
        { type: 'conv', filters: 3, size: 1, activation: 'none' },
        { type: 'globalavgpool' },
      ]),
      n: 2,
      seed: 31,
    });
    check(ks.k, {
      spec: spec('spp', 'elu', [2, 4, 4], [
        { type: 'conv', filters: 3, size: 3 },
        { type: 'spp', levels: [1, 2, 4] },
        { type: 'dense', units: 3, activation: 'none' },
      ]),
      n: 2,
      seed: 32,
      accept: clearWinners((h, w) => sppWindows(h, w, [1, 2, 4])),
    });
  });

  // ReLU, LReLU, SReLU, PReLU have a kink in the value's slope, SELU one in its derivative (λ vs λα at 0); ELU
  // with α = 1 is C¹ and needs no margin, but it gets the same treatment at no cost.
  for (const act of ACTIVATION_NAMES) {
    kt(`MLP with ${act}: two hidden layers, output against a float64 reference, every gradient`, () => {
      const c: Case = {
        spec: spec(`mlp-${act}`, act, [1, 3, 3], [
          { type: 'dense', units: 6 },
          { type: 'dense', units: 5 },
          { type: 'dense', units: 4, activation: 'none' },
        ]),
        n: 3,
        seed: 41,
        accept: (net, x, n) => referenceMlp(net, x, n).kinkDistance > KINK_MARGIN,
      };
      const { net, opts } = setup(c, ks.k);
      // the forward the gradients are checked against is itself the definition (float32 vs float64 sums of
      // 9 and 6 products: ~1e-6 relative; 1e-5 leaves margin)
      const x = opts.params[opts.params.length - 1].value;
      const out = net.forward(x, c.n, 'train');
      expectClose(out, referenceMlp(net, x, c.n).out, { rtol: 1e-5, atol: 1e-5, name: `${act} forward` });
      assertGradients(opts);
    });
  }

  kt('dropout (ELU) and alpha-dropout (SELU) in train mode with fixed keys', () => {
    const layers: LayerSpec[] = [
      { type: 'dense', units: 8 },
      { type: 'dropout', rate: 0.3 },
      { type: 'dense', units: 6 },
      { type: 'dropout', rate: 0.2 },
      { type: 'dense', units: 3, activation: 'none' },
    ];
    check(ks.k, { spec: spec('drop', 'elu', [4, 1, 1], layers), n: 3, seed: 51, keys: true });
    check(ks.k, { spec: spec('alpha-drop', 'selu', [4, 1, 1], layers), n: 3, seed: 52, keys: true, accept: seluPreactivationsAway });
  });

  kt('autoencoder-style losses: sigmoid cross-entropy and MSE (per-sample sums)', () => {
    const layers: LayerSpec[] = [
      { type: 'dense', units: 5 },
      { type: 'dense', units: 2, activation: 'none' },
      { type: 'dense', units: 5 },
      { type: 'dense', units: 6, activation: 'none' },
    ];
    check(ks.k, { spec: spec('ae-sce', 'elu', [1, 2, 3], layers, 'sigmoid-ce'), n: 3, seed: 61 });
    check(ks.k, { spec: spec('ae-mse', 'elu', [1, 2, 3], layers, 'mse'), n: 3, seed: 62 });
  });

  kt("per-pixel losses (reduction 'mean'): gradients, and the value and gradient are those of the sum divided by the outputs", () => {
    const layers: LayerSpec[] = [
      { type: 'dense', units: 5 },
      { type: 'dense', units: 6, activation: 'none' },
    ];
    for (const loss of ['sigmoid-ce', 'mse'] as const) {
      const mean: ModelSpec = { ...spec(`ae-${loss}-mean`, 'elu', [1, 2, 3], layers, loss), reduction: 'mean' };
      check(ks.k, { spec: mean, n: 3, seed: 63 });
      // the same weights, batch and targets under 'sum' and 'mean'
      const nets = [spec(`ae-${loss}`, 'elu', [1, 2, 3], layers, loss), mean].map((s) => new Network(s, { maxBatch: 3, kernels: ks.k }));
      const rng = new Rng(64);
      const x = randomArray(rng, 18, -1, 1);
      const t = randomArray(rng, 18, 0, 1);
      const [sum, avg] = nets.map((net) => {
        net.initParams(5);
        net.forward(x, 3, 'train');
        const value = net.loss(t, 3);
        net.zeroGrad();
        net.backward(t, 3, 1 / 3);
        return { value, grads: Float32Array.from(net.grads) };
      });
      // one float32 division by D = 6 (or a multiplication by it) apart: a few ulps
      expectClose([avg.value], [sum.value / 6], { rtol: 1e-6, atol: 0, name: `${loss}: loss` });
      expectClose(avg.grads, sum.grads.map((g) => g / 6), { rtol: 1e-5, atol: 1e-9, name: `${loss}: gradients` });
    }
  });

  // ── Normalization after the activation ───────────────────────────────────────────────────────────────────
  // These check that 'bn-after' and 'center-after' place the layers where the backward expects them (the
  // activation's backward reads its own output, which the layer after it must not overwrite). ELU is C¹, so no
  // input is rejected for a kink, but its second derivative jumps at 0 (from 1 to 0): a unit within h of 0
  // makes a central difference err by O(h), and a batch statistic over the few values of a dense unit passes
  // that on to every sample. Over 30 seeds, 3–12 of them failed at h = 1e-2 alone, all by a few per cent; with
  // the ladder h = 1e-2, 3e-3, 1e-3 (an element passes at any of them) none of the centring ones did, and the
  // BN-after ones only on gradients below 4e-4, where float32 rounding of the loss is the limit. A wrong sign or
  // a wrong buffer fails at every step size (made in place on purpose, the centring fails at once). BN over 8
  // samples, not 4: ELU outputs of one unit bunch up near −1, and 1/σ of 4 such values amplifies the curvature.
  kt("norm 'center-after' and 'bn-after': conv and dense blocks, train mode (batch statistics)", () => {
    for (const norm of ['center-after', 'bn-after'] as const) {
      const { opts } = setup({
        spec: spec(`cnn-${norm}`, 'elu', [2, 5, 5], [
          { type: 'conv', filters: 3, size: 3, norm },
          { type: 'avgpool', size: 2 },
          { type: 'dense', units: 5, norm },
          { type: 'dense', units: 4, norm },
          { type: 'dense', units: 3, activation: 'none' },
        ]),
        n: 8,
        seed: norm === 'bn-after' ? 71 : 72,
      }, ks.k);
      assertGradients({ ...opts, steps: [1e-2, 3e-3, 1e-3] });
    }
  });

  kt('eval mode: gradients of the evaluation function (running statistics held constant) for bn-before, bn-after, center-after', () => {
    for (const [i, norm] of (['bn-before', 'bn-after', 'center-after'] as const).entries()) {
      const s = spec(`eval-${norm}`, 'elu', [2, 4, 4], [
        { type: 'conv', filters: 3, size: 3, norm },
        { type: 'dense', units: 5, norm },
        { type: 'dense', units: 3, activation: 'none' },
      ]);
      const { net, opts } = setup({ spec: s, n: 3, seed: 80 + i }, ks.k);
      // running statistics away from their initial 0 and 1, so that a backward that ignored them would show
      // (no batch statistics in eval mode: every layer but ELU is affine in what the check moves)
      const rng = new Rng(90 + i);
      for (const e of net.stateLayout) {
        const v = net.state.subarray(e.offset, e.offset + e.size);
        for (let k = 0; k < v.length; k++) v[k] = e.name.endsWith('running_var') ? 0.3 + 2 * rng.uniform() : rng.uniform() - 0.5;
      }
      const x = opts.params[opts.params.length - 1].value;
      const target = Int32Array.from({ length: 3 }, () => rng.int(3));
      assertGradients({
        ...opts,
        name: `${s.name} (eval)`,
        forward: () => (net.forward(x, 3, 'eval'), net.loss(target, 3)),
        backward: (dout) => {
          net.forward(x, 3, 'eval');
          net.backward(target, 3, dout[0] / 3);
        },
      });
    }
  });
}
