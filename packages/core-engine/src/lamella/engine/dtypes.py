"""Turning the dtypes users write (Keras's names, NumPy's dtypes, torch's) into ``torch.dtype``.

One converter for the layer base class, the metrics and ``lamella.backend``, which all accept
``'float32'``, ``np.float32`` or ``torch.float32`` alike.
"""

import numpy as np
import torch

#: Names already resolved; dtype names are few, and ``K.cast`` may sit in a per-step loss.
_BY_NAME = {}


def as_torch_dtype(dtype):
    """The ``torch.dtype`` for ``dtype``: a ``torch.dtype``, a name (``'float32'``, ``'int64'``,
    ``'bool'``, ``'bfloat16'``, ``'torch.int64'``), a NumPy dtype or scalar type (``np.float32``,
    ``np.dtype('int64')``) or a Python scalar type (``float`` is NumPy's float64).

    Raises ``ValueError`` naming ``dtype`` for anything else.

    Example::

        >>> as_torch_dtype("float32"), as_torch_dtype(np.int64), as_torch_dtype(torch.bool)
        (torch.float32, torch.int64, torch.bool)
    """
    if isinstance(dtype, torch.dtype):
        return dtype
    if isinstance(dtype, str):
        found = _BY_NAME.get(dtype)
        if found is None:
            found = _BY_NAME[dtype] = _from_name(dtype, dtype)
        return found
    if isinstance(dtype, np.dtype) or (isinstance(dtype, type) and issubclass(
            dtype, (np.generic, bool, int, float, complex))):
        try:
            name = np.dtype(dtype).name
        except TypeError:
            name = None  # an abstract type such as np.floating
        if name is not None:
            return _from_name(name, dtype)
    raise _not_a_dtype(dtype)


#: torch's dtypes by their names on the torch module ('float32', 'float', 'int64', ...): a name,
#: which may come from a file, is only ever a key here, never an attribute looked up on torch.
_TORCH_DTYPES = {name: value for name, value in vars(torch).items()
                 if isinstance(value, torch.dtype)}


def _from_name(name, original):
    # A name is a torch dtype's name, as lamella always took it ('float' is torch's float32),
    # after dropping the 'torch.' that str(torch.int64) carries.
    found = _TORCH_DTYPES.get(name[len("torch."):] if name.startswith("torch.") else name)
    if found is None:
        raise _not_a_dtype(original)
    return found


def _not_a_dtype(value):
    return ValueError(
        f"Not a dtype: {value!r}. Use a torch.dtype, a dtype name such as 'float32', 'int64' or "
        f"'bool', or a NumPy dtype such as np.float32."
    )


class DType(str):
    """A symbolic tensor's dtype: its Keras name (``'float32'``, a ``str`` as Keras's
    ``K.dtype`` returns), which also answers what scripts ask of a TensorFlow ``DType``
    (``.name``, ``.as_numpy_dtype``, ``.is_floating``) and compares equal to the torch and
    NumPy dtypes of that name, as a PyTorch user compares ``x.dtype == torch.float32``.

    Example::

        dtype = lamella.Input(shape=(3,)).dtype
        dtype == "float32" and dtype == torch.float32 and dtype.name == "float32"   # True
    """

    __slots__ = ()

    @classmethod
    def of(cls, dtype):
        """``dtype`` (a name, ``torch.dtype`` or NumPy dtype) as a :class:`DType`."""
        if isinstance(dtype, cls):
            return dtype
        if isinstance(dtype, str) and dtype in _BY_NAME:
            return cls(dtype)
        return cls(str(as_torch_dtype(dtype)).replace("torch.", ""))

    @property
    def name(self):
        return str(self)

    @property
    def base_dtype(self):
        return self

    @property
    def torch_dtype(self):
        return as_torch_dtype(str(self))

    @property
    def as_numpy_dtype(self):
        return np.dtype(str(self)).type

    @property
    def is_floating(self):
        return self.torch_dtype.is_floating_point

    @property
    def is_complex(self):
        return self.torch_dtype.is_complex

    @property
    def is_integer(self):
        return not (self.is_floating or self.is_complex or self.is_bool)

    @property
    def is_bool(self):
        return self.torch_dtype is torch.bool

    def __eq__(self, other):
        if isinstance(other, str):
            return str.__eq__(self, other)
        try:
            return self.torch_dtype == as_torch_dtype(other)
        except (ValueError, TypeError):
            return NotImplemented

    def __ne__(self, other):
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    __hash__ = str.__hash__
