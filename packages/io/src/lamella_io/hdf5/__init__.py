"""Keras-compatible HDF5 weights and model files (the ``h5`` saver)."""

from lamella_io.hdf5.files import HDF5FormatError
from lamella_io.hdf5.saver import SAVER, HDF5Saver

__all__ = ["HDF5FormatError", "HDF5Saver", "SAVER"]
