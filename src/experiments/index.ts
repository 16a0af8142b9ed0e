/**
 * The paper's experiments, one file each, and the control of the theory page (bias-shift-control). `elunet experiment <name> [--scale small|default|paper]` runs one
 * and writes reports/<name>/ (report.md, results.json, figures, runs/); see docs/reproduction.md.
 */
import { mnistActivations } from './mnist-activations.js';
import { mnistAutoencoder } from './mnist-autoencoder.js';
import { cifarCompare } from './cifar-compare.js';
import { cifarTable } from './cifar-table.js';
import { imagenetCost } from './imagenet-cost.js';
import { biasShiftControl } from './bias-shift-control.js';

export interface Experiment {
  description: string;
  run(opts: Record<string, unknown>): Promise<void>;
}

export const experiments: Record<string, Experiment> = {
  'mnist-activations': mnistActivations,
  'mnist-autoencoder': mnistAutoencoder,
  'cifar-compare': cifarCompare,
  'cifar-table': cifarTable,
  'imagenet-cost': imagenetCost,
  'bias-shift-control': biasShiftControl,
};
