"""NumPy names that Keras 2.3 scripts use and NumPy has since removed, restored in one process.

Keras 2.3 ran on NumPy 1.17, where ``np.float``, ``np.int``, ``np.object``, ``np.str``... were
aliases of the builtins; NumPy 1.24 and 2.0 removed them, so ``np.zeros(shape, dtype=np.float)``
(the convolutional LSTM example) fails with ``AttributeError`` before any Keras code runs.
``python -m lamella.run`` restores the missing ones with the values NumPy 1.17 had, in that
process only, so an unmodified script runs; a name NumPy still has is never touched.

Example::

    from lamella.numpy_aliases import install_numpy_aliases
    install_numpy_aliases()          # -> ('float', 'int', ...) on NumPy 2
    import numpy as np
    np.zeros(3, dtype=np.float)
"""

import warnings

import numpy


def _aliases():
    # name -> the object NumPy 1.17 gave for it
    return {
        "bool": bool, "int": int, "float": float, "complex": complex, "object": object,
        "str": str, "unicode": str, "long": int,
        "float_": numpy.float64, "complex_": numpy.complex128, "unicode_": numpy.str_,
        "string_": numpy.bytes_, "NaN": numpy.nan, "NAN": numpy.nan, "Inf": numpy.inf,
        "Infinity": numpy.inf, "PINF": numpy.inf, "NINF": -numpy.inf,
        "asscalar": lambda a: a.item(), "product": numpy.prod, "cumproduct": numpy.cumprod,
        "alltrue": numpy.all, "sometrue": numpy.any,
    }


def _missing(name):
    try:
        with warnings.catch_warnings():  # NumPy 2 warns that np.object/np.str will change
            warnings.simplefilter("ignore", FutureWarning)
            getattr(numpy, name)
    except AttributeError:  # NumPy 2 raises from its module __getattr__ with a migration hint
        return True
    return False


def install_numpy_aliases():
    """Set every alias NumPy lacks; returns the names set (empty on an old NumPy)."""
    installed = []
    for name, value in _aliases().items():
        if _missing(name):
            setattr(numpy, name, value)
            installed.append(name)
    return tuple(installed)
