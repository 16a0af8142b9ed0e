/**
 * Matrix multiply: a hand-computed product (and the same product through every transpose flag, offset and
 * accumulate), the fast blocked kernel against the triple loop on random shapes, (AB)ᵀ = BᵀAᵀ, and the
 * shape errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { matmul, matmulNaive, matmulShape, matmulCheckArrays, type MatmulShape } from '../src/kernels/matmul.js';
import { ShapeError } from '../src/errors.js';
import { Rng } from '../src/rng.js';
import { expectClose, randomArray, fcParams } from './util/check.js';

const f32 = (v: number[]) => Float32Array.from(v);
const kernels = [
  ['naive', matmulNaive],
  ['fast', matmul],
] as const;

// A = [1 2 3; 4 5 6] (2×3), B = [7 8; 9 10; 11 12] (3×2)
// C = A·B = [1·7+2·9+3·11  1·8+2·10+3·12; 4·7+5·9+6·11  4·8+5·10+6·12] = [58 64; 139 154]
const A = f32([1, 2, 3, 4, 5, 6]);
const B = f32([7, 8, 9, 10, 11, 12]);
const AT = f32([1, 4, 2, 5, 3, 6]); // Aᵀ stored row-major (3×2)
const BT = f32([7, 9, 11, 8, 10, 12]); // Bᵀ stored row-major (2×3)
const AB = [58, 64, 139, 154];

for (const [name, mm] of kernels) {
  test(`matmul ${name}: a 2×3 times 3×2 product computed by hand`, () => {
    const c = new Float32Array(4).fill(NaN); // overwritten, so whatever was there does not matter
    mm(c, A, B, matmulShape({ m: 2, n: 2, k: 3 }));
    assert.deepEqual(Array.from(c), AB);
  });

  test(`matmul ${name}: the transpose flags read Aᵀ and Bᵀ from their stored layout`, () => {
    for (const [transA, transB] of [[false, false], [true, false], [false, true], [true, true]]) {
      const c = new Float32Array(4);
      mm(c, transA ? AT : A, transB ? BT : B, matmulShape({ m: 2, n: 2, k: 3, transA, transB }));
      assert.deepEqual(Array.from(c), AB, `transA ${transA} transB ${transB}`);
    }
  });

  test(`matmul ${name}: accumulate adds to C, and offsets address sub-matrices of larger arrays`, () => {
    // A sits at index 2 of its array, B at 1, C at 3; the padding around them must not be read or written.
    const a = f32([-1, -1, ...A, -1]);
    const b = f32([-1, ...B]);
    const c = f32([100, 100, 100, 1, 1, 1, 1, 100]);
    mm(c, a, b, matmulShape({ m: 2, n: 2, k: 3, accumulate: true, aOffset: 2, bOffset: 1, cOffset: 3 }));
    assert.deepEqual(Array.from(c), [100, 100, 100, 59, 65, 140, 155, 100]);
  });
}

/** Random operands for shape s, with `pad` junk elements around each matrix that must stay untouched. */
function operands(rng: Rng, s: MatmulShape, pad: number) {
  const a = randomArray(rng, s.aOffset + s.m * s.k + pad);
  const b = randomArray(rng, s.bOffset + s.k * s.n + pad);
  const c = randomArray(rng, s.cOffset + s.m * s.n + pad);
  return { a, b, c };
}

// |fast − naive|: both sum in float64; the fast kernel rounds to float32 once per 256-long block of k, so for
// entries in [−1, 1) and k ≤ 300 (|partial sums| ≲ 20) the two differ by a few float32 ulps of ~20, i.e. ≲ 1e-5.
const FAST_VS_NAIVE = { rtol: 1e-5, atol: 1e-5 };

test('matmul fast equals the triple loop on random shapes, transposes, offsets and accumulate', () => {
  fc.assert(
    fc.property(
      fc.record({
        m: fc.integer({ min: 1, max: 70 }), // crosses the 64-row block
        n: fc.integer({ min: 1, max: 40 }),
        k: fc.integer({ min: 1, max: 300 }), // crosses the 256-long k block
        transA: fc.boolean(),
        transB: fc.boolean(),
        accumulate: fc.boolean(),
        aOffset: fc.integer({ min: 0, max: 5 }),
        bOffset: fc.integer({ min: 0, max: 5 }),
        cOffset: fc.integer({ min: 0, max: 5 }),
        seed: fc.integer(),
      }),
      (p) => {
        const s = matmulShape(p);
        const rng = new Rng(p.seed);
        const { a, b, c } = operands(rng, s, 3);
        const ref = c.slice();
        matmulNaive(ref, a, b, s);
        matmul(c, a, b, s);
        expectClose(c, ref, { ...FAST_VS_NAIVE, name: `matmul ${JSON.stringify(p)}` });
      },
    ),
    fcParams(60),
  );
});

test('matmul fast equals the triple loop when n crosses the 1024-column block', () => {
  const rng = new Rng(7);
  for (const [transA, transB] of [[false, false], [true, true]]) {
    const s = matmulShape({ m: 5, n: 1030, k: 9, transA, transB, accumulate: true, cOffset: 2 });
    const { a, b, c } = operands(rng, s, 2);
    const ref = c.slice();
    matmulNaive(ref, a, b, s);
    matmul(c, a, b, s);
    expectClose(c, ref, { ...FAST_VS_NAIVE, name: `n = 1030, trans ${transA}` });
  }
});

test('matmul: (AB)ᵀ = BᵀAᵀ, computed from the same stored arrays with the transpose flags', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 20 }),
      fc.integer({ min: 1, max: 20 }),
      fc.integer({ min: 1, max: 20 }),
      fc.integer(),
      (m, n, k, seed) => {
        const rng = new Rng(seed);
        const a = randomArray(rng, m * k); // A: (m,k)
        const b = randomArray(rng, k * n); // B: (k,n)
        const ab = new Float32Array(m * n);
        matmul(ab, a, b, matmulShape({ m, n, k }));
        // Bᵀ·Aᵀ: op(first) = Bᵀ with B stored (k,n) → transA; op(second) = Aᵀ with A stored (m,k) → transB.
        const btat = new Float32Array(n * m);
        matmul(btat, b, a, matmulShape({ m: n, n: m, k, transA: true, transB: true }));
        const abT = new Float32Array(n * m);
        for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) abT[j * m + i] = ab[i * n + j];
        // Each entry is the same products summed in the same order of p, so float rounding is identical.
        expectClose(btat, abT, { rtol: 0, atol: 0, name: '(AB)ᵀ vs BᵀAᵀ' });
      },
    ),
    fcParams(30),
  );
});

test('matmul: forward overwrites C (no accumulate) even when C held NaN, and leaves the rest of the array alone', () => {
  const rng = new Rng(3);
  const s = matmulShape({ m: 9, n: 7, k: 5, cOffset: 4 });
  const { a, b } = operands(rng, s, 0);
  const c = new Float32Array(4 + 63 + 4).fill(NaN);
  matmul(c, a, b, s);
  const ref = new Float32Array(c.length).fill(NaN);
  matmulNaive(ref, a, b, s);
  assert.ok(Number.isNaN(c[3]) && Number.isNaN(c[67]), 'elements outside C were written');
  expectClose(c.subarray(4, 67), ref.subarray(4, 67), { ...FAST_VS_NAIVE, name: 'C' });
});

test('matmul: without accumulate, the first k-block stores over NaN and later k-blocks add (m, n, k past MC, NC, KC)', () => {
  // m = 70 > MC = 64, n = 1030 > NC = 1024, k = 300 > KC = 256: edge tiles in every direction, two k-blocks.
  // A kernel that stored (=) in every k-block would keep only the last block's partial sum; one that added
  // (+=) in the first would keep the NaN.
  const rng = new Rng(4);
  for (const [transA, transB] of [[false, false], [true, false], [false, true], [true, true]]) {
    const s = matmulShape({ m: 70, n: 1030, k: 300, transA, transB, cOffset: 3 });
    const { a, b } = operands(rng, s, 0);
    const c = new Float32Array(3 + 70 * 1030 + 2).fill(NaN);
    matmul(c, a, b, s);
    const ref = new Float32Array(c.length).fill(NaN);
    matmulNaive(ref, a, b, s);
    assert.ok(Number.isNaN(c[2]) && Number.isNaN(c[3 + 70 * 1030]), 'elements outside C were written');
    expectClose(c.subarray(3, 3 + 70 * 1030), ref.subarray(3, 3 + 70 * 1030), { ...FAST_VS_NAIVE, name: `C transA=${transA} transB=${transB}` });
  }
});

test('matmulShape: defaults, and ShapeErrors that name the argument and the fix', () => {
  assert.deepEqual(matmulShape({ m: 2, n: 3, k: 4 }), {
    m: 2, n: 3, k: 4, transA: false, transB: false, accumulate: false, aOffset: 0, bOffset: 0, cOffset: 0,
  });
  assert.throws(() => matmulShape({ m: 0, n: 3, k: 4 }), (e: unknown) => e instanceof ShapeError && /matmul: m .*≥ 1, got 0/.test(e.message));
  assert.throws(() => matmulShape({ m: 2, n: 3, k: 1.5 }), (e: unknown) => e instanceof ShapeError && /matmul: k .*got 1\.5/.test(e.message));
  assert.throws(() => matmulShape({ m: 2, n: 3, k: 4, bOffset: -1 }), (e: unknown) => e instanceof ShapeError && /matmul: bOffset .*got -1/.test(e.message));
  const s = matmulShape({ m: 2, n: 3, k: 4, aOffset: 1 });
  assert.throws(
    () => matmulCheckArrays(new Float32Array(6), new Float32Array(8), new Float32Array(12), s),
    (e: unknown) => e instanceof ShapeError && /matmul: A needs at least 9 elements .* got 8/.test(e.message),
  );
  matmulCheckArrays(new Float32Array(6), new Float32Array(9), new Float32Array(12), s); // exactly enough: fine
});
