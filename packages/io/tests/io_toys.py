"""Tiny layers, an optimizer and a loss for lamella-io's tests (no lamella-layers needed).

``TinyDense`` stores Keras's Dense layout (``kernel (in, units)``, ``bias``); ``TinyNorm`` has a
trainable ``gamma`` and a non-trainable ``moving_mean`` (so weight order can be tested);
``TinySGD`` has one momentum slot per parameter.
"""

import numpy as np
import torch

import lamella
from lamella.base.optimizer import Optimizer
from lamella.engine.base_layer import Layer

ACTIVATIONS = {"linear": lambda x: x, "tanh": torch.tanh, "relu": torch.relu,
               "sigmoid": torch.sigmoid, "softmax": lambda x: torch.softmax(x, dim=-1)}


_rng = np.random.RandomState(1234)


def uniform(shape, dtype=None):
    """A plain initializer (lamella-layers' named initializers are not installed here)."""
    return _rng.uniform(-0.5, 0.5, size=shape).astype("float32")


def zeros(shape, dtype=None):
    return np.zeros(shape, dtype="float32")


def ones(shape, dtype=None):
    return np.ones(shape, dtype="float32")


class TinyDense(Layer):
    def __init__(self, units, activation="linear", **kwargs):
        super().__init__(**kwargs)
        self.units = int(units)
        self.activation = activation

    def build(self, input_shape):
        self.kernel = self.add_weight("kernel", (input_shape[-1], self.units),
                                      initializer=uniform)
        self.bias = self.add_weight("bias", (self.units,), initializer=zeros)
        self.built = True

    def call(self, inputs):
        return ACTIVATIONS[self.activation](inputs @ self.kernel + self.bias)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        config = super().get_config()
        config.update(units=self.units, activation=self.activation)
        return config


class TinyNorm(Layer):
    def build(self, input_shape):
        self.gamma = self.add_weight("gamma", (input_shape[-1],), initializer=ones)
        self.moving_mean = self.add_weight("moving_mean", (input_shape[-1],),
                                           initializer=zeros, trainable=False)
        self.built = True

    def call(self, inputs):
        return inputs * self.gamma + self.moving_mean

    def compute_output_shape(self, input_shape):
        return input_shape


class TinySGD(Optimizer):
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
        config = super().get_config()
        config["momentum"] = self.momentum
        return config


def tiny_mse(y_true, y_pred):
    return ((y_true - y_pred) ** 2).mean(dim=-1)


CUSTOM = {"TinyDense": TinyDense, "TinyNorm": TinyNorm, "TinySGD": TinySGD, "tiny_mse": tiny_mse}


def sequential(units=(5, 3), activations=None, input_dim=4, norm=False, name=None):
    activations = activations or ["tanh"] * len(units)
    stack = [TinyDense(units[0], activations[0], input_shape=(input_dim,))]
    stack += [TinyDense(u, a) for u, a in zip(units[1:], activations[1:])]
    if norm:
        stack.append(TinyNorm())
    return lamella.Sequential(stack, name=name)


def functional():
    a = lamella.Input((4,), name="in_a")
    b = lamella.Input((4,), name="in_b")
    shared = TinyDense(5, "tanh", name="shared")
    out_a = TinyDense(3, name="out_a")(shared(a))
    out_b = TinyDense(1, name="out_b")(TinyNorm(name="norm_b")(shared(b)))
    return lamella.Model([a, b], [out_a, out_b], name="two_in_two_out")


def randomize(model, seed=0):
    """Non-trivial values everywhere (moving statistics included)."""
    rng = np.random.RandomState(seed)
    with torch.no_grad():
        for record in model._ordered_weight_records():
            record.tensor.copy_(torch.as_tensor(rng.normal(size=tuple(record.tensor.shape))))
    return model


def data(n=16, dim=4, seed=0):
    return np.random.RandomState(seed).rand(n, dim).astype("float32")
