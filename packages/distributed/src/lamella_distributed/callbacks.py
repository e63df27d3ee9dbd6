"""Horovod's Keras callbacks (``horovod.keras.callbacks``), with Horovod's names, arguments and
maths, working under either launcher.

- :class:`BroadcastGlobalVariablesCallback`: rank ``root_rank``'s weights and optimizer state
  to every worker when training starts.
- :class:`MetricAverageCallback`: each epoch's logs averaged over the workers (for scripts that,
  as Horovod's examples do, train every worker on its own data without a strategy; under
  ``compile(distribute=...)`` the logs are already exact for all the data).
- :class:`LearningRateScheduleCallback`: ``lr = initial_lr * multiplier(epoch)`` between
  ``start_epoch`` and ``end_epoch``, per epoch (``staircase``) or per batch, with momentum
  correction.
- :class:`LearningRateWarmupCallback`: Goyal et al.'s gradual warm-up from ``initial_lr / size``
  to ``initial_lr`` over ``warmup_epochs``.
- :class:`BestModelCheckpoint`: ``ModelCheckpoint(save_best_only=True)``, on the chief only.

Example::

    callbacks = [
        hvd.callbacks.BroadcastGlobalVariablesCallback(0),
        hvd.callbacks.MetricAverageCallback(),
        hvd.callbacks.LearningRateWarmupCallback(initial_lr=0.01 * hvd.size(), warmup_epochs=3),
    ]
"""

import numpy as np

from lamella.base.optimizer_variables import get_hyperparameter, set_hyperparameter
from lamella.engine.callbacks import Callback
from lamella.plugins import lookup
from lamella_distributed import backend as backends
from lamella_distributed.strategies import broadcast_model_state


class BroadcastGlobalVariablesCallback(Callback):
    """Broadcast rank ``root_rank``'s weights and optimizer state to every worker at the start
    of training, so all start from the same point.

    Example::

        model.fit(x, y, callbacks=[BroadcastGlobalVariablesCallback(0)])
    """

    def __init__(self, root_rank=0, device=""):
        super().__init__()
        if not isinstance(root_rank, int) or root_rank < 0:
            raise ValueError(f"BroadcastGlobalVariablesCallback: root_rank must be a rank "
                             f"(an integer >= 0), got {root_rank!r}")
        self.root_rank = root_rank
        self.device = device  # accepted as Horovod does; lamella broadcasts in place
        self.broadcast_done = False

    def on_train_begin(self, logs=None):
        if self.broadcast_done:
            return
        backend = backends.current()
        if self.root_rank >= backend.size():
            raise ValueError(f"BroadcastGlobalVariablesCallback: root_rank {self.root_rank} is "
                             f"not a rank of this {backend.size()}-process run")
        broadcast_model_state(self.model, self.root_rank, backend)
        self.broadcast_done = True


class MetricAverageCallback(Callback):
    """Average every number in the epoch's logs over all workers, at the end of each epoch.

    Put it before callbacks that read the logs (checkpoints, early stopping, CSV logging).

    Example::

        callbacks = [MetricAverageCallback(), ReduceLROnPlateau(patience=2)]
    """

    def __init__(self, device=""):
        super().__init__()
        self.device = device

    def on_epoch_end(self, epoch, logs=None):
        if not logs:
            return
        names = sorted(k for k, v in logs.items() if np.ndim(v) == 0 and _is_number(v))
        if not names:
            return
        values = np.array([float(logs[k]) for k in names], dtype=np.float64)
        averaged = backends.allreduce(values, op="average", name="lamella.MetricAverage")
        for name, value in zip(names, np.atleast_1d(averaged)):
            logs[name] = float(value)


def _is_number(value):
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


class LearningRateScheduleCallback(Callback):
    """Set ``lr = initial_lr * multiplier(epoch)`` from ``start_epoch`` until ``end_epoch``
    (exclusive), at the start of every epoch (``staircase=True``) or of every batch, with the
    epoch fractional (``staircase=False``; ``steps_per_epoch`` from the fit parameters when not
    given). ``multiplier`` is a number (then ``staircase`` is forced on) or a function of the
    epoch. With ``momentum_correction``, an optimizer's ``momentum`` is scaled by
    ``new_lr / old_lr`` for the batch in which the rate changes (Goyal et al., 2017).

    Example::

        LearningRateScheduleCallback(initial_lr=0.1, multiplier=0.1, start_epoch=30)
    """

    def __init__(self, initial_lr, multiplier, start_epoch=0, end_epoch=None, staircase=True,
                 momentum_correction=True, steps_per_epoch=None, verbose=0):
        super().__init__()
        if initial_lr is None:
            raise ValueError("Parameter `initial_lr` is required")
        self.initial_lr = float(initial_lr)
        self.start_epoch = start_epoch
        self.end_epoch = end_epoch
        self.staircase = staircase
        self.momentum_correction = momentum_correction
        self.steps_per_epoch = steps_per_epoch
        self.verbose = verbose
        self.restore_momentum = None
        self.current_epoch = None
        if not callable(multiplier):
            self.staircase = True
            self.multiplier = lambda epoch: multiplier
        else:
            self.multiplier = multiplier

    def _autodetect_steps_per_epoch(self):
        if self.params.get("steps"):
            return self.params["steps"]
        if self.params.get("samples") and self.params.get("batch_size"):
            return self.params["samples"] // self.params["batch_size"]
        raise ValueError(f"Could not autodetect the number of steps per epoch. Please specify "
                         f"the steps_per_epoch parameter to the {type(self).__name__}().")

    def _adjust_learning_rate(self, epoch):
        optimizer = self.model.optimizer
        # Through the variables (K.get_value / K.set_value), as Horovod's Keras callbacks do.
        old_lr = get_hyperparameter(optimizer, "learning_rate")
        new_lr = self.initial_lr * self.multiplier(epoch)
        set_hyperparameter(optimizer, "learning_rate", new_lr)
        if hasattr(optimizer, "momentum") and self.momentum_correction and old_lr > 0:
            self.restore_momentum = get_hyperparameter(optimizer, "momentum")
            set_hyperparameter(optimizer, "momentum", self.restore_momentum * new_lr / old_lr)

    def _restore_momentum_if_needed(self):
        if self.restore_momentum:
            set_hyperparameter(self.model.optimizer, "momentum", self.restore_momentum)
            self.restore_momentum = None

    def on_train_begin(self, logs=None):
        if not self.staircase and not self.steps_per_epoch:
            self.steps_per_epoch = self._autodetect_steps_per_epoch()

    def on_epoch_begin(self, epoch, logs=None):
        self.current_epoch = epoch

    def on_batch_begin(self, batch, logs=None):
        if (self.current_epoch < self.start_epoch
                or self.end_epoch is not None and self.current_epoch >= self.end_epoch):
            return  # outside of the adjustment scope
        if self.staircase and batch == 0:
            self._adjust_learning_rate(self.current_epoch)
        elif not self.staircase:
            self._adjust_learning_rate(self.current_epoch + float(batch) / self.steps_per_epoch)

    def on_batch_end(self, batch, logs=None):
        self._restore_momentum_if_needed()

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["lr"] = get_hyperparameter(self.model.optimizer, "learning_rate")


class LearningRateWarmupCallback(LearningRateScheduleCallback):
    """Raise the learning rate from ``initial_lr / size`` to ``initial_lr`` over the first
    ``warmup_epochs`` epochs, a little each batch (Goyal et al., 2017, as Horovod does).

    Example::

        LearningRateWarmupCallback(initial_lr=0.1 * hvd.size(), warmup_epochs=5, verbose=1)
    """

    def __init__(self, initial_lr, warmup_epochs=5, momentum_correction=True,
                 steps_per_epoch=None, verbose=0):
        def multiplier(epoch):
            # Round numbers at the end of each epoch, as Horovod has it.
            epoch += 1.0 / self.steps_per_epoch
            size = backends.size()
            return 1.0 / size * (epoch * (size - 1) / warmup_epochs + 1)

        super().__init__(initial_lr, multiplier, start_epoch=0, end_epoch=warmup_epochs,
                         staircase=False, momentum_correction=momentum_correction,
                         steps_per_epoch=steps_per_epoch, verbose=verbose)

    def on_epoch_end(self, epoch, logs=None):
        super().on_epoch_end(epoch, logs)
        if epoch == self.end_epoch - 1 and self.verbose > 0 and backends.is_chief():
            print(f"\nEpoch {epoch + 1}: finished gradual learning rate warmup to "
                  f"{get_hyperparameter(self.model.optimizer, 'learning_rate'):g}.")


class BestModelCheckpoint(Callback):
    """Save the model with the best ``monitor`` value so far (``ModelCheckpoint`` with
    ``save_best_only=True``), on the chief only. Horovod leaves ``filepath`` to be set later
    (by its Spark estimator); here it may also be given as a keyword.

    Example::

        BestModelCheckpoint(monitor="val_loss", filepath="best.h5")
    """

    def __init__(self, monitor="val_loss", verbose=0, mode="auto", save_freq="epoch",
                 filepath=None):
        super().__init__()
        if save_freq != "epoch":
            raise ValueError(f"BestModelCheckpoint: save_freq must be 'epoch' (Keras 2.3's "
                             f"ModelCheckpoint saves per epoch), got {save_freq!r}")
        self.monitor, self.verbose, self.mode, self.save_freq = monitor, verbose, mode, save_freq
        self.filepath = filepath
        self._checkpoint = None

    def on_train_begin(self, logs=None):
        if self.filepath is None:
            raise ValueError("BestModelCheckpoint: set `filepath` (where to save the best model) "
                             "before training")
        checkpoint = lookup.resolve("callbacks", "ModelCheckpoint")
        self._checkpoint = checkpoint(self.filepath, monitor=self.monitor, verbose=self.verbose,
                                      save_best_only=True, mode=self.mode)
        self._checkpoint.set_model(self.model)
        self._checkpoint.set_params(self.params)
        self._checkpoint.on_train_begin(logs)

    def on_epoch_end(self, epoch, logs=None):
        if backends.is_chief():
            self._checkpoint.on_epoch_end(epoch, logs)
