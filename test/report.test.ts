/**
 * Tests for src/report: the raster, the font, ticks, charts, image grids and tables.
 * Pictures are checked by reading pixels back, through a PNG round trip where the file format matters.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import pngjs from 'pngjs';
import { ShapeError } from '../src/errors.js';
import {
  ACTIVATION_COLORS,
  Canvas,
  colorFor,
  drawText,
  formatMeanStd,
  formatPercent,
  formatTick,
  GLYPH_HEIGHT,
  hasGlyph,
  hexColor,
  imageGrid,
  lineChart,
  logTicks,
  markdownTable,
  measureText,
  multiPanel,
  niceTicks,
  seriesFromRuns,
  textTable,
  type Rgb,
} from '../src/report/index.js';
import { columnStats, meanStd, median } from '../src/stats/summary.js';
import { formatDuration } from '../src/table.js';

const RED: Rgb = [255, 0, 0];
const WHITE: Rgb = [255, 255, 255];

function px(c: Canvas, x: number, y: number): [number, number, number] {
  const [r, g, b] = c.getPixel(x, y);
  return [r, g, b];
}

function isColor(c: Canvas, x: number, y: number, col: Rgb): boolean {
  const [r, g, b] = c.getPixel(x, y);
  return r === col[0] && g === col[1] && b === col[2];
}

/** Bounding box of pixels that differ from white. */
function inkBox(c: Canvas): { x0: number; y0: number; x1: number; y1: number; count: number } {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  let count = 0;
  for (let y = 0; y < c.height; y++) {
    for (let x = 0; x < c.width; x++) {
      if (!isColor(c, x, y, WHITE)) {
        count++;
        x0 = Math.min(x0, x);
        y0 = Math.min(y0, y);
        x1 = Math.max(x1, x);
        y1 = Math.max(y1, y);
      }
    }
  }
  return { x0, y0, x1, y1, count };
}

// ---------------------------------------------------------------- canvas

test('canvas: PNG decodes with pngjs to the same size and pixels', () => {
  const c = new Canvas(7, 5, [10, 20, 30]);
  c.setPixel(3, 2, [200, 100, 50]);
  const png = pngjs.PNG.sync.read(c.toPNG());
  assert.equal(png.width, 7);
  assert.equal(png.height, 5);
  assert.deepEqual([...png.data.subarray(0, 4)], [10, 20, 30, 255]);
  const o = 4 * (2 * 7 + 3);
  assert.deepEqual([...png.data.subarray(o, o + 4)], [200, 100, 50, 255]);
});

test('canvas: savePNG writes atomically (no temporary file left) into a new folder', () => {
  const dir = mkdtempSync(join(tmpdir(), 'elunet-report-'));
  try {
    const path = join(dir, 'sub', 'x.png');
    new Canvas(3, 2).savePNG(path);
    assert.ok(existsSync(path));
    assert.deepEqual(readdirSync(join(dir, 'sub')), ['x.png']);
    const png = pngjs.PNG.sync.read(readFileSync(path));
    assert.equal(png.width, 3);
    assert.equal(png.height, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('canvas: alpha blending is "source over" (50 % red over white = (255, 128, 128))', () => {
  const c = new Canvas(2, 1);
  c.blend(0, 0, RED, 0.5);
  // 0.5·0 + 0.5·255 = 127.5 rounds to 128
  assert.deepEqual(c.getPixel(0, 0), [255, 128, 128, 255]);
  // over a transparent pixel the colour is kept and only the alpha changes
  const t = new Canvas(1, 1, WHITE, 0);
  t.blend(0, 0, RED, 0.25);
  assert.deepEqual(t.getPixel(0, 0), [255, 0, 0, 64]);
});

test('canvas: a line between two points colours the pixels on it and nothing far from it', () => {
  for (const antialias of [true, false]) {
    const c = new Canvas(64, 48);
    c.line(10, 10, 50, 30, RED, { antialias });
    // the segment passes exactly through the pixel centres (10 + 2t, 10 + t): full colour there
    for (let t = 0; t <= 20; t++) assert.ok(isColor(c, 10 + 2 * t, 10 + t, RED), `pixel (${10 + 2 * t}, ${10 + t}) aa=${antialias}`);
    // every column between the end points has ink within a pixel of the true line y = 10 + (x − 10)/2
    for (let x = 10; x <= 50; x++) {
      const yl = 10 + (x - 10) / 2;
      let found = false;
      for (let y = Math.floor(yl) - 1; y <= Math.ceil(yl) + 1; y++) if (!isColor(c, x, y, WHITE)) found = true;
      assert.ok(found, `column ${x}`);
    }
    const box = inkBox(c);
    // round caps reach at most half the width + the 1-px anti-aliasing ramp beyond the end points
    assert.ok(box.x0 >= 9 && box.x1 <= 51 && box.y0 >= 9 && box.y1 <= 31, JSON.stringify(box));
  }
});

test('canvas: width-2 lines are about twice as heavy as width-1 lines', () => {
  const ink = (w: number): number => {
    const c = new Canvas(80, 40);
    c.line(10, 20, 70, 20, [0, 0, 0], { width: w });
    let sum = 0;
    for (let i = 0; i < c.data.length; i += 4) sum += (255 - c.data[i]) / 255;
    return sum;
  };
  const r = ink(2) / ink(1);
  // interior coverage doubles exactly; the round caps add a little more to the wider line
  assert.ok(r > 1.9 && r < 2.2, `ratio ${r}`);
});

test('canvas: a dashed line alternates ink and gaps with the given period', () => {
  const c = new Canvas(100, 9);
  c.line(0, 4, 99, 4, RED, { dash: [6, 4], antialias: false });
  const on = Array.from({ length: 100 }, (_, x) => isColor(c, x, 4, RED));
  // 0..5 on, 6..9 off, 10..15 on, … (a 1-px cap may reach one pixel past each dash end)
  for (let x = 1; x < 96; x++) {
    const phase = x % 10;
    if (phase >= 1 && phase <= 5) assert.ok(on[x], `x=${x} should be inked`);
    if (phase >= 7 && phase <= 8) assert.ok(!on[x], `x=${x} should be a gap`);
  }
});

test('canvas: fillPolygon fills a square exactly and an anti-aliased triangle with its area', () => {
  const c = new Canvas(20, 20);
  // the square with corners at pixel edges −0.5 covers pixels 2..7 × 3..8 exactly
  c.fillPolygon([1.5, 2.5, 7.5, 2.5, 7.5, 8.5, 1.5, 8.5], RED);
  const box = inkBox(c);
  assert.deepEqual([box.x0, box.y0, box.x1, box.y1, box.count], [2, 3, 7, 8, 36]);
  for (let y = 3; y <= 8; y++) for (let x = 2; x <= 7; x++) assert.ok(isColor(c, x, y, RED));

  const t = new Canvas(40, 40);
  t.fillPolygon([3.2, 4.1, 35.7, 9.3, 12.4, 33.8], [0, 0, 0]);
  let cover = 0;
  for (let i = 0; i < t.data.length; i += 4) cover += (255 - t.data[i]) / 255;
  const area = Math.abs((35.7 - 3.2) * (33.8 - 4.1) - (12.4 - 3.2) * (9.3 - 4.1)) / 2;
  // 4 sub-scanlines per row: vertical edge error ≤ 1/8 px per row end; byte rounding ≤ 1/510 per pixel
  assert.ok(Math.abs(cover - area) / area < 0.01, `coverage ${cover} vs area ${area}`);
});

test('canvas: the clip rectangle stops drawing outside it', () => {
  const c = new Canvas(20, 20);
  c.setClip(5, 5, 10, 10);
  c.fillRect(0, 0, 20, 20, RED);
  c.resetClip();
  const box = inkBox(c);
  assert.deepEqual([box.x0, box.y0, box.x1, box.y1, box.count], [5, 5, 9, 9, 25]);
});

test('canvas: bad sizes and arguments throw ShapeError with the argument named', () => {
  assert.throws(() => new Canvas(0, 5), (e: Error) => e instanceof ShapeError && /width and height/.test(e.message));
  assert.throws(() => new Canvas(4, 4).polyline([1, 2], [1], RED), /xs has 2 points but ys has 1/);
  assert.throws(() => new Canvas(4, 4).fillPolygon([0, 0, 1, 1], RED), /at least 3/);
  assert.throws(() => hexColor('red'), /hexColor/);
  assert.deepEqual(hexColor('#0a0'), [0, 170, 0]);
});

// ---------------------------------------------------------------- font

test('font: text width is 6 px per character minus the last space, times the scale', () => {
  assert.deepEqual(measureText('abc'), { width: 17, height: GLYPH_HEIGHT });
  assert.deepEqual(measureText('abc', 2), { width: 34, height: 2 * GLYPH_HEIGHT });
  assert.equal(measureText('').width, 0);
  assert.equal(measureText('0.5 ± 0.1').width, 9 * 6 - 1); // '±' is one character
  for (let code = 32; code <= 126; code++) assert.ok(hasGlyph(String.fromCharCode(code)), `glyph ${code}`);
  for (const ch of '±μ→×') assert.ok(hasGlyph(ch));
});

test('font: drawn text stays inside its measured box, also rotated and scaled (property)', () => {
  const printable = fc.integer({ min: 32, max: 126 }).map((c) => String.fromCharCode(c));
  fc.assert(
    fc.property(fc.array(printable, { minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 3 }), fc.boolean(), (chars, scale, rot) => {
      const text = chars.join('');
      const { width, height } = measureText(text, scale);
      const c = new Canvas(200, 200);
      drawText(c, text, 60, 150, [0, 0, 0], { scale, rotate: rot ? 90 : 0 });
      const box = inkBox(c);
      if (box.count === 0) return true; // all spaces
      if (!rot) return box.x0 >= 60 && box.x1 < 60 + width && box.y0 >= 150 && box.y1 < 150 + height;
      // a quarter turn counter-clockwise: x spans the glyph height, y runs up from the anchor
      return box.x0 >= 60 && box.x1 < 60 + height && box.y1 < 150 && box.y0 >= 150 - width;
    }),
    { seed: 11, numRuns: 60 },
  );
});

test('font: align and valign move the anchor', () => {
  const c = new Canvas(100, 40);
  drawText(c, 'HH', 50, 20, [0, 0, 0], { align: 'right', valign: 'middle' });
  const box = inkBox(c);
  // 'HH' is 11 px wide and its capitals 7 px tall; right-aligned at x = 50, caps centred on y = 20
  assert.equal(box.x1, 49);
  assert.equal(box.x0, 39);
  assert.equal(box.y0, 16);
  assert.equal(box.y1, 22);
});

// ---------------------------------------------------------------- ticks

test('ticks: nice linear ticks for hand cases', () => {
  const t = niceTicks(0, 1);
  assert.deepEqual(t.values, [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(t.labels, ['0', '0.2', '0.4', '0.6', '0.8', '1.0']);
  assert.deepEqual(niceTicks(0.0013, 0.0171).values, [0, 0.005, 0.01, 0.015, 0.02]);
  assert.deepEqual(niceTicks(3, 97).values, [0, 20, 40, 60, 80, 100]);
  assert.deepEqual(niceTicks(-0.37, 1.2).values, [-0.5, 0, 0.5, 1, 1.5]);
  assert.deepEqual(niceTicks(0, 0.3, 3).values, [0, 0.1, 0.2, 0.3]); // no 0.30000000000000004
  assert.deepEqual(niceTicks(1e-6, 5e-6).labels, ['1e-6', '2e-6', '3e-6', '4e-6', '5e-6']);
  assert.deepEqual(niceTicks(5, 5).values.length > 1, true); // a flat series still gets a range
  assert.equal(formatTick(-0, 0.1), '0');
  assert.equal(formatTick(2000000, 1000000), '2e6');
});

test('ticks: nice ticks cover the data with 1-2-5 steps and at most maxIntervals intervals (property)', () => {
  fc.assert(
    fc.property(
      fc.double({ min: -1e6, max: 1e6, noNaN: true }),
      fc.double({ min: 1e-6, max: 1e6, noNaN: true }),
      fc.integer({ min: 2, max: 10 }),
      (lo, span, maxI) => {
        const hi = lo + span;
        if (hi - lo < Math.abs(lo) * 1e-9) return true; // span lost to rounding
        const t = niceTicks(lo, hi, maxI);
        const mant = t.step / 10 ** Math.floor(Math.log10(t.step) + 1e-9);
        const okMant = [1, 2, 5].some((m) => Math.abs(mant - m) < 1e-6);
        // tick values are rounded to the step's decimals: allow that rounding (1e-9 of the step)
        const eps = t.step * 1e-6;
        return okMant && t.values.length - 1 <= maxI && t.lo <= lo + eps && t.hi >= hi - eps;
      },
    ),
    { seed: 5, numRuns: 300 },
  );
});

test('ticks: log axes label decades (and 2, 5 on short ones)', () => {
  const t = logTicks(0.011, 0.9);
  assert.equal(t.lo, 0.01);
  assert.equal(t.hi, 1);
  assert.deepEqual(t.labels, ['0.01', '0.02', '0.05', '0.1', '0.2', '0.5', '1']);
  const wide = logTicks(1e-6, 3);
  // 3 is within 10 % of the log span below 10, so the axis snaps up to 10
  assert.deepEqual(wide.labels, ['1e-6', '1e-5', '1e-4', '0.001', '0.01', '0.1', '1', '10']);
  assert.ok(wide.minor.includes(0.02));
  assert.ok(logTicks(0.05, 0.08).values.length >= 2);
  assert.ok(logTicks(2, 2).values.length >= 2);
  assert.throws(() => logTicks(0, 1), /positive/);
});

// ---------------------------------------------------------------- palette

test('palette: each activation has its own colour, found from common spellings', () => {
  const names = ['elu', 'relu', 'lrelu', 'srelu', 'prelu', 'selu'];
  const keys = new Set(names.map((n) => ACTIVATION_COLORS[n].join(',')));
  assert.equal(keys.size, 6);
  assert.deepEqual(colorFor('ELU'), ACTIVATION_COLORS.elu);
  assert.deepEqual(colorFor('ELU+BN'), ACTIVATION_COLORS.elu);
  assert.deepEqual(colorFor('SELU'), ACTIVATION_COLORS.selu);
  assert.deepEqual(colorFor('leaky-relu (run 2)'), ACTIVATION_COLORS.lrelu);
  assert.deepEqual(colorFor('SReLU'), ACTIVATION_COLORS.srelu);
  assert.notDeepEqual(colorFor('train', 0), colorFor('test', 1));
});

// ---------------------------------------------------------------- charts

const AXIS: Rgb = hexColor('#444444');

test('chart: the series colour is in the plot area where the data is, and background elsewhere', () => {
  const color: Rgb = [0, 0, 255];
  const x = Array.from({ length: 11 }, (_, i) => i);
  const c = lineChart({ title: 'flat', xLabel: 'epoch', yLabel: 'value', series: [{ name: 'a', x, y: x.map(() => 0.25), color }], yRange: [0, 1], legend: 'none' });
  assert.equal(c.width, 640);
  assert.equal(c.height, 400);
  // find the plot frame: the first and last axis-coloured pixels in the middle column
  const col = Math.floor(c.width / 2);
  const frame: number[] = [];
  for (let y = 0; y < c.height; y++) if (isColor(c, col, y, AXIS)) frame.push(y);
  const top = frame[0];
  const bottom = frame[frame.length - 1];
  assert.ok(bottom - top > 200, `frame ${top}..${bottom}`);
  // y = 0.25 on a 0..1 axis lies a quarter of the way up from the bottom
  const mid = bottom - 0.25 * (bottom - top);
  let lineAt = -1;
  for (let y = top + 1; y < bottom; y++) {
    const p = px(c, col, y);
    if (p[0] === 0 && p[1] === 0 && p[2] === 255) lineAt = y;
    else if (Math.abs(y - mid) > 3) {
      // away from the line: white or a light-grey grid line only
      assert.ok(p[0] === p[1] && p[1] === p[2] && p[0] >= 220, `pixel (${col}, ${y}) = ${p}`);
    }
  }
  // a 2-px line centred on a fractional row: its full-colour row is within 1.5 px of the exact position
  assert.ok(Math.abs(lineAt - mid) <= 1.5, `line at ${lineAt}, expected ≈ ${mid}`);
  // the corners of the image are background
  assert.deepEqual(px(c, 0, 0), [255, 255, 255]);
  assert.deepEqual(px(c, c.width - 1, c.height - 1), [255, 255, 255]);
});

test('chart: std bands are translucent series colour; log axis skips values ≤ 0 without failing', () => {
  const x = [0, 1, 2, 3, 4];
  const c = lineChart({
    series: [{ name: 'ELU', x, y: [0.5, 0.5, 0.5, 0.5, 0.5], std: [0.2, 0.2, 0.2, 0.2, 0.2] }],
    yRange: [0, 1],
    legend: 'none',
  });
  // scan the middle column: pixels tinted towards ELU's colour (not grey) above and below the line
  const [er, eg, eb] = ACTIVATION_COLORS.elu;
  const col = Math.floor(c.width / 2);
  let tinted = 0;
  for (let y = 0; y < c.height; y++) {
    const [r, g, b] = px(c, col, y);
    const isLine = r === er && g === eg && b === eb;
    if (!isLine && r > g && g > b && r > 240) tinted++; // light vermillion: red-ish, lighter than the line
  }
  // the band is 0.4 of the y range (≈ 140 px of a ~350 px plot); allow for the grid lines crossing it
  assert.ok(tinted > 100, `tinted ${tinted}`);
  const log = lineChart({ series: [{ name: 'loss', x, y: [1, 0.1, 0, -1, 0.01], std: [0.5, 0.5, 0.5, 0.5, 0.5] }], logY: true });
  assert.ok(inkBox(log).count > 0);
});

test('chart: legend lists the series and avoids covering the data', () => {
  const x = Array.from({ length: 20 }, (_, i) => i);
  // a curve through the top-right: the legend should go elsewhere (first free corner: top-left)
  const c = lineChart({ series: [{ name: 'ELU', x, y: x.map((v) => v) }], width: 400, height: 300 });
  const [er, eg, eb] = ACTIVATION_COLORS.elu;
  let inTopLeft = 0;
  for (let y = 0; y < 120; y++) for (let x0 = 0; x0 < 200; x0++) if (isColor(c, x0, y, [er, eg, eb])) inTopLeft++;
  // the swatch line in the legend (18 px × 2 px) is the only ELU-coloured ink in the top-left corner
  assert.ok(inTopLeft >= 20 && inTopLeft < 80, `ELU pixels in top-left: ${inTopLeft}`);
});

test('chart: seriesFromRuns gives the mean and sample std per epoch, over runs of unequal length', () => {
  const s = seriesFromRuns('ELU', [
    [1, 2, 3],
    [3, 4],
  ]);
  assert.deepEqual(Array.from(s.x), [1, 2, 3]);
  assert.deepEqual(Array.from(s.y), [2, 3, 3]);
  // std of {1, 3} and {2, 4} is √2 (n − 1); the third epoch has one run: 0
  assert.deepEqual(Array.from(s.std!), [Math.SQRT2, Math.SQRT2, 0]);
  assert.equal(seriesFromRuns('one', [[5, 6]]).std, undefined);
});

test('chart: mismatched series lengths throw ShapeError naming the series', () => {
  assert.throws(
    () => lineChart({ series: [{ name: 'relu', x: [1, 2, 3], y: [1, 2] }] }),
    (e: Error) => e instanceof ShapeError && /series 0 \('relu'\) has 3 x values but 2 y values/.test(e.message),
  );
  assert.throws(() => lineChart({ series: [], logY: true, yRange: [0, 1] }), /positive yRange/);
  assert.throws(() => lineChart({ series: [], yRange: [1, 0] }), /yRange must be \[lo, hi\] with finite lo < hi, got \[1, 0\]/);
});

test('chart: multiPanel places panels side by side', () => {
  const a = new Canvas(30, 20, RED);
  const b = new Canvas(40, 25, [0, 0, 255]);
  const m = multiPanel([a, b]);
  assert.deepEqual([m.width, m.height], [70, 25]);
  assert.deepEqual(px(m, 0, 0), [255, 0, 0]);
  assert.deepEqual(px(m, 30, 0), [0, 0, 255]);
  assert.deepEqual(px(m, 0, 24), [255, 255, 255]); // below the shorter panel
  const grid = multiPanel([a, b, a], { cols: 2, gap: 4 });
  assert.deepEqual([grid.width, grid.height], [30 + 4 + 40, 25 + 4 + 20]);
});

// ---------------------------------------------------------------- image grids

test('grid: dimensions follow cols, scale, gap and captions', () => {
  const img = new Float32Array(10 * 28 * 28);
  const g = imageGrid(img, 10, 1, 28, 28, { cols: 4, scale: 2 });
  // 4 tiles of 56 px and 5 gaps of 2 px; 3 rows
  assert.deepEqual([g.width, g.height], [4 * 56 + 5 * 2, 3 * 56 + 4 * 2]);
  const labels = Array.from({ length: 10 }, (_, i) => `${i}→${(i + 1) % 10}`);
  const gl = imageGrid(img, 10, 1, 28, 28, { cols: 4, scale: 2, labels });
  // each row gains a caption line (9 px + 2 px spacing)
  assert.deepEqual([gl.width, gl.height], [4 * 56 + 5 * 2, 3 * (56 + 11) + 4 * 2]);
});

test('grid: global, per-image and RGB normalisation map values to the expected bytes', () => {
  // two 1×2 grey images: [0, 1] and [2, 4]
  const img = Float32Array.from([0, 1, 2, 4]);
  const g = imageGrid(img, 2, 1, 1, 2, { cols: 2, gap: 1, normalize: 'global' });
  // tile 0 at x = 1, tile 1 at x = 1 + 2 + 1 = 4; global range 0..4
  assert.deepEqual(px(g, 1, 1), [0, 0, 0]);
  assert.deepEqual(px(g, 2, 1), [64, 64, 64]); // 255·1/4 = 63.75
  assert.deepEqual(px(g, 5, 1), [255, 255, 255]);
  const p = imageGrid(img, 2, 1, 1, 2, { cols: 2, gap: 1, normalize: 'per-image' });
  assert.deepEqual(px(p, 4, 1), [0, 0, 0]); // 2 is the minimum of image 1
  assert.deepEqual(px(p, 5, 1), [255, 255, 255]);
  // one 1×1 RGB filter (r, g, b) = (−1, 0, 1), per-image range −1..1
  const f = imageGrid(Float32Array.from([-1, 0, 1]), 1, 3, 1, 1, { gap: 0, normalize: 'per-image' });
  assert.deepEqual(f.getPixel(0, 0), [0, 128, 255, 255]);
  // a constant image is mid-grey
  const k = imageGrid(Float32Array.from([3, 3]), 1, 1, 1, 2, { gap: 0, normalize: 'per-image' });
  assert.deepEqual(px(k, 0, 0), [128, 128, 128]);
});

test('grid: wrong sizes throw ShapeError with the fix', () => {
  assert.throws(() => imageGrid(new Float32Array(5), 2, 1, 2, 2), /expected n·c·h·w = 2·1·2·2 = 8 values, got 5/);
  assert.throws(() => imageGrid(new Float32Array(16), 2, 2, 2, 2), /c must be 1 \(grey\) or 3 \(RGB\)/);
  assert.throws(() => imageGrid(new Float32Array(8), 2, 1, 2, 2, { labels: ['a'] }), /one label per image/);
});

// ---------------------------------------------------------------- tables

test('table: Markdown table with numeric columns right-aligned', () => {
  const md = markdownTable(['metric', 'ELU', 'ReLU'], [
    ['test error', '1.12 ± 0.05', '1.38 ± 0.07'],
    ['a|b', 3, 17],
  ]);
  assert.equal(
    md,
    '| metric     |         ELU |        ReLU |\n' +
      '| ---------- | ----------: | ----------: |\n' +
      '| test error | 1.12 ± 0.05 | 1.38 ± 0.07 |\n' +
      '| a\\|b       |           3 |          17 |\n',
  );
});

test('table: text table pads columns to fixed widths, numbers to the right, no trailing spaces', () => {
  const t = textTable(['metric', 'ELU'], [['err', 0.5], ['loss', 12]], { digits: 2, title: 'T' });
  assert.equal(t, 'T\nmetric    ELU\n------  -----\nerr      0.50\nloss    12.00');
  // two header rows (the rule under the last), explicit alignment, another rule character
  const two = textTable([['', 'ELU', ''], ['epoch', 'loss', 'acc']], [['1', '0.5', '90%']], { align: ['left', 'right', 'right'], rule: '─' });
  assert.equal(two, '        ELU\nepoch  loss  acc\n─────  ────  ───\n1       0.5  90%');
  // solidRule: one rule across the gaps too (the model summary's style)
  assert.equal(textTable(['a', 'bb'], [['xyz', 1]], { solidRule: true }), 'a    bb\n-------\nxyz   1');
});

test('table: meanStd and number formats', () => {
  const s = meanStd([1, 2, 3, 4]);
  assert.equal(s.mean, 2.5);
  assert.ok(Math.abs(s.std - Math.sqrt(5 / 3)) < 1e-12); // sample std, n − 1; exact up to float rounding
  assert.equal(meanStd([7]).std, 0);
  assert.ok(Number.isNaN(meanStd([1, NaN]).mean), 'a NaN is not skipped');
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  // columns of a runs × epochs matrix, cut to the shortest run
  assert.deepEqual(columnStats([[1, 10, 5], [3, 20], [2, 30]]), { mean: [2, 20], std: [1, 10], median: [2, 20] });
  assert.equal(formatMeanStd(1.2345, 0.05), '1.23 ± 0.05');
  assert.equal(formatMeanStd(1.2345, 0), '1.23');
  assert.equal(formatPercent(0.0082), '0.82%');
});

test('formatDuration: seconds with a decimal below a minute, then m/s, then h/m, each rounded to the unit shown', () => {
  const cases: [number, string][] = [
    [0, '0.0 s'], [8.44, '8.4 s'], [59.94, '59.9 s'],
    [59.96, '1m00s'], // rounds to a whole minute, not "60.0 s"
    [245, '4m05s'], [119.6, '2m00s'], // not "1m60s"
    [3599.4, '59m59s'], [3599.6, '1h00m'], [7385, '2h03m'], [100 * 3600, '100h00m'],
    [Infinity, '–'], [NaN, '–'], [-1, '–'], // an ETA before any progress
  ];
  for (const [s, text] of cases) assert.equal(formatDuration(s), text, `${s} s`);
});
