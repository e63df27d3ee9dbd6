"""``CSVLogger``: stream epoch results to a CSV file, one durable row per epoch."""

import collections.abc
import csv
import io
import os

from lamella.engine.callbacks import Callback
from lamella.utils.atomic_files import atomic_open


def _handle_value(value):
    """Keras's formatting: strings as they are, 1-D iterables as ``"[a, b]"``, the rest by str."""
    if isinstance(value, str):
        return value
    zero_dim = hasattr(value, "ndim") and getattr(value, "ndim", None) == 0
    if isinstance(value, collections.abc.Iterable) and not zero_dim:
        return '"[%s]"' % (", ".join(map(str, value)))
    return value


class CSVLogger(Callback):
    """Write each epoch's logs as a CSV row, exactly as Keras 2.3.1 formats the file.

    The header is ``epoch`` followed by the log keys sorted alphabetically, fixed at the first
    epoch; ``epoch`` is 0-based; lines end with ``\\r\\n`` (the csv module's excel dialect, as
    in Keras). A key missing from an epoch's logs (training stopped early, a validation that
    did not run) is written as ``NA``. With ``append=True`` an existing file is continued and
    its header is not repeated.

    Each row is flushed and ``fsync``-ed as it is written, so a crash loses no finished epoch.
    Appending after a crash is safe: a partly written last line is dropped, and when training
    resumes with ``fit(initial_epoch=k)`` (``k > 0``) from a checkpoint older than the last
    row, the trailing rows for epochs >= ``k`` are removed first (rewritten atomically), so
    the file has each epoch once, in order. Appending from epoch 0 appends as Keras does.

    Example::

        model.fit(x, y, epochs=10, callbacks=[CSVLogger("training.log", append=True)])
    """

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.sep = separator
        self.filename = os.fspath(filename)
        self.append = append
        self.writer = None
        self.keys = None
        self.append_header = True
        self.csv_file = None
        self._first_epoch_seen = False

    def _dialect(self):
        class CustomDialect(csv.excel):
            delimiter = self.sep

        return CustomDialect

    def on_train_begin(self, logs=None):
        self.writer = None
        self.keys = None
        self.append_header = True
        self._first_epoch_seen = False
        if self.append and os.path.exists(self.filename):
            with open(self.filename, encoding="utf-8", newline="") as handle:
                self.append_header = not bool(len(handle.readline()))
        mode = "a" if self.append else "w"
        self.csv_file = io.open(self.filename, mode, encoding="utf-8", newline="\n")
        if self.append:
            self._repair_for_resume(0)  # a torn last line, even if no epoch runs

    def on_epoch_begin(self, epoch, logs=None):
        if self.append and not self._first_epoch_seen:
            self._first_epoch_seen = True
            self._repair_for_resume(epoch)

    def _repair_for_resume(self, epoch):
        """Drop a torn last line, and when resuming at ``epoch > 0`` the trailing rows for
        epochs >= ``epoch`` (they are about to be trained again).

        Starting again at epoch 0 appends as Keras does (repeated ``fit(epochs=1)`` calls with
        one logger keep every row).
        """
        if self.csv_file is None or not os.path.exists(self.filename):
            return
        with open(self.filename, encoding="utf-8", newline="") as handle:
            lines = handle.read().splitlines(keepends=True)
        if not lines:
            return
        keep = list(lines)
        if not keep[-1].endswith(("\n", "\r")):
            keep.pop()  # torn by a crash mid-write
        if not keep:
            self.append_header = True  # even the header was torn
        while epoch > 0 and len(keep) > 1 and self._row_epoch(keep[-1]) is not None \
                and self._row_epoch(keep[-1]) >= epoch:
            keep.pop()
        if len(keep) == len(lines):
            return
        self.csv_file.close()
        with atomic_open(self.filename, "w", encoding="utf-8", newline="") as handle:
            handle.write("".join(keep))
        self.csv_file = io.open(self.filename, "a", encoding="utf-8", newline="\n")

    def _row_epoch(self, line):
        fields = next(csv.reader([line], dialect=self._dialect()), [])
        try:
            return int(fields[0]) if fields else None
        except ValueError:
            return None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs.keys())
        row_values = {key: logs[key] if key in logs else "NA" for key in self.keys}
        if self.writer is None:
            self.writer = csv.DictWriter(self.csv_file, fieldnames=["epoch"] + self.keys,
                                         dialect=self._dialect())
            if self.append_header:
                self.writer.writeheader()
        row = {"epoch": epoch}
        row.update((key, _handle_value(value)) for key, value in row_values.items())
        self.writer.writerow(row)
        self._sync()

    def _sync(self):
        self.csv_file.flush()
        try:
            os.fsync(self.csv_file.fileno())
        except OSError:
            pass

    def on_train_end(self, logs=None):
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        self.writer = None

    def __del__(self):
        csv_file = getattr(self, "csv_file", None)
        if csv_file is not None and not csv_file.closed:
            csv_file.close()
