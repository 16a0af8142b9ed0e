"""
The PyTorch side of test/pytorch-export.test.ts, run once for all cases: /usr/bin/python3 torch-roundtrip.py CASES.json

For each case folder (written by the test: model.py from 'elunet export', model.safetensors with elunet's
weights and non-trivial batch-norm statistics, input.safetensors with x):
  1. elunet -> PyTorch: build Net() from model.py, load_state_dict(strict) the elunet tensors, eval mode,
     write its logits of x to torch_logits.safetensors (the test compares them with elunet's);
  2. PyTorch -> elunet: a second Net() with PyTorch-made weights (its own reset_parameters, then random
     biases, batch-norm scales, shifts and running statistics, PReLU slopes), eval mode, written with
     model.py's save_safetensors to torch_state.safetensors, and its logits of x to torch_logits2.safetensors
     (the test imports the state into elunet and compares);
  3. if the case has preprocess.safetensors: model.py's preprocess() of raw.safetensors into torch_pre.safetensors.
Prints one JSON line: {case: {keys_match, missing, unexpected}} so the test can report name mismatches.
Nothing but torch and the standard library is used, as for a user of the exported folder.
"""
import importlib.util
import json
import os
import sys

import torch

torch.set_num_threads(1)


def load_model_module(folder, tag):
    spec = importlib.util.spec_from_file_location(f'elunet_export_{tag}', os.path.join(folder, 'model.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def randomize(net, seed):
    """PyTorch-made weights: the model's own init for conv/dense weights, random everything else."""
    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    net.reset_parameters()
    with torch.no_grad():
        for name, p in net.named_parameters():
            if name.endswith('.bias') or name.endswith('.beta'):
                p.copy_(0.1 * torch.randn(p.shape, generator=g))
            elif name.endswith('.gamma'):
                p.copy_(0.5 + torch.rand(p.shape, generator=g))
            elif name.endswith('.slope'):
                p.copy_(0.5 * torch.rand(p.shape, generator=g))
        for name, b in net.named_buffers():
            if name.endswith('.running_mean'):
                b.copy_(0.3 * torch.randn(b.shape, generator=g))
            elif name.endswith('.running_var'):
                b.copy_(0.5 + 1.5 * torch.rand(b.shape, generator=g))


def main():
    cases = json.load(open(sys.argv[1]))
    report = {}
    for k, case in enumerate(cases):
        folder = case['dir']
        m = load_model_module(folder, k)
        x = m.load_safetensors(os.path.join(folder, 'input.safetensors'))['x']
        state = m.load_safetensors(os.path.join(folder, 'model.safetensors'))

        net = m.Net()
        missing, unexpected = net.load_state_dict(state, strict=False)
        report[case['name']] = {
            'keys_match': not missing and not unexpected,
            'missing': list(missing),
            'unexpected': list(unexpected),
        }
        if missing or unexpected:
            continue
        net.load_state_dict(state, strict=True)
        net.eval()
        with torch.no_grad():
            m.save_safetensors({'y': net(x)}, os.path.join(folder, 'torch_logits.safetensors'))

        back = m.Net()
        randomize(back, 1000 + k)
        back.eval()
        with torch.no_grad():
            m.save_safetensors({'y': back(x)}, os.path.join(folder, 'torch_logits2.safetensors'))
        m.save_safetensors(back.state_dict(), os.path.join(folder, 'torch_state.safetensors'))

        raw = os.path.join(folder, 'raw.safetensors')
        if os.path.exists(raw):
            r = m.load_safetensors(raw)['x']
            pre = m.preprocess(r, m.load_safetensors(os.path.join(folder, 'preprocess.safetensors'))
                               if os.path.exists(os.path.join(folder, 'preprocess.safetensors')) else None)
            m.save_safetensors({'x': pre}, os.path.join(folder, 'torch_pre.safetensors'))
    print(json.dumps(report))


if __name__ == '__main__':
    main()
