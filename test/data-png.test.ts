/**
 * PNG class folders: gray vs RGB detection, the seeded split, train/test sub-folders, resizing, and the
 * errors for invalid PNGs and mixed sizes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { DataError } from '../src/errors.js';
import { expectClose } from './util/check.js';
import { loadPngFolder, labelHistogram, resizeBilinear } from '../src/data/index.js';

/** A w×h PNG whose pixel (x, y) has colour rgb(x, y). */
function png(w: number, h: number, rgb: (x: number, y: number) => [number, number, number]): Buffer {
  const p = new PNG({ width: w, height: h });
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const [r, g, b] = rgb(x, y);
      const o = 4 * (y * w + x);
      p.data[o] = r;
      p.data[o + 1] = g;
      p.data[o + 2] = b;
      p.data[o + 3] = 255;
    }
  }
  return PNG.sync.write(p);
}

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'elunet-png-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function put(dir: string, rel: string, data: Buffer): void {
  const p = join(dir, rel);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, data);
}

test('PNG folder, gray: C = 1, classes from sorted folder names, stratified seeded split', (t) => {
  const dir = tempDir(t);
  for (const [k, cls] of ['cat', 'dog'].entries()) {
    for (let i = 0; i < 5; i++) put(dir, `${cls}/${i}.png`, png(4, 3, (x, y) => { const v = 10 * k + x + 4 * y + i; return [v, v, v]; }));
  }
  const s = loadPngFolder(dir, { testFraction: 0.4, seed: 3 });
  assert.deepEqual([s.train.c, s.train.h, s.train.w, s.train.classes], [1, 3, 4, 2]);
  assert.deepEqual(s.train.classNames, ['cat', 'dog']);
  assert.deepEqual([s.train.n, s.test.n], [6, 4]);
  assert.deepEqual(labelHistogram(s.test), [2, 2]);
  // every image is (10k + x + 4y + i)/255 for its class k and index i: recover k, i from pixel 0
  for (const ds of [s.train, s.test]) {
    for (let n = 0; n < ds.n; n++) {
      const v0 = Math.round(ds.images[n * 12] * 255);
      assert.equal(Math.floor(v0 / 10), ds.labels[n]);
      for (let p = 0; p < 12; p++) assert.equal(ds.images[n * 12 + p], Math.fround((v0 + p) / 255));
    }
  }
  const again = loadPngFolder(dir, { testFraction: 0.4, seed: 3 });
  assert.deepEqual(again.test.labels, s.test.labels);
  assert.deepEqual(again.test.images, s.test.images);
});

test('PNG folder, RGB: one colour image makes C = 3, planes in R, G, B order', (t) => {
  const dir = tempDir(t);
  put(dir, 'a/0.png', png(2, 2, () => [7, 7, 7]));
  put(dir, 'b/0.png', png(2, 2, (x, y) => [x * 100, y * 100, 50]));
  const s = loadPngFolder(dir, { testFraction: 0 });
  assert.equal(s.train.c, 3);
  const b = [...s.train.labels].indexOf(1);
  const img = s.train.images.subarray(b * 12, b * 12 + 12);
  expectClose(img, [0, 100, 0, 100, 0, 0, 100, 100, 50, 50, 50, 50].map((v) => v / 255), { atol: 0, rtol: 1e-7, name: 'RGB planes' });
});

test('PNG folder with train/ and test/: the given split is kept', (t) => {
  const dir = tempDir(t);
  put(dir, 'train/x/0.png', png(2, 2, () => [1, 1, 1]));
  put(dir, 'train/x/1.png', png(2, 2, () => [1, 1, 1]));
  put(dir, 'train/y/0.png', png(2, 2, () => [2, 2, 2]));
  put(dir, 'test/y/0.png', png(2, 2, () => [2, 2, 2]));
  const s = loadPngFolder(dir);
  assert.deepEqual([s.train.n, s.test.n], [3, 1]);
  assert.deepEqual([...s.test.labels], [1]);
  put(dir, 'test/z/0.png', png(2, 2, () => [2, 2, 2]));
  assert.throws(() => loadPngFolder(dir), /expected only the class folders of train\/ \(x, y\), found also z/);
});

test('PNG folder: mixed sizes are rejected naming the file and both sizes, or resized when a size is given', (t) => {
  const dir = tempDir(t);
  put(dir, 'a/0.png', png(4, 4, () => [9, 9, 9]));
  put(dir, 'a/1.png', png(2, 2, () => [9, 9, 9]));
  assert.throws(() => loadPngFolder(dir, { testFraction: 0 }), (e: Error) => {
    assert.ok(e instanceof DataError);
    assert.match(e.message, /a\/1\.png: expected a 4×4 image \(width×height\) like the others, found 2×2; pass a size to resize/);
    return true;
  });
  const s = loadPngFolder(dir, { testFraction: 0, size: { h: 3, w: 3 } });
  assert.deepEqual([s.train.h, s.train.w, s.train.n], [3, 3, 2]);
  // a constant image stays constant under bilinear resizing
  expectClose(s.train.images, new Array(18).fill(9 / 255), { rtol: 1e-6, name: 'resized constant' });
});

test('PNG folder: an invalid PNG is a DataError naming the file', (t) => {
  const dir = tempDir(t);
  put(dir, 'a/0.png', png(2, 2, () => [9, 9, 9]));
  put(dir, 'a/broken.png', Buffer.from('this is not a png'));
  assert.throws(() => loadPngFolder(dir), (e: Error) => {
    assert.ok(e instanceof DataError);
    assert.match(e.message, /a\/broken\.png: expected a valid PNG image, found an unreadable one/);
    return true;
  });
  const empty = tempDir(t);
  mkdirSync(join(empty, 'only-dir'));
  assert.throws(() => loadPngFolder(empty), /expected PNG files in the class folders \(only-dir\), found none/);
});

test('resizeBilinear: hand case 2×2 → 4×4 (half-pixel centres) and identity at equal size', () => {
  const src = Float32Array.from([0, 1, 2, 3]);
  const dst = new Float32Array(16);
  resizeBilinear(dst, 0, 4, 4, src, 0, 2, 2, 1);
  // sy for rows: (i+½)/2 − ½ = −¼, ¼, ¾, 1¼ → clamped 0, ¼, ¾, 1; the same for columns
  const f = [0, 0.25, 0.75, 1];
  const expected: number[] = [];
  for (const fy of f) for (const fx of f) expected.push(fy * 2 + fx);
  expectClose(dst, expected, { atol: 1e-7, name: 'upsampled' });
  const same = new Float32Array(4);
  resizeBilinear(same, 0, 2, 2, src, 0, 2, 2, 1);
  assert.deepEqual([...same], [0, 1, 2, 3]);
});
