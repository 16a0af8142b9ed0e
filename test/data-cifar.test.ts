/**
 * CIFAR-10 / CIFAR-100 binary files from a folder and from .tar.gz archives (written with our own tar
 * writer and checked against the system `tar` when present), plus malformed variants.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DataError } from '../src/errors.js';
import { loadCifar, readTar, writeTar, labelHistogram } from '../src/data/index.js';

const PIX = 3072;

/** count records; record r has label(s) from labelOf(r) and pixel p = (r + p) mod 256 */
function records(count: number, labelOf: (r: number) => number[]): Buffer {
  const lb = labelOf(0).length;
  const b = Buffer.alloc(count * (lb + PIX));
  for (let r = 0; r < count; r++) {
    const o = r * (lb + PIX);
    labelOf(r).forEach((y, k) => (b[o + k] = y));
    for (let p = 0; p < PIX; p++) b[o + lb + p] = (r + p) % 256;
  }
  return b;
}

const C10_NAMES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

function cifar10Files(): { name: string; data: Buffer }[] {
  const files = [1, 2, 3, 4, 5].map((i) => ({ name: `data_batch_${i}.bin`, data: records(2, (r) => [(2 * (i - 1) + r) % 10]) }));
  files.push({ name: 'test_batch.bin', data: records(3, (r) => [9 - r]) });
  files.push({ name: 'batches.meta.txt', data: Buffer.from(C10_NAMES.join('\n') + '\n\n') });
  return files;
}

function cifar100Files(): { name: string; data: Buffer }[] {
  return [
    { name: 'train.bin', data: records(4, (r) => [r, 99 - r]) },
    { name: 'test.bin', data: records(2, (r) => [19, r * 50]) },
    { name: 'fine_label_names.txt', data: Buffer.from(Array.from({ length: 100 }, (_, k) => `fine${k}`).join('\n')) },
    { name: 'coarse_label_names.txt', data: Buffer.from(Array.from({ length: 20 }, (_, k) => `coarse${k}`).join('\n')) },
  ];
}

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'elunet-cifar-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function writeAll(dir: string, files: { name: string; data: Buffer }[]): void {
  mkdirSync(dir, { recursive: true });
  for (const f of files) writeFileSync(join(dir, f.name), f.data);
}

function checkCifar10(s: ReturnType<typeof loadCifar>): void {
  assert.deepEqual([s.train.n, s.train.c, s.train.h, s.train.w, s.train.classes], [10, 3, 32, 32, 10]);
  assert.equal(s.test.n, 3);
  assert.deepEqual([...s.train.labels], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual([...s.test.labels], [9, 8, 7]);
  assert.deepEqual(labelHistogram(s.train), new Array(10).fill(1));
  assert.deepEqual(s.train.classNames, C10_NAMES);
  // record 1 of batch 1 (sample 1): pixel p = (1 + p) mod 256; p = 1024 is the first green value
  assert.equal(s.train.images[PIX + 0], Math.fround(1 / 255));
  assert.equal(s.train.images[PIX + 1024], Math.fround(((1 + 1024) % 256) / 255));
  assert.equal(s.test.images[2 * PIX + 253], 1); // (2 + 253) mod 256 = 255
}

test('CIFAR-10 folder: 5 train batches + test batch, labels, pixels, class names', (t) => {
  const dir = tempDir(t);
  writeAll(dir, cifar10Files());
  checkCifar10(loadCifar(dir));
  // the parent folder of cifar-10-batches-bin/ works too
  const parent = tempDir(t);
  writeAll(join(parent, 'cifar-10-batches-bin'), cifar10Files());
  checkCifar10(loadCifar(parent));
});

test('CIFAR-10 archive: cifar-10-binary.tar.gz with its top folder', (t) => {
  const dir = tempDir(t);
  const tar = writeTar(cifar10Files().map((f) => ({ name: `cifar-10-batches-bin/${f.name}`, data: f.data })));
  const arc = join(dir, 'cifar-10-binary.tar.gz');
  writeFileSync(arc, gzipSync(tar));
  const s = loadCifar(arc);
  checkCifar10(s);
  assert.equal(s.train.source, arc);
  checkCifar10(loadCifar(dir)); // a folder holding the archive
});

test('CIFAR-100 folder and archive: fine labels (100 classes), names from fine_label_names.txt', (t) => {
  const dir = tempDir(t);
  writeAll(join(dir, 'x'), cifar100Files());
  const tar = writeTar(cifar100Files().map((f) => ({ name: `cifar-100-binary/${f.name}`, data: f.data })));
  writeFileSync(join(dir, 'cifar-100-binary.tar.gz'), gzipSync(tar));
  for (const path of [join(dir, 'x'), join(dir, 'cifar-100-binary.tar.gz')]) {
    const s = loadCifar(path);
    assert.equal(s.train.classes, 100);
    assert.deepEqual([...s.train.labels], [99, 98, 97, 96]);
    assert.deepEqual([...s.test.labels], [0, 50]);
    assert.equal(s.train.classNames![97], 'fine97');
    assert.equal(s.train.images[PIX + 5], Math.fround(6 / 255));
  }
});

test('tar reader: reads what the system tar writes (long names, directories)', (t) => {
  let hasTar = true;
  try {
    execFileSync('tar', ['--version'], { stdio: 'ignore' });
  } catch {
    hasTar = false;
  }
  if (!hasTar) {
    t.skip('no system tar');
    return;
  }
  const dir = tempDir(t);
  const deep = join(dir, 'src', 'a'.repeat(60), 'b'.repeat(60));
  mkdirSync(deep, { recursive: true });
  writeFileSync(join(deep, 'long-file-name.bin'), Buffer.from('hello'));
  writeFileSync(join(dir, 'src', 'empty.txt'), '');
  for (const format of ['gnu', 'pax', 'ustar']) {
    const arc = join(dir, `t-${format}.tar`);
    execFileSync('tar', [`--format=${format}`, '-cf', arc, '-C', dir, 'src']);
    const entries = readTar(readFileSync(arc), arc);
    const names = entries.map((e) => e.name).sort();
    assert.deepEqual(names, ['src/' + 'a'.repeat(60) + '/' + 'b'.repeat(60) + '/long-file-name.bin', 'src/empty.txt'], format);
    assert.equal(Buffer.from(entries.find((e) => e.name.endsWith('.bin'))!.data).toString(), 'hello');
  }
});

test('CIFAR: malformed data give one-line DataErrors naming the file', (t) => {
  const base = tempDir(t);
  let k = 0;
  const variant = (edit: (files: { name: string; data: Buffer }[]) => void): string => {
    const dir = join(base, `v${k++}`);
    const files = cifar10Files();
    edit(files);
    writeAll(dir, files);
    return dir;
  };
  const cases: [string, string, RegExp][] = [
    ['truncated batch', variant((f) => (f[2].data = f[2].data.subarray(0, 5000))), /data_batch_3\.bin: expected a positive multiple of 3073-byte cifar10 records, found 5000 bytes/],
    ['label out of range', variant((f) => (f[5].data[3073] = 10)), /test_batch\.bin: expected labels 0–9, found 10 in record 1/],
    ['missing batch', variant((f) => f.splice(4, 1)), /missing: data_batch_5\.bin/],
    ['wrong name count', variant((f) => (f[6].data = Buffer.from('a\nb\n'))), /batches\.meta\.txt: expected 10 class names, found 2/],
  ];
  for (const [what, dir, re] of cases) {
    assert.throws(() => loadCifar(dir), (e: Error) => {
      assert.ok(e instanceof DataError, `${what}: ${e}`);
      assert.match(e.message, re, what);
      assert.ok(!e.message.includes('\n'), `${what}: one line`);
      return true;
    });
  }
  // CIFAR-100: coarse label out of range
  const c100 = cifar100Files();
  c100[0].data[0] = 20;
  writeAll(join(base, 'c100'), c100);
  assert.throws(() => loadCifar(join(base, 'c100')), /train\.bin: expected coarse labels 0–19, found 20 in record 0/);
  // archives: truncated gzip, bad tar checksum, truncated tar entry
  const tar = writeTar(cifar10Files().map((f) => ({ name: `cifar-10-batches-bin/${f.name}`, data: f.data })));
  const gz = gzipSync(tar);
  writeFileSync(join(base, 'cut.tar.gz'), gz.subarray(0, gz.length >> 1));
  assert.throws(() => loadCifar(join(base, 'cut.tar.gz')), /cut\.tar\.gz: expected a valid gzip stream/);
  const bad = Buffer.from(tar);
  bad[0] ^= 1;
  writeFileSync(join(base, 'bad.tar'), bad);
  assert.throws(() => loadCifar(join(base, 'bad.tar')), /bad\.tar: expected tar header checksum/);
  writeFileSync(join(base, 'short.tar'), Buffer.from(tar).subarray(0, 512 + 1000));
  assert.throws(() => loadCifar(join(base, 'short.tar')), /short\.tar: expected 6146 bytes for tar entry .*data_batch_1\.bin/);
  assert.throws(() => loadCifar(join(base, 'nothing-here')), /expected CIFAR binary files/);
});
