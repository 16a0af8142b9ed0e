/**
 * The way to PyTorch: a model spec becomes a self-contained model.py that defines the same network as a
 * torch.nn.Module, with elunet's parameter names, so that
 *
 *   net.load_state_dict(load_safetensors('model.safetensors'))        (strict)
 *
 * takes an elunet checkpoint's tensors as they are, and `save_safetensors(net.state_dict(), path)` writes a
 * file that `elunet import` reads back (src/export/import.ts).
 *
 * The module is generated from the expanded model's layer list (spec.ts): each layer kind says what it is in
 * PyTorch in its own file (the `torch` part of its LayerImpl, model/layers/<kind>.ts) — the module built in
 * __init__ (if any), the line of forward, the rank it takes and gives, and any class of model.py it needs
 * (BatchNorm, Center, PReLU, ShiftedReLU, SPP). This file holds no per-kind code: it assembles those pieces into the
 * class, adds the flattening or reshaping between ranks, and writes the rest of model.py (initialisation,
 * loss, preprocessing, the safetensors reader and writer).
 *
 * Names. A layer 'conv1' is an nn.Conv2d at self.conv1; the BN and activation that elunet names 'conv1.bn'
 * and 'conv1.act' are registered as children of that module (self.conv1.bn), which is what makes the
 * state_dict keys 'conv1.bn.gamma' and 'conv1.act.slope'. nn.Conv2d's own forward ignores its children;
 * model.py's forward calls them in elunet's order (conv → bn → act). Batch norm and PReLU are small modules
 * of model.py with elunet's parameter names (gamma, beta, slope), so the state dict needs no renaming in
 * either direction (elunet import also accepts PyTorch's 'weight'/'bias' names for them).
 *
 * The conventions that must agree (padding of even 'same' kernels, pooling's floor mode and padding, SPP's
 * bins, batch norm's ε and momentum, inverted dropout, SELU's constants) are written beside each piece; the
 * round-trip test (test/pytorch-export.test.ts) holds every zoo model to them.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BN_EPS, BN_MOMENTUM } from '../model/network.js';
import { type ParamEntry, layoutFor } from '../model/params.js';
import { type ExpandedModel, type ModelSpec, expandSpec, formatDims } from '../model/spec.js';
import { implOf } from '../model/layers/index.js';
import { type TorchHelper, type TorchRank, pyFloat } from '../model/layers/layer.js';
import { decodeArray, type PreprocessStep, type PreprocessorState } from '../data/preprocess.js';
import { type NamedTensor, writeSafetensors } from '../io/safetensors.js';
import { writeFileAtomic } from '../io/atomic.js';
import { PRELU_INITIAL_SLOPE } from '../kernels/prelu.js';

/** elunet's initialisation in PyTorch (the same distributions, not the same numbers). */
const TORCH_INIT: Record<ModelSpec['init'], string> = {
  'he-normal': "nn.init.kaiming_normal_(m.weight, nonlinearity='relu')  # N(0, 2 / fan_in)",
  'he-uniform': "nn.init.kaiming_uniform_(m.weight, nonlinearity='relu')  # U(±√(6 / fan_in))",
  'lecun-normal': "nn.init.kaiming_normal_(m.weight, nonlinearity='linear')  # N(0, 1 / fan_in)",
  'glorot-uniform': 'nn.init.xavier_uniform_(m.weight)  # U(±√(6 / (fan_in + fan_out)))',
  'glorot-normal': 'nn.init.xavier_normal_(m.weight)  # N(0, 2 / (fan_in + fan_out))',
};

/** The loss of each elunet loss name in PyTorch: mean over samples of the per-sample loss (network.ts), whose
 *  terms (one per output) are summed, or averaged with the spec's reduction 'mean'. */
const TORCH_LOSS: Record<ModelSpec['loss'], (perSample: 'sum' | 'mean') => string> = {
  'softmax-ce': () => 'F.cross_entropy(logits, target)  # target: class indices (N,)',
  mse: (r) => `((logits - target) ** 2).${r}(1).mean()  # target: (N, outputs)`,
  'sigmoid-ce': (r) => `F.binary_cross_entropy_with_logits(logits, target, reduction='none').${r}(1).mean()  # target in [0, 1]`,
};

/** Each fitted preprocessing step as lines of Python over z (N, D) float64; `i` is the step's index. */
const TORCH_PREPROCESS: { [K in PreprocessStep['kind']]: (s: Extract<PreprocessStep, { kind: K }>, i: number) => string[] } = {
  mean: (_, i) => [`z = z - tensors['${i}.mean'].double()  # per-pixel mean of the training images`],
  gcn: (s) => [
    `# global contrast normalization: scale ${s.scale}, sqrt_bias ${s.sqrtBias}, min_divisor ${s.minDivisor}`,
    s.subtractMean ? 'z = z - z.mean(1, keepdim=True)' : '',
    s.useStd
      ? 'spread = z.var(1, keepdim=True, unbiased=z.shape[1] > 1)'
      : 'spread = (z * z).sum(1, keepdim=True)',
    `s = torch.sqrt(${pyFloat(s.sqrtBias)} + spread) / ${pyFloat(s.scale)}`,
    `z = z / torch.where(s < ${s.minDivisor}, torch.ones_like(s), s)`,
  ].filter((line) => line !== ''),
  zca: (s, i) => [
    `# ZCA whitening (filter bias ${s.filterBias}, fitted on ${s.fitSamples} training images)`,
    `z = (z - tensors['${i}.mean'].double()) @ tensors['${i}.whiten'].double()`,
  ],
};

/** Adds a helper class of model.py once; two kinds may share one only if they agree on its text. */
function addHelper(helpers: Map<string, string>, h: TorchHelper): void {
  const known = helpers.get(h.name);
  if (known !== undefined && known !== h.source) throw new Error(`pytorch export: two layer kinds define model.py's class ${h.name} differently`);
  helpers.set(h.name, h.source);
}

/** 'mnist-cnn' → 'MnistCnn', 'cifar-11' → 'Cifar11' (a Python class name). */
export function pythonClassName(name: string): string {
  const camel = name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((p) => p[0].toUpperCase() + p.slice(1))
    .join('');
  return /^[A-Za-z]/.test(camel) ? camel : `Net${camel}`;
}

/** The tensors of preprocess.safetensors: '<step>.mean', '<step>.whiten' (float32). */
export function preprocessTensors(p: PreprocessorState | undefined): NamedTensor[] {
  const out: NamedTensor[] = [];
  if (!p) return out;
  const d = p.c * p.h * p.w;
  const f32 = (a: Float32Array | Float64Array): Float32Array => (a instanceof Float32Array ? a : Float32Array.from(a));
  p.steps.forEach((s, i) => {
    if (s.kind === 'mean' || s.kind === 'zca') out.push({ name: `${i}.mean`, shape: [d], data: f32(decodeArray(s.mean, `steps[${i}].mean`, d)) });
    if (s.kind === 'zca') out.push({ name: `${i}.whiten`, shape: [d, d], data: f32(decodeArray(s.whiten, `steps[${i}].whiten`, d * d)) });
  });
  return out;
}

const LOADER = `_DTYPES = {'F64': (torch.float64, 8), 'F32': (torch.float32, 4), 'F16': (torch.float16, 2),
           'BF16': (torch.bfloat16, 2), 'I64': (torch.int64, 8), 'I32': (torch.int32, 4),
           'I16': (torch.int16, 2), 'I8': (torch.int8, 1), 'U8': (torch.uint8, 1), 'BOOL': (torch.bool, 1)}


def load_safetensors(path):
    """Reads a safetensors file with nothing but torch: bytes 0-7 hold N (little-endian u64), the next N
    bytes a JSON header {name: {dtype, shape, data_offsets: [begin, end]}, '__metadata__': {...}}, the rest
    the tensors' raw little-endian bytes (offsets count from the end of the header). Returns {name: tensor}."""
    if sys.byteorder != 'little':
        raise RuntimeError('load_safetensors reads little-endian data on a little-endian machine only')
    with open(path, 'rb') as f:
        data = bytearray(f.read())
    n = int.from_bytes(data[:8], 'little')
    header = json.loads(data[8:8 + n].decode('utf-8'))
    header.pop('__metadata__', None)
    tensors = {}
    for name, info in header.items():
        dtype, size = _DTYPES[info['dtype']]
        begin, end = info['data_offsets']
        count = (end - begin) // size
        flat = (torch.frombuffer(data, dtype=dtype, count=count, offset=8 + n + begin) if count
                else torch.empty(0, dtype=dtype))
        tensors[name] = flat.reshape(info['shape']).clone()
    return tensors


def save_safetensors(tensors, path, metadata=None):
    """Writes {name: tensor} (e.g. net.state_dict()) as a safetensors file of float32 tensors, the format
    elunet reads. Integer buffers (nn.BatchNorm2d's num_batches_tracked) are left out: elunet has none."""
    if sys.byteorder != 'little':
        raise RuntimeError('save_safetensors writes little-endian data on a little-endian machine only')
    header, chunks, pos = {}, [], 0
    for name, t in tensors.items():
        if not t.is_floating_point():
            continue
        t = t.detach().to('cpu', torch.float32).contiguous()
        nbytes = t.numel() * 4
        header[name] = {'dtype': 'F32', 'shape': list(t.shape), 'data_offsets': [pos, pos + nbytes]}
        chunks.append(ctypes.string_at(t.data_ptr(), nbytes) if nbytes else b'')
        pos += nbytes
    if metadata:
        header['__metadata__'] = {str(k): str(v) for k, v in metadata.items()}
    head = json.dumps(header, separators=(',', ':')).encode('utf-8')
    head += b' ' * (-len(head) % 8)
    with open(path, 'wb') as f:
        f.write(len(head).to_bytes(8, 'little'))
        f.write(head)
        for chunk in chunks:
            f.write(chunk)
`;

export interface ModelPyOptions {
  /** the fitted input transform of the run (its steps become preprocess(); none: the identity) */
  preprocess?: PreprocessorState;
  /** where the network came from, for the docstring (e.g. the run folder) */
  source?: string;
}

/** The text of model.py for a model spec (see the file header). */
export function pytorchModelSource(spec: ModelSpec, opts: ModelPyOptions = {}): string {
  return pytorchSourceOf(expandSpec(spec), opts);
}

/** The text of model.py for an expanded model (its `layers` list is what is written). */
export function pytorchSourceOf(model: ExpandedModel, opts: ModelPyOptions = {}): string {
  const spec = model.spec;
  const cls = pythonClassName(spec.name);
  const helpers = new Map<string, string>();
  const init: string[] = [];
  const forward: string[] = [];
  let rank: TorchRank = 4;
  for (const l of model.layers) {
    const piece = implOf(l.kind).torch(l);
    for (const h of piece.helpers ?? []) addHelper(helpers, h);
    // 'alpha-dropout1' is not a Python name; layers with parameters are all named like 'conv1' or 'conv1.bn'
    const self = `self.${l.name.replace(/[^A-Za-z0-9_.]/g, '_')}`;
    if (piece.module !== null) init.push(`        ${self} = ${piece.module}`);
    if (piece.input === 4 && rank === 2) forward.push(`        x = x.view(-1, ${l.in.c}, ${l.in.h}, ${l.in.w})`);
    if (piece.input === 2 && rank === 4) forward.push('        x = x.flatten(1)');
    if (piece.input !== 'any') rank = piece.input;
    if (piece.output !== 'same') rank = piece.output;
    forward.push(`        x = ${piece.call(self)}`.padEnd(56) + `  # ${l.name}: ${formatDims(l.out)}`);
  }
  if (rank === 4) forward.push('        x = x.flatten(1)');
  // weights whose role carries a gain (initGain, behind a centring layer) are drawn with it, as in elunet
  const layout = layoutFor(model.layers);
  const gains = layout.params.flatMap((e, i) => {
    const role = layout.paramRoles[i];
    return role.role === 'weight' && role.gain !== undefined ? [`            self.${e.name}.mul_(${role.gain})`] : [];
  });

  const [c, h, w] = spec.input;
  const steps = opts.preprocess?.steps ?? [];
  const pre = steps.flatMap((s, i) => (TORCH_PREPROCESS[s.kind] as (s: PreprocessStep, i: number) => string[])(s, i));
  const preBody = steps.length === 0
    ? ['    return x  # this run used no preprocessing']
    : ['    z = x.reshape(x.shape[0], -1).double()', ...pre.map((line) => `    ${line}`), '    return z.float().reshape(x.shape)'];
  const recipe = opts.preprocess?.recipe ?? 'none';

  return `"""
${spec.name}, exported from elunet${opts.source ? ` (${opts.source})` : ''}: the same network as a torch.nn.Module.

    from model import Net, load_safetensors, preprocess
    net = Net(); net.load_state_dict(load_safetensors('model.safetensors')); net.eval()
    logits = net(preprocess(x))      # x: (N, ${c}, ${h}, ${w}) float32, pixels in [0, 1]

Parameter and buffer names are elunet's checkpoint names, so load_state_dict takes model.safetensors as it is,
and save_safetensors(net.state_dict(), 'tuned.safetensors') writes a file 'elunet import' reads back.
Conventions as in elunet: NCHW, 'same' padding of even kernels puts the extra row/column after, batch norm
eps ${BN_EPS.toExponential()} and momentum ${BN_MOMENTUM}, inverted dropout; the loss is applied outside the module (see loss()).
Needs only torch (the safetensors reader and writer below use the standard library).
"""
import ctypes
import json
import os
import sys

import torch
from torch import nn
import torch.nn.functional as F

INPUT_SHAPE = (${c}, ${h}, ${w})
LOSS = '${spec.loss}'


${[...helpers.keys()].sort().map((k) => `${helpers.get(k)}\n\n\n`).join('')}class ${cls}(nn.Module):
    """${spec.name}: ${spec.activation.name}, init ${spec.init}, loss ${spec.loss}; input (N, ${c}, ${h}, ${w}) -> output (N, ${model.outputSize})."""

    def __init__(self):
        super().__init__()
${init.join('\n')}
        self.reset_parameters()

    def reset_parameters(self):
        """elunet's initialisation (the same distributions, not the same numbers): conv and dense weights
        ${spec.init}, biases 0; batch norm gamma 1, beta 0, running mean 0, variance 1; PReLU slopes ${PRELU_INITIAL_SLOPE}."""
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                ${TORCH_INIT[spec.init]}
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
${gains.length ? `        with torch.no_grad():  # He's gain for centred inputs, where elunet draws with it\n${gains.join('\n')}\n` : ''}
    def forward(self, x):
${forward.join('\n')}
        return x


Net = ${cls}


def loss(logits, target):
    """elunet's '${spec.loss}' loss: the mean over the batch of the per-sample loss."""
    return ${TORCH_LOSS[spec.loss](spec.reduction ?? 'sum')}


def preprocess(x, tensors=None):
    """The run's input transform ('${recipe}'), fitted by elunet on its training images: x (N, ${c}, ${h}, ${w}) with
    pixels in [0, 1] -> the network's input. tensors: load_safetensors('preprocess.safetensors') (read from
    the folder of this file when not given)."""
${steps.some((s) => s.kind !== 'gcn') ? `    if tensors is None:
        tensors = load_safetensors(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'preprocess.safetensors'))
` : ''}${preBody.join('\n')}


${LOADER}`;
}

// ------------------------------------------------------------------------------------------ the folder

export const EXPORT_INFO_FILE = 'elunet.json';
export const EXPORT_FORMAT = 'elunet-pytorch-export';

/** elunet.json: what `elunet import` needs to rebuild the run around weights that come back from PyTorch. */
export interface ExportInfo {
  format: typeof EXPORT_FORMAT;
  version: 1;
  /** the run folder it was exported from */
  source: string;
  spec: ModelSpec;
  /** the run's options, data description and fitted preprocessing (its checkpoint's meta, less the training state) */
  meta: Record<string, unknown>;
}

export interface ExportSource {
  spec: ModelSpec;
  layout: readonly ParamEntry[];
  params: Float32Array;
  stateLayout: readonly ParamEntry[];
  state: Float32Array;
  /** the checkpoint's meta (options, data, preprocess, …); its training state is not exported */
  meta: Record<string, unknown>;
  /** the run folder, named in model.py and elunet.json */
  source: string;
}

/**
 * Writes the PyTorch folder: model.py, model.safetensors (parameters and BN running statistics under
 * elunet's names), preprocess.safetensors (when the run fitted a mean or ZCA), elunet.json (for
 * `elunet import`) and README.txt. Each file is written atomically. Returns the paths written.
 */
export function writePytorchExport(dir: string, src: ExportSource): string[] {
  mkdirSync(dir, { recursive: true });
  const preprocess = src.meta.preprocess as PreprocessorState | undefined;
  const split = (layout: readonly ParamEntry[], data: Float32Array): NamedTensor[] =>
    layout.map((e) => ({ name: e.name, shape: e.shape, data: data.subarray(e.offset, e.offset + e.size) }));
  const files: string[] = [];
  const put = (name: string, write: (path: string) => unknown): void => {
    const path = join(dir, name);
    write(path);
    files.push(path);
  };
  put('model.py', (p) => writeFileAtomic(p, pytorchModelSource(src.spec, { preprocess, source: src.source })));
  put('model.safetensors', (p) =>
    writeSafetensors(p, [...split(src.layout, src.params), ...split(src.stateLayout, src.state)], { format: 'pt', producer: 'elunet' }),
  );
  const pre = preprocessTensors(preprocess);
  if (pre.length > 0) put('preprocess.safetensors', (p) => writeSafetensors(p, pre, { producer: 'elunet', recipe: preprocess?.recipe ?? '' }));
  const { training: _training, spec: _spec, ...meta } = src.meta;
  const info: ExportInfo = { format: EXPORT_FORMAT, version: 1, source: src.source, spec: src.spec, meta };
  put(EXPORT_INFO_FILE, (p) => writeFileAtomic(p, JSON.stringify(info, null, 2) + '\n'));
  put('README.txt', (p) => writeFileAtomic(p, exportReadme(src.spec, pre.length > 0 || (preprocess?.steps.length ?? 0) > 0)));
  return files;
}

function exportReadme(spec: ModelSpec, preprocessed: boolean): string {
  const [c, h, w] = spec.input;
  return `${spec.name} from elunet, for PyTorch (needs only torch). In Python, in this folder:

    from model import Net, load_safetensors${preprocessed ? ', preprocess' : ''}
    net = Net(); net.load_state_dict(load_safetensors('model.safetensors')); net.eval()
    logits = net(${preprocessed ? 'preprocess(x)' : 'x'})   # x: float32 (N, ${c}, ${h}, ${w}), pixels in [0, 1]

Back to elunet, after training in PyTorch:

    from model import save_safetensors; save_safetensors(net.state_dict(), 'tuned.safetensors')
    elunet import tuned.safetensors --from <this folder> --out runs/tuned    # then: elunet eval runs/tuned

Files: model.py (the network, its loss and preprocessing, a safetensors reader and writer),
model.safetensors (the weights and batch-norm statistics under elunet's names)${preprocessed ? ',\npreprocess.safetensors (the fitted input transform)' : ''}, elunet.json (the run's settings, for elunet import).
`;
}
