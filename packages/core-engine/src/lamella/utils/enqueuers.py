"""Keras 2.3.1's enqueuers: batches of a ``Sequence`` or a generator produced by worker threads
or processes into a queue, ahead of the consumer (``keras.utils.data_utils``).

lamella's own training loop has its own loader (``engine/epoch_iterator.py``); these classes
are for scripts that drive a ``Sequence`` or generator themselves, as Keras 2.3 allowed.
"""

import abc
import multiprocessing as mp
import queue
import random
import threading
import time
import warnings
from contextlib import closing
from multiprocessing.pool import ThreadPool

import numpy as np

__all__ = ["GeneratorEnqueuer", "OrderedEnqueuer", "SequenceEnqueuer"]

# What the workers read: {uid: sequence or generator}. Processes receive it when the pool
# starts (inherited with fork, pickled with spawn), so several enqueuers (training and
# validation) can run at once without overwriting each other's data.
_SHARED_SEQUENCES = {}
_COUNTER_LOCK = threading.Lock()
_NEXT_UID = [0]


def init_pool(seqs):
    """A worker process's initialiser: the shared sequences."""
    global _SHARED_SEQUENCES
    _SHARED_SEQUENCES = seqs


def get_index(uid, i):
    """Item ``i`` of the sequence ``uid`` (run in a worker)."""
    return _SHARED_SEQUENCES[uid][i]


def init_pool_generator(gens, random_seed=None):
    """A generator worker's initialiser: the shared generators and, with ``random_seed``, a
    NumPy seed that differs per worker process."""
    global _SHARED_SEQUENCES
    _SHARED_SEQUENCES = gens
    if random_seed is not None:
        np.random.seed((random_seed + mp.current_process().ident) % (2 ** 32))


def next_sample(uid):
    """The next value of the generator ``uid`` (run in a worker)."""
    return next(_SHARED_SEQUENCES[uid])


class SequenceEnqueuer(abc.ABC):
    """Base class of the enqueuers: ``start`` workers, read ``get()``, ``stop``.

    Example::

        enqueuer = OrderedEnqueuer(my_sequence, use_multiprocessing=False)
        enqueuer.start(workers=2, max_queue_size=10)
        batches = enqueuer.get()         # an endless generator of batches
        x, y = next(batches)
        enqueuer.stop()
    """

    def __init__(self, sequence, use_multiprocessing=False):
        self.sequence = sequence
        self.use_multiprocessing = use_multiprocessing
        with _COUNTER_LOCK:
            self.uid = _NEXT_UID[0]
            _NEXT_UID[0] += 1
        self.workers = 0
        self.executor_fn = None
        self.queue = None
        self.run_thread = None
        self.stop_signal = None

    def is_running(self):
        return self.stop_signal is not None and not self.stop_signal.is_set()

    def start(self, workers=1, max_queue_size=10):
        """Start ``workers`` threads (or processes) feeding a queue of ``max_queue_size``."""
        if not isinstance(workers, int) or workers < 1:
            raise ValueError(f"{type(self).__name__}.start: workers must be an integer >= 1, "
                             f"got {workers!r}.")
        if self.use_multiprocessing:
            self.executor_fn = self._get_executor_init(workers)
        else:
            self.executor_fn = lambda _: ThreadPool(workers)
        self.workers = workers
        self.queue = queue.Queue(max_queue_size)
        self.stop_signal = threading.Event()
        self.run_thread = threading.Thread(target=self._run, daemon=True)
        self.run_thread.start()

    def _send_sequence(self):
        _SHARED_SEQUENCES[self.uid] = self.sequence

    def stop(self, timeout=None):
        """Stop the workers and wait (up to ``timeout`` seconds) for them to finish."""
        if self.stop_signal is None:
            return
        self.stop_signal.set()
        with self.queue.mutex:
            self.queue.queue.clear()
            self.queue.unfinished_tasks = 0
            self.queue.not_full.notify()
        self.run_thread.join(timeout)
        _SHARED_SEQUENCES.pop(self.uid, None)

    @abc.abstractmethod
    def _run(self):
        """Submit requests to the executor and queue the futures."""

    @abc.abstractmethod
    def _get_executor_init(self, workers):
        """A function that makes the process pool from the shared sequences."""

    @abc.abstractmethod
    def get(self):
        """A generator of the queued batches (``None`` items skipped)."""


class OrderedEnqueuer(SequenceEnqueuer):
    """Batches of a ``Sequence`` in order (or shuffled per epoch), loaded in parallel;
    ``sequence.on_epoch_end()`` runs after each pass.

    # Arguments
        sequence: a ``lamella.utils.Sequence``.
        use_multiprocessing: worker processes instead of threads.
        shuffle: visit the batches in a new random order each epoch.

    Example::

        enqueuer = OrderedEnqueuer(batches, shuffle=False)
        enqueuer.start(workers=4)
        first_epoch = [next(enqueuer.get()) for _ in range(len(batches))]
    """

    def __init__(self, sequence, use_multiprocessing=False, shuffle=False):
        super().__init__(sequence, use_multiprocessing)
        self.shuffle = shuffle
        self.end_of_epoch_signal = threading.Event()

    def _get_executor_init(self, workers):
        return lambda seqs: mp.Pool(workers, initializer=init_pool, initargs=(seqs,))

    def _wait_queue(self):
        while True:
            time.sleep(0.1)
            if self.queue.unfinished_tasks == 0 or self.stop_signal.is_set():
                return

    def _run(self):
        while True:
            sequence = list(range(len(self.sequence)))
            self._send_sequence()
            if self.shuffle:
                random.shuffle(sequence)
            with closing(self.executor_fn(_SHARED_SEQUENCES)) as executor:
                for i in sequence:
                    if self.stop_signal.is_set():
                        return
                    future = executor.apply_async(get_index, (self.uid, i))
                    future.idx = i
                    self.queue.put(future, block=True)
                self._wait_queue()  # the epoch's last batches are consumed
                if self.stop_signal.is_set():
                    return
            self.sequence.on_epoch_end()
            self.end_of_epoch_signal.set()

    def join_end_of_epoch(self):
        """Wait (up to 30 s) until the current epoch has been produced and consumed."""
        self.end_of_epoch_signal.wait(timeout=30)
        self.end_of_epoch_signal.clear()

    def get(self):
        """Yield the batches, in the epoch's order, forever (until ``stop``)."""
        try:
            while self.is_running():
                future = self.queue.get(block=True)
                try:
                    inputs = future.get(timeout=30)
                except mp.TimeoutError:
                    warnings.warn(f"The input {future.idx} could not be retrieved. It could be "
                                  f"because a worker has died.", UserWarning, stacklevel=2)
                    inputs = self.sequence[future.idx]
                finally:
                    self.queue.task_done()
                if inputs is not None:
                    yield inputs
        except Exception:
            self.stop()
            raise


class GeneratorEnqueuer(SequenceEnqueuer):
    """Batches of a generator, pulled by worker threads (the generator must be thread-safe
    with ``workers > 1``) or processes; a finite generator ends ``get()``.

    # Arguments
        sequence: a generator of batches.
        use_multiprocessing: worker processes instead of threads.
        wait_time: unused (Keras 2.3.1 deprecated it); a ``DeprecationWarning``.
        random_seed: worker processes seed NumPy with it plus their process id.

    Example::

        enqueuer = GeneratorEnqueuer(batch_generator())
        enqueuer.start(workers=1, max_queue_size=10)
        for x, y in enqueuer.get():
            ...
    """

    def __init__(self, sequence, use_multiprocessing=False, wait_time=None,
                 random_seed=None):
        super().__init__(sequence, use_multiprocessing)
        self.random_seed = random_seed
        if wait_time is not None:
            warnings.warn("`wait_time` is not used anymore.", DeprecationWarning, stacklevel=2)

    def _get_executor_init(self, workers):
        return lambda seqs: mp.Pool(workers, initializer=init_pool_generator,
                                    initargs=(seqs, self.random_seed))

    def _run(self):
        self._send_sequence()
        with closing(self.executor_fn(_SHARED_SEQUENCES)) as executor:
            while True:
                if self.stop_signal.is_set():
                    return
                self.queue.put(executor.apply_async(next_sample, (self.uid,)), block=True)

    def get(self):
        """Yield the generator's batches until it ends (or ``stop``)."""
        try:
            while self.is_running():
                try:
                    future = self.queue.get(block=True)
                    inputs = future.get(timeout=30)
                    self.queue.task_done()
                except mp.TimeoutError:
                    warnings.warn("An input could not be retrieved. It could be because a "
                                  "worker has died. We do not have any information on the "
                                  "lost sample.", UserWarning, stacklevel=2)
                    continue
                if inputs is not None:
                    yield inputs
        except StopIteration:
            # A finite generator: what was already requested and succeeded still counts.
            last_ones = []
            while self.queue.qsize() > 0:
                last_ones.append(self.queue.get(block=True))
            for future in last_ones:
                future.wait()
            for inputs in [f.get() for f in last_ones if f.successful()]:
                if inputs is not None:
                    yield inputs
        except Exception as e:
            self.stop()
            if "generator already executing" in str(e):
                raise RuntimeError(
                    "Your generator is NOT thread-safe. lamella (as Keras) requires a "
                    "thread-safe generator when `use_multiprocessing=False, workers > 1`."
                ) from e
            raise
