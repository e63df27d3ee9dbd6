"""The distribution seam: what the training loop asks of a strategy, and the one-process default.

``compile(distribute=...)`` takes a strategy object or the name of a registered one (strategies
are plugins, ``lamella_strategies``; lamella-distributed provides Horovod and
``torch.distributed``). The loop talks to it at exactly these points:

==========================  ===============================================================
``setup(model)``            once, when compile binds the optimizer: wrap the optimizer
                            (Horovod's ``DistributedOptimizer``) or the forward pass (DDP),
                            broadcast the initial weights and optimizer state from the chief
``device(requested)``       the device this process trains on (e.g. its local-rank GPU)
``shard_samples(n)``        which of ``n`` in-memory samples this worker trains on
``shard_batches(batches)``  which batches of a generator, ``Sequence`` or loader it takes
``all_reduce_sum(values)``  metric sums and counts added across workers, so epoch results are
                            exact (never an average of averages)
``is_chief``                whether this process prints and writes files
``forward(model, inputs)``  the training forward pass (DDP routes it through its wrapper)
``train_epoch(model, b)``   wraps one epoch's training batches (a worker whose shard ends
                            first keeps joining the others' gradient exchanges)
``gather_batches(parts)``   ``predict``: every worker's batch outputs, back in order
``callbacks(callbacks)``    which callbacks this worker runs (writers on the chief only)
==========================  ===============================================================

A strategy implements any of them; :class:`Strategy` gives the single-process behaviour.

Example (a strategy plugin)::

    class EveryOther(Strategy):
        "Two processes that each train on every other sample (without gradient exchange)."

        def __init__(self, rank):
            self.rank = rank

        @property
        def is_chief(self):
            return self.rank == 0

        def shard_samples(self, n):
            return range(self.rank, n, 2)
"""


class Strategy:
    """One process, one device: every method is the identity (the default strategy)."""

    #: The name ``compile(distribute=...)`` accepts for this strategy.
    name = "single"

    @property
    def is_chief(self):
        """Whether this process prints progress and writes files (rank 0)."""
        return True

    @property
    def world_size(self):
        """The number of processes training together."""
        return 1

    @property
    def rank(self):
        """This process's index among them."""
        return 0

    def device(self, requested):
        """The device this process trains on, given what ``compile`` decided."""
        return requested

    def setup(self, model):
        """Prepare ``model`` (built, optimizer bound) for training across processes."""

    def shard_samples(self, n):
        """The indices (a ``range``) of the ``n`` in-memory samples this worker uses."""
        return range(n)

    def shard_batches(self, batches):
        """The batches of a generator, ``Sequence`` or loader that this worker uses: of ``n``
        batches, as many as ``shard_samples(n)`` has (the loop counts steps that way)."""
        return batches

    def all_reduce_sum(self, values):
        """``values`` (a list of tensors) summed over every worker."""
        return values

    def forward(self, model, inputs):
        """The forward pass of a training or test step: ``(outputs, masks)``."""
        return model._outputs_and_masks(inputs)

    def train_epoch(self, model, batches):
        """One epoch's training batches, as this worker iterates them."""
        return batches

    def gather_batches(self, collected):
        """``predict``'s outputs (one list of batch tensors per output) from every worker, in
        the order of the data; ``None`` when there were none."""
        return collected

    def callbacks(self, callbacks):
        """The callbacks (a list) this worker runs."""
        return callbacks


SINGLE_PROCESS = Strategy()


def resolve_strategy(distribute, resolve):
    """``compile(distribute=...)`` → a :class:`Strategy` instance.

    ``resolve(name)`` looks a strategy up by name in the plugin registry.
    """
    if distribute is None:
        return SINGLE_PROCESS
    strategy = resolve(distribute) if isinstance(distribute, str) else distribute
    return strategy() if isinstance(strategy, type) else strategy
