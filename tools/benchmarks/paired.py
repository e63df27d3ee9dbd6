"""Paired, in-process ratios: lamella's ``fit`` and the hand-written loop alternate in one
process, epoch against epoch, on the same data; the ratio of the medians is reported (wall
and CPU time). The companion of :mod:`benchmarks.suite` for a busy machine, where the time
between two fresh processes varies more than the effect measured. Run it once per lamella
checkout (``PYTHONPATH``) to compare trees.

Example::

    python tools/benchmarks/paired.py --workloads W1,W2,W3,W4 --repeats 7 --threads 2
"""

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import workloads as wl  # noqa: E402


def paired(spec, repeats, steps, jit=False):
    """``{'wall_ratio': ..., 'cpu_ratio': ..., ...}``: lamella's per-step time over the
    loop's. ``jit``: ``compile(jit_compile=True)`` against ``torch.compile`` of the loop's
    whole step."""
    import lamella

    x, y = wl.data(spec, steps * spec.batch)
    model = wl.build_keras(lamella, spec)
    loss = (lamella.losses.MeanSquaredError() if spec.classes is None
            else lamella.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.compile(lamella.optimizers.Adam(learning_rate=1e-3), loss, device="cpu",
                  jit_compile=jit)
    net = wl.build_torch(spec)
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-7, fused=True)
    loss_fn = wl.torch_loss(spec)
    xt, yt = wl.torch_layout(spec, torch.from_numpy(x)), torch.from_numpy(y)

    def step(xb, yb):
        optimizer.zero_grad(set_to_none=True)
        batch_loss = loss_fn(net(xb), yb)
        batch_loss.backward()
        optimizer.step()
        return batch_loss.detach()

    if jit:
        step = torch.compile(step)

    def loop():
        order = torch.randperm(xt.shape[0])
        total = torch.zeros(())
        for start in range(0, xt.shape[0], spec.batch):
            index = order[start:start + spec.batch]
            total += step(xt[index], yt[index]) * index.shape[0]
        float(total)

    def fit():
        model.fit(x, y, batch_size=spec.batch, epochs=1, verbose=0)

    times = {"loop": [], "lamella": []}
    fit(), loop()  # warm up
    for repeat in range(repeats):
        pair = (("loop", loop), ("lamella", fit))
        for name, run in (pair if repeat % 2 == 0 else pair[::-1]):
            wall, cpu = time.perf_counter(), time.process_time()
            run()
            times[name].append(((time.perf_counter() - wall) / steps,
                                (time.process_time() - cpu) / steps))
    medians = {name: [statistics.median(t[i] for t in values) for i in (0, 1)]
               for name, values in times.items()}
    return {"workload": spec.name, "jit": jit, "steps": steps, "repeats": repeats,
            "loop_us": round(medians["loop"][0] * 1e6, 1),
            "lamella_us": round(medians["lamella"][0] * 1e6, 1),
            "wall_ratio": round(medians["lamella"][0] / medians["loop"][0], 3),
            "cpu_ratio": round(medians["lamella"][1] / medians["loop"][1], 3),
            "per_repeat_wall_ratios": [round(a[0] / b[0], 3) for a, b in
                                       zip(times["lamella"], times["loop"])]}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workloads", default="W1,W2,W3,W4")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--steps-scale", type=float, default=1.0)
    parser.add_argument("--threads", type=int)
    parser.add_argument("--jit", action="store_true",
                        help="jit_compile=True against torch.compile of the loop's step")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    for name in args.workloads.split(","):
        spec = wl.WORKLOADS[name]
        steps = max(2, int(spec.steps * args.steps_scale))
        print(json.dumps(paired(spec, args.repeats, steps, jit=args.jit)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
