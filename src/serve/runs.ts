/**
 * Finding run folders below the served folders: a folder is a run when it holds metrics.jsonl, live.jsonl
 * or checkpoint/checkpoint.json (what `elunet train`, `elunet compare` and the experiments write). The walk
 * goes at most 6 folders deep, looks at no more than 20,000 folders, does not enter hidden folders,
 * node_modules, a run's checkpoint folder or any symbolic link, so it stays inside the served tree and quick.
 *
 * Each run gets a label (its activation, '+BN' with batch norm), read from the live log's header, else from
 * the checkpoint's metadata, else its folder name; the model name comes from the same place.
 */
import { closeSync, lstatSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { basename, join } from 'node:path';
import { LIVE_FILE, METRICS_FILE, parseLiveLine } from '../live/format.js';

export interface RunEntry {
  /** index of the served folder */
  root: number;
  /** path below it, with '/' separators ('' when the served folder is itself a run) */
  path: string;
  /** the folder the run sits in, below the served folder (runs of one `compare` share it) */
  group: string;
  name: string;
  label: string;
  model?: string;
  hasMetrics: boolean;
  hasLive: boolean;
  /** last modification of metrics.jsonl or live.jsonl, ms since 1970 */
  mtime: number;
}

const MAX_DEPTH = 6;
const MAX_FOLDERS = 20_000;
const SKIP = new Set(['node_modules', 'checkpoint']);

/** Every run below `roots` (real paths; null for a folder that does not exist yet), by served folder, then path. */
export function findRuns(roots: (string | null)[]): RunEntry[] {
  const runs: RunEntry[] = [];
  let budget = MAX_FOLDERS;
  roots.forEach((root, index) => {
    if (root === null) return;
    const walk = (dir: string, rel: string[], depth: number): void => {
      if (budget-- <= 0) return;
      const run = describeRun(dir, index, rel);
      if (run) {
        runs.push(run);
        return;
      }
      if (depth >= MAX_DEPTH) return;
      let names: string[];
      try {
        names = readdirSync(dir, { withFileTypes: true })
          .filter((d) => d.isDirectory() && !d.name.startsWith('.') && !SKIP.has(d.name))
          .map((d) => d.name)
          .sort();
      } catch {
        return;
      }
      for (const n of names) walk(join(dir, n), [...rel, n], depth + 1);
    };
    walk(root, [], 0);
  });
  return runs;
}

const labelCache = new Map<string, { key: string; label: string; model?: string }>();

function describeRun(dir: string, root: number, rel: string[]): RunEntry | null {
  const metrics = join(dir, METRICS_FILE);
  const live = join(dir, LIVE_FILE);
  const ckpt = join(dir, 'checkpoint', 'checkpoint.json');
  const m = statOrNull(metrics);
  const l = statOrNull(live);
  const hasCkpt = isRealFolder(join(dir, 'checkpoint')) && statOrNull(ckpt) !== null;
  if (!m && !l && !hasCkpt) return null;
  const name = rel.length ? rel[rel.length - 1] : basename(dir);
  const key = `${l?.mtimeMs}:${l?.size}:${hasCkpt ? statOrNull(ckpt)?.mtimeMs : ''}`;
  let cached = labelCache.get(dir);
  if (!cached || cached.key !== key) {
    cached = { key, ...labelOf(l ? live : null, hasCkpt ? ckpt : null, name) };
    labelCache.set(dir, cached);
  }
  return {
    root,
    path: rel.join('/'),
    group: rel.slice(0, -1).join('/'),
    name,
    label: cached.label,
    ...(cached.model ? { model: cached.model } : {}),
    hasMetrics: m !== null,
    hasLive: l !== null,
    mtime: Math.max(m?.mtimeMs ?? 0, l?.mtimeMs ?? 0),
  };
}

/** Only called for files statOrNull found to be regular files (never links). */
function labelOf(live: string | null, ckpt: string | null, name: string): { label: string; model?: string } {
  const first = live ? firstLine(live) : null;
  const h = first ? parseLiveLine(first) : null;
  if (h?.t === 'header') return { label: h.activation + (h.batchNorm ? '+BN' : ''), model: h.model };
  if (!ckpt) return { label: name };
  try {
    const j = JSON.parse(readFileSync(ckpt, 'utf8')) as { meta?: { options?: { activation?: unknown; batchNorm?: unknown; model?: unknown }; spec?: { name?: unknown } } };
    const a = j.meta?.options?.activation;
    const model = j.meta?.options?.model ?? j.meta?.spec?.name;
    if (typeof a === 'string') return { label: a + (j.meta?.options?.batchNorm ? '+BN' : ''), ...(typeof model === 'string' ? { model } : {}) };
  } catch {
    // no checkpoint yet, or one being replaced: the folder name will do
  }
  return { label: name };
}

/** The first line of a file (up to 64 KiB), or null. */
function firstLine(path: string): string | null {
  let fd = -1;
  try {
    fd = openSync(path, 'r');
    const buf = Buffer.alloc(65536);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const text = buf.subarray(0, n).toString('utf8');
    const end = text.indexOf('\n');
    return end < 0 ? null : text.slice(0, end);
  } catch {
    return null;
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

/** Size and time of a regular file; null for anything else, symbolic links included (they may lead out of the tree). */
function statOrNull(path: string): { mtimeMs: number; size: number } | null {
  try {
    const s = lstatSync(path);
    return s.isFile() ? { mtimeMs: s.mtimeMs, size: s.size } : null;
  } catch {
    return null;
  }
}

function isRealFolder(path: string): boolean {
  try {
    return lstatSync(path).isDirectory();
  } catch {
    return false;
  }
}
