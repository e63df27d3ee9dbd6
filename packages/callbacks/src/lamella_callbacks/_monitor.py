"""Keras's rules for a monitored quantity: which direction counts as better, and reading it."""

import warnings

import numpy as np


def resolve_mode(owner, mode, monitor, fmeasure=False):
    """``'min'`` or ``'max'`` for ``mode``, with Keras's ``'auto'`` rule.

    In auto mode a monitor whose name contains ``'acc'`` is maximised (ModelCheckpoint also
    maximises names starting with ``'fmeasure'``, as Keras 2.3.1 does); anything else is
    minimised. An unknown mode warns and falls back to auto, as in Keras.

    >>> resolve_mode("EarlyStopping", "auto", "val_acc")
    'max'
    """
    if mode not in ("auto", "min", "max"):
        warnings.warn(f"{owner} mode {mode} is unknown, fallback to auto mode.", RuntimeWarning,
                      stacklevel=3)
        mode = "auto"
    if mode != "auto":
        return mode
    if "acc" in monitor or (fmeasure and monitor.startswith("fmeasure")):
        return "max"
    return "min"


def as_float(value):
    """A log value as a Python float (NumPy scalars, 0-d arrays and tensors included)."""
    if hasattr(value, "item"):
        value = value.item()
    return float(value)


def initial_best(mode):
    return np.inf if mode == "min" else -np.inf
