"""The aten operations one training step issues, lamella's ``fit`` against the hand-written
loop (torch.profiler, top-level calls only): where per-step overhead comes from, counted rather
than timed, so the answer does not depend on how busy the machine is.

Example::

    python tools/benchmarks/op_count.py --workload W4
"""

import argparse
import collections
import sys
from pathlib import Path

import torch
from torch.profiler import ProfilerActivity, profile

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import workloads as wl  # noqa: E402


def count(run, steps):
    """``(ops per step, Counter of op names)`` of the top-level aten calls in ``run()``."""
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        run()
    names = collections.Counter(event.name[len("aten::"):] for event in prof.events()
                                if event.name.startswith("aten::") and event.cpu_parent is None)
    return sum(names.values()) / steps, names


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workload", default="W4")
    parser.add_argument("--steps", type=int, default=10)
    args = parser.parse_args(argv)
    import lamella

    spec = wl.WORKLOADS[args.workload]
    x, y = wl.data(spec, spec.batch * args.steps)
    model = wl.build_keras(lamella, spec)
    loss = (lamella.losses.MeanSquaredError() if spec.classes is None
            else lamella.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.compile(lamella.optimizers.Adam(learning_rate=1e-3), loss, device="cpu")
    net = wl.build_torch(spec)
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-7, fused=True)
    loss_fn = wl.torch_loss(spec)
    xt, yt = wl.torch_layout(spec, torch.from_numpy(x)), torch.from_numpy(y)

    def loop():
        order = torch.randperm(xt.shape[0])
        total = torch.zeros(())
        for start in range(0, xt.shape[0], spec.batch):
            index = order[start:start + spec.batch]
            optimizer.zero_grad(set_to_none=True)
            batch_loss = loss_fn(net(xt[index]), yt[index])
            batch_loss.backward()
            optimizer.step()
            total += batch_loss.detach() * index.shape[0]
        float(total)

    def fit():
        model.fit(x, y, batch_size=spec.batch, epochs=1, verbose=0)

    loop(), fit()  # warm up
    for name, run in (("loop", loop), ("lamella", fit)):
        per_step, names = count(run, args.steps)
        listed = ", ".join(f"{op}×{n / args.steps:g}" for op, n in names.most_common())
        print(f"{name}: {per_step:.1f} top-level aten ops per step: {listed}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
