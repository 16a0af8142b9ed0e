/**
 * Where the time goes: the self time per function of a V8 CPU profile, largest first.
 *
 *   node --cpu-prof --cpu-prof-dir=prof dist/bench/run.js --no-tfjs --only 'train step mnist-cnn'
 *   node dist/bench/profile-summary.js prof/<file>.cpuprofile [--top 20] [--callers matmul]
 *
 * A .cpuprofile holds a call tree (`nodes`, each with a call frame) and a list of samples: which node was
 * on top of the stack at each tick, and the microseconds since the previous tick (`timeDeltas`). A
 * function's self time is the sum of the deltas of the ticks that found it on top; functions with the same
 * name, file and line are merged (one function reached through different call paths). `--callers F` adds a
 * second table: the self time of F split by the function that called it (e.g. which pass of which layer
 * spent the matmul time).
 */
import path from 'node:path';
import { fmt, intArg, parseArgs, readJsonArg, runBench, UsageError } from './common.js';
import { textTable } from '../src/table.js';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function main(argv: string[]): void {
  const args = parseArgs(argv, { values: ['top', 'callers'], positional: 'a .cpuprofile file' });
  if (args.positionals.length !== 1) {
    throw new UsageError(`pass one .cpuprofile file (made with node --cpu-prof), got ${args.positionals.length ? args.positionals.join(', ') : 'none'}`);
  }
  const file = args.positionals[0];
  const callersOf = args.values.get('callers');
  const top = intArg(args, 'top', 20);
  const prof = readJsonArg(file) as CpuProfile;
  if (!Array.isArray(prof?.nodes) || !Array.isArray(prof.samples) || !Array.isArray(prof.timeDeltas)) {
    throw new UsageError(`${file}: expected a V8 CPU profile (nodes, samples, timeDeltas), made with node --cpu-prof`);
  }
  const frameOf = new Map<number, CallFrame>();
  const parentOf = new Map<number, number>();
  for (const n of prof.nodes) {
    frameOf.set(n.id, n.callFrame);
    for (const c of n.children ?? []) parentOf.set(c, n.id);
  }
  const label = (f: CallFrame): string => `${f.functionName || '(anonymous)'}\t${f.url ? `${path.basename(f.url)}:${f.lineNumber + 1}` : ''}`;
  const byCaller = new Map<string, number>();
  let calleeTotal = 0;
  const self = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < prof.samples.length; i++) {
    const f = frameOf.get(prof.samples[i]);
    const dt = prof.timeDeltas[i] ?? 0;
    total += dt;
    if (!f) continue;
    const key = label(f);
    self.set(key, (self.get(key) ?? 0) + dt);
    if (callersOf && f.functionName === callersOf) {
      const p = parentOf.get(prof.samples[i]);
      const pf = p === undefined ? undefined : frameOf.get(p);
      const ck = pf ? label(pf) : '(root)\t';
      byCaller.set(ck, (byCaller.get(ck) ?? 0) + dt);
      calleeTotal += dt;
    }
  }
  const rows = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  process.stdout.write(`${file}: ${fmt(total / 1e6)} s sampled\n\n`);
  process.stdout.write(
    textTable(
      ['function', 'where', 'self ms', 'self %'],
      rows.map(([k, us]) => {
        const [name, where] = k.split('\t');
        return [name, where, fmt(us / 1000), `${fmt((100 * us) / total)}%`];
      }),
    ) + '\n',
  );
  if (callersOf) {
    const crow = [...byCaller.entries()].sort((a, b) => b[1] - a[1]);
    process.stdout.write(`\nself time of ${callersOf} (${fmt(calleeTotal / 1000)} ms) by caller\n\n`);
    process.stdout.write(
      textTable(
        ['caller', 'where', 'ms', `% of ${callersOf}`],
        crow.map(([k, us]) => {
          const [name, where] = k.split('\t');
          return [name, where, fmt(us / 1000), `${fmt((100 * us) / calleeTotal)}%`];
        }),
      ) + '\n',
    );
  }
}

runBench(import.meta.url, main);
