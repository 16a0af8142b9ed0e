/**
 * 2-D convolution (cross-correlation), WebAssembly SIMD version. Twin of src/kernels/conv2d.ts: the same
 * shapes, padding rule and equations, held to conv2dForwardNaive / conv2dBackwardInputNaive /
 * conv2dBackwardParamsNaive by test/simd-conv2d.test.ts.
 *
 *   x: (N,C,H,W)   w: (OC,C,KH,KW)   b: (OC)   y: (N,OC,OH,OW)
 *
 *   y[n,o,i,j] = b[o] + Σ_c Σ_p Σ_q w[o,c,p,q] · x[n,c, i·s+p−padTop, j·s+q−padLeft]      (x = 0 outside the image)
 *   dx[n,c,u,v] += Σ_o Σ_p Σ_q dy[n,o,i,j] · w[o,c,p,q]     over the (i,j) with i·s+p−padTop = u, j·s+q−padLeft = v
 *   dw[o,c,p,q] += Σ_n Σ_i Σ_j dy[n,o,i,j] · x[n,c, i·s+p−padTop, j·s+q−padLeft]
 *   db[o]       += Σ_n Σ_i Σ_j dy[n,o,i,j]
 *
 * The method is the twin's: per sample, im2col copies every receptive field into a column of
 * col (C·KH·KW, OH·OW), and the three passes are the SIMD matmul (matmul.ts):
 *   y[n] = W · col        dcol = Wᵀ · dy[n], then col2im adds dcol back        dW += dy[n] · colᵀ
 * A 1×1, stride-1, unpadded convolution uses x[n] as col directly. `ws` is the caller's workspace
 * (conv2dWorkspaceSize floats, as in the twin); `scratch` is the calling thread's matmul scratch.
 *
 * What differs from the TypeScript twin: the sums are float32 (matmul.ts states the bound); im2col and col2im
 * move whole f32x4 vectors along each row when the stride is 1 (with a scalar tail for the last W % 4 pixels
 * of a run), and the bias and db loops are vectorised. For the first MNIST layer (C·KH·KW = 9) a direct
 * 3×3 SIMD loop was considered; docs/kernels/simd.md has the measurement that decided for im2col + GEMM.
 *
 * Shapes arrive as plain integers (the TypeScript side unpacks its Conv2dShape record), addresses in bytes.
 */
import { matmul } from './matmul';
import { addInto, copyF32, fillF32 } from './vec';

/** y (N,OC,OH,OW) = conv(x, w) + b; b = 0 means no bias. */
export function conv2dForward(y: usize, x: usize, w: usize, b: usize, ws: usize, scratch: usize,
                              N: i32, C: i32, H: i32, W: i32, OC: i32, KH: i32, KW: i32, stride: i32,
                              padTop: i32, padLeft: i32, OH: i32, OW: i32): void {
  const plane = OH * OW;
  const ckk = C * KH * KW;
  const pointwise = isPointwise(KH, KW, stride, padTop, padLeft, H, W, OH, OW);
  for (let n = 0; n < N; n++) {
    const yn = y + ((<usize>n * OC * plane) << 2);
    const xn = x + ((<usize>n * C * H * W) << 2);
    if (pointwise) {
      matmul(yn, w, xn, OC, plane, ckk, false, false, false, scratch);
    } else {
      im2col(ws, xn, C, H, W, KH, KW, stride, padTop, padLeft, OH, OW);
      matmul(yn, w, ws, OC, plane, ckk, false, false, false, scratch);
    }
    if (b != 0) {
      for (let o = 0; o < OC; o++) {
        addScalar(yn + ((<usize>o * plane) << 2), load<f32>(b + (<usize>o << 2)), plane);
      }
    }
  }
}

/** dx (N,C,H,W) += the input gradient: per sample dcol = Wᵀ·dy[n], then col2im. */
export function conv2dBackwardInput(dx: usize, dy: usize, w: usize, ws: usize, scratch: usize,
                                    N: i32, C: i32, H: i32, W: i32, OC: i32, KH: i32, KW: i32, stride: i32,
                                    padTop: i32, padLeft: i32, OH: i32, OW: i32): void {
  const plane = OH * OW;
  const ckk = C * KH * KW;
  const pointwise = isPointwise(KH, KW, stride, padTop, padLeft, H, W, OH, OW);
  for (let n = 0; n < N; n++) {
    const dyn = dy + ((<usize>n * OC * plane) << 2);
    const dxn = dx + ((<usize>n * C * H * W) << 2);
    if (pointwise) {
      matmul(dxn, w, dyn, ckk, plane, OC, true, false, true, scratch); // col2im is the identity: add straight into dx
    } else {
      matmul(ws, w, dyn, ckk, plane, OC, true, false, false, scratch);
      col2imAdd(dxn, ws, C, H, W, KH, KW, stride, padTop, padLeft, OH, OW);
    }
  }
}

/** dw (OC,C,KH,KW) += Σ_n dy[n]·col[n]ᵀ;  db (OC) += Σ_n Σ_pixels dy (db = 0: no bias). */
export function conv2dBackwardParams(dw: usize, db: usize, dy: usize, x: usize, ws: usize, scratch: usize,
                                     N: i32, C: i32, H: i32, W: i32, OC: i32, KH: i32, KW: i32, stride: i32,
                                     padTop: i32, padLeft: i32, OH: i32, OW: i32): void {
  const plane = OH * OW;
  const ckk = C * KH * KW;
  const pointwise = isPointwise(KH, KW, stride, padTop, padLeft, H, W, OH, OW);
  for (let n = 0; n < N; n++) {
    const dyn = dy + ((<usize>n * OC * plane) << 2);
    const xn = x + ((<usize>n * C * H * W) << 2);
    if (pointwise) {
      matmul(dw, dyn, xn, OC, ckk, plane, false, true, true, scratch);
    } else {
      im2col(ws, xn, C, H, W, KH, KW, stride, padTop, padLeft, OH, OW);
      matmul(dw, dyn, ws, OC, ckk, plane, false, true, true, scratch);
    }
  }
  if (db != 0) {
    for (let o = 0; o < OC; o++) {
      let sum = f32x4.splat(0);
      let tail: f32 = 0;
      for (let n = 0; n < N; n++) {
        const p = dy + ((<usize>(n * OC + o) * plane) << 2);
        const full = plane & ~3;
        for (let t = 0; t < full; t += 4) sum = f32x4.add(sum, v128.load(p + (<usize>t << 2)));
        for (let t = full; t < plane; t++) tail += load<f32>(p + (<usize>t << 2));
      }
      const total = f32x4.extract_lane(sum, 0) + f32x4.extract_lane(sum, 1) + f32x4.extract_lane(sum, 2) +
        f32x4.extract_lane(sum, 3) + tail;
      const at = db + (<usize>o << 2);
      store<f32>(at, load<f32>(at) + total);
    }
  }
}

// @ts-ignore: decorator
@inline
function isPointwise(KH: i32, KW: i32, stride: i32, padTop: i32, padLeft: i32, H: i32, W: i32, OH: i32, OW: i32): bool {
  // With no padding on top/left and a 1×1 kernel at stride 1, OH = H and OW = W exactly when there is no
  // bottom/right padding either.
  return KH == 1 && KW == 1 && stride == 1 && padTop == 0 && padLeft == 0 && OH == H && OW == W;
}

/** p[0..count) += v. */
function addScalar(p: usize, v: f32, count: i32): void {
  const vv = f32x4.splat(v);
  const full = count & ~3;
  for (let t = 0; t < full; t += 4) {
    const at = p + (<usize>t << 2);
    v128.store(at, f32x4.add(v128.load(at), vv));
  }
  for (let t = full; t < count; t++) {
    const at = p + (<usize>t << 2);
    store<f32>(at, load<f32>(at) + v);
  }
}

/**
 * The output columns j whose tap q lands inside the image: 0 ≤ j·s + q − padLeft < W ⇔ lo ≤ j < hi;
 * returned packed as lo | hi << 16 (both < 2^15 for any image that fits in memory).
 */
// @ts-ignore: decorator
@inline
function validColumns(q: i32, stride: i32, padLeft: i32, W: i32, OW: i32): i32 {
  const num = padLeft - q;
  // ⌈num / stride⌉ for any sign of num
  const lo = min(OW, max(0, num > 0 ? (num + stride - 1) / stride : -((-num) / stride)));
  const top = W - 1 + padLeft - q;
  // ⌊top / stride⌋ + 1, top may be negative
  const hiRaw = top >= 0 ? top / stride + 1 : -((-top + stride - 1) / stride) + 1;
  const hi = max(lo, min(OW, hiRaw));
  return lo | (hi << 16);
}

/** col[(c·KH+p)·KW+q, i·OW+j] = x[c, i·s+p−padTop, j·s+q−padLeft] (one sample), or 0 in the padding. */
function im2col(col: usize, x: usize, C: i32, H: i32, W: i32, KH: i32, KW: i32, stride: i32, padTop: i32,
                padLeft: i32, OH: i32, OW: i32): void {
  for (let c = 0; c < C; c++) {
    const xPlane = x + ((<usize>c * H * W) << 2);
    for (let p = 0; p < KH; p++) {
      for (let q = 0; q < KW; q++) {
        const range = validColumns(q, stride, padLeft, W, OW);
        const jLo = range & 0xffff;
        const jHi = range >>> 16;
        const colRow = col + ((<usize>((c * KH + p) * KW + q) * OH * OW) << 2);
        for (let i = 0; i < OH; i++) {
          const u = i * stride + p - padTop;
          const colPix = colRow + ((<usize>i * OW) << 2);
          if (u < 0 || u >= H) {
            fillF32(colPix, 0, OW);
            continue;
          }
          // x[c,u, j·s + q − padLeft] for j in [jLo, jHi); xRow addresses j = jLo
          const xRow = xPlane + ((<usize>(u * W + jLo * stride + q - padLeft)) << 2);
          fillF32(colPix, 0, jLo);
          if (stride == 1) {
            copyF32(colPix + (<usize>jLo << 2), xRow, jHi - jLo);
          } else {
            const sBytes: usize = <usize>stride << 2;
            for (let j = jLo, from = xRow; j < jHi; j++, from += sBytes) {
              store<f32>(colPix + (<usize>j << 2), load<f32>(from));
            }
          }
          fillF32(colPix + (<usize>jHi << 2), 0, OW - jHi);
        }
      }
    }
  }
}

/** The transpose of im2col, accumulating: dx[c, i·s+p−padTop, j·s+q−padLeft] += dcol[(c·KH+p)·KW+q, i·OW+j]. */
function col2imAdd(dx: usize, dcol: usize, C: i32, H: i32, W: i32, KH: i32, KW: i32, stride: i32, padTop: i32,
                   padLeft: i32, OH: i32, OW: i32): void {
  for (let c = 0; c < C; c++) {
    const xPlane = dx + ((<usize>c * H * W) << 2);
    for (let p = 0; p < KH; p++) {
      for (let q = 0; q < KW; q++) {
        const range = validColumns(q, stride, padLeft, W, OW);
        const jLo = range & 0xffff;
        const jHi = range >>> 16;
        const colRow = dcol + ((<usize>((c * KH + p) * KW + q) * OH * OW) << 2);
        for (let i = 0; i < OH; i++) {
          const u = i * stride + p - padTop;
          if (u < 0 || u >= H) continue; // entries copied from padding go nowhere
          const colPix = colRow + ((<usize>(i * OW + jLo)) << 2);
          const xRow = xPlane + ((<usize>(u * W + jLo * stride + q - padLeft)) << 2);
          if (stride == 1) {
            addInto(xRow, colPix, jHi - jLo);
          } else {
            const sBytes: usize = <usize>stride << 2;
            for (let j = jLo, to = xRow, from = colPix; j < jHi; j++, to += sBytes, from += 4) {
              store<f32>(to, load<f32>(to) + load<f32>(from));
            }
          }
        }
      }
    }
  }
}
