"""lamella_layers: Keras 2.3 layers, activations, initializers, regularizers and constraints
for lamella."""

from lamella._version import __version__

__all__ = ["__version__"]
