/**
 * Progress of long work. On a terminal: one line redrawn in place with a bar, samples/s and ETA. Otherwise
 * (a log file, CI): a plain line at most every `intervalMs`, so logs stay readable.
 */
import { formatDuration } from '../table.js';

export class Progress {
  private start = Date.now();
  private lastPrint = 0;
  private readonly tty: boolean;

  constructor(
    private label: string,
    private total: number,
    private unit = 'samples',
    private stream: NodeJS.WriteStream = process.stderr,
    private intervalMs = 10_000,
    private quiet = false,
  ) {
    this.tty = Boolean(stream.isTTY);
  }

  /** done: work items finished so far (of total); extra: a short text such as "loss 0.231" */
  update(done: number, extra = ''): void {
    if (this.quiet) return;
    const now = Date.now();
    const minGap = this.tty ? 100 : this.intervalMs;
    if (now - this.lastPrint < minGap && done < this.total) return;
    this.lastPrint = now;
    const secs = Math.max((now - this.start) / 1000, 1e-9);
    const rate = done / secs;
    const eta = rate > 0 ? (this.total - done) / rate : Infinity;
    const pct = this.total > 0 ? done / this.total : 1;
    const text = `${this.label} ${formatCount(done)}/${formatCount(this.total)} ${this.unit} ` +
      `${rate.toFixed(0)} ${this.unit}/s ETA ${formatDuration(eta)}${extra ? '  ' + extra : ''}`;
    if (this.tty) {
      const width = 24;
      const fill = Math.round(pct * width);
      const bar = '█'.repeat(fill) + '░'.repeat(width - fill);
      const cols = this.stream.columns ?? 120;
      this.stream.write(`\r${(bar + ' ' + text).slice(0, cols - 1)}\x1b[K`);
    } else {
      this.stream.write(text + '\n');
    }
  }

  /** Clears the redrawn line on a terminal. */
  done(): void {
    if (this.tty && !this.quiet) this.stream.write('\r\x1b[K');
  }
}

function formatCount(n: number): string {
  return n >= 10_000 ? `${(n / 1000).toFixed(0)}k` : String(n);
}
