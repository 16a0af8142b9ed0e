/**
 * Charts of one or more training runs: training and test loss, test accuracy, and the median unit activation
 * (the paper's Fig. 2 quantity) over epochs. Runs with the same label (activation) are drawn as one line, the
 * mean over runs, with a ± std band. Reading the runs from their folders is src/run/folder.ts's job.
 */
import { join } from 'node:path';
import { lineChart, multiPanel, type Series } from './chart.js';
import { colorFor } from './palette.js';
import type { EpochMetrics } from '../train/loop.js';
import { columnStats } from '../stats/summary.js';

export interface LabelledRun {
  label: string;
  history: EpochMetrics[];
}

/** Per-epoch values of one metric, one row per run (rows cut to the shortest run). */
export function metricMatrix(runs: EpochMetrics[][], pick: (m: EpochMetrics) => number): number[][] {
  const len = Math.min(...runs.map((r) => r.length));
  return runs.map((r) => r.slice(0, len).map(pick));
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
    const a = columnStats(metricMatrix(runs, pick));
    const x = a.mean.map((_, e) => runs[0][e].epoch);
    return { name: label + suffix, x, y: a.mean, std: runs.length > 1 ? a.std : undefined, dashed, color: colorFor(label.replace(/\+BN$/, ''), i) };
  });
}

/** Writes curves.png (loss | accuracy | median activation) into outDir; returns the paths written. */
export function writeRunPlots(runs: LabelledRun[], outDir: string, title = ''): string[] {
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
