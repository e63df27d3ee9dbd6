"""``TensorBoard``: real TensorBoard event files through ``torch.utils.tensorboard``."""

import importlib.util
import os
import warnings

from lamella.engine.callbacks import Callback

_SKIP = ("batch", "size")


MISSING = (
    "The TensorBoard callback writes event files with torch.utils.tensorboard, which needs the "
    "'tensorboard' package, an optional dependency of lamella-callbacks: "
    "pip install 'lamella-callbacks[tensorboard]' (or pip install tensorboard)."
)


def _require_tensorboard():
    # Checked when the callback is made, so a missing extra fails before training starts.
    if importlib.util.find_spec("tensorboard") is None:
        raise ImportError(MISSING, name="tensorboard")


def _summary_writer(log_dir):
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError as exc:
        raise ImportError(f"{MISSING} ({exc})", name="tensorboard") from exc
    return SummaryWriter(log_dir=log_dir)


def _weights_of(layer):
    """(name, tensor) for each weight of ``layer``, named ``layer/weight`` as Keras names them."""
    records = getattr(layer, "_ordered_weight_records", None)
    if records is not None:
        return [(f"{layer.name}/{r.name}".replace(":", "_"), r.tensor) for r in records()]
    return [(f"{layer.name}/weight_{i}", w) for i, w in enumerate(getattr(layer, "weights", []))]


class TensorBoard(Callback):
    """Write losses, metrics, weight histograms and the model graph for TensorBoard.

    Follows the Keras 2.3.1 callback used with TensorFlow 1 (``tensorboard_v1``): every
    epoch log (``loss``, ``val_loss``, ``lr``, ...) becomes a scalar under its own name in
    ``log_dir``. With ``update_freq='epoch'`` the step is the epoch (0-based); with
    ``'batch'`` or an integer ``n`` the batch logs are also written every ``n`` samples
    (``'batch'`` means every batch) and the step is the number of samples seen. With
    ``histogram_freq=n`` every weight gets a histogram every ``n`` epochs (Keras needs
    validation data for this; lamella does not). With ``write_graph`` the model is traced
    once with ``torch.jit`` on zero inputs, where torch can trace it, and the graph written.
    Needs the ``tensorboard`` package (``pip install 'lamella-callbacks[tensorboard]'``); an
    ``ImportError`` naming that extra is raised when the callback is made without it.
    ``write_grads``, ``write_images`` and the embedding arguments are accepted and ignored
    with a warning, as Keras's TensorFlow 2 variant does.

    The files are ordinary ``events.out.tfevents.*`` files, readable by ``tensorboard
    --logdir`` and by TensorBoard's ``EventAccumulator``. The writer is imported only when
    training starts.

    Example::

        board = TensorBoard(log_dir="./logs/run1", histogram_freq=1, update_freq="batch")
        model.fit(x, y, epochs=5, callbacks=[board])
        # then: tensorboard --logdir ./logs
    """

    def __init__(self, log_dir="./logs", histogram_freq=0, batch_size=32, write_graph=True,
                 write_grads=False, write_images=False, embeddings_freq=0,
                 embeddings_layer_names=None, embeddings_metadata=None, embeddings_data=None,
                 update_freq="epoch", **kwargs):
        super().__init__()
        _require_tensorboard()
        if kwargs:
            warnings.warn(f"TensorBoard: ignoring unknown arguments {sorted(kwargs)}",
                          stacklevel=2)
        if write_grads:
            warnings.warn("The TensorBoard callback does not support gradient histograms in "
                          "lamella; `write_grads` is ignored.", stacklevel=2)
        if write_images:
            warnings.warn("The TensorBoard callback does not write weight images in lamella; "
                          "`write_images` is ignored.", stacklevel=2)
        if embeddings_freq or embeddings_layer_names or embeddings_metadata or embeddings_data:
            warnings.warn("The TensorBoard callback does not support embeddings in lamella; "
                          "embeddings-related arguments are ignored.", stacklevel=2)
        if update_freq not in ("batch", "epoch") and not (
                isinstance(update_freq, int) and update_freq > 0):
            raise ValueError("TensorBoard: update_freq must be 'batch', 'epoch' or a positive "
                             f"integer (samples), got {update_freq!r}")
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = histogram_freq
        self.batch_size = batch_size
        self.write_graph = write_graph
        self.update_freq = 1 if update_freq == "batch" else update_freq
        self.samples_seen = 0
        self.samples_seen_at_last_write = 0
        self.writer = None
        if self.update_freq != "epoch":
            # An instance hook: the training loop produces batch logs only for callbacks that
            # want them, so update_freq='epoch' costs no per-batch device reads.
            self.on_train_batch_end = self._write_batch_logs

    def on_train_begin(self, logs=None):
        if self.writer is None:
            self.writer = _summary_writer(self.log_dir)
        self.samples_seen = 0
        self.samples_seen_at_last_write = 0
        if self.write_graph:
            self._add_graph()

    def _add_graph(self):
        import torch

        inputs = getattr(self.model, "inputs", None)
        if not inputs:
            return
        try:
            examples = [torch.zeros([1 if d is None else int(d) for d in t.shape])
                        for t in inputs]
            parameter = next(iter(self.model.parameters()), None)
            if parameter is not None:
                examples = [e.to(parameter.device) for e in examples]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self.writer.add_graph(self.model, examples[0] if len(examples) == 1
                                      else [examples])
        except Exception as exc:  # noqa: BLE001 - a model torch cannot trace still trains
            warnings.warn(f"TensorBoard: could not trace the model's graph ({exc}); "
                          "no graph written.", stacklevel=3)

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            for layer in getattr(self.model, "layers", []):
                for name, tensor in _weights_of(layer):
                    self.writer.add_histogram(name, tensor.detach().float().cpu(), epoch)
        index = epoch if self.update_freq == "epoch" else self.samples_seen
        self._write_logs(logs, index)

    def _write_logs(self, logs, index):
        for name, value in logs.items():
            if name in _SKIP:
                continue
            try:
                value = float(value.item() if hasattr(value, "item") else value)
            except (TypeError, ValueError):
                continue  # not a scalar
            self.writer.add_scalar(name, value, index)
        self.writer.flush()

    def _write_batch_logs(self, batch, logs=None):
        logs = logs or {}
        self.samples_seen += logs.get("size", 0)
        if self.samples_seen - self.samples_seen_at_last_write >= self.update_freq:
            self._write_logs(logs, self.samples_seen)
            self.samples_seen_at_last_write = self.samples_seen

    def on_train_end(self, logs=None):
        if self.writer is not None:
            self.writer.close()
            self.writer = None
