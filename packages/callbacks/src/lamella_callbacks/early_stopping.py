"""``EarlyStopping``: stop training when a monitored quantity stops improving."""

import warnings

import numpy as np

from lamella.engine.callbacks import Callback
from lamella_callbacks._monitor import as_float, initial_best, resolve_mode


class EarlyStopping(Callback):
    """Stop training when ``monitor`` has not improved for ``patience`` epochs (Keras 2.3.1).

    An epoch improves when ``current - min_delta`` beats the best value so far (``min_delta``
    is signed by the direction: subtracted when maximising, added when minimising). With a
    ``baseline`` the best value starts there, so training stops unless the model beats it.
    ``restore_best_weights`` puts back the weights of the best epoch, only when it stops.
    After training, ``stopped_epoch`` is the (0-based) epoch it stopped at, and with
    ``verbose`` it prints ``Epoch %05d: early stopping`` (1-based) as Keras does.

    Example::

        stop = EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)
        model.fit(x, y, validation_split=0.2, epochs=100, callbacks=[stop])
        print(stop.stopped_epoch)
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto",
                 baseline=None, restore_best_weights=False):
        super().__init__()
        self.monitor = monitor
        self.baseline = baseline
        self.patience = patience
        self.verbose = verbose
        self.wait = 0
        self.stopped_epoch = 0
        self.restore_best_weights = restore_best_weights
        self.best_weights = None
        self.mode = resolve_mode("EarlyStopping", mode, monitor)
        self.monitor_op = np.greater if self.mode == "max" else np.less
        self.min_delta = min_delta if self.mode == "max" else -min_delta
        self.best = initial_best(self.mode)

    def on_train_begin(self, logs=None):
        # Instances may be reused across fit calls.
        self.wait = 0
        self.stopped_epoch = 0
        self.best = self.baseline if self.baseline is not None else initial_best(self.mode)

    def on_epoch_end(self, epoch, logs=None):
        current = self.get_monitor_value(logs or {})
        if current is None:
            return
        if self.monitor_op(current - self.min_delta, self.best):
            self.best = current
            self.wait = 0
            if self.restore_best_weights:
                # Copies: on the CPU a weight array may share memory with the live tensor.
                self.best_weights = [np.array(w, copy=True) for w in self.model.get_weights()]
        else:
            self.wait += 1
            if self.wait >= self.patience:
                self.stopped_epoch = epoch
                self.model.stop_training = True
                if self.restore_best_weights and self.best_weights is not None:
                    if self.verbose > 0:
                        print("Restoring model weights from the end of the best epoch")
                    self.model.set_weights(self.best_weights)

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print("Epoch %05d: early stopping" % (self.stopped_epoch + 1))

    def get_monitor_value(self, logs):
        value = logs.get(self.monitor)
        if value is None:
            warnings.warn(
                "Early stopping conditioned on metric `%s` which is not available. "
                "Available metrics are: %s" % (self.monitor, ",".join(list(logs.keys()))),
                RuntimeWarning, stacklevel=2)
            return None
        return as_float(value)
