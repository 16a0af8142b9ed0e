/**
 * Charts of the page: thin wrappers around uPlot (a small, fast canvas chart library from npm, bundled into
 * the page, so nothing is fetched from the network). A Chart owns one uPlot instance in a card; set() gives
 * it one (x, y) table per series, which uPlot.join aligns on the union of the x values (a series without a
 * value at some x is drawn across the gap). The instance is rebuilt only when the set of series changes, and
 * follows its card's width.
 */
import uPlot from 'uplot';

export interface SeriesSpec {
  label: string;
  color: string;
  dash?: boolean;
  width?: number;
  /** fill under the line with this colour (histograms) */
  fill?: string;
}

export interface Table {
  x: number[];
  y: (number | null)[];
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  height?: number;
  /** 'line' (default) or 'steps' (histograms: y holds until the next x) */
  kind?: 'line' | 'steps';
  /** tick labels of the y axis */
  yFormat?: (v: number) => string;
  /** fixed y and x ranges (asked at every redraw); default or null: fitted to the data */
  yRange?: () => [number, number] | null;
  xRange?: () => [number, number] | null;
  /** one sentence under the title saying what the chart shows */
  note?: string;
  /** a colour swatch before the title (the run a chart belongs to) */
  color?: string;
  /** draw a dot at every data point */
  points?: boolean;
  /** legend without the x value (small charts) */
  compactLegend?: boolean;
  /** x takes whole numbers only (layer numbers): ticks at integers */
  xIntegers?: boolean;
}

const AXIS = { stroke: '#4b5563', grid: { stroke: '#eceff3', width: 1 }, ticks: { stroke: '#d5dae1', width: 1 }, font: '11px system-ui, sans-serif', labelFont: '12px system-ui, sans-serif' };

export class Chart {
  readonly card: HTMLElement;
  private readonly body: HTMLElement;
  private readonly empty: HTMLElement;
  private plot: uPlot | null = null;
  private key = '';
  private readonly resize: ResizeObserver;

  constructor(parent: HTMLElement, private readonly o: ChartOptions) {
    this.card = el('div', 'card chart');
    const head = el('div', 'chart-head');
    const h = el('h3', '', o.title);
    if (o.color) {
      const sw = el('span', 'swatch');
      sw.style.background = o.color;
      h.prepend(sw);
    }
    head.append(h);
    if (o.compactLegend) this.card.classList.add('compact-legend');
    if (o.note) head.append(el('p', 'note', o.note));
    this.body = el('div', 'chart-body');
    this.empty = el('div', 'chart-empty', 'waiting for data…');
    this.body.append(this.empty);
    this.card.append(head, this.body);
    parent.append(this.card);
    this.card.dataset.points = '0';
    this.resize = new ResizeObserver(() => {
      if (this.plot) this.plot.setSize({ width: this.width(), height: this.o.height ?? 220 });
    });
    this.resize.observe(this.body);
  }

  /** Replaces the chart's data: tables[i] belongs to series[i]. */
  set(series: SeriesSpec[], tables: Table[]): void {
    let points = 0;
    for (const t of tables) for (const v of t.y) if (v !== null && Number.isFinite(v)) points++;
    this.card.dataset.points = String(points);
    if (points === 0) {
      this.destroy();
      this.empty.hidden = false;
      return;
    }
    this.empty.hidden = true;
    const data = uPlot.join(tables.map((t) => [Float64Array.from(t.x), t.y.map((v) => (v === null || !Number.isFinite(v) ? null : v))] as uPlot.AlignedData));
    const key = JSON.stringify(series);
    if (!this.plot || key !== this.key) {
      this.destroy();
      this.key = key;
      this.plot = new uPlot(this.options(series), data, this.body);
    } else {
      this.plot.setData(data);
    }
  }

  dispose(): void {
    this.resize.disconnect();
    this.destroy();
    this.card.remove();
  }

  private destroy(): void {
    this.plot?.destroy();
    this.plot = null;
    this.key = '';
  }

  private width(): number {
    return Math.max(200, this.body.clientWidth);
  }

  private options(series: SeriesSpec[]): uPlot.Options {
    const steps = this.o.kind === 'steps' ? uPlot.paths.stepped!({ align: 1 }) : undefined;
    const yFormat = this.o.yFormat;
    const yRange = this.o.yRange;
    const xRange = this.o.xRange;
    return {
      width: this.width(),
      height: this.o.height ?? 220,
      scales: {
        x: xRange ? { time: false, range: (_u, min, max) => xRange() ?? [min, max] } : { time: false },
        y: yRange ? { range: (_u, min, max) => yRange() ?? [min, max] } : {},
      },
      axes: [
        { ...AXIS, label: this.o.xLabel, size: 40, labelSize: 20, ...(this.o.xIntegers ? { incrs: [1, 2, 5, 10, 20, 50] } : {}) },
        {
          ...AXIS,
          label: this.o.yLabel,
          size: 56,
          labelSize: 20,
          ...(yFormat ? { values: (_u: uPlot, vals: number[]) => vals.map(yFormat) } : {}),
        },
      ],
      legend: { live: true },
      cursor: { drag: { x: true, y: false } },
      series: [
        { label: this.o.xLabel, value: (_u, v) => (v === null ? '–' : fmt(v)) },
        ...series.map(
          (s): uPlot.Series => ({
            label: s.label,
            stroke: s.color,
            width: s.width ?? 2,
            dash: s.dash ? [6, 4] : undefined,
            fill: s.fill,
            spanGaps: true,
            points: this.o.points ? { show: true, size: 6, fill: s.color } : { show: false },
            value: (_u, v) => (v === null ? '–' : yFormat ? yFormat(v) : fmt(v)),
            ...(steps ? { paths: steps } : {}),
          }),
        ),
      ],
    };
  }
}

/** A number with 4 significant digits, without trailing zeros. */
export function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(2);
  return String(Number(v.toPrecision(4)));
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls = '', text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

/** `hex` with opacity `a` as an rgba() colour. */
export function alpha(hex: string, a: number): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${a})`;
}

/** Colours for layers 1…n, light to dark (viridis), so depth reads the same in every chart. */
export function depthColor(i: number, n: number): string {
  const stops = ['#fde725', '#b5de2b', '#6ece58', '#35b779', '#1f9e89', '#26828e', '#31688e', '#3e4989', '#482878', '#440154'];
  const t = n <= 1 ? 1 : i / (n - 1);
  // skip the palest yellow: it is hard to read on white
  return stops[Math.round(1 + t * (stops.length - 2))];
}
