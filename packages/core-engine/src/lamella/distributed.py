"""``lamella.distributed``: data-parallel training on many processes (Horovod's names).

The implementation is a plugin (lamella-distributed registers it as the ``distributed``
utility); this facade forwards attribute access to it, so ``import lamella.distributed as hvd``
works like ``import horovod.keras as hvd`` and, without the plugin, says what to install.

Example::

    import lamella.distributed as hvd

    hvd.init()                  # Horovod under horovodrun, torch.distributed under torchrun
    print(hvd.rank(), hvd.size())
"""

from lamella.plugins import lookup


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    module = lookup.resolve("utils", "distributed")
    try:
        return getattr(module, name)
    except AttributeError:
        raise AttributeError(f"module 'lamella.distributed' has no attribute {name!r}") from None
