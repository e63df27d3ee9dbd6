"""An optimizer's hyper-parameters as backend variables, as Keras 2.3.1 has them.

In Keras 2.3.1 ``optimizer.learning_rate`` (alias ``lr``), ``iterations``, ``decay``,
``momentum``, ``rho``, ``beta_1`` and ``beta_2`` are ``K.variable``s, so that a callback can
``K.set_value(self.model.optimizer.lr, new_lr)`` between two batches and the next update uses
the new value. :class:`HyperParameter` holds one such variable (what ``K.variable`` returns: a
CPU scalar ``torch.nn.Parameter``) together with its value as a Python number, re-read only when
the variable changed. The change is detected from torch's version counter, which every in-place
write (``K.set_value``, ``K.update``, ``copy_``) bumps: reading the value each step costs an
attribute comparison, and never a device synchronisation (the variable stays on the CPU
whatever device the model is on).

Example::

    from lamella import backend as K

    hp = HyperParameter(K.variable(0.01, name="SGD/learning_rate"))
    hp.read()                    # 0.009999999776482582 (the float32 variable's value)
    K.set_value(hp.variable, 0.5)
    hp.read()                    # 0.5
    hp.write(0.01)
    hp.read()                    # 0.01: the number written (the variable holds its float32)
"""

import copy
import numbers

import numpy as np
import torch

#: The Keras 2.3.1 hyper-parameter names that become variables whenever an optimizer (a
#: first-party one or a plugin's) assigns them a number. ``learning_rate``, ``decay`` and
#: ``iterations`` are the base class's own.
VARIABLE_HYPERPARAMETERS = frozenset({"momentum", "rho", "beta_1", "beta_2"})

#: Keras's legacy spelling of ``learning_rate``.
ALIASES = {"lr": "learning_rate"}


class HyperParameter:
    """One hyper-parameter: its backend ``variable`` and its value as a cached Python number.

    ``read()`` is what the update maths uses; ``write(number)`` sets the variable in place (so
    a reference a callback holds stays valid).

    Example::

        hp = HyperParameter(K.variable(0, dtype="int64", name="iterations"))
        hp.write(hp.read() + 1)
        K.get_value(hp.variable)     # 1
    """

    __slots__ = ("variable", "_cast", "_version", "_value")

    def __init__(self, variable):
        self.variable = variable
        self._cast = float if variable.is_floating_point() else int
        self._version = -1  # no value cached yet
        self._value = None

    # A copy's variable is a new tensor with a version counter of its own: the cached number
    # travels only while it is current, and is tied to the new tensor's version.
    def __getstate__(self):
        fresh = self._version == self.variable._version
        return self.variable, (self._value if fresh else None)

    def __setstate__(self, state):
        self.variable, value = state
        self._cast = float if self.variable.is_floating_point() else int
        self._value = value
        self._version = -1 if value is None else self.variable._version

    def __deepcopy__(self, memo):
        copied = HyperParameter.__new__(HyperParameter)
        variable, value = self.__getstate__()
        copied.__setstate__((copy.deepcopy(variable, memo), value))
        return copied

    def read(self):
        """The variable's current value as a Python ``float`` (``int`` for an integer one)."""
        variable = self.variable
        version = variable._version
        if version != self._version:
            # A CPU scalar: .item() is a memory read, not a device synchronisation.
            self._value = self._cast(variable.item())
            self._version = version
        return self._value

    def write(self, value):
        """Set the variable to ``value`` in place. ``read()`` then returns ``value`` itself,
        not its float32 rounding, until something else writes into the variable: the update
        maths uses the number the user gave (a float64 model trains with the exact rate)."""
        variable = self.variable
        with torch.no_grad():
            variable.fill_(value)
        self._value = self._cast(value)
        self._version = variable._version


def is_number(value):
    """Whether ``value`` is a real number a hyper-parameter variable can take (a Python or
    NumPy number, a 0-d array, a one-element tensor that is not itself a variable)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, numbers.Real):
        return True
    if isinstance(value, np.ndarray):
        return value.ndim == 0 and np.issubdtype(value.dtype, np.number)
    if torch.is_tensor(value):
        return value.numel() == 1 and not isinstance(value, torch.nn.Parameter)
    return False


def as_number(owner, name, value):
    """``value`` as a Python number for the hyper-parameter ``name``, or a clear error."""
    if not is_number(value):
        raise TypeError(f"{owner}: {name} must be a number or a backend variable "
                        f"(K.variable), got {type(value).__name__} {value!r}")
    return value.item() if hasattr(value, "item") else value


def check_scalar_variable(owner, name, variable):
    """Refuse a variable that cannot be a hyper-parameter (it must hold one number, on the
    CPU, so that reading it never waits for a device)."""
    if variable.numel() != 1:
        raise ValueError(f"{owner}: {name} must be a scalar variable, got one of shape "
                         f"{tuple(variable.shape)}")
    if variable.device.type != "cpu":
        raise ValueError(f"{owner}: {name} must be a CPU variable (it is read on the host "
                         f"every step), got one on {variable.device}")
    return variable


def get_hyperparameter(optimizer, name):
    """``K.get_value(optimizer.<name>)`` as a Python float, as Keras 2.3.1's callbacks read a
    hyper-parameter; an optimizer stand-in holding a plain number works too.

    Example::

        get_hyperparameter(model.optimizer, "lr")       # 0.0010000000474974513
    """
    value = getattr(optimizer, name)
    if torch.is_tensor(value):
        return float(value.detach().cpu())
    return float(value)


def set_hyperparameter(optimizer, name, value):
    """``K.set_value(optimizer.<name>, value)``, as Keras 2.3.1's callbacks change a
    hyper-parameter (the variable keeps its identity, so code holding it sees the change); an
    optimizer stand-in holding a plain number, or a learning-rate schedule, is replaced by the
    value.

    Example::

        set_hyperparameter(model.optimizer, "lr", 0.01)
    """
    current = getattr(optimizer, name)
    if isinstance(current, torch.nn.Parameter) and "_hyper" not in vars(optimizer):
        with torch.no_grad():  # an object of its own holding a K.variable
            current.fill_(float(value))
    else:
        # A lamella optimizer writes a number into its variable in place (and keeps the exact
        # value for its maths); a stand-in's plain attribute is replaced.
        setattr(optimizer, name, float(value))
