/**
 * The command line as a user meets it: help everywhere, bad arguments and bad files rejected with one
 * `error:` line and exit code 1 (never a stack trace), and a short real training run end to end.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, existsSync, readFileSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli.js');

function elunet(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 240_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** A user mistake: exit code 1, a message naming the culprit, and no stack trace. */
function assertUserError(r: { code: number | null; err: string }, pattern: RegExp): void {
  assert.equal(r.code, 1, `exit code (stderr: ${r.err})`);
  assert.match(r.err, pattern);
  assert.doesNotMatch(r.err, /\n\s+at .+:\d+:\d+/, 'no stack trace');
}

test('--help works for the program and every command', () => {
  const top = elunet('--help');
  assert.equal(top.code, 0);
  for (const cmd of ['train', 'eval', 'predict', 'models', 'gradcheck', 'plot', 'compare', 'experiment', 'serve', 'export', 'import']) {
    assert.match(top.out, new RegExp(`\\b${cmd}\\b`));
    const r = elunet(cmd, '--help');
    assert.equal(r.code, 0, `${cmd} --help`);
    assert.match(r.out, /Usage: elunet/);
  }
});

test('bad arguments are rejected with a message naming the argument', () => {
  assertUserError(elunet('train', '--model', 'nope'), /--model.*'nope'.*mnist-cnn/);
  assertUserError(elunet('train', '--activation', 'tanhh', '--out', mkdtempSync(join(tmpdir(), 'e-'))), /unknown activation 'tanhh'/);
  assertUserError(elunet('train', '--lr', 'fast'), /--lr must be a number/);
  assertUserError(elunet('train', '--batch', '0'), /--batch must be an integer ≥ 1/);
  assertUserError(elunet('train', '--epochs', '2.5'), /--epochs must be an integer/);
  assertUserError(elunet('train', '--optimizer', 'rmsprop'), /--optimizer must be one of sgd, adam/);
  assertUserError(elunet('train', '--schedule', 'steps:abc', '--out', mkdtempSync(join(tmpdir(), 'e-'))), /--schedule/);
  assertUserError(elunet('train', '--data', '/no/such/place'), /\/no\/such\/place/);
  assertUserError(elunet('eval', '/no/such/run'), /no checkpoint/);
  assertUserError(elunet('experiment', 'fig99'), /unknown experiment 'fig99'/);
});

test('a malformed data file gives a one-line error naming the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'e-idx-'));
  // a folder with the four IDX names, but the image file has a wrong magic number
  writeFileSync(join(dir, 'train-images-idx3-ubyte'), Buffer.from([0, 0, 8, 9, 0, 0, 0, 1, 0, 0, 0, 28, 0, 0, 0, 28]));
  writeFileSync(join(dir, 'train-labels-idx1-ubyte'), Buffer.from([0, 0, 8, 1, 0, 0, 0, 1, 3]));
  writeFileSync(join(dir, 't10k-images-idx3-ubyte'), Buffer.from([0, 0, 8, 3, 0, 0, 0, 0, 0, 0, 0, 28, 0, 0, 0, 28]));
  writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), Buffer.from([0, 0, 8, 1, 0, 0, 0, 0]));
  const r = elunet('train', '--data', dir, '--out', join(dir, 'run'));
  assertUserError(r, /train-images-idx3-ubyte/);
});

test('models lists the zoo with parameter counts', () => {
  const r = elunet('models');
  assert.equal(r.code, 0, r.err);
  for (const m of ['mnist-mlp', 'mnist-cnn', 'mnist-autoencoder', 'cifar-11', 'cifar-18', 'imagenet-15']) assert.match(r.out, new RegExp(m));
});

test('train on an embedded-MNIST slice with 2 workers, refuse to overwrite, resume, eval, predict and plot', () => {
  const dir = mkdtempSync(join(tmpdir(), 'e-run-'));
  const out = join(dir, 'run');
  const args = ['--model', 'mnist-mlp', '--width', '0.5', '--train-limit', '640', '--test-limit', '200', '--batch', '32', '--workers', '2', '--out', out, '--quiet'];
  const r = elunet('train', ...args, '--epochs', '1');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /test accuracy \d+\.\d+%/);
  assert.ok(existsSync(join(out, 'curves.png')));
  assertUserError(elunet('train', ...args, '--epochs', '1'), /already exists; pass --resume/);
  const resumed = elunet('train', ...args, '--epochs', '2', '--resume');
  assert.equal(resumed.code, 0, resumed.err);
  assert.equal(readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').length, 2);
  const ev = elunet('eval', out);
  assert.equal(ev.code, 0, ev.err);
  assert.match(ev.out, /accuracy \d+\.\d+%/);
  // predict: a blank 28×28 PNG is a valid input (the answer itself is not checked)
  const png = join(dir, 'blank.png');
  writeFileSync(png, blankPng());
  const pr = elunet('predict', out, png);
  assert.equal(pr.code, 0, pr.err);
  assert.match(pr.out, /blank\.png: \d+ \d+\.\d%/);
  assertUserError(elunet('predict', out, join(dir, 'missing.png')), /missing\.png/);
  mkdirSync(join(dir, 'plots'));
  const pl = elunet('plot', out, '--out', join(dir, 'plots'));
  assert.equal(pl.code, 0, pl.err);
  assert.ok(existsSync(join(dir, 'plots', 'curves.png')));
});

/** A 28×28 black PNG written with pngjs. */
function blankPng(): Buffer {
  const png = new PNG({ width: 28, height: 28 });
  for (let i = 0; i < png.data.length; i += 4) png.data[i + 3] = 255;
  return PNG.sync.write(png);
}

test('--kernels: recorded in the checkpoint, kept by --resume and eval, a change on resume noted; a bad name refused', () => {
  assertUserError(elunet('train', '--kernels', 'gpu'), /--kernels must be one of ts, simd, got 'gpu'/);
  const dir = mkdtempSync(join(tmpdir(), 'e-kern-'));
  const out = join(dir, 'run');
  const base = ['--model', 'mnist-mlp', '--width', '0.25', '--train-limit', '128', '--test-limit', '64', '--workers', '1', '--out', out, '--quiet'];
  const r1 = elunet('train', ...base, '--epochs', '1', '--kernels', 'ts');
  assert.equal(r1.code, 0, r1.err);
  assert.match(r1.out, /with 1 worker and the ts kernels;/);
  const options = () => JSON.parse(readFileSync(join(out, 'checkpoint', 'checkpoint.json'), 'utf8')).meta.options;
  assert.equal(options().kernels, 'ts');
  // --resume without --kernels continues with the run's own (no note), and records them again
  const r2 = elunet('train', ...base, '--epochs', '2', '--resume');
  assert.equal(r2.code, 0, r2.err);
  assert.match(r2.out, /the ts kernels;/);
  assert.doesNotMatch(r2.out, /not bit-identical/);
  // another set on resume is allowed and says what it means
  const r3 = elunet('train', ...base, '--epochs', '3', '--resume', '--kernels', 'simd');
  assert.equal(r3.code, 0, r3.err);
  assert.match(r3.out, /computed with the 'ts' kernels and continue with 'simd'.*not bit-identical/);
  assert.equal(options().kernels, 'simd');
  // eval uses the run's kernels by default, or the ones asked for: the two differ in rounding only, so on the
  // 2,000 test images at most a sample or two whose two top logits nearly tie may change class (0.1 points)
  const e1 = elunet('eval', out);
  const e2 = elunet('eval', out, '--kernels', 'ts');
  assert.equal(e1.code, 0, e1.err);
  assert.equal(e2.code, 0, e2.err);
  const acc = (t: string) => Number(/accuracy (\S+)%/.exec(t)?.[1]);
  assert.ok(Math.abs(acc(e1.out) - acc(e2.out)) <= 0.1, `${e1.out} / ${e2.out}`);
  rmSync(dir, { recursive: true, force: true });
});

const FASHION = '/usr/share/datasets/fashion-mnist';
test('more workers than micro-batches per step: a note says so and the pool gets only as many as have work', () => {
  const dir = mkdtempSync(join(tmpdir(), 'e-wk-'));
  const r = elunet('train', '--model', 'mnist-mlp', '--width', '0.25', '--train-limit', '64', '--test-limit', '32', '--batch', '32',
    '--micro-batch', '16', '--workers', '5', '--epochs', '1', '--out', join(dir, 'run'), '--quiet');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /a step has 2 micro-batches \(--batch 32 \/ --micro-batch 16\), so only 2 of the 5 workers/);
  assert.match(r.out, /with 2 workers and the (ts|simd) kernels;/);
  rmSync(dir, { recursive: true, force: true });
});

test('one training epoch on a slice of the real Fashion-MNIST (Debian dataset-fashion-mnist)', { skip: existsSync(FASHION) ? false : `${FASHION} is not installed (apt-get install dataset-fashion-mnist)` }, () => {
  const out = join(mkdtempSync(join(tmpdir(), 'e-fashion-')), 'run');
  const r = elunet('train', '--data', FASHION, '--model', 'mnist-mlp', '--width', '0.5', '--train-limit', '2048', '--test-limit', '1000', '--epochs', '1', '--workers', '2', '--out', out, '--quiet');
  assert.equal(r.code, 0, r.err);
  const m = JSON.parse(readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n')[0]);
  // ten balanced classes: chance is 10 %; one epoch on 2048 images reaches well above 50 % with a working pipeline
  assert.ok(m.testAcc > 0.5, `test accuracy after one epoch ${m.testAcc}`);
  // the class names come from the dataset (Fashion-MNIST's, not digits)
  const ck = JSON.parse(readFileSync(join(out, 'checkpoint', 'checkpoint.json'), 'utf8'));
  assert.equal(ck.meta.data.classNames[0], 'T-shirt/top');
});
