/**
 * The core's peak for this instruction set, measured rather than looked up (bench/simd.ts reports every
 * GFLOP/s figure as a fraction of it).
 *
 * Twelve independent chains a_i ← a_i·m + c of f32x4 multiplies and adds, all in registers: no loads, no
 * stores, and no fused multiply-add (plain WebAssembly SIMD has none; the matmul does the same separate
 * multiply and add). One chain is latency-bound (a multiply, then an add that waits for it), but twelve of
 * them give the out-of-order core enough independent work to keep every multiply and add unit busy, so the
 * rate is the throughput of f32x4 multiply + add: 8 flops per mul/add pair. Twelve chains + m + c use 14 of
 * the 16 vector registers (more spill, fewer leave units idle). `m` and `c` are arguments so the compiler
 * cannot fold the arithmetic away; with m = 1 and c = 0.5 nothing overflows or goes subnormal.
 *
 * Returns a value the caller must use (a lane of the sum), so the loop is not removed as dead code.
 */
export function peakMulAdd(iterations: i32, mul: f32, add: f32): f32 {
  const m = f32x4.splat(mul), c = f32x4.splat(add);
  let a0 = f32x4.splat(1), a1 = f32x4.splat(2), a2 = f32x4.splat(3), a3 = f32x4.splat(4);
  let a4 = f32x4.splat(5), a5 = f32x4.splat(6), a6 = f32x4.splat(7), a7 = f32x4.splat(8);
  let a8 = f32x4.splat(9), a9 = f32x4.splat(10), a10 = f32x4.splat(11), a11 = f32x4.splat(12);
  for (let i = 0; i < iterations; i++) {
    a0 = f32x4.add(f32x4.mul(a0, m), c); a1 = f32x4.add(f32x4.mul(a1, m), c);
    a2 = f32x4.add(f32x4.mul(a2, m), c); a3 = f32x4.add(f32x4.mul(a3, m), c);
    a4 = f32x4.add(f32x4.mul(a4, m), c); a5 = f32x4.add(f32x4.mul(a5, m), c);
    a6 = f32x4.add(f32x4.mul(a6, m), c); a7 = f32x4.add(f32x4.mul(a7, m), c);
    a8 = f32x4.add(f32x4.mul(a8, m), c); a9 = f32x4.add(f32x4.mul(a9, m), c);
    a10 = f32x4.add(f32x4.mul(a10, m), c); a11 = f32x4.add(f32x4.mul(a11, m), c);
  }
  const s0 = f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3));
  const s1 = f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7));
  const s2 = f32x4.add(f32x4.add(a8, a9), f32x4.add(a10, a11));
  return f32x4.extract_lane(f32x4.add(f32x4.add(s0, s1), s2), 0);
}

/** Flops of one call of peakMulAdd: 12 chains × (4 multiplies + 4 adds) per iteration. */
export function peakFlopsPerIteration(): i32 {
  return 12 * 8;
}
