"""Optimizer step time: each lamella optimizer against the matching ``torch.optim`` optimizer.

    .venv/bin/python tools/bench_optimizer.py [--device cpu|cuda] [--rounds 15] [--steps 5]
                                              [--json out.json]

The parameters are those of a ~10.5M-parameter MLP (Linear 2048→2048, 2048→2048, 2048→1024,
with biases), with fixed random gradients already in ``.grad``; only ``step()`` is timed. Both
optimizers of a pair run in this process on their own copies of the same parameters,
alternating round by round (so machine noise hits both alike); each figure is the median over
rounds of the mean step time of ``--steps`` steps. torch's optimizers use ``foreach=True``, and
``fused=True`` where torch has a fused kernel for the device (Adam, AdamW, Adagrad on CPU, SGD
on CUDA), reported as separate rows. Ratio = lamella / torch (below 1: lamella is faster).

The hyper-parameters make the two compute the same update where the formulas allow it (Keras's
``epsilon`` placement differs from torch's in RMSprop/Adagrad/Adadelta/Adamax/Nadam, which
does not change the cost).
"""

import argparse
import json
import statistics
import sys
import time

import torch

from lamella import optimizers as lo

SHAPES = [(2048, 2048), (2048,), (2048, 2048), (2048,), (1024, 2048), (1024,)]


def _pairs(device):
    fused_ok = device.type == "cuda"
    cpu = device.type == "cpu"
    pairs = [
        ("SGD", lambda: lo.SGD(learning_rate=0.01),
         lambda p: torch.optim.SGD(p, lr=0.01, foreach=True)),
        ("SGD momentum", lambda: lo.SGD(learning_rate=0.01, momentum=0.9),
         lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.9, foreach=True)),
        ("SGD nesterov", lambda: lo.SGD(learning_rate=0.01, momentum=0.9, nesterov=True),
         lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.9, nesterov=True, foreach=True)),
        ("RMSprop", lambda: lo.RMSprop(learning_rate=0.001),
         lambda p: torch.optim.RMSprop(p, lr=0.001, alpha=0.9, eps=1e-7, foreach=True)),
        ("Adagrad", lambda: lo.Adagrad(learning_rate=0.01),
         lambda p: torch.optim.Adagrad(p, lr=0.01, eps=1e-7, foreach=True)),
        ("Adadelta", lambda: lo.Adadelta(learning_rate=1.0),
         lambda p: torch.optim.Adadelta(p, lr=1.0, rho=0.95, eps=1e-7, foreach=True)),
        ("Adam", lambda: lo.Adam(learning_rate=0.001),
         lambda p: torch.optim.Adam(p, lr=0.001, eps=1e-7, foreach=True)),
        ("Adam amsgrad", lambda: lo.Adam(learning_rate=0.001, amsgrad=True),
         lambda p: torch.optim.Adam(p, lr=0.001, eps=1e-7, amsgrad=True, foreach=True)),
        ("Adamax", lambda: lo.Adamax(learning_rate=0.002),
         lambda p: torch.optim.Adamax(p, lr=0.002, eps=1e-7, foreach=True)),
        ("Nadam", lambda: lo.Nadam(learning_rate=0.002),
         lambda p: torch.optim.NAdam(p, lr=0.002, eps=1e-7, foreach=True)),
        ("AdamW", lambda: lo.AdamW(learning_rate=0.001, weight_decay=0.01),
         lambda p: torch.optim.AdamW(p, lr=0.001, eps=1e-7, weight_decay=0.01, foreach=True)),
    ]
    fused = [
        ("Adam (torch fused)", lambda: lo.Adam(learning_rate=0.001),
         lambda p: torch.optim.Adam(p, lr=0.001, eps=1e-7, fused=True)),
        ("AdamW (torch fused)", lambda: lo.AdamW(learning_rate=0.001, weight_decay=0.01),
         lambda p: torch.optim.AdamW(p, lr=0.001, eps=1e-7, weight_decay=0.01, fused=True)),
    ]
    if cpu:
        fused.append(("Adagrad (torch fused)", lambda: lo.Adagrad(learning_rate=0.01),
                      lambda p: torch.optim.Adagrad(p, lr=0.01, eps=1e-7, fused=True)))
    if fused_ok:
        fused.append(("SGD momentum (torch fused)",
                      lambda: lo.SGD(learning_rate=0.01, momentum=0.9),
                      lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.9, fused=True)))
    return pairs + fused


def _params(device, seed=0):
    gen = torch.Generator().manual_seed(seed)
    params = []
    for shape in SHAPES:
        p = (torch.randn(shape, generator=gen) * 0.02).to(device).requires_grad_()
        p.grad = (torch.randn(shape, generator=gen) * 0.01).to(device)
        params.append(p)
    return params


def _sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _time(step, steps, device):
    _sync(device)
    start = time.perf_counter()
    for _ in range(steps):
        step()
    _sync(device)
    return (time.perf_counter() - start) / steps


def bench(device, rounds, steps, only=None):
    rows = []
    for name, make_lamella, make_torch in _pairs(device):
        if only and not any(o.lower() in name.lower() for o in only):
            continue
        p_lamella, p_torch = _params(device), _params(device)
        ours = make_lamella().build(p_lamella)
        try:
            theirs = make_torch(p_torch)
        except (RuntimeError, TypeError, ValueError) as error:  # fused not on this build
            print(f"skip {name}: {error}", file=sys.stderr)
            continue
        for _ in range(2):  # warm-up: slots, kernels, allocator
            ours.step()
            theirs.step()
        times_l, times_t = [], []
        for r in range(rounds):
            order = [(ours.step, times_l), (theirs.step, times_t)]
            if r % 2:
                order.reverse()
            for step, sink in order:
                sink.append(_time(step, steps, device))
        ml, mt = statistics.median(times_l), statistics.median(times_t)
        rows.append({"optimizer": name, "lamella_ms": ml * 1e3, "torch_ms": mt * 1e3,
                     "ratio": ml / mt, "torch": _describe(theirs)})
        del ours, theirs, p_lamella, p_torch
    return rows


def _describe(opt):
    group = opt.param_groups[0]
    if group.get("fused"):
        return f"{type(opt).__name__}(fused)"
    if group.get("foreach"):
        return f"{type(opt).__name__}(foreach)"
    return type(opt).__name__


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--only", nargs="*", help="substrings of optimizer names to run")
    parser.add_argument("--json", help="also write the rows here")
    args = parser.parse_args(argv)
    device = torch.device(args.device)
    n = sum(torch.Size(s).numel() for s in SHAPES)
    print(f"# {n / 1e6:.2f}M parameters in {len(SHAPES)} tensors, device={device}, "
          f"torch {torch.__version__}, threads={torch.get_num_threads()}, "
          f"median of {args.rounds} rounds x {args.steps} steps")
    rows = bench(device, args.rounds, args.steps, args.only)
    header = f"{'optimizer':<28}{'torch.optim':<20}{'lamella ms':>12}{'torch ms':>12}{'ratio':>8}"
    print(header)
    print("-" * len(header))
    for row in rows:
        print(f"{row['optimizer']:<28}{row['torch']:<20}{row['lamella_ms']:>12.2f}"
              f"{row['torch_ms']:>12.2f}{row['ratio']:>8.2f}")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump({"device": str(device), "params": n, "rows": rows}, handle, indent=1)


if __name__ == "__main__":
    main()
