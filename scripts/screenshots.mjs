// The screenshots of docs/serve.md and the README, made again with:   npm run build && node scripts/screenshots.mjs
//
//   docs/img/serve-compare.png     a finished `elunet compare` (ELU vs ReLU, the paper's MNIST MLP) in `elunet serve`
//   docs/img/serve-playground.png  the playground part-way through training ELU and ReLU in the browser
//
// Needs Chromium (/usr/bin/chromium, or ELUNET_CHROMIUM). Trains for about a minute on a 2-core machine.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist', 'src', 'cli.js');
const out = join(root, 'docs', 'img');
mkdirSync(out, { recursive: true });
const dir = mkdtempSync(join(tmpdir(), 'elunet-shots-'));

console.log('training a small compare run (ELU vs ReLU, 4000 digits, 6 epochs)…');
const compare = spawnSync(
  process.execPath,
  [cli, 'compare', '--train-limit', '4000', '--epochs', '6', '--workers', '1', '-q', '--out', join(dir, 'compare')],
  { stdio: 'inherit' },
);
if (compare.status !== 0) process.exit(1);

const server = spawn(process.execPath, [cli, 'serve', dir, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise((resolve, reject) => {
  let text = '';
  server.stdout.on('data', (c) => {
    text += c;
    const m = /open (http:\/\/\S+)/.exec(text);
    if (m) resolve(m[1]);
  });
  server.on('exit', () => reject(new Error(`elunet serve stopped: ${text}`)));
});

const browser = await chromium.launch({
  executablePath: process.env.ELUNET_CHROMIUM ?? '/usr/bin/chromium',
  args: ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(url);
  await page.waitForFunction(() => {
    const c = [...document.querySelectorAll('#view-runs .run-card')];
    return c.length === 2 && c.every((x) => x.dataset.status === 'finished');
  });
  await page.waitForTimeout(500); // the last redraw
  await page.screenshot({ path: join(out, 'serve-compare.png'), fullPage: true });
  console.log('wrote docs/img/serve-compare.png');

  await page.goto(`${url}#playground`);
  await page.selectOption('select[name=width]', '1');
  await page.fill('input[name=steps]', '2000');
  await page.click('button[name=start]');
  await page.waitForFunction(() => window.elunet.playground.runs().every((d) => d.loss.length >= 700), null, { timeout: 300_000, polling: 200 });
  await page.screenshot({ path: join(out, 'serve-playground.png'), fullPage: true });
  console.log('wrote docs/img/serve-playground.png');
} finally {
  await browser.close();
  server.kill('SIGINT');
}
