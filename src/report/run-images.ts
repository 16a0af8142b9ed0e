/**
 * The pictures of a finished run: training samples, misclassified test examples ("true→pred") and the
 * first layer's filters (conv models), as PNG image grids.
 */
import { join } from 'node:path';
import type { Network } from '../model/network.js';
import { imageGrid } from './grid.js';
import { hexColor } from './canvas.js';
import type { SampleSource } from '../train/batch.js';

const RED = hexColor('#c0392b');

/** Writes samples.png, misclassified.png and (conv models) filters.png into outDir; returns their paths. */
export function writeRunImages(
  net: Network,
  train: SampleSource,
  test: SampleSource,
  outDir: string,
  classNames?: string[],
  maxImages = 64,
): string[] {
  const written: string[] = [];
  const size = train.c * train.h * train.w;
  const name = (k: number) => classNames?.[k] ?? String(k);
  const scale = train.h <= 32 ? 3 : 1;

  const ns = Math.min(maxImages, train.n);
  imageGrid(train.images.subarray(0, ns * size), ns, train.c, train.h, train.w, {
    cols: 16,
    scale,
    labels: Array.from(train.labels.subarray(0, ns), name),
    normalize: 'per-image',
    title: `training samples (${train.n} in all)`,
  }).savePNG(join(outDir, 'samples.png'));
  written.push(join(outDir, 'samples.png'));

  if (net.spec.loss === 'softmax-ce') {
    const chunk = net.maxBatch;
    const wrong: number[] = [];
    const preds: number[] = [];
    let seen = 0;
    for (let o = 0; o < test.n && wrong.length < maxImages; o += chunk) {
      const count = Math.min(chunk, test.n - o);
      const out = net.forward(test.images.subarray(o * size, (o + count) * size), count, 'eval');
      const classes = out.length / count;
      for (let r = 0; r < count; r++) {
        let best = 0;
        for (let j = 1; j < classes; j++) if (out[r * classes + j] > out[r * classes + best]) best = j;
        if (best !== test.labels[o + r] && wrong.length < maxImages) {
          wrong.push(o + r);
          preds.push(best);
        }
      }
      seen += count;
    }
    if (wrong.length > 0) {
      const imgs = new Float32Array(wrong.length * size);
      wrong.forEach((id, k) => imgs.set(test.images.subarray(id * size, (id + 1) * size), k * size));
      imageGrid(imgs, wrong.length, test.c, test.h, test.w, {
        cols: 16,
        scale,
        labels: wrong.map((id, k) => `${name(test.labels[id])}→${name(preds[k])}`),
        labelColors: wrong.map(() => RED),
        normalize: 'per-image',
        title: `misclassified test examples: true→predicted (first ${wrong.length}, among ${seen} test samples checked)`,
      }).savePNG(join(outDir, 'misclassified.png'));
      written.push(join(outDir, 'misclassified.png'));
    }
  }

  const first = net.layout.find((e) => e.shape.length === 4 && e.name.endsWith('.weight'));
  if (first) {
    const [oc, c, kh, kw] = first.shape;
    const show = Math.min(oc, 64);
    const w = net.params.subarray(first.offset, first.offset + show * c * kh * kw);
    const channels = c === 3 || c === 1 ? c : 1;
    // filters with C ∉ {1, 3} show their first input channel only
    const imgs = channels === c ? w : pickChannel(w, show, c, kh * kw);
    imageGrid(imgs, show, channels, kh, kw, {
      cols: Math.min(16, show),
      scale: Math.max(4, Math.floor(48 / kh)),
      normalize: 'per-image',
      title: `${first.name.replace('.weight', '')} filters (${oc}×${c}×${kh}×${kw})`,
    }).savePNG(join(outDir, 'filters.png'));
    written.push(join(outDir, 'filters.png'));
  }
  return written;
}

function pickChannel(w: Float32Array, n: number, c: number, plane: number): Float32Array {
  const out = new Float32Array(n * plane);
  for (let i = 0; i < n; i++) out.set(w.subarray(i * c * plane, i * c * plane + plane), i * plane);
  return out;
}
