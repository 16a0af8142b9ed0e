/**
 * 2-D convolution (cross-correlation, like PyTorch's Conv2d), with stride, zero padding and optional bias.
 *
 *   x: (N,C,H,W)   w: (OC,C,KH,KW)   b: (OC)   y: (N,OC,OH,OW)
 *   OH = ⌊(H + padTop + padBottom − KH) / s⌋ + 1      OW = ⌊(W + padLeft + padRight − KW) / s⌋ + 1
 *
 * Forward:
 *   y[n,o,i,j] = b[o] + Σ_c Σ_p Σ_q w[o,c,p,q] · x[n,c, i·s+p−padTop, j·s+q−padLeft]      (x = 0 outside the image)
 *
 * Backward (accumulates into dx, dw, db, like every backward in elunet):
 *   dx[n,c,u,v] += Σ_o Σ_p Σ_q dy[n,o,i,j] · w[o,c,p,q]     over the (i,j) with i·s+p−padTop = u, j·s+q−padLeft = v
 *   dw[o,c,p,q] += Σ_n Σ_i Σ_j dy[n,o,i,j] · x[n,c, i·s+p−padTop, j·s+q−padLeft]
 *   db[o]       += Σ_n Σ_i Σ_j dy[n,o,i,j]
 *
 * Two versions of each pass live here (docs/kernels/conv2d.md derives them):
 *  - …Naive: the seven loops of the definition, skipping taps that fall in the padding.
 *  - fast: per sample, im2col copies every receptive field of x into one column of a matrix
 *        col[(c·KH + p)·KW + q, i·OW + j] = x[n,c, i·s+p−padTop, j·s+q−padLeft]      col: (C·KH·KW, OH·OW)
 *    so that the three passes become matrix products handled by the fast matmul:
 *        y[n]  = W · col              W viewed as (OC, C·KH·KW), y[n] as (OC, OH·OW)
 *        dcol  = Wᵀ · dy[n]           then col2im adds every entry of dcol back to the pixel it was copied from
 *        dW   += dy[n] · colᵀ
 *    col lives in the caller's workspace (conv2dWorkspaceSize floats). A 1×1 convolution with stride 1 and no
 *    padding needs no col at all: col is x[n] itself, and the workspace size is 0.
 */
import { ShapeError } from '../errors.js';
import { matmul, type MatmulShape } from './matmul.js';

export interface Conv2dShape {
  n: number;
  c: number;
  h: number;
  w: number;
  oc: number;
  kh: number;
  kw: number;
  stride: number;
  padTop: number;
  padBottom: number;
  padLeft: number;
  padRight: number;
  oh: number;
  ow: number;
}

export type Conv2dPad = number | 'same' | 'valid' | { top: number; bottom: number; left: number; right: number };

export interface Conv2dShapeParams {
  n: number;
  c: number;
  h: number;
  w: number;
  oc: number;
  kh: number;
  /** default kh (square kernel) */
  kw?: number;
  /** default 1 */
  stride?: number;
  /** default 0 ('valid'); 'same' (stride 1 only) pads k−1 in total, ⌊(k−1)/2⌋ before and the rest after */
  pad?: Conv2dPad;
}

/** Throws a ShapeError unless `v` is an integer ≥ min; the message names the argument, the rule, the value and the fix. */
function need(what: string, v: number, min: number, fix: string): void {
  if (!Number.isInteger(v) || v < min) {
    throw new ShapeError(`conv2d: ${what} must be an integer ≥ ${min}, got ${v}; ${fix}`);
  }
}

/** Builds and validates a Conv2dShape. Throws ShapeError naming the argument, what was expected and the fix. */
export function conv2dShape(p: Conv2dShapeParams): Conv2dShape {
  const kw = p.kw ?? p.kh;
  const stride = p.stride ?? 1;
  need('n (batch size)', p.n, 1, 'pass the number of samples in the batch');
  need('c (input channels)', p.c, 1, 'pass the channels of the input (1 for MNIST, 3 for RGB, the filters of the layer below)');
  need('h (input height)', p.h, 1, 'pass the input height in pixels');
  need('w (input width)', p.w, 1, 'pass the input width in pixels');
  need('oc (output channels)', p.oc, 1, 'pass the number of filters');
  need('kh (kernel height)', p.kh, 1, 'pass the filter size, e.g. 3');
  need('kw (kernel width)', kw, 1, 'pass the filter size, e.g. 3, or leave kw out for a square kernel');
  need('stride', stride, 1, 'use 1 to slide the filter one pixel at a time, 2 to halve the image');

  const pad = p.pad ?? 0;
  let padTop: number, padBottom: number, padLeft: number, padRight: number;
  if (pad === 'valid') {
    padTop = padBottom = padLeft = padRight = 0;
  } else if (pad === 'same') {
    if (stride !== 1) {
      throw new ShapeError(`conv2d: pad 'same' needs stride 1 (output size = input size), got stride ${stride}; use a number or {top,bottom,left,right} for strided convolutions`);
    }
    padTop = Math.floor((p.kh - 1) / 2);
    padBottom = p.kh - 1 - padTop;
    padLeft = Math.floor((kw - 1) / 2);
    padRight = kw - 1 - padLeft;
  } else if (typeof pad === 'number') {
    need('pad', pad, 0, "use 0, 'same', 'valid' or {top,bottom,left,right}");
    padTop = padBottom = padLeft = padRight = pad;
  } else if (typeof pad === 'object' && pad !== null) {
    need('pad.top', pad.top, 0, 'padding counts whole rows or columns of zeros');
    need('pad.bottom', pad.bottom, 0, 'padding counts whole rows or columns of zeros');
    need('pad.left', pad.left, 0, 'padding counts whole rows or columns of zeros');
    need('pad.right', pad.right, 0, 'padding counts whole rows or columns of zeros');
    ({ top: padTop, bottom: padBottom, left: padLeft, right: padRight } = pad);
  } else {
    throw new ShapeError(`conv2d: pad must be a number, 'same', 'valid' or {top,bottom,left,right}, got ${JSON.stringify(pad)}`);
  }

  const paddedH = p.h + padTop + padBottom;
  const paddedW = p.w + padLeft + padRight;
  if (p.kh > paddedH || kw > paddedW) {
    throw new ShapeError(
      `conv2d: kernel ${p.kh}×${kw} is larger than the padded input ${paddedH}×${paddedW} ` +
        `(input ${p.h}×${p.w}, pad top ${padTop} bottom ${padBottom} left ${padLeft} right ${padRight}); ` +
        `use a smaller kernel, more padding (pad: 'same'), or remove a pooling layer before this one`,
    );
  }
  return {
    n: p.n, c: p.c, h: p.h, w: p.w, oc: p.oc, kh: p.kh, kw, stride,
    padTop, padBottom, padLeft, padRight,
    oh: Math.floor((paddedH - p.kh) / stride) + 1,
    ow: Math.floor((paddedW - kw) / stride) + 1,
  };
}

/** Throws ShapeError unless every array has exactly the length shape s needs. Call once where buffers are made. */
export function conv2dCheckArrays(s: Conv2dShape, arrays: { x?: Float32Array; w?: Float32Array; b?: Float32Array | null;
                                  y?: Float32Array; ws?: Float32Array }): void {
  const want = (name: string, arr: Float32Array | null | undefined, n: number, dims: string) => {
    if (arr && arr.length !== n) {
      throw new ShapeError(`conv2d: ${name} must have ${n} elements (${dims}), got ${arr.length}; allocate it from the shape`);
    }
  };
  want('x', arrays.x, s.n * s.c * s.h * s.w, `N·C·H·W = ${s.n}·${s.c}·${s.h}·${s.w}`);
  want('w', arrays.w, s.oc * s.c * s.kh * s.kw, `OC·C·KH·KW = ${s.oc}·${s.c}·${s.kh}·${s.kw}`);
  want('b', arrays.b, s.oc, `OC = ${s.oc}`);
  want('y', arrays.y, s.n * s.oc * s.oh * s.ow, `N·OC·OH·OW = ${s.n}·${s.oc}·${s.oh}·${s.ow}`);
  if (arrays.ws && arrays.ws.length < conv2dWorkspaceSize(s)) {
    throw new ShapeError(`conv2d: workspace needs at least ${conv2dWorkspaceSize(s)} floats (conv2dWorkspaceSize), got ${arrays.ws.length}`);
  }
}

/** A 1×1 kernel with stride 1 and no padding: col would be a copy of x[n], so it is used in place. */
function isPointwise(s: Conv2dShape): boolean {
  return s.kh === 1 && s.kw === 1 && s.stride === 1 &&
    s.padTop === 0 && s.padBottom === 0 && s.padLeft === 0 && s.padRight === 0;
}

/** Floats of scratch the fast passes need: one im2col matrix (C·KH·KW, OH·OW), or 0 for a pointwise conv. */
export function conv2dWorkspaceSize(s: Conv2dShape): number {
  return isPointwise(s) ? 0 : s.c * s.kh * s.kw * s.oh * s.ow;
}

// ───────────────────────────── naive reference: the definition in seven loops ─────────────────────────────

export function conv2dForwardNaive(y: Float32Array, x: Float32Array, w: Float32Array, b: Float32Array | null,
                                   s: Conv2dShape): void {
  const { n: N, c: C, h: H, w: W, oc: OC, kh: KH, kw: KW, stride, padTop, padLeft, oh: OH, ow: OW } = s;
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < OC; o++) {
      for (let i = 0; i < OH; i++) {
        for (let j = 0; j < OW; j++) {
          let sum = b ? b[o] : 0;
          for (let c = 0; c < C; c++) {
            for (let p = 0; p < KH; p++) {
              const u = i * stride + p - padTop;
              if (u < 0 || u >= H) continue; // a padding row: x = 0
              for (let q = 0; q < KW; q++) {
                const v = j * stride + q - padLeft;
                if (v < 0 || v >= W) continue;
                sum += w[((o * C + c) * KH + p) * KW + q] * x[((n * C + c) * H + u) * W + v];
              }
            }
          }
          y[((n * OC + o) * OH + i) * OW + j] = sum;
        }
      }
    }
  }
}

/** dx[n,c,u,v] += Σ dy[n,o,i,j] · w[o,c,p,q]: the forward's loops, with each product sent back to its input pixel. */
export function conv2dBackwardInputNaive(dx: Float32Array, dy: Float32Array, w: Float32Array, s: Conv2dShape): void {
  const { n: N, c: C, h: H, w: W, oc: OC, kh: KH, kw: KW, stride, padTop, padLeft, oh: OH, ow: OW } = s;
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < OC; o++) {
      for (let i = 0; i < OH; i++) {
        for (let j = 0; j < OW; j++) {
          const g = dy[((n * OC + o) * OH + i) * OW + j];
          for (let c = 0; c < C; c++) {
            for (let p = 0; p < KH; p++) {
              const u = i * stride + p - padTop;
              if (u < 0 || u >= H) continue; // padding has no gradient to receive
              for (let q = 0; q < KW; q++) {
                const v = j * stride + q - padLeft;
                if (v < 0 || v >= W) continue;
                dx[((n * C + c) * H + u) * W + v] += g * w[((o * C + c) * KH + p) * KW + q];
              }
            }
          }
        }
      }
    }
  }
}

/** dw[o,c,p,q] += Σ_n Σ_i Σ_j dy[n,o,i,j] · x[n,c,i·s+p−padTop, j·s+q−padLeft];  db[o] += Σ_n Σ_i Σ_j dy[n,o,i,j]. */
export function conv2dBackwardParamsNaive(dw: Float32Array, db: Float32Array | null, dy: Float32Array, x: Float32Array,
                                          s: Conv2dShape): void {
  const { n: N, c: C, h: H, w: W, oc: OC, kh: KH, kw: KW, stride, padTop, padLeft, oh: OH, ow: OW } = s;
  for (let o = 0; o < OC; o++) {
    for (let c = 0; c < C; c++) {
      for (let p = 0; p < KH; p++) {
        for (let q = 0; q < KW; q++) {
          let sum = 0;
          for (let n = 0; n < N; n++) {
            for (let i = 0; i < OH; i++) {
              const u = i * stride + p - padTop;
              if (u < 0 || u >= H) continue;
              for (let j = 0; j < OW; j++) {
                const v = j * stride + q - padLeft;
                if (v < 0 || v >= W) continue;
                sum += dy[((n * OC + o) * OH + i) * OW + j] * x[((n * C + c) * H + u) * W + v];
              }
            }
          }
          dw[((o * C + c) * KH + p) * KW + q] += sum;
        }
      }
    }
  }
  if (db) {
    for (let o = 0; o < OC; o++) {
      let sum = 0;
      for (let n = 0; n < N; n++) {
        const plane = (n * OC + o) * OH * OW;
        for (let t = 0; t < OH * OW; t++) sum += dy[plane + t];
      }
      db[o] += sum;
    }
  }
}

// ─────────────────────────────────── fast: im2col + matmul, per sample ───────────────────────────────────

/**
 * The output columns j whose tap q lands inside the image: 0 ≤ j·s + q − padLeft < W  ⇔  jLo ≤ j < jHi.
 * Written into `range` (a 2-element scratch) so that im2col/col2im allocate nothing.
 */
function validColumns(range: Int32Array, q: number, s: Conv2dShape): void {
  const { stride, padLeft, w: W, ow: OW } = s;
  const lo = Math.max(0, Math.ceil((padLeft - q) / stride));
  const hi = Math.min(OW, Math.floor((W - 1 + padLeft - q) / stride) + 1);
  range[0] = lo;
  range[1] = Math.max(lo, hi);
}
const colRange = new Int32Array(2);

/** col[(c·KH+p)·KW+q, i·OW+j] = x[n,c, i·s+p−padTop, j·s+q−padLeft], or 0 in the padding. */
function im2col(col: Float32Array, x: Float32Array, n: number, s: Conv2dShape): void {
  const { c: C, h: H, w: W, kh: KH, kw: KW, stride, padTop, padLeft, oh: OH, ow: OW } = s;
  const xSample = n * C * H * W;
  for (let c = 0; c < C; c++) {
    const xPlane = xSample + c * H * W;
    for (let p = 0; p < KH; p++) {
      for (let q = 0; q < KW; q++) {
        validColumns(colRange, q, s);
        const jLo = colRange[0];
        const jHi = colRange[1];
        const colRow = ((c * KH + p) * KW + q) * OH * OW;
        for (let i = 0; i < OH; i++) {
          const u = i * stride + p - padTop;
          const colPix = colRow + i * OW;
          if (u < 0 || u >= H) {
            for (let j = 0; j < OW; j++) col[colPix + j] = 0;
            continue;
          }
          const xRow = xPlane + u * W + q - padLeft; // x[n,c,u, j·s + q − padLeft] = x[xRow + j·s]
          for (let j = 0; j < jLo; j++) col[colPix + j] = 0;
          for (let j = jLo; j < jHi; j++) col[colPix + j] = x[xRow + j * stride];
          for (let j = jHi; j < OW; j++) col[colPix + j] = 0;
        }
      }
    }
  }
}

/** The transpose of im2col, accumulating: dx[n,c, i·s+p−padTop, j·s+q−padLeft] += dcol[(c·KH+p)·KW+q, i·OW+j]. */
function col2imAdd(dx: Float32Array, dcol: Float32Array, n: number, s: Conv2dShape): void {
  const { c: C, h: H, w: W, kh: KH, kw: KW, stride, padTop, padLeft, oh: OH, ow: OW } = s;
  const xSample = n * C * H * W;
  for (let c = 0; c < C; c++) {
    const xPlane = xSample + c * H * W;
    for (let p = 0; p < KH; p++) {
      for (let q = 0; q < KW; q++) {
        validColumns(colRange, q, s);
        const jLo = colRange[0];
        const jHi = colRange[1];
        const colRow = ((c * KH + p) * KW + q) * OH * OW;
        for (let i = 0; i < OH; i++) {
          const u = i * stride + p - padTop;
          if (u < 0 || u >= H) continue; // entries copied from padding go nowhere
          const colPix = colRow + i * OW;
          const xRow = xPlane + u * W + q - padLeft;
          for (let j = jLo; j < jHi; j++) dx[xRow + j * stride] += dcol[colPix + j];
        }
      }
    }
  }
}

/** A matmul shape record built without validation (the conv shape already guarantees it). */
function mm(m: number, n: number, k: number, transA: boolean, transB: boolean, accumulate: boolean): MatmulShape {
  return { m, n, k, transA, transB, accumulate, aOffset: 0, bOffset: 0, cOffset: 0 };
}

/** Fast forward: per sample, y[n] (OC × OH·OW) = W (OC × C·KH·KW) · col, then + b[o] on each output plane. */
export function conv2dForward(y: Float32Array, x: Float32Array, w: Float32Array, b: Float32Array | null,
                              s: Conv2dShape, ws: Float32Array): void {
  const { n: N, c: C, h: H, w: W, oc: OC, kh: KH, kw: KW, oh: OH, ow: OW } = s;
  const plane = OH * OW;
  const direct = isPointwise(s);
  const shape = mm(OC, plane, C * KH * KW, false, false, false);
  for (let n = 0; n < N; n++) {
    shape.cOffset = n * OC * plane;
    if (direct) {
      shape.bOffset = n * C * H * W;
      matmul(y, w, x, shape);
    } else {
      im2col(ws, x, n, s);
      matmul(y, w, ws, shape);
    }
    if (b) {
      for (let o = 0; o < OC; o++) {
        const yPlane = shape.cOffset + o * plane;
        const bias = b[o];
        for (let t = 0; t < plane; t++) y[yPlane + t] += bias;
      }
    }
  }
}

/** Fast backward to the input: per sample, dcol (C·KH·KW × OH·OW) = Wᵀ · dy[n], then dx[n] += col2im(dcol). */
export function conv2dBackwardInput(dx: Float32Array, dy: Float32Array, w: Float32Array, s: Conv2dShape,
                                    ws: Float32Array): void {
  const { n: N, c: C, h: H, w: W, oc: OC, kh: KH, kw: KW, oh: OH, ow: OW } = s;
  const plane = OH * OW;
  const direct = isPointwise(s);
  // Pointwise: col2im is the identity, so the product is accumulated straight into dx[n].
  const shape = mm(C * KH * KW, plane, OC, true, false, direct);
  for (let n = 0; n < N; n++) {
    shape.bOffset = n * OC * plane;
    if (direct) {
      shape.cOffset = n * C * H * W;
      matmul(dx, w, dy, shape);
    } else {
      matmul(ws, w, dy, shape);
      col2imAdd(dx, ws, n, s);
    }
  }
}

/** Fast backward to the parameters: per sample, dW (OC × C·KH·KW) += dy[n] · colᵀ, and db[o] += Σ dy[n,o,:,:]. */
export function conv2dBackwardParams(dw: Float32Array, db: Float32Array | null, dy: Float32Array, x: Float32Array,
                                     s: Conv2dShape, ws: Float32Array): void {
  const { n: N, c: C, h: H, w: W, oc: OC, kh: KH, kw: KW, oh: OH, ow: OW } = s;
  const plane = OH * OW;
  const direct = isPointwise(s);
  const shape = mm(OC, C * KH * KW, plane, false, true, true);
  for (let n = 0; n < N; n++) {
    shape.aOffset = n * OC * plane;
    if (direct) {
      shape.bOffset = n * C * H * W;
      matmul(dw, dy, x, shape);
    } else {
      im2col(ws, x, n, s);
      matmul(dw, dy, ws, shape);
    }
  }
  if (db) {
    for (let o = 0; o < OC; o++) {
      let sum = 0;
      for (let n = 0; n < N; n++) {
        const dyPlane = (n * OC + o) * plane;
        for (let t = 0; t < plane; t++) sum += dy[dyPlane + t];
      }
      db[o] += sum;
    }
  }
}
