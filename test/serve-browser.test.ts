/**
 * `elunet serve` in a real browser: Debian's Chromium, headless, driven by playwright-core (which downloads
 * nothing; it is pointed at the system browser). Skipped, with one line, where Chromium is not installed
 * (`bash .ci/run` installs it); ELUNET_CHROMIUM names another binary.
 *
 *   1. a training run started after the page is open shows up, and its epoch count and curves advance while
 *      it trains; no errors in the browser's console;
 *   2. the playground trains an ELU and a ReLU MLP for 300 steps in Web Workers, and both losses fall.
 *
 * Nothing here waits a fixed time: every step waits for a condition on the page, with generous timeouts for
 * a loaded machine. To see the run part-way without racing it, the test pauses the training process
 * (SIGSTOP) once its first epoch is on disk and lets it go on once the page has shown that epoch.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';

// The page's globals, for the functions below that run in the page (this file is compiled without DOM types).
// Functions, not strings: playwright evaluates a string with eval, which the page's CSP forbids.
declare const document: any;
declare const window: any;

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli.js');
const CHROMIUM = process.env.ELUNET_CHROMIUM ?? '/usr/bin/chromium';
/** The flags this machine's closed network needs (no background connections), headless and sandbox-free. */
const FLAGS = ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const SKIP = existsSync(CHROMIUM) ? false : `Chromium not found at ${CHROMIUM} (Debian package chromium; ELUNET_CHROMIUM=path to use another): browser tests skipped`;
/** A loaded 2-core machine can be several times slower than an idle one. */
const WAIT = 120_000;

function elunet(args: string[]): ChildProcess {
  return spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Starts `elunet serve` and resolves with its URL. */
function serve(folder: string): Promise<{ child: ChildProcess; url: string }> {
  const child = elunet(['serve', folder, '--port', '0']);
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`elunet serve printed no URL: ${out}`)), WAIT);
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /open (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1] });
      }
    });
    child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    child.on('exit', (code) => reject(new Error(`elunet serve exited (${code}): ${out}`)));
  });
}

/** Everything the page says is wrong: console errors, uncaught exceptions, failed requests. */
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on('response', (r) => {
    if (r.status() >= 400) errors.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  return errors;
}

async function until(cond: () => boolean, what: string, timeout = WAIT): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeout) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const lines = (file: string): number => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).length : 0);

/** data-* attributes of the run cards: { title: { epoch, step, status } } */
async function cards(page: Page): Promise<Record<string, { epoch: number; step: number; status: string }>> {
  return page.evaluate(`Object.fromEntries([...document.querySelectorAll('#view-runs .run-card')].map((c) => [
    c.querySelector('.run-title').textContent, { epoch: Number(c.dataset.epoch), step: Number(c.dataset.step), status: c.dataset.status }]))`);
}

/** The number of points drawn in the chart titled `title` of a view. */
async function points(page: Page, view: string, title: string): Promise<number> {
  return page.evaluate(`Number([...document.querySelectorAll('#view-${view} .chart')].find((c) => c.querySelector('h3').textContent === ${JSON.stringify(title)})?.dataset.points ?? -1)`);
}

test('elunet serve in headless Chromium', { skip: SKIP }, async (t) => {
  const { chromium } = await import('playwright-core');
  const browser: Browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, timeout: WAIT });
  const dir = mkdtempSync(join(tmpdir(), 'elunet-browser-'));
  const { child: server, url } = await serve(dir);
  try {
    await t.test('a run started while the page is open appears, and its epochs and curves advance', async () => {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const errors = watchErrors(page);
      await page.goto(`${url}?poll=250`);
      await page.waitForSelector('#conn.ok', { timeout: WAIT });

      // ELU then ReLU, 3 epochs each, on 2000 digits: seconds of training
      const epochs = 3;
      const train = elunet(['compare', '--train-limit', '2000', '--test-limit', '300', '--epochs', String(epochs), '--batch', '32', '--micro-batch', '32', '--workers', '1', '-q', '--out', join(dir, 'compare')]);
      let trainOut = '';
      train.stdout!.on('data', (c: Buffer) => (trainOut += c.toString()));
      train.stderr!.on('data', (c: Buffer) => (trainOut += c.toString()));
      const trained = new Promise<number | null>((resolve) => train.on('exit', resolve));
      try {
        const metrics = join(dir, 'compare', 'elu', 'metrics.jsonl');
        await until(() => lines(metrics) >= 1, 'the first epoch of the ELU run');
        train.kill('SIGSTOP');
        const done = lines(metrics);
        assert.ok(done < epochs, `the run was paused part-way (${done} of ${epochs} epochs on disk)`);
        await page.waitForFunction(
          (n: number) => [...document.querySelectorAll('#view-runs .run-card')].some((c: any) => c.querySelector('.run-title').textContent === 'elu' && Number(c.dataset.epoch) === n),
          done,
          { timeout: WAIT, polling: 100 },
        );
        const during = (await cards(page)).elu;
        assert.equal(during.status, 'running');
        assert.ok(during.step >= 1, 'per-step records are shown');
        const lossDuring = await points(page, 'runs', 'Loss per epoch');
        const stepsDuring = await points(page, 'runs', 'Training loss per step');
        assert.equal(lossDuring, 2 * done, 'train and test loss, one point per epoch so far');
        train.kill('SIGCONT');

        assert.equal(await trained, 0, `elunet compare failed: ${trainOut}`);
        await page.waitForFunction(
          (n: number) => {
            const c = [...document.querySelectorAll('#view-runs .run-card')];
            return c.length === 2 && c.every((x: any) => x.dataset.status === 'finished' && Number(x.dataset.epoch) === n);
          },
          epochs,
          { timeout: WAIT, polling: 100 },
        );
        const after = await cards(page);
        assert.deepEqual(Object.keys(after).sort(), ['elu', 'relu'], 'the ReLU run, started later, was found and shown beside ELU');
        assert.ok(after.elu.step > during.step, `steps advanced (${during.step} → ${after.elu.step})`);
        assert.equal(await points(page, 'runs', 'Loss per epoch'), 2 * 2 * epochs, 'both runs, train and test, every epoch');
        assert.ok((await points(page, 'runs', 'Training loss per step')) > stepsDuring, 'the per-step curve grew');
        for (const title of ['Median unit activation', 'Mean activation by layer', 'Test accuracy']) {
          assert.ok((await points(page, 'runs', title)) > 0, `${title} is drawn`);
        }
        assert.equal(await page.locator('#view-runs .pictures canvas').count(), 4, 'filters and misclassified images for both runs');
        assert.deepEqual(errors, []);
      } finally {
        train.kill('SIGCONT');
        train.kill('SIGKILL');
        await page.close();
      }
    });

    await t.test('the playground trains an ELU and a ReLU MLP in the page, and both losses fall', async () => {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const errors = watchErrors(page);
      await page.goto(`${url}#playground`);
      await page.selectOption('select[name=a]', 'elu');
      await page.selectOption('select[name=b]', 'relu');
      await page.selectOption('select[name=width]', '0.5');
      await page.fill('input[name=steps]', '300');
      await page.click('button[name=start]');
      await page.waitForFunction(() => window.elunet.playground.runs().every((d: any) => d.end !== null), null, { timeout: WAIT, polling: 200 });
      const runs = (await page.evaluate(
        `window.elunet.playground.runs().map((d) => ({ activation: d.header.activation, loss: d.loss, complete: d.end.complete, acc: d.evals.map((e) => e.testAcc) }))`,
      )) as { activation: string; loss: number[]; complete: boolean; acc: number[] }[];
      assert.deepEqual(runs.map((r) => r.activation), ['elu', 'relu']);
      for (const r of runs) {
        assert.ok(r.complete, `${r.activation} finished`);
        assert.equal(r.loss.length, 300);
        const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
        const first = mean(r.loss.slice(0, 20));
        const last = mean(r.loss.slice(-50));
        // chance is ln 10 ≈ 2.3; a network that learns nothing stays there. After 300 steps of 32 digits
        // these runs are at a quarter or less of their starting loss; half leaves room and still fails a
        // network that does not learn.
        assert.ok(last < 0.5 * first, `${r.activation}: loss ${first.toFixed(3)} → ${last.toFixed(3)}`);
        assert.ok(r.acc[r.acc.length - 1] > 0.7, `${r.activation}: test accuracy ${r.acc}`);
      }
      assert.ok((await points(page, 'playground', 'Training loss per step')) > 0, 'the curves are drawn');
      assert.deepEqual(errors, []);
      await page.close();
    });
  } finally {
    server.kill('SIGINT');
    await browser.close();
  }
});
