/**
 * loadDataset: the spec string picks the loader from the files present, and a path that matches nothing
 * gives one DataError listing everything that was looked for.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { DataError } from '../src/errors.js';
import { detectDatasetKind, loadDataset, writeTar, validateDataset, take, subset } from '../src/data/index.js';

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'elunet-load-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('loadDataset: mnist / mnist-embedded with a validation split and shared memory', () => {
  assert.equal(detectDatasetKind('mnist'), 'mnist-embedded');
  const s = loadDataset('mnist', { validationFraction: 0.25, shared: true });
  assert.deepEqual([s.train.n, s.validation!.n, s.test.n], [6000, 2000, 2000]);
  assert.ok(s.train.images.buffer instanceof SharedArrayBuffer);
  assert.ok(s.test.images.buffer instanceof SharedArrayBuffer);
  // trimming keeps the data in shared memory (the training setup trims after loading)
  const few = take(s.train, 10);
  assert.ok(few.images.buffer instanceof SharedArrayBuffer);
  assert.deepEqual(few.images, s.train.images.subarray(0, 7840));
  assert.ok(subset(s.train, [4, 2]).images.buffer instanceof SharedArrayBuffer);
  assert.equal(take(s.train, 1e9), s.train);
});

test('loadDataset: detects IDX, CIFAR (folder and archive) and PNG folders', (t) => {
  const dir = tempDir(t);
  // IDX: one image 2×2 and one label per set
  const idx = join(dir, 'idx');
  mkdirSync(idx);
  const img = Buffer.from([0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2, 3, 4]);
  const lab = Buffer.from([0, 0, 8, 1, 0, 0, 0, 1, 7]);
  for (const p of ['train', 't10k']) {
    writeFileSync(join(idx, `${p}-images-idx3-ubyte`), img);
    writeFileSync(join(idx, `${p}-labels-idx1-ubyte`), lab);
  }
  assert.equal(detectDatasetKind(idx), 'idx');
  assert.deepEqual([...loadDataset(idx).test.labels], [7]);

  // CIFAR-100 archive: one record each
  const rec = Buffer.alloc(3074);
  rec[0] = 3;
  rec[1] = 42;
  const tar = writeTar([
    { name: 'cifar-100-binary/train.bin', data: rec },
    { name: 'cifar-100-binary/test.bin', data: rec },
  ]);
  const arc = join(dir, 'cifar-100-binary.tar');
  writeFileSync(arc, tar);
  assert.equal(detectDatasetKind(arc), 'cifar');
  const c = loadDataset(arc);
  assert.deepEqual([c.train.classes, c.train.labels[0]], [100, 42]);

  // PNG
  const pngDir = join(dir, 'pngs');
  mkdirSync(join(pngDir, 'k'), { recursive: true });
  const p = new PNG({ width: 1, height: 1 });
  p.data.set([5, 5, 5, 255]);
  for (const i of [0, 1]) writeFileSync(join(pngDir, 'k', `${i}.png`), PNG.sync.write(p));
  assert.equal(detectDatasetKind(pngDir), 'png');
  const s = loadDataset(pngDir, { testFraction: 0.5 });
  assert.deepEqual([s.train.n, s.test.n, s.train.c], [1, 1, 1]);
});

test('loadDataset: nothing recognisable → one DataError listing what was looked for and what is there', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'readme.txt'), 'hi');
  assert.throws(() => loadDataset(dir), (e: Error) => {
    assert.ok(e instanceof DataError);
    assert.match(e.message, /expected 'mnist', 'fashion-mnist', an IDX folder \(train-images-idx3-ubyte\[\.gz\]/);
    assert.match(e.message, /cifar-10-binary\.tar\.gz/);
    assert.match(e.message, /found a folder holding: readme\.txt$/);
    assert.ok(!e.message.includes('\n'));
    return true;
  });
  assert.throws(() => loadDataset(join(dir, 'missing')), /found nothing \(the path does not exist\)/);
});

test('validateDataset: inconsistent sizes, labels and NaN pixels are DataErrors', () => {
  const ok = { name: 'd', images: new Float32Array(8), labels: new Int32Array(2), n: 2, c: 1, h: 2, w: 2, classes: 3, source: 's' };
  assert.equal(validateDataset(ok), ok);
  assert.throws(() => validateDataset({ ...ok, n: 3 }), /expected 3·1·2·2 = 12 pixels, found 8/);
  assert.throws(() => validateDataset({ ...ok, labels: Int32Array.from([0, 3]) }), /expected labels in \[0, 3\), found 3 at sample 1/);
  assert.throws(() => validateDataset({ ...ok, images: new Float32Array(8).fill(NaN) }), /expected finite pixels, found NaN at sample 0/);
  assert.throws(() => validateDataset({ ...ok, classNames: ['a'] }), /expected 3 class names, found 1/);
});
