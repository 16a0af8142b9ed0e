#!/usr/bin/env node
/**
 * The elunet command line. This file only parses arguments, calls the library and prints; every
 * computation lives under src/. A user mistake (bad argument, malformed file) prints `error: …` and exits
 * with code 1, without a stack trace.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { ElunetError } from './errors.js';
import { KERNEL_NAMES } from './simd/index.js';
import { TRAIN_DEFAULTS, defaultWorkers, type TrainOptions } from './run/setup.js';
import { NORMS, REDUCTIONS } from './model/index.js';
import { trainCommand } from './commands/train.js';
import { evalCommand } from './commands/eval.js';
import { predictCommand } from './commands/predict.js';
import { modelsCommand } from './commands/models.js';
import { gradcheckCommand } from './commands/gradcheck.js';
import { plotCommand } from './commands/plot.js';
import { compareCommand } from './commands/compare.js';
import { experimentCommand } from './commands/experiment.js';
import { serveCommand } from './commands/serve.js';
import { addExportCommands } from './commands/export.js';

function intArg(name: string, min: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer ≥ ${min}, got '${v}'`);
    return n;
  };
}

function floatArg(name: string, min: number, max = Infinity) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${name} must be a number in [${min}, ${max}], got '${v}'`);
    }
    return n;
  };
}

function choice<T extends string>(name: string, values: readonly T[]) {
  return (v: string): T => {
    if (!values.includes(v as T)) throw new InvalidArgumentError(`${name} must be one of ${values.join(', ')}, got '${v}'`);
    return v as T;
  };
}

/**
 * --kernels ts|simd: without a default here, so a command can tell "not given" (simd where this runtime runs
 * it, else ts with a note; a command on an existing run: the run's own kernels).
 */
function kernelsOption(what = 'ts: the TypeScript kernels | simd: WebAssembly SIMD (default where the runtime has it; results differ from ts in rounding only)'): Option {
  return new Option('--kernels <name>', what).argParser(choice('--kernels', KERNEL_NAMES));
}

/** Options shared by `train`, `compare` and the experiments. */
export function addTrainOptions(cmd: Command, d: Partial<TrainOptions> = {}): Command {
  const D = { ...TRAIN_DEFAULTS, ...d };
  return cmd
    .option('-m, --model <name>', "model from the zoo (see 'elunet models')", D.model)
    .option('-a, --activation <name>', 'elu | relu | lrelu | srelu | prelu | selu', D.activation)
    .option('--alpha <α>', 'ELU α (or leaky-ReLU slope for lrelu)', floatArg('--alpha', 0))
    .option('--width <factor>', 'width factor: multiplies every layer’s units/channels', floatArg('--width', 0.01, 16), D.width)
    .option('--batch-norm', 'batch normalization after every hidden conv/dense layer, before its activation (= --norm bn-before)', D.batchNorm)
    .addOption(new Option('--norm <where>', 'normalization of every hidden conv/dense block: none | bn-before | bn-after (BN after the activation) | center-after (subtract each unit\'s mean after the activation)').argParser(choice('--norm', NORMS)))
    .addOption(new Option('--loss-reduction <r>', 'mse / sigmoid-ce over a sample\'s outputs: sum (default) | mean (per pixel: the learning rate no longer depends on the image size)').argParser(choice('--loss-reduction', REDUCTIONS)))
    .option('--dropout', 'add dropout where the model defines it as optional (mnist-mlp: 0.2 after each hidden layer; mnist-cnn: 0.5 before the last layer)')
    .option('--no-dropout', 'remove the dropout layers of the model (default: the model’s own choice, the paper’s dropout for the CIFAR/ImageNet nets)')
    .option('-d, --data <source>', "'mnist' (embedded), or a folder/archive: MNIST/Fashion-MNIST IDX, CIFAR-10/100 binary, PNG class folders", D.data)
    .addOption(new Option('--preprocess <kind>', 'none | mean (per-pixel mean) | gcn | zca | gcn-zca (the paper’s CIFAR preprocessing; minutes on a CPU for 32×32 RGB); auto: mean for 32×32 RGB, else none').default(D.preprocess).argParser(choice('--preprocess', ['auto', 'none', 'mean', 'gcn', 'zca', 'gcn-zca'] as const)))
    .addOption(new Option('--augment <kind>', 'none | crop | flip | crop+flip (pad 4, random crop); auto: crop+flip for 32×32 RGB').default(D.augment).argParser(choice('--augment', ['auto', 'none', 'crop', 'flip', 'crop+flip'] as const)))
    .option('-e, --epochs <n>', 'epochs', intArg('--epochs', 1), D.epochs)
    .option('--iterations <n>', 'total steps (overrides --epochs)', intArg('--iterations', 1))
    .option('-b, --batch <n>', 'global mini-batch size', intArg('--batch', 1), D.batch)
    .option('--micro-batch <n>', 'micro-batch: the unit of parallel work and of batch-norm statistics', intArg('--micro-batch', 1), D.microBatch)
    .addOption(new Option('--optimizer <name>', 'sgd | adam').default(D.optimizer).argParser(choice('--optimizer', ['sgd', 'adam'] as const)))
    .option('--lr <rate>', 'base learning rate', floatArg('--lr', 0), D.lr)
    .option('--momentum <μ>', 'SGD momentum', floatArg('--momentum', 0, 0.999999), D.momentum)
    .option('--nesterov', 'Nesterov momentum', D.nesterov)
    .option('--weight-decay <wd>', 'L2 weight decay', floatArg('--weight-decay', 0), D.weightDecay)
    .option('--schedule <spec>', "constant | steps:ITER:LR,… | paper-cifar | cosine[:TOTAL][,warmup=W][,min=LR]; @TOTAL or @RUN rescales (paper-cifar@RUN: to this run's length)", D.schedule)
    .option('-s, --seed <n>', 'random seed (init, shuffling, dropout, augmentation)', intArg('--seed', 0), D.seed)
    .option('--data-seed <n>', 'seed of the train/test split where the data has no fixed test set (embedded MNIST, PNG folders)', intArg('--data-seed', 0), 0)
    .option('-w, --workers <n>', 'worker threads (1 = main thread only)', intArg('--workers', 1), defaultWorkers())
    .addOption(kernelsOption())
    .option('--checkpoint-every <steps>', 'also checkpoint every N steps (0: at epoch ends only)', intArg('--checkpoint-every', 0), D.checkpointEvery)
    .option('--stats-subset <n>', 'training samples used for the activation statistics', intArg('--stats-subset', 1), D.statsSubset)
    .option('--train-limit <n>', 'use only the first N training samples', intArg('--train-limit', 1))
    .option('--test-limit <n>', 'evaluate on only the first N test samples', intArg('--test-limit', 1))
    .option('-q, --quiet', 'no progress output');
}

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('elunet')
    .description('ELU networks in pure TypeScript: train, evaluate and re-run the experiments of Clevert et al. (2016) on your CPU')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ outputError: (str, write) => write(str) });

  addTrainOptions(program.command('train').description('train a model; writes metrics, checkpoints and plots to the run folder'))
    .option('-o, --out <dir>', 'run folder (default runs/<model>-<activation>-s<seed>)')
    .option('--resume', 'continue the run in --out from its last checkpoint, with the options it saved; flags given with it may change --epochs, --iterations, --lr, --schedule, --momentum, --nesterov, --weight-decay, --checkpoint-every, --test-limit (the others must keep their saved values)')
    .option('--force', 'overwrite an existing run folder')
    .action(trainCommand);

  program
    .command('eval')
    .description("evaluate a trained run's checkpoint on its test set (or on --data)")
    .argument('<run>', 'run folder')
    .option('-d, --data <source>', 'another dataset with the same image shape and classes')
    .option('-w, --workers <n>', 'unused for evaluation; accepted for symmetry', intArg('--workers', 1))
    .addOption(kernelsOption('ts | simd (default: the kernels the run was trained with, so the numbers match its own evaluation)'))
    .action(evalCommand);

  program
    .command('predict')
    .description('classify PNG images with a trained run')
    .argument('<run>', 'run folder')
    .argument('<png...>', 'PNG files')
    .option('-k, --top <k>', 'show the k most likely classes', intArg('--top', 1), 3)
    .addOption(kernelsOption('ts | simd (default: the kernels the run was trained with)'))
    .action(predictCommand);

  program
    .command('models')
    .description('list the model zoo with parameter counts')
    .option('--width <factor>', 'width factor', floatArg('--width', 0.01, 16), 1)
    .option('-a, --activation <name>', 'activation', 'elu')
    .option('--summary <name>', 'print the layer table of one model')
    .action(modelsCommand);

  program
    .command('gradcheck')
    .description("check a model's analytic gradients against finite differences, tensor by tensor")
    .option('-m, --model <name>', 'model from the zoo', 'mnist-cnn')
    .option('-a, --activation <name>', 'activation', 'elu')
    .option('--width <factor>', 'width factor (small keeps it quick)', floatArg('--width', 0.01, 16), 0.25)
    .option('--batch-norm', 'with batch normalization before the activations')
    .addOption(new Option('--norm <where>', 'none | bn-before | bn-after | center-after').argParser(choice('--norm', NORMS)))
    .option('--input <c,h,w>', 'input shape override, e.g. 3,64,64')
    .option('-n, --batch <n>', 'samples (each adds max-pool windows whose switches blur a float32 finite difference)', intArg('--batch', 1), 1)
    .option('--checks <n>', 'elements checked per tensor', intArg('--checks', 1), 12)
    .option('-s, --seed <n>', 'seed', intArg('--seed', 0), 0)
    .option('--step <h>', 'finite-difference step (a whole network in float32 has many kinks: keep it small)', floatArg('--step', 1e-6, 1), 1e-2)
    // 5e-2, not the 1e-2 of the single-op tests: through a whole float32 network the loss carries rounding
    // noise of ~1e-6, i.e. ~5e-4 in a slope measured with h = 1e-3, and larger steps meet max-pool kinks;
    // a wrong sign gives an error of 1 and a wrong index typically 0.2–1, so 5e-2 still tells them apart.
    .option('--tol <t>', 'tolerance on |a − n| / max(|a| + |n|, 1e-3)', floatArg('--tol', 0, 1), 5e-2)
    .addOption(kernelsOption())
    .action(gradcheckCommand);

  program
    .command('plot')
    .description('draw loss, accuracy and mean-activation charts of one or more runs')
    .argument('<runs...>', 'run folders')
    .option('-o, --out <dir>', 'where to write the PNGs (default: the first run folder)')
    .option('--title <text>', 'chart title prefix')
    .action(plotCommand);

  addTrainOptions(
    program.command('compare').description('the main job: train the same network with ELU and with ReLU, print a side-by-side table and write a comparison chart'),
    { model: 'mnist-mlp', epochs: 10, lr: 0.01 },
  )
    .option('--activations <list>', 'comma-separated activations to compare', 'elu,relu')
    .option('-o, --out <dir>', 'output folder', 'runs/compare')
    .action(compareCommand);

  program
    .command('experiment')
    .description("re-run one of the paper's experiments ('elunet experiment list')")
    .argument('<name>', 'experiment name, or list')
    .allowUnknownOption(false)
    .option('--scale <s>', 'smoke (seconds: what the tests run) | small | default | paper (docs/reproduction.md, "Scales")', 'default')
    .option('-o, --out <dir>', 'report folder (default reports/<name>)')
    .option('-w, --workers <n>', 'worker threads', intArg('--workers', 1), defaultWorkers())
    .addOption(kernelsOption())
    .option('--runs <n>', 'runs per setting (default: per experiment)', intArg('--runs', 1))
    .option('-e, --epochs <n>', 'epochs per run (default: per experiment and scale)', intArg('--epochs', 1))
    .option('-d, --data <source>', 'dataset (default: per experiment)')
    .option('--resume', 'reuse finished runs in the report folder', true)
    .option('--no-resume', 'start every run afresh')
    .action(experimentCommand);

  program
    .command('serve')
    .description('a live page of training runs (curves, activations, filters, mistakes) and an in-browser playground')
    .argument('[folders...]', 'run folders, or folders with runs below them (default: runs)')
    .option('--host <address>', 'address to listen on (anything but loopback exposes the runs to the network)', '127.0.0.1')
    .option('-p, --port <n>', 'port (0: any free port)', (v: string) => {
      const n = intArg('--port', 0)(v);
      if (n > 65535) throw new InvalidArgumentError(`--port must be an integer ≤ 65535, got '${v}'`);
      return n;
    }, 8765)
    .action(serveCommand);

  addExportCommands(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (e) {
    if (e instanceof ElunetError) {
      process.stderr.write(`error: ${e.message}\n`);
      process.exitCode = 1;
      return;
    }
    throw e;
  }
}

await main(process.argv);
