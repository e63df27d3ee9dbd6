"""``lamella.utils.data_utils``: Keras 2.3.1's module of that name.

``Sequence`` (an indexable dataset of batches, safe for parallel loading) lives here; the
enqueuers and their worker-pool helpers (``get_index``, ``init_pool``, ``init_pool_generator``,
``next_sample``: the very functions the enqueuers' pools run) in
:mod:`lamella.utils.enqueuers`; ``get_file`` and ``validate_file`` come from the plugin that
registers them (lamella-io, through the ``lamella_utils`` hook).
"""

from lamella.utils.enqueuers import (
    GeneratorEnqueuer,
    OrderedEnqueuer,
    SequenceEnqueuer,
    get_index,
    init_pool,
    init_pool_generator,
    next_sample,
)


class Sequence:
    """Base class for a dataset of batches: implement ``__getitem__`` and ``__len__``.

    Each item is one batch, ``(x, y)`` or ``(x, y, sample_weight)``. ``fit`` loads items in
    parallel with ``workers`` (threads, or processes with ``use_multiprocessing=True``) and keeps
    the order of an epoch.

    Example::

        class Batches(Sequence):
            def __init__(self, x, y, batch_size):
                self.x, self.y, self.batch_size = x, y, batch_size

            def __len__(self):
                return -(-len(self.x) // self.batch_size)

            def __getitem__(self, index):
                part = slice(index * self.batch_size, (index + 1) * self.batch_size)
                return self.x[part], self.y[part]
    """

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__(index)")

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must implement __len__()")

    def on_epoch_end(self):
        """Called at the end of every epoch (e.g. to reshuffle)."""

    def __iter__(self):
        for index in range(len(self)):
            yield self[index]


def __getattr__(name):
    if name == "Progbar":  # Keras's data_utils imports it from generic_utils
        from lamella.engine.progbar import Progbar

        return Progbar
    # get_file, validate_file: registered utilities (lamella-io), resolved on first use.
    from lamella.plugins import facade

    return facade.Facade("utils", __name__).getattr(name)


__all__ = ["GeneratorEnqueuer", "OrderedEnqueuer", "Sequence", "SequenceEnqueuer", "get_index",
           "init_pool", "init_pool_generator", "next_sample"]
