/**
 * Which file a request may read: only regular files below one of the served folders.
 *
 * A request names a file by the served folder's index and a path below it, exactly as it came over the wire
 * (still percent-encoded). The path is refused before it touches the file system when any segment is
 * empty (`//`, a leading `/`: an absolute path), `.` or `..`, or starts with a dot (hidden files such as
 * `.git`), or when it holds an encoded slash, backslash, dot or NUL (`%2f`, `%5c`, `%2e`, `%00`) or a raw
 * backslash: there is no legitimate reason to encode those, and refusing them removes every question of
 * decoding twice. What remains is joined to the folder and resolved with realpath, which follows every
 * symbolic link; the result must still lie inside the folder's own realpath. So a link inside the tree
 * that points inside it works, one that points out of it is refused.
 *
 * Refusals carry no content: 403 for a path that tries to leave or hide, 404 for one that does not exist or
 * is not a regular file.
 */
import { lstatSync, realpathSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';

export type Resolved = { ok: true; path: string; missing: boolean } | { ok: false; status: 403 | 404 };

const FORBIDDEN_ENCODED = /%(2f|5c|2e|00)/i;

/** The decoded path segments of `raw`, or null when the path is refused (see the file header). */
export function safeSegments(raw: string): string[] | null {
  if (raw === '' || raw.includes('\\') || FORBIDDEN_ENCODED.test(raw)) return null;
  const out: string[] = [];
  for (const part of raw.split('/')) {
    let s: string;
    try {
      s = decodeURIComponent(part);
    } catch {
      return null;
    }
    if (s === '' || s.startsWith('.') || s.includes('/') || s.includes('\\') || s.includes('\0')) return null;
    out.push(s);
  }
  return out;
}

/**
 * The real path of the regular file `raw` below `rootReal` (itself a realpath), or the refusal. With
 * `allowMissing`, a file that does not exist yet in a folder that does is accepted (`missing: true`): the
 * page follows files that training has not written yet.
 */
export function resolveBelow(rootReal: string, raw: string, allowMissing = false): Resolved {
  const segs = safeSegments(raw);
  if (!segs) return { ok: false, status: 403 };
  const wanted = join(rootReal, ...segs);
  let real: string;
  try {
    real = realpathSync(wanted);
  } catch {
    // only a name with nothing behind it counts as missing (a dangling link is refused like any other)
    if (!allowMissing || existsAtAll(wanted)) return { ok: false, status: 404 };
    // its folder must exist and lie inside the root; the caller reads nothing for a missing file
    let parent: string;
    try {
      parent = realpathSync(join(rootReal, ...segs.slice(0, -1)));
    } catch {
      return { ok: false, status: 404 };
    }
    if (!inside(rootReal, parent)) return { ok: false, status: 403 };
    return { ok: true, path: join(parent, segs[segs.length - 1]), missing: true };
  }
  if (!inside(rootReal, real)) return { ok: false, status: 403 };
  try {
    if (!statSync(real).isFile()) return { ok: false, status: 404 };
  } catch {
    return { ok: false, status: 404 };
  }
  return { ok: true, path: real, missing: false };
}

/** True when `path` is `root` or lies below it (both real paths). */
export function inside(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

function existsAtAll(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
