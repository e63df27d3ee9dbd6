"""Per-step overhead of lamella's ``fit`` against a hand-written PyTorch training loop.

Both run in this process, on the same data, with the same architecture, initial weights,
optimizer (torch's Adam maths; lamella's Keras-exact Adam) and batch order, alternating so that
machine noise hits both alike. The figure of merit is the ratio of median per-step times.

Workloads:
  tiny   Dense(10) on 20 features, batch 32, softmax cross-entropy
  mlp    784-512-512-10 ReLU MLP, batch 128
  tiny+acc / mlp+acc  the same with metrics=['accuracy'] (the hand loop accumulates accuracy on
         the device too)
  cnn    Conv2D(16)-Conv2D(32)-MaxPool-Dense(64)-Dense(10) on 8x8x1 digits-sized input, batch 32
"""

import argparse
import json
import os
import statistics
import sys
import time

import numpy as np
import torch

import lamella
from lamella import layers

WORKLOADS = {
    "tiny": dict(features=(20,), hidden=(), classes=10, batch=32, samples=3200, accuracy=False),
    "tiny+acc": dict(features=(20,), hidden=(), classes=10, batch=32, samples=3200, accuracy=True),
    "mlp": dict(features=(784,), hidden=(512, 512), classes=10, batch=128, samples=6400,
                accuracy=False),
    "mlp+acc": dict(features=(784,), hidden=(512, 512), classes=10, batch=128, samples=6400,
                    accuracy=True),
    "cnn": dict(features=(8, 8, 1), hidden=(), classes=10, batch=32, samples=3200,
                accuracy=False, conv=True),
}


def build_lamella(spec):
    if spec.get("conv"):
        model = lamella.Sequential([
            layers.Conv2D(16, (3, 3), activation="relu", padding="same",
                          input_shape=spec["features"]),
            layers.Conv2D(32, (3, 3), activation="relu", padding="same"),
            layers.MaxPooling2D((2, 2)),
            layers.Flatten(),
            layers.Dense(64, activation="relu"),
            layers.Dense(spec["classes"]),
        ])
    else:
        stack = []
        for i, units in enumerate(spec["hidden"]):
            kwargs = {"input_shape": spec["features"]} if i == 0 else {}
            stack.append(layers.Dense(units, activation="relu", **kwargs))
        kwargs = {} if spec["hidden"] else {"input_shape": spec["features"]}
        stack.append(layers.Dense(spec["classes"], **kwargs))
        model = lamella.Sequential(stack)
    return model


class _ChannelsLastConv(torch.nn.Module):
    def __init__(self, conv):
        super().__init__()
        self.conv = conv

    def forward(self, x):
        return self.conv(x.permute(0, 3, 1, 2)).permute(0, 2, 3, 1)


def build_torch_twin(model, spec):
    """An idiomatic torch model holding the same initial weights as the lamella one."""
    modules = []
    for layer in model.layers:
        kind = type(layer).__name__
        weights = [torch.from_numpy(w.copy()) for w in layer.get_weights()]
        if kind == "Dense":
            linear = torch.nn.Linear(weights[0].shape[0], weights[0].shape[1])
            with torch.no_grad():
                linear.weight.copy_(weights[0].t())
                linear.bias.copy_(weights[1])
            modules.append(linear)
        elif kind == "Conv2D":
            conv = torch.nn.Conv2d(weights[0].shape[2], weights[0].shape[3], weights[0].shape[:2],
                                   padding="same")
            with torch.no_grad():
                conv.weight.copy_(weights[0].permute(3, 2, 0, 1))
                conv.bias.copy_(weights[1])
            modules.append(_ChannelsLastConv(conv))
        elif kind == "MaxPooling2D":
            modules.append(_ChannelsLastPool())
        elif kind == "Flatten":
            modules.append(torch.nn.Flatten())
        else:
            raise ValueError(f"no torch twin for {kind}")
        activation = getattr(layer, "activation", None)
        if activation is not None and getattr(activation, "__name__", "") == "relu":
            modules.append(torch.nn.ReLU())
    return torch.nn.Sequential(*modules)


class _ChannelsLastPool(torch.nn.Module):
    def forward(self, x):
        return torch.nn.functional.max_pool2d(x.permute(0, 3, 1, 2), 2).permute(0, 2, 3, 1)


def hand_written_epoch(net, optimizer, x, y, batch, accuracy):
    """The loop a PyTorch user writes: shuffle indices, slice, step, accumulate on device."""
    loss_fn = torch.nn.CrossEntropyLoss()
    n = x.shape[0]
    perm = torch.from_numpy(np.random.permutation(n))
    total = torch.zeros(())
    correct = torch.zeros(())
    for start in range(0, n, batch):
        index = perm[start:start + batch]
        xb, yb = x[index], y[index]
        optimizer.zero_grad(set_to_none=True)
        out = net(xb)
        loss = loss_fn(out, yb)
        loss.backward()
        optimizer.step()
        total += loss.detach() * xb.shape[0]
        if accuracy:
            correct += (out.detach().argmax(-1) == yb).sum()
    return float(total) / n, float(correct) / n


def run_workload(name, spec, repeats, epochs):
    rng = np.random.RandomState(0)
    x = rng.rand(spec["samples"], *spec["features"]).astype("float32")
    y = rng.randint(0, spec["classes"], size=spec["samples"])
    steps = -(-spec["samples"] // spec["batch"]) * epochs

    model = build_lamella(spec)
    twin = build_torch_twin(model, spec)
    metrics = ["accuracy"] if spec["accuracy"] else None
    model.compile(optimizer=lamella.optimizers.Adam(learning_rate=1e-3),
                  loss=lamella.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=metrics, device="cpu")
    # fused=True: the fastest torch Adam, which lamella's Adam also uses.
    torch_optimizer = torch.optim.Adam(twin.parameters(), lr=1e-3, eps=1e-7, fused=True)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y).long()

    # Warm up both (first-call allocations, lazy plugin loading).
    model.fit(x, y, batch_size=spec["batch"], epochs=1, verbose=0)
    hand_written_epoch(twin, torch_optimizer, xt, yt, spec["batch"], spec["accuracy"])

    lamella_times, torch_times = [], []
    for _ in range(repeats):
        started = time.perf_counter()
        for _ in range(epochs):
            hand_written_epoch(twin, torch_optimizer, xt, yt, spec["batch"], spec["accuracy"])
        torch_times.append((time.perf_counter() - started) / steps)
        started = time.perf_counter()
        model.fit(x, y, batch_size=spec["batch"], epochs=epochs, verbose=0)
        lamella_times.append((time.perf_counter() - started) / steps)
    lamella_step, torch_step = statistics.median(lamella_times), statistics.median(torch_times)
    return {
        "workload": name,
        "batch": spec["batch"],
        "steps_per_repeat": steps,
        "torch_us_per_step": round(torch_step * 1e6, 1),
        "lamella_us_per_step": round(lamella_step * 1e6, 1),
        "ratio": round(lamella_step / torch_step, 3),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workloads", default="tiny,tiny+acc,mlp,mlp+acc,cnn")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="3 repeats of 1 epoch")
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--threads", type=int, default=None, help="torch.set_num_threads")
    args = parser.parse_args(argv)
    if args.quick:
        args.repeats, args.epochs = 3, 1
    if args.threads:
        torch.set_num_threads(args.threads)
    results = []
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"{os.cpu_count()} cores; medians of {args.repeats} repeats")
    print(f"{'workload':10} {'batch':>5} {'torch us/step':>14} "
          f"{'lamella us/step':>16} {'ratio':>7}")
    for name in args.workloads.split(","):
        result = run_workload(name, WORKLOADS[name], args.repeats, args.epochs)
        results.append(result)
        print(f"{name:10} {result['batch']:>5} {result['torch_us_per_step']:>14} "
              f"{result['lamella_us_per_step']:>16} {result['ratio']:>7}")
        sys.stdout.flush()
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(results, handle, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
