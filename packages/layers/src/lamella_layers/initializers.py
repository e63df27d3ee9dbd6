"""Keras 2.3's weight initializers, producing torch tensors in Keras's layouts.

Fans follow Keras's ``_compute_fans`` on Keras layouts: a 2-D kernel is ``(in, out)``; a conv
kernel ``(k..., in, out)`` has ``fan_in = in * prod(k)`` and ``fan_out = out * prod(k)``.
A ``seed`` makes an initializer reproducible (a private ``torch.Generator``); as in Keras
2.3 the seed is incremented after each call, so two weights drawn from one seeded
initializer differ. Without a seed, draws come from torch's global generator
(``torch.manual_seed`` governs them).

Example::

    from lamella_layers.initializers import VarianceScaling, glorot_uniform

    init = glorot_uniform(seed=1)
    kernel = init((3, 3, 16, 32))            # U(-sqrt(6/(144+288)), +...)
    init.get_config()                        # {'scale': 1.0, 'mode': 'fan_avg', ...}
"""

import math

import numpy as np
import torch

from lamella.base.initializer import Initializer
from lamella_layers._utils import torch_dtype

__all__ = [
    "Initializer", "Zeros", "Ones", "Constant", "RandomNormal", "RandomUniform",
    "TruncatedNormal", "VarianceScaling", "Orthogonal", "Identity", "compute_fans",
    "glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_uniform",
    "lecun_normal",
]

#: stddev of a unit normal truncated to ±2σ; VarianceScaling divides by it (Keras's constant).
TRUNCATION_STDDEV = 0.87962566103423978


def compute_fans(shape):
    """Keras's ``_compute_fans`` for channels_last layouts: ``(fan_in, fan_out)``.

    Example: ``compute_fans((3, 3, 16, 32)) == (144, 288)``.
    """
    shape = tuple(shape)
    if len(shape) == 2:
        return shape[0], shape[1]
    if len(shape) in (3, 4, 5):
        receptive = int(np.prod(shape[:-2]))
        return shape[-2] * receptive, shape[-1] * receptive
    fan = math.sqrt(float(np.prod(shape)))
    return fan, fan


class _Seeded(Initializer):
    """An initializer with Keras's ``seed`` behaviour (incremented after every call)."""

    def _generator(self):
        if self.seed is None:
            return None
        generator = torch.Generator()
        generator.manual_seed(int(self.seed))
        self.seed += 1
        return generator


def _uniform(shape, low, high, generator, dtype):
    sample = torch.rand(shape, generator=generator, dtype=torch.float64)
    return (low + (high - low) * sample).to(torch_dtype(dtype))


def _normal(shape, mean, stddev, generator, dtype):
    sample = torch.randn(shape, generator=generator, dtype=torch.float64)
    return (mean + stddev * sample).to(torch_dtype(dtype))


def _truncated_normal(shape, mean, stddev, generator, dtype):
    """A normal truncated to ``mean ± 2 stddev`` (TF's ``truncated_normal``), by inverse CDF."""
    low = 0.5 * (1.0 + math.erf(-2.0 / math.sqrt(2.0)))
    high = 1.0 - low
    u = low + (high - low) * torch.rand(shape, generator=generator, dtype=torch.float64)
    z = (math.sqrt(2.0) * torch.erfinv(2.0 * u - 1.0)).clamp_(-2.0, 2.0)
    return (mean + stddev * z).to(torch_dtype(dtype))


class Zeros(Initializer):
    """All zeros. Aliases ``'zeros'``, ``'zero'``.

    Example: ``Zeros()((2, 3))`` is a 2×3 zero tensor.
    """

    def __call__(self, shape, dtype=None):
        return torch.zeros(tuple(shape), dtype=torch_dtype(dtype))


class Ones(Initializer):
    """All ones. Aliases ``'ones'``, ``'one'``.

    Example: ``Ones()((4,))`` is ``tensor([1., 1., 1., 1.])``.
    """

    def __call__(self, shape, dtype=None):
        return torch.ones(tuple(shape), dtype=torch_dtype(dtype))


class Constant(Initializer):
    """Every entry ``value`` (a scalar, or an array broadcastable to the shape).

    Example: ``Constant(0.5)((2,))`` is ``tensor([0.5, 0.5])``.
    """

    def __init__(self, value=0):
        self.value = value

    def __call__(self, shape, dtype=None):
        value = torch.as_tensor(np.asarray(self.value), dtype=torch_dtype(dtype))
        return value.expand(tuple(shape)).clone()

    def get_config(self):
        return {"value": self.value}


class RandomNormal(_Seeded):
    """Normal samples ``N(mean, stddev²)``. Aliases ``'random_normal'``, ``'normal'``.

    Example: ``RandomNormal(stddev=0.1, seed=3)((100, 10))``.
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def __call__(self, shape, dtype=None):
        return _normal(tuple(shape), self.mean, self.stddev, self._generator(), dtype)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class RandomUniform(_Seeded):
    """Uniform samples in ``[minval, maxval)``. Aliases ``'random_uniform'``, ``'uniform'``.

    Example: ``RandomUniform(-1, 1, seed=0)((5,))``.
    """

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval, self.maxval, self.seed = minval, maxval, seed

    def __call__(self, shape, dtype=None):
        return _uniform(tuple(shape), self.minval, self.maxval, self._generator(), dtype)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


class TruncatedNormal(_Seeded):
    """Normal samples within ``mean ± 2 stddev`` (others redrawn). Alias ``'truncated_normal'``.

    Example: ``TruncatedNormal(stddev=1.0, seed=0)((1000,))`` lies within ``[-2, 2]``.
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def __call__(self, shape, dtype=None):
        return _truncated_normal(tuple(shape), self.mean, self.stddev, self._generator(), dtype)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class VarianceScaling(_Seeded):
    """Samples scaled to the kernel's fans (Keras 2.3).

    ``n`` is ``fan_in``, ``fan_out`` or their mean (``mode``), at least 1.
    ``distribution='normal'`` (or ``'truncated_normal'``): truncated normal with
    ``stddev = sqrt(scale / n) / 0.8796...``; ``'untruncated_normal'``: ``N(0, scale / n)``;
    ``'uniform'``: ``U(±sqrt(3 * scale / n))``.

    Example::

        init = VarianceScaling(scale=2.0, mode="fan_in", distribution="normal")  # he_normal
        kernel = init((3, 3, 8, 16))     # fan_in = 3*3*8 = 72
    """

    _MODES = ("fan_in", "fan_out", "fan_avg")
    _DISTRIBUTIONS = ("normal", "uniform", "truncated_normal", "untruncated_normal")

    def __init__(self, scale=1.0, mode="fan_in", distribution="normal", seed=None):
        if scale <= 0.0:
            raise ValueError(f"VarianceScaling: `scale` must be a positive float; got {scale!r}.")
        if not isinstance(mode, str) or mode.lower() not in self._MODES:
            raise ValueError(
                f"VarianceScaling: `mode` must be one of {', '.join(self._MODES)}; got {mode!r}."
            )
        if not isinstance(distribution, str) or distribution.lower() not in self._DISTRIBUTIONS:
            raise ValueError(
                f"VarianceScaling: `distribution` must be one of "
                f"{', '.join(self._DISTRIBUTIONS)}; got {distribution!r}."
            )
        self.scale = scale
        self.mode = mode.lower()
        self.distribution = distribution.lower()
        self.seed = seed

    def __call__(self, shape, dtype=None):
        shape = tuple(shape)
        fan_in, fan_out = compute_fans(shape)
        if self.mode == "fan_in":
            n = max(1.0, fan_in)
        elif self.mode == "fan_out":
            n = max(1.0, fan_out)
        else:
            n = max(1.0, float(fan_in + fan_out) / 2.0)
        scale = self.scale / n
        generator = self._generator()
        if self.distribution in ("normal", "truncated_normal"):
            stddev = math.sqrt(scale) / TRUNCATION_STDDEV
            return _truncated_normal(shape, 0.0, stddev, generator, dtype)
        if self.distribution == "untruncated_normal":
            return _normal(shape, 0.0, math.sqrt(scale), generator, dtype)
        limit = math.sqrt(3.0 * scale)
        return _uniform(shape, -limit, limit, generator, dtype)

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                "seed": self.seed}


class Orthogonal(Initializer):
    """A random orthogonal matrix (of the kernel flattened to ``(prod(shape[:-1]), shape[-1])``)
    times ``gain``. Alias ``'orthogonal'``.

    With a seed the draw is NumPy's ``RandomState(seed).normal`` followed by an SVD, exactly as
    in Keras 2.3, so a seeded Orthogonal gives Keras's matrix.

    Example: ``w = Orthogonal(seed=0)((4, 4)); w.T @ w`` is the identity.
    """

    def __init__(self, gain=1.0, seed=None):
        self.gain, self.seed = gain, seed

    def __call__(self, shape, dtype=None):
        shape = tuple(shape)
        if len(shape) < 2:
            raise ValueError(
                f"Orthogonal: the shape must have at least 2 dimensions; got {shape!r}."
            )
        flat_shape = (int(np.prod(shape[:-1])), shape[-1])
        if self.seed is not None:
            a = np.random.RandomState(int(self.seed)).normal(0.0, 1.0, flat_shape)
            self.seed += 1
        else:
            a = torch.randn(flat_shape, dtype=torch.float64).numpy()
        u, _, v = np.linalg.svd(a, full_matrices=False)
        q = u if u.shape == flat_shape else v
        q = q.reshape(shape)
        return torch.as_tensor(self.gain * q[: shape[0], : shape[1]], dtype=torch_dtype(dtype))

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed}


class Identity(Initializer):
    """``gain`` times the identity matrix (2-D shapes only). Alias ``'identity'``.

    Example: ``Identity(gain=2.0)((2, 2))`` is ``[[2, 0], [0, 2]]``.
    """

    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        shape = tuple(shape)
        if len(shape) != 2:
            raise ValueError(
                "Identity: the identity matrix initializer can only be used for 2D matrices; "
                f"got shape {shape!r}."
            )
        return self.gain * torch.eye(shape[0], shape[1], dtype=torch_dtype(dtype))

    def get_config(self):
        return {"gain": self.gain}


def glorot_uniform(seed=None):
    """Glorot (Xavier) uniform: ``U(±sqrt(6 / (fan_in + fan_out)))``.

    Example: ``glorot_uniform()((4, 2))`` draws from ``U(-1, 1)``.
    """
    return VarianceScaling(scale=1.0, mode="fan_avg", distribution="uniform", seed=seed)


def glorot_normal(seed=None):
    """Glorot (Xavier) truncated normal, ``stddev = sqrt(2 / (fan_in + fan_out))``."""
    return VarianceScaling(scale=1.0, mode="fan_avg", distribution="normal", seed=seed)


def he_normal(seed=None):
    """He truncated normal, ``stddev = sqrt(2 / fan_in)``."""
    return VarianceScaling(scale=2.0, mode="fan_in", distribution="normal", seed=seed)


def he_uniform(seed=None):
    """He uniform: ``U(±sqrt(6 / fan_in))``."""
    return VarianceScaling(scale=2.0, mode="fan_in", distribution="uniform", seed=seed)


def lecun_normal(seed=None):
    """LeCun truncated normal, ``stddev = sqrt(1 / fan_in)``."""
    return VarianceScaling(scale=1.0, mode="fan_in", distribution="normal", seed=seed)


def lecun_uniform(seed=None):
    """LeCun uniform: ``U(±sqrt(3 / fan_in))``."""
    return VarianceScaling(scale=1.0, mode="fan_in", distribution="uniform", seed=seed)
