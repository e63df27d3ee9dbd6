"""The fast paths of the training loop, with only lamella-core installed (issue 12).

predict and evaluate compute under ``torch.inference_mode`` and read results back once, not per
batch; ``fit`` reads the loss back only when logs are made; ``jit_compile`` compiles the whole
training step, reports graph breaks and recompiles in its debug mode, and falls back to eager
training with a warning. Counts of host reads are taken by wrapping ``torch.Tensor`` methods,
never by timing.
"""

import warnings

import numpy as np
import pytest
import torch

import lamella
from lamella.engine import device as devices
from lamella.engine import jit
from lamella.testing import PlainSGD, SeededDense, mean_squared_error, toy_data


def _model(compiled=True, **compile_kwargs):
    model = lamella.Sequential([SeededDense(8, "tanh", input_shape=(4,)),
                                SeededDense(1, seed=1)])
    if compiled:
        model.compile(PlainSGD(0.05), loss=mean_squared_error, device="cpu", **compile_kwargs)
    return model


class _Recorder(lamella.layers.Layer):
    """An identity layer recording whether it ran in inference mode and under autograd, and
    the learning phase it was given."""

    stateful = False

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seen, self.phases = [], []

    def call(self, inputs, training=None):
        self.seen.append((torch.is_inference_mode_enabled(), torch.is_grad_enabled()))
        self.phases.append(training)
        return inputs


@pytest.fixture
def host_reads(monkeypatch):
    """Counts of ``Tensor.cpu``/``numpy``/``item``/``__float__`` calls (device → host reads)."""
    counts = {}
    for name in ("cpu", "numpy", "item", "__float__"):
        original = getattr(torch.Tensor, name)

        def counted(self, *args, _name=name, _original=original, **kwargs):
            counts[_name] = counts.get(_name, 0) + 1
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(torch.Tensor, name, counted)
    return counts


# --- predict ---------------------------------------------------------------------------------

@pytest.mark.parametrize("batch_size", [1, 3, 7, 64])
def test_predict_equals_the_forward_pass_on_all_data(batch_size):
    x, _ = toy_data(23)
    model = _model()
    with torch.no_grad():
        want = model(torch.from_numpy(x)).numpy()
    got = model.predict(x, batch_size=batch_size)
    assert isinstance(got, np.ndarray) and got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)


def test_predict_of_several_outputs_is_a_list_of_arrays():
    inputs = lamella.Input(shape=(4,))
    first, second = SeededDense(2)(inputs), SeededDense(3, seed=2)(inputs)
    model = lamella.Model(inputs, [first, second])
    x, _ = toy_data(10)
    got = model.predict(x, batch_size=4)
    with torch.no_grad():
        want = [t.numpy() for t in model(torch.from_numpy(x))]
    assert [g.shape for g in got] == [(10, 2), (10, 3)]
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-6)


def test_predict_reads_back_once_not_per_batch(host_reads):
    x, _ = toy_data(40)
    model = _model()
    model.predict(x, batch_size=4)  # ten batches
    assert host_reads.get("cpu", 0) <= 1 and host_reads.get("numpy", 0) <= 1, host_reads
    assert host_reads.get("item", 0) == 0 and host_reads.get("__float__", 0) == 0, host_reads


def test_predict_output_does_not_share_memory_with_the_input():
    model = lamella.Sequential([_Recorder(input_shape=(4,))])  # the identity
    x, _ = toy_data(4)
    got = model.predict(x, batch_size=4)
    got[:] = 0
    assert x.any()


def test_predict_and_evaluate_run_in_inference_mode():
    recorder = _Recorder()
    model = lamella.Sequential([SeededDense(1, input_shape=(4,)), recorder])
    model.compile(PlainSGD(0.05), loss=mean_squared_error, device="cpu")
    x, y = toy_data(8)
    recorder.seen.clear()  # compile ran the model once to learn its output shapes
    model.predict(x, batch_size=4)
    assert len(recorder.seen) == 2 and all(inference for inference, _ in recorder.seen)
    recorder.seen.clear()
    model.evaluate(x, y, batch_size=4, verbose=0)
    assert recorder.seen and all(inference for inference, _ in recorder.seen)
    assert recorder.phases[-2:] == [False, False]
    recorder.seen.clear()
    recorder.phases.clear()
    model.fit(x, y, batch_size=4, epochs=1, verbose=0, validation_data=(x[:4], y[:4]))
    # two training steps in the training phase, then validation in the inference phase
    assert recorder.phases == [True, True, False]
    assert [grad and not inference for inference, grad in recorder.seen] == [True, True, False]


def test_a_model_first_built_by_predict_still_trains():
    model = lamella.Sequential([SeededDense(3), SeededDense(1, seed=1)])  # deferred: no shape
    x, y = toy_data(16)
    before = model.predict(x, batch_size=4)
    assert not any(p.is_inference() for p in model.parameters())
    model.compile(PlainSGD(0.1), loss=mean_squared_error, device="cpu")
    model.fit(x, y, batch_size=4, epochs=1, verbose=0)
    assert not np.allclose(model.predict(x), before)


def test_a_layer_keeping_state_between_calls_gets_no_grad_instead():
    recorder = _Recorder()
    recorder.stateful = True  # as a stateful RNN: its states outlive the call
    model = lamella.Sequential([SeededDense(1, input_shape=(4,)), recorder])
    model.predict(toy_data(4)[0])
    assert recorder.seen and all(not inference and not grad for inference, grad in recorder.seen)


def test_host_collector_concatenates_once():
    store = devices.HostCollector()
    for i in range(3):
        store.append(torch.full((2, 1), float(i)))
    np.testing.assert_array_equal(store.numpy()[:, 0], [0, 0, 1, 1, 2, 2])


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_predict_on_cuda_copies_batches_through_pinned_memory():
    model = lamella.Sequential([SeededDense(2, input_shape=(4,))])
    model.compile(PlainSGD(0.05), loss=mean_squared_error, device="cuda")
    x, _ = toy_data(50)
    with torch.no_grad():
        want = model(torch.from_numpy(x).cuda()).cpu().numpy()
    np.testing.assert_allclose(model.predict(x, batch_size=8), want, rtol=1e-5)
    moved = devices.move(torch.ones(3), torch.device("cuda"), pin=True)
    assert moved.device.type == "cuda" and moved.sum().item() == 3


# --- fit and evaluate: the loss and metrics stay on the device ----------------------------------

def test_fit_reads_the_loss_back_once_per_epoch(host_reads):
    x, y = toy_data(64)
    model = _model()
    model.fit(x, y, batch_size=4, epochs=2, verbose=0)  # 32 steps
    reads = sum(host_reads.get(n, 0) for n in ("cpu", "numpy", "item", "__float__"))
    assert reads <= 2, host_reads  # one per epoch (History's loss)


def test_evaluate_reads_back_once(host_reads):
    x, y = toy_data(64)
    model = _model()
    model.evaluate(x, y, batch_size=4, verbose=0)
    reads = sum(host_reads.get(n, 0) for n in ("cpu", "numpy", "item", "__float__"))
    assert reads <= 1, host_reads


# --- jit_compile -----------------------------------------------------------------------------

@pytest.fixture
def compiled_functions(monkeypatch):
    """torch.compile on dynamo's ``eager`` backend (traced by dynamo, no C++ compilation);
    records what was compiled and with which options."""
    calls = []
    real_compile = torch.compile

    def compile_eagerly(function=None, **kwargs):
        calls.append((function, kwargs))
        kwargs.pop("mode", None)
        return real_compile(function, **dict(kwargs, backend="eager"))

    monkeypatch.setattr(torch, "compile", compile_eagerly)
    torch._dynamo.reset()
    yield calls
    torch._dynamo.reset()


def test_jit_compile_compiles_the_whole_training_step(compiled_functions):
    x, y = toy_data(32)
    model = _model(jit_compile=True)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*jit_compile.*")
        model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    (function, options), = compiled_functions
    # forward, loss, backward and the update: the step, not just the forward pass
    assert function.__name__ == "_eager_train_step" and function.__self__ is model
    assert options == {"dynamic": False}
    eager = _model()
    eager.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    for got, want in zip(model.get_weights(), eager.get_weights()):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_jit_compile_falls_back_to_eager_with_a_warning(monkeypatch):
    def broken(function=None, **kwargs):
        def run(*args):
            raise RuntimeError("the compiler gave up")
        return run

    monkeypatch.setattr(torch, "compile", broken)
    x, y = toy_data(16)
    model = _model(jit_compile=True)
    with pytest.warns(UserWarning, match="jit_compile: the compiled training step failed "
                                         r"\(the compiler gave up\)"):
        model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    eager = _model()
    eager.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    for got, want in zip(model.get_weights(), eager.get_weights()):
        np.testing.assert_allclose(got, want, rtol=1e-6)


def test_jit_compile_when_torch_compile_is_unavailable(monkeypatch):
    def unavailable(function=None, **kwargs):
        raise RuntimeError("no compiler on this platform")

    monkeypatch.setattr(torch, "compile", unavailable)
    with pytest.warns(UserWarning, match="torch.compile is not available here"):
        model = _model(jit_compile=True)
        model.fit(*toy_data(8), batch_size=8, epochs=1, verbose=0)


class _Breaking(lamella.layers.Layer):
    """A layer dynamo cannot trace in one graph (a call it is told not to trace)."""

    def call(self, inputs):
        torch._dynamo.graph_break()
        return inputs * 1.0


def test_jit_compile_debug_reports_graph_breaks_and_recompiles(compiled_functions, capfd):
    model = lamella.Sequential([SeededDense(1, input_shape=(4,)), _Breaking()])
    model.compile(PlainSGD(0.05), loss=mean_squared_error, device="cpu", jit_compile="debug")
    x, y = toy_data(12)
    try:
        model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    finally:
        torch._logging.set_logs()  # torch's logging is global: back to its defaults
    err = capfd.readouterr().err
    assert "graph break" in err.lower(), err[-2000:]
    assert "recompil" in err.lower(), err[-2000:]  # batch 8, then the last batch of 4


@pytest.mark.parametrize("option", [False, True, "debug", "reduce-overhead", None])
def test_jit_compile_options(option):
    assert jit.check_option(option) == (option or False)


@pytest.mark.parametrize("option", ["yes", 2, "max-autotune"])
def test_jit_compile_rejects_unknown_options(option):
    with pytest.raises(ValueError, match="jit_compile"):
        _model(jit_compile=option)
