/**
 * Preprocessing: the symmetric eigensolver (against the Jacobi reference and its defining identities),
 * GCN (hand case and invariants), ZCA (whitened covariance = I up to the filter bias), mean subtraction,
 * the JSON round trip, and the recipe parser.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Rng } from '../src/rng.js';
import { DataError, ShapeError } from '../src/errors.js';
import { expectClose } from './util/check.js';
import {
  type Dataset, symmetricEigen, symmetricEigenJacobi, gcn, GCN_DEFAULTS, fitPreprocessor, applyPreprocessor,
  parsePreprocessSpec, validatePreprocessor, covariance, covarianceNaive, pixelMean, decodeArray,
} from '../src/data/index.js';

function randomSymmetric(n: number, rng: Rng): Float64Array {
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const v = rng.normal();
      a[i * n + j] = v;
      a[j * n + i] = v;
    }
  }
  return a;
}

/** max |A·u_j − λ_j·u_j| and max |UUᵀ − I| */
function eigenResiduals(a: Float64Array, n: number, values: Float64Array, vectors: Float64Array): { res: number; orth: number } {
  let res = 0;
  let orth = 0;
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += a[i * n + k] * vectors[j * n + k];
      res = Math.max(res, Math.abs(s - values[j] * vectors[j * n + i]));
      let o = 0;
      for (let k = 0; k < n; k++) o += vectors[i * n + k] * vectors[j * n + k];
      orth = Math.max(orth, Math.abs(o - (i === j ? 1 : 0)));
    }
  }
  return { res, orth };
}

test('symmetricEigen: hand case [[2,1],[1,2]] → λ = 1, 3 with u = (1,∓1)/√2', () => {
  const { values, vectors } = symmetricEigen([2, 1, 1, 2], 2);
  expectClose(values, [1, 3], { atol: 1e-15, name: 'eigenvalues' });
  const r = Math.SQRT1_2;
  // eigenvectors are defined up to sign: compare |u|
  expectClose(vectors.map(Math.abs), [r, r, r, r], { atol: 1e-15, name: '|eigenvectors|' });
  assert.ok(Math.abs(vectors[0] + vectors[1]) < 1e-15, 'u for λ = 1 is (1, −1)/√2');
});

test('symmetricEigen: A·u = λ·u, UUᵀ = I, ascending, and agrees with the Jacobi reference', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 24 }), fc.integer({ min: 0, max: 1e6 }), (n, seed) => {
      const a = randomSymmetric(n, new Rng(seed));
      const fast = symmetricEigen(a, n);
      const ref = symmetricEigenJacobi(a, n);
      const { res, orth } = eigenResiduals(a, n, fast.values, fast.vectors);
      // entries are N(0,1), so ‖A‖ ≈ 2√n ≤ 10: float64 backward-stable methods leave residuals ~n·ε·‖A‖ ≈ 1e-13
      assert.ok(res < 1e-11, `residual ${res}`);
      assert.ok(orth < 1e-12, `orthogonality ${orth}`);
      for (let i = 1; i < n; i++) assert.ok(fast.values[i] >= fast.values[i - 1]);
      // eigenvalues are well-conditioned (Weyl): both methods agree to round-off
      expectClose(fast.values, ref.values, { atol: 1e-11, rtol: 0, name: 'eigenvalues vs Jacobi' });
    }),
    { seed: 11, numRuns: 40 },
  );
});

test('symmetricEigen: repeated eigenvalues and a zero matrix', () => {
  const n = 6;
  const eye = new Float64Array(n * n);
  for (let i = 0; i < n; i++) eye[i * n + i] = 3;
  const r = symmetricEigen(eye, n);
  expectClose(r.values, new Array(n).fill(3), { atol: 1e-15, name: '3·I' });
  assert.ok(eigenResiduals(eye, n, r.values, r.vectors).orth < 1e-14);
  const z = symmetricEigen(new Float64Array(n * n), n);
  expectClose(z.values, new Array(n).fill(0), { atol: 0, name: 'zero matrix' });
  // a rank-1 matrix v·vᵀ: one eigenvalue ‖v‖², the rest 0
  const v = [1, 2, 3, 4, 5, 6];
  const a = new Float64Array(n * n).map((_, i) => v[Math.floor(i / n)] * v[i % n]);
  const r1 = symmetricEigen(a, n);
  expectClose(r1.values, [0, 0, 0, 0, 0, 91], { atol: 1e-12, name: 'rank one' });
});

test('symmetricEigen: wrong size is a ShapeError', () => {
  assert.throws(() => symmetricEigen([1, 2, 3], 2), ShapeError);
});

function dataset(images: Float32Array, n: number, c: number, h: number, w: number): Dataset {
  return { name: 't', images, labels: new Int32Array(n), n, c, h, w, classes: 1, source: 'test' };
}

test('gcn: hand case — x = (1, 2, 3, 6): mean 3, z = (−2, −1, 0, 3), ‖z‖ = √14, x ← 55·z/√14', () => {
  const x = Float32Array.from([1, 2, 3, 6]);
  gcn(x, 1, 4, GCN_DEFAULTS);
  const k = 55 / Math.sqrt(14);
  expectClose(x, [-2 * k, -1 * k, 0, 3 * k], { rtol: 1e-6, name: 'gcn' }); // float32 storage: ~6e-8 relative
});

test('gcn: every image gets mean 0 and L2 norm = scale; a constant image stays 0 (min_divisor)', () => {
  const rng = new Rng(3);
  const n = 5;
  const d = 48;
  const x = new Float32Array(n * d).map(() => rng.uniform());
  x.fill(0.7, 0, d); // image 0 is constant: its normalizer is 0 < min_divisor → divided by 1
  gcn(x, n, d, GCN_DEFAULTS);
  for (let i = 0; i < n; i++) {
    let s = 0;
    let ss = 0;
    for (let k = 0; k < d; k++) {
      s += x[i * d + k];
      ss += x[i * d + k] ** 2;
    }
    assert.ok(Math.abs(s / d) < 1e-5, `image ${i} mean ${s / d}`); // float32 rounding of values ~±10
    const norm = Math.sqrt(ss);
    if (i === 0) assert.equal(norm, 0);
    else assert.ok(Math.abs(norm - 55) < 55 * 1e-6, `image ${i} norm ${norm}`);
  }
});

test('gcn: useStd divides by the sample standard deviation (ddof = 1) instead of the L2 norm', () => {
  const x = Float32Array.from([1, 2, 3, 6]);
  gcn(x, 1, 4, { ...GCN_DEFAULTS, useStd: true, scale: 1 });
  const sd = Math.sqrt(14 / 3);
  expectClose(x, [-2 / sd, -1 / sd, 0, 3 / sd], { rtol: 1e-6, name: 'gcn useStd' });
});

/** Correlated Gaussian data: x = A·g with a random mixing matrix, so the covariance is far from I. */
function correlated(n: number, d: number, seed: number, spread = 2): Float32Array {
  const rng = new Rng(seed);
  const mix = new Float64Array(d * d).map(() => rng.normal());
  const x = new Float32Array(n * d);
  const g = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < d; k++) g[k] = rng.normal();
    for (let a = 0; a < d; a++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += mix[a * d + k] * g[k];
      x[i * d + a] = 3 + spread * s;
    }
  }
  return x;
}

test('covariance (tiled, upper triangle) equals the naive triple loop for awkward sizes', () => {
  for (const [n, d] of [[1, 1], [5, 3], [64, 4], [130, 13], [67, 9]]) {
    const r = new Rng(n * 100 + d);
    const x = new Float32Array(n * d).map(() => r.normal());
    const mean = pixelMean(x, n, d);
    // both sum in float64, in different orders: differences are ~n·ε relative
    expectClose(covariance(x, n, d, mean), covarianceNaive(x, n, d, mean), { rtol: 1e-12, atol: 1e-13, name: `cov n=${n} d=${d}` });
  }
});

test('zca: whitened training data has covariance U·diag(λ/(λ+b))·Uᵀ ≈ I (exactly that, up to round-off)', () => {
  const n = 2000;
  const c = 2;
  const h = 2;
  const w = 3; // D = 12
  const d = c * h * w;
  const ds = dataset(correlated(n, d, 5, 20), n, c, h, w); // spread 20: λ_min ≈ 5 ≫ b
  const filterBias = 0.1;
  const p = fitPreprocessor([{ kind: 'zca', filterBias }], ds);
  const zca = p.steps[0];
  assert.equal(zca.kind, 'zca');
  const before = ds.images.slice();
  const out = applyPreprocessor(p, { ...ds, images: ds.images.slice() });
  assert.deepEqual(ds.images, before, 'fitting does not modify the training set');

  const mean = pixelMean(out.images, n, d);
  for (const m of mean) assert.ok(Math.abs(m) < 1e-4, `whitened mean ${m}`); // float32 data of size ~1
  const cov = covariance(out.images, n, d, mean);
  // The exact expectation: C' = W·C·W = U diag(λ/(λ+b)) Uᵀ. Rebuild it from a float64 eigendecomposition of C.
  const cov0 = covariance(ds.images, n, d, pixelMean(ds.images, n, d));
  const { values, vectors } = symmetricEigen(cov0, d);
  const expected = new Float64Array(d * d);
  for (let j = 0; j < d; j++) {
    const f = values[j] / (values[j] + filterBias);
    for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) expected[a * d + b] += f * vectors[j * d + a] * vectors[j * d + b];
  }
  // W is stored in float32 and applied in float32: relative error ~1e-6 per product, ×√D sums → 1e-5
  expectClose(cov, expected, { atol: 1e-5, name: 'whitened covariance' });
  // and I − C' = U diag(b/(λ+b)) Uᵀ, whose entries are at most b/(λ_min+b) ≈ 0.02 here: close to I
  const eye = new Float64Array(d * d).map((_, i) => (Math.floor(i / d) === i % d ? 1 : 0));
  const lamMin = values[0];
  expectClose(cov, eye, { atol: filterBias / (lamMin + filterBias) + 1e-4, name: 'whitened covariance ≈ I' });
  assert.ok(lamMin > 1, `λ_min = ${lamMin}: the data should make the filter bias small`);
});

test('zca with filterBias 0 whitens exactly (covariance = I) when C is full rank', () => {
  const n = 1000;
  const d = 6;
  const ds = dataset(correlated(n, d, 9), n, 1, 2, 3);
  const p = fitPreprocessor([{ kind: 'zca', filterBias: 0 }], ds);
  applyPreprocessor(p, ds);
  const cov = covariance(ds.images, n, d, pixelMean(ds.images, n, d));
  const eye = new Float64Array(d * d).map((_, i) => (Math.floor(i / d) === i % d ? 1 : 0));
  // float32 storage of W and of the data: ~1e-6 relative, condition number of C ~1e2 → 1e-4 absolute
  expectClose(cov, eye, { atol: 1e-4, name: 'covariance' });
});

test('zca on rank-deficient data (N < D, as with a small subset of CIFAR): finite W, λ ≥ −round-off', () => {
  const n = 20;
  const d = 48; // covariance of rank ≤ 19
  const r = new Rng(8);
  const ds = dataset(new Float32Array(n * d).map(() => r.uniform()), n, 3, 4, 4);
  const p = fitPreprocessor('gcn,zca', ds);
  const z = p.steps[1] as Extract<(typeof p.steps)[number], { kind: 'zca' }>;
  const lam = decodeArray(z.eigenvalues, 'eigenvalues', d);
  // 29 eigenvalues are exactly 0 in exact arithmetic. Covariance and eigensolver run in float64, so they
  // come out at ~D·ε·λ_max ≈ 1e-14·λ_max; 1e-10·λ_max separates them from the rest (the smallest nonzero
  // one is ~0.1·λ_max here).
  const lamMax = lam[d - 1];
  let zeros = 0;
  for (const v of lam) {
    assert.ok(v > -1e-10 * lamMax, `eigenvalue ${v} (λ_max ${lamMax})`);
    if (Math.abs(v) < 1e-10 * lamMax) zeros++;
  }
  assert.equal(zeros, d - (n - 1));
  const W = decodeArray(z.whiten, 'whiten', d * d);
  for (const v of W) assert.ok(Number.isFinite(v));
  // W is symmetric (it is U·diag·Uᵀ); float32 storage of float64-summed entries: ~1e-7 relative of |W| ≲ 3
  for (let a = 0; a < d; a++) for (let b = 0; b < a; b++) assert.ok(Math.abs(W[a * d + b] - W[b * d + a]) < 1e-5);
  applyPreprocessor(p, ds);
  for (const v of ds.images) assert.ok(Number.isFinite(v));
});

test('gcn-zca recipe: GCN first, then ZCA fitted on the GCN output; test data get the same transform', () => {
  const n = 600;
  const d = 12;
  const all = correlated(n + 100, d, 21);
  const train = dataset(all.slice(0, n * d), n, 3, 2, 2);
  const test = dataset(all.slice(n * d), 100, 3, 2, 2);
  const p = fitPreprocessor('gcn-zca', train);
  assert.deepEqual(p.steps.map((s) => s.kind), ['gcn', 'zca']);
  assert.equal(p.recipe, 'gcn-zca');
  // manual: gcn then zca with the fitted (μ, W)
  const manual = test.images.slice();
  gcn(manual, 100, d, GCN_DEFAULTS);
  const z = p.steps[1] as Extract<(typeof p.steps)[number], { kind: 'zca' }>;
  const mu = decodeArray(z.mean, 'mean', d);
  const W = decodeArray(z.whiten, 'whiten', d * d);
  const expected = new Float32Array(100 * d);
  for (let i = 0; i < 100; i++) {
    for (let b = 0; b < d; b++) {
      let s = 0;
      for (let a = 0; a < d; a++) s += (manual[i * d + a] - mu[a]) * W[a * d + b];
      expected[i * d + b] = s;
    }
  }
  applyPreprocessor(p, test);
  expectClose(test.images, expected, { atol: 1e-4, rtol: 1e-4, name: 'gcn-zca on test' }); // float32 sums of 12 terms
});

test('mean subtraction: the training set gets per-pixel mean 0', () => {
  const n = 50;
  const d = 8;
  const ds = dataset(correlated(n, d, 2), n, 2, 2, 2);
  const p = fitPreprocessor('mean', ds);
  applyPreprocessor(p, ds);
  for (const m of pixelMean(ds.images, n, d)) assert.ok(Math.abs(m) < 1e-5, `mean ${m}`);
});

test('preprocessor state survives JSON.stringify/parse and applies identically', () => {
  const n = 300;
  const d = 12;
  const ds = dataset(correlated(n, d, 4), n, 3, 2, 2);
  const p = fitPreprocessor('mean,gcn:10,zca:0.5', ds);
  const back = validatePreprocessor(JSON.parse(JSON.stringify(p)));
  const a = applyPreprocessor(p, { ...ds, images: ds.images.slice() }).images;
  const b = applyPreprocessor(back, { ...ds, images: ds.images.slice() }).images;
  assert.deepEqual(a, b);
  assert.equal((back.steps[1] as { scale: number }).scale, 10);
  assert.equal((back.steps[2] as { filterBias: number }).filterBias, 0.5);
  // a damaged state is a DataError
  const broken = JSON.parse(JSON.stringify(p));
  broken.steps[2].whiten.base64 = broken.steps[2].whiten.base64.slice(0, 40);
  assert.throws(() => validatePreprocessor(broken), DataError);
  assert.throws(() => validatePreprocessor({ format: 'x' }), DataError);
  // shape mismatch on apply is a ShapeError naming both shapes
  assert.throws(() => applyPreprocessor(p, dataset(new Float32Array(12), 1, 1, 3, 4)), /fitted for samples \(3,2,2\)/);
});

test('parsePreprocessSpec: names, arguments and errors', () => {
  assert.deepEqual(parsePreprocessSpec('none'), []);
  assert.deepEqual(parsePreprocessSpec('gcn-zca'), [{ kind: 'gcn', scale: undefined }, { kind: 'zca', filterBias: undefined }]);
  assert.deepEqual(parsePreprocessSpec('gcn:55, zca:0.1'), [{ kind: 'gcn', scale: 55 }, { kind: 'zca', filterBias: 0.1 }]);
  assert.throws(() => parsePreprocessSpec('whiten'), /unknown step "whiten"/);
  assert.throws(() => parsePreprocessSpec('gcn:x'), /non-numeric/);
});
