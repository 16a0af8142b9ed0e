/**
 * What the live log and the playground measure on a network while it trains, computed the same way in both
 * (this module imports only the model, so it runs in Node and in a Web Worker):
 *
 *   - probeActivations: an eval-mode forward of a fixed set of training samples; per hidden layer the mean
 *     activation and a histogram of the activation values, and the median over all hidden units of each
 *     unit's mean activation (the paper's Fig. 2 quantity, defined as in src/train/metrics.ts: a unit of a
 *     convolution is a channel, averaged over positions);
 *   - firstLayerFilters: the first weight tensor as 8-bit images (a convolution's filters, or a dense layer's
 *     incoming weights per unit reshaped to the input image);
 *   - findMisclassified: test samples the network gets wrong, as 8-bit images with true and predicted class.
 *
 * Histograms are made from a subsample of the activation values: every s-th value of the layer's output over
 * the probe set, with s chosen so that at most `maxValues` values are kept. The bins are equal in width
 * over [min, max] of those values. A layer of 32 channels of 28×28 over 128 samples has 3.2 M values; 16 k of
 * them draw the same histogram to within a pixel and keep the probe's memory and time small.
 */
import type { Network } from '../model/network.js';
import type { LayerProbe } from './format.js';

/** The samples a probe or scan reads: (N, C, H, W) floats and their labels. */
export interface ProbeSource {
  images: Float32Array;
  labels: Int32Array;
  n: number;
  c: number;
  h: number;
  w: number;
}

export interface ProbeOptions {
  /** histogram bins per layer */
  bins: number;
  /** activation values kept per layer for the histogram */
  maxValues: number;
}

export const DEFAULT_PROBE: ProbeOptions = { bins: 40, maxValues: 16384 };

export interface ProbeResult {
  samples: number;
  median: number;
  layers: LayerProbe[];
}

/** Per-layer accumulators of one probe; allocated when the first chunk shows the layer shapes. */
interface LayerAcc {
  name: string;
  units: number;
  spatial: number;
  /** Σ over samples and positions of each unit's activation */
  unitSums: Float64Array;
  /** every stride-th activation value of the layer over the probe set */
  values: Float32Array;
  kept: number;
  stride: number;
  /** flat index (over samples·units·spatial) of the next value to keep */
  next: number;
}

/**
 * Eval-mode forward of samples `ids` of `src` in chunks of at most net.maxBatch, gathering the per-layer
 * statistics above. `x` is a scratch input buffer of at least net.maxBatch samples.
 */
export function probeActivations(
  net: Network,
  src: ProbeSource,
  ids: ArrayLike<number>,
  x: Float32Array,
  opts: ProbeOptions = DEFAULT_PROBE,
): ProbeResult {
  const size = src.c * src.h * src.w;
  const chunk = Math.min(net.maxBatch, Math.floor(x.length / size));
  const total = ids.length;
  let acc: LayerAcc[] = [];
  let seen = 0;
  for (let o = 0; o < total; o += chunk) {
    const count = Math.min(chunk, total - o);
    for (let k = 0; k < count; k++) {
      const id = ids[o + k];
      x.set(src.images.subarray(id * size, (id + 1) * size), k * size);
    }
    net.forward(x, count, 'eval');
    const hidden = net.hiddenActivations();
    if (acc.length === 0) {
      acc = hidden.map((l) => {
        const values = Math.min(opts.maxValues, total * l.units * l.spatial);
        return {
          name: l.name,
          units: l.units,
          spatial: l.spatial,
          unitSums: new Float64Array(l.units),
          values: new Float32Array(values),
          kept: 0,
          stride: Math.max(1, Math.ceil((total * l.units * l.spatial) / values)),
          next: 0,
        };
      });
    }
    for (let li = 0; li < hidden.length; li++) {
      const a = acc[li];
      const data = hidden[li].data;
      const per = a.units * a.spatial;
      for (let r = 0; r < count; r++) {
        for (let u = 0; u < a.units; u++) {
          const base = r * per + u * a.spatial;
          let s = 0;
          for (let p = 0; p < a.spatial; p++) s += data[base + p];
          a.unitSums[u] += s;
        }
      }
      const first = seen * per;
      const end = first + count * per;
      let g = a.next;
      for (; g < end && a.kept < a.values.length; g += a.stride) a.values[a.kept++] = data[g - first];
      a.next = g;
    }
    seen += count;
  }
  const unitMeans: number[] = [];
  const layers = acc.map((a): LayerProbe => {
    let tot = 0;
    for (let u = 0; u < a.units; u++) {
      const m = a.unitSums[u] / (seen * a.spatial);
      unitMeans.push(m);
      tot += m;
    }
    return { name: a.name, mean: tot / a.units, ...histogram(a.values.subarray(0, a.kept), opts.bins) };
  });
  return { samples: seen, median: medianOf(unitMeans), layers };
}

/** Equal-width histogram of `v` over [min, max] (a constant layer gets one bin of width 1 around its value). */
export function histogram(v: Float32Array, bins: number): { lo: number; hi: number; counts: number[] } {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < v.length; i++) {
    if (v[i] < lo) lo = v[i];
    if (v[i] > hi) hi = v[i];
  }
  if (v.length === 0) return { lo: 0, hi: 1, counts: new Array<number>(bins).fill(0) };
  if (hi === lo) {
    lo -= 0.5;
    hi += 0.5;
  }
  const counts = new Array<number>(bins).fill(0);
  const scale = bins / (hi - lo);
  for (let i = 0; i < v.length; i++) counts[Math.min(bins - 1, Math.floor((v[i] - lo) * scale))]++;
  return { lo, hi, counts };
}

export function medianOf(values: number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export interface ImageBytes {
  count: number;
  c: number;
  h: number;
  w: number;
  bytes: Uint8Array;
}

/**
 * The first weight tensor of the network as images: a convolution's (OC, C, KH, KW) filters, or a dense
 * layer's (OUT, IN) rows when IN is the input image's C·H·W (each hidden unit's incoming weights). Up to
 * `max` filters and `maxBytes` bytes (by default 32 MNIST-sized images); each filter gets its own scale,
 * byte = 128 + 127 · w / max|w|, so zero is mid-grey. Null when the first weight tensor is neither.
 */
export function firstLayerFilters(
  net: Network,
  max = 64,
  maxBytes = 32 * 784,
): (ImageBytes & { layer: string; shape: number[]; scales: number[] }) | null {
  const first = net.layout.find((e) => e.name.endsWith('.weight'));
  if (!first) return null;
  const [c0, h0, w0] = net.spec.input;
  let c: number;
  let h: number;
  let w: number;
  if (first.shape.length === 4) [, c, h, w] = first.shape;
  else if (first.shape.length === 2 && first.shape[1] === c0 * h0 * w0) [c, h, w] = [c0, h0, w0];
  else return null;
  // show 3-channel filters in colour; any other channel count shows its first channel
  const shown = c === 3 ? 3 : 1;
  const per = c * h * w;
  const count = Math.max(1, Math.min(first.shape[0], max, Math.floor(maxBytes / (shown * h * w))));
  const bytes = new Uint8Array(count * shown * h * w);
  const scales: number[] = [];
  const p = net.params;
  for (let f = 0; f < count; f++) {
    const base = first.offset + f * per;
    let m = 0;
    for (let i = 0; i < shown * h * w; i++) m = Math.max(m, Math.abs(p[base + i]));
    scales.push(m);
    const k = m > 0 ? 127 / m : 0;
    for (let i = 0; i < shown * h * w; i++) bytes[f * shown * h * w + i] = Math.round(128 + k * p[base + i]);
  }
  return { layer: first.name, shape: [...first.shape], scales, count, c: shown, h, w, bytes };
}

/**
 * Scans test samples ids[start], ids[start+1], … (wrapping around) in eval mode until `maxWrong` are
 * misclassified, `maxScan` were looked at, or (checked between chunks of net.maxBatch samples, after the
 * first `minScan`) `more()` says no. Images are scaled to bytes per image (min → 0, max → 255), so
 * preprocessed data still shows. `x` is a scratch input buffer of at least net.maxBatch samples.
 */
export function findMisclassified(
  net: Network,
  src: ProbeSource,
  ids: ArrayLike<number>,
  start: number,
  maxScan: number,
  maxWrong: number,
  x: Float32Array,
  more: () => boolean = () => true,
  minScan = 0,
): ImageBytes & { ids: number[]; labels: number[]; preds: number[]; checked: number } {
  const size = src.c * src.h * src.w;
  const chunk = Math.min(net.maxBatch, Math.floor(x.length / size));
  const scan = Math.min(maxScan, ids.length);
  const wrong: number[] = [];
  const labels: number[] = [];
  const preds: number[] = [];
  let checked = 0;
  while (checked < scan && wrong.length < maxWrong && (checked < minScan || more())) {
    const count = Math.min(chunk, scan - checked);
    for (let k = 0; k < count; k++) {
      const id = ids[(start + checked + k) % ids.length];
      x.set(src.images.subarray(id * size, (id + 1) * size), k * size);
    }
    const out = net.forward(x, count, 'eval');
    const classes = net.outputSize;
    for (let r = 0; r < count && wrong.length < maxWrong; r++) {
      let best = 0;
      for (let j = 1; j < classes; j++) if (out[r * classes + j] > out[r * classes + best]) best = j;
      const id = ids[(start + checked + r) % ids.length];
      if (best !== src.labels[id]) {
        wrong.push(id);
        labels.push(src.labels[id]);
        preds.push(best);
      }
    }
    checked += count;
  }
  const bytes = new Uint8Array(wrong.length * size);
  wrong.forEach((id, k) => scaleToBytes(bytes, k * size, src.images, id * size, size));
  return { count: wrong.length, c: src.c, h: src.h, w: src.w, bytes, ids: wrong, labels, preds, checked };
}

/** out[o … o+n) ← in[i … i+n) scaled so that its min is 0 and its max 255. */
function scaleToBytes(out: Uint8Array, o: number, src: Float32Array, i: number, n: number): void {
  let lo = Infinity;
  let hi = -Infinity;
  for (let k = 0; k < n; k++) {
    lo = Math.min(lo, src[i + k]);
    hi = Math.max(hi, src[i + k]);
  }
  const s = hi > lo ? 255 / (hi - lo) : 0;
  for (let k = 0; k < n; k++) out[o + k] = Math.round((src[i + k] - lo) * s);
}
