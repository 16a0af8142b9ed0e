/**
 * Optimizers and learning-rate schedules. `createOptimizer` builds one from its name and options (what the
 * CLI and a resumed checkpoint's `config()` record hold).
 */
import { ElunetError } from '../errors.js';
import { Adam, type AdamOptions } from './adam.js';
import type { LayoutEntry, Optimizer } from './optimizer.js';
import { Sgd, type SgdOptions } from './sgd.js';

export * from './optimizer.js';
export * from './sgd.js';
export * from './adam.js';
export * from './schedule.js';

export type OptimizerName = 'sgd' | 'adam';
export const OPTIMIZER_NAMES: readonly OptimizerName[] = ['sgd', 'adam'];

/** Builds an optimizer by name; `opts` holds the fields of SgdOptions or AdamOptions (others are ignored), and the kernel set. */
export function createOptimizer(name: string, layout: readonly LayoutEntry[], opts: SgdOptions & AdamOptions = {}): Optimizer {
  switch (name) {
    case 'sgd':
      return new Sgd(layout, { momentum: opts.momentum, nesterov: opts.nesterov, weightDecay: opts.weightDecay, decay: opts.decay, kernels: opts.kernels });
    case 'adam':
      return new Adam(layout, {
        beta1: opts.beta1,
        beta2: opts.beta2,
        eps: opts.eps,
        weightDecay: opts.weightDecay,
        decay: opts.decay,
        kernels: opts.kernels,
      });
    default:
      throw new ElunetError(`--optimizer: unknown optimizer '${name}'; expected one of ${OPTIMIZER_NAMES.join(', ')}`);
  }
}
