/**
 * Draws example charts and image grids from synthetic data, to look at after changing src/report/.
 *
 *   npm run build
 *   node dist/scripts/demo-plots.js [outDir]          # default outDir: demo-plots/
 *
 * Writes: curves.png (4 activations × mean ± std over 5 runs, legend), logy.png (a loss on a log axis),
 * panels.png (loss | accuracy | mean activation), samples.png (a grey image grid), misclassified.png
 * (captions "true→pred"), filters.png (RGB first-layer filters, per-filter normalisation), and prints a
 * console table and a Markdown table.
 */
import { join } from 'node:path';
import { Rng } from '../src/rng.js';
import {
  Canvas,
  drawText,
  formatMeanStd,
  imageGrid,
  lineChart,
  markdownTable,
  multiPanel,
  type Series,
  textTable,
} from '../src/report/index.js';
import { meanStd } from '../src/stats/summary.js';

const out = process.argv[2] ?? 'demo-plots';
const rng = new Rng(7);
const epochs = Array.from({ length: 60 }, (_, i) => i + 1);

/** 5 noisy runs of a decaying curve; returns mean and std per epoch. */
function runs(final: number, rate: number, noise: number): { y: number[]; std: number[] } {
  const all = Array.from({ length: 5 }, () => epochs.map((e) => final + (1 - final) * Math.exp(-rate * e) + noise * rng.normal() * Math.exp(-0.02 * e)));
  const y: number[] = [];
  const std: number[] = [];
  epochs.forEach((_, i) => {
    const s = meanStd(all.map((r) => r[i]));
    y.push(s.mean);
    std.push(s.std);
  });
  return { y, std };
}

const acts: [string, number, number][] = [
  ['ELU', 0.05, 0.12],
  ['ReLU', 0.08, 0.08],
  ['LReLU', 0.075, 0.09],
  ['SReLU', 0.07, 0.1],
];
const lossSeries: Series[] = acts.map(([name, final, rate]) => ({ name, x: epochs, ...runs(final, rate, 0.04) }));

const curves = lineChart({
  title: 'Training loss, MNIST (mean ± std over 5 runs)',
  xLabel: 'epoch',
  yLabel: 'cross-entropy loss',
  series: lossSeries,
});
curves.savePNG(join(out, 'curves.png'));

const logy = lineChart({
  title: 'Autoencoder reconstruction error',
  xLabel: 'epoch',
  yLabel: 'mean squared error',
  logY: true,
  series: acts.map(([name, final, rate], k) => {
    const r = runs(final * 0.02, rate * 0.6, 0.003);
    return { name, x: epochs, y: r.y.map((v) => v * 0.5), std: r.std.map((v) => v * 0.5), dashed: k === 3 };
  }),
});
logy.savePNG(join(out, 'logy.png'));

const acc: Series[] = lossSeries.map((s) => ({ ...s, y: Array.from(s.y, (v) => 1 - v * 0.6), std: s.std }));
const meanAct: Series[] = acts.map(([name], k) => ({
  name,
  x: epochs,
  y: epochs.map((e) => (name === 'ELU' ? 0.02 + 0.05 * Math.exp(-e / 10) : 0.3 + 0.1 * k - 0.15 * Math.exp(-e / 15))),
}));
const panels = multiPanel(
  [
    lineChart({ title: 'loss', xLabel: 'epoch', yLabel: 'loss', series: lossSeries, width: 420, height: 320, logY: true, legend: 'none' }),
    lineChart({ title: 'test accuracy', xLabel: 'epoch', yLabel: 'accuracy', series: acc, width: 420, height: 320, legend: 'none' }),
    lineChart({ title: 'median unit activation', xLabel: 'epoch', yLabel: 'mean activation', series: meanAct, width: 420, height: 320 }),
  ],
  { title: 'ELU vs ReLU vs LReLU vs SReLU on MNIST' },
);
panels.savePNG(join(out, 'panels.png'));

// Synthetic 28×28 "digits": blobs and strokes.
const n = 24;
const img = new Float32Array(n * 28 * 28);
for (let i = 0; i < n; i++) {
  const cx = 8 + rng.uniform() * 12;
  const cy = 8 + rng.uniform() * 12;
  const r = 4 + rng.uniform() * 5;
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++) {
      const d = Math.hypot(x - cx, y - cy);
      img[i * 784 + y * 28 + x] = Math.max(0, 1 - Math.abs(d - r) / 2) + 0.05 * rng.uniform();
    }
  }
}
imageGrid(img, n, 1, 28, 28, { cols: 8, scale: 2, normalize: 'global', title: 'training samples' }).savePNG(join(out, 'samples.png'));

const truth = Array.from({ length: 12 }, (_, i) => i % 10);
const labels = truth.map((t, i) => `${t}→${(t + 1 + i) % 10}`);
imageGrid(img.subarray(0, 12 * 784), 12, 1, 28, 28, { cols: 6, scale: 2, normalize: 'per-image', labels, labelColors: labels.map(() => [200, 30, 30]), title: 'misclassified (true→pred)' }).savePNG(
  join(out, 'misclassified.png'),
);

const filt = new Float32Array(32 * 3 * 5 * 5);
for (let i = 0; i < filt.length; i++) filt[i] = rng.normal() * 0.1;
// a few oriented edge filters so the per-filter normalisation has structure to show
for (let f = 0; f < 8; f++) {
  for (let y = 0; y < 5; y++) for (let x = 0; x < 5; x++) for (let ch = 0; ch < 3; ch++) filt[((f * 3 + ch) * 5 + y) * 5 + x] += (f % 2 ? x - 2 : y - 2) * (ch === f % 3 ? 0.5 : 0.1);
}
imageGrid(filt, 32, 3, 5, 5, { cols: 8, scale: 6, normalize: 'per-image', title: 'conv1 filters' }).savePNG(join(out, 'filters.png'));

const rows = [
  ['test error (%)', formatMeanStd(1.12, 0.05), formatMeanStd(1.38, 0.07)],
  ['train loss', formatMeanStd(0.0123, 0.0011, 4), formatMeanStd(0.0188, 0.002, 4)],
  ['epochs to 2% error', 11, 17],
  ['median activation', '0.021', '0.412'],
];
console.log(textTable(['metric', 'ELU', 'ReLU'], rows, { title: 'ELU vs ReLU (5 runs)' }));
console.log(markdownTable(['metric', 'ELU', 'ReLU'], rows));
console.log(`wrote PNGs to ${out}/`);

// Font specimen: every glyph at scale 1 and 3.
{
  const chars = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('') + '±μ→×ασλ·−²';
  const linesOf = (k: number): string[] => Array.from({ length: Math.ceil(chars.length / k) }, (_, i) => chars.slice(i * k, (i + 1) * k));
  const spec = new Canvas(620, 260);
  linesOf(100).forEach((l, i) => drawText(spec, l, 5, 5 + i * 12, [0, 0, 0]));
  linesOf(34).forEach((l, i) => drawText(spec, l, 5, 40 + i * 30, [0, 0, 0], { scale: 3 }));
  drawText(spec, 'rotated y label', 600, 250, [200, 0, 0], { rotate: 90, scale: 2 });
  spec.savePNG(join(out, 'font.png'));
}

// All six activations, large chart (fontScale 2 from 1000 px wide), mean ± std, one dashed.
{
  const six = ['ELU', 'ReLU', 'LReLU', 'SReLU', 'PReLU', 'SELU'];
  const big = lineChart({
    title: 'Test error on CIFAR-100 (mean ± std over 3 runs)',
    xLabel: 'epoch',
    yLabel: 'test error (%)',
    width: 1100,
    height: 640,
    series: six.map((name, k) => {
      const r = runs(0.3 + 0.03 * k, 0.06 - 0.004 * k, 0.05);
      return { name, x: epochs, y: r.y.map((v) => 70 * v), std: r.std.map((v) => 70 * v), dashed: name === 'SELU' };
    }),
  });
  big.savePNG(join(out, 'six.png'));
}

// Edge cases: NaN gaps, negative values, a single point, a long name, few integer epochs.
{
  const a = lineChart({
    title: 'gaps and negatives',
    xLabel: 'step',
    yLabel: 'mean activation',
    width: 420,
    height: 300,
    series: [
      { name: 'ELU', x: [0, 1, 2, 3, 4, 5, 6], y: [-0.8, -0.5, NaN, -0.1, 0.05, 0.1, 0.12], std: [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1] },
      { name: 'a very long series name that will not fit', x: [3], y: [0.3] },
    ],
  });
  const b = lineChart({
    title: '3 epochs',
    xLabel: 'epoch',
    yLabel: 'accuracy',
    width: 420,
    height: 300,
    series: [{ name: 'ReLU', x: [1, 2, 3], y: [0.91, 0.95, 0.97] }],
  });
  const c = lineChart({ title: 'tiny values', width: 420, height: 300, series: [{ name: 'PReLU', x: [0, 1e-4, 2e-4], y: [0.0013, 0.0171, 0.009] }] });
  multiPanel([a, b, c]).savePNG(join(out, 'edge.png'));
}
