/**
 * Resume from the run folder alone, for every model of the zoo, through the real command line.
 *
 * Each model trains a tiny run (small width, 64 samples, 32 steps, a checkpoint every 2 steps) twice: once
 * uninterrupted, and once killed with SIGKILL three times, each time continued with
 * `elunet train --resume --out DIR` and no other flag (so also with the default number of workers, where the
 * uninterrupted run used one):
 *
 *   1. from outside, while it trains: the test lets the child run in slices of a few milliseconds (SIGSTOP /
 *      SIGCONT) and kills it in the first pause after its checkpoint reached step k, k drawn from a seeded
 *      generator; the steps since that checkpoint are lost and computed again;
 *   2. in the n-th save of the resumed process (n drawn), between the two renames of the checkpoint folder
 *      (ELUNET_KILL_IN_SAVE, src/io/checkpoint.ts): no `checkpoint/` is left, only the swapped-out old set and
 *      the complete new one, which the next resume puts in its place;
 *   3. in the n-th save of the next process, after its staging set was written and before any rename: the
 *      next resume removes the staging folder and continues from the intact checkpoint.
 *
 * The killed run must end with the uninterrupted run's checkpoint files byte for byte (SHA-256 of
 * model.safetensors and optimizer.safetensors) and the same metrics. Then what a resume refuses (an option
 * that cannot change mid-run: exit code 1, one line naming the flag, both values and the file, no stack
 * trace) and what it accepts (longer, another rate: printed, and recorded in the checkpoint).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { Rng } from '../src/rng.js';
import { writePatternFolder } from '../src/experiments/imagenet-cost.js';
import { writeTinyCifar10 } from './util/tiny-cifar.js';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli.js');
const tmp = mkdtempSync(join(tmpdir(), 'elunet-resume-'));
const cifar = writeTinyCifar10(join(tmp, 'cifar10'), 16, 16);
const pngs = join(tmp, 'png', 'data');
writePatternFolder(pngs, 20, 32); // 80 images: 64 for training after the 80/20 split

const TOTAL_STEPS = 32; // 4 epochs of 64 samples / batch 8
const EVERY = 2; // --checkpoint-every
const COMMON = ['--train-limit', '64', '--test-limit', '16', '--stats-subset', '16', '--batch', '8', '--micro-batch', '4', '--epochs', '4', '--checkpoint-every', String(EVERY)];

/** Every zoo model at a tiny scale, with the options spread so that each kind of state is resumed at least once. */
const MODELS: { model: string; flags: string[] }[] = [
  { model: 'mnist-mlp', flags: ['--width', '0.1', '--dropout', '--schedule', 'cosine'] },
  { model: 'mnist-cnn', flags: ['--width', '0.25', '--batch-norm', '--optimizer', 'adam', '--lr', '0.003'] },
  { model: 'mnist-autoencoder', flags: ['--width', '0.05', '--lr', '0.0003', '--nesterov'] },
  { model: 'cifar-11', flags: ['--width', '0.05', '--data', cifar, '--activation', 'prelu'] },
  { model: 'cifar-18', flags: ['--width', '0.02', '--data', cifar, '--batch-norm', '--weight-decay', '5e-4', '--schedule', 'steps:12:0.005'] },
  { model: 'imagenet-15', flags: ['--width', '0.03125', '--data', pngs, '--activation', 'selu', '--lr', '0.003'] },
];

const rng = new Rng(20160223);

function env(killInSave?: string): NodeJS.ProcessEnv {
  const e = { ...process.env };
  delete e.ELUNET_KILL_IN_SAVE;
  if (killInSave) e.ELUNET_KILL_IN_SAVE = killInSave;
  return e;
}

function elunet(args: string[], killInSave?: string): { code: number | null; signal: NodeJS.Signals | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000, env: env(killInSave) });
  return { code: r.status, signal: r.signal, out: r.stdout, err: r.stderr };
}

/** A user mistake: exit code 1, a message naming the culprit, and no stack trace. */
function assertUserError(r: { code: number | null; err: string }, pattern: RegExp): void {
  assert.equal(r.code, 1, `exit code (stderr: ${r.err})`);
  assert.match(r.err, pattern);
  assert.doesNotMatch(r.err, /\n\s+at .+:\d+:\d+/, 'no stack trace');
}

/** The step of the run's checkpoint, or -1 while there is none (also in the instant between two renames). */
function checkpointStep(run: string): number {
  try {
    return JSON.parse(readFileSync(join(run, 'checkpoint', 'checkpoint.json'), 'utf8')).meta.training.step;
  } catch {
    return -1;
  }
}

/** The step a resume of `run` starts from: its checkpoint's, or that of the complete set a save cut between its renames left. */
function resumeStep(run: string): number {
  const step = checkpointStep(run);
  if (step >= 0) return step;
  const cut = readdirSync(run).filter((f) => f.startsWith('checkpoint.new-') && existsSync(join(run, f, 'checkpoint.json')));
  return cut.length === 1 ? JSON.parse(readFileSync(join(run, cut[0], 'checkpoint.json'), 'utf8')).meta.training.step : -1;
}

/**
 * Runs `elunet args` in slices of `sliceMs` (SIGCONT, wait, SIGSTOP) and SIGKILLs it in the first pause in which
 * its checkpoint has reached step k. Returns how the child ended; `killed` is false if it finished first.
 */
async function trainAndKill(args: string[], run: string, k: number, sliceMs: number): Promise<{ killed: boolean; out: string; err: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  let done = false;
  void exited.then(() => (done = true));
  while (!done) {
    await sleep(sliceMs);
    if (done) break;
    child.kill('SIGSTOP');
    if (checkpointStep(run) >= k) {
      child.kill('SIGKILL');
      break;
    }
    child.kill('SIGCONT');
  }
  const end = await exited;
  return { killed: end.signal === 'SIGKILL', out, err: err + (end.code ? `\n(exit code ${end.code})` : '') };
}

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** What must be equal at the end: the checkpoint's tensors and optimizer state, and the metrics but for timings. */
function outcome(run: string): { model: string; optimizer: string; step: number; metrics: unknown[] } {
  const metrics = readFileSync(join(run, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => {
      const { seconds: _s, samplesPerSec: _r, ...m } = JSON.parse(l);
      return m;
    });
  return {
    model: sha256(join(run, 'checkpoint', 'model.safetensors')),
    optimizer: sha256(join(run, 'checkpoint', 'optimizer.safetensors')),
    step: checkpointStep(run),
    metrics,
  };
}

/** Saves a process that resumes at `step` makes until the end: every EVERY steps, and at the end of each epoch (every 8). */
function savesAfter(step: number): number {
  let n = 0;
  for (let s = step + 1; s <= TOTAL_STEPS; s++) if (s % EVERY === 0 || s % 8 === 0) n++;
  return n;
}

const siblings = (run: string, kind: 'new' | 'old'): string[] => readdirSync(run).filter((f) => f.startsWith(`checkpoint.${kind}-`));

for (const { model, flags } of MODELS) {
  test(`${model}: killed three times (SIGKILL while training, between a save's renames, after its staging) and resumed with --resume --out alone, it ends bit-identical to an uninterrupted run`, async (t) => {
    const dir = join(tmp, model);
    const args = ['train', '--model', model, ...flags, ...COMMON, '--quiet'];
    const ref = join(dir, 'ref');
    const whole = elunet([...args, '--workers', '1', '--out', ref]);
    assert.equal(whole.code, 0, whole.err);
    assert.equal(checkpointStep(ref), TOTAL_STEPS);

    // 1. killed from outside while training, after the checkpoint of a step k drawn from the generator
    const run = join(dir, 'run');
    let killed = false;
    let report = '';
    let drawn = 0;
    for (let attempt = 0; attempt < 3 && !killed; attempt++) {
      rmSync(run, { recursive: true, force: true });
      const k = EVERY * (1 + rng.int(4)); // 2, 4, 6 or 8 of 32
      drawn = k;
      const r = await trainAndKill([...args, '--workers', '1', '--out', run], run, k, 4 >> attempt);
      killed = r.killed;
      report += `attempt ${attempt + 1}: kill after step ${k}: ${r.killed ? 'killed' : 'finished first'}; ${r.err}\n`;
    }
    assert.ok(killed, `the run was never killed mid-training:\n${report}`);
    const at1 = resumeStep(run);
    assert.ok(at1 >= 2 && at1 < TOTAL_STEPS, `killed at step ${at1}`);

    // 2. resumed alone, then killed between the two renames of its n-th save
    assert.ok(savesAfter(at1) >= 3, `step ${at1} leaves too few saves for the next two kills`);
    const n2 = 1 + rng.int(savesAfter(at1) - 2);
    const r2 = elunet(['train', '--resume', '--out', run], `${n2}:swapped`);
    assert.equal(r2.signal, 'SIGKILL', `killed in save ${n2}: ${r2.err}`);
    assert.ok(!existsSync(join(run, 'checkpoint')), 'cut between the renames: no checkpoint/ left');
    assert.equal(siblings(run, 'old').length, 1);
    assert.equal(siblings(run, 'new').length, 1);

    // 3. resumed alone (it puts the new set in place), then killed after the staging of its n-th save
    const at2 = at1 - (at1 % EVERY) + EVERY * n2; // the step of the save that was cut off
    const n3 = 1 + rng.int(savesAfter(at2) - 1);
    const r3 = elunet(['train', '--resume', '--out', run], `${n3}:staged`);
    assert.equal(r3.signal, 'SIGKILL', `killed in save ${n3}: ${r3.err}`);
    assert.match(r3.out, /resume: a save was cut off before its last rename; its complete set .*checkpoint\.new-\S+ is now .*checkpoint\n/);
    assert.match(r3.out, new RegExp(`resuming ${run.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} at step ${at2} of ${TOTAL_STEPS} \\(epoch \\d of 4\\)\n`));
    assert.ok(existsSync(join(run, 'checkpoint', 'checkpoint.json')));
    assert.equal(siblings(run, 'new').length, 1, 'the staging folder of the cut save');

    // 4. resumed alone to the end
    const r4 = elunet(['train', '--resume', '--out', run]);
    assert.equal(r4.code, 0, r4.err);
    assert.match(r4.out, /resume: removed .*checkpoint\.new-\S+, left by an interrupted save/);
    assert.deepEqual(siblings(run, 'new'), []);
    const killedRun = outcome(run);
    assert.deepEqual(killedRun, outcome(ref), `killed after steps ${at1} (outside), ${at2} (renames) and in save ${n3} (staging)`);
    t.diagnostic(
      `${model}: killed from outside after the checkpoint of step ${at1} (drawn: ≥ ${drawn}), between the renames of save ${n2} ` +
        `(step ${at2}), after the staging of save ${n3} of the next process; ` +
        `model.safetensors sha256 ${killedRun.model.slice(0, 16)}…, optimizer ${killedRun.optimizer.slice(0, 16)}… = uninterrupted`,
    );
  });
}

test('a resume refuses an option that cannot change mid-run, naming it, its value and the saved one; changes are printed and recorded', () => {
  const ref = join(tmp, 'mnist-mlp', 'ref'); // 32 steps, cosine schedule, width 0.1
  const index = join(ref, 'checkpoint', 'checkpoint.json');
  assertUserError(
    elunet(['train', '--resume', '--out', ref, '--width', '0.5']),
    new RegExp(`^error: --resume: --width 0\\.5 differs from the run's width 0\\.1 \\(saved in ${index.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\); it cannot change mid-run: drop the flag, or start a new run with another --out\n$`),
  );
  assertUserError(
    elunet(['train', '--resume', '--out', ref, '--model', 'mnist-cnn', '--seed', '3', '--micro-batch', '8', '--no-dropout']),
    /--model mnist-cnn differs from the run's model mnist-mlp; --dropout false differs from the run's dropout true; --micro-batch 8 differs from the run's microBatch 4; --seed 3 differs from the run's seed 0 \(saved in .*\); they cannot change mid-run: drop the flags/,
  );
  assertUserError(elunet(['train', '--resume', '--out', join(tmp, 'nothing-here')]), /--resume: .*nothing-here has no checkpoint/);
  // the same value as the saved one is not a change
  const same = elunet(['train', '--resume', '--out', ref, '--width', '0.1', '--model', 'mnist-mlp', '--quiet']);
  assert.equal(same.code, 0, same.err);
  assert.match(same.out, /is already complete \(32 steps\)/);

  // longer and slower: printed before training, with the cosine schedule's warning, and kept in the checkpoint
  const more = elunet(['train', '--resume', '--out', ref, '--epochs', '5', '--lr', '0.005', '--workers', '1']);
  assert.equal(more.code, 0, more.err);
  assert.match(more.out, /note: --schedule cosine follows the run's length: the rates of the steps still to come are recomputed for 40 steps \(the 32 steps taken followed its 32-step form\)\n/);
  assert.match(more.out, /resuming .*ref at step 32 of 40 \(epoch 5 of 5\) with changes: --epochs 4 → 5, --lr 0\.01 → 0\.005\n/);
  const options = JSON.parse(readFileSync(index, 'utf8')).meta.options;
  assert.equal(options.epochs, 5);
  assert.equal(options.lr, 0.005);
  assert.equal(options.width, 0.1);
  for (const key of ['workers', 'out', 'resume', 'quiet']) assert.ok(!(key in options), `${key} is not stored`);
  assert.equal(checkpointStep(ref), 40);

  // a checkpoint without options (an older elunet): the flags given are used, and the output says they must be all
  const old = join(tmp, 'old');
  cpSync(ref, old, { recursive: true });
  const oldIndex = join(old, 'checkpoint', 'checkpoint.json');
  const j = JSON.parse(readFileSync(oldIndex, 'utf8'));
  delete j.meta.options;
  writeFileSync(oldIndex, JSON.stringify(j));
  const legacy = elunet(['train', '--resume', '--out', old, '--model', 'mnist-mlp', '--width', '0.1', '--dropout', '--schedule', 'cosine', ...COMMON, '--epochs', '6', '--lr', '0.005', '--quiet']);
  assert.equal(legacy.code, 0, legacy.err);
  assert.match(legacy.out, /note: .*checkpoint\.json records no training options .*: the run continues with the options given, so they must be all of the run's/);
  assert.equal(checkpointStep(old), 48);
});
