/**
 * elunet as a library: the one public entry point (package.json "exports": `import … from 'elunet'`).
 * Everything a program needs is named here, with its types; every other module is internal and may move.
 * docs/library.md describes each group with an example.
 *
 *   kernels        every op, forward and backward, over flat Float32Arrays (a namespace: kernels.conv2dForward);
 *                  the kernel sets (KernelSet: tsKernels, createSimdKernels) a network computes with
 *   model          ModelSpec and its expansion, Network (forward / loss / backward over one flat parameter
 *                  buffer), the zoo of the paper's networks
 *   optimizers     Sgd, Adam, createOptimizer, and the learning-rate schedules
 *   data           loadDataset and the loaders behind it, preprocessing (mean, GCN, ZCA)
 *   training       runTraining (options in, a run folder out), trainLoop (any model and data, with callbacks)
 *   checkpoints    saveCheckpoint / loadCheckpoint, safetensors, loadRun (a run folder back as a Network)
 *   PyTorch        model.py generation and the state-dict importer
 */

// errors and randomness
export { ElunetError, ShapeError, DataError } from './errors.js';
export { Rng, keyedRng } from './rng.js';

// kernels, and the kernel sets a network computes with (TypeScript, WebAssembly SIMD)
export * as kernels from './kernels/index.js';
export { type ActivationName, ACTIVATION_NAMES, parseActivation } from './kernels/activation.js';
export type { KernelSet, Allocator } from './kernels/kernel-set.js';
export {
  createSimdKernels,
  SimdKernels,
  type SimdKernelOptions,
  kernelsByName,
  resolveKernels,
  simdAvailable,
  KERNEL_NAMES,
  type KernelsName,
} from './simd/index.js';

// model
export {
  type ModelSpec,
  type LayerSpec,
  type Layer,
  type LayerKind,
  type ExpandedModel,
  type Dims,
  type InitName,
  type LossName,
  type Act,
  expandSpec,
  formatDims,
} from './model/spec.js';
export { type ParamEntry, type ModelLayout, layoutFor, formatLayout, paramCountOf } from './model/params.js';
export {
  Network,
  type NetworkOptions,
  type DropoutKeys,
  type HiddenActivation,
  BN_EPS,
  BN_MOMENTUM,
  describeLayer,
  summarizeSpec,
} from './model/network.js';
export { models, zooModel, type ZooOptions, type ZooEntry } from './model/zoo.js';

// optimizers and schedules
export {
  type Optimizer,
  type LayoutEntry,
  type OptimizerStateTensor,
  type DecayFilter,
  Sgd,
  type SgdOptions,
  Adam,
  type AdamOptions,
  createOptimizer,
  type OptimizerName,
  OPTIMIZER_NAMES,
  type Schedule,
  ConstantSchedule,
  StepSchedule,
  CosineSchedule,
  paperCifarSchedule,
  parseSchedule,
} from './optim/index.js';

// data
export {
  loadDataset,
  type LoadOptions,
  FASHION_MNIST_DIR,
  type Dataset,
  type Split,
  take,
  subset,
  labelHistogram,
  loadMnistEmbedded,
  loadIdxFolder,
  loadCifar,
  loadPngFolder,
  fitPreprocessor,
  applyPreprocessor,
  applyPreprocessorInPlace,
  type PreprocessorState,
  type PreprocessKind,
} from './data/index.js';

// training
export { runTraining, prepareData, buildSpec, TRAIN_DEFAULTS, type TrainOptions, type PreparedData } from './run/setup.js';
export { trainLoop, readMetrics, TrainingDiverged, type LoopOptions, type EpochMetrics, type RunResult } from './train/loop.js';
export { evaluate, evalOutcome, type EvaluateOptions, type EvalSums, type EvalOutcome } from './train/evaluate.js';
export type { SampleSource } from './train/batch.js';
export type { AugmentOptions } from './data/augment.js';

// checkpoints and safetensors
export {
  saveCheckpoint,
  loadCheckpoint,
  readCheckpointIndex,
  checkpointExists,
  optimizerSnapshot,
  type Checkpoint,
  type CheckpointIndex,
  type OptimizerSnapshot,
} from './io/checkpoint.js';
export {
  readSafetensors,
  writeSafetensors,
  encodeSafetensors,
  decodeSafetensors,
  type NamedTensor,
  type RawTensor,
  type DecodeOptions,
  type SafetensorsContents,
} from './io/safetensors.js';
export { loadRun, type LoadedRun } from './run/load-run.js';

// PyTorch
export { pytorchModelSource, writePytorchExport, type ExportSource } from './export/pytorch.js';
export { importPytorch, loadStateDictInto } from './export/import.js';

// gradient checking
export { gradCheck, type GradCheckOptions, type GradCheckResult, type GradParam } from './gradcheck/finite-difference.js';
export { networkLoss, networkParams, inputParam, type NetworkProblem } from './gradcheck/network.js';
