"""Keras's progress bar: ``32/100 [========>.....................] - ETA: 0s - loss: 0.6931``.

On a terminal the bar redraws in place at most every ``interval`` seconds; elsewhere (a log
file, CI) it prints only the finished line of each epoch, so logs stay readable.
"""

import math
import sys
import time


def format_value(value):
    value = float(value)
    return f" {value:.4f}" if abs(value) > 1e-3 else f" {value:.4e}"


class Progbar:
    """Displays progress towards ``target`` steps or samples (Keras's ``Progbar``).

    ``update`` accepts the values as a list of ``(name, value)`` pairs or a zero-argument
    callable returning one; a callable is only evaluated when a line is actually drawn.

    Example::

        bar = Progbar(target=100)
        for i in range(1, 101):
            bar.update(i, [("loss", 0.5)])
    """

    def __init__(self, target, width=30, verbose=1, interval=0.05, stateful_metrics=None,
                 stream=None):
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.stateful_metrics = set(stateful_metrics or [])
        self.stream = stream or sys.stdout
        isatty = getattr(self.stream, "isatty", None)
        self.dynamic_display = bool(isatty and isatty())
        self._total_width = 0
        self._start = time.time()
        self._last_update = 0.0
        self._values = {}

    def update(self, current, values=None, finalize=None):
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        now = time.time()
        if self.verbose == 1 and not finalize:
            if not self.dynamic_display or now - self._last_update < self.interval:
                return
        if self.verbose == 2 and not finalize:
            return
        if callable(values):
            values = values()
        for name, value in values or []:
            self._values[name] = value
        if self.verbose == 1:
            self._draw_bar(current, now, finalize)
        elif self.verbose == 2:
            info = f" - {now - self._start:.0f}s" + self._metrics_text()
            self.stream.write(info + "\n")
            self.stream.flush()
        self._last_update = now

    def _metrics_text(self):
        return "".join(f" - {name}:{format_value(value)}" for name, value in self._values.items())

    def _draw_bar(self, current, now, finalize):
        previous_width = self._total_width
        if self.dynamic_display:
            self.stream.write("\b" * previous_width + "\r")
        if self.target is not None:
            digits = int(math.floor(math.log10(self.target))) + 1 if self.target > 0 else 1
            bar = f"{current:{digits}d}/{self.target} ["
            progress_width = int(self.width * current / self.target) if self.target else self.width
            if progress_width > 0:
                bar += "=" * (progress_width - 1)
                bar += ">" if current < self.target else "="
            bar += "." * (self.width - progress_width) + "]"
        else:
            bar = f"{current:7d}/Unknown"
        self._total_width = len(bar)
        per_unit = (now - self._start) / current if current else 0
        if self.target is not None and current < self.target:
            eta = per_unit * (self.target - current)
            if eta > 3600:
                eta_text = f"{int(eta // 3600)}:{int(eta % 3600 // 60):02d}:{int(eta % 60):02d}"
            elif eta > 60:
                eta_text = f"{int(eta // 60)}:{int(eta % 60):02d}"
            else:
                eta_text = f"{int(eta)}s"
            info = f" - ETA: {eta_text}"
        else:
            info = f" - {now - self._start:.0f}s"
            if per_unit >= 1:
                info += f" {per_unit:.0f}s/step"
            elif per_unit >= 1e-3:
                info += f" {per_unit * 1e3:.0f}ms/step"
            else:
                info += f" {per_unit * 1e6:.0f}us/step"
        info += self._metrics_text()
        self._total_width += len(info)
        if previous_width > self._total_width:
            info += " " * (previous_width - self._total_width)
        if finalize:
            info += "\n"
        self.stream.write(bar + info)
        self.stream.flush()
