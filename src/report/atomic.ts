/**
 * Atomic file writes for reports, charts and JSON summaries: the same temporary-file-then-rename write as
 * checkpoints (src/io/atomic.ts), creating the folder first. A reader (a person, a viewer refreshing a
 * PNG) sees either the old complete file or the new complete file, never a half-written one.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileAtomic as writeAtomic } from '../io/atomic.js';

/** Writes `data` to `path` through a temporary file in the same folder; creates the folder if needed. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  writeAtomic(path, data);
}
