/**
 * Line charts for training curves: several runs in one chart, each as mean ± std (a line over a
 * translucent band), with nice ticks, light grid lines, a legend, a title and an optional log-scale y axis;
 * and multiPanel to place several charts side by side in one PNG (loss | accuracy | mean activation).
 *
 * Layout, from the outside in (s = fontScale):
 *
 *   ┌──────────────── title (scale s+1) ────────────────┐
 *   │ y  ┌───────────────────────────────────────┐      │
 *   │ l  │ plot area: grid, bands, lines, legend │      │
 *   │ a  │                                       │      │
 *   │ b  └───────────────────────────────────────┘      │
 *   │      tick labels                                  │
 *   │                  x label                          │
 *   └───────────────────────────────────────────────────┘
 *
 * Data → pixels: px = L + (x − x_lo)/(x_hi − x_lo)·(R − L) and py = B − (y − y_lo)/(y_hi − y_lo)·(B − T),
 * where L, R, T, B are the plot area's edge pixels; on a log axis y is replaced by log10(y).
 */
import { ShapeError } from '../errors.js';
import { Canvas, hexColor, type Rgb, WHITE } from './canvas.js';
import { drawText, fitText, GLYPH_HEIGHT, measureText } from './font.js';
import { colorFor } from './palette.js';
import { logTicks, niceTicks, type Ticks } from './ticks.js';
import { meanStd } from '../stats/summary.js';

/** One curve: y[i] at x[i]; with `std`, a band y ± std is drawn behind the line. NaN in y leaves a gap. */
export interface Series {
  name: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  std?: ArrayLike<number>;
  /** an Rgb triple or '#rrggbb'; default: the activation colour for the name (see palette.ts), or the cycle */
  color?: Rgb | string;
  dashed?: boolean;
  /** line width in pixels (default: the chart's lineWidth) */
  width?: number;
}

/**
 * One series from several runs of the same configuration: at each index i, y[i] is the mean over the runs
 * that have a finite value there and std[i] their sample standard deviation (n − 1; 0 with one run).
 * Runs may have different lengths (a run stopped early). x defaults to 1, 2, 3, … (epochs).
 */
export function seriesFromRuns(name: string, runs: ArrayLike<number>[], x?: ArrayLike<number>, extra: Partial<Series> = {}): Series {
  if (runs.length === 0) throw new ShapeError(`seriesFromRuns: '${name}' has no runs; pass at least one array of values`);
  const len = Math.max(...runs.map((r) => r.length));
  if (x && x.length < len) {
    throw new ShapeError(`seriesFromRuns: '${name}' has runs of up to ${len} values but only ${x.length} x values`);
  }
  const y = new Float64Array(len);
  const std = new Float64Array(len);
  for (let i = 0; i < len; i++) {
    const m = meanStd(runs.filter((r) => i < r.length && Number.isFinite(r[i])).map((r) => r[i]));
    y[i] = m.mean;
    std[i] = m.std;
  }
  const xs = x ? Array.from(x).slice(0, len) : Array.from({ length: len }, (_, i) => i + 1);
  return { name, x: xs, y, ...(runs.length > 1 ? { std } : {}), ...extra };
}

export type LegendPosition = 'auto' | 'top-right' | 'top-left' | 'bottom-right' | 'bottom-left' | 'none';

export interface LineChartOptions {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  series: Series[];
  /** pixels (default 640 × 400) */
  width?: number;
  height?: number;
  /** log10 y axis (for losses and reconstruction errors); values ≤ 0 are left out */
  logY?: boolean;
  /** fixed y range [lo, hi] instead of one fitted to the data (and its bands) */
  yRange?: readonly [number, number];
  /** fixed x range */
  xRange?: readonly [number, number];
  /** 'auto' (default) puts the legend in the plot corner that covers the least data */
  legend?: LegendPosition;
  /** integer scale of tick labels, axis labels and legend; the title uses fontScale + 1 (default 1, or 2 from 1000 px wide) */
  fontScale?: number;
  /** default line width in pixels (default 2) */
  lineWidth?: number;
  /** opacity of the ± std bands (default 0.18) */
  bandAlpha?: number;
}

const TEXT: Rgb = hexColor('#222222');
const AXIS: Rgb = hexColor('#444444');
const GRID: Rgb = hexColor('#e2e2e2');
const GRID_MINOR: Rgb = hexColor('#f1f1f1');
const LEGEND_BORDER: Rgb = hexColor('#bbbbbb');

const PAD = 10; // outer margin, px
const TICK = 4; // tick mark length, px
const GAP = 4; // space between a tick mark and its label, px

function toRgb(c: Rgb | string | undefined, name: string, index: number): Rgb {
  if (c === undefined) return colorFor(name, index);
  return typeof c === 'string' ? hexColor(c) : c;
}

/** Checks that x, y and std line up; throws a ShapeError naming the series. */
function checkSeries(s: Series, i: number): void {
  if (s.x.length !== s.y.length) {
    throw new ShapeError(`lineChart: series ${i} ('${s.name}') has ${s.x.length} x values but ${s.y.length} y values; pass one y per x`);
  }
  if (s.std && s.std.length !== s.y.length) {
    throw new ShapeError(`lineChart: series ${i} ('${s.name}') has ${s.y.length} y values but ${s.std.length} std values; pass one std per y`);
  }
}

/** Data extent of all series: x over finite points; y over y − std .. y + std (only y > 0 on a log axis). */
function extent(series: Series[], logY: boolean): { x0: number; x1: number; y0: number; y1: number; xInt: boolean } {
  let x0 = Infinity;
  let x1 = -Infinity;
  let y0 = Infinity;
  let y1 = -Infinity;
  let xInt = true;
  for (const s of series) {
    for (let i = 0; i < s.x.length; i++) {
      const x = s.x[i];
      const y = s.y[i];
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      x0 = Math.min(x0, x);
      x1 = Math.max(x1, x);
      if (!Number.isInteger(x)) xInt = false;
      const sd = s.std ? Math.abs(s.std[i]) : 0;
      const lo = Number.isFinite(sd) ? y - sd : y;
      const hi = Number.isFinite(sd) ? y + sd : y;
      if (logY) {
        if (y > 0) {
          y0 = Math.min(y0, lo > 0 ? lo : y);
          y1 = Math.max(y1, hi);
        }
      } else {
        y0 = Math.min(y0, lo);
        y1 = Math.max(y1, hi);
      }
    }
  }
  if (x0 > x1) {
    x0 = 0;
    x1 = 1;
  }
  if (y0 > y1) {
    y0 = logY ? 0.1 : 0;
    y1 = 1;
  }
  return { x0, x1, y0, y1, xInt };
}

/** Largest label width of a tick set at scale s. */
function labelWidth(t: Ticks, s: number): number {
  return Math.max(0, ...t.labels.map((l) => measureText(l, s).width));
}

/**
 * Linear ticks for [lo, hi] whose labels do not collide when `length` pixels of axis are available.
 * `size(t)` is the space one label needs along the axis. Starts at 6 intervals and uses fewer until the
 * labels fit.
 */
function fittingTicks(lo: number, hi: number, length: number, size: (t: Ticks) => number, minStep: number): Ticks {
  let t = niceTicks(lo, hi, 6);
  for (let n = 6; n >= 1; n--) {
    t = niceTicks(lo, hi, n);
    if (t.step < minStep) continue;
    const intervals = t.values.length - 1;
    if (intervals === 0 || length / intervals >= size(t)) return t;
  }
  return t;
}

/** Draws a line chart; returns the canvas (save it with `.savePNG(path)`). */
export function lineChart(opts: LineChartOptions): Canvas {
  const {
    title = '',
    xLabel = '',
    yLabel = '',
    series,
    width = 640,
    height = 400,
    logY = false,
    yRange,
    xRange,
    legend = 'auto',
    lineWidth = 2,
    bandAlpha = 0.18,
  } = opts;
  const s = opts.fontScale ?? (width >= 1000 ? 2 : 1);
  if (!Number.isInteger(s) || s < 1) throw new ShapeError(`lineChart: fontScale must be an integer ≥ 1, got ${s}`);
  if (width < 160 || height < 120) {
    throw new ShapeError(`lineChart: width × height must be at least 160 × 120 pixels to fit axes and labels, got ${width} × ${height}`);
  }
  series.forEach(checkSeries);
  for (const [what, r] of [['yRange', yRange], ['xRange', xRange]] as const) {
    if (r && !(Number.isFinite(r[0]) && Number.isFinite(r[1]) && r[0] < r[1])) {
      throw new ShapeError(`lineChart: ${what} must be [lo, hi] with finite lo < hi, got [${r[0]}, ${r[1]}]`);
    }
  }
  if (logY && yRange && !(yRange[0] > 0 && yRange[1] > 0)) {
    throw new ShapeError(`lineChart: a log y axis needs a positive yRange, got [${yRange[0]}, ${yRange[1]}]`);
  }

  const canvas = new Canvas(width, height, WHITE);
  const lineH = GLYPH_HEIGHT * s;
  const ts = s + 1; // title scale

  // ---- vertical layout (independent of the ticks) ----
  const top = PAD + (title ? GLYPH_HEIGHT * ts + PAD : Math.round(lineH / 2));
  const bottom = height - PAD - (xLabel ? lineH + GAP : 0) - lineH - GAP - TICK;
  const plotH = bottom - top;

  // ---- ranges and ticks ----
  const ext = extent(series, logY);
  const [dy0, dy1] = yRange ?? [ext.y0, ext.y1];
  const [dx0, dx1] = xRange ?? [ext.x0, ext.x1];
  const yt = logY ? logTicks(dy0, dy1) : fittingTicks(dy0, dy1, plotH, () => lineH + 6, 0);
  const yLo = yRange ? yRange[0] : yt.lo;
  const yHi = yRange ? yRange[1] : yt.hi;

  // ---- horizontal layout (needs the y tick label width) ----
  const left = PAD + (yLabel ? lineH + GAP * 2 : 0) + labelWidth(yt, s) + GAP + TICK;
  // room on the right for half of the last x tick label
  const right = width - PAD - Math.round(measureText('0000', s).width / 2);
  const plotW = right - left;
  if (plotW < 40 || plotH < 40) {
    throw new ShapeError(`lineChart: the plot area would be ${plotW} × ${plotH} pixels; make the chart larger or the fontScale smaller`);
  }
  const xt = fittingTicks(dx0, dx1, plotW, (t) => labelWidth(t, s) + 12, ext.xInt && !xRange ? 1 : 0);
  const xLo = xRange ? xRange[0] : xt.lo;
  const xHi = xRange ? xRange[1] : xt.hi;

  const fy = logY ? (v: number) => (v > 0 ? Math.log10(v) : NaN) : (v: number) => v;
  const fyLo = fy(yLo);
  const fyHi = fy(yHi);
  const px = (x: number): number => left + ((x - xLo) / (xHi - xLo || 1)) * plotW;
  const py = (y: number): number => bottom - ((fy(y) - fyLo) / (fyHi - fyLo || 1)) * plotH;

  // ---- grid ----
  const inX = (x: number): boolean => x >= Math.min(xLo, xHi) && x <= Math.max(xLo, xHi);
  const inY = (y: number): boolean => y >= Math.min(yLo, yHi) && y <= Math.max(yLo, yHi);
  for (const v of yt.minor) if (inY(v)) canvas.fillRect(left, Math.round(py(v)), plotW, 1, GRID_MINOR);
  for (const v of yt.values) if (inY(v)) canvas.fillRect(left, Math.round(py(v)), plotW, 1, GRID);
  for (const v of xt.values) if (inX(v)) canvas.fillRect(Math.round(px(v)), top, 1, plotH, GRID);

  // ---- data: all bands first, then all lines, clipped to the plot area ----
  canvas.setClip(left, top, right + 1, bottom + 1);
  const colors = series.map((sr, i) => toRgb(sr.color, sr.name, i));
  series.forEach((sr, i) => {
    if (!sr.std) return;
    drawBand(canvas, sr, colors[i], bandAlpha, px, py, logY, yLo);
  });
  series.forEach((sr, i) => {
    const n = sr.x.length;
    const xs = new Float64Array(n);
    const ys = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      xs[k] = px(sr.x[k]);
      ys[k] = Number.isFinite(sr.y[k]) ? py(sr.y[k]) : NaN;
    }
    const w = sr.width ?? lineWidth;
    const style = { width: w, dash: sr.dashed ? ([4 * w, 3 * w] as const) : undefined };
    if (n === 1 && Number.isFinite(ys[0])) canvas.fillRect(xs[0] - w, ys[0] - w, 2 * w + 1, 2 * w + 1, colors[i]);
    else canvas.polyline(xs, ys, colors[i], style);
  });
  canvas.resetClip();

  // ---- frame, ticks, labels ----
  canvas.strokeRect(left, top, plotW + 1, plotH + 1, AXIS);
  for (let k = 0; k < yt.values.length; k++) {
    const v = yt.values[k];
    if (!inY(v)) continue;
    const y = Math.round(py(v));
    canvas.fillRect(left - TICK, y, TICK, 1, AXIS);
    drawText(canvas, yt.labels[k], left - TICK - GAP, y, TEXT, { scale: s, align: 'right', valign: 'middle' });
  }
  for (let k = 0; k < xt.values.length; k++) {
    const v = xt.values[k];
    if (!inX(v)) continue;
    const x = Math.round(px(v));
    canvas.fillRect(x, bottom + 1, 1, TICK, AXIS);
    drawText(canvas, xt.labels[k], x, bottom + 1 + TICK + GAP, TEXT, { scale: s, align: 'center' });
  }
  if (xLabel) {
    const text = fitText(xLabel, plotW, s);
    drawText(canvas, text, left + plotW / 2, height - PAD - lineH, TEXT, { scale: s, align: 'center' });
  }
  if (yLabel) {
    const text = fitText(yLabel, plotH, s);
    drawText(canvas, text, PAD, top + plotH / 2, TEXT, { scale: s, align: 'center', rotate: 90 });
  }
  if (title) {
    const text = fitText(title, width - 2 * PAD, ts);
    drawText(canvas, text, width / 2, PAD, TEXT, { scale: ts, align: 'center' });
  }

  // ---- legend ----
  if (legend !== 'none' && series.length > 0) {
    drawLegend(canvas, series, colors, legend, { left, top, right, bottom }, s, lineWidth);
  }
  return canvas;
}

/** The translucent band y ± std: the upper curve left to right, then the lower curve back. */
function drawBand(
  canvas: Canvas,
  sr: Series,
  color: Rgb,
  alpha: number,
  px: (x: number) => number,
  py: (y: number) => number,
  logY: boolean,
  axisLo: number,
): void {
  const std = sr.std!;
  // on a log axis y − std may be ≤ 0: the band then reaches down to the bottom of the axis
  const floor = logY ? axisLo : -Infinity;
  // split at missing values: each finite run becomes its own polygon
  let start = 0;
  const n = sr.x.length;
  const ok = (k: number): boolean =>
    Number.isFinite(sr.x[k]) && Number.isFinite(sr.y[k]) && Number.isFinite(std[k]) && (!logY || sr.y[k] > 0);
  while (start < n) {
    while (start < n && !ok(start)) start++;
    let end = start;
    while (end < n && ok(end)) end++;
    if (end - start >= 2) {
      const pts: number[] = [];
      for (let k = start; k < end; k++) pts.push(px(sr.x[k]), py(sr.y[k] + Math.abs(std[k])));
      for (let k = end - 1; k >= start; k--) {
        const lo = Math.max(sr.y[k] - Math.abs(std[k]), floor);
        pts.push(px(sr.x[k]), py(lo));
      }
      canvas.fillPolygon(pts, color, alpha);
    }
    start = end;
  }
}

/** Counts pixels in a rectangle that are neither background nor grid colour: how much data a box would hide. */
function inkIn(canvas: Canvas, x: number, y: number, w: number, h: number): number {
  const d = canvas.data;
  let n = 0;
  for (let yy = Math.max(0, y); yy < Math.min(canvas.height, y + h); yy++) {
    for (let xx = Math.max(0, x); xx < Math.min(canvas.width, x + w); xx++) {
      const o = 4 * (yy * canvas.width + xx);
      const r = d[o];
      const g = d[o + 1];
      const b = d[o + 2];
      const plain =
        (r === 255 && g === 255 && b === 255) ||
        (r === GRID[0] && g === GRID[1] && b === GRID[2]) ||
        (r === GRID_MINOR[0] && g === GRID_MINOR[1] && b === GRID_MINOR[2]);
      if (!plain) n++;
    }
  }
  return n;
}

function drawLegend(
  canvas: Canvas,
  series: Series[],
  colors: Rgb[],
  where: LegendPosition,
  area: { left: number; top: number; right: number; bottom: number },
  s: number,
  lineWidth: number,
): void {
  const inset = 8;
  const pad = 5 * s;
  const swatch = 18 * s;
  const rowH = GLYPH_HEIGHT * s + 3 * s;
  const maxText = Math.min(
    Math.max(...series.map((sr) => measureText(sr.name, s).width)),
    Math.max(40, Math.floor((area.right - area.left) / 2)),
  );
  const w = pad + swatch + 5 * s + maxText + pad;
  const h = pad + rowH * series.length - 3 * s + pad;
  const corners: Record<Exclude<LegendPosition, 'auto' | 'none'>, [number, number]> = {
    'top-right': [area.right - inset - w, area.top + inset],
    'top-left': [area.left + inset + 1, area.top + inset],
    'bottom-right': [area.right - inset - w, area.bottom - inset - h],
    'bottom-left': [area.left + inset + 1, area.bottom - inset - h],
  };
  let pos: [number, number];
  if (where === 'auto') {
    // the corner hiding the fewest data pixels; ties go to the first in this order
    let best = Infinity;
    pos = corners['top-right'];
    for (const key of ['top-right', 'top-left', 'bottom-right', 'bottom-left'] as const) {
      const [cx, cy] = corners[key];
      const ink = inkIn(canvas, cx, cy, w, h);
      if (ink < best) {
        best = ink;
        pos = corners[key];
      }
    }
  } else {
    pos = corners[where as Exclude<LegendPosition, 'auto' | 'none'>];
  }
  const [x, y] = pos;
  canvas.fillRect(x, y, w, h, WHITE, 0.88);
  canvas.strokeRect(x, y, w, h, LEGEND_BORDER);
  series.forEach((sr, i) => {
    const cy = y + pad + i * rowH + Math.round((GLYPH_HEIGHT * s) / 2) - s;
    const sx = x + pad;
    if (sr.std) canvas.fillRect(sx, cy - 4 * s, swatch, 8 * s + 1, colors[i], 0.18);
    const wl = sr.width ?? lineWidth;
    // an even width centred between two pixel rows covers both fully (crisp swatch)
    const ly = wl % 2 === 0 ? cy - 0.5 : cy;
    canvas.line(sx + 1, ly, sx + swatch - 1, ly, colors[i], {
      width: wl,
      dash: sr.dashed ? [4 * wl, 3 * wl] : undefined,
    });
    drawText(canvas, fitText(sr.name, maxText, s), sx + swatch + 5 * s, cy, TEXT, { scale: s, valign: 'middle' });
  });
}

export interface MultiPanelOptions {
  /** panels per row (default: all in one row) */
  cols?: number;
  /** pixels between panels (default 0; charts carry their own margins) */
  gap?: number;
  /** an overall title above the panels */
  title?: string;
  /** integer scale of the overall title (default 2) */
  titleScale?: number;
  background?: Rgb;
}

/**
 * Places several canvases in a grid, row by row: column k is as wide as its widest panel and row r as tall
 * as its tallest; each panel sits at the top-left of its cell.
 */
export function multiPanel(panels: Canvas[], opts: MultiPanelOptions = {}): Canvas {
  if (panels.length === 0) throw new ShapeError('multiPanel: expected at least one panel, got none');
  const { cols = panels.length, gap = 0, title = '', titleScale = 2, background = WHITE } = opts;
  if (!Number.isInteger(cols) || cols < 1) throw new ShapeError(`multiPanel: cols must be an integer ≥ 1, got ${cols}`);
  const rows = Math.ceil(panels.length / cols);
  const colW = new Array<number>(cols).fill(0);
  const rowH = new Array<number>(rows).fill(0);
  panels.forEach((p, i) => {
    colW[i % cols] = Math.max(colW[i % cols], p.width);
    rowH[Math.floor(i / cols)] = Math.max(rowH[Math.floor(i / cols)], p.height);
  });
  const titleH = title ? GLYPH_HEIGHT * titleScale + 2 * PAD : 0;
  const W = colW.reduce((a, b) => a + b, 0) + gap * (cols - 1);
  const H = titleH + rowH.reduce((a, b) => a + b, 0) + gap * (rows - 1);
  const out = new Canvas(W, H, background);
  if (title) drawText(out, fitText(title, W - 2 * PAD, titleScale), W / 2, PAD, TEXT, { scale: titleScale, align: 'center' });
  panels.forEach((p, i) => {
    const c = i % cols;
    const r = Math.floor(i / cols);
    const x = colW.slice(0, c).reduce((a, b) => a + b, 0) + gap * c;
    const y = titleH + rowH.slice(0, r).reduce((a, b) => a + b, 0) + gap * r;
    out.drawImage(p, x, y);
  });
  return out;
}
