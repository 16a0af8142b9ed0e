/**
 * The model zoo: the paper's networks as ModelSpecs, with a width factor so that they fit a CPU.
 *
 *   mnist-mlp          8 hidden dense layers × 128 units (paper §4.1.1), softmax over 10 classes
 *   mnist-cnn          a small ConvNet for 28×28 digits (not in the paper; the quick demo)
 *   mnist-autoencoder  784-1000-500-250-30 + mirror (paper §4.1.2, Martens 2010): linear code, logistic output
 *   cifar-11           the 11-conv-layer CIFAR-100 net of paper §4.2
 *   cifar-18           the 18(19)-conv-layer CIFAR net of paper §4.3
 *   imagenet-15        the 15-layer ImageNet net of the poster (paper §4.4), SPP [1, 2, 4] before the first FC
 *
 * Every open point is decided in docs/models.md; the short version:
 *   - convolutions pad 'same' (even kernels: PyTorch's asymmetric rule, 0 before and 1 after for 2×2);
 *   - the 2×2 max pool after a stack is left out once the map is 1×1 (it would not fit);
 *   - the CIFAR heads are the paper's last 1×1 conv to one map per class, then a global average pool
 *     (on a 1×1 map that is exactly a flatten; on larger inputs it keeps the net valid);
 *   - batch norm (option) sits after the conv/dense and before the activation, never on the classifier;
 *     the `norm` option moves it after the activation, or puts a mean subtraction there instead (and then the
 *     layers fed by centred activations get He's gain for centred inputs, withCentredGains);
 *   - dropout sits after the activation of the last layer of a stack, before the pool;
 *   - init: He normal (LeCun normal for SELU, the SNN recipe), biases 0; SELU models use alpha-dropout.
 * `width` multiplies every hidden layer's units/filters (rounded, at least 1); the class layer is not scaled.
 */
import { ShapeError } from '../errors.js';
import { type ActivationName, activationForward, parseActivation } from '../kernels/activation.js';
import { centredGain } from '../kernels/init.js';
import { type InitName, type LayerSpec, type ModelSpec, type Norm, type Reduction, NORMS } from './spec.js';

export interface ZooOptions {
  activation: ActivationName;
  /** ELU's α (default 1; the paper uses 1 throughout) */
  alpha?: number;
  /** leaky ReLU's slope (default 0.1, the paper's) */
  slope?: number;
  /** multiplies the hidden layers' units/filters (default 1) */
  width?: number;
  /** batch norm after every hidden conv/dense layer, before the activation (default false); the same as
   *  norm 'bn-before' */
  batchNorm?: boolean;
  /** where every hidden conv/dense block normalizes (spec.ts, Norm): 'none' (default), 'bn-before',
   *  'bn-after' or 'center-after'; never on the class layer or the autoencoder's code and output */
  norm?: Norm;
  /** how mse / sigmoid-ce combine a sample's output terms (the autoencoder): 'sum' (default) or 'mean' */
  reduction?: Reduction;
  /** the model's dropout (default: on for the CIFAR and ImageNet nets, off for the MNIST ones) */
  dropout?: boolean;
  /** [c, h, w] of one sample (default: the dataset's) */
  input?: [number, number, number];
  /** number of classes (default: the dataset's) */
  classes?: number;
}

export interface ZooEntry {
  description: string;
  build(o: ZooOptions): ModelSpec;
}

/** He normal for the ReLU family and ELU (paper §4.1), LeCun normal for SELU (the SNN recipe). */
function initFor(act: ActivationName): InitName {
  return act === 'selu' ? 'lecun-normal' : 'he-normal';
}

function scaled(units: number, width: number): number {
  return Math.max(1, Math.round(units * width));
}

function checkOptions(model: string, o: ZooOptions): { act: ActivationName; width: number } {
  const act = parseActivation(o?.activation ?? '');
  for (const [k, v] of [['alpha', o.alpha], ['slope', o.slope]] as const) {
    if (v !== undefined && !(typeof v === 'number' && Number.isFinite(v))) {
      throw new ShapeError(`zoo '${model}': ${k} must be a finite number, got ${v}`);
    }
  }
  const width = o.width ?? 1;
  if (!(typeof width === 'number' && width > 0 && Number.isFinite(width))) {
    throw new ShapeError(`zoo '${model}': width must be a positive number (1 = the paper's size), got ${o.width}`);
  }
  if (o.classes !== undefined && !(Number.isInteger(o.classes) && o.classes >= 2)) {
    throw new ShapeError(`zoo '${model}': classes must be an integer ≥ 2, got ${o.classes}`);
  }
  return { act, width };
}

/**
 * The fields of a hidden conv/dense entry that place its normalization: none for 'none' and `batchNorm: true`
 * for 'bn-before' (so that the specs of existing models stay exactly as they were), `norm` otherwise.
 */
function normFields(model: string, o: ZooOptions): { batchNorm?: true; norm?: Norm } {
  const norm = o.norm ?? 'none';
  if (!NORMS.includes(norm)) throw new ShapeError(`zoo '${model}': norm must be one of ${NORMS.join(', ')}, got ${JSON.stringify(o.norm)}`);
  if (o.batchNorm && norm !== 'none' && norm !== 'bn-before') {
    throw new ShapeError(`zoo '${model}': batchNorm (BN before the activation) and norm '${norm}' disagree; give only one of them`);
  }
  if (o.batchNorm || norm === 'bn-before') return { batchNorm: true };
  return norm === 'none' ? {} : { norm };
}

/**
 * With norm 'center-after', the weights of every conv/dense entry fed by a centred block are drawn with He's
 * gain for centred inputs, √(E[f(z)²] / Var f(z)) (kernels/init.ts, centredGain: ≈ 1.211 for ReLU): centring
 * removes the squared mean from what the next layer receives, and without the gain a stack of centred ReLUs
 * loses a factor 1 − 1/π of its mean square per layer. Exact for dense after dense; across a pooling layer an
 * approximation. The same draws (keyedRng), times the gain.
 */
function withCentredGains(layers: LayerSpec[], modelAct: ActivationName, o: ZooOptions): LayerSpec[] {
  const gains = new Map<string, number>();
  const gainOf = (a: ActivationName | 'none'): number | undefined => {
    if (a === 'none' || a === 'linear') return undefined; // a linear block centred has nothing to restore at init
    const name = a === 'prelu' ? 'lrelu' : a; // PReLU by its initial slope
    const param = a === 'prelu' ? 0.25 : a === 'elu' ? o.alpha : a === 'lrelu' ? o.slope : undefined;
    const key = `${name}:${param}`;
    if (!gains.has(key)) gains.set(key, centredGain((y, x, n) => activationForward(name, y, x, n, param)));
    return gains.get(key);
  };
  let gain: number | undefined;
  return layers.map((e) => {
    if (e.type !== 'conv' && e.type !== 'dense') return e;
    const out = gain ? { ...e, initGain: gain } : e;
    gain = e.norm === 'center-after' ? gainOf(e.activation ?? modelAct) : undefined;
    return out;
  });
}

function baseSpec(
  name: string,
  o: ZooOptions,
  act: ActivationName,
  input: [number, number, number],
  loss: ModelSpec['loss'],
  layers: LayerSpec[],
): ModelSpec {
  const activation: ModelSpec['activation'] = { name: act };
  if (act === 'elu' && o.alpha !== undefined) activation.alpha = o.alpha;
  if (act === 'lrelu' && o.slope !== undefined) activation.slope = o.slope;
  const placed = o.norm === 'center-after' ? withCentredGains(layers, act, o) : layers;
  return { name, input: [...input], activation, init: initFor(act), loss, ...(o.reduction ? { reduction: o.reduction } : {}), layers: placed };
}

/**
 * A stack-structured CNN (paper notation: stacks of [n × units × k]) with a 2×2/2 max pool after every stack
 * while the map is at least 2×2, dropout on the last layer of each stack, and the last stack's last conv
 * being the class layer (no activation, no BN, not width-scaled) followed by a global average pool.
 */
function stackCnn(
  name: string,
  o: ZooOptions,
  stacks: [count: number, units: number, k: number][][],
  dropoutRates: number[],
  defaultInput: [number, number, number],
  defaultClasses: number,
): ModelSpec {
  const { act, width } = checkOptions(name, o);
  const input = o.input ?? defaultInput;
  const classes = o.classes ?? defaultClasses;
  const dropout = o.dropout ?? true;
  const layers: LayerSpec[] = [];
  let h = input[1];
  let w = input[2];
  stacks.forEach((stack, si) => {
    const lastStack = si === stacks.length - 1;
    stack.forEach(([count, units, k], gi) => {
      for (let r = 0; r < count; r++) {
        const isClassifier = lastStack && gi === stack.length - 1 && r === count - 1;
        if (isClassifier) {
          layers.push({ type: 'conv', filters: classes, size: k, pad: 'same', activation: 'none' });
        } else {
          layers.push({ type: 'conv', filters: scaled(units, width), size: k, pad: 'same', ...normFields(name, o) });
        }
      }
    });
    const rate = dropoutRates[si] ?? 0;
    if (dropout && rate > 0) layers.push({ type: 'dropout', rate });
    if (h >= 2 && w >= 2) {
      layers.push({ type: 'maxpool', size: 2, stride: 2 });
      h = Math.floor(h / 2);
      w = Math.floor(w / 2);
    }
  });
  layers.push({ type: 'globalavgpool' });
  return baseSpec(name, o, act, input, 'softmax-ce', layers);
}

/** Paper §4.2 dropout per stack, on the stack's last layer. */
const CIFAR_DROPOUT = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0];

export const models: Record<string, ZooEntry> = {
  'mnist-mlp': {
    description: 'MNIST MLP of paper §4.1.1: 8 hidden dense layers × 128 units (× width), He init, softmax over 10 classes',
    build(o) {
      const { act, width } = checkOptions('mnist-mlp', o);
      const norm = normFields('mnist-mlp', o);
      const layers: LayerSpec[] = [];
      // optional dropout (not in the paper): 0.2 after each hidden layer, or alpha-dropout 0.05 for SELU (SNN example)
      const rate = act === 'selu' ? 0.05 : 0.2;
      for (let i = 0; i < 8; i++) {
        layers.push({ type: 'dense', units: scaled(128, width), ...norm });
        if (o.dropout) layers.push({ type: 'dropout', rate });
      }
      layers.push({ type: 'dense', units: o.classes ?? 10, activation: 'none' });
      return baseSpec('mnist-mlp', o, act, o.input ?? [1, 28, 28], 'softmax-ce', layers);
    },
  },

  'mnist-cnn': {
    description: 'small MNIST ConvNet: conv3×3 32 → pool2 → conv3×3 64 → pool2 → dense 128 → dense 10 (widths × width)',
    build(o) {
      const { act, width } = checkOptions('mnist-cnn', o);
      const bn = normFields('mnist-cnn', o);
      const layers: LayerSpec[] = [
        { type: 'conv', filters: scaled(32, width), size: 3, pad: 'same', ...bn },
        { type: 'maxpool', size: 2 },
        { type: 'conv', filters: scaled(64, width), size: 3, pad: 'same', ...bn },
        { type: 'maxpool', size: 2 },
        { type: 'dense', units: scaled(128, width), ...bn },
      ];
      if (o.dropout) layers.push({ type: 'dropout', rate: act === 'selu' ? 0.1 : 0.5 });
      layers.push({ type: 'dense', units: o.classes ?? 10, activation: 'none' });
      return baseSpec('mnist-cnn', o, act, o.input ?? [1, 28, 28], 'softmax-ce', layers);
    },
  },

  'mnist-autoencoder': {
    description:
      'MNIST deep autoencoder of paper §4.1.2 (Martens 2010): 784-1000-500-250-30-250-500-1000-784, linear 30-unit code, ' +
      'logistic output with sigmoid cross-entropy',
    build(o) {
      const { act, width } = checkOptions('mnist-autoencoder', o);
      const input = o.input ?? [1, 28, 28];
      const outputs = input[0] * input[1] * input[2];
      const bn = normFields('mnist-autoencoder', o);
      const layers: LayerSpec[] = [];
      for (const u of [1000, 500, 250]) layers.push({ type: 'dense', units: scaled(u, width), ...bn });
      layers.push({ type: 'dense', units: scaled(30, width), activation: 'none' }); // the code: linear (Martens)
      for (const u of [250, 500, 1000]) layers.push({ type: 'dense', units: scaled(u, width), ...bn });
      // logits of the reconstructed pixels; sigmoid-ce applies the logistic function inside the loss
      layers.push({ type: 'dense', units: outputs, activation: 'none' });
      return baseSpec('mnist-autoencoder', o, act, input, 'sigmoid-ce', layers);
    },
  },

  'cifar-11': {
    description:
      'CIFAR-100 11-layer CNN of paper §4.2: [192×5] [192×1, 240×3] [240×1, 260×2] [260×1, 280×2] [280×1, 300×2] [300×1] [100×1], ' +
      '2×2 max pool after each stack, dropout (0, .1, .2, .3, .4, .5, 0) per stack',
    build(o) {
      return stackCnn(
        'cifar-11',
        o,
        [
          [[1, 192, 5]],
          [[1, 192, 1], [1, 240, 3]],
          [[1, 240, 1], [1, 260, 2]],
          [[1, 260, 1], [1, 280, 2]],
          [[1, 280, 1], [1, 300, 2]],
          [[1, 300, 1]],
          [[1, 100, 1]],
        ],
        CIFAR_DROPOUT,
        [3, 32, 32],
        100,
      );
    },
  },

  'cifar-18': {
    description:
      'CIFAR 18-layer ELU CNN of paper §4.3 (the listing has 19 convs, the class layer included): [384×3] [384×1, 384×2, 2×640×2] ' +
      '[640×1, 3×768×2] [768×1, 2×896×2] [896×3, 2×1024×2] [1024×1, 1152×2] [1152×1] [classes×1]',
    build(o) {
      return stackCnn(
        'cifar-18',
        o,
        [
          [[1, 384, 3]],
          [[1, 384, 1], [1, 384, 2], [2, 640, 2]],
          [[1, 640, 1], [3, 768, 2]],
          [[1, 768, 1], [2, 896, 2]],
          [[1, 896, 3], [2, 1024, 2]],
          [[1, 1024, 1], [1, 1152, 2]],
          [[1, 1152, 1]],
          [[1, 100, 1]],
        ],
        [...CIFAR_DROPOUT, 0],
        [3, 32, 32],
        100,
      );
    },
  },

  'imagenet-15': {
    description:
      'ImageNet 15-layer CNN of the poster (paper §4.4): [96×6/2] [3×512×3] [5×768×3] [3×1024×3], 2×2 max pool after each stack, ' +
      'SPP [1, 2, 4], FC 4096 → FC 4096 (dropout 0.5 each) → FC 1000; any input size',
    build(o) {
      const { act, width } = checkOptions('imagenet-15', o);
      const input = o.input ?? [3, 224, 224];
      const classes = o.classes ?? 1000;
      const dropout = o.dropout ?? true;
      const bn = normFields('imagenet-15', o);
      const layers: LayerSpec[] = [];
      // first conv: 6×6, stride 2, pad 2 (not given by the paper; 224 → 112, the usual halving of a stem conv)
      layers.push({ type: 'conv', filters: scaled(96, width), size: 6, stride: 2, pad: 2, ...bn });
      let h = Math.floor((input[1] + 4 - 6) / 2) + 1;
      let w = Math.floor((input[2] + 4 - 6) / 2) + 1;
      const pool = (): void => {
        if (h >= 2 && w >= 2) {
          layers.push({ type: 'maxpool', size: 2, stride: 2 });
          h = Math.floor(h / 2);
          w = Math.floor(w / 2);
        }
      };
      pool();
      for (const [count, units] of [[3, 512], [5, 768], [3, 1024]]) {
        for (let r = 0; r < count; r++) layers.push({ type: 'conv', filters: scaled(units, width), size: 3, pad: 'same', ...bn });
        pool();
      }
      layers.push({ type: 'spp', levels: [1, 2, 4] });
      for (let r = 0; r < 2; r++) {
        layers.push({ type: 'dense', units: scaled(4096, width), ...bn });
        if (dropout) layers.push({ type: 'dropout', rate: 0.5 });
      }
      layers.push({ type: 'dense', units: classes, activation: 'none' });
      return baseSpec('imagenet-15', o, act, input, 'softmax-ce', layers);
    },
  },
};

/** The zoo entry for a name, or a ShapeError listing the names. */
export function zooModel(name: string): ZooEntry {
  const m = models[name];
  if (!m) throw new ShapeError(`unknown model '${name}'; the zoo has: ${Object.keys(models).join(', ')}`);
  return m;
}
