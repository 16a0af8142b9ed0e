/**
 * `npm run size`: the lines of src/ and workers/ per room (code, comment-only and blank lines counted
 * apart), in the order of the layering of docs/architecture.md, then the room graph: what each room imports.
 * docs/architecture.md shows this output; rerun it after a change to see how the core grew.
 *
 *   npm run size            (builds first)
 *   node dist/scripts/size.js [repository root]
 */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { textTable } from '../src/table.js';
import { readLayering, readSourceTree, roomGraph, type LineCounts } from './source-tree.js';

const root = process.argv[2] ?? join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
const files = readSourceTree(root);
const levels = readLayering(root);
const order = levels.flat();
const rooms = [...new Set(files.map((f) => f.room))].sort((a, b) => {
  const ia = order.indexOf(a);
  const ib = order.indexOf(b);
  return (ia < 0 ? Infinity : ia) - (ib < 0 ? Infinity : ib) || a.localeCompare(b);
});
const label = (r: string): string => (r.endsWith('.ts') ? r : `${r}/`);

const sum = (fs: { lines: LineCounts }[]): LineCounts =>
  fs.reduce((a, f) => ({ code: a.code + f.lines.code, comment: a.comment + f.lines.comment, blank: a.blank + f.lines.blank }), { code: 0, comment: 0, blank: 0 });
const row = (name: string, fs: { lines: LineCounts }[]): string[] => {
  const c = sum(fs);
  return [name, String(fs.length), String(c.code), String(c.comment), String(c.blank)];
};
const rows = rooms.map((r) => row(label(r), files.filter((f) => f.room === r)));
rows.push(row('src/ in all', files.filter((f) => f.path.startsWith('src/'))));
console.log(textTable(['room', 'files', 'code', 'comments', 'blank'], rows, { title: 'Lines per room (top of the layering first)' }));

const graph = roomGraph(files);
console.log('\nWhat each room imports (import statements)');
for (const r of rooms) {
  const targets = [...(graph.get(r) ?? new Map<string, number>())]
    .sort((a, b) => order.indexOf(a[0]) - order.indexOf(b[0]))
    .map(([t, n]) => `${label(t)} ${n}`);
  console.log(`${label(r).padEnd(14)} → ${targets.join(', ') || '(nothing)'}`);
}
