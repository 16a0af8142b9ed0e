/**
 * Matrix multiply: the one kernel every layer with weights ends in.
 *
 *   A: (m,k), or (k,m) if transA      B: (k,n), or (n,k) if transB      C: (m,n)
 *
 *   C[i,j] (+)= Σ_p op(A)[i,p] · op(B)[p,j]          op(X) = X or Xᵀ
 *
 * All matrices are row-major and start at an offset into their Float32Array (aOffset, bOffset, cOffset),
 * so a caller can address one sample of a batch without subarray(). With `accumulate` the product is added
 * to C (this is how a backward pass adds into a gradient); without it C is overwritten.
 *
 * Gradients of C = op(A)·op(B), for completeness (the callers, dense and conv2d, derive their own):
 *   dop(A) += dC · op(B)ᵀ       dop(B) += op(A)ᵀ · dC
 *
 * Two versions live here:
 *  - matmulNaive: the triple loop, the definition. Property tests hold the fast version to it.
 *  - matmul: the same sums, reordered for the memory hierarchy (see docs/kernels/matmul.md):
 *      1. the k dimension is cut into blocks of KC, n into blocks of NC, m into blocks of MC;
 *      2. a KC×NC block of op(B) is copied ("packed") into contiguous 4-column strips, and an MC×KC block of
 *         op(A) into contiguous 4-row strips — whatever the transposes, the inner kernel then reads both
 *         operands with stride 1, so one code path serves all four combinations;
 *      3. the inner kernel computes a 4×4 tile of C in 16 local variables (registers), reading 4 values of
 *         A and 4 of B per step of p for 16 multiply-adds.
 *    Packing buffers are module-level scratch, grown only when too small: after the first call of a given
 *    size nothing is allocated. (Each worker thread has its own module instance, so its own scratch.)
 *
 * Precision: both versions sum in float64 (JavaScript numbers) and round to float32 when storing. The fast
 * version rounds once per KC-block of k, so results can differ from the naive one by a few float32 ulps
 * of the partial sums.
 */
import { ShapeError, checkInt } from '../errors.js';

export interface MatmulShape {
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  accumulate: boolean;
  aOffset: number;
  bOffset: number;
  cOffset: number;
}

export interface MatmulShapeParams {
  m: number;
  n: number;
  k: number;
  transA?: boolean;
  transB?: boolean;
  accumulate?: boolean;
  aOffset?: number;
  bOffset?: number;
  cOffset?: number;
}

/** Builds and validates a MatmulShape. Throws ShapeError naming the argument, what was expected and the fix. */
export function matmulShape(p: MatmulShapeParams): MatmulShape {
  checkInt('matmul: m (rows of C)', p.m, 1);
  checkInt('matmul: n (columns of C)', p.n, 1);
  checkInt('matmul: k (the summed dimension)', p.k, 1);
  const aOffset = p.aOffset ?? 0;
  const bOffset = p.bOffset ?? 0;
  const cOffset = p.cOffset ?? 0;
  for (const [name, v] of [['aOffset', aOffset], ['bOffset', bOffset], ['cOffset', cOffset]] as const) {
    if (!Number.isInteger(v) || v < 0) {
      throw new ShapeError(`matmul: ${name} must be an integer ≥ 0 (an index into the array), got ${v}; pass 0 to start at the beginning`);
    }
  }
  return {
    m: p.m,
    n: p.n,
    k: p.k,
    transA: p.transA ?? false,
    transB: p.transB ?? false,
    accumulate: p.accumulate ?? false,
    aOffset,
    bOffset,
    cOffset,
  };
}

/**
 * Throws ShapeError unless a, b and c are long enough for shape s. Call it once where the buffers are set up
 * (the kernels themselves do not check: a too-short array would silently read `undefined` as NaN).
 */
export function matmulCheckArrays(c: Float32Array, a: Float32Array, b: Float32Array, s: MatmulShape): void {
  const need = (what: string, arr: Float32Array, n: number, dims: string) => {
    if (arr.length < n) {
      throw new ShapeError(`matmul: ${what} needs at least ${n} elements (offset + ${dims}), got ${arr.length}; allocate a larger array or fix the offset`);
    }
  };
  need('A', a, s.aOffset + s.m * s.k, s.transA ? `k·m = ${s.k}·${s.m}` : `m·k = ${s.m}·${s.k}`);
  need('B', b, s.bOffset + s.k * s.n, s.transB ? `n·k = ${s.n}·${s.k}` : `k·n = ${s.k}·${s.n}`);
  need('C', c, s.cOffset + s.m * s.n, `m·n = ${s.m}·${s.n}`);
}

/**
 * Element strides of op(A) and op(B): op(A)[i,p] = a[aOffset + i·aRow + p·aCol], and
 * op(B)[p,j] = b[bOffset + p·bRow + j·bCol]. A transpose only swaps the two strides.
 */
function strides(s: MatmulShape): { aRow: number; aCol: number; bRow: number; bCol: number } {
  return {
    aRow: s.transA ? 1 : s.k,
    aCol: s.transA ? s.m : 1,
    bRow: s.transB ? 1 : s.n,
    bCol: s.transB ? s.k : 1,
  };
}

/** The definition: C[i,j] (+)= Σ_p op(A)[i,p] · op(B)[p,j], one dot product per element of C. */
export function matmulNaive(c: Float32Array, a: Float32Array, b: Float32Array, s: MatmulShape): void {
  const { m, n, k, aOffset, bOffset, cOffset, accumulate } = s;
  const { aRow, aCol, bRow, bCol } = strides(s);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) {
        sum += a[aOffset + i * aRow + p * aCol] * b[bOffset + p * bRow + j * bCol];
      }
      const cij = cOffset + i * n + j;
      c[cij] = accumulate ? c[cij] + sum : sum;
    }
  }
}

// Block sizes. A packed MC×KC block of A (64·256 doubles = 128 KiB) stays in L2 while it meets every 4-column
// strip of the packed B block; one strip of B (KC·4 doubles = 8 KiB) and one of A stay in L1 in the inner kernel.
const MC = 64;
const KC = 256;
const NC = 1024;

// Packed panels, reused across calls; each grows at most to MC·KC and KC·NC values. They hold float64: JavaScript
// multiplies in double precision, so float32 loads in the inner loop would each need a conversion; converting
// once while packing made the 1024³ product ≈20 % faster (3.2 → 3.85 GFLOP/s), and the values are the same.
let packA = new Float64Array(0);
let packB = new Float64Array(0);

/** Blocked, register-tiled C (+)= op(A)·op(B). Same arguments and result as matmulNaive. */
export function matmul(c: Float32Array, a: Float32Array, b: Float32Array, s: MatmulShape): void {
  const { m, n, k, aOffset, bOffset, cOffset } = s;
  const { aRow, aCol, bRow, bCol } = strides(s);

  // Grow the scratch (rounded up to whole 4-wide strips) only if this call needs more than any before it.
  const needA = roundUp4(Math.min(m, MC)) * Math.min(k, KC);
  const needB = roundUp4(Math.min(n, NC)) * Math.min(k, KC);
  if (packA.length < needA) packA = new Float64Array(needA);
  if (packB.length < needB) packB = new Float64Array(needB);
  const pa = packA;
  const pb = packB;

  // Without accumulate, the first k-block stores its partial product over whatever C held (every element
  // of C belongs to exactly one tile), and later k-blocks add theirs: no separate pass to zero C first.
  const overwrite = !s.accumulate;
  if (overwrite && k === 0) c.fill(0, cOffset, cOffset + m * n); // an empty sum: no k-block will store it

  for (let j0 = 0; j0 < n; j0 += NC) {
    const nc = Math.min(NC, n - j0);
    for (let p0 = 0; p0 < k; p0 += KC) {
      const kc = Math.min(KC, k - p0);
      const assign = overwrite && p0 === 0;
      packPanel(pb, b, bOffset + p0 * bRow + j0 * bCol, bCol, bRow, nc, kc);
      for (let i0 = 0; i0 < m; i0 += MC) {
        const mc = Math.min(MC, m - i0);
        packPanel(pa, a, aOffset + i0 * aRow + p0 * aCol, aRow, aCol, mc, kc);
        for (let jr = 0; jr < nc; jr += 4) {
          const nr = Math.min(4, nc - jr);
          const bStrip = jr * kc;
          for (let ir = 0; ir < mc; ir += 4) {
            const mr = Math.min(4, mc - ir);
            const aStrip = ir * kc;
            // The 4×4 tile C[i0+ir .. +3, j0+jr .. +3] += Σ_p a(:,p) ⊗ b(p,:), in 16 registers.
            let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
            let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
            let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
            let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
            const aEnd = aStrip + kc * 4;
            for (let ap = aStrip, bp = bStrip; ap < aEnd; ap += 4, bp += 4) {
              const a0 = pa[ap], a1 = pa[ap + 1], a2 = pa[ap + 2], a3 = pa[ap + 3];
              const b0 = pb[bp], b1 = pb[bp + 1], b2 = pb[bp + 2], b3 = pb[bp + 3];
              c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
              c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
              c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
              c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
            }
            const cTile = cOffset + (i0 + ir) * n + j0 + jr;
            if (mr === 4 && nr === 4 && assign) {
              const r1 = cTile + n, r2 = r1 + n, r3 = r2 + n;
              c[cTile] = c00; c[cTile + 1] = c01; c[cTile + 2] = c02; c[cTile + 3] = c03;
              c[r1] = c10; c[r1 + 1] = c11; c[r1 + 2] = c12; c[r1 + 3] = c13;
              c[r2] = c20; c[r2 + 1] = c21; c[r2 + 2] = c22; c[r2 + 3] = c23;
              c[r3] = c30; c[r3 + 1] = c31; c[r3 + 2] = c32; c[r3 + 3] = c33;
            } else if (mr === 4 && nr === 4) {
              const r1 = cTile + n, r2 = r1 + n, r3 = r2 + n;
              c[cTile] += c00; c[cTile + 1] += c01; c[cTile + 2] += c02; c[cTile + 3] += c03;
              c[r1] += c10; c[r1 + 1] += c11; c[r1 + 2] += c12; c[r1 + 3] += c13;
              c[r2] += c20; c[r2 + 1] += c21; c[r2 + 2] += c22; c[r2 + 3] += c23;
              c[r3] += c30; c[r3 + 1] += c31; c[r3 + 2] += c32; c[r3 + 3] += c33;
            } else {
              // Edge tile: store only the rows and columns inside C.
              storeEdge(c, cTile, n, mr, nr, 0, assign, c00, c01, c02, c03);
              storeEdge(c, cTile, n, mr, nr, 1, assign, c10, c11, c12, c13);
              storeEdge(c, cTile, n, mr, nr, 2, assign, c20, c21, c22, c23);
              storeEdge(c, cTile, n, mr, nr, 3, assign, c30, c31, c32, c33);
            }
          }
        }
      }
    }
  }
}

/**
 * Copies a rows×depth block of a strided matrix X (X[r,p] = x[base + r·rowStride + p·depthStride]) into
 * strips of 4 rows: dst[(r/4)·depth·4 + p·4 + r%4] = X[r,p], zero-filling the rows of the last strip past
 * `rows`. For op(A) the "rows" are rows of A; for op(B) they are columns of B (depth runs along k).
 * The loop order follows whichever stride is 1, so the source is read sequentially: reading a row-major
 * 1024-wide matrix down a column (a 4 KiB stride) maps every access to the same cache set and misses.
 */
function packPanel(dst: Float64Array, x: Float32Array, base: number, rowStride: number, depthStride: number,
                   rows: number, depth: number): void {
  const fullRows = rows & ~3;
  if (rowStride === 1) {
    // Rows are adjacent in memory (op(A) of a transposed A, op(B) of a plain B): walk along depth and copy
    // each contiguous run of `rows` values into the strips.
    for (let p = 0; p < depth; p++) {
      const from = base + p * depthStride;
      for (let r0 = 0; r0 < fullRows; r0 += 4) {
        const to = r0 * depth + p * 4;
        dst[to] = x[from + r0];
        dst[to + 1] = x[from + r0 + 1];
        dst[to + 2] = x[from + r0 + 2];
        dst[to + 3] = x[from + r0 + 3];
      }
      if (fullRows < rows) {
        const to = fullRows * depth + p * 4;
        for (let r = 0; r < 4; r++) dst[to + r] = fullRows + r < rows ? x[from + fullRows + r] : 0;
      }
    }
  } else {
    // Depth is the contiguous direction: copy each row along depth.
    for (let r = 0; r < roundUp4(rows); r++) {
      const to = (r & ~3) * depth + (r & 3);
      if (r < rows) {
        const from = base + r * rowStride;
        for (let p = 0; p < depth; p++) dst[to + p * 4] = x[from + p * depthStride];
      } else {
        for (let p = 0; p < depth; p++) dst[to + p * 4] = 0;
      }
    }
  }
}

function roundUp4(x: number): number {
  return (x + 3) & ~3;
}

/** Adds (or with `assign`, stores) row r of an edge tile (v0..v3) into C, keeping only the first mr rows and nr columns. */
function storeEdge(c: Float32Array, cTile: number, n: number, mr: number, nr: number, r: number, assign: boolean,
                   v0: number, v1: number, v2: number, v3: number): void {
  if (r >= mr) return;
  const row = cTile + r * n;
  if (assign) {
    c[row] = v0;
    if (nr > 1) c[row + 1] = v1;
    if (nr > 2) c[row + 2] = v2;
    if (nr > 3) c[row + 3] = v3;
    return;
  }
  c[row] += v0;
  if (nr > 1) c[row + 1] += v1;
  if (nr > 2) c[row + 2] += v2;
  if (nr > 3) c[row + 3] += v3;
}
