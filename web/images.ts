/**
 * Image grids on a canvas: first-layer filters and misclassified digits, from the bytes of an ImageSet
 * (each image C planes of H×W bytes; C = 1 is grey, C = 3 is RGB). Pixels are enlarged without smoothing,
 * so a 3×3 filter shows its nine weights as nine squares.
 */
import type { ImageSet } from '../src/live/format.js';

export interface GridOptions {
  /** screen pixels per image pixel */
  scale: number;
  cols: number;
  captionColor?: string;
}

/** Draws `set` into `canvas` (resized to fit) and returns it. */
export function drawGrid(canvas: HTMLCanvasElement, set: ImageSet, o: GridOptions): HTMLCanvasElement {
  const scale = o.scale;
  const iw = set.w * scale;
  const ih = set.h * scale;
  const gap = 4;
  const caption = set.captions ? 14 : 0;
  const cols = Math.max(1, Math.min(o.cols, set.count));
  const rows = Math.max(1, Math.ceil(set.count / cols));
  const dpr = window.devicePixelRatio || 1;
  const cssW = cols * (iw + gap) - gap;
  const cssH = rows * (ih + caption + gap) - gap;
  canvas.width = Math.round(cssW * dpr);
  canvas.height = Math.round(cssH * dpr);
  canvas.style.width = `${cssW}px`;
  canvas.style.height = `${cssH}px`;
  const ctx = canvas.getContext('2d')!;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, cssW, cssH);
  ctx.imageSmoothingEnabled = false;
  const tile = document.createElement('canvas');
  tile.width = set.w;
  tile.height = set.h;
  const tctx = tile.getContext('2d')!;
  const img = tctx.createImageData(set.w, set.h);
  const plane = set.h * set.w;
  const per = set.c * plane;
  ctx.font = '11px system-ui, sans-serif';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (let k = 0; k < set.count; k++) {
    for (let p = 0; p < plane; p++) {
      const r = set.bytes[k * per + p];
      const g = set.c === 3 ? set.bytes[k * per + plane + p] : r;
      const b = set.c === 3 ? set.bytes[k * per + 2 * plane + p] : r;
      img.data[4 * p] = r;
      img.data[4 * p + 1] = g;
      img.data[4 * p + 2] = b;
      img.data[4 * p + 3] = 255;
    }
    tctx.putImageData(img, 0, 0);
    const x = (k % cols) * (iw + gap);
    const y = Math.floor(k / cols) * (ih + caption + gap);
    ctx.drawImage(tile, x, y, iw, ih);
    if (set.captions) {
      ctx.fillStyle = o.captionColor ?? '#b42318';
      ctx.fillText(set.captions[k], x + iw / 2, y + ih + 1);
    }
  }
  return canvas;
}
