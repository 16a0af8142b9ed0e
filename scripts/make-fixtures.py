#!/usr/bin/env python3
"""
make-fixtures.py — reference numbers for elunet's kernels, computed by PyTorch in float64.

This is the third test tier (docs/testing.md): numbers from a trusted framework, stored as JSON next to
the script that made them. test/pytorch.test.ts runs elunet's float32 kernels on the same inputs and holds
every output and every gradient to these numbers.

Only the developer who changes a fixture needs PyTorch; CI reads the committed JSON files.

    apt-get install -y python3-torch libopenblas0-openmp      # Debian's PyTorch (CPU)
    /usr/bin/python3 scripts/make-fixtures.py                  # writes test/fixtures/<op>.json

How every case is made
  1. Shapes and hyper-parameters come from a seeded `random.Random`, tensors from a seeded torch.Generator:
     running the script twice gives byte-identical files (for the same PyTorch version, recorded in each file).
  2. Every input, parameter and upstream gradient is drawn in float64 and then ROUNDED TO FLOAT32, so that
     elunet (float32) and the reference (float64) start from exactly the same numbers; the only difference
     left is the rounding inside elunet's kernel.
  3. The op runs in float64 with autograd. A random upstream gradient dy stands for "the rest of the
     network": the gradients stored are those of the scalar Σ dy·y (for a loss, dy is a scalar), so every
     output element matters and a wrong index cannot hide behind symmetry.
  4. Inputs are kept away from the points where the op is not differentiable (|x − kink| > 1e-3 for the ReLU
     family and ELU with α ≠ 1), and pooling inputs are all distinct (spaced ≥ 1e-3 apart), so the reference
     gradient is unambiguous and float32 rounding cannot change which element wins a max.

File format (one file per op, one case per line so that diffs stay readable):
  {"op": ..., "generator": "scripts/make-fixtures.py", "torch": "<version>", "seed": ..., "notes": ...,
   "cases": [{"name": ..., "params": {...}, "tensors": {"x": {"shape": [...], "data": [...]}, ...}}, ...]}
  Inputs are written with 9 significant digits (enough to give back the exact float32), output tensors
  with 10, scalars with 12.
  Integer tensors (labels, argmax, keep masks) are written as integers.
"""
import argparse
import json
import math
import os
import random
import sys
import warnings

import torch
import torch.nn.functional as F

SEED = 20160201  # the ELU paper's arXiv month; also test/util/check.ts's FC_SEED
torch.set_default_dtype(torch.float64)

# SELU constants (Klambauer et al. 2017), as in src/kernels/selu.ts and PyTorch
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_LAMBDA = 1.0507009873554804934193349852946


# ---------------------------------------------------------------------------------------------------------
# Random float32-exact tensors
# ---------------------------------------------------------------------------------------------------------
class Source:
    """All randomness of one op's fixture file: shapes from `py`, tensors from `gen` (both seeded by op name)."""

    def __init__(self, op):
        key = SEED + sum((i + 1) * ord(ch) for i, ch in enumerate(op))  # stable across Python runs (no hash())
        self.py = random.Random(key)
        self.gen = torch.Generator().manual_seed(key)

    def uniform(self, shape, lo=-1.0, hi=1.0):
        t = lo + (hi - lo) * torch.rand(shape, generator=self.gen, dtype=torch.float64)
        return f32(t)

    def normal(self, shape, std=1.0, mean=0.0):
        return f32(mean + std * torch.randn(shape, generator=self.gen, dtype=torch.float64))

    def away(self, shape, kinks, gap=1e-3, lo=-3.0, hi=3.0):
        """Uniform in [lo, hi) with every value at least `gap` away from every kink (after float32 rounding)."""
        t = self.uniform(shape, lo, hi)
        while True:
            bad = torch.zeros(t.shape, dtype=torch.bool)
            for k in kinks:
                bad |= (t - k).abs() < gap
            if not bad.any():
                return t
            t[bad] = self.uniform((int(bad.sum()),), lo, hi)

    def distinct(self, shape, spacing=1e-2):
        """All values distinct and ≥ `spacing` apart: a random permutation of a centred grid, plus a little
        jitter (< spacing/4) so that the values are not all on one lattice."""
        n = math.prod(shape)
        perm = torch.randperm(n, generator=self.gen).to(torch.float64)
        jitter = (torch.rand(n, generator=self.gen, dtype=torch.float64) - 0.5) * (spacing / 4)
        t = f32(((perm - n / 2) * spacing + jitter).reshape(shape))
        s = t.flatten().sort().values
        assert n < 2 or float((s[1:] - s[:-1]).min()) > spacing / 2
        return t

    def keep_mask(self, shape, rate):
        """0/1 keep mask, 1 with probability 1 − rate, at least one of each where the size allows."""
        while True:
            m = (torch.rand(shape, generator=self.gen, dtype=torch.float64) >= rate).to(torch.float64)
            if m.numel() < 2 or 0 < float(m.sum()) < m.numel():
                return m

    def int(self, lo, hi):
        return self.py.randint(lo, hi)


def f32(t):
    """Round to float32 and back: the exact numbers elunet will hold."""
    return t.to(torch.float32).to(torch.float64)


def leaf(t):
    return t.clone().requires_grad_(True)


def grads(out, dy, wrt):
    """Gradients of Σ dy·out with respect to each tensor in wrt (autograd, float64)."""
    return torch.autograd.grad((out * dy).sum(), wrt)


# ---------------------------------------------------------------------------------------------------------
# Serialization
# ---------------------------------------------------------------------------------------------------------
def tin(t):
    """An input tensor: float32-exact, 9 significant digits give it back exactly."""
    t = t.detach()
    assert torch.equal(t, f32(t)), 'inputs must be float32-exact'
    return {'shape': list(t.shape), 'data': [float(f'{v:.9g}') for v in t.flatten().tolist()]}


def tout(t):
    """A reference output: 10 significant digits (the test checks 4; float32 itself holds ~7)."""
    t = t.detach()
    return {'shape': list(t.shape), 'data': [float(f'{v:.10g}') for v in t.flatten().tolist()]}


def tint(t):
    t = t.detach()
    return {'shape': list(t.shape), 'data': [int(v) for v in t.flatten().tolist()]}


def num(v):
    return float(f'{float(v):.12g}')  # scalars (losses, coefficients): cheap, so keep more digits


def write(out_dir, op, notes, cases):
    names = [c['name'] for c in cases]
    assert len(set(names)) == len(names), f'{op}: duplicate case names'
    header = {
        'op': op,
        'generator': 'scripts/make-fixtures.py',
        'torch': torch.__version__,
        'dtype': 'float64',
        'seed': SEED,
        'notes': notes,
    }
    head = json.dumps(header, ensure_ascii=False, separators=(', ', ': '))[:-1]
    body = ',\n'.join(json.dumps(c, separators=(',', ':')) for c in cases)
    path = os.path.join(out_dir, f'{op}.json')
    with open(path, 'w', encoding='utf-8') as f:
        f.write(f'{head}, "cases": [\n{body}\n]}}\n')
    print(f'{os.path.relpath(path)}: {len(cases)} cases, {os.path.getsize(path) / 1024:.0f} KiB')


# ---------------------------------------------------------------------------------------------------------
# Ops
# ---------------------------------------------------------------------------------------------------------
def make_matmul():
    """C(m×n) = op(A)·op(B); A stored (m,k) or (k,m) if transA; B stored (k,n) or (n,k) if transB.
    Gradients are of Σ dC·C with respect to A and B as stored."""
    src = Source('matmul')
    cases = []
    sizes = [('small', None), ('medium', None), ('k300-crosses-KC-block', (5, 3, 300)), ('m70-crosses-MC-block', (70, 6, 5))]
    for label, fixed in sizes:
        for ta in (False, True):
            for tb in (False, True):
                if fixed is None:
                    hi = 5 if label == 'small' else 19
                    m, n, k = src.int(1, hi), src.int(1, hi), src.int(1, hi)
                else:
                    m, n, k = fixed
                A = leaf(src.uniform((k, m) if ta else (m, k)))
                B = leaf(src.uniform((n, k) if tb else (k, n)))
                C = (A.t() if ta else A) @ (B.t() if tb else B)
                dC = src.normal((m, n))
                dA, dB = grads(C, dC, [A, B])
                cases.append({
                    'name': f'{label} m{m} n{n} k{k} transA={str(ta).lower()} transB={str(tb).lower()}',
                    'params': {'m': m, 'n': n, 'k': k, 'transA': ta, 'transB': tb},
                    'tensors': {'a': tin(A), 'b': tin(B), 'dc': tin(dC), 'c': tout(C), 'da': tout(dA), 'db': tout(dB)},
                })
    return 'C = op(A)·op(B); da, db are gradients of Σ dc·C w.r.t. A and B as stored', cases


def make_conv2d():
    """Cross-correlation, filters (OC,C,KH,KW). Asymmetric padding = F.pad then an unpadded conv."""
    src = Source('conv2d')
    # name, n, c, h, w, oc, kh, kw, stride, pad (as given to conv2dShape), bias
    specs = [
        ('3x3 stride1 pad1 bias', 2, 3, 7, 6, 4, 3, 3, 1, 1, True),
        ('3x3 stride1 valid no-bias', 2, 2, 6, 6, 3, 3, 3, 1, 'valid', False),
        ('3x3 stride1 same bias', 1, 2, 5, 7, 3, 3, 3, 1, 'same', True),
        ('2x2 stride1 same (asymmetric 0/1) bias', 2, 2, 5, 6, 3, 2, 2, 1, 'same', True),
        ('4x4 stride1 same (asymmetric 1/2) no-bias', 1, 2, 6, 6, 2, 4, 4, 1, 'same', False),
        ('2x2 stride2 pad0 bias', 2, 3, 8, 6, 2, 2, 2, 2, 0, True),
        ('5x5 stride2 pad2 bias', 1, 3, 11, 9, 2, 5, 5, 2, 2, True),
        ('3x3 stride3 leftover rows no-bias', 2, 2, 8, 7, 2, 3, 3, 3, 0, False),
        ('1x1 stride1 bias', 2, 5, 4, 3, 3, 1, 1, 1, 0, True),
        ('3x2 stride2 asymmetric pad t1 b0 l2 r1 bias', 2, 2, 7, 6, 3, 3, 2, 2,
         {'top': 1, 'bottom': 0, 'left': 2, 'right': 1}, True),
        ('2x3 stride1 asymmetric pad t0 b2 l1 r0 no-bias', 1, 3, 5, 5, 2, 2, 3, 1,
         {'top': 0, 'bottom': 2, 'left': 1, 'right': 0}, False),
        ('3x3 stride1 pad1 16 channels bias', 2, 16, 8, 8, 8, 3, 3, 1, 1, True),
    ]
    cases = []
    for name, n, c, h, w, oc, kh, kw, stride, pad, bias in specs:
        if pad == 'same':
            assert stride == 1
            pt, pl = (kh - 1) // 2, (kw - 1) // 2
            res = {'top': pt, 'bottom': kh - 1 - pt, 'left': pl, 'right': kw - 1 - pl}
        elif pad == 'valid':
            res = {'top': 0, 'bottom': 0, 'left': 0, 'right': 0}
        elif isinstance(pad, int):
            res = {'top': pad, 'bottom': pad, 'left': pad, 'right': pad}
        else:
            res = dict(pad)
        x = leaf(src.uniform((n, c, h, w)))
        wt = leaf(src.uniform((oc, c, kh, kw), -0.5, 0.5))
        b = leaf(src.uniform((oc,))) if bias else None
        if pad == 'same':
            with warnings.catch_warnings():  # even kernels: PyTorch warns that it pads a copy; fine here
                warnings.simplefilter('ignore')
                y = F.conv2d(x, wt, b, stride=1, padding='same')  # PyTorch's own rule for 'same'
            xp = F.pad(x, (res['left'], res['right'], res['top'], res['bottom']))
            assert torch.allclose(y, F.conv2d(xp, wt, b)), "'same' padding is not split as documented"
        else:
            xp = F.pad(x, (res['left'], res['right'], res['top'], res['bottom']))
            y = F.conv2d(xp, wt, b, stride=stride)
        oh = (h + res['top'] + res['bottom'] - kh) // stride + 1
        ow = (w + res['left'] + res['right'] - kw) // stride + 1
        assert tuple(y.shape) == (n, oc, oh, ow)
        dy = src.normal(tuple(y.shape))
        g = grads(y, dy, [x, wt] + ([b] if bias else []))
        t = {'x': tin(x), 'w': tin(wt), 'dy': tin(dy), 'y': tout(y), 'dx': tout(g[0]), 'dw': tout(g[1])}
        if bias:
            t['b'] = tin(b)
            t['db'] = tout(g[2])
        cases.append({
            'name': name,
            'params': {'n': n, 'c': c, 'h': h, 'w': w, 'oc': oc, 'kh': kh, 'kw': kw, 'stride': stride,
                       'pad': pad, 'padResolved': res, 'oh': oh, 'ow': ow, 'bias': bias},
            'tensors': t,
        })
    return ("y = conv2d(F.pad(x, (left, right, top, bottom)), w, b, stride) (pad 'same' uses PyTorch's own "
            "padding='same'); dx, dw, db are gradients of Σ dy·y"), cases


def make_pool():
    """Max pooling (PyTorch pads with −∞) and average pooling (count_include_pad=True), floor mode."""
    src = Source('pool')
    # name, kind, n, c, h, w, k, stride, pad
    specs = [
        ('max 2x2 stride2', 'max', 2, 3, 8, 8, 2, 2, 0),
        ('max 2x2 stride2 odd size (floor drops last row/col)', 'max', 1, 2, 5, 7, 2, 2, 0),
        ('max 3x3 stride2 pad1 overlapping', 'max', 2, 2, 7, 9, 3, 2, 1),
        ('max 3x3 stride2 pad0 overlapping', 'max', 1, 3, 7, 7, 3, 2, 0),
        ('max 3x3 stride1 pad1', 'max', 1, 2, 5, 6, 3, 1, 1),
        ('max 4x4 stride4 pad2', 'max', 1, 2, 9, 10, 4, 4, 2),
        ('avg 2x2 stride2', 'avg', 2, 3, 8, 6, 2, 2, 0),
        ('avg 3x3 stride2 pad1 count_include_pad', 'avg', 2, 2, 7, 9, 3, 2, 1),
        ('avg 3x3 stride1 pad1 count_include_pad', 'avg', 1, 2, 5, 6, 3, 1, 1),
        ('avg 2x2 stride2 odd size', 'avg', 1, 2, 5, 7, 2, 2, 0),
        ('avg 5x5 stride3 pad2', 'avg', 1, 1, 11, 8, 5, 3, 2),
    ]
    cases = []
    for name, kind, n, c, h, w, k, stride, pad in specs:
        x = leaf(src.distinct((n, c, h, w)))
        t = {'x': tin(x)}
        if kind == 'max':
            y, idx = F.max_pool2d(x, k, stride, pad, return_indices=True)
            plane = torch.arange(n * c).reshape(n, c, 1, 1) * (h * w)
            t['argmax'] = tint(idx + plane)  # PyTorch's index is within the (h,w) plane; ours is into x
        else:
            y = F.avg_pool2d(x, k, stride, pad, count_include_pad=True)
        dy = src.normal(tuple(y.shape))
        (dx,) = grads(y, dy, [x])
        t.update({'dy': tin(dy), 'y': tout(y), 'dx': tout(dx)})
        cases.append({
            'name': name,
            'params': {'kind': kind, 'n': n, 'c': c, 'h': h, 'w': w, 'k': k, 'stride': stride, 'pad': pad,
                       'oh': y.shape[2], 'ow': y.shape[3]},
            'tensors': t,
        })
    return ('F.max_pool2d / F.avg_pool2d(count_include_pad=True); argmax is a flat index into x; inputs all '
            'distinct so the max is unambiguous'), cases


def make_spp():
    """Spatial pyramid max pooling: for each level L, F.adaptive_max_pool2d(x, L) flattened per sample as
    (C,L,L), the levels concatenated in the order given."""
    src = Source('spp')
    specs = [
        ('levels 1,2,4 on 8x8', 2, 3, 8, 8, [1, 2, 4]),
        ('levels 1,2,3 on 7x9 (uneven, overlapping bins)', 2, 2, 7, 9, [1, 2, 3]),
        ('levels 4,2,1 (order kept) on 6x5', 1, 3, 6, 5, [4, 2, 1]),
        ('level 1 only (global max)', 3, 4, 3, 4, [1]),
        ('levels 1,3,5 on 5x5 (1x1 bins at the top level)', 1, 2, 5, 5, [1, 3, 5]),
    ]
    cases = []
    for name, n, c, h, w, levels in specs:
        x = leaf(src.distinct((n, c, h, w)))
        plane = torch.arange(n * c).reshape(n, c, 1, 1) * (h * w)
        ys, idxs = [], []
        for L in levels:
            y, idx = F.adaptive_max_pool2d(x, L, return_indices=True)
            ys.append(y.reshape(n, -1))
            idxs.append((idx + plane).reshape(n, -1))
        y = torch.cat(ys, dim=1)
        argmax = torch.cat(idxs, dim=1)
        out_per_sample = sum(c * L * L for L in levels)
        assert tuple(y.shape) == (n, out_per_sample)
        dy = src.normal(tuple(y.shape))
        (dx,) = grads(y, dy, [x])
        cases.append({
            'name': name,
            'params': {'n': n, 'c': c, 'h': h, 'w': w, 'levels': levels, 'outPerSample': out_per_sample},
            'tensors': {'x': tin(x), 'dy': tin(dy), 'y': tout(y), 'argmax': tint(argmax), 'dx': tout(dx)},
        })
    return ('y[n] = concat over levels L of F.adaptive_max_pool2d(x, L)[n] flattened as (C,L,L); argmax is a '
            'flat index into x'), cases


def make_dense():
    src = Source('dense')
    specs = [('n3 in5 out4 bias', 3, 5, 4, True), ('n1 in7 out3 no-bias', 1, 7, 3, False),
             ('n8 in32 out10 bias', 8, 32, 10, True), ('n5 in200 out6 bias', 5, 200, 6, True),
             ('n70 in3 out2 no-bias', 70, 3, 2, False)]
    cases = []
    for name, n, fin, fout, bias in specs:
        x = leaf(src.uniform((n, fin)))
        wt = leaf(src.uniform((fout, fin), -0.5, 0.5))
        b = leaf(src.uniform((fout,))) if bias else None
        y = F.linear(x, wt, b)
        dy = src.normal((n, fout))
        g = grads(y, dy, [x, wt] + ([b] if bias else []))
        t = {'x': tin(x), 'w': tin(wt), 'dy': tin(dy), 'y': tout(y), 'dx': tout(g[0]), 'dw': tout(g[1])}
        if bias:
            t['b'] = tin(b)
            t['db'] = tout(g[2])
        cases.append({'name': name, 'params': {'n': n, 'inFeatures': fin, 'outFeatures': fout, 'bias': bias},
                      'tensors': t})
    return 'y = F.linear(x, w, b) = x·wᵀ + b, w: (out, in)', cases


def make_activations():
    """ELU, ReLU, leaky ReLU, shifted ReLU, SELU (elementwise) and PReLU (one slope per channel)."""
    src = Source('activations')
    cases = []

    def elementwise(op, name, params, fn, kinks, count, lo=-3.0, hi=3.0, extra=None):
        x = src.away((count,), kinks, 1e-3, lo, hi)
        if extra is not None:
            x[: len(extra)] = f32(torch.tensor(extra))
        x = leaf(x)
        y = fn(x)
        dy = src.normal((count,))
        (dx,) = grads(y, dy, [x])
        cases.append({'name': f'{op} {name}', 'params': dict(op=op, count=count, **params),
                      'tensors': {'x': tin(x), 'dy': tin(dy), 'y': tout(y), 'dx': tout(dx)}})

    # a few deep negatives: ELU/SELU saturate there (y ≈ −α, dy/dx = y + α ≈ α·eˣ, tiny)
    deep = [-8.0, -15.0, -4.5, 2.5e-3, -2.5e-3]
    for alpha in (1.0, 0.5, 2.0, 0.1):
        elementwise('elu', f'alpha={alpha:g}', {'alpha': alpha}, lambda x, a=alpha: F.elu(x, a), [0.0], 97,
                    extra=deep)
    elementwise('relu', 'uniform [-3,3)', {}, F.relu, [0.0], 101)
    for slope in (0.1, 0.01, 0.3):
        elementwise('leaky-relu', f'slope={slope:g}', {'slope': slope},
                    lambda x, s=slope: F.leaky_relu(x, s), [0.0], 89)
    elementwise('shifted-relu', 'max(-1, x)', {}, lambda x: torch.clamp(x, min=-1.0), [-1.0], 103)
    elementwise('selu', 'uniform [-3,3) + deep negatives', {}, F.selu, [0.0], 95, extra=deep)

    # PReLU: x (N,C,H,W) or (N,C); a: (C,); spatial = H·W (1 for 2-D input)
    for name, shape in (('4-D n2 c3 3x4', (2, 3, 3, 4)), ('2-D n6 c5', (6, 5)), ('4-D n1 c1 5x5', (1, 1, 5, 5))):
        n, c = shape[0], shape[1]
        spatial = math.prod(shape[2:]) if len(shape) > 2 else 1
        x = leaf(src.away(shape, [0.0], 1e-3))
        a = leaf(src.uniform((c,), -0.25, 0.5))
        y = F.prelu(x, a)
        dy = src.normal(shape)
        dx, da = grads(y, dy, [x, a])
        cases.append({'name': f'prelu {name}', 'params': {'op': 'prelu', 'n': n, 'c': c, 'spatial': spatial},
                      'tensors': {'x': tin(x), 'a': tin(a), 'dy': tin(dy), 'y': tout(y), 'dx': tout(dx),
                                  'da': tout(da)}})
    return ('F.elu / F.relu / F.leaky_relu / clamp(min=-1) / F.selu / F.prelu; inputs kept ≥ 1e-3 from kinks; '
            'dx is the gradient of Σ dy·y'), cases


def alpha_dropout_coefficients(rate):
    """Affine correction of alpha-dropout for a SELU network (fixed point mean 0, variance 1):
    keep prob q = 1 − rate, α′ = −λα, a = (q + α′²·q·(1−q))^(−1/2), b = −a·(1−q)·α′."""
    q = 1.0 - rate
    alpha_p = -SELU_LAMBDA * SELU_ALPHA
    a = (q + alpha_p * alpha_p * q * (1.0 - q)) ** -0.5
    b = -a * (1.0 - q) * alpha_p
    return a, b, alpha_p


def check_alpha_dropout_against_torch(rate):
    """F.alpha_dropout must give, element by element, either a·x + b (kept) or a·α′ + b (dropped), with the
    same a, b as our formula, and drop about `rate` of the elements."""
    a, b, alpha_p = alpha_dropout_coefficients(rate)
    torch.manual_seed(SEED)
    x = torch.randn(200000)
    y = F.alpha_dropout(x, rate, training=True)
    kept = (y - (a * x + b)).abs() < 1e-9
    dropped = (y - (a * alpha_p + b)).abs() < 1e-9
    assert bool((kept | dropped).all()), f'alpha dropout rate {rate}: PyTorch uses other coefficients'
    frac = float(dropped.double().mean())
    assert abs(frac - rate) < 5e-3, f'alpha dropout rate {rate}: dropped fraction {frac}'
    z = F.alpha_dropout(torch.randn(400000), rate, training=True)  # SELU fixed point: N(0,1) stays N(0,1)
    assert abs(float(z.mean())) < 1e-2 and abs(float(z.var()) - 1) < 2e-2


def make_dropout():
    """Inverted dropout (mask 0 or 1/(1−rate)) and alpha-dropout (y = a·(keep ? x : α′) + b), fixed masks."""
    src = Source('dropout')
    cases = []
    for rate, count in ((0.5, 64), (0.2, 101), (0.05, 50)):
        x = leaf(src.normal((count,)))
        keep = src.keep_mask((count,), rate)
        mask = keep / (1.0 - rate)
        y = x * mask
        dy = src.normal((count,))
        (dx,) = grads(y, dy, [x])
        cases.append({'name': f'dropout rate={rate:g}', 'params': {'kind': 'dropout', 'rate': rate, 'count': count},
                      'tensors': {'x': tin(x), 'keep': tint(keep), 'dy': tin(dy), 'y': tout(y), 'dx': tout(dx)}})
    for rate, count in ((0.05, 80), (0.1, 97), (0.5, 64)):
        check_alpha_dropout_against_torch(rate)
        a, b, alpha_p = alpha_dropout_coefficients(rate)
        x = leaf(src.normal((count,)))
        keep = src.keep_mask((count,), rate)
        y = a * (keep * x + (1 - keep) * alpha_p) + b
        dy = src.normal((count,))
        (dx,) = grads(y, dy, [x])
        cases.append({'name': f'alpha-dropout rate={rate:g}',
                      'params': {'kind': 'alpha-dropout', 'rate': rate, 'count': count,
                                 'a': num(a), 'b': num(b), 'alphaPrime': num(alpha_p)},
                      'tensors': {'x': tin(x), 'keep': tint(keep), 'dy': tin(dy), 'y': tout(y), 'dx': tout(dx)}})
    return ('inverted dropout y = x·keep/(1−rate); alpha dropout y = a·(keep ? x : α′) + b, a and b checked '
            'against F.alpha_dropout when the file was made'), cases


def make_batchnorm():
    """Batch norm per channel over (N,H,W) (4-D) or N (2-D). Training: biased variance for normalising,
    running stats updated by F.batch_norm itself (unbiased variance, momentum). Eval: running stats."""
    src = Source('batchnorm')
    cases = []
    specs = [('train 2-D n8 c5', (8, 5), 1e-5), ('train 4-D n3 c4 5x4', (3, 4, 5, 4), 1e-5),
             ('train 4-D n2 c3 3x3 eps=1e-3', (2, 3, 3, 3), 1e-3), ('train 2-D n3 c3 (small batch: unbiased var ×3/2)', (3, 3), 1e-5),
             ('train 4-D n4 c2 6x6 large mean', (4, 2, 6, 6), 1e-5)]
    momentum = 0.1
    for name, shape, eps in specs:
        n, c = shape[0], shape[1]
        spatial = math.prod(shape[2:]) if len(shape) > 2 else 1
        bshape = (1, c) + (1,) * (len(shape) - 2)
        mean_shift = 20.0 if 'large mean' in name else 2.0
        x = leaf(f32(src.normal(shape, 3.0) + src.uniform(bshape, -mean_shift, mean_shift)))
        gamma = leaf(src.uniform((c,), 0.5, 1.5))
        beta = leaf(src.uniform((c,), -0.5, 0.5))
        run_mean0 = src.uniform((c,), -1, 1)
        run_var0 = src.uniform((c,), 0.5, 2)
        run_mean, run_var = run_mean0.clone(), run_var0.clone()
        y = F.batch_norm(x, run_mean, run_var, gamma, beta, training=True, momentum=momentum, eps=eps)
        dims = [0] + list(range(2, len(shape)))
        mean = x.detach().mean(dim=dims)
        var_b = x.detach().var(dim=dims, unbiased=False)
        inv_std = 1.0 / torch.sqrt(var_b + eps)
        xhat = (x.detach() - mean.reshape(bshape)) * inv_std.reshape(bshape)
        assert torch.allclose(y, xhat * gamma.reshape(bshape) + beta.reshape(bshape), rtol=1e-12, atol=1e-12)
        m = n * spatial
        assert torch.allclose(run_var, (1 - momentum) * run_var0 + momentum * var_b * m / (m - 1))
        dy = src.normal(shape)
        dx, dgamma, dbeta = grads(y, dy, [x, gamma, beta])
        cases.append({
            'name': name,
            'params': {'mode': 'train', 'n': n, 'c': c, 'spatial': spatial, 'eps': eps, 'momentum': momentum},
            'tensors': {'x': tin(x), 'gamma': tin(gamma), 'beta': tin(beta), 'dy': tin(dy),
                        'runMean0': tin(run_mean0), 'runVar0': tin(run_var0),
                        'y': tout(y), 'xhat': tout(xhat), 'mean': tout(mean), 'invStd': tout(inv_std),
                        'runMean': tout(run_mean), 'runVar': tout(run_var),
                        'dx': tout(dx), 'dgamma': tout(dgamma), 'dbeta': tout(dbeta)},
        })
    for name, shape, eps in (('eval 2-D n4 c3', (4, 3), 1e-5), ('eval 4-D n2 c3 4x3', (2, 3, 4, 3), 1e-3)):
        n, c = shape[0], shape[1]
        spatial = math.prod(shape[2:]) if len(shape) > 2 else 1
        x = src.normal(shape, 2.0)
        gamma = src.uniform((c,), 0.5, 1.5)
        beta = src.uniform((c,), -0.5, 0.5)
        run_mean = src.uniform((c,), -1, 1)
        run_var = src.uniform((c,), 0.5, 2)
        y = F.batch_norm(x, run_mean, run_var, gamma, beta, training=False, eps=eps)
        cases.append({
            'name': name,
            'params': {'mode': 'eval', 'n': n, 'c': c, 'spatial': spatial, 'eps': eps},
            'tensors': {'x': tin(x), 'gamma': tin(gamma), 'beta': tin(beta), 'runMean': tin(run_mean),
                        'runVar': tin(run_var), 'y': tout(y)},
        })
    # evaluation mode backward: the running statistics are constants, so autograd differentiates an affine map
    for name, shape, eps in (('eval backward 2-D n5 c4', (5, 4), 1e-5), ('eval backward 4-D n2 c3 3x2', (2, 3, 3, 2), 1e-3)):
        n, c = shape[0], shape[1]
        spatial = math.prod(shape[2:]) if len(shape) > 2 else 1
        x = leaf(src.normal(shape, 2.0))
        gamma = leaf(src.uniform((c,), 0.5, 1.5))
        beta = leaf(src.uniform((c,), -0.5, 0.5))
        run_mean = src.uniform((c,), -1, 1)
        run_var = src.uniform((c,), 0.5, 2)
        y = F.batch_norm(x, run_mean, run_var, gamma, beta, training=False, eps=eps)
        dy = src.normal(shape)
        dx, dgamma, dbeta = grads(y, dy, [x, gamma, beta])
        cases.append({
            'name': name,
            'params': {'mode': 'eval', 'n': n, 'c': c, 'spatial': spatial, 'eps': eps},
            'tensors': {'x': tin(x), 'gamma': tin(gamma), 'beta': tin(beta), 'runMean': tin(run_mean),
                        'runVar': tin(run_var), 'dy': tin(dy), 'y': tout(y),
                        'dx': tout(dx), 'dgamma': tout(dgamma), 'dbeta': tout(dbeta)},
        })
    return ('F.batch_norm; train: mean/invStd = 1/sqrt(biased var + eps) over (N,H,W), runMean/runVar after one '
            'update of runMean0/runVar0 by F.batch_norm (momentum 0.1, unbiased var); eval: y, and where dy is given '
            'dx/dgamma/dbeta of the evaluation function (running statistics constant)'), cases


def make_center():
    """Mean-centring per channel over (N,H,W) (4-D) or N (2-D): PyTorch has no such op, so it is written out,
    y = x − x.mean over those axes, and differentiated by autograd. The running mean is updated with
    F.batch_norm's own rule (its running_mean; the variance it also updates is not used), and checked
    against (1 − m)·runMean0 + m·mean."""
    src = Source('center')
    cases = []
    momentum = 0.1
    specs = [('train 2-D n8 c5', (8, 5)), ('train 4-D n3 c4 5x4', (3, 4, 5, 4)), ('train 2-D n16 c7 (a micro-batch)', (16, 7)),
             ('train 4-D n4 c2 6x6 large mean', (4, 2, 6, 6)), ('train 2-D n1 c3 (one value per channel: y = 0)', (1, 3))]
    for name, shape in specs:
        n, c = shape[0], shape[1]
        spatial = math.prod(shape[2:]) if len(shape) > 2 else 1
        bshape = (1, c) + (1,) * (len(shape) - 2)
        dims = [0] + list(range(2, len(shape)))
        mean_shift = 20.0 if 'large mean' in name else 2.0
        x = leaf(f32(src.normal(shape, 3.0) + src.uniform(bshape, -mean_shift, mean_shift)))
        y = x - x.mean(dim=dims, keepdim=True)
        mean = x.detach().mean(dim=dims)
        run_mean0 = src.uniform((c,), -1, 1)
        run_mean = run_mean0.clone()
        if n * spatial > 1:  # F.batch_norm refuses one value per channel in training; the rule is the same
            F.batch_norm(x.detach(), run_mean, torch.ones(c), training=True, momentum=momentum)
        else:
            run_mean = (1 - momentum) * run_mean0 + momentum * mean
        assert torch.allclose(run_mean, (1 - momentum) * run_mean0 + momentum * mean, rtol=1e-12, atol=1e-12)
        dy = src.normal(shape)
        (dx,) = grads(y, dy, [x])
        cases.append({
            'name': name,
            'params': {'mode': 'train', 'n': n, 'c': c, 'spatial': spatial, 'momentum': momentum},
            'tensors': {'x': tin(x), 'dy': tin(dy), 'runMean0': tin(run_mean0),
                        'y': tout(y), 'mean': tout(mean), 'runMean': tout(run_mean), 'dx': tout(dx)},
        })
    for name, shape in (('eval 2-D n4 c3', (4, 3)), ('eval 4-D n2 c3 4x3', (2, 3, 4, 3))):
        n, c = shape[0], shape[1]
        spatial = math.prod(shape[2:]) if len(shape) > 2 else 1
        bshape = (1, c) + (1,) * (len(shape) - 2)
        x = leaf(src.normal(shape, 2.0))
        run_mean = src.uniform((c,), -1, 1)
        y = x - run_mean.reshape(bshape)
        dy = src.normal(shape)
        (dx,) = grads(y, dy, [x])
        cases.append({
            'name': name,
            'params': {'mode': 'eval', 'n': n, 'c': c, 'spatial': spatial},
            'tensors': {'x': tin(x), 'runMean': tin(run_mean), 'dy': tin(dy), 'y': tout(y), 'dx': tout(dx)},
        })
    return ('y = x − mean over (N,H,W) per channel, autograd; train: mean, runMean after one update of runMean0 '
            '(F.batch_norm\'s rule, momentum 0.1), dx; eval: y = x − runMean, dx'), cases


def make_losses():
    """Mean softmax cross-entropy, mean squared error, mean binary cross-entropy with logits. dy is a scalar
    upstream gradient: the stored gradient is dy · dL/d(input)."""
    src = Source('losses')
    cases = []
    for name, n, k, shift in (('softmax-ce n4 k3', 4, 3, 0.0), ('softmax-ce n16 k10', 16, 10, 0.0),
                              ('softmax-ce n1 k2', 1, 2, 0.0),
                              ('softmax-ce n5 k7 logits near +1000 (needs max subtraction)', 5, 7, 1000.0)):
        logits = leaf(f32(src.normal((n, k), 3.0) + shift))
        labels = torch.tensor([src.int(0, k - 1) for _ in range(n)])
        loss = F.cross_entropy(logits, labels, reduction='mean')
        dy = src.normal(())
        (dlogits,) = grads(loss, dy, [logits])
        cases.append({'name': name, 'params': {'loss': 'softmax-ce', 'n': n, 'classes': k, 'dy': float(f'{float(dy):.9g}')},
                      'tensors': {'logits': tin(logits), 'labels': tint(labels), 'probs': tout(F.softmax(logits, 1)),
                                  'dlogits': tout(dlogits)},
                      'loss': num(loss)})
    for name, count in (('mse count10', 10), ('mse count150', 150)):
        pred = leaf(src.normal((count,)))
        target = src.uniform((count,))
        loss = F.mse_loss(pred, target, reduction='mean')
        dy = src.normal(())
        (dpred,) = grads(loss, dy, [pred])
        cases.append({'name': name, 'params': {'loss': 'mse', 'count': count, 'dy': float(f'{float(dy):.9g}')},
                      'tensors': {'pred': tin(pred), 'target': tin(target), 'dpred': tout(dpred)},
                      'loss': num(loss)})
    for name, count, kind, scale in (('bce-logits soft targets count20', 20, 'soft', 2.0),
                                     ('bce-logits hard targets count64', 64, 'hard', 3.0),
                                     ('bce-logits large logits ±30', 30, 'hard', 30.0)):
        logits = leaf(src.uniform((count,), -scale, scale))
        target = src.uniform((count,), 0, 1) if kind == 'soft' else src.keep_mask((count,), 0.5)
        loss = F.binary_cross_entropy_with_logits(logits, target, reduction='mean')
        dy = src.normal(())
        (dlogits,) = grads(loss, dy, [logits])
        cases.append({'name': name, 'params': {'loss': 'bce-logits', 'count': count, 'dy': float(f'{float(dy):.9g}')},
                      'tensors': {'logits': tin(logits), 'target': tin(target), 'dlogits': tout(dlogits)},
                      'loss': num(loss)})
    return ('F.cross_entropy / F.mse_loss / F.binary_cross_entropy_with_logits, all reduction=mean; '
            'gradients are dy · dL/dinput for the scalar dy in params'), cases


MAKERS = {
    'matmul': make_matmul,
    'conv2d': make_conv2d,
    'pool': make_pool,
    'spp': make_spp,
    'dense': make_dense,
    'activations': make_activations,
    'dropout': make_dropout,
    'batchnorm': make_batchnorm,
    'center': make_center,
    'losses': make_losses,
}


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[1])
    ap.add_argument('--out', default=os.path.join(here, '..', 'test', 'fixtures'), help='output folder')
    ap.add_argument('ops', nargs='*', help=f'ops to write (default all): {", ".join(MAKERS)}')
    args = ap.parse_args()
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    os.makedirs(args.out, exist_ok=True)
    for op in args.ops or MAKERS:
        if op not in MAKERS:
            sys.exit(f'make-fixtures: unknown op {op!r}; choose from {", ".join(MAKERS)}')
        notes, cases = MAKERS[op]()
        write(args.out, op, notes, cases)


if __name__ == '__main__':
    main()
