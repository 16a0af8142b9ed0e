/**
 * Does the gradient checker catch the mistakes people actually make in a backward pass?
 *
 * A gradient test is only worth having if it fails on a wrong backward. Here we write deliberately broken
 * copies of the conv2d, dense, mean-centring and evaluation-mode batch-norm backward passes — a flipped sign,
 * an off-by-one index in the conv weight gradient, `=` where `+=` belongs (a missing accumulation), a missing
 * term, a mean over the wrong axis — and assert that gradCheck rejects every one of them while it accepts the
 * real kernels on the very same problem.
 *
 * The broken conv passes are a copy of the seven-loop reference in src/kernels/conv2d.ts with one switch per
 * planted bug, the broken centring passes a copy of centerBackward's loops likewise; the broken dense and
 * batch-norm passes and the overwriting conv pass wrap the real kernels. Every check runs
 * with both kernel sets (test/util/kernel-sets.ts): the forward, the real backward passes and the wrapped ones
 * are those of the set (the SIMD sources' own planted bugs are in test/simd-planted-bugs.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { conv2dShape, conv2dBackwardInputNaive, conv2dBackwardParamsNaive, type Conv2dShape } from '../src/kernels/conv2d.js';
import { denseShape, type DenseShape } from '../src/kernels/dense.js';
import { centerShape, type CenterShape } from '../src/kernels/center.js';
import { batchNormShape, type BatchNormShape } from '../src/kernels/batchnorm.js';
import type { KernelSet } from '../src/kernels/kernel-set.js';
import { Rng } from '../src/rng.js';
import { KERNEL_SETS } from './util/kernel-sets.js';
import { gradCheck, randomArray } from './util/check.js';

type ConvBug = 'none' | 'sign' | 'offByOne' | 'overwrite' | 'missingTap' | 'missingSample';

/** conv2dBackwardInputNaive, with a planted bug. */
function convBackwardInputPlanted(dx: Float32Array, dy: Float32Array, w: Float32Array, s: Conv2dShape, bug: ConvBug): void {
  const { n: N, c: C, h: H, w: W, oc: OC, kh: KH, kw: KW, stride, padTop, padLeft, oh: OH, ow: OW } = s;
  // 'missingTap': the q loop stops one short, so the last column of every filter never sends gradient back
  const qEnd = bug === 'missingTap' ? KW - 1 : KW;
  // 'sign': dx −= … (e.g. from differentiating y = b − w·x by mistake)
  const sign = bug === 'sign' ? -1 : 1;
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < OC; o++) {
      for (let i = 0; i < OH; i++) {
        for (let j = 0; j < OW; j++) {
          const g = dy[((n * OC + o) * OH + i) * OW + j];
          for (let c = 0; c < C; c++) {
            for (let p = 0; p < KH; p++) {
              const u = i * stride + p - padTop;
              if (u < 0 || u >= H) continue;
              for (let q = 0; q < qEnd; q++) {
                const v = j * stride + q - padLeft;
                if (v < 0 || v >= W) continue;
                dx[((n * C + c) * H + u) * W + v] += sign * g * w[((o * C + c) * KH + p) * KW + q];
              }
            }
          }
        }
      }
    }
  }
}

/** conv2dBackwardParamsNaive, with a planted bug. */
function convBackwardParamsPlanted(dw: Float32Array, db: Float32Array, dy: Float32Array, x: Float32Array, s: Conv2dShape,
                                   bug: ConvBug): void {
  const { n: N, c: C, h: H, w: W, oc: OC, kh: KH, kw: KW, stride, padTop, padLeft, oh: OH, ow: OW } = s;
  // 'offByOne': the input row of tap p is taken as i·s + p − padTop + 1 (a pad or tap index off by one)
  const shift = bug === 'offByOne' ? 1 : 0;
  for (let o = 0; o < OC; o++) {
    for (let c = 0; c < C; c++) {
      for (let p = 0; p < KH; p++) {
        for (let q = 0; q < KW; q++) {
          let sum = 0;
          for (let n = 0; n < N; n++) {
            for (let i = 0; i < OH; i++) {
              const u = i * stride + p - padTop + shift;
              if (u < 0 || u >= H) continue;
              for (let j = 0; j < OW; j++) {
                const v = j * stride + q - padLeft;
                if (v < 0 || v >= W) continue;
                sum += dy[((n * OC + o) * OH + i) * OW + j] * x[((n * C + c) * H + u) * W + v];
              }
            }
          }
          const at = ((o * C + c) * KH + p) * KW + q;
          // 'overwrite': dw = … instead of dw += … (right for one batch, wrong once gradients accumulate)
          if (bug === 'overwrite') dw[at] = sum;
          else dw[at] += sum;
        }
      }
    }
  }
  for (let o = 0; o < OC; o++) {
    let sum = 0;
    // 'missingSample': the bias gradient sums over the first sample only
    const nEnd = bug === 'missingSample' ? 1 : N;
    for (let n = 0; n < nEnd; n++) {
      for (let t = 0; t < OH * OW; t++) sum += dy[(n * OC + o) * OH * OW + t];
    }
    db[o] += sum;
  }
}

/**
 * One small conv problem (two samples, asymmetric padding, a 3×2 kernel so that rows and columns differ)
 * and gradCheck over all of x, w and b with the given backward.
 */
function checkConv(k: KernelSet, backward: (dx: Float32Array, dw: Float32Array, db: Float32Array, dy: Float32Array,
                                           x: Float32Array, w: Float32Array, s: Conv2dShape) => void) {
  const s = conv2dShape({ n: 2, c: 2, h: 5, w: 4, oc: 2, kh: 3, kw: 2, pad: { top: 1, bottom: 0, left: 0, right: 1 } });
  const rng = new Rng(42);
  const x = inSet(k, randomArray(rng, s.n * s.c * s.h * s.w));
  const w = inSet(k, randomArray(rng, s.oc * s.c * s.kh * s.kw));
  const b = inSet(k, randomArray(rng, s.oc));
  const [dx, dw, db] = [k.alloc.f32(x.length), k.alloc.f32(w.length), k.alloc.f32(b.length)];
  const y = k.alloc.f32(s.n * s.oc * s.oh * s.ow);
  const ws = k.alloc.f32(k.conv2dWorkspaceSize(s));
  return gradCheck({
    name: 'conv2d',
    seed: 7,
    maxChecks: 1000, // every element: a bug that touches only some entries cannot slip through the sample
    params: [
      { name: 'x', value: x, grad: dx },
      { name: 'w', value: w, grad: dw },
      { name: 'b', value: b, grad: db },
    ],
    forward: () => {
      k.conv2dForward(y, x, w, b, s, ws);
      return y;
    },
    backward: (dout) => backward(dx, dw, db, dout, x, w, s),
  });
}

const realConvNaive = (dx: Float32Array, dw: Float32Array, db: Float32Array, dy: Float32Array, x: Float32Array,
                       w: Float32Array, s: Conv2dShape) => {
  conv2dBackwardInputNaive(dx, dy, w, s);
  conv2dBackwardParamsNaive(dw, db, dy, x, s);
};
const planted = (bug: ConvBug) =>
  (dx: Float32Array, dw: Float32Array, db: Float32Array, dy: Float32Array, x: Float32Array, w: Float32Array, s: Conv2dShape) => {
    convBackwardInputPlanted(dx, dy, w, s, bug);
    convBackwardParamsPlanted(dw, db, dy, x, s, bug);
  };

/** A copy of `a` in the set's memory. */
function inSet(k: KernelSet, a: Float32Array): Float32Array {
  const v = k.alloc.f32(a.length);
  v.set(a);
  return v;
}

for (const ks of KERNEL_SETS) {
  const k = ks.k;
  const kt = (name: string, fn: () => void): void => {
    test(`${ks.name}: ${name}`, { skip: ks.skip }, fn);
  };

  kt('gradCheck accepts the real conv2d backward passes (naive and the set\'s) and the unbroken local copy', () => {
    for (const [name, backward] of [
      ['naive', realConvNaive],
      [ks.name, (dx: Float32Array, dw: Float32Array, db: Float32Array, dy: Float32Array, x: Float32Array, w: Float32Array, s: Conv2dShape) => {
        const ws = k.alloc.f32(k.conv2dWorkspaceSize(s));
        k.conv2dBackwardInput(dx, inSet(k, dy), w, s, ws);
        k.conv2dBackwardParams(dw, db, inSet(k, dy), x, s, ws);
      }],
      ['local copy, no bug', planted('none')],
    ] as const) {
      const r = checkConv(k, backward);
      assert.equal(r.ok, true, `${name}: ${r.failures.join('\n')}`);
    }
  });

  for (const [bug, what] of [
    ['sign', 'a flipped sign in the input gradient (dx −= …)'],
    ['offByOne', 'an off-by-one input row in the weight gradient'],
    ['overwrite', 'a missing accumulation in the weight gradient (dw = … instead of +=)'],
    ['missingTap', 'a missing term: the last filter column left out of the input gradient'],
    ['missingSample', 'a missing term: the bias gradient summed over the first sample only'],
  ] as const) {
    kt(`gradCheck rejects a conv2d backward with ${what}`, () => {
      const r = checkConv(k, planted(bug));
      assert.equal(r.ok, false, `planted bug '${bug}' passed the gradient check (worst error ${r.worst})`);
      // Each of these bugs is a gross error (relative error ≫ the 1e-2 tolerance), not a borderline one.
      assert.ok(r.worst > 0.1, `planted bug '${bug}' gave only a worst error of ${r.worst}`);
    });
}

kt('gradCheck rejects the set\'s conv2d backward wrapped to overwrite instead of accumulate', () => {
  const r = checkConv(k, (dx, dw, db, dy, x, w, s) => {
    const ws = k.alloc.f32(k.conv2dWorkspaceSize(s));
    dx.fill(0); // what `dx = …` amounts to: whatever the buffer held (another branch's gradient) is lost
    k.conv2dBackwardInput(dx, inSet(k, dy), w, s, ws);
    k.conv2dBackwardParams(dw, db, inSet(k, dy), x, s, ws);
  });
  assert.equal(r.ok, false);
});
}

// ─────────────────────────────────────────────── dense ───────────────────────────────────────────────

type DenseBackward = (dx: Float32Array, dw: Float32Array, db: Float32Array, dy: Float32Array, x: Float32Array,
                      w: Float32Array, s: DenseShape) => void;

/** gradCheck of a 3-sample, 5-in, 4-out dense layer (in ≠ out, so a transposed index cannot go unnoticed). */
function checkDense(k: KernelSet, backward: DenseBackward) {
  const s = denseShape({ n: 3, inFeatures: 5, outFeatures: 4 });
  const rng = new Rng(5);
  const x = inSet(k, randomArray(rng, 15));
  const w = inSet(k, randomArray(rng, 20));
  const b = inSet(k, randomArray(rng, 4));
  const [dx, dw, db] = [k.alloc.f32(15), k.alloc.f32(20), k.alloc.f32(4)];
  const y = k.alloc.f32(12);
  return gradCheck({
    name: 'dense',
    seed: 9,
    maxChecks: 1000,
    params: [
      { name: 'x', value: x, grad: dx },
      { name: 'w', value: w, grad: dw },
      { name: 'b', value: b, grad: db },
    ],
    forward: () => {
      k.denseForward(y, x, w, b, s);
      return y;
    },
    backward: (dout) => backward(dx, dw, db, inSet(k, dout), x, w, s),
  });
}

for (const ks of KERNEL_SETS) {
  const k = ks.k;
  const realDense: DenseBackward = (dx, dw, db, dy, x, w, s) => {
    k.denseBackwardInput(dx, dy, w, s);
    k.denseBackwardParams(dw, db, dy, x, s);
  };

  test(`${ks.name}: gradCheck accepts the real dense backward`, { skip: ks.skip }, () => {
    const r = checkDense(k, realDense);
    assert.equal(r.ok, true, r.failures.join('\n'));
  });

  test(`${ks.name}: gradCheck rejects broken dense backward passes`, { skip: ks.skip }, () => {
    const broken: [string, DenseBackward][] = [
      ['flipped sign in dx', (dx, dw, db, dy, x, w, s) => {
        const neg = inSet(k, dy.map((g) => -g));
        k.denseBackwardInput(dx, neg, w, s);
        k.denseBackwardParams(dw, db, dy, x, s);
      }],
      ['dw overwritten (=) instead of accumulated', (dx, dw, db, dy, x, w, s) => {
        dw.fill(0);
        realDense(dx, dw, db, dy, x, w, s);
      }],
      ['dw computed as xᵀ·dy, i.e. stored (in, out) instead of (out, in)', (dx, dw, db, dy, x, w, s) => {
        k.denseBackwardInput(dx, dy, w, s);
        const { n: N, inFeatures: IN, outFeatures: OUT } = s;
        for (let i = 0; i < IN; i++) {
          for (let o = 0; o < OUT; o++) {
            let sum = 0;
            for (let n = 0; n < N; n++) sum += x[n * IN + i] * dy[n * OUT + o];
            dw[i * OUT + o] += sum; // wrong index: should be dw[o * IN + i]
          }
        }
        for (let n = 0; n < N; n++) for (let o = 0; o < OUT; o++) db[o] += dy[n * OUT + o];
      }],
      ['bias gradient missing', (dx, dw, db, dy, x, w, s) => {
        k.denseBackwardInput(dx, dy, w, s);
        k.denseBackwardParams(dw, null, dy, x, s);
      }],
    ];
    for (const [what, backward] of broken) {
      const r = checkDense(k, backward);
      assert.equal(r.ok, false, `'${what}' passed the gradient check (worst error ${r.worst})`);
    }
  });
}

// ─────────────────────────────────────────────── center ──────────────────────────────────────────────

type CenterBug = 'none' | 'sign' | 'noMean' | 'perSample' | 'overwrite' | 'wrongCount';

/** centerBackward's loops, with a planted bug. */
function centerBackwardPlanted(dx: Float32Array, dy: Float32Array, s: CenterShape, bug: CenterBug): void {
  const { n, c, spatial: S } = s;
  const M = n * S;
  const stride = c * S;
  for (let ch = 0; ch < c; ch++) {
    let sum = 0;
    for (let b = 0; b < n; b++) for (let i = 0; i < S; i++) sum += dy[b * stride + ch * S + i];
    for (let b = 0; b < n; b++) {
      // 'perSample': the mean taken over one sample's pixels (the axis of a layer norm), not over the batch
      let own = 0;
      for (let i = 0; i < S; i++) own += dy[b * stride + ch * S + i];
      // 'wrongCount': divided by N instead of M = N·S (the pixels forgotten)
      const mean = bug === 'perSample' ? own / S : bug === 'wrongCount' ? sum / n : sum / M;
      for (let i = 0; i < S; i++) {
        const at = b * stride + ch * S + i;
        // 'sign': dy + mean; 'noMean': the identity's backward (the mean term forgotten)
        const g = bug === 'sign' ? dy[at] + mean : bug === 'noMean' ? dy[at] : dy[at] - mean;
        if (bug === 'overwrite') dx[at] = g;
        else dx[at] += g;
      }
    }
  }
}

/** gradCheck of centring a 3-sample, 2-channel, 2×2 batch (N, C, S all different from 1). */
function checkCenter(k: KernelSet, backward: (dx: Float32Array, dy: Float32Array, s: CenterShape) => void) {
  const s = centerShape({ n: 3, c: 2, spatial: 4 });
  const x = inSet(k, randomArray(new Rng(12), 24));
  const dx = k.alloc.f32(24);
  const y = k.alloc.f32(24);
  const mean = k.alloc.f32(2);
  return gradCheck({
    name: 'center',
    seed: 13,
    maxChecks: 1000,
    params: [{ name: 'x', value: x, grad: dx }],
    forward: () => (k.centerForwardTrain(y, mean, x, s), y),
    backward: (dy) => backward(dx, inSet(k, dy), s),
  });
}

for (const ks of KERNEL_SETS) {
  const k = ks.k;
  const kt = (name: string, fn: () => void): void => {
    test(`${ks.name}: ${name}`, { skip: ks.skip }, fn);
  };

  kt('gradCheck accepts the real centring backward and the unbroken local copy', () => {
    for (const [name, backward] of [
      ['real', k.centerBackward],
      ['local copy, no bug', (dx: Float32Array, dy: Float32Array, s: CenterShape) => centerBackwardPlanted(dx, dy, s, 'none')],
    ] as const) {
      const r = checkCenter(k, backward);
      assert.equal(r.ok, true, `${name}: ${r.failures.join('\n')}`);
    }
  });

  for (const [bug, what] of [
    ['sign', 'the mean term added instead of subtracted'],
    ['noMean', 'the mean term forgotten (the backward of the identity)'],
    ['perSample', "the mean taken over one sample's pixels instead of the batch"],
    ['wrongCount', 'the sum divided by N instead of N·H·W'],
    ['overwrite', 'dx = … instead of dx += …'],
  ] as const) {
    kt(`gradCheck rejects a centring backward with ${what}`, () => {
      const r = checkCenter(k, (dx, dy, s) => centerBackwardPlanted(dx, dy, s, bug));
      assert.equal(r.ok, false, `planted bug '${bug}' passed the gradient check (worst error ${r.worst})`);
    });
  }
}

// ─────────────────────────────────────── batch norm, evaluation mode ───────────────────────────────────────

type BnEvalBackward = (dx: Float32Array, dg: Float32Array, db: Float32Array, dy: Float32Array, x: Float32Array, gamma: Float32Array,
                       runMean: Float32Array, runVar: Float32Array, s: BatchNormShape) => void;

function checkBnEval(k: KernelSet, backward: BnEvalBackward) {
  const s = batchNormShape({ n: 2, c: 3, spatial: 2 });
  const rng = new Rng(21);
  const x = inSet(k, randomArray(rng, 12, -2, 2));
  const gamma = inSet(k, randomArray(rng, 3, 0.5, 2));
  const beta = inSet(k, randomArray(rng, 3, -1, 1));
  const runMean = inSet(k, randomArray(rng, 3, -1, 1));
  const runVar = inSet(k, randomArray(rng, 3, 0.2, 3)); // far from 1, so a forgotten 1/√var cannot pass
  const [dx, dg, db] = [k.alloc.f32(12), k.alloc.f32(3), k.alloc.f32(3)];
  const y = k.alloc.f32(12);
  return gradCheck({
    name: 'batchnorm eval',
    seed: 22,
    maxChecks: 1000,
    params: [
      { name: 'x', value: x, grad: dx },
      { name: 'gamma', value: gamma, grad: dg },
      { name: 'beta', value: beta, grad: db },
    ],
    forward: () => (k.batchNormForwardEval(y, x, gamma, beta, runMean, runVar, s, 1e-5), y),
    backward: (dy) => backward(dx, dg, db, inSet(k, dy), x, gamma, runMean, runVar, s),
  });
}

for (const ks of KERNEL_SETS) {
  const k = ks.k;
  test(`${ks.name}: gradCheck accepts the real evaluation-mode batch-norm backward and rejects broken ones`, { skip: ks.skip }, () => {
    const real = checkBnEval(k, (dx, dg, db, dy, x, g, m, v, s) => k.batchNormBackwardEval(dx, dg, db, dy, x, g, m, v, s));
    assert.equal(real.ok, true, real.failures.join('\n'));
    const broken: [string, BnEvalBackward][] = [
      ['γ left out of dx', (dx, dg, db, dy, x, g, m, v, s) => k.batchNormBackwardEval(dx, dg, db, dy, x, inSet(k, new Float32Array(g.length).fill(1)), m, v, s)],
      ['dγ taken from the raw x, not (x − runMean)/σ', (dx, dg, db, dy, x, g, m, v, s) => {
        k.batchNormBackwardEval(dx, k.alloc.f32(dg.length), db, dy, x, g, m, v, s);
        k.batchNormBackwardEval(k.alloc.f32(dx.length), dg, k.alloc.f32(db.length), dy, x, g, k.alloc.f32(m.length), inSet(k, new Float32Array(v.length).fill(1 - 1e-5)), s);
      }],
      ['the training backward (batch statistics) used in evaluation mode', (dx, dg, db, dy, x, g, _m, _v, s) => {
        // what the layer did before it knew the eval mode: x̂ and 1/σ of the batch instead of the running ones
        const xhat = k.alloc.f32(x.length);
        const inv = k.alloc.f32(s.c);
        k.batchNormForwardTrain(k.alloc.f32(x.length), xhat, k.alloc.f32(s.c), inv, x, g, k.alloc.f32(s.c), s, 1e-5);
        k.batchNormBackward(dx, dg, db, dy, xhat, inv, g, s);
      }],
    ];
    for (const [what, backward] of broken) {
      const r = checkBnEval(k, backward);
      assert.equal(r.ok, false, `'${what}' passed the gradient check (worst error ${r.worst})`);
    }
  });
}
