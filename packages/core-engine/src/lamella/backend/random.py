"""Random tensors: normal, uniform, truncated normal and binomial draws.

``seed`` makes a draw reproducible on its own (a private generator seeded with it); without
one, torch's global generator is used, so ``torch.manual_seed`` governs the draws.

Example::

    from lamella import backend as K

    noise = K.random_normal((32, 10), stddev=0.1, seed=1)
"""

import torch

from lamella.backend._tensors import floatx_dtype


def _shape(fn, shape):
    if torch.is_tensor(shape):
        shape = shape.tolist()
    if isinstance(shape, int):
        shape = (shape,)
    try:
        return tuple(int(s) for s in shape)
    except (TypeError, ValueError):
        raise ValueError(f"{fn}: shape must be a tuple of ints, got {shape!r}") from None


def _generator(seed):
    return None if seed is None else torch.Generator().manual_seed(int(seed))


def random_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Values drawn from a normal distribution with ``mean`` and ``stddev``."""
    dtype = floatx_dtype(dtype)
    out = torch.randn(_shape("random_normal", shape), generator=_generator(seed))
    return (out * stddev + mean).to(dtype)


def random_uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Values drawn uniformly from ``[minval, maxval)``."""
    dtype = floatx_dtype(dtype)
    out = torch.rand(_shape("random_uniform", shape), generator=_generator(seed))
    return (out * (maxval - minval) + minval).to(dtype)


def random_binomial(shape, p=0.0, dtype=None, seed=None):
    """``1`` with probability ``p`` and ``0`` otherwise."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"random_binomial: p must be in [0, 1], got {p!r}")
    dtype = floatx_dtype(dtype)
    draws = torch.rand(_shape("random_binomial", shape), generator=_generator(seed))
    return (draws <= p).to(dtype) if p == 1.0 else (draws < p).to(dtype)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Normal values with ``mean`` and ``stddev``, redrawn when more than two standard
    deviations from the mean (TensorFlow's truncated normal)."""
    dtype = floatx_dtype(dtype)
    out = torch.empty(_shape("truncated_normal", shape))
    torch.nn.init.trunc_normal_(out, mean=0.0, std=1.0, a=-2.0, b=2.0,
                                generator=_generator(seed))
    return (out * stddev + mean).to(dtype)
