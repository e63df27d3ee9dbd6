"""Global settings: ``floatx``, ``epsilon``, ``image_data_format``, the learning phase, name
counters and ``clear_session``.

``set_learning_phase`` fixes the phase of the calling thread (lamella's phase is per thread,
``lamella.engine.learning_phase``): layers called directly then run in that phase, and
``learning_phase()`` returns the fixed ``0``/``1`` as Keras does. ``fit``/``evaluate``/
``predict`` still run their own phase inside their loop.

Example::

    from lamella import backend as K

    K.set_floatx("float64")
    K.set_image_data_format("channels_first")
    K.normalize_data_format(None)       # 'channels_first'
"""

import numpy as np
import torch

from lamella.engine import learning_phase as _phase
from lamella.engine import naming

_EPSILON = 1e-7
_FLOATX = "float32"
_IMAGE_DATA_FORMAT = "channels_last"
_FLOATX_NAMES = ("float16", "float32", "float64", "bfloat16")
_DATA_FORMATS = ("channels_first", "channels_last")


def epsilon():
    """The fuzz factor of numeric expressions (``1e-7``)."""
    return _EPSILON


def set_epsilon(e):
    """Set the fuzz factor ``epsilon()`` returns."""
    global _EPSILON
    try:
        _EPSILON = float(e)
    except (TypeError, ValueError):
        raise ValueError(f"set_epsilon: expected a number, got {e!r}") from None


def floatx():
    """The default float type name: ``'float32'``."""
    return _FLOATX


def set_floatx(floatx):
    """Set the default float type: ``'float16'``, ``'float32'``, ``'float64'`` (or torch's
    ``'bfloat16'``)."""
    global _FLOATX
    if floatx not in _FLOATX_NAMES:
        raise ValueError(f"Unknown floatx type: {floatx!r}; expected one of {_FLOATX_NAMES}")
    _FLOATX = str(floatx)


def cast_to_floatx(x):
    """A NumPy array of ``x`` with ``floatx()``'s dtype (Keras's, on arrays, not tensors)."""
    if torch.is_tensor(x):
        x = x.detach().cpu().numpy()
    if _FLOATX == "bfloat16":
        raise ValueError("cast_to_floatx: NumPy has no bfloat16; use K.cast on a tensor")
    return np.asarray(x, dtype=_FLOATX)


def image_data_format():
    """The default image data format: ``'channels_last'`` or ``'channels_first'``."""
    return _IMAGE_DATA_FORMAT


def set_image_data_format(data_format):
    """Set the default image data format."""
    global _IMAGE_DATA_FORMAT
    if data_format not in _DATA_FORMATS:
        raise ValueError(f"Unknown data_format: {data_format!r}; expected one of "
                         f"{_DATA_FORMATS}")
    _IMAGE_DATA_FORMAT = str(data_format)


def normalize_data_format(value):
    """``value`` lower-cased and checked, or ``image_data_format()`` when it is ``None``."""
    if value is None:
        value = image_data_format()
    data_format = str(value).lower()
    if data_format not in _DATA_FORMATS:
        raise ValueError('The `data_format` argument must be one of "channels_first", '
                         f'"channels_last". Received: {value}')
    return data_format


def backend():
    """The name of the backend: ``'pytorch'``."""
    return "pytorch"


def get_uid(prefix=""):
    """The next number for ``prefix`` (1, 2, ...), the counter layer names use."""
    return naming.get_uid(prefix)


def reset_uids():
    """Reset every name counter (layers are named ``dense_1`` again)."""
    naming.reset_uids()


def clear_session():
    """Reset the name counters (``dense_1`` again) and any learning phase fixed by
    ``set_learning_phase``, as Keras's ``clear_session`` does. torch has no graph or session to
    destroy: models are freed when no longer referenced."""
    naming.reset_uids()
    _phase.fix(None)


def manual_variable_initialization(value):
    """Accepted for Keras scripts; torch variables are initialised when created, so there is
    nothing to defer. ``value`` must be a bool."""
    if not isinstance(value, (bool, int, np.bool_)):
        raise ValueError(f"manual_variable_initialization: expected a bool, got {value!r}")


class LearningPhase(torch.Tensor):
    """The 0-d bool tensor ``K.learning_phase()`` returns: the calling thread's phase when it
    was asked for (``False`` outside any). ``in_train_phase`` reads it; a ``K.function``
    recognises it among its inputs by this type and feeds it the value it is given.
    """

    # Results of operations on it are plain tensors, not learning phases.
    __torch_function__ = torch._C._disabled_torch_function_impl


def learning_phase():
    """The learning phase: the ``0``/``1`` fixed by ``set_learning_phase`` (Keras returns that
    integer), otherwise a 0-d bool tensor (:class:`LearningPhase`), ``True`` while training.

    Example::

        K.in_train_phase(x * 2, x, training=K.learning_phase())
    """
    fixed = _phase.fixed()
    current = _phase.current()
    if fixed is not None and (current is None or bool(current) == bool(fixed)):
        return fixed
    value = torch.tensor(bool(current))
    return torch.Tensor._make_subclass(LearningPhase, value)


def set_learning_phase(value):
    """Fix the learning phase of this thread to ``0`` (inference) or ``1`` (training)."""
    if value not in (0, 1):
        raise ValueError(f"Expected learning phase to be 0 or 1, got {value!r}")
    _phase.fix(int(value))
