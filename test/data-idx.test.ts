/**
 * IDX files (MNIST / Fashion-MNIST format): small files written to a temp folder, plain and gzipped, and
 * every malformed variant the loader must refuse with a one-line DataError.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DataError } from '../src/errors.js';
import { loadIdxFolder, loadIdxPair, parseIdxImages, parseIdxLabels } from '../src/data/index.js';

function idxImages(count: number, rows: number, cols: number, pixel: (i: number) => number, magic = 0x803): Buffer {
  const b = Buffer.alloc(16 + count * rows * cols);
  b.writeUInt32BE(magic, 0);
  b.writeUInt32BE(count, 4);
  b.writeUInt32BE(rows, 8);
  b.writeUInt32BE(cols, 12);
  for (let i = 0; i < count * rows * cols; i++) b[16 + i] = pixel(i);
  return b;
}

function idxLabels(labels: number[], magic = 0x801): Buffer {
  const b = Buffer.alloc(8 + labels.length);
  b.writeUInt32BE(magic, 0);
  b.writeUInt32BE(labels.length, 4);
  labels.forEach((y, i) => (b[8 + i] = y));
  return b;
}

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'elunet-idx-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function writeFolder(dir: string, gz: boolean, trainN = 6, testN = 4): void {
  const z = (b: Buffer) => (gz ? gzipSync(b) : b);
  const s = gz ? '.gz' : '';
  writeFileSync(join(dir, `train-images-idx3-ubyte${s}`), z(idxImages(trainN, 3, 2, (i) => i % 256)));
  writeFileSync(join(dir, `train-labels-idx1-ubyte${s}`), z(idxLabels(Array.from({ length: trainN }, (_, i) => i % 10))));
  writeFileSync(join(dir, `t10k-images-idx3-ubyte${s}`), z(idxImages(testN, 3, 2, (i) => 255 - (i % 256))));
  writeFileSync(join(dir, `t10k-labels-idx1-ubyte${s}`), z(idxLabels(Array.from({ length: testN }, (_, i) => 9 - i))));
}

for (const gz of [false, true]) {
  test(`IDX folder (${gz ? 'gzipped' : 'plain'}): shapes, pixels v/255, labels`, (t) => {
    const dir = tempDir(t);
    writeFolder(dir, gz);
    const s = loadIdxFolder(dir);
    assert.deepEqual([s.train.n, s.train.c, s.train.h, s.train.w, s.train.classes], [6, 1, 3, 2, 10]);
    assert.equal(s.test.n, 4);
    assert.deepEqual([...s.train.labels], [0, 1, 2, 3, 4, 5]);
    assert.deepEqual([...s.test.labels], [9, 8, 7, 6]);
    assert.equal(s.train.images[7], Math.fround(7 / 255));
    assert.equal(s.test.images[0], 1);
    assert.equal(s.train.source, join(dir, `train-images-idx3-ubyte${gz ? '.gz' : ''}`));
    assert.equal(s.train.classNames![3], '3');
  });
}

test('IDX: the "train-images.idx3-ubyte" spelling is accepted too', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'train-images.idx3-ubyte'), idxImages(2, 2, 2, () => 0));
  writeFileSync(join(dir, 'train-labels.idx1-ubyte'), idxLabels([1, 2]));
  writeFileSync(join(dir, 't10k-images.idx3-ubyte'), idxImages(1, 2, 2, () => 0));
  writeFileSync(join(dir, 't10k-labels.idx1-ubyte'), idxLabels([3]));
  assert.equal(loadIdxFolder(dir).train.n, 2);
});

test('IDX: malformed files give one-line DataErrors naming the file, the expectation and the finding', (t) => {
  const dir = tempDir(t);
  const f = (name: string, b: Buffer) => {
    const p = join(dir, name);
    writeFileSync(p, b);
    return p;
  };
  const good = f('good-images', idxImages(3, 2, 2, () => 0));
  const goodLabels = f('good-labels', idxLabels([0, 1, 2]));
  const cases: [string, () => unknown, RegExp][] = [
    ['bad image magic', () => parseIdxImages(idxImages(1, 2, 2, () => 0, 0x804), 'img'), /img: expected IDX image magic 0x00000803, found 0x00000804/],
    ['label file as images', () => parseIdxImages(idxLabels([1, 2, 3, 4, 5, 6, 7, 8]), 'img'), /found 0x00000801 \(that is a label file\)/],
    ['bad label magic', () => parseIdxLabels(idxLabels([1], 0x802), 'lab'), /lab: expected IDX label magic 0x00000801, found 0x00000802/],
    ['truncated images', () => parseIdxImages(idxImages(3, 2, 2, () => 0).subarray(0, 20), 'img'), /expected 16 \+ 3·2·2 = 28 bytes, found 20 \(truncated\)/],
    ['trailing bytes', () => parseIdxImages(Buffer.concat([idxImages(1, 2, 2, () => 0), Buffer.from([0])]), 'img'), /found 21 \(trailing data\)/],
    ['short header', () => parseIdxImages(Buffer.alloc(10), 'img'), /16-byte header, found 10 bytes/],
    ['truncated labels', () => parseIdxLabels(idxLabels([1, 2, 3]).subarray(0, 9), 'lab'), /expected 8 \+ 3 = 11 bytes, found 9/],
    ['label out of range', () => parseIdxLabels(idxLabels([1, 10]), 'lab'), /lab: expected labels 0–9, found 10 at index 1/],
    ['count mismatch', () => loadIdxPair(good, f('two-labels', idxLabels([0, 1])), 'x'), /two-labels: expected 3 labels to match .*good-images, found 2/],
    ['corrupt gzip', () => loadIdxPair(f('bad.gz', Buffer.from([0x1f, 0x8b, 1, 2, 3])), goodLabels, 'x'), /bad\.gz: expected a valid gzip stream/],
    ['missing file', () => loadIdxPair(join(dir, 'nope'), goodLabels, 'x'), /nope: cannot read \(ENOENT\)/],
  ];
  for (const [what, fn, re] of cases) {
    assert.throws(fn, (e: Error) => {
      assert.ok(e instanceof DataError, `${what}: ${e}`);
      assert.match(e.message, re, what);
      assert.ok(!e.message.includes('\n'), `${what}: one line`);
      return true;
    });
  }
});

test('IDX folder: a missing file is named with every accepted spelling', (t) => {
  const dir = tempDir(t);
  writeFolder(dir, false);
  rmSync(join(dir, 't10k-labels-idx1-ubyte'));
  assert.throws(() => loadIdxFolder(dir), /missing: t10k-labels-idx1-ubyte \| t10k-labels-idx1-ubyte\.gz/);
});
