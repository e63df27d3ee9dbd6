"""Driving a callback through Keras's epoch loop on synthetic logs, without training.

A callback plugin's tests often care only about what the callback does with given logs (when it
stops, what it saves, what it prints). :func:`drive_callback` replays Keras 2.3's epoch loop
(``on_train_begin``, then ``on_epoch_begin``/``on_epoch_end`` per epoch until
``model.stop_training``, then ``on_train_end``) on a :class:`StubModel`.

Example::

    from lamella.testing import StubModel, drive_callback

    stopper = lamella.callbacks.EarlyStopping(patience=1)
    _, epochs, _ = drive_callback(stopper, StubModel(), [{"val_loss": v} for v in (3, 2, 2, 2)])
    epochs   # [0, 1, 2]: stopped after one epoch without improvement
"""

import contextlib
import io

import numpy as np


class _StubOptimizer:
    def __init__(self, lr):
        self.learning_rate = lr


class StubModel:
    """A model stand-in: its one weight is the epoch number; saves and restores are recorded.

    ``epoch`` is set by :func:`drive_callback`; ``saved`` lists ``[method, filepath]`` per
    ``save``/``save_weights``; ``restored`` lists the epoch of each ``set_weights`` (``None``
    for ``None``); ``optimizer.learning_rate`` starts at ``lr``.

    Example::

        model = StubModel(lr=0.1)
        model.epoch = 3
        model.get_weights()   # [array([3.], dtype=float32)]
    """

    def __init__(self, lr=0.1):
        self.stop_training = False
        self.epoch = 0
        self.restored = []
        self.saved = []
        self.optimizer = _StubOptimizer(lr)

    def get_weights(self):
        return [np.array([self.epoch], dtype="float32")]

    def set_weights(self, weights):
        self.restored.append(None if weights is None else int(weights[0][0]))

    def save(self, filepath, overwrite=True):
        self.saved.append(["save", filepath])

    def save_weights(self, filepath, overwrite=True):
        self.saved.append(["save_weights", filepath])


def drive_callback(callback, model, logs_per_epoch, probe=None):
    """Run Keras's epoch loop over ``logs_per_epoch``; returns ``(probes, epochs, stdout)``.

    ``probe(callback, model, logs)``, if given, is called after each epoch and its results
    collected; ``epochs`` lists the epochs that ran; ``stdout`` is what the callback printed.

    Example::

        probes, epochs, out = drive_callback(
            callback, StubModel(), [{"loss": 1.0}] * 3, lambda c, m, logs: m.stop_training)
    """
    callback.set_model(model)
    callback.set_params({"epochs": len(logs_per_epoch), "verbose": 0})
    out = io.StringIO()
    probes, epochs = [], []
    with contextlib.redirect_stdout(out):
        callback.on_train_begin({})
        for epoch, logs in enumerate(logs_per_epoch):
            model.epoch = epoch
            callback.on_epoch_begin(epoch, {})
            logs = dict(logs)
            callback.on_epoch_end(epoch, logs)
            epochs.append(epoch)
            if probe is not None:
                probes.append(probe(callback, model, logs))
            if model.stop_training:
                break
        callback.on_train_end({})
    return probes, epochs, out.getvalue()
