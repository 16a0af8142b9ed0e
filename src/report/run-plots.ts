/**
 * Charts of one or more run folders: training and test loss, test accuracy, and the median unit activation
 * (the paper's Fig. 2 quantity) over epochs. Runs with the same label (activation) are drawn as one line, the
 * mean over runs, with a ± std band.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { lineChart, multiPanel, type Series } from './chart.js';
import { colorFor } from './palette.js';
import { readMetrics, type EpochMetrics } from '../train/loop.js';
import { mean, std } from '../train/metrics.js';

export interface LabelledRun {
  label: string;
  history: EpochMetrics[];
}

/** The label of a run: its activation (from the checkpoint metadata), else the folder name. */
export function runLabel(runDir: string): string {
  const p = join(runDir, 'checkpoint', 'checkpoint.json');
  if (existsSync(p)) {
    try {
      const j = JSON.parse(readFileSync(p, 'utf8'));
      const a = j?.meta?.options?.activation ?? j?.meta?.spec?.activation?.name;
      const bn = j?.meta?.options?.batchNorm ? '+BN' : '';
      if (typeof a === 'string') return a + bn;
    } catch {
      /* fall through to the folder name */
    }
  }
  return basename(runDir);
}

/** Mean ± std over runs of one metric, per epoch (only epochs every run has). */
export function aggregate(runs: EpochMetrics[][], pick: (m: EpochMetrics) => number): { x: number[]; y: number[]; std: number[] } {
  const len = Math.min(...runs.map((r) => r.length));
  const x: number[] = [];
  const y: number[] = [];
  const s: number[] = [];
  for (let e = 0; e < len; e++) {
    const vals = runs.map((r) => pick(r[e]));
    x.push(runs[0][e].epoch);
    y.push(mean(vals));
    s.push(std(vals));
  }
  return { x, y, std: s };
}

export function groupRuns(runs: LabelledRun[]): Map<string, EpochMetrics[][]> {
  const groups = new Map<string, EpochMetrics[][]>();
  for (const r of runs) {
    if (r.history.length === 0) continue;
    const g = groups.get(r.label) ?? [];
    g.push(r.history);
    groups.set(r.label, g);
  }
  return groups;
}

function series(groups: Map<string, EpochMetrics[][]>, pick: (m: EpochMetrics) => number, dashed = false, suffix = ''): Series[] {
  return [...groups.entries()].map(([label, runs], i) => {
    const a = aggregate(runs, pick);
    return { name: label + suffix, x: a.x, y: a.y, std: runs.length > 1 ? a.std : undefined, dashed, color: colorFor(label.replace(/\+BN$/, ''), i) };
  });
}

/** Writes curves.png (loss | accuracy | median activation) into outDir; returns the paths written. */
export function writeRunPlots(runDirs: string[], outDir: string, title = ''): string[] {
  const runs = runDirs.map((d) => ({ label: runLabel(d), history: readMetrics(d) }));
  return writeLabelledPlots(runs, outDir, title);
}

export function writeLabelledPlots(runs: LabelledRun[], outDir: string, title = ''): string[] {
  const groups = groupRuns(runs);
  if (groups.size === 0) return [];
  const classifier = runs.some((r) => r.history.some((m) => m.testAcc > 0));
  const t = title ? `${title}: ` : '';
  const charts = [
    lineChart({
      title: `${t}loss`,
      xLabel: 'epoch',
      yLabel: 'loss',
      series: [...series(groups, (m) => m.trainLoss, false, ' train'), ...series(groups, (m) => m.testLoss, true, ' test')],
    }),
  ];
  if (classifier) {
    charts.push(
      lineChart({ title: `${t}test accuracy`, xLabel: 'epoch', yLabel: 'accuracy', series: series(groups, (m) => m.testAcc) }),
    );
  }
  charts.push(
    lineChart({
      title: `${t}median unit activation`,
      xLabel: 'epoch',
      yLabel: 'median of unit means',
      series: series(groups, (m) => m.medianUnitActivation),
    }),
  );
  const path = join(outDir, 'curves.png');
  multiPanel(charts).savePNG(path);
  return [path];
}
