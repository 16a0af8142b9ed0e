/**
 * The rooms of the code and what they import, read with TypeScript's own parser: the data behind
 * `npm run size` (scripts/size.ts) and the architecture test (test/architecture.test.ts).
 *
 * A room is a folder of src/ ('kernels', 'train', …), a file directly in src/ ('rng.ts', 'cli.ts', …), or
 * 'workers'. The layering — which room may import which — is written once, in docs/architecture.md, as a
 * fenced block after the marker <!-- layering -->: one level per line, the top level first; the room names
 * start the line ('train/', 'rng.ts'; several on one line share a level), the rest is description, and a
 * line that starts with a space continues the description. A room may import only rooms of lower levels:
 * never one above it, and never another room of its own level.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

export interface LineCounts {
  code: number;
  comment: number;
  blank: number;
}

export interface SourceFile {
  /** relative to the repository root, with '/' separators */
  path: string;
  room: string;
  /** the rooms this file imports from (relative imports only), one entry per import */
  imports: string[];
  lines: LineCounts;
}

/** 'src/kernels/elu.ts' → 'kernels', 'src/rng.ts' → 'rng.ts', 'workers/train-worker.ts' → 'workers'. */
export function roomOf(path: string): string {
  const parts = path.split('/');
  if (parts[0] === 'workers') return 'workers';
  if (parts[0] !== 'src') throw new Error(`roomOf: ${path} is outside src/ and workers/`);
  return parts[1];
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((f) => {
      const p = join(dir, f);
      return statSync(p).isDirectory() ? tsFiles(p) : f.endsWith('.ts') ? [p] : [];
    });
}

/**
 * Per line: code if any token of the program touches it, else comment if a comment does, else blank.
 * Tokens come from the parsed tree (so a regex or a template literal is never mistaken for a comment).
 */
export function countLines(text: string, fileName = 'file.ts'): LineCounts {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const lineCount = sf.getLineStarts().length;
  const kind = new Uint8Array(lineCount); // 0 blank, 1 comment, 2 code
  const mark = (from: number, to: number, k: number): void => {
    const a = sf.getLineAndCharacterOfPosition(from).line;
    const b = sf.getLineAndCharacterOfPosition(Math.max(from, to - 1)).line;
    for (let l = a; l <= b; l++) kind[l] = Math.max(kind[l], k);
  };
  const comments = (pos: number): void => {
    for (const r of ts.getLeadingCommentRanges(text, pos) ?? []) mark(r.pos, r.end, 1);
    for (const r of ts.getTrailingCommentRanges(text, pos) ?? []) mark(r.pos, r.end, 1);
  };
  const visit = (node: ts.Node): void => {
    if (node.kind >= ts.SyntaxKind.FirstJSDocNode && node.kind <= ts.SyntaxKind.LastJSDocNode) {
      mark(node.pos, node.end, 1); // a /** … */ block attached to a declaration
      return;
    }
    const children = node.getChildren(sf);
    if (children.length === 0) {
      comments(node.getFullStart());
      if (node.kind !== ts.SyntaxKind.EndOfFileToken) mark(node.getStart(sf), node.getEnd(), 2);
      comments(node.getEnd());
      return;
    }
    children.forEach(visit);
  };
  visit(sf);
  const counts: LineCounts = { code: 0, comment: 0, blank: 0 };
  // the last line of a file that ends with a newline is empty and not a line
  const lines = text.endsWith('\n') ? lineCount - 1 : lineCount;
  for (let l = 0; l < lines; l++) {
    if (kind[l] === 2) counts.code++;
    else if (kind[l] === 1) counts.comment++;
    else counts.blank++;
  }
  return counts;
}

/** Every .ts file of src/ and workers/ with its room, the rooms it imports and (unless told not to) its line counts. */
export function readSourceTree(repoRoot: string, withLines = true): SourceFile[] {
  const files = [...tsFiles(join(repoRoot, 'src')), ...tsFiles(join(repoRoot, 'workers'))];
  return files.map((abs) => {
    const path = relative(repoRoot, abs).split(sep).join('/');
    const text = readFileSync(abs, 'utf8');
    const imports = ts
      .preProcessFile(text, true, true)
      .importedFiles.map((f) => f.fileName)
      .filter((spec) => spec.startsWith('.'))
      .map((spec) => roomOf(relative(repoRoot, resolve(dirname(abs), spec.replace(/\.js$/, '.ts'))).split(sep).join('/')));
    return { path, room: roomOf(path), imports, lines: withLines ? countLines(text, path) : { code: 0, comment: 0, blank: 0 } };
  });
}

/** room → (imported room → number of import statements), rooms importing themselves left out. */
export function roomGraph(files: SourceFile[]): Map<string, Map<string, number>> {
  const g = new Map<string, Map<string, number>>();
  for (const f of files) {
    const out = g.get(f.room) ?? new Map<string, number>();
    g.set(f.room, out);
    for (const r of f.imports) if (r !== f.room) out.set(r, (out.get(r) ?? 0) + 1);
  }
  return g;
}

/** The levels of docs/architecture.md's layering block, top level first; each level a list of room names. */
export function readLayering(repoRoot: string): string[][] {
  const doc = readFileSync(join(repoRoot, 'docs', 'architecture.md'), 'utf8');
  const at = doc.indexOf('<!-- layering -->');
  if (at < 0) throw new Error('docs/architecture.md: no <!-- layering --> marker before the layering block');
  const block = /```[a-z]*\n([\s\S]*?)```/.exec(doc.slice(at));
  if (!block) throw new Error('docs/architecture.md: no fenced block after <!-- layering -->');
  return block[1]
    .split('\n')
    .filter((l) => l.trim() && !/^\s/.test(l))
    .map((l) => {
      const names: string[] = [];
      for (const word of l.trim().split(/\s+/)) {
        if (!/^[a-z][a-z0-9-]*(\/|\.ts)$/.test(word)) break;
        names.push(word.replace(/\/$/, ''));
      }
      if (names.length === 0) throw new Error(`docs/architecture.md: a layering line names no room: '${l.trim()}'`);
      return names;
    });
}

/**
 * Every import that runs against the layering: into a room of the same or a higher level, or into a room the
 * layering does not name; and every room that the layering does not name. Empty when the code obeys it.
 */
export function layeringViolations(graph: Map<string, Map<string, number>>, levels: string[][]): string[] {
  const level = new Map<string, number>();
  levels.forEach((names, i) => names.forEach((n) => level.set(n, levels.length - 1 - i)));
  const out: string[] = [];
  for (const [from, targets] of graph) {
    const lf = level.get(from);
    if (lf === undefined) {
      out.push(`${from} is not in the layering of docs/architecture.md: add it at the level where it belongs`);
      continue;
    }
    for (const [to, n] of targets) {
      const lt = level.get(to);
      if (lt === undefined) out.push(`${from} imports ${to} (${n}×), which is not in the layering of docs/architecture.md`);
      else if (lt > lf) out.push(`${from} imports ${to} (${n}×), a room above it in the layering`);
      else if (lt === lf) out.push(`${from} imports ${to} (${n}×), a room of its own level`);
    }
  }
  for (const name of level.keys()) {
    if (!graph.has(name)) out.push(`the layering of docs/architecture.md names ${name}, which does not exist`);
  }
  return out;
}

/** The cycles of the room graph, each as 'a → b → … → a' (empty when it is acyclic). */
export function roomCycles(graph: Map<string, Map<string, number>>): string[] {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const cycles: string[] = [];
  const visit = (r: string): void => {
    state.set(r, 'open');
    stack.push(r);
    for (const t of graph.get(r)?.keys() ?? []) {
      if (state.get(t) === 'open') cycles.push([...stack.slice(stack.indexOf(t)), t].join(' → '));
      else if (!state.has(t)) visit(t);
    }
    stack.pop();
    state.set(r, 'done');
  };
  for (const r of graph.keys()) if (!state.has(r)) visit(r);
  return cycles;
}
