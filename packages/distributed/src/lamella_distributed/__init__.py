"""lamella_distributed: data-parallel training with Horovod and torch.distributed for lamella.

Users import it as ``lamella.distributed`` (Horovod's names, so ``import horovod.keras as hvd``
ports as ``import lamella.distributed as hvd``):

- the process group: :func:`init` (Horovod under ``horovodrun``, ``torch.distributed`` under
  ``torchrun``, one process otherwise), :func:`rank`, :func:`size`, :func:`local_rank`,
  :func:`is_chief`, :func:`barrier`, :func:`allreduce`, :func:`broadcast_object`,
  :func:`allgather_object`;
- the strategies ``compile(distribute=...)`` takes: ``'horovod'`` / :class:`Horovod`,
  ``'ddp'`` / :class:`DDP`, ``'single'``;
- :func:`DistributedOptimizer`, :class:`Compression`, ``Average``/``Sum``, and Horovod's Keras
  callbacks in :mod:`lamella_distributed.callbacks`;
- :func:`multi_gpu_model` (also ``lamella.utils.multi_gpu_model``).

Example::

    import lamella.distributed as hvd

    hvd.init()
    model.compile(hvd.DistributedOptimizer(opt), "categorical_crossentropy")
    model.fit(x, y, callbacks=[hvd.callbacks.BroadcastGlobalVariablesCallback(0)],
              verbose=1 if hvd.rank() == 0 else 0)
"""

from lamella._version import __version__
from lamella_distributed import callbacks
from lamella_distributed.backend import (
    allgather_object,
    allreduce,
    barrier,
    broadcast_object,
    init,
    is_chief,
    local_rank,
    local_size,
    rank,
    size,
)
from lamella_distributed.multi_gpu import multi_gpu_model
from lamella_distributed.optimizer import Adasum, Average, Compression, DistributedOptimizer, Sum
from lamella_distributed.strategies import DDP, Horovod, Single, broadcast_model_state

__all__ = [
    "DDP",
    "Adasum",
    "Average",
    "Compression",
    "DistributedOptimizer",
    "Horovod",
    "Single",
    "Sum",
    "__version__",
    "allgather_object",
    "allreduce",
    "barrier",
    "broadcast_model_state",
    "broadcast_object",
    "callbacks",
    "init",
    "is_chief",
    "local_rank",
    "local_size",
    "multi_gpu_model",
    "rank",
    "size",
]
