/**
 * Small vector loops shared by the SIMD kernels: copy, fill, add. Each moves whole f32x4 vectors and finishes
 * with a scalar tail for the last count % 4 elements, so nothing is read or written past `count`.
 * Addresses are in bytes, counts in floats; a count ≤ 0 does nothing.
 */

/** dst[0..count) = src[0..count) (the ranges must not overlap). */
export function copyF32(dst: usize, src: usize, count: i32): void {
  const full = count & ~3;
  for (let t = 0; t < full; t += 4) {
    const off: usize = <usize>t << 2;
    v128.store(dst + off, v128.load(src + off));
  }
  for (let t = max(full, 0); t < count; t++) {
    const off: usize = <usize>t << 2;
    store<f32>(dst + off, load<f32>(src + off));
  }
}

/** dst[0..count) = v. */
export function fillF32(dst: usize, v: f32, count: i32): void {
  const vv = f32x4.splat(v);
  const full = count & ~3;
  for (let t = 0; t < full; t += 4) v128.store(dst + (<usize>t << 2), vv);
  for (let t = max(full, 0); t < count; t++) store<f32>(dst + (<usize>t << 2), v);
}

/** dst[0..count) += src[0..count). */
export function addInto(dst: usize, src: usize, count: i32): void {
  const full = count & ~3;
  for (let t = 0; t < full; t += 4) {
    const off: usize = <usize>t << 2;
    v128.store(dst + off, f32x4.add(v128.load(dst + off), v128.load(src + off)));
  }
  for (let t = max(full, 0); t < count; t++) {
    const off: usize = <usize>t << 2;
    store<f32>(dst + off, load<f32>(dst + off) + load<f32>(src + off));
  }
}
