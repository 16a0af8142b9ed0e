/**
 * Image grids: training samples, misclassified examples with "true→pred" captions, and first-layer filters.
 *
 *   images: (N, C, H, W) Float32Array, NCHW row-major, C = 1 (grey) or 3 (RGB)
 *   output: a Canvas with ⌈N / cols⌉ rows of `cols` tiles; tile i shows image i enlarged `scale` times
 *           (nearest neighbour, so single pixels and filter weights stay visible), its caption below it.
 *
 * Values become grey levels by min/max normalisation, v' = (v − min) / (max − min), then 255·v':
 *   'global'    one min/max over all images (samples: keeps their relative brightness);
 *   'per-image' a min/max per image, over all its channels (filters: each filter uses the full range,
 *               and an RGB filter keeps the balance between its channels);
 *   'none'      values are already in [0, 1] and are only clipped.
 * An image whose values are all equal is drawn mid-grey.
 */
import { checkInt, ShapeError } from '../errors.js';
import { Canvas, hexColor, type Rgb, WHITE } from './canvas.js';
import { drawText, fitText, GLYPH_HEIGHT, measureText } from './font.js';

export interface ImageGridOptions {
  /** tiles per row (default ⌈√N⌉) */
  cols?: number;
  /** integer enlargement (default 1) */
  scale?: number;
  /** one caption per image, drawn under it (e.g. 'cat→dog' for a misclassified cat) */
  labels?: string[];
  /** caption colours, one per image (default dark grey); e.g. red for wrong predictions */
  labelColors?: Rgb[];
  normalize?: 'global' | 'per-image' | 'none';
  /** pixels between tiles and around the grid (default 2) */
  gap?: number;
  background?: Rgb;
  /** a line of text above the grid */
  title?: string;
  /** integer scale of captions and title (default 1) */
  fontScale?: number;
}

const TEXT: Rgb = hexColor('#222222');

/** Draws N images (NCHW) as a grid of tiles; see the file header. */
export function imageGrid(images: Float32Array, n: number, c: number, h: number, w: number, opts: ImageGridOptions = {}): Canvas {
  checkInt('imageGrid: n', n, 1);
  checkInt('imageGrid: h', h, 1);
  checkInt('imageGrid: w', w, 1);
  if (c !== 1 && c !== 3) {
    throw new ShapeError(
      `imageGrid: c must be 1 (grey) or 3 (RGB), got ${c}; to show the channels of a ${c}-channel filter separately, pass n·c images with c = 1`,
    );
  }
  if (images.length !== n * c * h * w) {
    throw new ShapeError(`imageGrid: expected n·c·h·w = ${n}·${c}·${h}·${w} = ${n * c * h * w} values, got ${images.length}`);
  }
  const { scale = 1, labels, labelColors, normalize = 'global', gap = 2, background = WHITE, title = '', fontScale = 1 } = opts;
  const cols = opts.cols ?? Math.ceil(Math.sqrt(n));
  checkInt('imageGrid: cols', cols, 1);
  checkInt('imageGrid: scale', scale, 1);
  checkInt('imageGrid: fontScale', fontScale, 1);
  if (labels && labels.length !== n) {
    throw new ShapeError(`imageGrid: expected one label per image (${n}), got ${labels.length}`);
  }
  if (labelColors && labelColors.length !== n) {
    throw new ShapeError(`imageGrid: expected one label colour per image (${n}), got ${labelColors.length}`);
  }

  const rows = Math.ceil(n / cols);
  const tileW = w * scale;
  const tileH = h * scale;
  // a cell is as wide as the tile or its widest caption (captions up to 3 tiles wide; longer ones are cut)
  const capW = labels ? Math.min(Math.max(...labels.map((l) => measureText(l, fontScale).width)), 3 * Math.max(tileW, 24)) : 0;
  const cellW = Math.max(tileW, capW);
  const capH = labels ? GLYPH_HEIGHT * fontScale + 2 : 0;
  const cellH = tileH + capH;
  const titleH = title ? GLYPH_HEIGHT * (fontScale + 1) + 2 * gap + 2 : 0;
  const W = cols * cellW + (cols + 1) * gap;
  const H = titleH + rows * cellH + (rows + 1) * gap;
  const canvas = new Canvas(W, H, background);
  if (title) drawText(canvas, fitText(title, W - 2 * gap, fontScale + 1), W / 2, gap + 1, TEXT, { scale: fontScale + 1, align: 'center' });

  const plane = h * w;
  const size = c * plane;
  let gMin = Infinity;
  let gMax = -Infinity;
  if (normalize === 'global') {
    for (let i = 0; i < images.length; i++) {
      const v = images[i];
      if (v < gMin) gMin = v;
      if (v > gMax) gMax = v;
    }
  }
  const d = canvas.data;
  for (let img = 0; img < n; img++) {
    const base = img * size;
    let lo = 0;
    let hi = 1;
    if (normalize === 'global') {
      lo = gMin;
      hi = gMax;
    } else if (normalize === 'per-image') {
      lo = Infinity;
      hi = -Infinity;
      for (let i = base; i < base + size; i++) {
        const v = images[i];
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
    const range = hi - lo;
    const inv = range > 0 ? 1 / range : 0;
    const col = img % cols;
    const row = Math.floor(img / cols);
    const cellX = gap + col * (cellW + gap);
    const cellY = titleH + gap + row * (cellH + gap);
    const tileX = cellX + Math.floor((cellW - tileW) / 2);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const pix = y * w + x;
        for (let ch = 0; ch < 3; ch++) {
          // grey images repeat channel 0 into R, G and B
          const v = images[base + (c === 3 ? ch * plane : 0) + pix];
          // ('none' has lo = 0, hi = 1, so t = v; a constant image has range 0 and is drawn mid-grey)
          let t = range > 0 ? (v - lo) * inv : 0.5;
          t = t < 0 ? 0 : t > 1 ? 1 : t;
          const byte = Math.round(255 * t);
          for (let sy = 0; sy < scale; sy++) {
            const rowOff = 4 * ((cellY + y * scale + sy) * W + tileX + x * scale);
            for (let sx = 0; sx < scale; sx++) {
              const o = rowOff + 4 * sx;
              d[o + ch] = byte;
              d[o + 3] = 255;
            }
          }
        }
      }
    }
    if (labels) {
      const text = fitText(labels[img], cellW, fontScale);
      drawText(canvas, text, cellX + cellW / 2, cellY + tileH + 2, labelColors ? labelColors[img] : TEXT, {
        scale: fontScale,
        align: 'center',
      });
    }
  }
  return canvas;
}
