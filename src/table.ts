/**
 * Tables, written once for every caller: a fixed-width text table for the terminal (`elunet models`,
 * `elunet gradcheck`, `elunet compare`, the benchmarks) and a Markdown table for report.md files, plus the
 * number formats both use, durations included (the training log, the progress line, the reports).
 *
 * Columns whose body cells all look like numbers ("0.82", "1.23 ± 0.05", "12.5%", "−3") are right-aligned
 * unless an alignment is given, so digits line up. Widths count code points, so '±' and '→' count as one.
 */

export type Align = 'left' | 'right' | 'center';
export type Cell = string | number;

export interface TableOptions {
  /** per-column alignment; default: right for numeric columns, left otherwise */
  align?: Align[];
  /** digits after the point for number cells (default: String(value)) */
  digits?: number;
}

const NUMERIC = /^[-+−]?(\d+(\.\d*)?|\.\d+)(e[-+]?\d+)?\s*(%|±.*|x|×)?$/i;

/** Display width in terminal columns (code points; no wide-character handling). */
function widthOf(s: string): number {
  return [...s].length;
}

function pad(s: string, width: number, align: Align): string {
  const fill = width - widthOf(s);
  if (fill <= 0) return s;
  if (align === 'right') return ' '.repeat(fill) + s;
  if (align === 'center') return ' '.repeat(fill >> 1) + s + ' '.repeat(fill - (fill >> 1));
  return s + ' '.repeat(fill);
}

function cellText(v: Cell, digits: number | undefined): string {
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return '–';
    return digits === undefined ? String(v) : v.toFixed(digits);
  }
  return v;
}

/** Text of every cell, rows padded to the header's length, plus the resolved alignment of each column. */
function prepare(header: string[], rows: Cell[][], opts: TableOptions): { body: string[][]; align: Align[] } {
  const body = rows.map((r) => header.map((_, j) => (j < r.length ? cellText(r[j], opts.digits) : '')));
  const align = header.map((_, j): Align => {
    if (opts.align?.[j]) return opts.align[j];
    const cells = body.map((r) => r[j]).filter((t) => t !== '' && t !== '–');
    return cells.length > 0 && cells.every((t) => NUMERIC.test(t.trim())) ? 'right' : 'left';
  });
  return { body, align };
}

/**
 * A GitHub-flavoured Markdown table. Cells are padded so the source reads as a table too; '|' inside a
 * cell is escaped and newlines become spaces.
 */
export function markdownTable(header: string[], rows: Cell[][], opts: TableOptions = {}): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
  const { body, align } = prepare(header, rows, opts);
  const head = header.map(esc);
  const cells = body.map((r) => r.map(esc));
  const widths = head.map((h, j) => Math.max(3, widthOf(h), ...cells.map((r) => widthOf(r[j]))));
  const line = (r: string[]): string => `| ${r.map((t, j) => pad(t, widths[j], align[j])).join(' | ')} |`;
  const rule = widths.map((w, j) => {
    if (align[j] === 'right') return '-'.repeat(w - 1) + ':';
    if (align[j] === 'center') return ':' + '-'.repeat(w - 2) + ':';
    return '-'.repeat(w);
  });
  return [line(head), `| ${rule.join(' | ')} |`, ...cells.map(line)].join('\n') + '\n';
}

export interface TextTableOptions extends TableOptions {
  /** a line printed above the table */
  title?: string;
  /** spaces between columns (default 2) */
  gap?: number;
  /** the character of the rule under the header (default '-') */
  rule?: string;
  /** one unbroken rule under the header, across the gaps too (default: a rule per column) */
  solidRule?: boolean;
}

/**
 * A fixed-width text table for the terminal; `header` is one row, or several with the rule under the last.
 * Lines carry no trailing spaces; the result has no final newline (print it with console.log).
 *
 *   metric      ELU          ReLU
 *   ----------  -----------  -----------
 *   test error  0.82 ± 0.05  1.05 ± 0.07
 */
export function textTable(header: string[] | string[][], rows: Cell[][], opts: TextTableOptions = {}): string {
  const { title, gap = 2, rule = '-', solidRule = false } = opts;
  const heads = Array.isArray(header[0]) ? (header as string[][]) : [header as string[]];
  const last = heads[heads.length - 1];
  const { body, align } = prepare(last, rows, opts);
  const widths = last.map((_, j) => Math.max(...heads.map((h) => widthOf(h[j] ?? '')), ...body.map((r) => widthOf(r[j]))));
  const sep = ' '.repeat(gap);
  const line = (r: string[]): string => widths.map((w, j) => pad(r[j] ?? '', w, align[j])).join(sep).trimEnd();
  const out: string[] = [];
  if (title) out.push(title);
  const ruleLine = solidRule ? rule.repeat(widths.reduce((a, w) => a + w, gap * (widths.length - 1))) : widths.map((w) => rule.repeat(w)).join(sep);
  out.push(...heads.map(line), ruleLine, ...body.map(line));
  return out.join('\n');
}

/** "1.23 ± 0.05" (or "1.23" when std is 0 or undefined), with an optional unit such as '%'. */
export function formatMeanStd(mean: number, std: number | undefined, digits = 2, unit = ''): string {
  if (!Number.isFinite(mean)) return '–';
  const m = mean.toFixed(digits);
  return std && Number.isFinite(std) ? `${m} ± ${std.toFixed(digits)}${unit}` : `${m}${unit}`;
}

/** A fraction as a percentage: formatPercent(0.0082) = "0.82%". */
export function formatPercent(fraction: number, digits = 2): string {
  return Number.isFinite(fraction) ? `${(100 * fraction).toFixed(digits)}%` : '–';
}

/**
 * A duration in seconds as people read it: "8.4 s" below a minute, "4m05s" below an hour, "2h03m" above
 * (rounded to the unit shown, so 119.6 s is "2m00s"); "–" when unknown (an ETA before any progress).
 */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '–';
  if (seconds < 59.95) return `${seconds.toFixed(1)} s`;
  const s = Math.round(seconds);
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  const m = Math.round(seconds / 60);
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
