"""Batches of one epoch, from in-memory arrays or from a generator, ``Sequence`` or loader.

:class:`EpochIterator` is what the training loop iterates: built by keyword from the data and a
:class:`DataOptions` record, it standardizes in-memory data once (on the model's device) and
yields ``(xs, ys, sws)`` lists of tensors per batch. Generators, ``lamella.utils.Sequence`` and
``torch.utils.data`` datasets and loaders are iterated as given, loading ahead on worker
threads or processes.

Example::

    batches = EpochIterator(model, x=x, y=y, options=DataOptions(batch_size=32, shuffle=True))
    for xs, ys, sws in batches.epoch():
        ...
"""

import dataclasses
import itertools
import queue
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Optional, Union

import numpy as np
import torch

from lamella.engine import data_adapter as da
from lamella.engine.data_adapter import is_generator_like
from lamella.engine.distribution import SINGLE_PROCESS
from lamella.utils.data_utils import Sequence


@dataclasses.dataclass(frozen=True)
class DataOptions:
    """How ``fit``/``evaluate``/``predict`` batch their data (Keras 2.3's arguments).

    ``steps`` is ``steps_per_epoch``/``validation_steps``/``steps``; ``steps_argument`` names
    it in error messages.
    """

    batch_size: Optional[int] = None
    shuffle: Union[bool, str] = False
    steps: Optional[int] = None
    steps_argument: str = "steps"
    workers: int = 1
    use_multiprocessing: bool = False
    max_queue_size: int = 10

    def __post_init__(self):
        _check_count("batch_size", self.batch_size, minimum=1)
        _check_count(self.steps_argument, self.steps, minimum=1)
        _check_count("workers", self.workers, minimum=0)
        _check_count("max_queue_size", self.max_queue_size, minimum=0)
        if self.shuffle not in (True, False, "batch"):
            raise ValueError(f"shuffle must be True, False or 'batch', got {self.shuffle!r}")


def _check_count(argument, value, minimum):
    """``value`` is ``None`` or a whole number ``>= minimum`` (NumPy integers too, not bools)."""
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        expected = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise ValueError(f"`{argument}` must be {expected} or None, got {value!r}")


class EpochIterator:
    """The batches ``(xs, ys, sws)`` of each epoch (see the module docstring).

    ``strategy`` (a :class:`~lamella.engine.distribution.Strategy`) picks this worker's shard.
    """

    def __init__(self, model, *, x, y=None, sample_weight=None, class_weight=None,
                 options=DataOptions(), strategy=SINGLE_PROCESS):
        self.model = model
        self.options = options
        self.strategy = strategy
        self.generator = is_generator_like(x)
        self.class_weight = class_weight
        if self.generator:
            self._init_generator(x, y, sample_weight)
        else:
            self._init_arrays(*da.standardize_data(model, x, y, sample_weight, class_weight))

    def _init_generator(self, x, y, sample_weight):
        if y is not None or sample_weight is not None:
            raise ValueError("`y` and `sample_weight` must not be given when x is a generator "
                             "or Sequence: it yields them itself.")
        if self.options.batch_size is not None:
            raise ValueError("`batch_size` must not be given when x is a generator or "
                             "Sequence: it makes its own batches.")
        shuffle = self.options.shuffle
        if isinstance(x, torch.utils.data.Dataset) and not isinstance(
                x, torch.utils.data.IterableDataset):
            x = torch.utils.data.DataLoader(x, batch_size=32, shuffle=bool(shuffle))
        self.steps = infer_steps(x, self.options.steps, self.options.steps_argument)
        if self.steps == 0:
            raise ValueError(f"The {type(x).__name__} given as data has no batches (length 0).")
        # The source yields every worker's batches; this worker trains on its share of them.
        self._source_steps = self.steps
        self.steps = len(self.strategy.shard_samples(self.steps))
        self.samples = None
        self.batch_size = None
        self._batches = BatchIterator(x, self.options.workers, self.options.use_multiprocessing,
                                      self.options.max_queue_size,
                                      shuffle=bool(shuffle) and shuffle != "batch")

    def _init_arrays(self, xs, ys, sws):
        if xs[0].shape[0] == 0:
            raise ValueError("The data holds no samples: x has 0 rows (an empty array or an "
                             "empty validation set).")
        shard = self.strategy.shard_samples(xs[0].shape[0])
        if len(shard) != xs[0].shape[0]:
            index = torch.as_tensor(shard, device=xs[0].device)
            xs, ys, sws = da.take(xs, index), da.take(ys, index), da.take(sws, index)
        self.xs, self.ys, self.sws = xs, ys, sws
        self.samples = xs[0].shape[0]
        self.batch_size = self.options.batch_size or 32
        self.steps_mode = self.options.steps is not None
        self.steps = (int(self.options.steps) if self.steps_mode
                      else -(-self.samples // self.batch_size))

    @property
    def first_inputs(self):
        """The inputs of the first batch, without losing it (builds deferred models)."""
        if not self.generator:
            return self.xs
        x, y, sw = unpack_batch(self._batches.peek())
        return da.standardize_data(self.model, x, y, sw)[0]

    def epoch(self):
        """One epoch's batches ``(xs, ys, sws)``."""
        if self.generator:
            for batch in self.strategy.shard_batches(self._batches.epoch(self._source_steps)):
                x, y, sw = unpack_batch(batch)
                yield da.standardize_data(self.model, x, y, sw, self.class_weight)
            self._batches.on_epoch_end()
            return
        if self.steps_mode:
            for _ in range(self.steps):
                yield self.xs, self.ys, self.sws
            return
        device = self.xs[0].device
        for index in da.batch_indices(self.samples, self.batch_size, self.options.shuffle, device):
            yield da.take(self.xs, index), da.take(self.ys, index), da.take(self.sws, index)


def validation_iterator(model, validation_data, *, batch_size, steps, strategy, **loading):
    """The :class:`EpochIterator` of ``fit(validation_data=...)``: a generator or ``Sequence``,
    or ``(x_val, y_val)`` / ``(x_val, y_val, val_sample_weights)``. ``loading`` holds
    ``workers``, ``use_multiprocessing`` and ``max_queue_size``."""
    if is_generator_like(validation_data):
        options = DataOptions(steps=steps, steps_argument="validation_steps", **loading)
        return EpochIterator(model, x=validation_data, options=options, strategy=strategy)
    if not isinstance(validation_data, (list, tuple)) or len(validation_data) not in (2, 3):
        raise ValueError("validation_data must be (x_val, y_val) or (x_val, y_val, "
                         "val_sample_weights), or a generator/Sequence.")
    x_val, y_val, *weights = validation_data
    # Arrays are validated in full batches: validation_steps applies to generators only.
    return EpochIterator(
        model, x=x_val, y=y_val, sample_weight=weights[0] if weights else None,
        options=DataOptions(batch_size=batch_size, **loading), strategy=strategy)


def unpack_batch(batch):
    """A generator item → ``(x, y, sample_weight)``."""
    if isinstance(batch, (list, tuple)):
        if len(batch) == 2:
            return batch[0], batch[1], None
        if len(batch) == 3:
            return batch[0], batch[1], batch[2]
        if len(batch) == 1:
            return batch[0], None, None
    if isinstance(batch, dict) or torch.is_tensor(batch) or isinstance(batch, np.ndarray):
        return batch, None, None
    raise ValueError(
        f"A generator or Sequence must yield (x, y) or (x, y, sample_weight); it yielded a "
        f"{type(batch).__name__}."
    )


def infer_steps(data, steps, argument):
    if steps is not None:
        return int(steps)
    if isinstance(data, (Sequence, torch.utils.data.DataLoader)) or hasattr(data, "__len__"):
        return len(data)
    raise ValueError(
        f"`{argument}` is required when the data is a generator with no length "
        f"(it cannot be inferred from a plain Python generator)."
    )


class BatchIterator:
    """Yields batches from a generator, ``Sequence`` or DataLoader, loading ahead in workers.

    With ``workers > 0`` a thread pool (or, with ``use_multiprocessing``, processes through a
    DataLoader for Sequences) prepares up to ``max_queue_size`` batches ahead of the training
    step; ``workers=0`` loads on the calling thread.
    """

    def __init__(self, data, workers=1, use_multiprocessing=False, max_queue_size=10,
                 shuffle=False):
        self.data = data
        self.workers = workers
        self.use_multiprocessing = use_multiprocessing
        self.max_queue_size = max(1, max_queue_size)
        self.shuffle = shuffle
        self._iterator = None

    def peek(self):
        """The first batch, left in place for the first epoch."""
        if isinstance(self.data, Sequence):
            return self.data[0]
        if self._iterator is None:
            self._iterator = iter(self.data)
        batch = next(self._iterator)
        self._iterator = itertools.chain([batch], self._iterator)
        return batch

    def epoch(self, steps):
        """An iterator over ``steps`` batches of one epoch."""
        data = self.data
        if isinstance(data, Sequence):
            order = np.random.permutation(len(data)) if self.shuffle else np.arange(len(data))
            order = list(order[:steps])
            if self.use_multiprocessing and self.workers > 0:
                return _process_sequence(data, order, self.workers, self.max_queue_size)
            if self.workers > 0:
                return _threaded(lambda i: data[int(i)], order, self.workers, self.max_queue_size)
            return (data[int(i)] for i in order)
        if isinstance(data, torch.utils.data.DataLoader):
            iterator = iter(data)  # each epoch afresh: a peeked first batch is read again
            return (next(iterator) for _ in range(steps))
        if self._iterator is None:
            self._iterator = iter(data)
        if self.workers > 0:
            return _prefetched(self._iterator, steps, self.max_queue_size)
        return _take_steps(self._iterator, steps)

    def on_epoch_end(self):
        if isinstance(self.data, Sequence):
            self.data.on_epoch_end()


def _take_steps(iterator, steps):
    for _ in range(steps):
        try:
            yield next(iterator)
        except StopIteration:
            return


def _prefetched(iterator, steps, max_queue_size):
    """Pull the epoch's ``steps`` items from a plain generator on a background thread.

    One thread only (a generator cannot be advanced concurrently), ``max_queue_size`` items
    ahead; the thread reads exactly ``steps`` items so the next epoch continues where this one
    stopped, as Keras's GeneratorEnqueuer does.
    """
    done = object()
    ready = queue.Queue(maxsize=max_queue_size)

    def produce():
        try:
            for _ in range(steps):
                ready.put(next(iterator))
        except StopIteration:
            pass
        except BaseException as exc:  # re-raised on the training thread
            ready.put(_Failure(exc))
        ready.put(done)

    thread = threading.Thread(target=produce, name="lamella-generator-prefetch", daemon=True)
    thread.start()
    while True:
        item = ready.get()
        if item is done:
            break
        if isinstance(item, _Failure):
            raise item.exception
        yield item
    thread.join()


class _Failure:
    def __init__(self, exception):
        self.exception = exception


def _threaded(load, order, workers, max_queue_size):
    pool = ThreadPoolExecutor(max_workers=workers)
    pending = queue.Queue()
    order = list(order)
    try:
        for index in order[:max_queue_size]:
            pending.put(pool.submit(load, index))
        for position in range(len(order)):
            future = pending.get()
            ahead = position + max_queue_size
            if ahead < len(order):
                pending.put(pool.submit(load, order[ahead]))
            yield future.result()
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


class _SequenceDataset(torch.utils.data.Dataset):
    def __init__(self, sequence, order):
        self.sequence, self.order = sequence, order

    def __len__(self):
        return len(self.order)

    def __getitem__(self, position):
        return self.sequence[int(self.order[position])]


def _process_sequence(sequence, order, workers, max_queue_size):
    loader = torch.utils.data.DataLoader(
        _SequenceDataset(sequence, order), batch_size=None, num_workers=workers,
        prefetch_factor=max(1, max_queue_size // workers), collate_fn=lambda b: b,
    )
    return iter(loader)
