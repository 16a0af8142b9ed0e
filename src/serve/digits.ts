/**
 * The embedded MNIST digits (src/data/mnist-embedded.ts) in a compact binary form for the page's playground:
 * 7.9 MB instead of the 18 MB of JSON, about 1.6 MB gzipped on the wire.
 *
 *   offset  size    content
 *   0       4       'EDIG'
 *   4       1       version (1)
 *   5       3       zero
 *   8       4       n, uint32 little-endian
 *   12      2       h, uint16 little-endian
 *   14      2       w, uint16 little-endian
 *   16      n       labels, one byte each
 *   16+n    n·h·w   pixels, one byte each: round(255 · v)
 *
 * The package stores each pixel as round(b / 255, 3) for its original byte b; round(255 · v) gives b back
 * (the rounding moved v by at most 0.0005, i.e. 0.13 of a byte step), and decodeDigits recomputes
 * round(b / 255, 3), so the page trains on exactly the values the command line trains on (a test checks it).
 *
 * Plain functions over typed arrays: the server encodes, the page decodes.
 */

const MAGIC = [0x45, 0x44, 0x49, 0x47]; // 'EDIG'
export const DIGITS_VERSION = 1;
const HEADER = 16;

export interface Digits {
  n: number;
  h: number;
  w: number;
  /** (n, 1, h, w) pixels in [0, 1] */
  images: Float32Array;
  labels: Int32Array;
}

export function encodeDigits(d: Digits): Uint8Array {
  const size = d.h * d.w;
  const out = new Uint8Array(HEADER + d.n + d.n * size);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  out[4] = DIGITS_VERSION;
  view.setUint32(8, d.n, true);
  view.setUint16(12, d.h, true);
  view.setUint16(14, d.w, true);
  for (let i = 0; i < d.n; i++) out[HEADER + i] = d.labels[i];
  const px = HEADER + d.n;
  for (let i = 0; i < d.n * size; i++) out[px + i] = Math.round(255 * d.images[i]);
  return out;
}

export function decodeDigits(bytes: Uint8Array): Digits {
  if (bytes.length < HEADER || MAGIC.some((m, i) => bytes[i] !== m)) {
    throw new Error(`digits: expected the 'EDIG' header, found ${bytes.length < HEADER ? `${bytes.length} bytes` : 'other bytes'}`);
  }
  if (bytes[4] !== DIGITS_VERSION) throw new Error(`digits: expected version ${DIGITS_VERSION}, found ${bytes[4]}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getUint32(8, true);
  const h = view.getUint16(12, true);
  const w = view.getUint16(14, true);
  const size = h * w;
  if (bytes.length !== HEADER + n + n * size) {
    throw new Error(`digits: expected ${HEADER + n + n * size} bytes for ${n} images of ${h}×${w}, found ${bytes.length}`);
  }
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) labels[i] = bytes[HEADER + i];
  // the 256 values a byte stands for, computed once: round(b / 255, 3) as the package stored them
  const value = new Float32Array(256);
  for (let b = 0; b < 256; b++) value[b] = Math.round((b / 255) * 1000) / 1000;
  const images = new Float32Array(n * size);
  const px = HEADER + n;
  for (let i = 0; i < n * size; i++) images[i] = value[bytes[px + i]];
  return { n, h, w, images, labels };
}
