/**
 * Atomic file writes for reports, charts and JSON summaries.
 *
 * A run folder is read by people (and by other processes, e.g. a viewer that refreshes a PNG) while
 * training writes into it. Writing to `<path>.<pid>.tmp` and then renaming makes every reader see either
 * the old complete file or the new complete file, never a half-written one: rename(2) within one
 * directory is atomic on POSIX file systems (and replaces the target on Windows since Node 14).
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Writes `data` to `path` through a temporary file in the same folder; creates the folder if needed. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
