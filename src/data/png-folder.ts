/**
 * Your own images: a folder with one sub-folder of PNG files per class.
 *
 *   root/<class>/*.png                      → one pool, split into train/test by a seeded stratified split
 *   root/train/<class>/*.png + root/test/<class>/*.png → the split you made (class folders must match)
 *
 * Class indices follow the sorted class-folder names. Channels are decided from the data: if every pixel
 * of every image has R = G = B the set is gray (C = 1), else RGB (C = 3). Alpha is dropped (pixels keep
 * their stored colour). Images of a size other than the target are resized with bilinear interpolation
 * (half-pixel centres, as PIL and PyTorch's align_corners=false) when `size` is given, and rejected with a
 * DataError naming the file and both sizes when it is not (the target is then the first image's size).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { DataError, ShapeError } from '../errors.js';
import { allocImages, type Dataset, type Split, stratifiedSplit, validateDataset, withValidation } from './dataset.js';

export interface PngFolderOptions {
  /** target (height, width); images of another size are resized. Default: all images must share one size */
  size?: { h: number; w: number };
  /** fraction held out as the test set when the folder has no train/ and test/ (default 0.2) */
  testFraction?: number;
  validationFraction?: number;
  seed?: number;
  shared?: boolean;
}

/**
 * Bilinear resize of one (C, SH, SW) image into (C, DH, DW), half-pixel centres:
 *   sy = (i + ½)·SH/DH − ½ clamped to [0, SH−1], y0 = ⌊sy⌋, y1 = min(y0+1, SH−1), fy = sy − y0 (same for x)
 *   dst[c,i,j] = (1−fy)·((1−fx)·src[c,y0,x0] + fx·src[c,y0,x1]) + fy·((1−fx)·src[c,y1,x0] + fx·src[c,y1,x1])
 */
export function resizeBilinear(
  dst: Float32Array, dstOffset: number, dh: number, dw: number,
  src: Float32Array, srcOffset: number, sh: number, sw: number, c: number,
): void {
  for (let i = 0; i < dh; i++) {
    const sy = Math.min(Math.max((i + 0.5) * (sh / dh) - 0.5, 0), sh - 1);
    const y0 = Math.floor(sy);
    const y1 = Math.min(y0 + 1, sh - 1);
    const fy = sy - y0;
    for (let j = 0; j < dw; j++) {
      const sx = Math.min(Math.max((j + 0.5) * (sw / dw) - 0.5, 0), sw - 1);
      const x0 = Math.floor(sx);
      const x1 = Math.min(x0 + 1, sw - 1);
      const fx = sx - x0;
      for (let ch = 0; ch < c; ch++) {
        const plane = srcOffset + ch * sh * sw;
        const top = (1 - fx) * src[plane + y0 * sw + x0] + fx * src[plane + y0 * sw + x1];
        const bot = (1 - fx) * src[plane + y1 * sw + x0] + fx * src[plane + y1 * sw + x1];
        dst[dstOffset + ch * dh * dw + i * dw + j] = (1 - fy) * top + fy * bot;
      }
    }
  }
}

interface Decoded {
  file: string;
  label: number;
  width: number;
  height: number;
  /** RGBA, 8 bits per channel */
  rgba: Uint8Array;
}

function subdirs(dir: string): string[] {
  return readdirSync(dir)
    .filter((e) => !e.startsWith('.') && statSync(join(dir, e)).isDirectory())
    .sort();
}

function pngFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((e) => /\.png$/i.test(e) && statSync(join(dir, e)).isFile())
    .sort();
}

/** True when `dir` has class sub-folders holding PNG files (directly or under train/ and test/). */
export function looksLikePngFolder(dir: string): boolean {
  try {
    if (!existsSync(dir) || !statSync(dir).isDirectory()) return false;
    const subs = subdirs(dir);
    const roots = subs.includes('train') && subs.includes('test') ? [join(dir, 'train')] : [dir];
    return roots.some((r) => subdirs(r).some((c) => pngFiles(join(r, c)).length > 0));
  } catch {
    return false; // unreadable entries: not something we can load
  }
}

function decodeFolder(root: string, classNames: string[]): Decoded[] {
  const out: Decoded[] = [];
  classNames.forEach((cls, label) => {
    const dir = join(root, cls);
    if (!existsSync(dir)) return;
    for (const f of pngFiles(dir)) {
      const file = join(dir, f);
      let png: PNG;
      try {
        png = PNG.sync.read(readFileSync(file));
      } catch (e) {
        throw new DataError(`${file}: expected a valid PNG image, found an unreadable one (${(e as Error).message})`);
      }
      out.push({ file, label, width: png.width, height: png.height, rgba: png.data });
    }
  });
  return out;
}

function toDataset(
  items: Decoded[], c: number, h: number, w: number, resize: boolean,
  classNames: string[], name: string, source: string, shared: boolean,
): Dataset {
  const d = c * h * w;
  const images = allocImages(items.length * d, shared);
  const labels = new Int32Array(items.length);
  items.forEach((it, i) => {
    labels[i] = it.label;
    const sh = it.height;
    const sw = it.width;
    if (sh !== h || sw !== w) {
      if (!resize) {
        throw new DataError(`${it.file}: expected a ${w}×${h} image (width×height) like the others, found ${sw}×${sh}; pass a size to resize`);
      }
      const tmp = new Float32Array(c * sh * sw);
      planes(tmp, 0, it.rgba, sh * sw, c);
      resizeBilinear(images, i * d, h, w, tmp, 0, sh, sw, c);
    } else {
      planes(images, i * d, it.rgba, sh * sw, c);
    }
  });
  return validateDataset({ name, images, labels, n: items.length, c, h, w, classes: classNames.length, classNames, source });
}

/** RGBA bytes → C planes of v/255 (C = 1 takes the red channel, which equals green and blue for gray data). */
function planes(dst: Float32Array, off: number, rgba: Uint8Array, hw: number, c: number): void {
  for (let ch = 0; ch < c; ch++) {
    const o = off + ch * hw;
    for (let p = 0; p < hw; p++) dst[o + p] = rgba[4 * p + ch] / 255;
  }
}

/** Load a PNG class-folder tree; see the file header for the layout and the rules. */
export function loadPngFolder(root: string, opts: PngFolderOptions = {}): Split {
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new DataError(`${root}: expected a folder of class sub-folders with PNG files, found ${existsSync(root) ? 'a file' : 'nothing'}`);
  }
  const { testFraction = 0.2, validationFraction = 0, seed = 0, shared = false } = opts;
  if (opts.size && !(Number.isInteger(opts.size.h) && Number.isInteger(opts.size.w) && opts.size.h > 0 && opts.size.w > 0)) {
    throw new ShapeError(`png folder: size must be positive integers, got ${opts.size.h}×${opts.size.w}`);
  }
  const top = subdirs(root);
  const presplit = top.includes('train') && top.includes('test');
  const trainRoot = presplit ? join(root, 'train') : root;
  const classNames = subdirs(trainRoot);
  if (classNames.length === 0) {
    throw new DataError(`${trainRoot}: expected one sub-folder of PNG files per class, found no sub-folders`);
  }
  if (presplit) {
    const extra = subdirs(join(root, 'test')).filter((c) => !classNames.includes(c));
    if (extra.length > 0) {
      throw new DataError(`${join(root, 'test')}: expected only the class folders of train/ (${classNames.join(', ')}), found also ${extra.join(', ')}`);
    }
  }
  const trainItems = decodeFolder(trainRoot, classNames);
  const testItems = presplit ? decodeFolder(join(root, 'test'), classNames) : [];
  const all = [...trainItems, ...testItems];
  if (trainItems.length === 0) {
    throw new DataError(`${trainRoot}: expected PNG files in the class folders (${classNames.join(', ')}), found none`);
  }
  const empty = classNames.filter((_, k) => !trainItems.some((it) => it.label === k));
  if (empty.length > 0) {
    throw new DataError(`${trainRoot}: expected PNG files in every class folder, found none in ${empty.join(', ')}`);
  }

  let gray = true;
  for (const it of all) {
    const px = it.rgba;
    for (let p = 0; p < px.length && gray; p += 4) if (px[p] !== px[p + 1] || px[p] !== px[p + 2]) gray = false;
    if (!gray) break;
  }
  const c = gray ? 1 : 3;
  const h = opts.size?.h ?? all[0].height;
  const w = opts.size?.w ?? all[0].width;
  const resize = opts.size !== undefined;

  if (presplit) {
    const train = toDataset(trainItems, c, h, w, resize, classNames, 'png/train', root, shared);
    const test = toDataset(testItems, c, h, w, resize, classNames, 'png/test', root, shared);
    return withValidation({ train, test }, validationFraction, seed, shared);
  }
  const pool = toDataset(trainItems, c, h, w, resize, classNames, 'png', root, false);
  const [train, test] = stratifiedSplit(pool, testFraction, seed, ['png/train', 'png/test'], shared);
  return withValidation({ train, test }, validationFraction, seed, shared);
}
