"""Turning what users pass to ``fit``/``evaluate``/``predict`` into batches of tensors.

In-memory data (NumPy arrays, lists, dicts, torch tensors) becomes tensors on the model's
device once and is sliced per batch with an index tensor: no per-sample Python. Generators,
``lamella.utils.Sequence`` and ``torch.utils.data`` datasets and loaders are iterated as given.
"""

import queue
import threading

import numpy as np
import torch

from lamella.utils.data_utils import Sequence


def to_list(x):
    if x is None:
        return []
    return list(x) if isinstance(x, (list, tuple)) else [x]


def is_generator_like(x):
    if isinstance(x, (Sequence, torch.utils.data.DataLoader)):
        return True
    return hasattr(x, "__next__") and not isinstance(x, (np.ndarray, torch.Tensor))


def _as_tensor(value, name, device):
    if torch.is_tensor(value):
        tensor = value
    else:
        array = np.asarray(value)
        if array.dtype == object:
            raise ValueError(f"{name}: could not convert the data to a numeric array "
                             f"(found Python objects of mixed shapes or types).")
        if array.dtype == np.float64:
            array = array.astype(np.float32)
        tensor = torch.from_numpy(np.ascontiguousarray(array))
    if tensor.dtype == torch.float64:
        tensor = tensor.float()
    return tensor.to(device) if device is not None else tensor


def standardize(data, names, kind, device, shapes=None):
    """Arrays, a list or a dict by name → a list of tensors in ``names`` order."""
    if data is None:
        return None
    if isinstance(data, dict):
        unknown = [k for k in data if k not in names]
        missing = [n for n in names if n not in data]
        if missing:
            raise ValueError(
                f"No data provided for {kind} {missing}. The dict has keys {sorted(data)}; the "
                f"model expects {kind}s {names}."
            )
        if unknown:
            raise ValueError(f"Unknown {kind} name(s) {unknown} in the data; expected {names}.")
        data = [data[n] for n in names]
    flat = to_list(data)
    if len(flat) != len(names):
        raise ValueError(
            f"The model expects {len(names)} {kind} array(s) {names}, but received {len(flat)}."
        )
    tensors = [_as_tensor(v, f"{kind} {n!r}", device) for v, n in zip(flat, names)]
    if shapes is not None:
        for tensor, name, shape in zip(tensors, names, shapes):
            if shape is None:
                continue
            if tensor.dim() != len(shape):
                raise ValueError(
                    f"Error when checking {kind} {name!r}: expected {len(shape)} dimensions "
                    f"(shape {shape}), but got an array with shape {tuple(tensor.shape)}."
                )
            for expected, got in zip(shape[1:], tensor.shape[1:]):
                if expected is not None and expected != got:
                    raise ValueError(
                        f"Error when checking {kind} {name!r}: expected shape {shape}, but got "
                        f"an array with shape {tuple(tensor.shape)}."
                    )
    return tensors


def check_lengths(groups):
    """All arrays of x, y and sample weights must hold the same number of samples."""
    lengths = {}
    for label, tensors in groups:
        for i, tensor in enumerate(tensors or []):
            if tensor is not None:
                lengths[f"{label}[{i}]"] = tensor.shape[0]
    if len(set(lengths.values())) > 1:
        detail = ", ".join(f"{k}: {v}" for k, v in lengths.items())
        raise ValueError(f"All input arrays (x) and target arrays (y) must have the same number "
                         f"of samples; got {detail}.")
    return next(iter(lengths.values()), 0)


def split_validation(arrays, split):
    """Keras's rule: the *last* ``split`` fraction, taken before any shuffling."""
    n = arrays[0][0].shape[0] if arrays and arrays[0] else 0
    split_at = int(n * (1.0 - split))
    train = [None if g is None else [t[:split_at] for t in g] for g in arrays]
    val = [None if g is None else [t[split_at:] for t in g] for g in arrays]
    return train, val


def batch_indices(n, batch_size, shuffle, device):
    """The index tensors of one epoch's batches (``shuffle`` True, False or ``'batch'``)."""
    if shuffle == "batch":
        n_batches = n // batch_size
        order = np.arange(n)
        head = order[: n_batches * batch_size].reshape(n_batches, batch_size)
        np.random.shuffle(head)
        order = np.concatenate([head.ravel(), order[n_batches * batch_size:]])
        perm = torch.from_numpy(order).to(device)
    elif shuffle:
        perm = torch.from_numpy(np.random.permutation(n)).to(device)
    else:
        return [slice(i, min(i + batch_size, n)) for i in range(0, n, batch_size)]
    return [perm[i:i + batch_size] for i in range(0, n, batch_size)]


def take(tensors, index):
    if tensors is None:
        return None
    return [t[index] for t in tensors]


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
            iterator = iter(data)
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
    from concurrent.futures import ThreadPoolExecutor

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


