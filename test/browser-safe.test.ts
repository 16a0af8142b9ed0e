/**
 * src/kernels, src/model and src/optim run in a browser as they are (the playground bundles them into a Web
 * Worker), so they and everything they import must stay free of Node: no `node:` modules or Node built-ins,
 * no npm packages, no `process`, `Buffer`, `require`, `__dirname` or file URLs. The same holds for the
 * modules the page itself bundles from src/ (the live-log format and probe, the digits codec, the data
 * split, the seeded generator).
 *
 * The check reads the TypeScript sources, follows every relative import from those folders, and looks at
 * the code with its comments removed. `npm run build` adds two more guards: the page's tsconfig has no Node
 * types, and esbuild bundles for the browser platform, where a Node module does not resolve.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinModules } from 'node:module';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BROWSER_FOLDERS = ['src/kernels', 'src/model', 'src/optim'];
const PAGE_MODULES = ['src/live/format.ts', 'src/live/probe.ts', 'src/live/colors.ts', 'src/serve/digits.ts', 'src/data/dataset.ts', 'src/rng.ts'];

const NODE_GLOBALS = /\b(process\s*\.|Buffer\s*\.|Buffer\s*\(|require\s*\(|__dirname|__filename|import\.meta\.url|global\s*\.)/;

/** Source without comments and string contents (so a comment that mentions Buffer is not a use of it). */
function code(src: string): string {
  return src
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1')
    .replace(/`(?:\\.|[^`\\])*`/g, '``');
}

function importsOf(src: string): string[] {
  const out: string[] = [];
  const re = /(?:^|\s)(?:import|export)\s[^;]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s*['"]([^'"]+)['"]/gm;
  for (let m = re.exec(src); m; m = re.exec(src)) out.push(m[1] ?? m[2] ?? m[3]);
  return out;
}

/** The problems of one module's source: Node imports, package imports, Node globals. */
export function nodeProblems(src: string): string[] {
  const problems: string[] = [];
  const builtins = new Set(builtinModules);
  for (const spec of importsOf(src)) {
    if (spec.startsWith('node:') || builtins.has(spec) || builtins.has(spec.split('/')[0])) problems.push(`imports Node's '${spec}'`);
    else if (!spec.startsWith('.')) problems.push(`imports the package '${spec}'`);
  }
  const m = NODE_GLOBALS.exec(code(src));
  if (m) problems.push(`uses Node's ${m[1].replace(/\s/g, '')}`);
  return problems;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? tsFiles(join(dir, d.name)) : d.name.endsWith('.ts') ? [join(dir, d.name)] : []));
}

test('the checker finds a Node import, a package import and Node globals (and not a word in a comment)', () => {
  assert.deepEqual(nodeProblems("import { readFileSync } from 'node:fs';"), ["imports Node's 'node:fs'"]);
  assert.deepEqual(nodeProblems("import { join } from 'path';"), ["imports Node's 'path'"]);
  assert.deepEqual(nodeProblems("import fc from 'fast-check';"), ["imports the package 'fast-check'"]);
  assert.deepEqual(nodeProblems("const m = await import('node:os');"), ["imports Node's 'node:os'"]);
  assert.deepEqual(nodeProblems('export const b = Buffer.from([1]);'), ["uses Node's Buffer."]);
  assert.deepEqual(nodeProblems('const n = process.env.N;'), ["uses Node's process."]);
  assert.deepEqual(nodeProblems("/** reads a Buffer via process.env */\nimport { x } from './x.js'; // process.exit()"), []);
});

test('src/kernels, src/model, src/optim and the modules the page bundles use nothing of Node', () => {
  const start = [...BROWSER_FOLDERS.flatMap((f) => tsFiles(join(ROOT, f))), ...PAGE_MODULES.map((m) => join(ROOT, m))];
  assert.ok(start.length > 30, `found the sources (${start.length} files under ${ROOT})`);
  const seen = new Set<string>();
  const todo = [...start];
  const problems: string[] = [];
  while (todo.length > 0) {
    const file = todo.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const src = readFileSync(file, 'utf8');
    for (const p of nodeProblems(src)) problems.push(`${relative(ROOT, file)} ${p}`);
    for (const spec of importsOf(src)) {
      if (!spec.startsWith('.')) continue;
      const target = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
      if (existsSync(target)) todo.push(target);
      else problems.push(`${relative(ROOT, file)} imports ${spec}, which is not a TypeScript file`);
    }
  }
  assert.deepEqual(problems, []);
  // the modules reached stay in the folders meant for the browser, plus the few shared ones listed above
  // (the leaves the model may use: errors.ts, and table.ts for its summary and layout tables)
  const outside = [...seen].map((f) => relative(ROOT, f))
    .filter((f) => !BROWSER_FOLDERS.some((d) => f.startsWith(d + '/')) && !PAGE_MODULES.includes(f) && f !== 'src/errors.ts' && f !== 'src/table.ts');
  assert.deepEqual(outside, [], 'browser code reaches no other module (add a new one here only if it is Node-free)');
});
