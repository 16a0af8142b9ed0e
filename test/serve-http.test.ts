/**
 * The server of `elunet serve` over plain HTTP (no browser): hostile paths read nothing outside the served
 * folders, the page's endpoints answer what the page expects, and the command line says where it listens.
 *
 * Requests are sent with the path exactly as written (node:http does not normalise `..`), as an attacker's
 * client would send them.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, realpathSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { startServer, type RunningServer } from '../src/serve/server.js';
import { decodeDigits } from '../src/serve/digits.js';
import { loadMnistEmbeddedAll } from '../src/data/mnist-embedded.js';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli.js');
const SECRET = 'TOP-SECRET-c0ffee';

let base: string;
let served: string;
let server: RunningServer;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function get(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

before(async () => {
  // base/secret.txt            outside the served folder
  // base/served/               the served folder: runs/a (a run), links in and out, a hidden file
  base = realpathSync(mkdtempSync(join(tmpdir(), 'elunet-serve-')));
  writeFileSync(join(base, 'secret.txt'), SECRET);
  mkdirSync(join(base, 'outside'));
  writeFileSync(join(base, 'outside', 'live.jsonl'), SECRET + '\n');
  served = join(base, 'served');
  const run = join(served, 'runs', 'a');
  mkdirSync(run, { recursive: true });
  writeFileSync(join(run, 'metrics.jsonl'), '{"epoch":1,"step":3}\n');
  writeFileSync(join(run, 'live.jsonl'), '{"t":"header","format":"elunet-live","version":1,"activation":"relu","batchNorm":true,"model":"m","startStep":0}\n');
  writeFileSync(join(served, '.env'), SECRET);
  symlinkSync(join(base, 'secret.txt'), join(served, 'link-out'));
  symlinkSync(join(base, 'outside'), join(served, 'dir-out'));
  symlinkSync(join(run, 'metrics.jsonl'), join(served, 'link-in'));
  // a run folder whose files are links out of the tree: listed by name only, nothing read through them
  mkdirSync(join(served, 'runs', 'sneaky'));
  symlinkSync(join(base, 'outside', 'live.jsonl'), join(served, 'runs', 'sneaky', 'live.jsonl'));
  symlinkSync(join(base, 'outside', 'live.jsonl'), join(served, 'runs', 'sneaky', 'metrics.jsonl'));
  server = await startServer({ roots: [served], host: '127.0.0.1', port: 0 });
});

after(async () => {
  await server?.close();
});

const hostile = (): string[] => [
  '/files/0/../secret.txt',
  '/files/0/runs/../../secret.txt',
  '/files/0/%2e%2e/secret.txt',
  '/files/0/%2E%2E/secret.txt',
  '/files/0/..%2fsecret.txt',
  '/files/0/..%2Fsecret.txt',
  '/files/0/%2e%2e%2fsecret.txt',
  '/files/0/runs%2f..%2f..%2fsecret.txt',
  '/files/0/..%5csecret.txt',
  '/files/0/..\\secret.txt',
  '/files/0/%252e%252e/secret.txt',
  '/files/0//etc/passwd',
  '/files/0/%2fetc%2fpasswd',
  `/files/0/${encodeURIComponent(join(base, 'secret.txt'))}`,
  `/files/0/${join(base, 'secret.txt')}`,
  '/files/0/link-out',
  '/files/0/dir-out/live.jsonl',
  '/files/0/runs/sneaky/live.jsonl',
  '/files/0/.env',
  '/files/0/%2eenv',
  '/files/0/secret.txt%00.png',
  '/files/1/secret.txt',
  '/files/00000/../secret.txt',
  '/api/tail/0/../secret.txt?from=0',
  '/api/tail/0/%2e%2e/secret.txt?from=0',
  '/api/tail/0/link-out?from=0',
  '/api/tail/0/dir-out/live.jsonl?from=0',
  '/api/tail/0/dir-out/not-yet.jsonl?from=0',
  '/api/tail/0/runs/sneaky/metrics.jsonl?from=0',
  '/assets/../../../secret.txt',
  '/assets/%2e%2e/%2e%2e/package.json',
  '/../secret.txt',
  '/etc/passwd',
  '/secret.txt',
];

test('hostile paths get 403 or 404 with no content', async () => {
  for (const path of hostile()) {
    const a = await get(path);
    assert.ok(a.status === 403 || a.status === 404, `${path}: status ${a.status}`);
    assert.equal(a.body.length, 0, `${path}: an empty body`);
    assert.equal(a.headers['content-length'], '0', path);
  }
});

test('an absolute-form request target and a foreign Host header are refused', async () => {
  const abs = await new Promise<Answer>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path: `http://127.0.0.1:${server.port}/files/0/../secret.txt` }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
  assert.ok(abs.status === 403 || abs.status === 404, `absolute form: ${abs.status}`);
  assert.equal(abs.body.length, 0);
  // a page elsewhere reaching us through a DNS name rebound to 127.0.0.1
  const rebound = await get('/files/0/runs/a/metrics.jsonl', { Host: `evil.example:${server.port}` });
  assert.equal(rebound.status, 403);
  assert.equal(rebound.body.length, 0);
  assert.equal((await get('/files/0/runs/a/metrics.jsonl', { Host: `localhost:${server.port}` })).status, 200);
  assert.equal((await get('/api/runs', {}, 'POST')).status, 405);
});

test('what is below the served folder is readable, a link that stays inside included', async () => {
  // the control for the test above: refusals are not just every request failing
  const a = await get('/files/0/runs/a/metrics.jsonl');
  assert.equal(a.status, 200);
  assert.equal(a.body.toString(), '{"epoch":1,"step":3}\n');
  assert.equal((await get('/files/0/link-in')).body.toString(), '{"epoch":1,"step":3}\n');
  assert.equal((await get('/files/0/runs%20/a')).status, 404);
  for (const p of ['/', '/assets/app.js', '/assets/app.css', '/assets/playground-worker.js']) {
    const r = await get(p);
    assert.equal(r.status, 200, p);
    assert.match(String(r.headers['content-security-policy']), /default-src 'self'/, `${p}: the page may load only its own files`);
  }
});

test('/api/runs lists the runs with their labels; links out of the tree are not read', async () => {
  const a = JSON.parse((await get('/api/runs')).body.toString()) as { runs: { path: string; label: string; model?: string; hasLive: boolean; hasMetrics: boolean }[] };
  assert.deepEqual(
    a.runs.map((r) => [r.path, r.label, r.hasMetrics, r.hasLive]),
    [['runs/a', 'relu+BN', true, true]],
    'the sneaky folder (only links out) is not a run',
  );
  assert.ok(!JSON.stringify(a).includes(SECRET));
});

test('/api/tail follows a file: the new bytes, its size and identity; nothing for a file not written yet', async () => {
  const p = '/api/tail/0/runs/a/metrics.jsonl';
  const first = await get(`${p}?from=0`);
  assert.equal(first.body.toString(), '{"epoch":1,"step":3}\n');
  const size = Number(first.headers['x-file-size']);
  appendFileSync(join(served, 'runs', 'a', 'metrics.jsonl'), '{"epoch":2,"step":6}\n');
  const next = await get(`${p}?from=${size}`);
  assert.equal(next.body.toString(), '{"epoch":2,"step":6}\n');
  assert.equal(next.headers['x-file-id'], first.headers['x-file-id'], 'the same file');
  // replaced (a new run in the same folder): another identity
  const tmpFile = join(served, 'runs', 'a', 'metrics.tmp');
  writeFileSync(tmpFile, '{"epoch":1,"step":3}\n');
  renameSync(tmpFile, join(served, 'runs', 'a', 'metrics.jsonl'));
  const replaced = await get(`${p}?from=0`);
  assert.notEqual(replaced.headers['x-file-id'], first.headers['x-file-id']);
  const missing = await get('/api/tail/0/runs/a/not-yet.jsonl?from=0');
  assert.equal(missing.status, 200);
  assert.equal(missing.headers['x-file-size'], '0');
  assert.equal(missing.body.length, 0);
  assert.equal((await get('/api/tail/0/runs/nope/x.jsonl?from=0')).status, 404, 'a missing folder is not "not written yet"');
  assert.equal((await get(`${p}?from=-1`)).status, 400);
});

test('/data/digits.bin carries exactly the pixel values the command line trains on', async () => {
  const a = await get('/data/digits.bin', { 'Accept-Encoding': 'gzip' });
  assert.equal(a.status, 200);
  assert.equal(a.headers['content-encoding'], 'gzip');
  const d = decodeDigits(new Uint8Array(gunzipSync(a.body)));
  const ref = loadMnistEmbeddedAll();
  assert.equal(d.n, ref.n);
  assert.deepEqual(Array.from(d.labels), Array.from(ref.labels));
  let differ = 0;
  for (let i = 0; i < ref.images.length; i++) if (d.images[i] !== ref.images[i]) differ++;
  assert.equal(differ, 0, 'pixels that differ from the mnist package’s values');
});

/** Runs `elunet serve` until it prints its URL; returns what it printed, then stops it. */
async function serveOutput(args: string[]): Promise<{ out: string; code: number | null }> {
  const child = spawn(process.execPath, [CLI, 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    let sent = false;
    child.stdout.on('data', () => {
      // once: a second Ctrl-C is meant to kill at once
      if (!sent && /open http/.test(out)) sent = child.kill('SIGINT');
    });
    child.on('exit', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  return { out, code };
}

test('elunet serve prints the URL; says so loudly when not on loopback; waits for a missing folder; rejects a file', async () => {
  const local = await serveOutput([served, '--port', '0']);
  assert.match(local.out, /open http:\/\/127\.0\.0\.1:\d+\//);
  assert.match(local.out, /1 run found/);
  assert.doesNotMatch(local.out, /warning/);
  assert.equal(local.code, 0, 'Ctrl-C stops it cleanly');
  const open = await serveOutput([served, '--port', '0', '--host', '0.0.0.0']);
  assert.match(open.out, /warning: listening on 0\.0\.0\.0, not on loopback/);
  const later = await serveOutput([join(base, 'no-such-folder'), '--port', '0']);
  assert.match(later.out, /note: .*no-such-folder does not exist yet; its runs will appear when it does/);
  assert.equal(later.code, 0);
  const bad = await serveOutput([join(base, 'secret.txt'), '--port', '0']);
  assert.equal(bad.code, 1);
  assert.match(bad.out, /error: serve: .*secret\.txt is not a folder/);
  assert.doesNotMatch(bad.out, /\n\s+at .+:\d+:\d+/, 'no stack trace');
});
