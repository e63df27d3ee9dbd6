"""The swish activation, ``x * sigmoid(x)`` (also known as SiLU)."""

import torch


def swish(x):
    """Swish: ``x * sigmoid(x)``; smooth, non-monotonic, unbounded above."""
    return x * torch.sigmoid(x)
