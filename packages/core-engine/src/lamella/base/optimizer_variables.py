"""An optimizer's hyper-parameters as backend variables, as Keras 2.3.1 has them.

In Keras 2.3.1 ``optimizer.learning_rate`` (alias ``lr``), ``iterations``, ``decay``,
``momentum``, ``rho``, ``beta_1`` and ``beta_2`` are ``K.variable``s, so that a callback can
``K.set_value(self.model.optimizer.lr, new_lr)`` between two batches and the next update uses
the new value. :class:`HyperParameter` holds one such variable (what ``K.variable`` returns: a
CPU scalar ``torch.nn.Parameter``) together with its value as a Python number, read through
a NumPy view of the variable's memory: reading it each step costs a fraction of a microsecond
and never a device synchronisation (the variable stays on the CPU whatever device the model is
on), and every write (``K.set_value``, ``K.update``, an in-place op) is seen by the next step.

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

from lamella.backend import variables as backend_variables

#: The Keras 2.3.1 hyper-parameter names that become variables whenever an optimizer (a
#: first-party one or a plugin's) assigns them a number. ``learning_rate``, ``decay`` and
#: ``iterations`` are the base class's own.
VARIABLE_HYPERPARAMETERS = frozenset({"momentum", "rho", "beta_1", "beta_2"})


class HyperParameter:
    """One hyper-parameter: its backend ``variable`` and its value as a Python number.

    ``read()`` is what the update maths uses; ``write(number)`` sets the variable in place (so
    a reference a callback holds stays valid). Both go through a NumPy view of the variable's
    CPU memory, a fraction of a microsecond each (a torch in-place op under ``no_grad`` costs
    tens). ``read()`` returns the number last written, unrounded, while the variable still
    holds it; once anything else changed the variable (``K.set_value``, ``K.update``, an
    in-place op), it returns the variable's value.

    Example::

        hp = HyperParameter(K.variable(0, dtype="int64", name="iterations"))
        hp.write(hp.read() + 1)
        K.get_value(hp.variable)     # 1
    """

    __slots__ = ("variable", "_array", "_cast", "_stored", "_value")

    def __init__(self, variable, value=None, array=None):
        self.variable = variable
        self._cast = float if variable.is_floating_point() else int
        if array is None:
            try:
                # Shares the variable's memory: no copy, no autograd, no dispatcher.
                array = variable.detach().numpy()
            except (TypeError, RuntimeError):  # a dtype NumPy lacks (bfloat16): torch ops
                array = None
        self._array = array
        self._stored = self._value = None
        if value is not None and self._current() == self._round(value):
            self._stored, self._value = self._current(), self._cast(value)

    def _current(self):
        return self._array.item() if self._array is not None else self.variable.item()

    def _round(self, value):
        """``value`` as the variable stores it, back as a Python number."""
        if self._array is not None:
            return self._array.dtype.type(value).item()
        return torch.tensor(value, dtype=self.variable.dtype).item()

    # A copy's variable is a new tensor: the NumPy view is made again, and the exact number
    # last written travels along while the variable still holds it.
    def __getstate__(self):
        return self.variable, self.read()

    def __setstate__(self, state):
        HyperParameter.__init__(self, *state)

    def __deepcopy__(self, memo):
        variable, value = self.__getstate__()
        return HyperParameter(copy.deepcopy(variable, memo), value)

    def read(self):
        """The variable's current value as a Python ``float`` (``int`` for an integer one)."""
        stored = self._array.item() if self._array is not None else self.variable.item()
        if stored != self._stored:       # written by someone else since (or never read)
            self._stored = self._value = stored
        return self._value

    def write(self, value):
        """Set the variable to ``value`` in place; ``read()`` then returns ``value`` itself
        (not its float32 rounding): the update maths uses the number the user gave, so a
        float64 model trains with the exact rate."""
        array = self._array
        if array is not None:
            array.fill(value)
            # An int is stored exactly (the step counter's write, every step, skips the read).
            self._stored = value if type(value) is int else array.item()
        else:
            with torch.no_grad():
                self.variable.fill_(value)
            self._stored = self.variable.item()
        self._value = self._cast(value)


def new_variable(value, dtype=None, name=None):
    """``(K.variable(value, dtype, name), array)``: the variable's memory is the NumPy
    ``array``'s, made from ``value`` (nothing is read back from a tensor), or ``array`` is
    ``None`` for a dtype NumPy lacks.

    Example::

        variable, array = new_variable(0.5, name="SGD/learning_rate")
        array[...] = 0.25          # K.get_value(variable) is now 0.25
    """
    variable = backend_variables.variable(value, dtype=dtype, name=name)
    numpy_dtype = _NUMPY_DTYPES.get(variable.dtype)
    if numpy_dtype is None:
        return variable, None
    array = np.array(value, dtype=numpy_dtype)
    variable.data = torch.from_numpy(array)
    return variable, array


_NUMPY_DTYPES = {torch.float16: np.float16, torch.float32: np.float32,
                 torch.float64: np.float64, torch.int32: np.int32, torch.int64: np.int64}


class HyperAttribute:
    """The class attribute behind ``optimizer.<name>`` for a hyper-parameter ``name``.

    Reading gives the variable, or, inside the optimizer's own ``_apply``, ``_create_slots``
    and ``get_config``, its current value as a Python number (one dict lookup and a NumPy
    read: no ``__getattr__`` fallback, nothing copied per step). An optimizer that keeps the
    name as a plain attribute (not a number, or one of its ``_constant_hyperparameters``) gets
    that attribute. Assigning goes to ``Optimizer._set_hyperparameter``.

    Example::

        Adam.beta_1            # HyperAttribute('beta_1')
        Adam().beta_1          # Variable 'Adam/beta_1' containing: tensor(0.9000)
    """

    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        state = obj.__dict__
        entry = state.get("_hyper", _NONE).get(self.name)
        if entry is None:
            try:
                return state[self.name]
            except KeyError:
                raise AttributeError(f"{type(obj).__name__!r} object has no attribute "
                                     f"{self.name!r}") from None
        return entry.read() if state["_numbers_view"] else entry.variable

    def __set__(self, obj, value):
        if "_hyper" not in obj.__dict__:  # before Optimizer.__init__ ran
            obj.__dict__[self.name] = value
        else:
            obj._set_hyperparameter(self.name, value)

    def __delete__(self, obj):
        obj.__dict__.get("_hyper", {}).pop(self.name, None)
        obj.__dict__.pop(self.name, None)

    def __repr__(self):
        return f"HyperAttribute({self.name!r})"


_NONE = {}


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
