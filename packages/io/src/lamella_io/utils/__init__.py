"""Keras's file utilities for lamella: ``get_file`` (download and cache) and ``HDF5Matrix``.

``lamella.utils.get_file`` and ``lamella.utils.HDF5Matrix`` are these objects when lamella-io
is installed.
"""

from lamella_io.utils.data_utils import DownloadError, get_file, lamella_home, validate_file
from lamella_io.utils.io_utils import HDF5Matrix

__all__ = ["DownloadError", "HDF5Matrix", "get_file", "lamella_home", "validate_file"]
