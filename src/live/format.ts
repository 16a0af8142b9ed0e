/**
 * The live log of a training run: `live.jsonl` in the run folder, written by src/live/writer.ts while the run
 * trains and read by the page of `elunet serve` (and, record for record, produced by the playground's Web
 * Worker). docs/serve.md documents the format for readers outside elunet.
 *
 * One JSON object per line, each with a type tag `t`. Version 1 has these records:
 *
 *   header         format, version, model, activation, shapes, batch, steps per epoch, …; first line, and again
 *                  after a resume (then `startStep` > 0: records of later steps were cut off before it)
 *   steps          loss, batch accuracy and learning rate of consecutive steps `from`, `from`+1, …
 *   probe          per-layer mean activation, median unit activation and per-layer histograms on a fixed
 *                  probe set of training samples, after step `step` (at epoch ends and within epochs, as
 *                  the writer's time budget allows)
 *   filters        the first layer's weights as 8-bit images (base64), at epoch ends with the probe
 *   misclassified  the misclassified test images found most recently (base64), with true and predicted
 *                  classes and when each was found, at epoch ends with the probe
 *   end            the run stopped: `complete` says whether it reached its last step
 *
 * Steps are counted from 1: step k is the k-th optimizer update, and `epoch = step / stepsPerEpoch` is the
 * (fractional) epoch reached after it, the x-axis of every chart. A reader ignores record types and fields it
 * does not know, so later versions may add either; a change that breaks readers raises `version`.
 *
 * Readers take only complete lines: the writer appends each record with one write of the whole line and its
 * newline, so a line without its newline is one still being written (or cut by a crash) and is left for the
 * next read. LineSplitter does exactly that.
 *
 * This module is plain data and plain functions (no Node, no DOM): the page bundles it with esbuild.
 */

export const LIVE_FORMAT = 'elunet-live';
export const LIVE_VERSION = 1;
export const LIVE_FILE = 'live.jsonl';
export const METRICS_FILE = 'metrics.jsonl';

export interface LiveHeader {
  t: 'header';
  format: typeof LIVE_FORMAT;
  version: number;
  /** ISO time the (re)started process wrote the header */
  time: string;
  model: string;
  activation: string;
  /** ELU α or leaky-ReLU slope where the activation has one */
  alpha?: number;
  batchNorm: boolean;
  /** one sample: [C, H, W] */
  input: [number, number, number];
  classes: number;
  classNames?: string[];
  /** names of the hidden layers, in order: the layers of every probe record */
  layers: string[];
  batch: number;
  stepsPerEpoch: number;
  totalSteps: number;
  /** 0 for a fresh run; the checkpoint's step for a resumed one */
  startStep: number;
  /** training samples in the probe set */
  probeSamples: number;
}

export interface StepsRecord {
  t: 'steps';
  /** step of the first entry; entry i is step from + i */
  from: number;
  /** mean training loss over the step's batch (train mode: dropout on) */
  loss: number[];
  /** fraction of the step's batch classified correctly (0 for reconstruction models) */
  acc: number[];
  lr: number[];
}

export interface LayerProbe {
  name: string;
  /** mean over the layer's units of each unit's mean activation (as metrics.jsonl's layerMeanActivation) */
  mean: number;
  /** histogram of the layer's activation values: `counts.length` equal bins over [lo, hi] */
  lo: number;
  hi: number;
  counts: number[];
}

export interface ProbeRecord {
  t: 'probe';
  step: number;
  /** probe samples the statistics are over */
  samples: number;
  /** median over all hidden units of each unit's mean activation (the paper's Fig. 2 quantity) */
  median: number;
  layers: LayerProbe[];
}

/** `count` images of c×h×w bytes each, one after the other, in base64 ('bytes' once decoded by a reader). */
export interface ImageBlock {
  count: number;
  c: number;
  h: number;
  w: number;
  data: string;
}

export interface FiltersRecord extends ImageBlock {
  t: 'filters';
  step: number;
  /** parameter tensor shown, e.g. 'conv1.weight' */
  layer: string;
  /** its full shape: (OC, C, KH, KW) for a convolution, (OUT, IN) for a dense layer */
  shape: number[];
  /** how bytes map to weights: byte 128 is 0, byte 128 ± 127 is ± `scale` (each filter has its own scale) */
  scales: number[];
}

export interface MisclassifiedRecord extends ImageBlock {
  t: 'misclassified';
  step: number;
  /** test-set indices of the images, their true and predicted classes */
  ids: number[];
  labels: number[];
  preds: number[];
  /** test samples looked at this time (the images may include earlier finds, see `found`) */
  checked: number;
  /** the step at which each image was found misclassified (absent: all at `step`) */
  found?: number[];
}

export interface EndRecord {
  t: 'end';
  step: number;
  time: string;
  /** true when the run reached its last step */
  complete: boolean;
  /** seconds the writer itself spent (formatting, writing, probing) since the header */
  writerSeconds: number;
  /** seconds of training since the header, writer included */
  seconds: number;
}

export type LiveRecord = LiveHeader | StepsRecord | ProbeRecord | FiltersRecord | MisclassifiedRecord | EndRecord;

/** One epoch line of metrics.jsonl: the fields the page reads (src/train/loop.ts's EpochMetrics has more). */
export interface EpochLine {
  epoch: number;
  step: number;
  trainLoss: number;
  trainAcc: number;
  testLoss: number;
  testAcc: number;
  medianUnitActivation: number;
  layerMeanActivation: { name: string; mean: number }[];
  samplesPerSec?: number;
  seconds?: number;
}

/**
 * Splits a byte stream that arrives in pieces into complete lines. Bytes after the last newline are kept
 * until their newline arrives, so a line being written while it is read is never seen half.
 */
export class LineSplitter {
  private rest = '';
  private readonly decoder = new TextDecoder();

  /** The complete lines in `chunk` (and in what was kept from earlier chunks), without their newlines. */
  push(chunk: Uint8Array | string): string[] {
    const text = this.rest + (typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true }));
    const end = text.lastIndexOf('\n');
    if (end < 0) {
      this.rest = text;
      return [];
    }
    this.rest = text.slice(end + 1);
    return text.slice(0, end).split('\n').filter((l) => l.trim() !== '');
  }

  /** Bytes (as text) still waiting for their newline. */
  get pending(): string {
    return this.rest;
  }
}

/** Parses one line of live.jsonl; null for a line that is not a JSON object with a known type tag. */
export function parseLiveLine(line: string): LiveRecord | null {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const t = (v as { t?: unknown }).t;
  switch (t) {
    case 'header':
    case 'steps':
    case 'probe':
    case 'filters':
    case 'misclassified':
    case 'end':
      return v as LiveRecord;
    default:
      return null;
  }
}

/** The last step a record speaks about (0 for a header), used to cut a log back to a checkpoint on resume. */
export function recordStep(r: LiveRecord): number {
  switch (r.t) {
    case 'header':
      return r.startStep;
    case 'steps':
      return r.from + r.loss.length - 1;
    case 'probe':
    case 'filters':
    case 'misclassified':
    case 'end':
      return r.step;
  }
}

// ------------------------------------------------------------------------------------------------ run data

/** Images decoded from an ImageBlock, with what to write under each. */
export interface ImageSet {
  step: number;
  count: number;
  c: number;
  h: number;
  w: number;
  bytes: Uint8Array;
  /** a caption per image (e.g. '7→1'), or none */
  captions?: string[];
  title: string;
}

/** An evaluation point: an epoch of metrics.jsonl, or an evaluation of the playground. */
export interface EvalPoint {
  epoch: number;
  step: number;
  trainLoss: number;
  trainAcc: number;
  testLoss: number;
  testAcc: number;
  medianUnitActivation?: number;
  layerMeanActivation?: { name: string; mean: number }[];
  samplesPerSec?: number;
}

/** Everything the page shows of one run, built up record by record. */
export interface RunData {
  header: LiveHeader | null;
  /** per-step series, step k at index k − 1 (NaN where a step was not logged) */
  loss: number[];
  acc: number[];
  lr: number[];
  probes: ProbeRecord[];
  evals: EvalPoint[];
  filters: ImageSet | null;
  misclassified: ImageSet | null;
  end: EndRecord | null;
}

export function emptyRunData(): RunData {
  return { header: null, loss: [], acc: [], lr: [], probes: [], evals: [], filters: null, misclassified: null, end: null };
}

/** Folds one live record into `d`. A resume header cuts everything after its start step. */
export function applyLiveRecord(d: RunData, r: LiveRecord): void {
  switch (r.t) {
    case 'header':
      d.header = r;
      d.end = null;
      if (r.startStep < d.loss.length) {
        d.loss.length = d.acc.length = d.lr.length = r.startStep;
      }
      d.probes = d.probes.filter((p) => p.step <= r.startStep);
      return;
    case 'steps':
      for (let i = 0; i < r.loss.length; i++) {
        const k = r.from - 1 + i;
        while (d.loss.length < k) {
          d.loss.push(NaN);
          d.acc.push(NaN);
          d.lr.push(NaN);
        }
        d.loss[k] = r.loss[i];
        d.acc[k] = r.acc[i];
        d.lr[k] = r.lr[i];
      }
      return;
    case 'probe':
      d.probes.push(r);
      return;
    case 'filters':
      d.filters = {
        step: r.step,
        count: r.count,
        c: r.c,
        h: r.h,
        w: r.w,
        bytes: decodeBase64(r.data),
        title:
          r.shape.length === 2
            ? `${r.layer.replace(/\.weight$/, '')}: incoming weights of ${r.count} of its ${r.shape[0]} units, step ${r.step}`
            : `${r.layer.replace(/\.weight$/, '')}: ${r.count} of ${r.shape[0]} filters (${r.shape.slice(1).join('×')}), step ${r.step}`,
      };
      return;
    case 'misclassified': {
      const names = d.header?.classNames;
      const name = (k: number) => names?.[k] ?? String(k);
      d.misclassified = {
        step: r.step,
        count: r.count,
        c: r.c,
        h: r.h,
        w: r.w,
        bytes: decodeBase64(r.data),
        captions: r.labels.map((l, i) => `${name(l)}→${name(r.preds[i])}`),
        title: `the ${r.count} latest mistakes on test images (true→predicted), found ${foundAt(r.found ?? [r.step])}`,
      };
      return;
    }
    case 'end':
      d.end = r;
      return;
  }
}

function foundAt(steps: number[]): string {
  const lo = Math.min(...steps);
  const hi = Math.max(...steps);
  return lo === hi ? `at step ${lo}` : `between steps ${lo} and ${hi}`;
}

/** Folds one parsed metrics.jsonl line into `d` (a rewritten file is re-read from its start by the caller). */
export function applyEpochLine(d: RunData, m: EpochLine): void {
  if (typeof m?.epoch !== 'number') return;
  d.evals = d.evals.filter((e) => e.epoch < m.epoch);
  d.evals.push({
    epoch: m.epoch,
    step: m.step,
    trainLoss: m.trainLoss,
    trainAcc: m.trainAcc,
    testLoss: m.testLoss,
    testAcc: m.testAcc,
    medianUnitActivation: m.medianUnitActivation,
    layerMeanActivation: m.layerMeanActivation,
    samplesPerSec: m.samplesPerSec,
  });
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = (() => {
  const t = new Int16Array(128).fill(-1);
  for (let i = 0; i < 64; i++) t[B64.charCodeAt(i)] = i;
  return t;
})();

/** Standard base64 (RFC 4648, with padding) to bytes; throws on a character outside the alphabet. */
export function decodeBase64(s: string): Uint8Array {
  const clean = s.replace(/=+$/, '');
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < clean.length; i++) {
    const code = clean.charCodeAt(i);
    const v = code < 128 ? B64_INDEX[code] : -1;
    if (v < 0) throw new Error(`base64: unexpected character '${clean[i]}' at ${i}`);
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out.subarray(0, o);
}

/** Bytes to standard base64 with padding (the writer uses Node's Buffer; this is for the playground and tests). */
export function encodeBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    s += B64[(n >> 18) & 63] + B64[(n >> 12) & 63];
    s += i + 1 < bytes.length ? B64[(n >> 6) & 63] : '=';
    s += i + 2 < bytes.length ? B64[n & 63] : '=';
  }
  return s;
}
