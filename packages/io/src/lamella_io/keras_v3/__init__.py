"""Keras 3's native files: ``.keras`` zip archives and ``.weights.h5`` weights-only files.

One concept per module: :mod:`~lamella_io.keras_v3.archive` (the zip, read defensively),
:mod:`~lamella_io.keras_v3.config` (config dialects), :mod:`~lamella_io.keras_v3.weights_store`
(variable paths), :mod:`~lamella_io.keras_v3.optimizer_state` (optimizer slots) and
:mod:`~lamella_io.keras_v3.saver` (the savers registered with lamella).
"""

from lamella_io.keras_v3.archive import KerasArchiveError
from lamella_io.keras_v3.saver import SAVER, WEIGHTS_SAVER, KerasV3Saver, KerasWeightsSaver

__all__ = ["KerasArchiveError", "KerasV3Saver", "KerasWeightsSaver", "SAVER", "WEIGHTS_SAVER"]
