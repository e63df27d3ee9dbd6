"""``ModelCheckpoint``: save the model (or its weights) after every ``period`` epochs."""

import os
import warnings

import numpy as np

from lamella.engine.callbacks import Callback
from lamella_callbacks._monitor import as_float, initial_best, resolve_mode


class ModelCheckpoint(Callback):
    """Save the model after every ``period`` epochs, as Keras 2.3.1 does.

    ``filepath`` is formatted with ``filepath.format(epoch=epoch + 1, **logs)``, so
    ``"weights.{epoch:02d}-{val_loss:.2f}.h5"`` names each file after its (1-based) epoch and
    validation loss. With ``save_best_only`` a file is written only when ``monitor`` improves
    on the best value so far (``mode='auto'`` maximises names containing ``'acc'`` or starting
    with ``'fmeasure'``, minimises the rest). ``save_weights_only`` calls
    ``model.save_weights`` instead of ``model.save``; the format follows the extension (HDF5
    for ``.h5`` through lamella-io).

    Every file is written to a temporary file in the same folder, flushed to disk and renamed
    into place (``model.save`` does this for every file format, see :mod:`lamella.saving`), so
    a crash in the middle of a save leaves the previous checkpoint loadable. A missing folder
    in ``filepath`` is created.

    Example::

        checkpoint = ModelCheckpoint("ckpt/weights.{epoch:02d}-{val_loss:.2f}.h5",
                                     save_best_only=True, verbose=1)
        model.fit(x, y, validation_split=0.2, epochs=10, callbacks=[checkpoint])
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", period=1):
        super().__init__()
        self.monitor = monitor
        self.verbose = verbose
        self.filepath = filepath
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.period = period
        self.epochs_since_last_save = 0
        self.mode = resolve_mode("ModelCheckpoint", mode, monitor, fmeasure=True)
        self.monitor_op = np.greater if self.mode == "max" else np.less
        self.best = initial_best(self.mode)

    def _format_path(self, epoch, logs):
        try:
            return str(self.filepath).format(epoch=epoch + 1, **logs)
        except KeyError as exc:
            key = exc.args[0]
            where = (" Validation values (val_*) exist only on epochs that validate: pass "
                     "validation_data or validation_split to fit()."
                     if str(key).startswith("val_") else "")
            raise KeyError(
                f"ModelCheckpoint: the file path {self.filepath!r} names {{{key}}}, which this "
                f"epoch's logs do not have (they have: epoch, {', '.join(sorted(logs))}).{where}"
            ) from None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        self.epochs_since_last_save += 1
        if self.epochs_since_last_save < self.period:
            return
        self.epochs_since_last_save = 0
        filepath = self._format_path(epoch, logs)
        if not self.save_best_only:
            if self.verbose > 0:
                print("\nEpoch %05d: saving model to %s" % (epoch + 1, filepath))
            self._save(filepath)
            return
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn("Can save best model only with %s available, skipping."
                          % (self.monitor,), RuntimeWarning, stacklevel=2)
            return
        current = as_float(current)
        if self.monitor_op(current, self.best):
            if self.verbose > 0:
                print("\nEpoch %05d: %s improved from %0.5f to %0.5f, saving model to %s"
                      % (epoch + 1, self.monitor, self.best, current, filepath))
            self.best = current
            self._save(filepath)
        elif self.verbose > 0:
            print("\nEpoch %05d: %s did not improve from %0.5f"
                  % (epoch + 1, self.monitor, self.best))

    def _save(self, filepath):
        # No temporary file here: model.save/save_weights already write atomically.
        folder = os.path.dirname(filepath)
        if folder:
            os.makedirs(folder, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(filepath, overwrite=True)
        else:
            self.model.save(filepath, overwrite=True)
