/**
 * Would the SIMD tests catch a broken kernel? Each case below takes the real AssemblyScript source of one
 * kernel, plants one bug of the kind people make (a wrong sign, a wrong index or lane, an off-by-one edge,
 * a store where an add belongs, a wrong constant), compiles the mutated sources in memory with the build's
 * own asc flags (from package.json's build:simd, at -O1 instead of -O3 to compile in a fifth of the time:
 * optimisation never changes what the code computes), and runs the same property check that
 * test/simd-*.test.ts runs on the real module — which must now fail. The unmutated sources, compiled the
 * same way, must pass every one of those checks, so a failure can only come from the planted bug.
 *
 * Each mutation names the exact text it replaces; if a kernel is rewritten so that the text is gone, the
 * test fails and says so (update the mutation rather than drop it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';
import { compileSimd } from '../src/simd/loader.js';
import { createSimdKernels, type SimdKernels } from '../src/simd/index.js';
import { measureExpm1Error } from '../bench/exp-error.js';
import {
  EXPM1_MAX_ULP, checkAccumulate, checkActivations, checkAdam, checkBatchNorm, checkConv, checkConvCase, checkMatmul, checkMatmulCase,
  checkMaxPool, checkSgd, checkSoftmax,
} from './util/simd.js';

const root = fileURLToPath(new URL('../..', import.meta.url)); // dist/test → the package root
const assembly = path.join(root, 'src/simd/assembly');

/** The build's asc arguments (package.json's build:simd), without the entry and output, at -O1. */
function buildFlags(): string[] {
  const script: string = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).scripts['build:simd'];
  const args = script.split(/\s+/).slice(2); // drop "asc" and the entry file
  const out = args.indexOf('--outFile');
  args.splice(out, 2);
  return args.map((a) => (a === '-O3' ? '-O1' : a));
}

/** Compiles src/simd/assembly with `file`'s text replaced by `text` (or unchanged), into a module. */
async function compile(file?: string, text?: string): Promise<WebAssembly.Module> {
  let binary: Uint8Array | null = null;
  const errors: string[] = [];
  const { error } = await asc.main([path.join(assembly, 'index.ts'), '--outFile', 'planted.wasm', ...buildFlags()], {
    readFile: (name: string, baseDir: string) => {
      const full = path.resolve(baseDir, name);
      if (file && full === path.join(assembly, file)) return text ?? null;
      return fs.existsSync(full) ? fs.readFileSync(full, 'utf8') : null;
    },
    writeFile: (name: string, contents: Uint8Array | string) => {
      if (name.endsWith('.wasm')) binary = contents as Uint8Array;
    },
    listFiles: () => [],
    stdout: { write: () => true } as unknown as NodeJS.WritableStream,
    stderr: { write: (s: string) => (errors.push(s), true) } as unknown as NodeJS.WritableStream,
  } as never);
  if (error || !binary) throw new Error(`asc failed on the planted copy: ${error?.message ?? ''}\n${errors.join('')}`);
  return compileSimd(new Uint8Array(binary as Uint8Array), 'the planted copy');
}

interface Plant {
  bug: string;
  file: string;
  find: string;
  replace: string;
  /** the check of the real suite that must now fail */
  check: (k: SimdKernels) => void;
}

const MATMUL_EDGES = (k: SimdKernels) => {
  checkMatmul(k, 60);
  checkMatmulCase(k, { m: 9, n: 13, k: 300, transA: false, transB: true, accumulate: false, aOffset: 0, bOffset: 0, cOffset: 0, seed: 1 });
};

const plants: Plant[] = [
  { bug: 'matmul micro-kernel: row 2 of the tile broadcasts row 1 of A (wrong index)', file: 'matmul.ts',
    find: 'v128.load32_splat(ap, 8)', replace: 'v128.load32_splat(ap, 4)', check: MATMUL_EDGES },
  { bug: 'matmul packing: the transposing path writes the wrong lanes for step p + 1', file: 'matmul.ts',
    find: 'v128.shuffle<f32>(t0, t2, 2, 3, 6, 7)', replace: 'v128.shuffle<f32>(t0, t2, 0, 1, 4, 5)', check: MATMUL_EDGES },
  { bug: 'matmul edge tiles: the last column of a partial tile is never stored (off by one)', file: 'matmul.ts',
    find: 'for (let j = 0; j < nr; j++) {', replace: 'for (let j = 0; j < nr - 1; j++) {', check: MATMUL_EDGES },
  { bug: 'matmul without accumulate: every k-block stores instead of adding (only the last block survives)', file: 'matmul.ts',
    find: 'const assign = !accumulate && p0 == 0;', replace: 'const assign = !accumulate;', check: MATMUL_EDGES },
  { bug: 'conv2d im2col: the input row of tap p is i·s + p + padTop (sign of the padding)', file: 'conv2d.ts',
    find: 'const u = i * stride + p - padTop;\n          const colPix', replace: 'const u = i * stride + p + padTop;\n          const colPix',
    check: (k) => checkConv(k, 60) },
  { bug: 'conv2d im2col: the left padding is not zeroed (stale workspace leaks in)', file: 'conv2d.ts',
    find: 'fillF32(colPix, 0, jLo);', replace: '', check: (k) => checkConv(k, 60) },
  { bug: 'conv2d db: the scalar tail of each plane is subtracted (wrong sign, only when OH·OW % 4 ≠ 0)', file: 'conv2d.ts',
    find: 'tail += load<f32>', replace: 'tail -= load<f32>',
    check: (k) => { checkConv(k, 60); checkConvCase(k, { n: 2, c: 1, h: 5, w: 5, oc: 3, kh: 3, pad: 'same' }, 1, true); } },
  { bug: 'ELU backward: slope y − α instead of y + α (wrong sign)', file: 'elu.ts',
    find: 'f32x4.add(v, a), f32x4.gt(v, zero)', replace: 'f32x4.sub(v, a), f32x4.gt(v, zero)', check: (k) => checkActivations(k, 40) },
  { bug: 'expm1: the r³ coefficient 1/7 instead of 1/3! (a wrong constant: accurate to ~1e−3 only)', file: 'expm1.ts',
    find: '1.0 / 6.0', replace: '1.0 / 7.0',
    check: (k) => {
      const r = measureExpm1Error(k, 4099);
      assert.ok(r.maxUlp <= EXPM1_MAX_ULP, `expm1 error ${r.maxUlp} ulp exceeds ${EXPM1_MAX_ULP}`);
    } },
  { bug: 'expm1: 2ᵏ·expm1(r) + 2ᵏ instead of + (2ᵏ − 1) (a dropped term)', file: 'expm1.ts',
    find: 'f32x4.sub(scale, f32x4.splat(1))', replace: 'scale', check: (k) => checkActivations(k, 40) },
  { bug: 'max pool 2×2: the bottom-right candidate records the bottom-left index (wrong argmax)', file: 'pool.ts',
    find: 'i32x4.splat(W + 1)', replace: 'i32x4.splat(W)', check: (k) => checkMaxPool(k, 60) },
  { bug: 'batch norm backward: + Σdy·k instead of − (wrong sign in the vector loop)', file: 'batchnorm.ts',
    find: 'f64x2.sub(f64x2.mul(kMv, lo64(g)), kSv)', replace: 'f64x2.add(f64x2.mul(kMv, lo64(g)), kSv)', check: (k) => checkBatchNorm(k, 40) },
  { bug: 'softmax-CE backward: + scale at the label instead of − (wrong sign)', file: 'softmax-cross-entropy.ts',
    find: '<f64>load<f32>(at) - scale', replace: '<f64>load<f32>(at) + scale', check: (k) => checkSoftmax(k, 30) },
  { bug: 'SGD Nesterov: g − μ·v instead of g + μ·v (wrong sign)', file: 'sgd.ts',
    find: 'f32x4.add(g, f32x4.mul(muv, v))', replace: 'f32x4.sub(g, f32x4.mul(muv, v))', check: (k) => checkSgd(k, 40) },
  { bug: 'Adam: the first moment mixes in β1·g instead of (1 − β1)·g (wrong coefficient)', file: 'adam.ts',
    find: 'f32x4.mul(c1, g)', replace: 'f32x4.mul(b1, g)', check: (k) => checkAdam(k, 30) },
  { bug: 'slot sum: the scalar tail stores x instead of adding it (a missing accumulation)', file: 'vec.ts',
    find: 'store<f32>(dst + off, load<f32>(dst + off) + load<f32>(src + off));', replace: 'store<f32>(dst + off, load<f32>(src + off));',
    check: (k) => checkAccumulate(k, 40) },
];

test('planted bugs: the unmutated sources, compiled the same way, pass every check used below', async () => {
  const k = createSimdKernels({ module: await compile() });
  for (const p of plants) p.check(k);
});

for (const p of plants) {
  test(`planted bug is caught: ${p.bug}`, async () => {
    const source = fs.readFileSync(path.join(assembly, p.file), 'utf8');
    const at = source.indexOf(p.find);
    assert.ok(at >= 0, `the text to mutate is no longer in ${p.file}: ${JSON.stringify(p.find)} — update this mutation`);
    const k = createSimdKernels({ module: await compile(p.file, source.slice(0, at) + p.replace + source.slice(at + p.find.length)) });
    assert.throws(() => p.check(k), `the tests did not notice: ${p.bug}`);
  });
}
