"""Deterministic layers, optimizers, a loss, a file format and toy models for plugin tests.

A plugin's own tests run with lamella-core and that plugin alone (no lamella-layers, no
lamella-optimizers, no lamella-losses, no lamella-io), yet often need a model that trains or
saves. These stand in for Dense, a normalization layer, SGD, mean squared error and a weights
file format there.

Example::

    from lamella.testing import PlainSGD, SeededDense, mean_squared_error

    model = lamella.Sequential([SeededDense(3, input_shape=(4,)), SeededDense(1, seed=1)])
    model.compile(PlainSGD(0.1), loss=mean_squared_error)
"""

import io
import os
import time

import numpy as np
import torch

import lamella
from lamella.base.optimizer import Optimizer
from lamella.engine.base_layer import Layer
from lamella.plugins import Component, hookimpl

# Activations by name, so a stand-in's config stays JSON (lamella.activations may be empty here).
ACTIVATIONS = {
    "linear": lambda x: x,
    "tanh": torch.tanh,
    "relu": torch.relu,
    "sigmoid": torch.sigmoid,
    "softmax": lambda x: torch.softmax(x, dim=-1),
}


def _activation(name):
    name = name or "linear"
    if name not in ACTIVATIONS:
        raise ValueError(f"SeededDense: activation must be one of {sorted(ACTIVATIONS)}, "
                         f"got {name!r}")
    return name


class SeededDense(Layer):
    """``activation(x @ kernel + bias)`` with a seeded initializer (Keras layout ``(in, units)``).

    Two layers with the same ``seed`` and shapes start with the same weights, whatever the
    global random state, so tests that build a model twice compare like with like.

    Example::

        SeededDense(3, "tanh", seed=0)(torch.ones(2, 4)).shape   # (2, 3)
    """

    def __init__(self, units, activation=None, seed=0, **kwargs):
        super().__init__(**kwargs)
        self.units, self.seed = int(units), int(seed)
        self.activation = _activation(activation)

    def build(self, input_shape):
        generator = torch.Generator().manual_seed(self.seed)
        self.kernel = self.add_weight(
            "kernel", (input_shape[-1], self.units),
            initializer=lambda shape, dtype=None: torch.randn(shape, generator=generator) * 0.3)
        self.bias = self.add_weight("bias", (self.units,),
                                    initializer=lambda shape, dtype=None: torch.zeros(shape))

    def call(self, inputs):
        outputs = torch.nn.functional.linear(inputs, self.kernel.t(), self.bias)
        return ACTIVATIONS[self.activation](outputs)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        return dict(super().get_config(), units=self.units, activation=self.activation,
                    seed=self.seed)


class ScaleShift(Layer):
    """``x * gamma + moving_mean``: one trainable and one non-trainable weight.

    It stands in for BatchNormalization where a test needs both kinds of weight (weight order
    in files, ``trainable_weights`` versus ``non_trainable_weights``).

    Example::

        layer = ScaleShift()
        layer(torch.ones(2, 3))
        len(layer.trainable_weights), len(layer.non_trainable_weights)   # (1, 1)
    """

    def build(self, input_shape):
        self.gamma = self.add_weight("gamma", (input_shape[-1],),
                                     initializer=lambda shape, dtype=None: torch.ones(shape))
        self.moving_mean = self.add_weight(
            "moving_mean", (input_shape[-1],),
            initializer=lambda shape, dtype=None: torch.zeros(shape), trainable=False)

    def call(self, inputs):
        return inputs * self.gamma + self.moving_mean

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)


class PlainSGD(Optimizer):
    """Stochastic gradient descent without momentum: ``p -= lr * g``.

    Example::

        model.compile(PlainSGD(learning_rate=0.1), loss=mean_squared_error)
    """

    def __init__(self, learning_rate=0.1, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)

    def _apply(self, params, grads, lr):
        torch._foreach_add_(params, grads, alpha=-lr)


class MomentumSGD(Optimizer):
    """SGD with one momentum slot per parameter (Keras's ``SGD(momentum=...)`` update).

    It stands in where a test needs optimizer state: saving and restoring slots, resuming.

    Example::

        model.compile(MomentumSGD(learning_rate=0.05, momentum=0.9), loss=mean_squared_error)
    """

    def __init__(self, learning_rate=0.05, momentum=0.9, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.momentum = float(momentum)

    def _create_slots(self, params):
        self.moments = [torch.zeros_like(p) for p in params]
        return list(self.moments)

    def _apply(self, params, grads, lr):
        for p, g, m in zip(params, grads, self.moments):
            m.mul_(self.momentum).add_(g, alpha=-lr)
            p.add_(m)

    def get_config(self):
        return dict(super().get_config(), momentum=self.momentum)


def mean_squared_error(y_true, y_pred):
    """Per-sample mean squared error over the last axis.

    Example::

        mean_squared_error(torch.zeros(2, 3), torch.ones(2, 3))   # tensor([1., 1.])
    """
    return ((y_pred - y_true) ** 2).mean(dim=-1)


#: The stand-ins by name, for ``load_model(..., custom_objects=CUSTOM_OBJECTS)``.
CUSTOM_OBJECTS = {
    "SeededDense": SeededDense,
    "ScaleShift": ScaleShift,
    "PlainSGD": PlainSGD,
    "MomentumSGD": MomentumSGD,
    "mean_squared_error": mean_squared_error,
}


# --- data and toy models ------------------------------------------------------------------------

def toy_data(n=32, dim=4, seed=0):
    """``(x, y)``: ``n`` normal samples of ``dim`` features and a linear target of one column.

    Example::

        x, y = toy_data(16)   # shapes (16, 4) and (16, 1), float32
    """
    rng = np.random.RandomState(seed)
    x = rng.normal(size=(n, dim)).astype("float32")
    y = (x @ rng.normal(size=(dim, 1))).astype("float32")
    return x, y


def toy_inputs(n=16, dim=4, seed=0):
    """``n`` samples of ``dim`` features, uniform in ``[0, 1)``, float32.

    Example::

        model.predict(toy_inputs(8))
    """
    return np.random.RandomState(seed).rand(n, dim).astype("float32")


def toy_model(lr=0.05, seed=0, input_dim=4):
    """A compiled two-layer regression model (``PlainSGD``, mean squared error).

    Example::

        model = toy_model()
        model.fit(*toy_data(), epochs=1, verbose=0)
    """
    model = lamella.Sequential([SeededDense(3, seed=seed, input_shape=(input_dim,)),
                                SeededDense(1, seed=seed + 1)])
    model.compile(PlainSGD(lr), loss=mean_squared_error)
    return model


def toy_sequential(units=(5, 3), activations=None, input_dim=4, norm=False, name=None):
    """An uncompiled stack of ``SeededDense`` layers, optionally ending in ``ScaleShift``.

    Example::

        toy_sequential(units=(5, 3), norm=True).get_weights()   # 2 + 2 + 2 arrays
    """
    activations = activations or ["tanh"] * len(units)
    stack = [SeededDense(units[0], activations[0], input_shape=(input_dim,))]
    stack += [SeededDense(u, a, seed=i) for i, (u, a)
              in enumerate(zip(units[1:], activations[1:]), start=1)]
    if norm:
        stack.append(ScaleShift())
    return lamella.Sequential(stack, name=name)


def toy_functional():
    """A functional model with two inputs, two outputs and a shared layer.

    Inputs ``in_a``/``in_b`` (4 features each); outputs ``out_a`` (3) and ``out_b`` (1).

    Example::

        model = toy_functional()
        model.predict([x, x])   # two arrays
    """
    a = lamella.Input((4,), name="in_a")
    b = lamella.Input((4,), name="in_b")
    shared = SeededDense(5, "tanh", name="shared")
    out_a = SeededDense(3, seed=1, name="out_a")(shared(a))
    out_b = SeededDense(1, seed=2, name="out_b")(ScaleShift(name="norm_b")(shared(b)))
    return lamella.Model([a, b], [out_a, out_b], name="two_in_two_out")


def randomize_weights(model, seed=0):
    """Give every weight (non-trainable ones included) a random normal value; returns ``model``.

    Example::

        model = randomize_weights(toy_sequential(norm=True), seed=1)
    """
    rng = np.random.RandomState(seed)
    model.set_weights([rng.normal(size=np.shape(w)).astype(np.asarray(w).dtype)
                       for w in model.get_weights()])
    return model


# --- a file format ------------------------------------------------------------------------------

class NpzSaver:
    """A file format for ``.npz`` paths: the model's weights as NumPy arrays.

    It stands in for lamella-io's HDF5 format in tests of checkpointing callbacks. Register it
    with :func:`npz_saver_plugin` and :func:`lamella.testing.plugin_registered`. ``calls``
    records every save. ``pause_on_call``: on that (1-based) save call, write the first half of
    the bytes, create the file ``pause_marker`` and sleep ``pause_seconds`` before writing the
    rest, so a crash test can kill the process mid-write. The saver writes straight to the path
    it is given, with no safety of its own: ``lamella.saving`` hands it a temporary file and
    commits it.

    Example::

        saver = NpzSaver()
        with plugin_registered(npz_saver_plugin(saver)):
            model.save_weights("w.npz")
        read_npz("w.npz")   # the model's weights
    """

    extensions = (".npz",)

    def __init__(self, pause_on_call=None, pause_marker=None, pause_seconds=60.0):
        self.calls = []
        self.pause_on_call = pause_on_call
        self.pause_marker = pause_marker
        self.pause_seconds = pause_seconds

    def _write(self, model, filepath, kind):
        self.calls.append((kind, os.fspath(filepath)))
        buffer = io.BytesIO()
        np.savez(buffer, *model.get_weights())
        data = buffer.getvalue()
        with open(filepath, "wb") as handle:
            if self.pause_on_call == len(self.calls):
                handle.write(data[: len(data) // 2])
                handle.flush()
                os.fsync(handle.fileno())
                with open(self.pause_marker, "w") as marker:
                    marker.write(os.fspath(filepath))
                time.sleep(self.pause_seconds)
                handle.write(data[len(data) // 2:])
            else:
                handle.write(data)

    def save_model(self, model, filepath, overwrite=True, include_optimizer=True):
        self._write(model, filepath, "model")

    def save_weights(self, model, filepath, overwrite=True):
        self._write(model, filepath, "weights")

    def load_weights(self, model, filepath, by_name=False, skip_mismatch=False):
        model.set_weights(read_npz(filepath))

    def load_model(self, filepath, custom_objects=None, compile=True, safe_mode=True):
        raise NotImplementedError("NpzSaver stores weights only")


def read_npz(filepath):
    """The arrays of an ``.npz`` file written by :class:`NpzSaver`, in order.

    Example::

        weights = read_npz("w.npz")
    """
    with np.load(filepath) as archive:
        return [archive[f"arr_{i}"] for i in range(len(archive.files))]


class _NpzPlugin:
    def __init__(self, saver):
        self.saver = saver

    @hookimpl
    def lamella_savers(self):
        return [Component("npz", self.saver)]


def npz_saver_plugin(saver=None):
    """A plugin object registering ``saver`` (a new :class:`NpzSaver` by default) for ``.npz``.

    Example::

        saver = NpzSaver()
        with plugin_registered(npz_saver_plugin(saver)):
            model.save_weights("w.npz")
    """
    return _NpzPlugin(saver if saver is not None else NpzSaver())
