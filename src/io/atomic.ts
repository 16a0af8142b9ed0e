/**
 * Atomic file replacement: a reader sees either the old file or the complete new one, never half of it.
 * Every file elunet writes goes through here: checkpoints, metrics summaries, reports, charts.
 *
 *   0. create the folder if it does not exist yet;
 *   1. write the data to `<path>.tmp-<pid>-<n>` in the same folder (same file system, so rename is atomic);
 *   2. fsync it (the bytes are on disk before the name points at them);
 *   3. rename it over `path` (POSIX rename replaces the target atomically);
 *   4. fsync the folder, so the rename itself survives a power cut (best effort: not every platform
 *      can open a folder for fsync).
 *
 * If anything throws before step 3, the temporary file is removed and `path` is untouched. A process that
 * is killed between 1 and 3 leaves a stray `.tmp-*` file beside the target, which readers ignore.
 *
 * `data` may be one buffer, a string, or an iterable of chunks; chunks let a checkpoint stream header and
 * tensors to disk without first copying them into one large buffer.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

let counter = 0;

export type AtomicData = Uint8Array | string | Iterable<Uint8Array>;

/** Writes `data` to `path` atomically (see the file header). Returns the number of bytes written. */
export function writeFileAtomic(path: string, data: AtomicData): number {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `${basename(path)}.tmp-${process.pid}-${counter++}`);
  const fd = openSync(tmp, 'wx');
  let bytes = 0;
  let renamed = false;
  try {
    try {
      const chunks: Iterable<Uint8Array> =
        typeof data === 'string' ? [Buffer.from(data, 'utf8')] : data instanceof Uint8Array ? [data] : data;
      for (const chunk of chunks) {
        let off = 0;
        while (off < chunk.length) off += writeSync(fd, chunk, off, chunk.length - off);
        bytes += chunk.length;
      }
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
    renamed = true;
  } finally {
    if (!renamed) {
      try {
        unlinkSync(tmp);
      } catch {
        // the temporary file may not exist any more; the original error is the one to report
      }
    }
  }
  syncDir(dir);
  return bytes;
}

/** fsync a folder so that renames inside it are durable (best effort; a no-op where unsupported). */
export function syncDir(dir: string): void {
  let fd = -1;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Windows and some file systems cannot fsync a folder; the rename is still atomic there.
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}
