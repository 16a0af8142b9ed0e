/**
 * The dashboard of one or more runs side by side, the same for runs served from disk and for the
 * playground's runs in the browser: a card per run (status, epoch, last numbers), then
 *
 *   learning curves   loss and test accuracy per epoch; training loss and batch accuracy per logged step
 *   activations       the median unit activation over training (the paper's Fig. 2 quantity), the mean
 *                     activation of every layer over training (one chart per run), and per-layer histograms
 *                     of the activation values at a chosen point of training
 *   pictures          the first layer's filters and the latest misclassified test images, per run
 *
 * Every chart's x-axis is the epoch (fractional between epoch ends: step / steps per epoch), so curves logged
 * at different granularities line up.
 */
import type { EvalPoint, ImageSet, RunData } from '../src/live/format.js';
import { Chart, alpha, depthColor, el, fmt, type SeriesSpec, type Table } from './charts.js';
import { drawGrid } from './images.js';

export interface RunView {
  /** stable identity (for the DOM and the tests) */
  key: string;
  title: string;
  label: string;
  color: string;
  data: RunData;
  /** steps per epoch when the run has no live log header (old runs): from metrics.jsonl */
  stepsPerEpoch?: number;
}

/** Steps averaged in the per-step curves. */
const SMOOTH = 25;
/** Most points drawn per per-step curve. */
const MAX_POINTS = 600;

export class Dashboard {
  private readonly cards: HTMLElement;
  private readonly loss: Chart;
  private readonly acc: Chart;
  private readonly stepLoss: Chart;
  private readonly stepAcc: Chart;
  private readonly median: Chart;
  private readonly depth: Chart;
  private readonly layerRow: HTMLElement;
  private layerCharts = new Map<string, Chart>();
  private readonly histRow: HTMLElement;
  private histCharts = new Map<string, Chart>();
  private readonly histSlider: HTMLInputElement;
  private readonly histLabel: HTMLElement;
  private readonly pictures: HTMLElement;
  private runs: RunView[] = [];
  private layerRange: [number, number] | null = null;
  private histRanges = new Map<string, { x: [number, number]; y: [number, number] }>();

  private readonly root: HTMLElement;

  constructor(parent: HTMLElement, private readonly opts: { evalWord: string }) {
    const root = el('div', 'dashboard');
    root.hidden = true;
    parent.append(root);
    this.root = root;
    this.cards = el('div', 'run-cards');
    root.append(this.cards);

    const curves = section(root, 'Learning curves');
    const grid1 = el('div', 'grid two');
    curves.append(grid1);
    this.loss = new Chart(grid1, { title: `Loss per ${opts.evalWord}`, xLabel: 'epoch', yLabel: 'loss', note: 'solid: training, dashed: test' });
    this.acc = new Chart(grid1, { title: 'Test accuracy', xLabel: 'epoch', yLabel: 'accuracy', yFormat: pct });
    this.stepLoss = new Chart(grid1, { title: 'Training loss per step', xLabel: 'epoch', yLabel: 'loss', note: `mean of the last ${SMOOTH} steps` });
    this.stepAcc = new Chart(grid1, { title: 'Batch accuracy per step', xLabel: 'epoch', yLabel: 'accuracy', yFormat: pct, note: `mean of the last ${SMOOTH} steps` });

    const acts = section(root, 'Activations');
    const grid2 = el('div', 'grid two');
    acts.append(grid2);
    this.median = new Chart(grid2, {
      title: 'Median unit activation',
      xLabel: 'epoch',
      yLabel: 'median of unit means',
      note: "each hidden unit's mean activation on fixed training samples; the median over all units. ELU keeps it near 0",
    });
    this.depth = new Chart(grid2, {
      title: 'Mean activation by layer',
      xLabel: 'hidden layer',
      yLabel: 'mean activation',
      note: 'at the latest probe, from the first hidden layer to the last',
      points: true,
      xIntegers: true,
    });
    this.layerRow = el('div', 'grid two');
    acts.append(el('h3', 'sub', 'Mean activation per layer over training'), this.layerRow);

    const hhead = el('div', 'hist-head');
    hhead.append(el('h3', 'sub', 'Activation histograms per layer'));
    this.histSlider = el('input', 'hist-slider');
    this.histSlider.type = 'range';
    this.histSlider.min = '0';
    this.histSlider.max = '1000';
    this.histSlider.value = '1000';
    this.histSlider.setAttribute('aria-label', 'point of training for the histograms');
    this.histLabel = el('span', 'hist-label', 'latest');
    this.histSlider.addEventListener('input', () => this.drawHistograms());
    hhead.append(this.histSlider, this.histLabel);
    this.histRow = el('div', 'grid four');
    acts.append(hhead, this.histRow);

    this.pictures = section(root, 'First-layer filters and misclassified test images');
  }

  /** Draws `runs`; with none, the dashboard hides. */
  update(runs: RunView[]): void {
    this.runs = runs;
    this.root.hidden = runs.length === 0;
    this.drawCards();
    const ser = (suffix: string, dash = false) => runs.map((r): SeriesSpec => ({ label: `${r.title}${suffix}`, color: r.color, dash }));
    this.loss.set(
      [...ser(' train'), ...ser(' test', true)],
      [...runs.map((r) => evalTable(r.data.evals, (e) => e.trainLoss)), ...runs.map((r) => evalTable(r.data.evals, (e) => e.testLoss))],
    );
    this.acc.set(ser(''), runs.map((r) => evalTable(r.data.evals, (e) => e.testAcc)));
    this.stepLoss.set(ser(''), runs.map((r) => stepTable(r, r.data.loss)));
    this.stepAcc.set(ser(''), runs.map((r) => stepTable(r, r.data.acc)));
    this.median.set(ser(''), runs.map((r) => medianTable(r)));
    this.depth.set(ser(''), runs.map((r) => depthTable(r)));
    this.drawLayerMeans();
    this.drawHistograms();
    this.drawPictures();
  }

  private drawCards(): void {
    const keep = new Set(this.runs.map((r) => r.key));
    for (const c of [...this.cards.children] as HTMLElement[]) if (!keep.has(c.dataset.run ?? '')) c.remove();
    this.runs.forEach((r, i) => {
      let card = [...this.cards.children].find((c) => (c as HTMLElement).dataset.run === r.key) as HTMLElement | undefined;
      if (!card) {
        card = el('div', 'card run-card');
        card.dataset.run = r.key;
        this.cards.append(card);
      }
      if (this.cards.children[i] !== card) this.cards.insertBefore(card, this.cards.children[i]);
      fillCard(card, r, this.opts.evalWord);
    });
  }

  private drawLayerMeans(): void {
    const tables = this.runs.map((r) => layerMeanTables(r));
    let lo = Infinity;
    let hi = -Infinity;
    for (const t of tables) for (const l of t.tables) for (const v of l.y) if (v !== null && Number.isFinite(v)) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
    const pad = (hi - lo) * 0.05 || 0.05;
    this.layerRange = Number.isFinite(lo) ? [Math.min(0, lo - pad), hi + pad] : null;
    syncCharts(this.layerRow, this.layerCharts, this.runs.map((r) => r.key), (key) => {
      const r = this.runs.find((x) => x.key === key)!;
      return { title: r.title, color: r.color, xLabel: 'epoch', yLabel: 'mean activation', height: 200, yRange: () => this.layerRange };
    });
    this.runs.forEach((r, i) => {
      const t = tables[i];
      this.layerCharts.get(r.key)!.set(
        t.names.map((n, j): SeriesSpec => ({ label: n, color: depthColor(j, t.names.length), width: 1.5 })),
        t.tables,
      );
    });
  }

  private drawHistograms(): void {
    const frac = Number(this.histSlider.value) / 1000;
    const maxEpoch = Math.max(0, ...this.runs.map((r) => lastProbeEpoch(r)));
    const target = frac >= 1 ? Infinity : frac * maxEpoch;
    this.histLabel.textContent = frac >= 1 ? 'latest' : `epoch ${target.toFixed(2)}`;
    const probes = this.runs.map((r) => probeAt(r, target));
    const names: string[] = [];
    for (const p of probes) for (const l of p?.layers ?? []) if (!names.includes(l.name)) names.push(l.name);
    syncCharts(this.histRow, this.histCharts, names, (name) => ({
      title: name,
      xLabel: 'activation',
      yLabel: 'density',
      height: 150,
      kind: 'steps',
      compactLegend: true,
      xRange: () => this.histRanges.get(name)?.x ?? null,
      yRange: () => this.histRanges.get(name)?.y ?? null,
    }));
    for (const name of names) {
      const series: SeriesSpec[] = [];
      const tables: Table[] = [];
      const ranges: { lo: number; hi: number; peak: number; second: number }[] = [];
      this.runs.forEach((r, i) => {
        const l = probes[i]?.layers.find((x) => x.name === name);
        if (!l) return;
        const n = l.counts.length;
        const w = (l.hi - l.lo) / n;
        const total = l.counts.reduce((a, b) => a + b, 0) || 1;
        const x = Array.from({ length: n + 1 }, (_, k) => l.lo + k * w);
        const y = [...l.counts.map((c) => c / (total * w)), c0(l.counts[n - 1] / (total * w))];
        series.push({ label: `${r.title} (mean ${fmt(l.mean)})`, color: r.color, fill: alpha(r.color, 0.12), width: 1.5 });
        tables.push({ x, y });
        ranges.push(histExtent(l.lo, w, l.counts, y));
      });
      this.histRanges.set(name, histRanges(ranges));
      this.histCharts.get(name)!.set(series, tables);
    }
  }

  private drawPictures(): void {
    const keep = new Set(this.runs.map((r) => r.key));
    for (const c of [...this.pictures.querySelectorAll<HTMLElement>('.pictures')]) if (!keep.has(c.dataset.run ?? '')) c.remove();
    const row = this.pictures.querySelector('.grid') ?? this.pictures.appendChild(el('div', 'grid two'));
    for (const r of this.runs) {
      let box = row.querySelector<HTMLElement>(`.pictures[data-run="${CSS.escape(r.key)}"]`);
      if (!box) {
        box = el('div', 'card pictures');
        box.dataset.run = r.key;
        const h = el('h3');
        const f = el('div', 'pic');
        const m = el('div', 'pic');
        box.append(h, f, m);
        row.append(box);
      }
      const [h, f, m] = box.children as unknown as HTMLElement[];
      h.innerHTML = '';
      h.append(swatch(r.color), document.createTextNode(r.title));
      // images about 56 px wide (a digit at twice its size, a 3×3 filter at 10×), as many per row as fit
      const grid = (set: ImageSet | null) => {
        const scale = set ? Math.max(1, Math.min(10, Math.round(56 / set.w))) : 1;
        const cell = (set?.w ?? 28) * scale;
        return { scale, cols: Math.max(4, Math.min(16, Math.floor((box!.clientWidth - 28) / (cell + 4)))) };
      };
      picture(f, 'filters', r.data.filters, 'first-layer filters appear at the end of an epoch', grid(r.data.filters));
      picture(m, 'misclassified', r.data.misclassified, 'misclassified test images appear at the end of an epoch', grid(r.data.misclassified));
    }
  }
}

/**
 * Where a histogram's mass is: from its lowest value to the value below which 99.5 % of it lies (a long
 * right tail of a few large activations would squeeze the rest into one corner), its highest and its
 * second-highest density.
 */
function histExtent(lo: number, w: number, counts: number[], density: number[]): { lo: number; hi: number; peak: number; second: number } {
  const total = counts.reduce((a, b) => a + b, 0) || 1;
  let cum = 0;
  let k = 0;
  while (k < counts.length - 1 && (cum += counts[k]) < 0.995 * total) k++;
  const d = density.slice(0, counts.length).sort((a, b) => b - a);
  return { lo, hi: lo + (k + 1) * w, peak: d[0] ?? 0, second: d[1] ?? 0 };
}

/**
 * The axes of one layer's histograms: x over where any run has its mass; y up to the highest density of
 * every run, except that a bin towering over the rest of its run (more than 4× its second-highest: ReLU's
 * bin of exact zeros can be 20×) counts as 1.6× that second-highest and runs off the top, so the shapes
 * stay readable.
 */
function histRanges(e: { lo: number; hi: number; peak: number; second: number }[]): { x: [number, number]; y: [number, number] } {
  const x: [number, number] = [Math.min(...e.map((r) => r.lo)), Math.max(...e.map((r) => r.hi))];
  const towers = (r: { peak: number; second: number }) => r.peak > 4 * r.second;
  const top = Math.max(...e.map((r) => (towers(r) ? 1.6 * r.second : 1.05 * r.peak)));
  return { x, y: [0, top] };
}

function c0(v: number): number {
  return Number.isFinite(v) ? v : 0;
}

function section(root: HTMLElement, title: string): HTMLElement {
  const s = el('section', 'section');
  s.append(el('h2', '', title));
  root.append(s);
  return s;
}

function swatch(color: string): HTMLElement {
  const s = el('span', 'swatch');
  s.style.background = color;
  return s;
}

function picture(box: HTMLElement, kind: string, set: ImageSet | null, waiting: string, o: { scale: number; cols: number }): void {
  const stamp = set ? `${set.step}:${set.count}:${kind}:${o.cols}` : 'none';
  if (box.dataset.stamp === stamp) return;
  box.dataset.stamp = stamp;
  box.innerHTML = '';
  if (!set || set.count === 0) {
    box.append(el('p', 'muted', set ? `no ${kind} test images among those checked` : waiting));
    return;
  }
  box.append(el('p', 'pic-title', set.title));
  const c = el('canvas');
  box.append(drawGrid(c, set, o));
}

/** Keeps one chart per key in `parent`, in key order, creating and disposing as keys come and go. */
function syncCharts(parent: HTMLElement, charts: Map<string, Chart>, keys: string[], make: (key: string) => ConstructorParameters<typeof Chart>[1]): void {
  for (const [k, c] of charts) {
    if (!keys.includes(k)) {
      c.dispose();
      charts.delete(k);
    }
  }
  for (const k of keys) if (!charts.has(k)) charts.set(k, new Chart(parent, make(k)));
  keys.forEach((k, i) => {
    const card = charts.get(k)!.card;
    if (parent.children[i] !== card) parent.insertBefore(card, parent.children[i] ?? null);
  });
}

function pct(v: number): string {
  return `${Number((100 * v).toFixed(2))}%`;
}

function stepsPerEpoch(r: RunView): number {
  if (r.data.header) return r.data.header.stepsPerEpoch;
  if (r.stepsPerEpoch) return r.stepsPerEpoch;
  const e = r.data.evals[0];
  return e && e.step > 0 ? e.step / e.epoch : 1;
}

function evalTable(evals: EvalPoint[], pick: (e: EvalPoint) => number): Table {
  return { x: evals.map((e) => e.epoch), y: evals.map(pick) };
}

/** Trailing mean of SMOOTH steps, at most MAX_POINTS of them, against the epoch. */
function stepTable(r: RunView, v: number[]): Table {
  const spe = stepsPerEpoch(r);
  const n = v.length;
  const stride = Math.max(1, Math.ceil(n / MAX_POINTS));
  const x: number[] = [];
  const y: (number | null)[] = [];
  let sum = 0;
  let cnt = 0;
  const win: number[] = [];
  for (let i = 0; i < n; i++) {
    const val = v[i];
    win.push(val);
    if (Number.isFinite(val)) {
      sum += val;
      cnt++;
    }
    if (win.length > SMOOTH) {
      const old = win.shift()!;
      if (Number.isFinite(old)) {
        sum -= old;
        cnt--;
      }
    }
    if ((i + 1) % stride === 0 || i === n - 1) {
      x.push((i + 1) / spe);
      y.push(cnt > 0 ? sum / cnt : null);
    }
  }
  return { x, y };
}

function medianTable(r: RunView): Table {
  const spe = stepsPerEpoch(r);
  if (r.data.probes.length > 0) return { x: r.data.probes.map((p) => p.step / spe), y: r.data.probes.map((p) => p.median) };
  return evalTable(r.data.evals.filter((e) => e.medianUnitActivation !== undefined), (e) => e.medianUnitActivation!);
}

function layerMeanTables(r: RunView): { names: string[]; tables: Table[] } {
  const spe = stepsPerEpoch(r);
  const names: string[] = [];
  const points: { x: number; layers: { name: string; mean: number }[] }[] =
    r.data.probes.length > 0
      ? r.data.probes.map((p) => ({ x: p.step / spe, layers: p.layers }))
      : r.data.evals.filter((e) => e.layerMeanActivation).map((e) => ({ x: e.epoch, layers: e.layerMeanActivation! }));
  for (const p of points) for (const l of p.layers) if (!names.includes(l.name)) names.push(l.name);
  return {
    names,
    tables: names.map((n) => ({ x: points.map((p) => p.x), y: points.map((p) => p.layers.find((l) => l.name === n)?.mean ?? null) })),
  };
}

/** Mean activation of hidden layer 1, 2, … at the latest probe (or epoch). */
function depthTable(r: RunView): Table {
  const layers = r.data.probes[r.data.probes.length - 1]?.layers ?? r.data.evals[r.data.evals.length - 1]?.layerMeanActivation ?? [];
  return { x: layers.map((_, i) => i + 1), y: layers.map((l) => l.mean) };
}

function lastProbeEpoch(r: RunView): number {
  const p = r.data.probes[r.data.probes.length - 1];
  return p ? p.step / stepsPerEpoch(r) : 0;
}

function probeAt(r: RunView, epoch: number) {
  const spe = stepsPerEpoch(r);
  let best = r.data.probes[r.data.probes.length - 1] ?? null;
  if (!Number.isFinite(epoch)) return best;
  let d = Infinity;
  for (const p of r.data.probes) {
    const e = Math.abs(p.step / spe - epoch);
    if (e < d) [d, best] = [e, p];
  }
  return best;
}

/** Status of a run: 'finished', 'running', 'stopped' (an end record short of the last step), or 'waiting'. */
export function runStatus(d: RunData): 'finished' | 'running' | 'stopped' | 'waiting' {
  if (d.end) return d.end.complete ? 'finished' : 'stopped';
  if (!d.header && d.evals.length === 0) return 'waiting';
  if (d.header && d.loss.length >= d.header.totalSteps && d.evals.length > 0) return 'finished';
  return d.header ? 'running' : 'finished';
}

function fillCard(card: HTMLElement, r: RunView, evalWord: string): void {
  const d = r.data;
  const h = d.header;
  const status = runStatus(d);
  const step = d.loss.length;
  const spe = stepsPerEpoch(r);
  const totalSteps = h?.totalSteps ?? 0;
  const totalEpochs = h ? Math.ceil(h.totalSteps / h.stepsPerEpoch) : 0;
  const epochs = d.evals.length;
  const last = d.evals[d.evals.length - 1];
  card.dataset.status = status;
  card.dataset.epoch = String(epochs);
  card.dataset.step = String(step);
  card.style.setProperty('--run', r.color);
  const frac = totalSteps > 0 ? Math.min(1, step / totalSteps) : status === 'finished' ? 1 : 0;
  const lastLoss = recentMean(d.loss);
  card.innerHTML = '';
  const top = el('div', 'run-top');
  top.append(swatch(r.color), el('span', 'run-title', r.title), el('span', `chip ${status}`, status));
  const sub = el('div', 'run-sub', [r.label, h?.model, h ? `batch ${h.batch}` : ''].filter(Boolean).join(' · '));
  const prog = el('div', 'progress');
  const bar = el('div', 'bar');
  bar.style.width = `${(100 * frac).toFixed(1)}%`;
  prog.append(bar);
  const stats = el('dl', 'run-stats');
  const add = (k: string, v: string, cls = '') => {
    const pair = el('div');
    pair.append(el('dt', '', k), el('dd', cls, v));
    stats.append(pair);
  };
  if (evalWord === 'epoch') add('epoch', totalEpochs ? `${epochs} / ${totalEpochs}` : String(epochs), 'epoch-count');
  else add('epoch', step ? (step / spe).toFixed(2) : '–', 'epoch-count');
  add('step', totalSteps ? `${step} / ${totalSteps}` : step ? String(step) : last ? String(last.step) : '–', 'step-count');
  add('train loss', lastLoss !== null ? fmt(lastLoss) : last ? fmt(last.trainLoss) : '–');
  add('test loss', last ? fmt(last.testLoss) : '–');
  add('test accuracy', last ? pct(last.testAcc) : '–');
  if (last?.samplesPerSec) add('samples/s', Math.round(last.samplesPerSec).toLocaleString('en-US'));
  card.append(top, sub, prog, stats);
}

function recentMean(v: number[]): number | null {
  let s = 0;
  let n = 0;
  for (let i = v.length - 1; i >= 0 && n < SMOOTH; i--) {
    if (Number.isFinite(v[i])) {
      s += v[i];
      n++;
    }
  }
  return n ? s / n : null;
}
