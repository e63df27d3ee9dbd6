"""lamella_optimizers: Keras 2.3 optimizers and learning-rate schedules for lamella."""

from lamella._version import __version__
