/**
 * The web server of `elunet serve`: Node's own http module, no framework. It serves
 *
 *   /                              the page (dist/web/index.html, built by `npm run build`)
 *   /assets/<file>                 the page's script, styles and worker (dist/web/)
 *   /api/runs                      the served folders and the runs found below them (JSON)
 *   /api/tail/<i>/<path>?from=N    bytes N… of a file below served folder i (how the page follows a file)
 *   /files/<i>/<path>              a file below served folder i
 *   /data/digits.bin               the embedded MNIST digits, compactly (src/serve/digits.ts), for the playground
 *
 * and nothing else. Only GET and HEAD. Paths below a served folder go through src/serve/paths.ts (no `..`,
 * no encoded slashes or dots, no hidden files, no symbolic link out of the tree); a refusal is a 403 or
 * 404 with an empty body.
 *
 * Following a file: the page asks /api/tail with the number of bytes it already has and gets the rest
 * (at most 4 MiB per answer), with the file's current size and identity (inode and birth time) in
 * headers. A file that shrank or changed identity was replaced (a new run in the same folder): the page
 * starts it over. A file that does not exist yet answers 200, size 0, so the page can wait for it without
 * errors in the browser's console.
 *
 * Bound to a loopback address (the default), the server also checks the Host header, so that a web page
 * elsewhere cannot reach it through a DNS name rebound to 127.0.0.1.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync, realpathSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { ElunetError } from '../errors.js';
import { loadMnistEmbeddedAll } from '../data/mnist-embedded.js';
import { encodeDigits } from './digits.js';
import { resolveBelow } from './paths.js';
import { findRuns } from './runs.js';

export interface ServeOptions {
  /** folders to serve (run folders or folders holding runs) */
  roots: string[];
  host: string;
  /** 0: any free port */
  port: number;
  /** the built page (default: dist/web next to this module) */
  webDir?: string;
}

export interface RunningServer {
  url: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

/** Where `npm run build` puts the page: dist/web, two folders up from dist/src/serve/. */
export function defaultWebDir(): string {
  return fileURLToPath(new URL('../../web/', import.meta.url));
}

const TAIL_MAX = 4 * 1024 * 1024;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.jsonl': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.map': 'application/json; charset=utf-8',
};

/** Every answer: no sniffing, no framing, and a page that may load nothing but its own files. */
const COMMON_HEADERS: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Content-Security-Policy':
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; worker-src 'self'; connect-src 'self'; frame-ancestors 'none'",
};

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
}

export async function startServer(o: ServeOptions): Promise<RunningServer> {
  // A served folder that does not exist yet (runs/ before the first training) is served from when it
  // appears; its real path is fixed then, once, so that later links cannot move what is served.
  const real: (string | null)[] = o.roots.map((r) => {
    if (!existsSync(r)) return null;
    if (!statSync(r).isDirectory()) throw new ElunetError(`serve: ${r} is not a folder (give run folders or folders that hold runs, e.g. runs/)`);
    return realpathSync(r);
  });
  const rootAt = (i: number): string | null => {
    if (i < 0 || i >= real.length) return null;
    if (real[i] === null) {
      try {
        if (statSync(o.roots[i]).isDirectory()) real[i] = realpathSync(o.roots[i]);
      } catch {
        // not there yet
      }
    }
    return real[i];
  };
  const roots = () => o.roots.map((_, i) => rootAt(i));
  const webDir = realpathOr(o.webDir ?? defaultWebDir());
  if (!webDir || !safeStat(`${webDir}/index.html`)) {
    throw new ElunetError(`serve: the page is missing (expected ${o.webDir ?? defaultWebDir()}index.html); run npm run build`);
  }
  const loopback = isLoopback(o.host);
  let port = o.port;
  let digits: { raw: Buffer; gz: Buffer } | null = null;

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    for (const [k, v] of Object.entries(COMMON_HEADERS)) res.setHeader(k, v);
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405);
    if (loopback && !hostAllowed(req.headers.host, port)) return refuse(res, 403);
    const raw = req.url ?? '';
    if (!raw.startsWith('/')) return refuse(res, 404);
    const q = raw.indexOf('?');
    const path = q < 0 ? raw : raw.slice(0, q);
    const query = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));

    if (path === '/' || path === '/index.html') return sendFile(req, res, `${webDir}/index.html`);
    if (path.startsWith('/assets/')) {
      const r = resolveBelow(webDir, path.slice('/assets/'.length));
      return r.ok ? sendFile(req, res, r.path) : refuse(res, r.status);
    }
    if (path === '/api/runs') {
      const body = JSON.stringify({ roots: o.roots.map((p, i) => ({ index: i, path: p })), runs: findRuns(roots()) });
      return send(req, res, 200, 'application/json; charset=utf-8', Buffer.from(body));
    }
    if (path === '/data/digits.bin') {
      digits ??= (() => {
        const a = loadMnistEmbeddedAll();
        const raw = Buffer.from(encodeDigits({ n: a.n, h: a.h, w: a.w, images: a.images, labels: a.labels }));
        return { raw, gz: gzipSync(raw) };
      })();
      res.setHeader('Cache-Control', 'max-age=3600');
      if (/\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
        res.setHeader('Content-Encoding', 'gzip');
        return send(req, res, 200, 'application/octet-stream', digits.gz);
      }
      return send(req, res, 200, 'application/octet-stream', digits.raw);
    }
    const m = /^\/(api\/tail|files)\/(\d{1,4})\/(.*)$/.exec(path);
    if (m) {
      const root = rootAt(Number(m[2]));
      if (root === null) return refuse(res, 404);
      const tail = m[1] === 'api/tail';
      const r = resolveBelow(root, m[3], tail);
      if (!r.ok) return refuse(res, r.status);
      if (!tail) return sendFile(req, res, r.path);
      return sendTail(req, res, r.missing ? null : r.path, Number(query.get('from') ?? 0));
    }
    return refuse(res, 404);
  };

  const server = createServer((req, res) => {
    try {
      handler(req, res);
    } catch (e) {
      if (!res.headersSent) refuse(res, 500);
      else res.destroy();
      process.stderr.write(`serve: ${req.url}: ${(e as Error).message}\n`);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'EADDRINUSE'
          ? new ElunetError(`serve: port ${o.port} on ${o.host} is in use; pick another with --port (0: any free port)`)
          : e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND'
            ? new ElunetError(`serve: cannot listen on --host ${o.host} (${e.code})`)
            : e,
      ),
    );
    server.listen(o.port, o.host, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const shown = o.host.includes(':') && !o.host.startsWith('[') ? `[${o.host}]` : o.host;
  return {
    url: `http://${shown === '0.0.0.0' ? '127.0.0.1' : shown}:${port}/`,
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Host header of a request to a loopback server: a loopback name with our port (or none at all, HTTP/1.0). */
function hostAllowed(host: string | undefined, port: number): boolean {
  if (host === undefined) return true;
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(host);
  if (!m) return false;
  return isLoopback(m[1].toLowerCase()) && (m[2] === undefined || Number(m[2]) === port);
}

function refuse(res: ServerResponse, status: number): void {
  res.writeHead(status, { 'Content-Length': 0, 'Cache-Control': 'no-store' });
  res.end();
}

function send(req: IncomingMessage, res: ServerResponse, status: number, type: string, body: Buffer, extra: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': body.length, 'Cache-Control': 'no-store', ...extra });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function sendFile(req: IncomingMessage, res: ServerResponse, path: string): void {
  let body: Buffer;
  try {
    body = readFileSync(path);
  } catch {
    return refuse(res, 404);
  }
  send(req, res, 200, TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream', body);
}

/** Bytes from..size (at most TAIL_MAX) of `path`, or nothing for a file not written yet (path null). */
function sendTail(req: IncomingMessage, res: ServerResponse, path: string | null, from: number): void {
  if (!Number.isInteger(from) || from < 0) return refuse(res, 400);
  if (path === null) return send(req, res, 200, 'application/octet-stream', Buffer.alloc(0), { 'X-File-Size': '0', 'X-File-Id': 'none' });
  let fd = -1;
  try {
    fd = openSync(path, 'r');
    const st = fstatSync(fd);
    const start = Math.min(from, st.size);
    const len = Math.min(st.size - start, TAIL_MAX);
    const body = Buffer.alloc(len);
    let got = 0;
    while (got < len) {
      const n = readSync(fd, body, got, len - got, start + got);
      if (n === 0) break;
      got += n;
    }
    send(req, res, 200, 'application/octet-stream', body.subarray(0, got), {
      'X-File-Size': String(st.size),
      'X-File-Id': `${st.ino}-${Math.round(st.birthtimeMs)}`,
    });
  } catch {
    refuse(res, 404);
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

function realpathOr(p: string): string | null {
  try {
    return realpathSync(p);
  } catch {
    return null;
  }
}

function safeStat(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}
