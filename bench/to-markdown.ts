/**
 * Turns the JSON of the two benchmarks into the Markdown tables of docs/performance.md, so that the page
 * quotes the measured numbers and nothing else.
 *
 *   node dist/bench/run.js --json > run.json
 *   node dist/bench/scaling.js --json > scaling.json
 *   node dist/bench/to-markdown.js run.json scaling.json
 */
import { fmt, parseArgs, readJsonArg, runBench, UsageError } from './common.js';
import { markdownTable } from '../src/table.js';

interface SideJson {
  meanMs: number;
  rmePct: number;
  samples: number;
  method: 'tinybench' | 'single';
  rate: number;
}

interface RunJson {
  machine: { cpu: string; cores: number; node: string; loadAverage: number[]; date: string };
  loadAverageAtEnd: number[];
  tfjs: { version: string } | null;
  results: { group: string; name: string; unit: string; elunet: SideJson; tfjs: SideJson | null; ratio: number | null }[];
  targets: { description: string; met: boolean | null; detail: string }[];
}

interface ScalingJson {
  machine: { cpu: string; cores: number; node: string; loadAverage: number[]; date: string };
  loadAverageAtEnd: number[];
  settings: { batch: number; micro: number; rounds: number; timeMs: number; kernels?: string };
  results: {
    model: string;
    width: number;
    params: number;
    workers: number;
    executor: string;
    samplesPerSec: number;
    stepMs: number;
    steps: number;
    speedup: number;
    speedupMin: number;
    speedupMax: number;
    ceiling: number;
    efficiency: number;
  }[];
  targets: { description: string; met: boolean | null; detail: string }[];
}

function side(s: SideJson | null): string {
  if (!s) return '—';
  const how = s.method === 'single' ? '1 rep' : `±${fmt(s.rmePct, 2)}%, ${s.samples} rep${s.samples === 1 ? '' : 's'}`;
  return `${fmt(s.rate)} (${fmt(s.meanMs)} ms, ${how})`;
}

function status(met: boolean | null): string {
  return met === null ? 'n/a' : met ? 'met' : '**not met**';
}

function targetsTable(title: string, targets: { description: string; met: boolean | null; detail: string }[]): string {
  return markdownTable([title, 'status', 'measured'], targets.map((t) => [t.description, status(t.met), t.detail]), { align: ['left', 'left', 'left'] });
}

function runTables(j: RunJson): string {
  const out: string[] = [];
  out.push(
    `Measured ${j.machine.date} on ${j.machine.cpu}, ${j.machine.cores} cores, Node ${j.machine.node}, ` +
      `TensorFlow.js ${j.tfjs?.version ?? '(not run)'} cpu backend; load average ${j.machine.loadAverage.join(' ')} at the start, ` +
      `${j.loadAverageAtEnd.join(' ')} at the end.\n`,
  );
  for (const group of ['matmul', 'conv2d', 'elu', 'train']) {
    const rs = j.results.filter((r) => r.group === group);
    if (rs.length === 0) continue;
    out.push(
      markdownTable(
        [`${group} (${rs[0].unit})`, 'elunet', 'tfjs-cpu', 'elunet / tfjs'],
        rs.map((r) => [r.name, side(r.elunet), side(r.tfjs), r.ratio === null ? '—' : `${fmt(r.ratio)}×`]),
        { align: ['left', 'right', 'right', 'right'] },
      ),
    );
  }
  out.push(targetsTable('target (issue 6)', j.targets));
  return out.join('\n');
}

function scalingTables(j: ScalingJson): string {
  const out: string[] = [];
  out.push(
    `Measured ${j.machine.date} on ${j.machine.cpu}, ${j.machine.cores} cores, Node ${j.machine.node}; ${j.settings.kernels ?? 'ts'} kernels, batch ${j.settings.batch}, ` +
      `micro-batch ${j.settings.micro}; ${j.settings.rounds} interleaved rounds of ≥ ${j.settings.timeMs} ms per configuration ` +
      `(samples/s and speed-ups are medians over rounds); load average ${j.machine.loadAverage.join(' ')} at the start, ` +
      `${j.loadAverageAtEnd.join(' ')} at the end.\n`,
  );
  out.push(
    markdownTable(
      ['model', 'parameters', 'workers', 'executor', 'samples/s', 'ms/step', 'steps timed', 'speedup vs 1', 'range over rounds', 'machine ceiling', 'efficiency'],
      j.results.map((r) => [
        r.width === 1 ? r.model : `${r.model} (width ${r.width})`,
        String(r.params),
        String(r.workers),
        r.executor,
        fmt(r.samplesPerSec),
        fmt(r.stepMs),
        String(r.steps),
        `${fmt(r.speedup)}×`,
        r.workers === 1 ? '—' : `${fmt(r.speedupMin)}–${fmt(r.speedupMax)}×`,
        `${fmt(r.ceiling)}×`,
        `${Math.round(100 * r.efficiency)} %`,
      ]),
      { align: ['left', 'right', 'right', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right'] },
    ),
  );
  out.push(targetsTable('target (issue 4)', j.targets));
  return out.join('\n');
}

function main(argv: string[]): void {
  const files = parseArgs(argv, { positional: 'a JSON file' }).positionals;
  if (files.length === 0) throw new UsageError('pass the JSON files written by run.js --json and/or scaling.js --json');
  for (const f of files) {
    const j = readJsonArg(f) as { benchmark?: string; results?: unknown } | null;
    if (!Array.isArray(j?.results)) throw new UsageError(`${f}: expected the JSON written by run.js --json or scaling.js --json (with its results)`);
    const text = j!.benchmark?.startsWith('elunet data-parallel') ? scalingTables(j as ScalingJson) : runTables(j as RunJson);
    process.stdout.write(text + '\n\n');
  }
}

runBench(import.meta.url, main);
