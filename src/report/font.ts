/**
 * A 5×7 bitmap font (printable ASCII 32–126 plus ± μ → × α σ λ · − ²) and text drawing on a Canvas.
 *
 * Each glyph is 5 pixels wide. Rows 0–6 hold capitals and digits (cap height 7); lower-case letters with
 * descenders (g j p q y, and , ; μ) use two more rows, 7–8, below the baseline. A character advances
 * 6 pixels (5 + 1 of spacing); a line of text is GLYPH_HEIGHT = 9 pixels tall, so text boxes reserve room
 * for descenders. `scale` enlarges every font pixel to a scale×scale block (integer scales keep the
 * pixels crisp; scale 1 suits tick labels, 2 suits titles).
 *
 * Glyphs are written as pictures: 7 or 9 rows of 5 characters, '#' for ink and '.' for paper, rows
 * separated by spaces. A character without a glyph is drawn as a hollow box.
 */
import { ShapeError } from '../errors.js';
import type { Canvas, Rgb } from './canvas.js';

export const GLYPH_WIDTH = 5;
/** cap height (rows above the baseline) */
export const GLYPH_ASCENT = 7;
/** rows of the glyph box, descenders included */
export const GLYPH_HEIGHT = 9;
/** horizontal advance per character, spacing included */
export const GLYPH_ADVANCE = 6;

const GLYPH_SOURCE: Record<string, string> = {
  ' ': '..... ..... ..... ..... ..... ..... .....',
  '!': '..#.. ..#.. ..#.. ..#.. ..#.. ..... ..#..',
  '"': '.#.#. .#.#. .#.#. ..... ..... ..... .....',
  '#': '.#.#. .#.#. ##### .#.#. ##### .#.#. .#.#.',
  $: '..#.. .#### #.#.. .###. ..#.# ####. ..#..',
  '%': '##... ##..# ...#. ..#.. .#... #..## ...##',
  '&': '.##.. #..#. #.#.. .#... #.#.# #..#. .##.#',
  "'": '..#.. ..#.. .#... ..... ..... ..... .....',
  '(': '...#. ..#.. .#... .#... .#... ..#.. ...#.',
  ')': '.#... ..#.. ...#. ...#. ...#. ..#.. .#...',
  '*': '..... ..#.. #.#.# .###. #.#.# ..#.. .....',
  '+': '..... ..#.. ..#.. ##### ..#.. ..#.. .....',
  ',': '..... ..... ..... ..... ..... .##.. .##.. ..#.. .#...',
  '-': '..... ..... ..... .###. ..... ..... .....',
  '.': '..... ..... ..... ..... ..... .##.. .##..',
  '/': '..... ....# ...#. ..#.. .#... #.... .....',
  '0': '.###. #...# #..## #.#.# ##..# #...# .###.',
  '1': '..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###.',
  '2': '.###. #...# ....# ...#. ..#.. .#... #####',
  '3': '##### ...#. ..#.. ...#. ....# #...# .###.',
  '4': '...#. ..##. .#.#. #..#. ##### ...#. ...#.',
  '5': '##### #.... ####. ....# ....# #...# .###.',
  '6': '..##. .#... #.... ####. #...# #...# .###.',
  '7': '##### ....# ...#. ..#.. .#... .#... .#...',
  '8': '.###. #...# #...# .###. #...# #...# .###.',
  '9': '.###. #...# #...# .#### ....# ...#. .##..',
  ':': '..... .##.. .##.. ..... .##.. .##.. .....',
  ';': '..... .##.. .##.. ..... .##.. .##.. ..#.. .#... .....',
  '<': '...#. ..#.. .#... #.... .#... ..#.. ...#.',
  '=': '..... ..... ##### ..... ##### ..... .....',
  '>': '.#... ..#.. ...#. ....# ...#. ..#.. .#...',
  '?': '.###. #...# ....# ...#. ..#.. ..... ..#..',
  '@': '.###. #...# ....# .##.# #.#.# #.#.# .###.',
  A: '.###. #...# #...# ##### #...# #...# #...#',
  B: '####. #...# #...# ####. #...# #...# ####.',
  C: '.###. #...# #.... #.... #.... #...# .###.',
  D: '###.. #..#. #...# #...# #...# #..#. ###..',
  E: '##### #.... #.... ####. #.... #.... #####',
  F: '##### #.... #.... ####. #.... #.... #....',
  G: '.###. #...# #.... #.### #...# #...# .####',
  H: '#...# #...# #...# ##### #...# #...# #...#',
  I: '.###. ..#.. ..#.. ..#.. ..#.. ..#.. .###.',
  J: '..### ...#. ...#. ...#. ...#. #..#. .##..',
  K: '#...# #..#. #.#.. ##... #.#.. #..#. #...#',
  L: '#.... #.... #.... #.... #.... #.... #####',
  M: '#...# ##.## #.#.# #.#.# #...# #...# #...#',
  N: '#...# #...# ##..# #.#.# #..## #...# #...#',
  O: '.###. #...# #...# #...# #...# #...# .###.',
  P: '####. #...# #...# ####. #.... #.... #....',
  Q: '.###. #...# #...# #...# #.#.# #..#. .##.#',
  R: '####. #...# #...# ####. #.#.. #..#. #...#',
  S: '.#### #.... #.... .###. ....# ....# ####.',
  T: '##### ..#.. ..#.. ..#.. ..#.. ..#.. ..#..',
  U: '#...# #...# #...# #...# #...# #...# .###.',
  V: '#...# #...# #...# #...# #...# .#.#. ..#..',
  W: '#...# #...# #...# #.#.# #.#.# #.#.# .#.#.',
  X: '#...# #...# .#.#. ..#.. .#.#. #...# #...#',
  Y: '#...# #...# .#.#. ..#.. ..#.. ..#.. ..#..',
  Z: '##### ....# ...#. ..#.. .#... #.... #####',
  '[': '.###. .#... .#... .#... .#... .#... .###.',
  '\\': '..... #.... .#... ..#.. ...#. ....# .....',
  ']': '.###. ...#. ...#. ...#. ...#. ...#. .###.',
  '^': '..#.. .#.#. #...# ..... ..... ..... .....',
  _: '..... ..... ..... ..... ..... ..... #####',
  '`': '.#... ..#.. ...#. ..... ..... ..... .....',
  a: '..... ..... .###. ....# .#### #...# .####',
  b: '#.... #.... #.##. ##..# #...# #...# ####.',
  c: '..... ..... .###. #.... #.... #...# .###.',
  d: '....# ....# .##.# #..## #...# #...# .####',
  e: '..... ..... .###. #...# ##### #.... .###.',
  f: '..##. .#..# .#... ###.. .#... .#... .#...',
  g: '..... ..... .#### #...# #...# #...# .#### ....# .###.',
  h: '#.... #.... #.##. ##..# #...# #...# #...#',
  i: '..#.. ..... .##.. ..#.. ..#.. ..#.. .###.',
  j: '...#. ..... ..##. ...#. ...#. ...#. ...#. #..#. .##..',
  k: '#.... #.... #..#. #.#.. ##... #.#.. #..#.',
  l: '.##.. ..#.. ..#.. ..#.. ..#.. ..#.. .###.',
  m: '..... ..... ##.#. #.#.# #.#.# #...# #...#',
  n: '..... ..... #.##. ##..# #...# #...# #...#',
  o: '..... ..... .###. #...# #...# #...# .###.',
  p: '..... ..... ####. #...# #...# #...# ####. #.... #....',
  q: '..... ..... .#### #...# #...# #...# .#### ....# ....#',
  r: '..... ..... #.##. ##..# #.... #.... #....',
  s: '..... ..... .###. #.... .###. ....# ####.',
  t: '.#... .#... ###.. .#... .#... .#..# ..##.',
  u: '..... ..... #...# #...# #...# #..## .##.#',
  v: '..... ..... #...# #...# #...# .#.#. ..#..',
  w: '..... ..... #...# #...# #.#.# #.#.# .#.#.',
  x: '..... ..... #...# .#.#. ..#.. .#.#. #...#',
  y: '..... ..... #...# #...# #...# #...# .#### ....# .###.',
  z: '..... ..... ##### ...#. ..#.. .#... #####',
  '{': '...#. ..#.. ..#.. .#... ..#.. ..#.. ...#.',
  '|': '..#.. ..#.. ..#.. ..#.. ..#.. ..#.. ..#..',
  '}': '.#... ..#.. ..#.. ...#. ..#.. ..#.. .#...',
  '~': '..... ..... .#... #.#.# ...#. ..... .....',
  '±': '..#.. ..#.. ##### ..#.. ..#.. ..... #####',
  μ: '..... ..... #...# #...# #...# #..## ###.# #.... #....',
  '→': '..... ..#.. ...#. ##### ...#. ..#.. .....',
  '×': '..... #...# .#.#. ..#.. .#.#. #...# .....',
  α: '..... ..... .##.# #..#. #..#. #..#. .##.#',
  σ: '..... ..... .#### #..#. #...# #...# .###.',
  λ: '#.... .#... .#... ..#.. .#.#. #...# #...#',
  '·': '..... ..... ..... ..#.. ..... ..... .....',
  '−': '..... ..... ..... ##### ..... ..... .....',
  '²': '.##.. #..#. ..#.. .#... ####. ..... .....',
};

/** Drawn for characters the font does not know. */
const MISSING = '##### #...# #...# #...# #...# #...# #####';

/**
 * Glyph bitmaps: for each character, GLYPH_HEIGHT rows of GLYPH_WIDTH bits, stored row-major as 0/1 bytes.
 * Built once from the pictures above.
 */
const GLYPHS = new Map<string, Uint8Array>();

function parseGlyph(ch: string, src: string): Uint8Array {
  const rows = src.split(' ');
  if ((rows.length !== GLYPH_ASCENT && rows.length !== GLYPH_HEIGHT) || rows.some((r) => r.length !== GLYPH_WIDTH)) {
    throw new Error(`font: glyph '${ch}' must have ${GLYPH_ASCENT} or ${GLYPH_HEIGHT} rows of ${GLYPH_WIDTH} pixels`);
  }
  const bits = new Uint8Array(GLYPH_WIDTH * GLYPH_HEIGHT);
  rows.forEach((r, y) => {
    for (let x = 0; x < GLYPH_WIDTH; x++) bits[y * GLYPH_WIDTH + x] = r[x] === '#' ? 1 : 0;
  });
  return bits;
}

for (const [ch, src] of Object.entries(GLYPH_SOURCE)) GLYPHS.set(ch, parseGlyph(ch, src));
const MISSING_GLYPH = parseGlyph('missing', MISSING);

/** True when the font has a glyph for this character (others are drawn as a box). */
export function hasGlyph(ch: string): boolean {
  return GLYPHS.has(ch);
}

/** Width and height in pixels of `text` drawn at `scale` (one line; height includes the descender rows). */
export function measureText(text: string, scale = 1): { width: number; height: number } {
  const n = [...text].length; // code points, so '±' counts once
  return { width: n === 0 ? 0 : (n * GLYPH_ADVANCE - 1) * scale, height: GLYPH_HEIGHT * scale };
}

/** Shortens `text` with a trailing '…'-like '..' so that it fits in `maxWidth` pixels at `scale`. */
export function fitText(text: string, maxWidth: number, scale = 1): string {
  const chars = [...text];
  if (measureText(text, scale).width <= maxWidth) return text;
  let n = chars.length;
  while (n > 0 && measureText(chars.slice(0, n).join('') + '..', scale).width > maxWidth) n--;
  return n > 0 ? chars.slice(0, n).join('') + '..' : '';
}

export interface TextOptions {
  /** integer enlargement of the font pixels (default 1) */
  scale?: number;
  /** where x is: at the left edge, the centre or the right edge of the text (default 'left') */
  align?: 'left' | 'center' | 'right';
  /**
   * where y is: the top of the glyph box, the middle of the capitals (row 3.5; centres digits on a tick),
   * or the baseline (default 'top')
   */
  valign?: 'top' | 'middle' | 'baseline';
  /**
   * 0 (default) or 90: turned a quarter turn counter-clockwise, reading bottom to top (a y-axis label).
   * For rotated text, `align` runs along the text (vertically) and `valign` across it; (x, y) is then the
   * anchor with the text's "top" facing left.
   */
  rotate?: 0 | 90;
  /** opacity 0..1 (default 1) */
  alpha?: number;
}

/**
 * Draws one line of text. With rotate = 0 the text box spans x..x+width, y..y+9·scale (for align 'left',
 * valign 'top'). With rotate = 90 the box is turned counter-clockwise: it spans x..x+9·scale horizontally
 * and reads upward, ending at y (align 'left' puts the FIRST character at the bottom, at y).
 */
export function drawText(canvas: Canvas, text: string, x: number, y: number, color: Rgb, opts: TextOptions = {}): void {
  const { scale = 1, align = 'left', valign = 'top', rotate = 0, alpha = 1 } = opts;
  if (!Number.isInteger(scale) || scale < 1) {
    throw new ShapeError(`drawText: scale must be an integer ≥ 1 (bitmap font pixels), got ${scale}`);
  }
  const { width } = measureText(text, scale);
  // Offsets along the text (a) and across it (b), in the text's own frame (a → right, b → down).
  const a0 = align === 'left' ? 0 : align === 'center' ? -Math.round(width / 2) : -width;
  const b0 = valign === 'top' ? 0 : valign === 'middle' ? -Math.round((GLYPH_ASCENT * scale) / 2) : -GLYPH_ASCENT * scale;
  const ox = Math.round(x);
  const oy = Math.round(y);
  let a = a0;
  for (const ch of text) {
    const bits = GLYPHS.get(ch) ?? MISSING_GLYPH;
    for (let gy = 0; gy < GLYPH_HEIGHT; gy++) {
      for (let gx = 0; gx < GLYPH_WIDTH; gx++) {
        if (bits[gy * GLYPH_WIDTH + gx] === 0) continue;
        const ta = a + gx * scale; // position along the text
        const tb = b0 + gy * scale; // position across the text
        if (rotate === 0) {
          canvas.fillRect(ox + ta, oy + tb, scale, scale, color, alpha);
        } else {
          // counter-clockwise quarter turn: text direction → up (−y), text "down" → right (+x)
          canvas.fillRect(ox + tb, oy - ta - scale, scale, scale, color, alpha);
        }
      }
    }
    a += GLYPH_ADVANCE * scale;
  }
}
