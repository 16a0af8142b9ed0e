// Builds the page of `elunet serve` into dist/web/ (run by `npm run build`, after tsc has type-checked it):
// web/app.ts with uPlot and its styles → app.js + app.css, web/playground-worker.ts with the kernels, model
// and optimizers of src/ → playground-worker.js, and web/index.html copied beside them. platform 'browser'
// makes esbuild refuse any Node module that code reachable from the page might import.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'web');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
await build({
  absWorkingDir: root,
  entryPoints: { app: 'web/app.ts', 'playground-worker': 'web/playground-worker.ts' },
  outdir: out,
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2022',
  sourcemap: 'linked',
  logLevel: 'warning',
  // uPlot's licence asks for its notice; esbuild keeps only /*! comments, so the notice travels as a file
  banner: { js: '/* elunet serve: bundled by esbuild from web/ and src/. The page includes uPlot (MIT licence, (c) Leon Sorokin): see uPlot.LICENSE beside this file. */' },
});
copyFileSync(join(root, 'web', 'index.html'), join(out, 'index.html'));
copyFileSync(join(dirname(createRequire(import.meta.url).resolve('uplot/package.json')), 'LICENSE'), join(out, 'uPlot.LICENSE'));
