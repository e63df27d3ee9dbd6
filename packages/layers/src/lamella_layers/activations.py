"""Keras 2.3's activation functions on torch tensors, with Keras's exact maths.

Each function is registered under its own name, so ``lamella.activations.get('relu')`` and
``Dense(4, activation='relu')`` find it, and ``lamella.activations.serialize(relu) == 'relu'``.

Example::

    import torch
    from lamella_layers.activations import relu, softmax

    relu(torch.tensor([-1.0, 2.0, 9.0]), max_value=6.0)   # tensor([0., 2., 6.])
    softmax(torch.zeros(2, 4))                            # every entry 0.25
"""

import torch
import torch.nn.functional as F

__all__ = [
    "softmax", "elu", "selu", "softplus", "softsign", "relu", "tanh", "sigmoid",
    "hard_sigmoid", "exponential", "linear",
]

#: The constants of ``selu`` (Klambauer et al., 2017), as in Keras.
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def softmax(x, axis=-1):
    """Softmax along ``axis``; Keras refuses 1-D input.

    As in Keras 2.3.1 (``K.softmax(x)`` for ``ndim == 2``), a 2-D input is always normalised
    along its last axis and ``axis`` is ignored (measured against real Keras 2.3.1:
    tools/keras231/make_activation_fixtures.py).

    Example: ``softmax(torch.tensor([[1.0, 1.0]]))`` is ``[[0.5, 0.5]]``.
    """
    if x.dim() == 1:
        raise ValueError("Cannot apply softmax to a tensor that is 1D. Received input: %r" % (x,))
    if x.dim() == 2:
        return torch.softmax(x, dim=-1)
    return torch.softmax(x, dim=axis)


def elu(x, alpha=1.0):
    """``x`` if ``x > 0`` else ``alpha * (exp(x) - 1)``.

    Example: ``elu(torch.tensor([-1.0]))`` is ``[-0.6321]``.
    """
    return F.elu(x, alpha=alpha)


def selu(x):
    """``scale * elu(x, alpha)`` with the fixed SELU constants.

    Example: ``selu(torch.tensor([1.0]))`` is ``[1.0507]``.
    """
    return SELU_SCALE * F.elu(x, alpha=SELU_ALPHA)


def softplus(x):
    """``log(exp(x) + 1)``.

    Example: ``softplus(torch.tensor([0.0]))`` is ``[0.6931]``.
    """
    return F.softplus(x)


def softsign(x):
    """``x / (abs(x) + 1)``.

    Example: ``softsign(torch.tensor([1.0]))`` is ``[0.5]``.
    """
    return x / (x.abs() + 1)


def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    """Keras's generalised ReLU.

    ``x`` for ``threshold < x < max_value``; ``max_value`` at and above ``max_value``;
    ``alpha * (x - threshold)`` below ``threshold`` (Keras's ``K.relu``, TF backend).

    Example: ``relu(torch.tensor([-2.0, 1.0]), alpha=0.1)`` is ``[-0.2, 1.0]``.
    """
    negative_part = None
    if alpha != 0.0:
        if max_value is None and threshold == 0.0:
            return F.leaky_relu(x, alpha)  # tf.nn.leaky_relu: x if x > 0 else alpha * x
        negative_part = F.relu(threshold - x) if threshold != 0.0 else F.relu(-x)
    clip_max = max_value is not None
    if threshold != 0.0:
        x = x * (x > threshold).to(x.dtype)
    else:
        x = F.relu(x)
    if clip_max:
        x = torch.clamp(x, 0.0, float(max_value))
    if negative_part is not None:
        x = x - alpha * negative_part
    return x


def tanh(x):
    """The hyperbolic tangent.

    Example: ``tanh(torch.tensor([0.0]))`` is ``[0.0]``.
    """
    return torch.tanh(x)


def sigmoid(x):
    """``1 / (1 + exp(-x))``.

    Example: ``sigmoid(torch.tensor([0.0]))`` is ``[0.5]``.
    """
    return torch.sigmoid(x)


def hard_sigmoid(x):
    """``0.2 * x + 0.5`` clipped to ``[0, 1]`` (Keras's piecewise-linear sigmoid).

    Example: ``hard_sigmoid(torch.tensor([-3.0, 0.0, 1.0]))`` is ``[0.0, 0.5, 0.7]``.
    """
    return torch.clamp(0.2 * x + 0.5, 0.0, 1.0)


def exponential(x):
    """``exp(x)``.

    Example: ``exponential(torch.tensor([0.0]))`` is ``[1.0]``.
    """
    return torch.exp(x)


def linear(x):
    """The identity; what ``activation=None`` means.

    Example: ``linear(t) is t``.
    """
    return x
