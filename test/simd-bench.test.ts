/**
 * A smoke test of the interleaved benchmark harness (bench/simd.ts) in its quick mode: it runs, writes JSON
 * with a rate per side and same-round ratios, and says plainly when PyTorch cannot be run. The numbers of a
 * quick run mean nothing (tiny shapes, 100 ms slices on a shared machine); only the structure is checked.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bench = fileURLToPath(new URL('../bench/simd.js', import.meta.url));

test('bench/simd.js --quick: rates, ratios to elunet-simd, and a plain note when PyTorch is absent', () => {
  const r = spawnSync(process.execPath, [bench, '--quick', '--json', '--only', 'elu fwd', '--sides', 'elunet-simd,elunet-ts,torch'], {
    encoding: 'utf8',
    env: { ...process.env, ELUNET_PYTHON: '/nonexistent/python3' },
    timeout: 60_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as {
    torch: string;
    settings: { rounds: number };
    results: { name: string; sides: Record<string, { status: string; rate?: number; perRound?: number[]; reason?: string }>;
      vsSimd: Record<string, { median: number }> }[];
  };
  assert.deepEqual(out.results.map((x) => x.name), ['elu fwd 64K']);
  const [elu] = out.results;
  for (const side of ['elunet-simd', 'elunet-ts']) {
    assert.equal(elu.sides[side].status, 'ok');
    assert.ok(elu.sides[side].rate! > 0);
    assert.equal(elu.sides[side].perRound!.length, out.settings.rounds);
  }
  assert.ok(elu.vsSimd['elunet-ts'].median > 0);
  assert.equal(elu.sides.torch.status, 'unavailable');
  assert.match(out.torch, /^not measured: could not start \/nonexistent\/python3 \(for PyTorch; set ELUNET_PYTHON/);
});
