/**
 * The command line of the benchmarks (bench/common.ts): every bench answers --help with the usage of its own
 * header comment, and a mistake (an unknown option, a bad value, a file that cannot be read) is one line on
 * stderr naming it, with exit code 1 and no stack trace. Nothing here runs a measurement: every command below
 * stops while its arguments are read.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { choiceArg, intArg, listArg, numberArg, parseArgs, usageFromHeader, UsageError } from '../bench/common.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Every bench program (the other files of bench/ are modules they import, or a worker). */
const BENCHES = ['epoch', 'exp-error', 'live-log-cost', 'profile-summary', 'run', 'scaling', 'simd-memory', 'simd', 'to-markdown'];
/** Options a bench takes that its usage leaves out on purpose: run.js's child mode (its header's timing rule). */
const INTERNAL: Record<string, string[]> = { run: ['one', 'side'] };

interface Ran { code: number | null; stdout: string; stderr: string }

function bench(name: string, ...args: string[]): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(ROOT, 'dist', 'bench', `${name}.js`), ...args], { encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
    });
  });
}

/** The option names a bench's parseArgs call accepts, read from its source. */
function acceptedOptions(name: string): string[] {
  const src = readFileSync(join(ROOT, 'bench', `${name}.ts`), 'utf8');
  const call = /parseArgs\(argv, \{([\s\S]*?)\}\)/.exec(src);
  assert.ok(call, `bench/${name}.ts reads its options with parseArgs(argv, { … })`);
  return [...call[1].matchAll(/'([a-z][a-z-]*)'/g)].map((m) => m[1]);
}

/** A user mistake: exit code 1 and exactly one line on stderr, starting with the bench's name, no stack. */
function assertOneLine(r: Ran, name: string, re: RegExp): void {
  assert.equal(r.code, 1, `${name}: exit code\n${r.stderr}`);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `${name}: one line on stderr, got:\n${r.stderr}`);
  assert.ok(lines[0].startsWith(`${name}: `), lines[0]);
  assert.match(lines[0], re);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
}

test('parseArgs: flags, values (--x v and --x=v), positionals only where allowed; anything else is a UsageError', () => {
  const spec = { flags: ['json', 'quick'], values: ['time', 'only'] };
  const a = parseArgs(['--json', '--time', '500', '--only=conv2d fwd'], spec);
  assert.deepEqual([...a.flags], ['json']);
  assert.deepEqual([...a.values], [['time', '500'], ['only', 'conv2d fwd']]);
  const usage = (argv: string[], re: RegExp) => assert.throws(() => parseArgs(argv, spec), (e: unknown) => e instanceof UsageError && re.test((e as Error).message));
  usage(['--help-me'], /^unknown option --help-me$/);
  usage(['--time'], /^--time needs a value$/);
  usage(['--json=yes'], /^--json takes no value, got '--json=yes'$/);
  usage(['file.json'], /^unexpected argument 'file\.json'/);
  usage(['-q'], /^unexpected argument '-q'/);
  assert.deepEqual(parseArgs(['a.json', '--json', 'b.json'], { ...spec, positional: 'a JSON file' }).positionals, ['a.json', 'b.json']);
});

test('option readers: positive numbers, positive integers, choices and lists, each refused by name with what was given', () => {
  const args = parseArgs(['--time', '2.5', '--rounds', '3', '--zero', '0', '--frac', '1.5', '--empty=', '--side', 'tfjs', '--models', 'a,b'],
    { values: ['time', 'rounds', 'zero', 'frac', 'empty', 'side', 'models'] });
  assert.equal(numberArg(args, 'time', 1), 2.5);
  assert.equal(numberArg(args, 'absent', 7), 7);
  assert.equal(intArg(args, 'rounds', 1), 3);
  assert.equal(choiceArg(args, 'side', ['elunet', 'tfjs']), 'tfjs');
  assert.equal(choiceArg(args, 'absent', ['elunet', 'tfjs']), undefined);
  assert.deepEqual(listArg(args, 'models', '', ['a', 'b', 'c'], 'model'), ['a', 'b']);
  assert.deepEqual(listArg(args, 'absent', 'c', ['a', 'b', 'c'], 'model'), ['c']);
  const usage = (f: () => unknown, re: RegExp) => assert.throws(f, (e: unknown) => e instanceof UsageError && re.test((e as Error).message));
  usage(() => numberArg(args, 'zero', 1), /^--zero must be a positive number, got '0'$/);
  usage(() => numberArg(args, 'empty', 1), /^--empty must be a positive number, got ''$/);
  usage(() => intArg(args, 'frac', 1), /^--frac must be a positive integer, got '1\.5'$/);
  usage(() => choiceArg(args, 'side', ['ts', 'simd']), /^--side must be one of ts, simd, got 'tfjs'$/);
  usage(() => listArg(args, 'models', '', ['a', 'c'], 'model'), /^--models: unknown model 'b'; expected one of a, c$/);
});

test('usageFromHeader: the first paragraph, the command lines and the option paragraphs after them, nothing further', () => {
  const dir = mkdtempSync(join(tmpdir(), 'elunet-bench-usage-'));
  try {
    const file = join(dir, 'demo.js');
    writeFileSync(file, [
      '/**', ' * What demo measures,', ' * in two lines.', ' *', ' *   node dist/bench/demo.js [--json] [--time MS]', ' *',
      ' *   --time MS   the budget (default 2000)', ' *   --json      JSON on stdout', ' *',
      ' * How it measures: a long paragraph that --help leaves to the header.', ' */', 'export {};', '/** another comment */',
    ].join('\n'));
    assert.equal(
      usageFromHeader(file),
      'What demo measures,\nin two lines.\n\n  node dist/bench/demo.js [--json] [--time MS]\n\n' +
        '  --time MS   the budget (default 2000)\n  --json      JSON on stdout\n\nThe header of bench/demo.ts says more.',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('every bench: --help prints the usage of its header (every option it accepts), exit 0; -h too', async () => {
  const runs = await Promise.all([...BENCHES.map((name) => [name, '--help']), ['simd', '-h']].map(([name, flag]) => bench(name, flag).then((r) => ({ name, r }))));
  for (const { name, r } of runs) {
    assert.equal(r.code, 0, `${name} --help: ${r.stderr}`);
    assert.equal(r.stderr, '', `${name} --help writes nothing on stderr`);
    assert.match(r.stdout, new RegExp(`node dist/bench/${name}\\.js`), `${name}: the command line`);
    assert.match(r.stdout, new RegExp(`The header of bench/${name}\\.ts says more\\.\\n$`));
    for (const opt of acceptedOptions(name)) {
      if (INTERNAL[name]?.includes(opt)) continue;
      assert.match(r.stdout, new RegExp(`--${opt}\\b`), `${name} accepts --${opt}; its usage must name it`);
    }
  }
});

test('every bench: a mistake is one line naming it, exit code 1, no stack trace', async () => {
  const cases: [string, string[], RegExp][] = [
    ...BENCHES.map((name): [string, string[], RegExp] => [name, ['--no-such-option'], /unknown option --no-such-option \(--help lists the options\)$/]),
    ['simd', ['--rounds', 'x'], /--rounds must be a positive integer, got 'x'/],
    ['simd', ['--sides', 'elunet-simd,gpu'], /--sides: unknown side 'gpu'/],
    ['simd', ['--only', 'no such workload'], /--only 'no such workload' matches no workload; they are: peak, /],
    ['simd', ['--markdown', 'nope.json'], /cannot read nope\.json \(ENOENT\)/],
    ['run', ['--time', '-5'], /--time must be a positive number, got '-5'/],
    ['run', ['--one', 'x', '--side', 'gpu'], /--side must be one of elunet, tfjs, got 'gpu'/],
    ['epoch', ['--workers', '1.5'], /--workers must be a positive integer, got '1\.5'/],
    ['epoch', ['--only', 'imagenet'], /--only must be one of fashion, cifar, got 'imagenet'/],
    ['epoch', ['--kernels', 'gpu'], /--kernels must be one of ts, simd, got 'gpu'/],
    ['scaling', ['--models', 'resnet'], /--models: unknown model 'resnet'; expected one of mnist-mlp/],
    ['scaling', ['--max-workers', '4', '--batch', '2', '--micro', '1'], /batch 2 with micro-batch 1 gives only 2 micro-batches, fewer than 4 workers/],
    ['live-log-cost', ['--epochs'], /--epochs needs a value/],
    ['exp-error', ['--stride', '0'], /--stride must be a positive integer, got '0'/],
    ['simd-memory', ['--rounds', '2.5'], /--rounds must be a positive integer, got '2\.5'/],
    ['profile-summary', [], /pass one \.cpuprofile file \(made with node --cpu-prof\), got none/],
    ['profile-summary', ['nope.cpuprofile'], /cannot read nope\.cpuprofile \(ENOENT\)/],
    ['to-markdown', [], /pass the JSON files written by run\.js --json/],
    ['to-markdown', [join(ROOT, 'package.json')], /package\.json: expected the JSON written by run\.js --json or scaling\.js --json/],
  ];
  const runs = await Promise.all(cases.map(([name, args, re]) => bench(name, ...args).then((r) => ({ name, args, re, r }))));
  for (const { name, re, r } of runs) assertOneLine(r, name, re);
});
