"""One measurement: one framework, one workload, one mode, in this (fresh) process.

Run by :mod:`benchmarks.suite` as ``python -c ... '{job as JSON}'``; prints one line
``BENCH-RESULT {...}`` with the median-free raw figures (the suite takes the medians over the
processes it starts). Frameworks:

- ``torch``: the loop a PyTorch user writes with torch's fastest options: fused Adam, data
  already on the device, shuffled by index on the device, the loss summed on the device and
  read once per epoch; predict under ``torch.inference_mode`` with one concatenation.
- ``torch-compiled``: the same loop with the whole step under ``torch.compile``.
- ``lamella`` / ``lamella-jit``: ``compile`` (``jit_compile=True``) and ``fit``/``predict`` on
  NumPy arrays, as a Keras user calls them.
- ``keras3``: Keras 3 with ``KERAS_BACKEND=torch``, the same model and calls.
- ``lightning``: a ``LightningModule`` around the torch model, a ``DataLoader``, ``Trainer``.

Example::

    python -c "import sys; sys.path.insert(0, 'tools'); from benchmarks.runners import main; \
main()" '{"framework": "torch", "workload": "W4", "mode": "train", "device": "cpu"}'
"""

import json
import os
import resource
import sys
import time

import numpy as np
import torch

from benchmarks import workloads as wl

RESULT_PREFIX = "BENCH-RESULT "


class Job:
    """What to measure (the suite's JSON, with defaults)."""

    def __init__(self, framework, workload, mode="train", device="cpu", epochs=2, steps=None,
                 repeats=2, mixed_precision=None, threads=None, **_):
        self.framework = framework
        self.spec = wl.WORKLOADS[workload]
        self.mode = mode
        self.device = torch.device(device)
        self.epochs = int(epochs)
        default = self.spec.gpu_steps if self.device.type == "cuda" else self.spec.steps
        self.steps = int(steps or default)
        self.repeats = int(repeats)
        self.mixed_precision = mixed_precision
        self.threads = threads

    @property
    def train_samples(self):
        return self.steps * self.spec.batch

    @property
    def predict_samples(self):
        return self.spec.predict_batch * max(2, self.steps // 10)


def _sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


_CPU_SECONDS = []


def _timed(job, run_once):
    """Seconds of one call of ``run_once`` after a warm-up call (first-call costs excluded).

    The process's CPU time over the same call is kept too (``cpu_us_per_step``): on a shared
    machine it is less disturbed by other processes than the wall-clock time.
    """
    run_once(warm_up=True)
    _sync(job.device)
    cpu_started, started = time.process_time(), time.perf_counter()
    run_once(warm_up=False)
    _sync(job.device)
    elapsed = time.perf_counter() - started
    _CPU_SECONDS.append(time.process_time() - cpu_started)
    return elapsed


def _autocast(job):
    import contextlib

    if not job.mixed_precision:
        return contextlib.nullcontext()
    return torch.autocast(job.device.type, dtype=getattr(torch, job.mixed_precision))


# --- the hand-written loop -------------------------------------------------------------------


def run_torch(job, compiled=False):
    spec, device = job.spec, job.device
    net = wl.build_torch(spec).to(device)
    loss_fn = wl.torch_loss(spec)
    if job.mode == "predict":
        x, _ = wl.data(spec, job.predict_samples)
        xt = wl.torch_layout(spec, torch.from_numpy(x)).to(device)
        net.eval()

        def predict(warm_up):
            with torch.inference_mode(), _autocast(job):
                outs = [net(xt[i:i + spec.predict_batch])
                        for i in range(0, xt.shape[0], spec.predict_batch)]
                return torch.cat(outs).float().cpu().numpy()

        return _timed(job, predict), len(range(0, xt.shape[0], spec.predict_batch)), _params(net)
    x, y = wl.data(spec, job.train_samples)
    xt = wl.torch_layout(spec, torch.from_numpy(x)).to(device)
    yt = torch.from_numpy(y).to(device)
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-7, fused=True)
    scaler = (torch.amp.GradScaler(device.type)
              if job.mixed_precision == "float16" and device.type == "cuda" else None)

    def step(xb, yb):
        optimizer.zero_grad(set_to_none=True)
        with _autocast(job):
            loss = loss_fn(net(xb).float(), yb)
        if scaler is None:
            loss.backward()
            optimizer.step()
        else:
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
        return loss.detach()

    if compiled:
        step = torch.compile(step)
    n, batch = xt.shape[0], spec.batch

    def train(warm_up):
        for _ in range(1 if warm_up else job.epochs):
            order = torch.randperm(n, device=device)
            total = torch.zeros((), device=device)
            for start in range(0, n, batch):
                index = order[start:start + batch]
                total += step(xt[index], yt[index]) * index.shape[0]
            float(total)  # the epoch's mean loss is read once, as a log line would

    net.train()
    return _timed(job, train), job.steps * job.epochs, _params(net)


# --- lamella and Keras 3: the same Keras calls -------------------------------------------------


def run_keras_api(job, api, compile_kwargs, optimizer, loss):
    spec = job.spec
    model = wl.build_keras(api, spec)
    model.compile(optimizer=optimizer, loss=loss, **compile_kwargs)
    if job.mode == "predict":
        x, _ = wl.data(spec, job.predict_samples)
        return (_timed(job, lambda warm_up: model.predict(x, batch_size=spec.predict_batch,
                                                          verbose=0)),
                -(-x.shape[0] // spec.predict_batch), _params(model))
    x, y = wl.data(spec, job.train_samples)

    def train(warm_up):
        model.fit(x, y, batch_size=spec.batch, epochs=1 if warm_up else job.epochs, verbose=0)

    return _timed(job, train), job.steps * job.epochs, _params(model)


def run_lamella(job, jit=False):
    import lamella

    loss = (lamella.losses.MeanSquaredError() if job.spec.classes is None
            else lamella.losses.SparseCategoricalCrossentropy(from_logits=True))
    kwargs = dict(device=str(job.device), jit_compile=jit, mixed_precision=job.mixed_precision)
    return run_keras_api(job, lamella, kwargs, lamella.optimizers.Adam(learning_rate=1e-3), loss)


def run_keras3(job):
    os.environ["KERAS_BACKEND"] = "torch"
    import keras

    if job.mixed_precision:
        keras.mixed_precision.set_global_policy(
            "mixed_bfloat16" if job.mixed_precision == "bfloat16" else "mixed_float16")
    loss = (keras.losses.MeanSquaredError() if job.spec.classes is None
            else keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return run_keras_api(job, keras, {"jit_compile": False},
                         keras.optimizers.Adam(learning_rate=1e-3, epsilon=1e-7), loss)


# --- Lightning ------------------------------------------------------------------------------


def _lightning():
    """``lightning`` (the unified package), else ``pytorch_lightning`` (the GPU machine's)."""
    try:
        import lightning
    except ImportError:
        import pytorch_lightning as lightning
    return lightning


def run_lightning(job):
    lightning = _lightning()

    spec, device = job.spec, job.device
    net = wl.build_torch(spec)
    loss_fn = wl.torch_loss(spec)

    class Module(lightning.LightningModule):
        def __init__(self):
            super().__init__()
            self.net = net

        def training_step(self, batch, index):
            xb, yb = batch
            return loss_fn(self.net(xb).float(), yb)

        def predict_step(self, batch, index):
            return self.net(batch[0])

        def configure_optimizers(self):
            return torch.optim.Adam(self.parameters(), lr=1e-3, eps=1e-7, fused=True)

    precision = {None: "32-true", "bfloat16": "bf16-mixed", "float16": "16-mixed"}
    module = Module()
    samples = job.predict_samples if job.mode == "predict" else job.train_samples
    x, y = wl.data(spec, samples)
    dataset = torch.utils.data.TensorDataset(wl.torch_layout(spec, torch.from_numpy(x)),
                                             torch.from_numpy(y))

    def trainer(epochs):
        return lightning.Trainer(
            accelerator="gpu" if device.type == "cuda" else "cpu", devices=1, max_epochs=epochs,
            logger=False, enable_checkpointing=False, enable_progress_bar=False,
            enable_model_summary=False, precision=precision[job.mixed_precision])

    if job.mode == "predict":
        loader = torch.utils.data.DataLoader(dataset, batch_size=spec.predict_batch)

        def predict(warm_up):
            outs = trainer(1).predict(module, loader)
            return torch.cat(outs).float().cpu().numpy()

        return _timed(job, predict), len(loader), _params(net)
    loader = torch.utils.data.DataLoader(dataset, batch_size=spec.batch, shuffle=True)
    return (_timed(job, lambda warm_up: trainer(1 if warm_up else job.epochs).fit(module, loader)),
            job.steps * job.epochs, _params(net))


def _params(module):
    if isinstance(module, torch.nn.Module):
        return sum(p.numel() for p in module.parameters())
    return int(module.count_params())  # Keras 3


RUNNERS = {
    "torch": run_torch,
    "torch-compiled": lambda job: run_torch(job, compiled=True),
    "lamella": run_lamella,
    "lamella-jit": lambda job: run_lamella(job, jit=True),
    "keras3": run_keras3,
    "lightning": run_lightning,
}


def measure(job):
    """The job's figures as a dict (seconds per step, samples per second, peak memory)."""
    if job.threads:
        torch.set_num_threads(int(job.threads))
    torch.manual_seed(0)
    np.random.seed(0)
    seconds, steps, params = RUNNERS[job.framework](job)
    batch = job.spec.predict_batch if job.mode == "predict" else job.spec.batch
    peak_host = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = {
        "seconds": seconds, "steps": steps, "us_per_step": seconds / steps * 1e6,
        "cpu_us_per_step": _CPU_SECONDS[-1] / steps * 1e6,
        "samples_per_s": steps * batch / seconds, "params": params,
        "peak_host_mb": round(peak_host, 1),
    }
    if job.device.type == "cuda":
        result["peak_device_mb"] = round(torch.cuda.max_memory_allocated(job.device) / 2**20, 1)
    return result


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    job = Job(**json.loads(argv[0]))
    print(RESULT_PREFIX + json.dumps(measure(job)), flush=True)
    return 0
