"""Minimal components for the core's own tests, so they run with only lamella-core installed.

They are lamella.testing's stand-ins under the names these tests were written with.
"""

from lamella.testing import PlainSGD as ToySGD  # noqa: F401
from lamella.testing import SeededDense as ToyDense  # noqa: F401
from lamella.testing import mean_squared_error as mse  # noqa: F401
