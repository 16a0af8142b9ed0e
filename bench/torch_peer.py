"""The PyTorch side of bench/simd.ts: the same workloads on one thread (torch.set_num_threads(1)).

bench/simd.ts starts this script as a child process and speaks a line-based JSON protocol on stdin/stdout
(see the header of bench/simd.ts). If PyTorch cannot be imported, the first line says so and the script
exits; the benchmark then reports the side as unavailable, naming the reason.

Workloads (names as in bench/simd-workloads.ts; NCHW, filters (OC, C, 3, 3), inputs uniform like the
JavaScript sides' — the values do not matter for speed except ELU's mix of signs):
  matmul N³                    torch.mm into a preallocated output
  conv2d fwd / bwd-input / bwd-params / fwd+bwd   the native kernels autograd runs
                               (F.conv2d; torch.ops.aten.convolution_backward with the pass's output mask)
  elu fwd / bwd                F.elu; torch.ops.aten.elu_backward from the output (is_result=True), as tfjs's EluGrad
  train step mnist-cnn / mnist-mlp   forward, cross-entropy, backward, SGD(lr 0.01, momentum 0.9)
"""
import json
import re
import sys
import time


def send(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except Exception as e:  # noqa: BLE001 — any import failure means: no PyTorch here
    send({"ready": False, "reason": f"python3 could not import torch ({type(e).__name__}: {e}); install PyTorch (Debian: python3-torch) to compare"})
    sys.exit(0)

torch.set_num_threads(1)
torch.manual_seed(1)


def conv_dims(quick):
    return [(2, 8, 8, 16, 16), (2, 7, 7, 1, 8)] if quick else [(32, 32, 32, 64, 64), (32, 28, 28, 1, 32)]


def uniform(*shape, lo=-1.0, hi=1.0):
    return torch.rand(*shape) * (hi - lo) + lo


def make(name, quick):
    m = re.fullmatch(r"matmul (\d+)³", name)
    if m:
        n = int(m.group(1))
        a, b, c = uniform(n, n), uniform(n, n), torch.empty(n, n)
        return lambda: torch.mm(a, b, out=c)
    m = re.fullmatch(r"conv2d (fwd|bwd-input|bwd-params|fwd\+bwd) (\d+)×(\d+) (\d+)→(\d+) b(\d+)", name)
    if m:
        p = m.group(1)
        h, w, c, oc, n = (int(m.group(i)) for i in range(2, 7))
        x, wt, dy = uniform(n, c, h, w), uniform(oc, c, 3, 3, lo=-0.1, hi=0.1), uniform(n, oc, h, w)
        if p == "fwd":
            return lambda: F.conv2d(x, wt, padding=1)
        if p in ("bwd-input", "bwd-params"):
            mask = [p == "bwd-input", p == "bwd-params", False]
            return lambda: torch.ops.aten.convolution_backward(dy, x, wt, None, [1, 1], [1, 1], [1, 1], False, [0, 0], 1, mask)
        xg, wg = x.clone().requires_grad_(), wt.clone().requires_grad_()

        def fwd_bwd():
            y = F.conv2d(xg, wg, padding=1)
            torch.autograd.grad(y, (xg, wg), dy)
        return fwd_bwd
    m = re.fullmatch(r"elu (fwd|bwd) (1M|64K)", name)
    if m:
        n = (1 << 20) if m.group(2) == "1M" else (1 << 16)
        x, dy = uniform(n, lo=-3, hi=3), uniform(n)
        if m.group(1) == "fwd":
            return lambda: F.elu(x)
        y = F.elu(x)
        return lambda: torch.ops.aten.elu_backward(dy, 1.0, 1.0, 1.0, True, y)
    m = re.fullmatch(r"train step (mnist-cnn|mnist-mlp) b(\d+)", name)
    if m:
        batch = int(m.group(2))
        if m.group(1) == "mnist-cnn":
            model = nn.Sequential(
                nn.Conv2d(1, 32, 3, padding=1), nn.ELU(), nn.MaxPool2d(2),
                nn.Conv2d(32, 64, 3, padding=1), nn.ELU(), nn.MaxPool2d(2),
                nn.Flatten(), nn.Linear(7 * 7 * 64, 128), nn.ELU(), nn.Linear(128, 10))
            x = torch.rand(batch, 1, 28, 28)
        else:
            layers, fan_in = [], 784
            for _ in range(8):
                layers += [nn.Linear(fan_in, 128), nn.ELU()]
                fan_in = 128
            model = nn.Sequential(*layers, nn.Linear(128, 10))
            x = torch.rand(batch, 784)
        labels = torch.tensor([(i * 7 + 3) % 10 for i in range(batch)])
        opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

        def step():
            opt.zero_grad()
            F.cross_entropy(model(x), labels).backward()
            opt.step()
        return step
    if name == "peak":
        return "the core peak is measured by the SIMD module"
    return f"no workload named '{name}'"


def main():
    send({"ready": True, "versions": {"torch": torch.__version__, "python": sys.version.split()[0], "threads": torch.get_num_threads()}})
    fn = None
    for line in sys.stdin:
        msg = json.loads(line)
        if msg["cmd"] == "exit":
            break
        if msg["cmd"] == "setup":
            made = make(msg["workload"], msg.get("quick", False))
            if isinstance(made, str):
                send({"unsupported": made})
            else:
                fn = made
                send({"ok": True, "info": {"torch": torch.__version__, "threads": torch.get_num_threads()}})
        elif msg["cmd"] == "run":
            t0 = time.perf_counter()
            calls = 0
            while True:
                fn()
                calls += 1
                ms = (time.perf_counter() - t0) * 1000
                if ms >= msg["ms"]:
                    break
            send({"calls": calls, "ms": ms})


main()
