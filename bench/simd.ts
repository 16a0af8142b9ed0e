/**
 * elunet's SIMD kernels beside its TypeScript kernels, TensorFlow.js (CPU and WASM backends) and PyTorch, in
 * one run, timed in interleaved rounds so that the host's drifting speed cancels out of the ratios.
 *
 *   node dist/bench/simd.js [--json] [--only S] [--sides a,b,…] [--rounds R] [--slice MS] [--warmup MS]
 *                           [--max-call MS] [--quick]
 *
 *   --only S        workloads whose name contains S (e.g. 'matmul', 'conv2d', '28×28', 'elu', 'train')
 *   --sides         default elunet-simd,elunet-ts,tfjs-cpu,tfjs-wasm,torch
 *   --rounds R      interleaved rounds per workload (default 7)
 *   --slice MS      one side's time in one round (default 1000; a call longer than that is one call)
 *   --warmup MS     untimed calls first, at least 3 and at least MS ms per side (default 2000)
 *   --max-call MS   a side whose single call takes longer is left out of that workload, with the reason
 *                   (default 15000: tfjs-cpu's filter gradient takes minutes; bench/run.ts times it once)
 *   --quick         smoke test of the harness: tiny shapes, 2 rounds of 100 ms (numbers mean nothing)
 *   node dist/bench/simd.js --markdown simd.json     the tables of docs/performance.md from a --json run
 *
 * Method. Every side is a library in its own child process (its heap, JIT and thread settings untouched by
 * the others): `node dist/bench/simd.js --child <side>` for the JavaScript sides, bench/torch_peer.py (python3,
 * torch.set_num_threads(1)) for PyTorch. All run single-threaded. For each workload the children build the same
 * inputs, warm up, and then take turns: in each round every side runs for one slice while the others wait,
 * the order rotating from round to round. A side's rate is its median over rounds; a ratio is the median over
 * rounds of the two sides' rates *in the same round* (with the range over rounds), so a slow minute of the
 * host slows both sides of a ratio alike. GFLOP/s workloads also run `core-peak` — the SIMD module's
 * register-only f32x4 multiply + add loop (src/simd/assembly/peak.ts) — as a side, and report the SIMD
 * kernel's fraction of it, per round.
 *
 * The child protocol (one JSON object per line on stdin / stdout):
 *   ← {ready, versions}     → {cmd: 'setup', workload, quick}   ← {ok, info} | {unsupported: reason}
 *   → {cmd: 'run', ms}      ← {calls, ms}     (calls ≥ 1, repeated until ms have passed)
 *   → {cmd: 'exit'}
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describeMachine, fmt, intArg, listArg, machineInfo, makeLog, note, numberArg, parseArgs, readJsonArg, runBench, UsageError } from './common.js';
import { textTable } from '../src/table.js';
import { SIDES, makeWorkload, workloadList, type SideName, type WorkloadInfo } from './simd-workloads.js';

type Side = SideName | 'core-peak';
const REFERENCE: Side = 'elunet-simd';

const unitScale: Record<WorkloadInfo['unit'], number> = { 'GFLOP/s': 1e-9, 'Melem/s': 1e-6, 'samples/s': 1 };

// ─────────────────────────────────────────── child processes ───────────────────────────────────────────

/**
 * The Python that runs bench/torch_peer.py: $ELUNET_PYTHON, else Debian's /usr/bin/python3 (where the
 * python3-torch package installs PyTorch; a python3 earlier on PATH, such as a pyenv shim, may lack it), else
 * python3 from PATH.
 */
function pythonExecutable(): string {
  return process.env.ELUNET_PYTHON ?? (fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
}

/** One side in its own process, answering one request at a time. */
class Child {
  private readonly proc: ChildProcess;
  private readonly lines: AsyncIterator<string>;
  readonly ready: Promise<{ ready: boolean; versions?: Record<string, string>; reason?: string }>;

  constructor(readonly side: Side) {
    const self = fileURLToPath(import.meta.url);
    if (side === 'torch') {
      const script = path.join(path.dirname(self), '..', '..', 'bench', 'torch_peer.py');
      this.proc = spawn(pythonExecutable(), [script], { stdio: ['pipe', 'pipe', 'inherit'] });
    } else {
      this.proc = spawn(process.execPath, [self, '--child', side], { stdio: ['pipe', 'pipe', 'inherit'] });
    }
    this.lines = readline.createInterface({ input: this.proc.stdout! })[Symbol.asyncIterator]();
    const what = side === 'torch' ? `${pythonExecutable()} (for PyTorch; set ELUNET_PYTHON to a Python that has torch)` : 'node';
    const failed = new Promise<{ ready: boolean; reason: string }>((resolve) => {
      this.proc.once('error', (e) => resolve({ ready: false, reason: `could not start ${what}: ${e.message}` }));
    });
    this.ready = Promise.race([this.next() as Promise<{ ready: boolean; versions?: Record<string, string>; reason?: string }>, failed])
      .catch((e: unknown) => ({ ready: false, reason: String(e) }));
  }

  private async next(): Promise<Record<string, unknown>> {
    const r = await this.lines.next();
    if (r.done) throw new Error(`the ${this.side} process ended without answering`);
    return JSON.parse(r.value) as Record<string, unknown>;
  }

  async ask(msg: Record<string, unknown>): Promise<Record<string, unknown>> {
    this.proc.stdin!.write(JSON.stringify(msg) + '\n');
    return this.next();
  }

  /** ask(), but if no answer comes within `ms` the process is killed and null is returned. */
  async askWithin(msg: Record<string, unknown>, ms: number): Promise<Record<string, unknown> | null> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), ms);
    });
    const r = await Promise.race([this.ask(msg), late]);
    clearTimeout(timer);
    if (r === null) this.proc.kill('SIGKILL');
    return r;
  }

  close(): void {
    if (this.proc.exitCode === null) {
      this.proc.stdin!.write(JSON.stringify({ cmd: 'exit' }) + '\n');
      this.proc.stdin!.end();
    }
  }
}

/** Child mode: answer the protocol for one JavaScript side. */
async function childMain(side: string): Promise<void> {
  const write = (o: unknown): void => void process.stdout.write(JSON.stringify(o) + '\n');
  if (side !== 'core-peak' && !(SIDES as readonly string[]).includes(side)) throw new Error(`bench: unknown side '${side}'`);
  const jsSide = (side === 'core-peak' ? 'elunet-simd' : side) as Exclude<SideName, 'torch'>;
  write({ ready: true, versions: { node: process.version, v8: process.versions.v8 } });
  let fn: (() => void) | null = null;
  for await (const line of readline.createInterface({ input: process.stdin })) {
    const msg = JSON.parse(line) as { cmd: string; workload?: string; quick?: boolean; ms?: number };
    if (msg.cmd === 'exit') break;
    if (msg.cmd === 'setup') {
      const made = await makeWorkload(jsSide, side === 'core-peak' ? 'peak' : msg.workload!, msg.quick ?? false);
      if ('unsupported' in made) {
        write({ unsupported: made.unsupported });
      } else {
        fn = made.run;
        write({ ok: true, info: made.info ?? {} });
      }
    } else if (msg.cmd === 'run') {
      if (!fn) throw new Error('bench: run before setup');
      const t0 = performance.now();
      let calls = 0;
      let ms = 0;
      do {
        fn();
        calls++;
        ms = performance.now() - t0;
      } while (ms < msg.ms!);
      write({ calls, ms });
    }
  }
  process.exit(0);
}

// ────────────────────────────────────────────── measuring ──────────────────────────────────────────────

interface SideResult {
  status: 'ok' | 'unsupported' | 'unavailable' | 'too slow';
  reason?: string;
  info?: Record<string, unknown>;
  /** median over rounds of the rate in the workload's unit */
  rate?: number;
  min?: number;
  max?: number;
  /** mean time of one call, ms, over all timed calls */
  msPerCall?: number;
  calls?: number;
  /** rate per round, in round order */
  perRound?: number[];
}

interface Ratio {
  /** median over rounds of rate(side) / rate(reference) in the same round */
  median: number;
  min: number;
  max: number;
}

interface WorkloadResult extends WorkloadInfo {
  sides: Partial<Record<Side, SideResult>>;
  /** every other side's rate over elunet-simd's, per round (the median and range) */
  vsSimd: Partial<Record<Side, Ratio>>;
  /** elunet-simd's rate over the core's register-only peak, per round (GFLOP/s workloads) */
  peakFraction?: Ratio;
}

interface Settings {
  rounds: number;
  sliceMs: number;
  warmupMs: number;
  maxCallMs: number;
  quick: boolean;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

function ratioOf(a: number[], b: number[]): Ratio {
  const r = a.map((x, i) => x / b[i]);
  return { median: median(r), min: Math.min(...r), max: Math.max(...r) };
}

async function measureWorkload(w: WorkloadInfo, sides: Side[], st: Settings, versions: Record<string, unknown>,
                               peakWork: number): Promise<WorkloadResult> {
  const result: WorkloadResult = { ...w, sides: {}, vsSimd: {} };
  // core-peak runs the peak loop, whose work per call is its own
  const toRate = (side: Side, calls: number, ms: number): number =>
    (((side === 'core-peak' ? peakWork : w.work) * calls) / (ms / 1000)) * unitScale[w.unit];
  const children = new Map<Side, Child>();
  try {
    // fresh processes for every workload: no side inherits another workload's heap or JIT state
    for (const side of sides) {
      const child = new Child(side);
      const ready = await child.ready;
      if (!ready.ready) {
        result.sides[side] = { status: 'unavailable', reason: ready.reason ?? 'did not start' };
        child.close();
        continue;
      }
      if (ready.versions) versions[side] = ready.versions;
      const setup = await child.ask({ cmd: 'setup', workload: w.name, quick: st.quick });
      if ('unsupported' in setup) {
        result.sides[side] = { status: 'unsupported', reason: String(setup.unsupported) };
        child.close();
        continue;
      }
      result.sides[side] = { status: 'ok', info: (setup.info as Record<string, unknown>) ?? {} };
      // warm-up: ≥ 3 calls and ≥ warmupMs (WebAssembly functions start in V8's baseline compiler and are
      // tiered up after they have run a while; JavaScript's callers need a few calls to be optimized)
      // A call that has not returned after --max-call ms gets its process killed: tfjs-cpu's filter gradient
      // would otherwise spend minutes per call here, and interleaved rounds of it are out of reach anyway.
      let calls = 0;
      let ms = 0;
      let tooSlow = false;
      while (calls < 3 || ms < st.warmupMs) {
        const r = await child.askWithin({ cmd: 'run', ms: 0 }, st.maxCallMs);
        if (r === null) {
          tooSlow = true;
          break;
        }
        calls += r.calls as number;
        ms += r.ms as number;
      }
      if (tooSlow) {
        result.sides[side] = { status: 'too slow', reason: `one call takes more than --max-call ${st.maxCallMs / 1000} s (bench/run.ts times such a call once)` };
        continue;
      }
      const perCall = ms / calls;
      children.set(side, child);
      note(`    ${side}: warmed up (${calls} calls, ${fmt(perCall)} ms per call)`);
    }
    const active = [...children.keys()];
    const perRound = new Map<Side, number[]>(active.map((s) => [s, []]));
    const totals = new Map<Side, { calls: number; ms: number }>(active.map((s) => [s, { calls: 0, ms: 0 }]));
    for (let round = 0; round < st.rounds; round++) {
      const order = active.map((_, i) => active[(i + round) % active.length]);
      for (const side of order) {
        const r = await children.get(side)!.ask({ cmd: 'run', ms: st.sliceMs });
        perRound.get(side)!.push(toRate(side, r.calls as number, r.ms as number));
        const t = totals.get(side)!;
        t.calls += r.calls as number;
        t.ms += r.ms as number;
      }
    }
    for (const side of active) {
      const rates = perRound.get(side)!;
      const t = totals.get(side)!;
      Object.assign(result.sides[side]!, {
        rate: median(rates), min: Math.min(...rates), max: Math.max(...rates), msPerCall: t.ms / t.calls, calls: t.calls, perRound: rates,
      });
    }
    const ref = perRound.get(REFERENCE);
    if (ref) {
      for (const side of active) if (side !== REFERENCE && side !== 'core-peak') result.vsSimd[side] = ratioOf(perRound.get(side)!, ref);
      const peak = perRound.get('core-peak');
      if (peak) result.peakFraction = ratioOf(ref, peak);
    }
  } finally {
    for (const c of children.values()) c.close();
  }
  return result;
}

// ──────────────────────────────────────────────── targets ────────────────────────────────────────────────

interface Target {
  target: string;
  met: boolean | null;
  measured: string;
}

/** simd / side, per round, the median and range (the issue's ratios are the SIMD side over the peer). */
function simdOver(r: WorkloadResult, side: Side): Ratio | null {
  const a = r.sides[REFERENCE]?.perRound, b = r.sides[side]?.perRound;
  return a && b && a.length === b.length ? ratioOf(a, b) : null;
}

/** Issue 11's targets, checked on this run's results (null: not measured in this run). */
export function checkTargets(results: WorkloadResult[]): Target[] {
  const find = (prefix: string) => results.find((r) => r.name.startsWith(prefix));
  const out: Target[] = [];
  const ratioTarget = (target: string, prefix: string, side: Side, min: number): void => {
    const r = find(prefix);
    const q = r && simdOver(r, side);
    out.push(q ? { target, met: q.median >= min, measured: `${fmt(q.median)}× (rounds ${fmt(q.min)}–${fmt(q.max)}×)` }
      : { target, met: null, measured: r ? `not measured (${r.sides[REFERENCE]?.reason ?? r.sides[side]?.reason ?? 'a side did not run'})` : 'not in this run' });
  };
  ratioTarget('matmul 1024³: elunet-simd ≥ 1.0× tfjs-wasm', 'matmul 1024', 'tfjs-wasm', 1);
  const conv = find('conv2d fwd+bwd 32×32 64→64');
  const rate = conv?.sides[REFERENCE]?.rate;
  out.push(rate !== undefined ? { target: 'conv2d 32×32 64→64 b32 fwd + both bwd: ≥ 20 GFLOP/s', met: rate >= 20, measured: `${fmt(rate)} GFLOP/s` }
    : { target: 'conv2d 32×32 64→64 b32 fwd + both bwd: ≥ 20 GFLOP/s', met: null, measured: 'not measured' });
  ratioTarget('train step mnist-cnn b64: ≥ 0.33× PyTorch (aim 0.5×)', 'train step mnist-cnn', 'torch', 0.33);
  ratioTarget('train step mnist-mlp b64: ≥ 3× tfjs-wasm', 'train step mnist-mlp', 'tfjs-wasm', 3);
  ratioTarget('train step mnist-mlp b64: ≥ 0.2× PyTorch', 'train step mnist-mlp', 'torch', 0.2);
  ratioTarget('ELU forward 1M: ≥ 1.0× tfjs-wasm', 'elu fwd 1M', 'tfjs-wasm', 1);
  ratioTarget('ELU backward 1M: ≥ 1.0× tfjs-wasm', 'elu bwd 1M', 'tfjs-wasm', 1);
  return out;
}

// ──────────────────────────────────────────────── markdown ───────────────────────────────────────────────

interface RunJson {
  command: string;
  machine: { cpu: string; cores: number; node: string; date: string; loadAverage: number[] };
  loadAverageAtEnd: number[];
  settings: Settings;
  versions: Record<string, Record<string, string>>;
  torch: string;
  results: WorkloadResult[];
}

/** The tables of docs/performance.md from a --json run: rates, simd-over-peer ratios, fraction of peak, targets. */
function markdown(file: string): string {
  const run = readJsonArg(file) as RunJson;
  if (!Array.isArray(run?.results)) throw new UsageError(`${file}: expected the JSON of a bench/simd.js --json run (with its results)`);
  const peers: Side[] = ['elunet-ts', 'tfjs-cpu', 'tfjs-wasm', 'torch'];
  const cell = (r: WorkloadResult, side: Side): string => {
    const s = r.sides[side];
    if (!s) return '—';
    if (s.status !== 'ok') return s.status;
    const q = side === REFERENCE ? null : simdOver(r, side);
    return `${fmt(s.rate!)}${q ? ` (simd ${fmt(q.median)}×)` : ''}`;
  };
  const lines = [
    `Measured ${run.machine.date} on ${run.machine.cpu}, ${run.machine.cores} cores, Node ${run.machine.node}; ` +
      `${run.settings.rounds} interleaved rounds of ${run.settings.sliceMs} ms per side; load average ${run.machine.loadAverage.join(' ')} ` +
      `at the start, ${run.loadAverageAtEnd.join(' ')} at the end. PyTorch: ${run.torch}` +
      (run.versions.torch ? ` (torch ${run.versions.torch.torch}, one thread)` : '') + '.',
    '',
    '| workload | unit | elunet-simd | elunet-ts | tfjs-cpu | tfjs-wasm | torch | simd / core peak |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
    ...run.results.map((r) => `| ${r.name} | ${r.unit} | ${cell(r, REFERENCE)} | ${peers.map((p) => cell(r, p)).join(' | ')} | ` +
      `${r.peakFraction ? `${fmt(100 * r.peakFraction.median)} %` : '—'} |`),
    '',
    'Cells: the median rate over rounds; in parentheses, the median over rounds of elunet-simd\'s rate divided by that side\'s in the same round.',
    '',
    '| target (issue 11) | status | measured |',
    '|---|---|---|',
    ...checkTargets(run.results).map((t) => `| ${t.target} | ${t.met === null ? 'not measured' : t.met ? 'met' : '**not met**'} | ${t.measured} |`),
  ];
  return lines.join('\n');
}

// ───────────────────────────────────────────────── main ─────────────────────────────────────────────────

function describe(r: SideResult | undefined): string {
  if (!r) return '—';
  if (r.status !== 'ok') return `(${r.status})`;
  return `${fmt(r.rate!)} [${fmt(r.min!)}–${fmt(r.max!)}]`;
}

function describeRatio(q: Ratio | undefined): string {
  return q ? `${fmt(q.median)}× [${fmt(q.min)}–${fmt(q.max)}]` : '—';
}

async function main(argv: string[]): Promise<void> {
  if (argv[0] === '--child') return childMain(argv[1]);
  if (argv[0] === '--markdown') {
    if (argv.length !== 2) throw new UsageError('--markdown takes one argument, the JSON file of a --json run');
    process.stdout.write(markdown(argv[1]) + '\n');
    return;
  }
  const args = parseArgs(argv, { flags: ['json', 'quick'], values: ['only', 'sides', 'rounds', 'slice', 'warmup', 'max-call'] });
  const quick = args.flags.has('quick');
  const json = args.flags.has('json');
  const st: Settings = {
    rounds: intArg(args, 'rounds', quick ? 2 : 7),
    sliceMs: numberArg(args, 'slice', quick ? 100 : 1000),
    warmupMs: numberArg(args, 'warmup', quick ? 100 : 2000),
    maxCallMs: numberArg(args, 'max-call', 15000),
    quick,
  };
  const sides = listArg(args, 'sides', SIDES.join(','), SIDES, 'side') as SideName[];
  const only = args.values.get('only');
  const list = workloadList(quick);
  const chosen = list.filter((x) => !only || x.name.includes(only));
  if (chosen.length === 0) throw new UsageError(`--only '${only}' matches no workload; they are: ${list.map((x) => x.name).join(', ')}`);
  const log = makeLog(json);
  const machine = machineInfo();
  note(`elunet SIMD bench: ${describeMachine(machine)}`);
  if (quick) note('quick mode: tiny shapes, short slices — a smoke test of the harness, not a measurement');

  const versions: Record<string, unknown> = {};
  const results: WorkloadResult[] = [];
  const peakWork = list.find((x) => x.name === 'peak')!.work;
  for (const w of chosen) {
    const these: Side[] = w.name === 'peak' ? ['elunet-simd'] : [...sides];
    if (w.unit === 'GFLOP/s' && w.name !== 'peak' && sides.includes('elunet-simd')) these.push('core-peak');
    note(`• ${w.name} (${these.join(', ')})`);
    const r = await measureWorkload(w, these, st, versions, peakWork);
    for (const [side, s] of Object.entries(r.sides)) {
      note(`  ${side.padEnd(12)} ${s.status === 'ok' ? `${describe(s)} ${w.unit}` : `${s.status}: ${s.reason}`}`);
    }
    results.push(r);
  }
  const torchMissing = results.flatMap((r) => (r.sides.torch?.status === 'unavailable' ? [r.sides.torch.reason] : []))[0];
  const end = machineInfo();

  if (json) {
    process.stdout.write(JSON.stringify({
      benchmark: 'elunet SIMD and TypeScript kernels vs TensorFlow.js (cpu, wasm) and PyTorch, one thread each, interleaved rounds',
      command: `node dist/bench/simd.js ${argv.join(' ')}`.trim(),
      machine, loadAverageAtEnd: end.loadAverage, finished: end.date, settings: st, versions,
      torch: torchMissing ? `not measured: ${torchMissing}` : 'measured',
      results,
      targets: checkTargets(results),
    }, null, 2) + '\n');
    return;
  }
  log(`\nelunet SIMD bench — ${describeMachine(machine)}`);
  log(`${st.rounds} interleaved rounds of ${st.sliceMs} ms per side; rates are medians [range] over rounds, ratios medians of same-round ratios`);
  if (torchMissing) log(`PyTorch: not measured — ${torchMissing}`);
  const shown = sides.filter((s) => s !== REFERENCE);
  log('\n' + textTable(
    ['workload', 'unit', 'elunet-simd', ...shown, ...shown.map((s) => `${s} / simd`), 'simd / core peak'],
    results.map((r) => [r.name, r.unit, describe(r.sides[REFERENCE]), ...shown.map((s) => describe(r.sides[s])),
      ...shown.map((s) => describeRatio(r.vsSimd[s])), describeRatio(r.peakFraction)]),
  ));
  log('\ntargets (issue 11)');
  log(textTable(['target', 'status', 'measured'], checkTargets(results).map((t) => [t.target, t.met === null ? 'n/a' : t.met ? 'met' : 'NOT met', t.measured])));
  log(`\nload average at the end: ${end.loadAverage.join(' ')}`);
}

runBench(import.meta.url, main);
