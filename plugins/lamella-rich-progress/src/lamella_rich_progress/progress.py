"""``RichProgbarLogger``: Keras's ``ProgbarLogger`` drawn with rich in a terminal.

Where the output is not a terminal (a log file, CI, a notebook capturing stdout) it prints
exactly what Keras's bar prints, so logs and tools parsing them see no difference.
"""

import sys
import time

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from lamella.callbacks import ProgbarLogger


def _format(values):
    return " - ".join(f"{name}: {float(value):.4f}" for name, value in values.items())


class RichProgbarLogger(ProgbarLogger):
    """A progress bar per epoch, with the running metrics, drawn by rich.

    Takes ``ProgbarLogger``'s arguments (``fit`` passes ``count_mode`` and ``epoch_values``)
    and ``force_terminal``: ``None`` lets rich decide whether the stream is a terminal;
    ``True``/``False`` force the rich bar / Keras's text bar. ``verbose=2`` (one line per
    epoch) is always Keras's.

    Example::

        model.fit(x, y, epochs=5, verbose=0, callbacks=[RichProgbarLogger()])  # explicitly
        # or, for every fit(verbose=1): LAMELLA_RICH_PROGRESS=1 python train.py
    """

    #: the default of ``force_terminal`` for instances that do not set it
    force_terminal = None
    #: seconds between two redraws of the metrics (each redraw reads them from the device)
    refresh_seconds = 0.1

    def __init__(self, count_mode="samples", stateful_metrics=None, stream=None,
                 epoch_values=None, force_terminal=None):
        super().__init__(count_mode=count_mode, stateful_metrics=stateful_metrics,
                         stream=stream, epoch_values=epoch_values)
        if force_terminal is not None:
            self.force_terminal = bool(force_terminal)
        self._progress = None

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        self.console = Console(file=self.stream or sys.stdout, force_terminal=self.force_terminal)
        self.use_rich = self.verbose == 1 and self.console.is_terminal

    def on_epoch_begin(self, epoch, logs=None):
        if not self.use_rich:
            return super().on_epoch_begin(epoch, logs)
        self.target = self.params["steps"] if self.use_steps else self.params.get("samples")
        self.seen = 0
        self._drawn_at = 0.0
        self._progress = Progress(TextColumn(f"Epoch {epoch + 1}/{self.epochs}"), BarColumn(),
                                  MofNCompleteColumn(), TimeElapsedColumn(),
                                  TextColumn("{task.fields[metrics]}"), console=self.console)
        self._progress.start()
        self._task = self._progress.add_task("", total=self.target, metrics="")

    def on_train_batch_end(self, batch, logs=None):
        if not self.use_rich:
            return super().on_train_batch_end(batch, logs)
        logs = logs or {}
        self.seen += 1 if self.use_steps else logs.get("size", 0)
        now = time.monotonic()
        if now - self._drawn_at < self.refresh_seconds:
            self._progress.update(self._task, completed=self.seen)
            return
        self._drawn_at = now
        if self.epoch_values is not None:
            values = self.epoch_values()
        else:
            values = {k: logs[k] for k in self.params.get("metrics", []) if k in logs}
        self._progress.update(self._task, completed=self.seen, metrics=_format(values))

    def on_epoch_end(self, epoch, logs=None):
        if not self.use_rich:
            return super().on_epoch_end(epoch, logs)
        logs = logs or {}
        values = {k: logs[k] for k in self.params.get("metrics", []) if k in logs}
        self._progress.update(self._task, completed=self.seen, metrics=_format(values))
        self._stop()

    def on_train_end(self, logs=None):
        self._stop()  # an epoch interrupted (an exception, stop_training) leaves no live display

    def _stop(self):
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
