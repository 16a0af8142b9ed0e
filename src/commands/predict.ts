/** `elunet predict <run> <png…>`: the most likely classes of each PNG. */
import { readFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { DataError } from '../errors.js';
import { applyPreprocessor } from '../data/preprocess.js';
import { resizeBilinear } from '../data/png-folder.js';
import { loadRun } from '../run/load-run.js';
import { recordedKernels } from '../run/folder.js';
import { kernelsForRun } from '../run/setup.js';
import { kernelsByName } from '../simd/index.js';

export function predictCommand(runDir: string, files: string[], opts: { top: number; kernels?: string }): void {
  const kernels = kernelsByName(kernelsForRun(opts.kernels, recordedKernels(runDir), (l) => console.log(l)));
  const run = loadRun(runDir, 1, kernels);
  if (run.spec.loss !== 'softmax-ce') throw new DataError(`${runDir}: this model (${run.spec.name}) reconstructs images; predict needs a classifier`);
  const [c, h, w] = run.spec.input;
  for (const file of files) {
    let png: PNG;
    try {
      png = PNG.sync.read(readFileSync(file));
    } catch (e) {
      throw new DataError(`${file}: expected a PNG image, found ${(e as Error).message}`);
    }
    // to C planes in [0,1]: gray = mean of RGB when the model has one channel
    const plane = png.width * png.height;
    const img = new Float32Array(c * plane);
    for (let p = 0; p < plane; p++) {
      const r = png.data[4 * p] / 255;
      const g = png.data[4 * p + 1] / 255;
      const b = png.data[4 * p + 2] / 255;
      if (c === 1) img[p] = (r + g + b) / 3;
      else {
        img[p] = r;
        img[plane + p] = g;
        img[2 * plane + p] = b;
      }
    }
    let x = img;
    if (png.width !== w || png.height !== h) {
      x = new Float32Array(c * h * w);
      resizeBilinear(x, 0, h, w, img, 0, png.height, png.width, c);
    }
    const ds = { name: file, images: x, labels: new Int32Array(1), n: 1, c, h, w, classes: 0, source: file };
    applyPreprocessor(run.preprocess, ds);
    const logits = run.net.forward(ds.images, 1, 'eval');
    let max = -Infinity;
    for (const v of logits) max = Math.max(max, v);
    const e = Array.from(logits, (v) => Math.exp(v - max));
    const z = e.reduce((a, b) => a + b, 0);
    const ranked = e.map((v, k) => ({ k, p: v / z })).sort((a, b) => b.p - a.p).slice(0, opts.top);
    const name = (k: number) => run.classNames?.[k] ?? String(k);
    console.log(`${file}: ${ranked.map((r) => `${name(r.k)} ${(100 * r.p).toFixed(1)}%`).join(', ')}`);
  }
}
