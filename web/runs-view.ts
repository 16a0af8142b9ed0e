/**
 * The Runs view: the runs found below the served folders in a side list, and the selected ones side by side
 * in a Dashboard. It polls the server (default once a second, `?poll=ms` in the URL to change it): the run
 * list from /api/runs, and for every selected run the new bytes of its metrics.jsonl and live.jsonl from
 * /api/tail. Only complete lines are used (LineSplitter), so a line being written is picked up next time.
 *
 * Selection: until the user ticks a box, the page follows the most recently active folder of runs (all runs
 * of a `compare`, say), including runs that appear later; after that it keeps the user's choice.
 */
import {
  LIVE_FILE,
  METRICS_FILE,
  LineSplitter,
  applyEpochLine,
  applyLiveRecord,
  emptyRunData,
  parseLiveLine,
  type EpochLine,
  type RunData,
} from '../src/live/format.js';
import { hexFor } from '../src/live/colors.js';
import { el } from './charts.js';
import { Dashboard, runStatus, type RunView } from './dashboard.js';

interface RunEntry {
  root: number;
  path: string;
  group: string;
  name: string;
  label: string;
  model?: string;
  hasMetrics: boolean;
  hasLive: boolean;
  mtime: number;
}

interface RunsAnswer {
  roots: { index: number; path: string }[];
  runs: RunEntry[];
}

/** Follows one file through /api/tail: the bytes it has, the file's identity, and the split lines. */
class Tail {
  offset = 0;
  id = '';
  splitter = new LineSplitter();

  constructor(private readonly url: string) {}

  /** New complete lines; `reset` when the file was replaced (the caller then starts the run over). */
  async read(): Promise<{ lines: string[]; reset: boolean }> {
    const lines: string[] = [];
    for (let round = 0; round < 64; round++) {
      const res = await fetch(`${this.url}?from=${this.offset}`, { cache: 'no-store' });
      if (!res.ok) throw new Error(`${this.url}: HTTP ${res.status}`);
      const size = Number(res.headers.get('X-File-Size'));
      const id = res.headers.get('X-File-Id') ?? '';
      const body = new Uint8Array(await res.arrayBuffer());
      if ((this.id !== '' && id !== this.id) || size < this.offset) {
        this.id = id;
        return { lines: [], reset: true };
      }
      this.id = id;
      lines.push(...this.splitter.push(body));
      this.offset += body.length;
      if (this.offset >= size || body.length === 0) break;
    }
    return { lines, reset: false };
  }
}

interface Followed {
  entry: RunEntry;
  data: RunData;
  metrics: Tail;
  live: Tail;
}

export class RunsView {
  private readonly list: HTMLElement;
  private readonly main: HTMLElement;
  private readonly dash: Dashboard;
  private readonly empty: HTMLElement;
  private entries: RunEntry[] = [];
  private roots: RunsAnswer['roots'] = [];
  private selected = new Set<string>();
  private manual = false;
  private followed = new Map<string, Followed>();
  private timer = 0;
  private busy = false;
  private tick = 0;

  constructor(root: HTMLElement, private readonly pollMs: number, private readonly onStatus: (ok: boolean) => void) {
    root.classList.add('with-side');
    const side = el('aside', 'side');
    side.append(el('h2', '', 'Runs'));
    this.list = el('div', 'run-list');
    side.append(this.list);
    this.main = el('div', 'main');
    this.empty = el('div', 'card empty');
    this.main.append(this.empty);
    root.append(side, this.main);
    this.dash = new Dashboard(this.main, { evalWord: 'epoch' });
  }

  start(): void {
    const loop = async () => {
      if (!this.busy) {
        this.busy = true;
        try {
          await this.poll();
          this.onStatus(true);
        } catch {
          this.onStatus(false);
        } finally {
          this.busy = false;
        }
      }
      this.timer = window.setTimeout(loop, this.pollMs);
    };
    void loop();
  }

  stop(): void {
    window.clearTimeout(this.timer);
  }

  private async poll(): Promise<void> {
    // the run list changes rarely: every other tick
    if (this.tick++ % 2 === 0 || this.entries.length === 0) {
      const res = await fetch('/api/runs', { cache: 'no-store' });
      if (!res.ok) throw new Error(`/api/runs: HTTP ${res.status}`);
      const a = (await res.json()) as RunsAnswer;
      this.roots = a.roots;
      this.entries = a.runs;
      this.autoSelect();
      this.drawList();
    }
    let changed = false;
    for (const key of this.selected) {
      const entry = this.entries.find((e) => keyOf(e) === key);
      if (!entry) continue;
      let f = this.followed.get(key);
      if (!f) {
        f = follow(entry);
        this.followed.set(key, f);
        changed = true;
      }
      f.entry = entry;
      changed = (await this.read(f)) || changed;
    }
    for (const k of [...this.followed.keys()]) {
      if (!this.selected.has(k)) {
        this.followed.delete(k);
        changed = true;
      }
    }
    if (changed || this.tick === 1) this.render();
  }

  /** Reads what is new in a run's two files; true when anything changed. */
  private async read(f: Followed): Promise<boolean> {
    const m = await f.metrics.read();
    const l = await f.live.read();
    if (m.reset || l.reset) {
      const fresh = follow(f.entry);
      f.data = fresh.data;
      f.metrics = fresh.metrics;
      f.live = fresh.live;
      await this.read(f);
      return true;
    }
    for (const line of l.lines) {
      const r = parseLiveLine(line);
      if (r) applyLiveRecord(f.data, r);
    }
    for (const line of m.lines) {
      try {
        applyEpochLine(f.data, JSON.parse(line) as EpochLine);
      } catch {
        // not JSON: skipped, as a reader of the format should
      }
    }
    return m.lines.length > 0 || l.lines.length > 0;
  }

  private autoSelect(): void {
    if (this.manual) {
      for (const k of [...this.selected]) if (!this.entries.some((e) => keyOf(e) === k)) this.selected.delete(k);
      return;
    }
    this.selected.clear();
    if (this.entries.length === 0) return;
    const newest = this.entries.reduce((a, b) => (b.mtime > a.mtime ? b : a));
    const group = this.entries.filter((e) => e.root === newest.root && e.group === newest.group);
    // a folder of many runs (an experiment): the six most recent of them
    group.sort((a, b) => b.mtime - a.mtime);
    for (const e of group.slice(0, 6)) this.selected.add(keyOf(e));
  }

  private drawList(): void {
    this.list.innerHTML = '';
    if (this.entries.length === 0) {
      this.list.append(el('p', 'muted', `No runs yet below ${this.roots.map((r) => r.path).join(', ')}.`));
      return;
    }
    const groups = new Map<string, RunEntry[]>();
    for (const e of this.entries) {
      const g = `${this.roots[e.root]?.path ?? e.root}${e.group ? '/' + e.group : ''}`;
      groups.set(g, [...(groups.get(g) ?? []), e]);
    }
    for (const [g, runs] of groups) {
      const box = el('div', 'run-group');
      box.append(el('div', 'group-name', g));
      for (const e of runs) {
        const key = keyOf(e);
        const row = el('label', 'run-row');
        row.dataset.run = key;
        const cb = el('input');
        cb.type = 'checkbox';
        cb.checked = this.selected.has(key);
        cb.addEventListener('change', () => {
          this.manual = true;
          if (cb.checked) this.selected.add(key);
          else this.selected.delete(key);
          void this.poll().then(() => this.render());
        });
        const sw = el('span', 'swatch');
        sw.style.background = hexFor(e.label, 0);
        const f = this.followed.get(key);
        const st = f ? runStatus(f.data) : '';
        row.append(cb, sw, el('span', 'run-name', e.name), el('span', 'run-label', e.label !== e.name ? e.label : ''), el('span', `dot-status ${st}`));
        box.append(row);
      }
      this.list.append(box);
    }
  }

  private render(): void {
    const views: RunView[] = [];
    const used = new Set<string>();
    // in the order of the run list (by folder), not the order the runs were first seen
    const order = (k: string) => this.entries.findIndex((e) => keyOf(e) === k);
    for (const [key, f] of [...this.followed].sort((a, b) => order(a[0]) - order(b[0]))) {
      let color = hexFor(f.entry.label, views.length);
      // two runs with the same activation: the second takes the next colour of the cycle
      if (used.has(color)) color = hexFor('', views.length + 3);
      used.add(color);
      views.push({ key, title: titleOf(f.entry, this.entries), label: f.entry.label, color, data: f.data });
    }
    this.empty.hidden = views.length > 0;
    this.empty.innerHTML = '';
    if (this.entries.length === 0) {
      const where = this.roots.map((r) => r.path).join(', ');
      this.empty.append(
        el('h2', '', 'Waiting for a run to start…'),
        el('p', '', `Start one in another terminal, with its run folder below ${where}: it appears here by itself.`),
        el('pre', '', `npx elunet train --out ${(this.roots[0]?.path ?? 'runs').replace(/\/$/, '')}/my-run\nnpm start                      # ELU and ReLU into runs/compare/`),
      );
    } else {
      this.empty.append(el('p', '', 'Tick a run on the left to see it.'));
    }
    this.dash.update(views);
    this.drawList();
  }
}

function keyOf(e: RunEntry): string {
  return `${e.root}:${e.path}`;
}

function follow(entry: RunEntry): Followed {
  const base = (file: string) => `/api/tail/${entry.root}/${[...(entry.path ? entry.path.split('/') : []), file].map(encodeURIComponent).join('/')}`;
  return { entry, data: emptyRunData(), metrics: new Tail(base(METRICS_FILE)), live: new Tail(base(LIVE_FILE)) };
}

/** A short title: the run's folder name, with its parent when the names alone would be ambiguous. */
function titleOf(e: RunEntry, all: RunEntry[]): string {
  const twins = all.filter((x) => x.name === e.name).length > 1;
  return twins && e.group ? `${e.group.split('/').pop()}/${e.name}` : e.name || e.label;
}
