/**
 * The live log (src/live/): its records tell the same story as metrics.jsonl, writing it changes nothing
 * in the training, a resumed run continues the log without duplicates, a reader never takes half a line,
 * and the probe's statistics are the ones metrics.jsonl defines.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import type { ModelSpec } from '../src/model/spec.js';
import { Network } from '../src/model/network.js';
import { Sgd } from '../src/optim/sgd.js';
import { trainLoop, readMetrics, type LoopOptions } from '../src/train/loop.js';
import { UnitActivationStats } from '../src/train/metrics.js';
import {
  LIVE_VERSION,
  LineSplitter,
  applyEpochLine,
  applyLiveRecord,
  decodeBase64,
  emptyRunData,
  encodeBase64,
  parseLiveLine,
  type LiveRecord,
  type ProbeRecord,
  type StepsRecord,
} from '../src/live/format.js';
import { histogram, probeActivations } from '../src/live/probe.js';
import { LiveLog, keptLines } from '../src/live/writer.js';
import { ACTIVATION_HEX } from '../src/live/colors.js';
import { ACTIVATION_COLORS } from '../src/report/palette.js';
import { bands } from './util/bands.js';

const spec: ModelSpec = {
  name: 'tiny-cnn',
  input: [1, 8, 8],
  activation: { name: 'elu' },
  init: 'he-normal',
  loss: 'softmax-ce',
  layers: [
    { type: 'conv', filters: 4, size: 3, pad: 'same', batchNorm: true },
    { type: 'maxpool', size: 2 },
    { type: 'dropout', rate: 0.2 },
    { type: 'dense', units: 6 },
    { type: 'dense', units: 3, activation: 'none' },
  ],
};

const train = bands(120, 1);
const testSet = bands(60, 2);
const tmp = () => mkdtempSync(join(tmpdir(), 'elunet-live-'));

function options(runDir: string, over: Partial<LoopOptions> = {}): LoopOptions {
  return {
    runDir,
    spec,
    train,
    test: testSet,
    meta: {},
    epochs: 3,
    batch: 20,
    microBatch: 10,
    seed: 4,
    augment: { pad: 1, flip: false },
    makeOptimizer: (layout) => new Sgd(layout, { momentum: 0.9 }),
    lrAt: () => 0.05,
    statsSubset: 40,
    checkpointEvery: 0,
    resume: false,
    quiet: true,
    log: () => {},
    ...over,
  };
}

function records(dir: string): LiveRecord[] {
  const text = readFileSync(join(dir, 'live.jsonl'), 'utf8');
  assert.ok(text.endsWith('\n'), 'the log ends with a complete line');
  return text
    .trim()
    .split('\n')
    .map((l, i) => {
      const r = parseLiveLine(l);
      assert.ok(r, `line ${i + 1} is a known record: ${l.slice(0, 80)}`);
      return r;
    });
}

/** step k's loss at index k − 1, from all steps records; asserts that no step is logged twice. */
function stepLosses(rs: LiveRecord[]): number[] {
  const loss: number[] = [];
  for (const r of rs) {
    if (r.t !== 'steps') continue;
    assert.equal(r.from, loss.length + 1, 'steps records continue where the last one ended');
    loss.push(...r.loss);
  }
  return loss;
}

test('the live log of a run: header, every step once, a probe, filters and mistakes per epoch, an end', async () => {
  const dir = tmp();
  const r = await trainLoop(options(dir));
  const rs = records(dir);
  const h = rs[0];
  assert.ok(h.t === 'header' && h.version === LIVE_VERSION && h.format === 'elunet-live');
  assert.equal(h.stepsPerEpoch, 6);
  assert.equal(h.totalSteps, 18);
  assert.deepEqual(h.layers, ['conv1', 'dense1']);
  const loss = stepLosses(rs);
  assert.equal(loss.length, 18);
  // the epoch's training loss in metrics.jsonl is the mean of its step losses (the log keeps 6 digits)
  r.history.forEach((m, e) => {
    const mean = loss.slice(6 * e, 6 * e + 6).reduce((a, b) => a + b, 0) / 6;
    assert.ok(Math.abs(mean - m.trainLoss) < 1e-5 * m.trainLoss, `epoch ${e + 1}: ${mean} vs ${m.trainLoss}`);
  });
  for (const kind of ['probe', 'filters', 'misclassified'] as const) {
    const steps = rs.filter((x) => x.t === kind).map((x) => (x as { step: number }).step);
    // the first and the last epoch end always; the one between when the time budget allows
    for (const s of [6, 18]) assert.ok(steps.includes(s), `${kind} at step ${s}: ${steps}`);
  }
  const f = rs.find((x) => x.t === 'filters');
  assert.ok(f?.t === 'filters');
  assert.deepEqual([f.count, f.c, f.h, f.w, f.shape.join('×')], [4, 1, 3, 3, '4×1×3×3']);
  assert.equal(decodeBase64(f.data).length, 4 * 9);
  // the mistakes shown are the most recent finds, newest first, each test image once
  const wrong = rs.filter((x) => x.t === 'misclassified').pop();
  assert.ok(wrong?.t === 'misclassified' && wrong.found);
  assert.ok(wrong.count <= 16 && wrong.ids.length === wrong.count && new Set(wrong.ids).size === wrong.count);
  assert.deepEqual(wrong.found, [...wrong.found].sort((a, b) => b - a));
  assert.equal(decodeBase64(wrong.data).length, wrong.count * 64);
  wrong.ids.forEach((id, k) => assert.equal(wrong.labels[k], testSet.labels[id]));
  const end = rs[rs.length - 1];
  assert.ok(end.t === 'end' && end.complete && end.step === 18);
  assert.ok(end.writerSeconds >= 0 && end.writerSeconds <= end.seconds);

  // the page's reader folds it all into the same numbers
  const d = emptyRunData();
  for (const x of rs) applyLiveRecord(d, x);
  for (const m of readMetrics(dir)) applyEpochLine(d, m);
  assert.equal(d.loss.length, 18);
  assert.equal(d.evals.length, 3);
  assert.equal(d.filters?.bytes.length, 36);
});

test('writing the live log changes nothing in the training: same parameters and metrics, bit for bit', async () => {
  const on = await trainLoop(options(tmp(), { live: true }));
  const offDir = tmp();
  const off = await trainLoop(options(offDir, { live: false }));
  assert.deepEqual(Array.from(on.net.params), Array.from(off.net.params));
  assert.deepEqual(Array.from(on.net.state), Array.from(off.net.state), 'batch-norm running statistics');
  const strip = (h: typeof on.history) => h.map(({ seconds: _s, samplesPerSec: _p, ...m }) => m);
  assert.deepEqual(strip(on.history), strip(off.history));
  assert.throws(() => readFileSync(join(offDir, 'live.jsonl')), /ENOENT/, 'live: false writes no log');
});

test('a resumed run continues its live log: every step once, a second header at the checkpoint step', async () => {
  const dir = tmp();
  await trainLoop(options(dir, { epochs: 2 }));
  // a crash could leave half a line after the last record; the resume drops it
  writeFileSync(join(dir, 'live.jsonl'), readFileSync(join(dir, 'live.jsonl'), 'utf8') + '{"t":"steps","from":13,"lo');
  await trainLoop(options(dir, { epochs: 3, resume: true }));
  const rs = records(dir);
  assert.deepEqual(rs.filter((r) => r.t === 'header').map((r) => (r.t === 'header' ? r.startStep : -1)), [0, 12]);
  assert.equal(stepLosses(rs).length, 18);
  assert.deepEqual(rs.filter((r) => r.t === 'end').map((r) => r.step), [18], 'the first session’s end record is dropped');
});

test('keptLines cuts a log back to a step: later records go, a steps record across it is trimmed, half lines go', () => {
  const steps = (from: number, n: number): StepsRecord => ({ t: 'steps', from, loss: Array.from({ length: n }, (_, i) => from + i), acc: Array(n).fill(0), lr: Array(n).fill(0.1) });
  const probe = (step: number): ProbeRecord => ({ t: 'probe', step, samples: 1, median: 0, layers: [] });
  const text = [steps(1, 4), probe(4), steps(5, 4), probe(8), { t: 'end', step: 8, time: '', complete: true, writerSeconds: 0, seconds: 1 }]
    .map((r) => JSON.stringify(r) + '\n')
    .join('') + '{"t":"probe","st';
  const kept = keptLines(text, 6).trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(kept.map((r) => r.t), ['steps', 'probe', 'steps']);
  assert.deepEqual(kept[2].loss, [5, 6]);
});

test('LineSplitter returns only complete lines, however the bytes are cut (UTF-8 included)', () => {
  fc.assert(
    fc.property(
      fc.array(fc.string({ unit: 'grapheme', maxLength: 12 }).map((s) => s.replace(/\n/g, ' ')), { minLength: 1, maxLength: 8 }),
      fc.array(fc.nat(), { maxLength: 10 }),
      (lines, cuts) => {
        const bytes = new TextEncoder().encode(lines.map((l) => JSON.stringify({ l }) + '\n').join('') + '{"half":');
        const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        const sp = new LineSplitter();
        const got: string[] = [];
        let prev = 0;
        for (const c of [...at, bytes.length]) {
          got.push(...sp.push(bytes.subarray(prev, c)));
          prev = c;
        }
        assert.deepEqual(got.map((g) => JSON.parse(g).l), lines);
        assert.equal(sp.pending, '{"half":');
      },
    ),
  );
});

test('base64: the page’s decoder and encoder agree with Node’s Buffer', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 40 }), (b) => {
      const s = Buffer.from(b).toString('base64');
      assert.equal(encodeBase64(b), s);
      assert.deepEqual(Array.from(decodeBase64(s)), Array.from(b));
    }),
  );
});

test("the probe's median and layer means are metrics.jsonl's definitions (UnitActivationStats), its histogram counts every value", () => {
  const net = new Network(spec, { maxBatch: 7 });
  net.initParams(3);
  const ids = Int32Array.from({ length: 30 }, (_, i) => (i * 7) % train.n);
  const x = new Float32Array(7 * 64);
  // maxValues above the value count: the histogram is of every value, not a subsample
  const p = probeActivations(net, train, ids, x, { bins: 10, maxValues: 1e6 });

  const stats = new UnitActivationStats();
  const all: number[][] = [[], []];
  for (let o = 0; o < ids.length; o += 7) {
    const n = Math.min(7, ids.length - o);
    for (let k = 0; k < n; k++) x.set(train.images.subarray(ids[o + k] * 64, ids[o + k] * 64 + 64), k * 64);
    net.forward(x, n, 'eval');
    const hidden = net.hiddenActivations();
    stats.add(hidden, n);
    hidden.forEach((l, li) => all[li].push(...l.data.subarray(0, n * l.units * l.spatial)));
  }
  const ref = stats.result();
  // the same float64 sums in the same order: equal to the last bit
  assert.equal(p.median, ref.medianUnitActivation);
  assert.deepEqual(p.layers.map((l) => l.mean), ref.layerMeanActivation.map((l) => l.mean));
  p.layers.forEach((l, li) => {
    const h = histogram(Float32Array.from(all[li]), 10);
    assert.deepEqual(l.counts, h.counts);
    assert.equal(l.counts.reduce((a, b) => a + b, 0), all[li].length);
  });

  // a subsample: every s-th value, at most maxValues of them
  const sub = probeActivations(net, train, ids, x, { bins: 10, maxValues: 100 });
  sub.layers.forEach((l, li) => {
    const s = Math.ceil(all[li].length / 100);
    assert.equal(l.counts.reduce((a, b) => a + b, 0), Math.ceil(all[li].length / s));
    assert.deepEqual(l.counts, histogram(Float32Array.from(all[li].filter((_, i) => i % s === 0)), 10).counts);
  });
});

test("the writer's time budget: with no training time between them, only the first and last epoch ends do their work", () => {
  const dir = tmp();
  const net = new Network(spec, { maxBatch: 10 });
  net.initParams(1);
  const log = new LiveLog({ runDir: dir, net, train, test: testSet, probeIds: Int32Array.from({ length: 40 }, (_, i) => i), testIds: Int32Array.from({ length: 60 }, (_, i) => i), batch: 20, stepsPerEpoch: 1, totalSteps: 20, startStep: 0 });
  for (let s = 1; s <= 20; s++) {
    log.step(s, 1, 0.5, 0.1);
    log.epoch(s);
  }
  log.close();
  const rs = records(dir);
  // 1 % of almost no training time leaves no room for the 18 epoch ends in between
  assert.deepEqual(rs.filter((r) => r.t === 'probe').map((r) => (r.t === 'probe' ? r.step : 0)), [1, 20]);
  assert.equal(stepLosses(rs).length, 20, 'the steps are all written whatever the budget');
});

test('a live log that cannot be written warns once and lets the training go on', () => {
  // the run folder lies below a plain file, so no folder can be made there (the atomic writer makes missing
  // folders, so a merely absent folder would not fail)
  const blocker = join(tmp(), 'gone');
  writeFileSync(blocker, 'not a folder');
  const dir = join(blocker, 'run');
  const warnings: string[] = [];
  const net = new Network(spec, { maxBatch: 10 });
  const log = new LiveLog({ runDir: dir, net, train, test: testSet, probeIds: [0, 1], testIds: [0], batch: 20, stepsPerEpoch: 6, totalSteps: 6, startStep: 0, log: (l) => warnings.push(l) });
  log.step(1, 1, 0.5, 0.1);
  log.epoch(1);
  log.close();
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /could not write .*gone.*live\.jsonl.*training continues/);
  rmSync(blocker, { force: true });
});

test("the page's activation colours are the PNG charts' colours", () => {
  for (const [name, rgb] of Object.entries(ACTIVATION_COLORS)) {
    const hex = ACTIVATION_HEX[name];
    assert.ok(hex, `${name} has a page colour`);
    const n = parseInt(hex.slice(1), 16);
    assert.deepEqual([(n >> 16) & 255, (n >> 8) & 255, n & 255], [...rgb], name);
  }
});
