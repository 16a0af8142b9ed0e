/**
 * Max pooling, WebAssembly version. Twin of maxPoolForward / maxPoolBackward in src/kernels/pool.ts (PyTorch's
 * semantics: floor mode, padding counts as −∞, argmax = flat index into x of the first maximum in row-major
 * order, a NaN wins its window), held to them by test/simd-ops.test.ts: the same bits and the same argmax.
 *
 *   x: (N,C,H,W)   y, argmax: (N,C,OH,OW)
 *   y[n,c,i,j] = max_{p,q} x[n,c, i·s+p−pad, j·s+q−pad]        dx[argmax[o]] += dy[o]
 *
 * The 2×2, stride-2, unpadded window (every pooling layer of the model zoo) has a SIMD path: four outputs of a
 * row at once, from two rows of eight inputs split into even and odd columns by a shuffle; the four candidates
 * are compared in the twin's order with the twin's rule (take v when v > best or v is NaN), so ties and NaN
 * resolve exactly as there. The outputs of a row past the last multiple of 4, and every other window shape,
 * take the scalar loop (the twin's code). The backward is a scatter and stays scalar.
 * Average pooling is not here: the TypeScript kernels serve it (it is not on any hot path of the zoo's models).
 */

export function maxPoolForward(y: usize, argmax: usize, x: usize, N: i32, C: i32, H: i32, W: i32, k: i32,
                               stride: i32, pad: i32, OH: i32, OW: i32): void {
  const planes = N * C;
  const fast = k == 2 && stride == 2 && pad == 0;
  for (let pl = 0; pl < planes; pl++) {
    const xPlane = pl * H * W; // element indices (argmax stores them)
    const yPlane = pl * OH * OW;
    for (let i = 0; i < OH; i++) {
      const yRow = yPlane + i * OW;
      let j0 = 0;
      if (fast) {
        j0 = OW & ~3;
        pool2x2Row(y + (<usize>yRow << 2), argmax + (<usize>yRow << 2), x, xPlane + 2 * i * W, W, j0);
      }
      for (let j = j0; j < OW; j++) {
        const r0 = i * stride - pad;
        const pStart = max(r0, 0);
        const pEnd = min(r0 + k, H);
        const t0 = j * stride - pad;
        const qStart = max(t0, 0);
        const qEnd = min(t0 + k, W);
        let best: f32 = -Infinity;
        let bestAt = xPlane + pStart * W + qStart;
        for (let r = pStart; r < pEnd; r++) {
          const xRow = xPlane + r * W;
          for (let t = qStart; t < qEnd; t++) {
            const v = load<f32>(x + (<usize>(xRow + t) << 2));
            if (v > best || v != v) {
              best = v;
              bestAt = xRow + t;
            }
          }
        }
        store<f32>(y + (<usize>(yRow + j) << 2), best);
        store<i32>(argmax + (<usize>(yRow + j) << 2), bestAt);
      }
    }
  }
}

/**
 * Outputs j = 0 … count−1 (count a multiple of 4) of one output row of a 2×2 stride-2 max pool. `top` is the
 * element index of the window row's first input; inputs 2j … 2j+7 of rows top and top+W are read, all inside
 * the row because 2·count ≤ W.
 */
function pool2x2Row(y: usize, argmax: usize, x: usize, top: i32, W: i32, count: i32): void {
  const twos = i32x4(0, 2, 4, 6);
  for (let j = 0; j < count; j += 4) {
    const i00 = top + 2 * j; // index of the top-left input of output j
    const a = x + (<usize>i00 << 2);
    const b = a + (<usize>W << 2);
    const a0 = v128.load(a), a1 = v128.load(a, 16);
    const b0 = v128.load(b), b1 = v128.load(b, 16);
    // candidates in the twin's order: (r, 2j), (r, 2j+1), (r+1, 2j), (r+1, 2j+1)
    const topEven = v128.shuffle<f32>(a0, a1, 0, 2, 4, 6);
    const topOdd = v128.shuffle<f32>(a0, a1, 1, 3, 5, 7);
    const botEven = v128.shuffle<f32>(b0, b1, 0, 2, 4, 6);
    const botOdd = v128.shuffle<f32>(b0, b1, 1, 3, 5, 7);
    const idx0 = i32x4.add(i32x4.splat(i00), twos);
    let best = topEven;
    let at = idx0;
    // the first candidate always wins against −∞ (or is NaN, which wins too), so it is the start
    let take = v128.or(f32x4.gt(topOdd, best), f32x4.ne(topOdd, topOdd));
    best = v128.bitselect(topOdd, best, take);
    at = v128.bitselect(i32x4.add(idx0, i32x4.splat(1)), at, take);
    take = v128.or(f32x4.gt(botEven, best), f32x4.ne(botEven, botEven));
    best = v128.bitselect(botEven, best, take);
    at = v128.bitselect(i32x4.add(idx0, i32x4.splat(W)), at, take);
    take = v128.or(f32x4.gt(botOdd, best), f32x4.ne(botOdd, botOdd));
    best = v128.bitselect(botOdd, best, take);
    at = v128.bitselect(i32x4.add(idx0, i32x4.splat(W + 1)), at, take);
    v128.store(y + (<usize>j << 2), best);
    v128.store(argmax + (<usize>j << 2), at);
  }
}

export function maxPoolBackward(dx: usize, dy: usize, argmax: usize, count: i32): void {
  for (let o = 0; o < count; o++) {
    const at = dx + (<usize>load<i32>(argmax + (<usize>o << 2)) << 2);
    store<f32>(at, load<f32>(at) + load<f32>(dy + (<usize>o << 2)));
  }
}
