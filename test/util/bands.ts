/**
 * A tiny data set the training tests learn in a few steps: 8×8 grey images of three classes, told apart by which
 * third of the rows is bright (0.8 against 0.1, plus uniform noise of 0.2), drawn from Rng(seed).
 */
import { Rng } from '../../src/rng.js';
import type { SampleSource } from '../../src/train/batch.js';

export function bands(n: number, seed: number): SampleSource {
  const rng = new Rng(seed);
  const images = new Float32Array(n * 64);
  const labels = new Int32Array(n);
  for (let s = 0; s < n; s++) {
    const y = rng.int(3);
    labels[s] = y;
    for (let i = 0; i < 8; i++) {
      for (let j = 0; j < 8; j++) {
        const lit = Math.floor((i * 3) / 8) === y;
        images[s * 64 + i * 8 + j] = (lit ? 0.8 : 0.1) + 0.2 * rng.uniform();
      }
    }
  }
  return { images, labels, n, c: 1, h: 8, w: 8, classes: 3 };
}
