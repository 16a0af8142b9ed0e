/**
 * LiveLog: writes `live.jsonl` (src/live/format.ts, docs/serve.md) into a run folder while the run trains, so
 * that `elunet serve` can draw it live. The training loop calls it in three places: after every step, after
 * every epoch, and when it stops.
 *
 * What it costs, and how it stays cheap. The writer times itself and keeps its time under 1 % of the
 * training time so far (SHARE), beyond which it only writes the step arrays:
 *   - a step copies three numbers into arrays; the arrays are written as one `steps` record at most once a
 *     second (and at epoch ends), so there is one small write per second, not one per step;
 *   - a probe (an eval-mode forward of `probeSamples` fixed training samples, default 64, src/live/probe.ts)
 *     runs inside an epoch at most every `probeInterval` ms (default 2 s), when the budget has room for one
 *     as long as the last and, after it, for the epoch end's work;
 *   - at an epoch end: a probe, the first layer's filters and the 16 misclassified test images found most
 *     recently, as bytes in base64 — at the first and the last epoch always, at the others when the budget
 *     has room for them (as long as they took last time). Each epoch end looks for more mistakes from where
 *     the last search stopped: 32 test images at least, then more while the budget lasts (a network that
 *     gets 98 % right needs some 800 looks for 16 mistakes, so they accumulate over epochs).
 * The first and last epoch ends may go beyond the budget, by their work: a 64-sample forward (about what 21
 * samples of training cost, a forward being about a third of forward + backward), 32 test samples, and some
 * 20–60 KB to write. The `end` record says how many seconds the writer took in all (`writerSeconds`);
 * bench/live-log-cost.ts measures the training with and without it.
 *
 * Atomicity: every record is one write() of the whole line with its newline on a file opened for appending,
 * and readers take only complete lines, so a reader never sees half a record. A fresh run replaces the file
 * atomically (header written to a temporary file, then renamed); a resumed run rewrites it, atomically, with
 * the records up to the checkpoint's step, so the log continues exactly where the training continues.
 *
 * Observing must not change what is observed: probes are eval-mode forwards (no dropout masks drawn, no
 * batch-norm statistics updated) on the main network between steps, and the step after a probe starts with
 * its own forward; test/live-log.test.ts checks that a run with the log ends with the same bits as one
 * without. A failure to write (disk full, folder removed) prints one warning and turns the log off; the
 * training goes on.
 */
import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Network } from '../model/network.js';
import { blockName } from '../model/spec.js';
import { writeFileAtomic } from '../io/atomic.js';
import {
  LIVE_FILE,
  LIVE_FORMAT,
  LIVE_VERSION,
  parseLiveLine,
  recordStep,
  type LiveHeader,
  type LiveRecord,
  type StepsRecord,
} from './format.js';
import { DEFAULT_PROBE, findMisclassified, firstLayerFilters, probeActivations, type ProbeSource } from './probe.js';

export interface LiveLogOptions {
  runDir: string;
  /** the network being trained (its parameters are read, never written) */
  net: Network;
  train: ProbeSource & { classes: number; classNames?: string[] };
  test: ProbeSource;
  /** training samples of the probe (the first `probeSamples` are used) */
  probeIds: ArrayLike<number>;
  /** test samples the misclassified images are looked for in */
  testIds: ArrayLike<number>;
  batch: number;
  stepsPerEpoch: number;
  totalSteps: number;
  /** steps already done: 0 for a fresh run, the checkpoint's step for a resumed one */
  startStep: number;
  log?: (line: string) => void;
  /** training samples per probe (default 64) */
  probeSamples?: number;
  /** minimum ms between probes inside an epoch (default 2000) */
  probeInterval?: number;
  /** ms between writes of the step arrays (default 1000) */
  flushInterval?: number;
}

/** Misclassified test images shown: the most recently found. */
const KEEP_WRONG = 16;
/** The writer's share of the training time, beyond which it only writes the step arrays. */
const SHARE = 0.01;

/** Significant digits kept for losses, accuracies and activations: float32 noise is below the 7th. */
const DIGITS = 6;
const round = (v: number): number => (Number.isFinite(v) ? Number(v.toPrecision(DIGITS)) : v);

export class LiveLog {
  readonly path: string;
  private fd = -1;
  private readonly o: Required<Omit<LiveLogOptions, 'log'>> & Pick<LiveLogOptions, 'log'>;
  private readonly probeIds: Int32Array;
  private readonly x: Float32Array;
  private readonly loss: Float64Array;
  private readonly acc: Float64Array;
  private readonly lr: Float64Array;
  /** step of the first buffered entry, and how many are buffered */
  private from = 0;
  private buffered = 0;
  private lastFlush = 0;
  private lastProbeEnd = 0;
  private lastProbeMs = 0;
  private lastStep = 0;
  private searchFrom = 0;
  /** what the last epoch end's probe, filters and search took, ms (−1: none yet) */
  private epochWorkMs = -1;
  private wrong: { id: number; label: number; pred: number; step: number; bytes: Uint8Array }[] = [];
  private selfMs = 0;
  /** start of the timed block in progress (0: none), so that spare() counts it */
  private blockStart = 0;
  private readonly t0 = performance.now();

  constructor(opts: LiveLogOptions) {
    this.o = { probeSamples: 64, probeInterval: 2000, flushInterval: 1000, ...opts };
    this.path = join(opts.runDir, LIVE_FILE);
    const n = Math.min(this.o.probeSamples, opts.probeIds.length);
    this.probeIds = Int32Array.from({ length: n }, (_, i) => opts.probeIds[i]);
    const size = opts.train.c * opts.train.h * opts.train.w;
    this.x = new Float32Array(opts.net.maxBatch * size);
    // one epoch of steps is the most that is ever buffered (the arrays are written at every epoch end)
    const cap = Math.max(1, opts.stepsPerEpoch);
    this.loss = new Float64Array(cap);
    this.acc = new Float64Array(cap);
    this.lr = new Float64Array(cap);
    this.lastStep = opts.startStep;
    this.from = opts.startStep + 1;
    this.timed(() => this.open());
    this.lastFlush = this.lastProbeEnd = performance.now();
  }

  /** After step `step` (counted from 1): its mean batch loss, batch accuracy and learning rate. */
  step(step: number, loss: number, acc: number, lr: number): void {
    if (this.fd < 0) return;
    const t = performance.now();
    if (this.buffered === this.loss.length) this.flush();
    if (this.buffered === 0) this.from = step;
    this.loss[this.buffered] = loss;
    this.acc[this.buffered] = acc;
    this.lr[this.buffered] = lr;
    this.buffered++;
    this.lastStep = step;
    if (t - this.lastFlush >= this.o.flushInterval) this.flush();
    // a probe inside an epoch leaves the budget for the epoch end's work
    if (t - this.lastProbeEnd >= this.o.probeInterval && this.spare(t) > this.lastProbeMs + Math.max(0, this.epochWorkMs)) this.probe(step);
    this.selfMs += performance.now() - t;
  }

  /** After the epoch that ended with step `step`: a probe, the first layer's filters, misclassified images. */
  epoch(step: number): void {
    if (this.fd < 0) return;
    this.timed(() => this.flush());
    const must = this.epochWorkMs < 0 || step >= this.o.totalSteps;
    if (!must && this.spare(performance.now()) < this.epochWorkMs) return;
    const t = performance.now();
    this.timed(() => {
      this.probe(step);
      const f = firstLayerFilters(this.o.net);
      if (f) {
        const { bytes, ...rest } = f;
        this.write({ t: 'filters', step, ...rest, scales: f.scales.map(round), data: Buffer.from(bytes).toString('base64') });
      }
      if (this.o.net.spec.loss === 'softmax-ce' && this.o.testIds.length > 0) {
        const m = findMisclassified(this.o.net, this.o.test, this.o.testIds, this.searchFrom, this.o.testIds.length, KEEP_WRONG, this.x, () => this.spare(performance.now()) > 0, 32);
        this.searchFrom = (this.searchFrom + m.checked) % this.o.testIds.length;
        this.keepWrong(m, step);
        const w = this.wrong;
        this.write({
          t: 'misclassified',
          step,
          count: w.length,
          c: m.c,
          h: m.h,
          w: m.w,
          ids: w.map((x) => x.id),
          labels: w.map((x) => x.label),
          preds: w.map((x) => x.pred),
          found: w.map((x) => x.step),
          checked: m.checked,
          data: Buffer.concat(w.map((x) => x.bytes)).toString('base64'),
        });
      }
    });
    this.epochWorkMs = performance.now() - t;
  }

  /** The newest mistakes first: this epoch's finds, then the earlier ones not found again, KEEP_WRONG in all. */
  private keepWrong(m: ReturnType<typeof findMisclassified>, step: number): void {
    const size = m.c * m.h * m.w;
    const fresh = m.ids.map((id, k) => ({ id, label: m.labels[k], pred: m.preds[k], step, bytes: m.bytes.slice(k * size, (k + 1) * size) }));
    const again = new Set(m.ids);
    this.wrong = [...fresh, ...this.wrong.filter((x) => !again.has(x.id))].slice(0, KEEP_WRONG);
  }

  /** When the run stops (finished, diverged or interrupted): the buffered steps and an `end` record. */
  close(): void {
    if (this.fd < 0) return;
    this.timed(() => this.flush());
    const seconds = (performance.now() - this.t0) / 1000;
    this.write({
      t: 'end',
      step: this.lastStep,
      time: new Date().toISOString(),
      complete: this.lastStep >= this.o.totalSteps,
      writerSeconds: Number((this.selfMs / 1000).toFixed(4)),
      seconds: Number(seconds.toFixed(3)),
    });
    try {
      closeSync(this.fd);
    } catch {
      // already gone: nothing more will be written either way
    }
    this.fd = -1;
  }

  /** ms of the budget left at time `now`: SHARE of the time since the writer started, less what it has spent. */
  private spare(now: number): number {
    return SHARE * (now - this.t0) - this.selfMs - (this.blockStart > 0 ? now - this.blockStart : 0);
  }

  /** Seconds spent inside the writer so far. */
  get writerSeconds(): number {
    return this.selfMs / 1000;
  }

  private open(): void {
    const o = this.o;
    const spec = o.net.spec;
    const header: LiveHeader = {
      t: 'header',
      format: LIVE_FORMAT,
      version: LIVE_VERSION,
      time: new Date().toISOString(),
      model: spec.name,
      activation: spec.activation.name,
      ...(spec.activation.alpha !== undefined ? { alpha: spec.activation.alpha } : {}),
      ...(spec.activation.slope !== undefined ? { alpha: spec.activation.slope } : {}),
      batchNorm: spec.layers.some((l) => 'batchNorm' in l && l.batchNorm === true),
      input: [...spec.input],
      classes: o.train.classes,
      ...(o.train.classNames ? { classNames: o.train.classNames } : {}),
      layers: this.hiddenNames(),
      batch: o.batch,
      stepsPerEpoch: o.stepsPerEpoch,
      totalSteps: o.totalSteps,
      startStep: o.startStep,
      probeSamples: this.probeIds.length,
    };
    // A resumed run keeps the records up to its checkpoint (a crash may have left later ones, or half a line).
    const kept = o.startStep > 0 && existsSync(this.path) ? keptLines(readFileSync(this.path, 'utf8'), o.startStep) : '';
    try {
      writeFileAtomic(this.path, kept + JSON.stringify(header) + '\n');
      this.fd = openSync(this.path, 'a');
    } catch (e) {
      this.fail(e);
    }
  }

  private hiddenNames(): string[] {
    return this.o.net.model.hidden.map((i) => blockName(this.o.net.model.layers[i].name));
  }

  private flush(): void {
    if (this.buffered === 0) return;
    const n = this.buffered;
    const r: StepsRecord = {
      t: 'steps',
      from: this.from,
      loss: Array.from(this.loss.subarray(0, n), round),
      acc: Array.from(this.acc.subarray(0, n), round),
      lr: Array.from(this.lr.subarray(0, n), round),
    };
    this.buffered = 0;
    this.from = this.lastStep + 1;
    this.lastFlush = performance.now();
    this.write(r);
  }

  private probe(step: number): void {
    if (this.probeIds.length === 0) return;
    const t = performance.now();
    const p = probeActivations(this.o.net, this.o.train, this.probeIds, this.x, DEFAULT_PROBE);
    this.write({
      t: 'probe',
      step,
      samples: p.samples,
      median: round(p.median),
      layers: p.layers.map((l) => ({ name: l.name, mean: round(l.mean), lo: round(l.lo), hi: round(l.hi), counts: l.counts })),
    });
    this.lastProbeEnd = performance.now();
    this.lastProbeMs = this.lastProbeEnd - t;
  }

  private write(r: LiveRecord): void {
    if (this.fd < 0) return;
    const line = Buffer.from(JSON.stringify(r) + '\n', 'utf8');
    try {
      // one write of the whole line (looping only if the OS takes less, which it does not for regular files)
      let off = 0;
      while (off < line.length) off += writeSync(this.fd, line, off, line.length - off);
    } catch (e) {
      this.fail(e);
    }
  }

  private timed(f: () => void): void {
    this.blockStart = performance.now();
    f();
    this.selfMs += performance.now() - this.blockStart;
    this.blockStart = 0;
  }

  private fail(e: unknown): void {
    if (this.fd >= 0) {
      try {
        closeSync(this.fd);
      } catch {
        // the descriptor is unusable anyway
      }
    }
    this.fd = -1;
    (this.o.log ?? console.warn)(`warning: could not write ${this.path} (${(e as Error).message}); live view turned off, training continues`);
  }
}

/** The complete, valid lines of a live log whose records end at or before `step`; steps records are cut there. */
export function keptLines(text: string, step: number): string {
  const out: string[] = [];
  const lines = text.split('\n');
  lines.pop(); // the part after the last newline: empty, or a line cut by a crash
  for (const line of lines) {
    const r = parseLiveLine(line);
    if (!r) continue;
    if (r.t === 'end') continue;
    if (r.t === 'steps' && r.from <= step && recordStep(r) > step) {
      const n = step - r.from + 1;
      out.push(JSON.stringify({ ...r, loss: r.loss.slice(0, n), acc: r.acc.slice(0, n), lr: r.lr.slice(0, n) }));
      continue;
    }
    if (recordStep(r) <= step) out.push(line);
  }
  return out.map((l) => l + '\n').join('');
}
