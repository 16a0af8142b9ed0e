/**
 * Matrix multiply, WebAssembly SIMD (f32x4) version. Twin of src/kernels/matmul.ts: the same shapes, flags and
 * equation, held to `matmulNaive` by test/simd-matmul.test.ts.
 *
 *   A: (m,k), or (k,m) if transA      B: (k,n), or (n,k) if transB      C: (m,n)
 *
 *   C[i,j] (+)= Σ_p op(A)[i,p] · op(B)[p,j]          op(X) = X or Xᵀ
 *
 * Arguments are byte addresses in the module's memory (the TypeScript side passes view.byteOffset + 4·offset),
 * so an offset into a larger array is just a larger address. `scratch` is MATMUL_SCRATCH_FLOATS floats that
 * belong to the calling thread (the packed panels below); nothing here allocates or keeps state.
 *
 * What differs from the TypeScript twin:
 *  - Sums are float32, not float64: each 4×8 tile accumulates its KC-long slice of the dot product in f32x4
 *    registers (p in increasing order), then adds it to C (or stores it, for the first slice without
 *    accumulate). The rounding error of an entry is therefore that of a float32 dot product,
 *    |Ĉ − C| ≤ (k + 1)·u·Σ_p |op(A)[i,p]·op(B)[p,j]| (+ u·|C_old| with accumulate), u = 2⁻²⁴; the tests use
 *    that bound as their tolerance.
 *  - No multiply-add fusion: plain WebAssembly SIMD has separate f32x4.mul and f32x4.add (the fused
 *    relaxed_madd is "relaxed SIMD", which Node 20 does not have), so every product is rounded before it is
 *    added, as in the twin.
 *
 * ── The blocking, decided here ─────────────────────────────────────────────────────────────────────────────
 * Register tile MR×NR = 4×8. Per step of p the micro-kernel loads 8 values of op(B) (two f32x4), broadcasts
 * each of 4 values of op(A) (v128.load32_splat), and does 8 multiplies and 8 adds into 8 f32x4 accumulators:
 * 8 accumulators + 2 B vectors + 1 broadcast = 11 of the 16 xmm registers of x86-64. V8 keeps one of the 16 as
 * its own scratch register, so a 6×8 or 4×12 tile (12 accumulators + 2–3 B vectors + 1 broadcast = 15–16)
 * spills: measured in isolation on packed panels in L1, 4×8 ran at ≈ 58 GFLOP/s (≈ the core's measured peak),
 * 6×8 and 4×12 at ≈ 30 (spills on every step). 16 flops per 6 loads also leaves the load ports idle half the
 * time, so the tile is bound by the multiply and add units, which is the point.
 *
 * Packing. Whatever the transposes, a KC×NC block of op(B) is copied into contiguous panels of 8 columns
 * (panel[p·8 + c] = op(B)[p, j+c]) and an MC×KC block of op(A) into panels of 4 rows (panel[p·4 + r] =
 * op(A)[i+r, p]); the micro-kernel then reads both with stride 1, and one code path serves all four transpose
 * combinations. Panels past the edge of the matrix are zero-filled, so the micro-kernel always computes a
 * whole 4×8 tile; the one place that knows about edges is `storeEdgeTile` (a scalar tail that writes only the
 * rows and columns inside C). Nothing ever reads past the end of A, B or C.
 *
 * Cache blocks (the core this was tuned on: 48 KiB L1d, 1 MiB L2 per core):
 *   KC = 256: one B panel (256·8 floats = 8 KiB) and one A panel (256·4 floats = 4 KiB) sit in L1 while the
 *             micro-kernel runs; long enough that the tile's loads and stores of C are a small part of it;
 *   MC = 128: the packed A block (128·256 floats = 128 KiB) stays in L2 while every B panel of the block
 *             meets it;
 *   NC = 1024: the packed B block (256·1024 floats = 1 MiB) is streamed once per A block from L2/L3.
 * Loop order (outside in): columns of C by NC, k by KC (pack B), rows by MC (pack A), B panels, A panels.
 */

/** Rows of the register tile (A values broadcast per step of p). */
const MR = 4;
/** Columns of the register tile (two f32x4 of B per step of p). */
const NR = 8;
const KC = 256;
const MC = 128;
const NC = 1024;
/** 32 floats for the edge tile of storeEdgeTile. */
const EDGE_FLOATS = MR * NR;

/** Floats of scratch one matmul call needs: the packed A block, the packed B block and the edge tile. */
export const MATMUL_SCRATCH_FLOATS: i32 = MC * KC + KC * NC + EDGE_FLOATS;

/**
 * C (+)= op(A)·op(B). c, a, b: byte addresses of C[0,0], of the first stored element of A and of B.
 * Without `accumulate` C is overwritten: the first KC-slice of k stores its tiles, later slices add.
 */
export function matmul(c: usize, a: usize, b: usize, m: i32, n: i32, k: i32, transA: bool, transB: bool,
                       accumulate: bool, scratch: usize): void {
  // Byte strides of op(A) and op(B): op(A)[i,p] is at a + i·aRow + p·aCol, op(B)[p,j] at b + p·bRow + j·bCol.
  // A transpose only swaps the two strides.
  const aRow: usize = transA ? 4 : <usize>k << 2;
  const aCol: usize = transA ? <usize>m << 2 : 4;
  const bRow: usize = transB ? 4 : <usize>n << 2;
  const bCol: usize = transB ? <usize>k << 2 : 4;
  const packA = scratch;
  const packB = scratch + ((<usize>MC * KC) << 2);
  const edge = packB + ((<usize>KC * NC) << 2);
  const ldc: usize = <usize>n << 2;

  for (let j0 = 0; j0 < n; j0 += NC) {
    const nc = min(NC, n - j0);
    for (let p0 = 0; p0 < k; p0 += KC) {
      const kc = min(KC, k - p0);
      const assign = !accumulate && p0 == 0;
      // The rows of a B panel are the columns j of op(B); its depth runs along p.
      packPanel(packB, b + <usize>p0 * bRow + <usize>j0 * bCol, bCol, bRow, nc, kc, NR);
      for (let i0 = 0; i0 < m; i0 += MC) {
        const mc = min(MC, m - i0);
        packPanel(packA, a + <usize>i0 * aRow + <usize>p0 * aCol, aRow, aCol, mc, kc, MR);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = min(NR, nc - jr);
          const pb = packB + ((<usize>jr * kc) << 2);
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = min(MR, mc - ir);
            const cTile = c + ((<usize>(i0 + ir) * n + j0 + jr) << 2);
            microKernel(packA + ((<usize>ir * kc) << 2), pb, kc, cTile, ldc, mr, nr, assign, edge);
          }
        }
      }
    }
  }
}

/**
 * The 4×8 tile C[i..i+3, j..j+7] (+)= Σ_p a(:,p) ⊗ b(p,:) over one KC-slice, in 8 f32x4 registers:
 * row r of the tile is (cr0 | cr1), lanes 0–3 and 4–7.
 */
// @ts-ignore: decorator
@inline
function microKernel(pa: usize, pb: usize, kc: i32, cTile: usize, ldc: usize, mr: i32, nr: i32, assign: bool,
                     edge: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  const aEnd = pa + ((<usize>kc * MR) << 2);
  for (let ap = pa, bp = pb; ap < aEnd; ap += MR << 2, bp += NR << 2) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let s = v128.load32_splat(ap);
    c00 = f32x4.add(c00, f32x4.mul(s, b0));
    c01 = f32x4.add(c01, f32x4.mul(s, b1));
    s = v128.load32_splat(ap, 4);
    c10 = f32x4.add(c10, f32x4.mul(s, b0));
    c11 = f32x4.add(c11, f32x4.mul(s, b1));
    s = v128.load32_splat(ap, 8);
    c20 = f32x4.add(c20, f32x4.mul(s, b0));
    c21 = f32x4.add(c21, f32x4.mul(s, b1));
    s = v128.load32_splat(ap, 12);
    c30 = f32x4.add(c30, f32x4.mul(s, b0));
    c31 = f32x4.add(c31, f32x4.mul(s, b1));
  }
  if (mr == MR && nr == NR) {
    const r1 = cTile + ldc, r2 = r1 + ldc, r3 = r2 + ldc;
    if (!assign) {
      c00 = f32x4.add(c00, v128.load(cTile)); c01 = f32x4.add(c01, v128.load(cTile, 16));
      c10 = f32x4.add(c10, v128.load(r1)); c11 = f32x4.add(c11, v128.load(r1, 16));
      c20 = f32x4.add(c20, v128.load(r2)); c21 = f32x4.add(c21, v128.load(r2, 16));
      c30 = f32x4.add(c30, v128.load(r3)); c31 = f32x4.add(c31, v128.load(r3, 16));
    }
    v128.store(cTile, c00); v128.store(cTile, c01, 16);
    v128.store(r1, c10); v128.store(r1, c11, 16);
    v128.store(r2, c20); v128.store(r2, c21, 16);
    v128.store(r3, c30); v128.store(r3, c31, 16);
  } else {
    v128.store(edge, c00); v128.store(edge, c01, 16);
    v128.store(edge, c10, 32); v128.store(edge, c11, 48);
    v128.store(edge, c20, 64); v128.store(edge, c21, 80);
    v128.store(edge, c30, 96); v128.store(edge, c31, 112);
    storeEdgeTile(cTile, ldc, edge, mr, nr, assign);
  }
}

/**
 * The only place that knows about the edges of C: the tile (spilled row by row to `edge`, 8 floats per row)
 * is stored or added element by element, rows r < mr and columns j < nr only.
 */
function storeEdgeTile(cTile: usize, ldc: usize, edge: usize, mr: i32, nr: i32, assign: bool): void {
  for (let r = 0; r < mr; r++) {
    const row = cTile + <usize>r * ldc;
    const src = edge + ((<usize>r * NR) << 2);
    for (let j = 0; j < nr; j++) {
      const at = row + (<usize>j << 2);
      const v = load<f32>(src + (<usize>j << 2));
      store<f32>(at, assign ? v : load<f32>(at) + v);
    }
  }
}

/**
 * Copies a rows×depth block of a strided matrix X (X[r,p] at src + r·rowStride + p·depthStride, byte
 * strides) into panels of W rows: dst[(r/W)·depth·W + p·W + r%W] = X[r,p], zero-filling the rows of the last
 * panel past `rows`. For op(A) the rows are rows of op(A) (W = 4); for op(B) they are columns of op(B) (W = 8).
 * One of the two strides is always 4 bytes (a row-major matrix, read along or across its rows), and the loop
 * follows it so that the source is read sequentially:
 *   rowStride = 4   — consecutive rows are adjacent: each step of p copies W contiguous floats (vector moves);
 *   depthStride = 4 — each row is contiguous along p: 4×4 blocks are loaded from 4 rows and transposed in
 *                     registers (shuffles), so every store is a whole f32x4 of the panel.
 * The last, partial panel (rows % W ≠ 0) and the last p % 4 steps of the transposing path take the scalar
 * loop at the end.
 */
function packPanel(dst: usize, src: usize, rowStride: usize, depthStride: usize, rows: i32, depth: i32, W: i32): void {
  const fullRows = rows - rows % W;
  if (rowStride == 4) {
    for (let r0 = 0; r0 < fullRows; r0 += W) {
      const to0 = dst + (<usize>r0 * depth << 2);
      const from0 = src + (<usize>r0 << 2);
      for (let p = 0; p < depth; p++) {
        const to = to0 + ((<usize>p * W) << 2);
        const from = from0 + <usize>p * depthStride;
        v128.store(to, v128.load(from));
        if (W == 8) v128.store(to, v128.load(from, 16), 16);
      }
    }
  } else if (depthStride == 4) {
    const fullDepth = depth & ~3;
    for (let r0 = 0; r0 < fullRows; r0 += W) {
      const panel = dst + (<usize>r0 * depth << 2);
      for (let g = 0; g < W; g += 4) {
        // rows r0+g .. r0+g+3, written to lanes g..g+3 of every step of p
        const x0 = src + <usize>(r0 + g) * rowStride;
        const x1 = x0 + rowStride, x2 = x1 + rowStride, x3 = x2 + rowStride;
        for (let p = 0; p < fullDepth; p += 4) {
          const off: usize = <usize>p << 2;
          const v0 = v128.load(x0 + off), v1 = v128.load(x1 + off);
          const v2 = v128.load(x2 + off), v3 = v128.load(x3 + off);
          // 4×4 transpose: t0 = (v0[0] v1[0] v0[1] v1[1]), t1 = (v0[2] v1[2] v0[3] v1[3]), likewise t2, t3
          const t0 = v128.shuffle<f32>(v0, v1, 0, 4, 1, 5);
          const t1 = v128.shuffle<f32>(v0, v1, 2, 6, 3, 7);
          const t2 = v128.shuffle<f32>(v2, v3, 0, 4, 1, 5);
          const t3 = v128.shuffle<f32>(v2, v3, 2, 6, 3, 7);
          const to = panel + ((<usize>p * W + g) << 2);
          const step: usize = <usize>W << 2;
          v128.store(to, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5)); // (v0[0] v1[0] v2[0] v3[0]): step p
          v128.store(to + step, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7)); // step p + 1
          v128.store(to + 2 * step, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5)); // step p + 2
          v128.store(to + 3 * step, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7)); // step p + 3
        }
      }
      // scalar tail: the last depth % 4 steps of p
      for (let p = fullDepth; p < depth; p++) {
        for (let r = 0; r < W; r++) {
          store<f32>(panel + ((<usize>p * W + r) << 2), load<f32>(src + <usize>(r0 + r) * rowStride + (<usize>p << 2)));
        }
      }
    }
  } else {
    // Neither stride is 1 float: cannot come from matmul (one of each pair is always 4 bytes). Kept so that
    // packPanel is correct for any strides: the scalar loop below handles every row.
    packScalar(dst, src, rowStride, depthStride, 0, rows, depth, W);
    return;
  }
  if (fullRows < rows) packScalar(dst, src, rowStride, depthStride, fullRows, rows, depth, W);
}

/** Scalar packing of rows [r0, rows) into their panels (the edge panel is zero-filled up to a multiple of W). */
function packScalar(dst: usize, src: usize, rowStride: usize, depthStride: usize, r0: i32, rows: i32, depth: i32,
                    W: i32): void {
  const rEnd = (rows + W - 1) / W * W;
  for (let r = r0; r < rEnd; r++) {
    const panel = dst + (<usize>(r - r % W) * depth << 2);
    const lane: usize = <usize>(r % W) << 2;
    const step: usize = <usize>W << 2;
    if (r < rows) {
      const from = src + <usize>r * rowStride;
      for (let p = 0; p < depth; p++) store<f32>(panel + <usize>p * step + lane, load<f32>(from + <usize>p * depthStride));
    } else {
      for (let p = 0; p < depth; p++) store<f32>(panel + <usize>p * step + lane, 0);
    }
  }
}
