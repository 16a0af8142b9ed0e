#!/usr/bin/python3
"""Writes test/fixtures/optim-torch.json: parameter trajectories of torch.optim.SGD / Adam for test/optim.test.ts.

Run from the repository root:  /usr/bin/python3 scripts/make-optim-fixture.py   (Debian: apt-get install python3-torch)

One flat parameter vector with the layout below is stepped 6 times with fixed gradients and a learning rate
that changes between steps (so the lr-multiplies-velocity convention is tested too). Inputs (initial
parameters, gradients, learning rates) are float32-exact; PyTorch computes in float64, so the reference is the
exact math and elunet's float32 state can only differ by rounding. 'no-bias-norm' cases put every entry whose
name ends in .bias/.gamma/.beta/.slope into a parameter group with weight_decay 0.
"""
import json
import torch

torch.manual_seed(20160201)
LAYOUT = [("fc.weight", [3, 4]), ("fc.bias", [3]), ("bn.gamma", [3]), ("bn.beta", [3])]
SIZES = [int(torch.tensor(s).prod()) for _, s in LAYOUT]
N = sum(SIZES)
STEPS = 6
LRS = [0.1, 0.1, 0.05, 0.05, 0.01, 0.01]


def f32exact(t):
    return t.to(torch.float32).to(torch.float64)


P0 = f32exact(torch.randn(N))
GRADS = [f32exact(torch.randn(N)) for _ in range(STEPS)]

CASES = [
    ("sgd-plain", "sgd", dict(momentum=0.0, weight_decay=0.0), "all"),
    ("sgd-momentum-paper", "sgd", dict(momentum=0.9, weight_decay=5e-4), "all"),
    ("sgd-nesterov", "sgd", dict(momentum=0.9, nesterov=True, weight_decay=1e-3), "all"),
    ("sgd-momentum-no-bias-norm", "sgd", dict(momentum=0.9, weight_decay=1e-2), "no-bias-norm"),
    ("adam-default", "adam", dict(), "all"),
    ("adam-wd-betas-eps", "adam", dict(betas=(0.8, 0.99), eps=1e-6, weight_decay=1e-2), "all"),
    ("adam-no-bias-norm", "adam", dict(weight_decay=0.1), "no-bias-norm"),
]


def run(kind, opts, decay):
    flat = P0.clone()
    params, off = [], 0
    for (name, shape), size in zip(LAYOUT, SIZES):
        params.append((name, torch.nn.Parameter(flat[off:off + size].clone().reshape(shape))))
        off += size
    wd = opts.get("weight_decay", 0.0)
    if decay == "all":
        groups = [{"params": [p for _, p in params]}]
    else:
        nd = lambda n: n.endswith((".bias", ".gamma", ".beta", ".slope"))
        groups = [{"params": [p for n, p in params if not nd(n)]},
                  {"params": [p for n, p in params if nd(n)], "weight_decay": 0.0}]
    cls = torch.optim.SGD if kind == "sgd" else torch.optim.Adam
    opt = cls(groups, lr=LRS[0], **opts)
    traj = []
    for step in range(STEPS):
        off = 0
        for (_, p), size in zip(params, SIZES):
            p.grad = GRADS[step][off:off + size].clone().reshape(p.shape)
            off += size
        for g in opt.param_groups:
            g["lr"] = LRS[step]
        opt.step()
        traj.append(torch.cat([p.detach().reshape(-1) for _, p in params]).tolist())
    return traj


out = {
    "generator": "scripts/make-optim-fixture.py",
    "torch": torch.__version__,
    "layout": [{"name": n, "shape": s} for n, s in LAYOUT],
    "lrs": LRS,
    "p0": P0.tolist(),
    "grads": [g.tolist() for g in GRADS],
    "cases": [],
}
for name, kind, opts, decay in CASES:
    traj = run(kind, opts, decay)
    jopts = {k: (list(v) if isinstance(v, tuple) else v) for k, v in opts.items()}
    out["cases"].append({"name": name, "kind": kind, "options": jopts, "decay": decay, "params": traj})

with open("test/fixtures/optim-torch.json", "w") as f:
    json.dump(out, f)
    f.write("\n")
print("wrote test/fixtures/optim-torch.json:", len(out["cases"]), "cases")
