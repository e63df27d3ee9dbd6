"""lamella_io: Keras-compatible files (HDF5, YAML), datasets and preprocessing for lamella."""

from lamella._version import __version__

__all__ = ["__version__"]
