/**
 * Learning-rate schedules: lr(i) for the step with index i = 0, 1, 2, … (i = the number of steps already
 * taken, so lr(0) is the rate of the very first update).
 *
 *   constant      lr(i) = base
 *   steps         lr(i) = LRₖ for the last boundary Iₖ ≤ i, and base before the first boundary
 *   cosine        lr(i) = base·(i+1)/W                                   for i < W (linear warm-up)
 *                 lr(i) = min + (base − min)·(1 + cos(π·(i−W)/(T−W)))/2   for W ≤ i < T
 *                 lr(i) = min                                            for i ≥ T
 *
 * The paper's CIFAR-100 schedule (Clevert et al. 2016, §4.3) is the preset `paper-cifar`:
 *   iterations 0–35k: 0.01, 35k–85k: 0.005, 85k–135k: 0.0005, 135k–165k: 0.00005 (165k iterations in all).
 * Its rates are stored as multiples of the base rate (1, 0.5, 0.05, 0.005), so with the paper's base 0.01 it
 * gives exactly those values, and with another base the same shape. A CPU run is far shorter than 165k
 * iterations; `scaleTo(total)` (or the suffix `@TOTAL`) moves the boundaries proportionally, e.g.
 * `paper-cifar@16500` drops the rate at 3500, 8500 and 13500.
 *
 * The string form (what --schedule accepts, and what toString() gives back):
 *   constant
 *   steps:ITER:LR,ITER:LR,…            e.g. steps:35000:0.005,85000:0.0005,135000:0.00005
 *   paper-cifar
 *   cosine[:TOTAL][,warmup=W][,min=LR]  e.g. cosine:20000,warmup=500  (TOTAL defaults to the run's length)
 *   any of these followed by @TOTAL     rescale to TOTAL iterations
 *   …@RUN, and {f} for an iteration     written for the run's length: @RUN rescales to the run's length, {f}
 *                                      is the iteration at fraction f of it (steps:{0.28}:0.001)
 */
import { ElunetError } from '../errors.js';

export type ScheduleKind = 'constant' | 'steps' | 'cosine';

export interface Schedule {
  readonly kind: ScheduleKind;
  readonly baseLr: number;
  /** the length the schedule was written for (paper-cifar: 165000; cosine: T); undefined if it has none */
  readonly totalIters: number | undefined;
  /** learning rate of the step with index `iter` (0-based) */
  lr(iter: number): number;
  /** The same schedule stretched or shrunk to `totalIters` iterations (boundaries moved proportionally). */
  scaleTo(totalIters: number, fromTotal?: number): Schedule;
  /** Canonical string that parseSchedule(…, baseLr) reads back to the same schedule. */
  toString(): string;
}

/** Boundaries and rate multipliers of the paper's CIFAR-100 schedule (165k iterations, base lr 0.01). */
export const PAPER_CIFAR = {
  boundaries: [35000, 85000, 135000],
  factors: [0.5, 0.05, 0.005],
  totalIters: 165000,
} as const;

export const SCHEDULE_SYNTAX =
  'constant | steps:ITER:LR,ITER:LR,… (e.g. steps:35000:0.005,85000:0.0005) | paper-cifar | ' +
  'cosine[:TOTAL][,warmup=W][,min=LR]; any of them may end in @TOTAL to rescale it to TOTAL iterations, or in @RUN ' +
  'for the run\'s length; {f} is the iteration at fraction f of the run';

/**
 * A schedule written for the run's length made concrete for a run of `steps` steps: '…@RUN' becomes
 * '…@steps' and '{f}' the iteration round(f·steps) (at least 1).
 */
export function stretchSchedule(schedule: string, steps: number): string {
  return schedule
    .replace(/@RUN$/, `@${steps}`)
    .replace(/\{(\d*\.?\d+)\}/g, (_m, f: string) => String(Math.max(1, Math.round(Number(f) * steps))));
}

export class ConstantSchedule implements Schedule {
  readonly kind = 'constant' as const;
  readonly totalIters = undefined;
  constructor(readonly baseLr: number) {}
  lr(_iter: number): number {
    return this.baseLr;
  }
  scaleTo(_totalIters: number): Schedule {
    return this;
  }
  toString(): string {
    return 'constant';
  }
}

export class StepSchedule implements Schedule {
  readonly kind = 'steps' as const;
  /**
   * @param boundaries  iterations Iₖ, non-decreasing
   * @param values      absolute rates LRₖ used from Iₖ on
   */
  constructor(
    readonly baseLr: number,
    readonly boundaries: readonly number[],
    readonly values: readonly number[],
    readonly totalIters: number | undefined = undefined,
  ) {}

  lr(iter: number): number {
    let rate = this.baseLr;
    for (let k = 0; k < this.boundaries.length && this.boundaries[k] <= iter; k++) rate = this.values[k];
    return rate;
  }

  scaleTo(totalIters: number, fromTotal: number | undefined = this.totalIters): Schedule {
    checkTotal(totalIters, 'scaleTo');
    if (fromTotal === undefined) {
      throw new ElunetError(
        `schedule '${this.toString()}' has no nominal length to rescale from; pass the length it was written for ` +
          `(scaleTo(${totalIters}, fromTotal)) or rewrite its boundaries for ${totalIters} iterations`,
      );
    }
    const b = this.boundaries.map((x) => Math.round((x * totalIters) / fromTotal));
    return new StepSchedule(this.baseLr, b, this.values, totalIters);
  }

  toString(): string {
    return 'steps:' + this.boundaries.map((b, k) => `${b}:${this.values[k]}`).join(',');
  }
}

export class CosineSchedule implements Schedule {
  readonly kind = 'cosine' as const;
  constructor(
    readonly baseLr: number,
    readonly totalIters: number,
    readonly warmup = 0,
    readonly minLr = 0,
  ) {}

  lr(iter: number): number {
    const W = this.warmup;
    const T = this.totalIters;
    if (iter < W) return (this.baseLr * (iter + 1)) / W;
    if (iter >= T) return this.minLr;
    const progress = (iter - W) / (T - W);
    return this.minLr + ((this.baseLr - this.minLr) * (1 + Math.cos(Math.PI * progress))) / 2;
  }

  scaleTo(totalIters: number, fromTotal: number = this.totalIters): Schedule {
    checkTotal(totalIters, 'scaleTo');
    const warmup = Math.round((this.warmup * totalIters) / fromTotal);
    return new CosineSchedule(this.baseLr, totalIters, Math.min(warmup, totalIters - 1), this.minLr);
  }

  toString(): string {
    return `cosine:${this.totalIters}` + (this.warmup ? `,warmup=${this.warmup}` : '') + (this.minLr ? `,min=${this.minLr}` : '');
  }
}

function checkTotal(n: number, what: string): void {
  if (!Number.isInteger(n) || n < 1) throw new ElunetError(`schedule ${what}: total iterations must be an integer ≥ 1, got ${n}`);
}

/** The paper's CIFAR-100 schedule for a base rate (0.01 in the paper). */
export function paperCifarSchedule(baseLr: number): StepSchedule {
  return new StepSchedule(
    baseLr,
    [...PAPER_CIFAR.boundaries],
    PAPER_CIFAR.factors.map((f) => Number((f * baseLr).toPrecision(12))), // 0.01·0.05 → 0.0005, not 0.0005000000000000001
    PAPER_CIFAR.totalIters,
  );
}

/**
 * Parses the string form (see the file header). `baseLr` is the rate before the first step boundary (the
 * --lr option); `totalIters` is the run's length, used by a cosine schedule that does not give its own.
 * Throws an ElunetError naming `argName`, the offending part and the expected syntax.
 */
export function parseSchedule(
  s: string,
  baseLr: number,
  opts: { totalIters?: number; argName?: string } = {},
): Schedule {
  const arg = opts.argName ?? '--schedule';
  const fail = (why: string): never => {
    throw new ElunetError(`${arg} '${s}': ${why}; expected ${SCHEDULE_SYNTAX}`);
  };
  if (!(baseLr > 0 && Number.isFinite(baseLr))) {
    throw new ElunetError(`${arg}: the base learning rate (--lr) must be a finite number > 0, got ${baseLr}`);
  }
  const intOf = (t: string, what: string): number => {
    if (!/^\d+$/.test(t)) fail(`${what} must be a whole number, found '${t}'`);
    return Number(t);
  };
  const rateOf = (t: string, what: string): number => {
    const x = Number(t);
    if (t.trim() === '' || !Number.isFinite(x) || x < 0) fail(`${what} must be a number ≥ 0, found '${t}'`);
    return x;
  };

  let body = s.trim();
  if (/@RUN$|\{/.test(body)) {
    if (opts.totalIters === undefined) fail("@RUN and {f} need the run's length, which is not known here");
    body = stretchSchedule(body, opts.totalIters!);
  }
  let rescale: number | undefined;
  const at = body.lastIndexOf('@');
  if (at >= 0) {
    rescale = intOf(body.slice(at + 1), 'the total after @');
    if (rescale < 1) fail('the total after @ must be ≥ 1');
    body = body.slice(0, at);
  }
  // the name ends at the first ':' (or ',', so that 'cosine,warmup=100' works without a length)
  const sep = body.search(/[:,]/);
  const name = sep < 0 ? body : body.slice(0, sep);
  const rest = sep < 0 ? '' : body.slice(sep + 1);

  let schedule: Schedule;
  switch (name) {
    case 'constant':
      if (rest) fail('constant takes no arguments (the rate is --lr)');
      schedule = new ConstantSchedule(baseLr);
      break;
    case 'paper-cifar':
      if (rest) fail('paper-cifar takes no arguments (its rates are 1, 0.5, 0.05, 0.005 × --lr)');
      schedule = paperCifarSchedule(baseLr);
      break;
    case 'steps': {
      if (!rest) fail('steps needs at least one ITER:LR pair');
      const boundaries: number[] = [];
      const values: number[] = [];
      for (const pair of rest.split(',')) {
        const parts = pair.split(':');
        if (parts.length !== 2) fail(`'${pair}' is not an ITER:LR pair`);
        const it = intOf(parts[0], `the iteration in '${pair}'`);
        if (boundaries.length > 0 && it <= boundaries[boundaries.length - 1]) {
          fail(`iterations must increase, but ${it} follows ${boundaries[boundaries.length - 1]}`);
        }
        boundaries.push(it);
        values.push(rateOf(parts[1], `the rate in '${pair}'`));
      }
      schedule = new StepSchedule(baseLr, boundaries, values);
      break;
    }
    case 'cosine': {
      let total = opts.totalIters;
      let warmup = 0;
      let min = 0;
      for (const item of rest ? rest.split(',') : []) {
        const eq = item.indexOf('=');
        if (eq < 0) total = intOf(item, 'the cosine length TOTAL');
        else {
          const key = item.slice(0, eq);
          const val = item.slice(eq + 1);
          if (key === 'warmup') warmup = intOf(val, 'warmup');
          else if (key === 'min') min = rateOf(val, 'min');
          else fail(`unknown cosine option '${key}' (known: warmup, min)`);
        }
      }
      if (rescale !== undefined && total === undefined) total = rescale;
      if (total === undefined || total < 1) {
        fail('cosine needs its length: write cosine:TOTAL, or give the run length (--iters/--epochs)');
      }
      if (warmup >= total!) fail(`warmup (${warmup}) must be shorter than the schedule (${total})`);
      if (min > baseLr) fail(`min (${min}) must not exceed the base rate --lr (${baseLr})`);
      schedule = new CosineSchedule(baseLr, total!, warmup, min);
      break;
    }
    default:
      return fail(`unknown schedule '${name}'`);
  }
  if (rescale !== undefined && rescale !== schedule.totalIters) {
    if (schedule.kind === 'steps' && schedule.totalIters === undefined) {
      fail('@TOTAL needs a schedule with a nominal length (paper-cifar or cosine:TOTAL); steps:… already gives iterations');
    }
    schedule = schedule.scaleTo(rescale);
  }
  return schedule;
}
