/**
 * The rooms of the code keep their order: every import of src/ and workers/ runs down the layering written in
 * docs/architecture.md (never up, never sideways), so the room graph has no cycle. A new folder must be
 * placed in that list before it can be imported. The checks are shown to fail on a planted upward import
 * and on a planted cycle, so a green run means something.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { layeringViolations, readLayering, readSourceTree, roomCycles, roomGraph } from '../scripts/source-tree.js';

const ROOT = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
const graph = roomGraph(readSourceTree(ROOT, false));
const levels = readLayering(ROOT);

test('every import of src/ and workers/ runs down the layering of docs/architecture.md; the room graph has no cycle', () => {
  assert.ok(graph.size >= 15 && levels.length >= 15, `read ${graph.size} rooms and ${levels.length} levels: the parser found too little`);
  assert.deepEqual(layeringViolations(graph, levels), []);
  assert.deepEqual(roomCycles(graph), []);
});

test('the checks catch a planted upward import, a sideways import, a cycle and an unlisted room', () => {
  const plant = (from: string, to: string): Map<string, Map<string, number>> => {
    const g = new Map([...graph].map(([k, v]) => [k, new Map(v)]));
    g.get(from)!.set(to, 1);
    return g;
  };
  assert.deepEqual(layeringViolations(plant('kernels', 'model'), levels), ['kernels imports model (1×), a room above it in the layering']);
  assert.deepEqual(layeringViolations(plant('rng.ts', 'errors.ts'), levels), ['rng.ts imports errors.ts (1×), a room of its own level']);
  const cyclic = plant('train', 'parallel');
  assert.ok(roomCycles(cyclic).some((c) => /parallel → train → parallel|train → parallel → train/.test(c)), roomCycles(cyclic).join('\n'));
  const extra = new Map(graph).set('attic', new Map([['kernels', 1]]));
  assert.match(layeringViolations(extra, levels).join('\n'), /attic is not in the layering/);
});
