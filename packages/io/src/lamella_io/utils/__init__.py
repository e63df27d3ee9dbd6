"""Keras's file utilities for lamella: ``get_file``, ``HDF5Matrix``, ``H5Dict``.

``lamella.utils.get_file`` and ``lamella.utils.HDF5Matrix`` are these objects when lamella-io
is installed.
"""

from lamella_io.utils.data_utils import DownloadError, get_file, lamella_home, validate_file
from lamella_io.utils.h5dict import H5Dict
from lamella_io.utils.io_utils import HDF5Matrix

__all__ = ["DownloadError", "H5Dict", "HDF5Matrix", "get_file", "lamella_home", "validate_file"]
