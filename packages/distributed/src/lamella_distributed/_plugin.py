"""lamella_distributed's registrations with lamella.

Named by ``"module:attr"`` strings, so listing plugins imports nothing (Horovod is imported
only when the ``'horovod'`` strategy is created). The Horovod strategy is registered whether
or not Horovod is installed: creating it without Horovod raises an error that says how to
install it, rather than an unknown-name error.
"""

from lamella.plugins import Component, hookimpl

_PKG = "lamella_distributed"


@hookimpl
def lamella_strategies():
    return [
        Component("horovod", f"{_PKG}.strategies:Horovod"),
        Component("ddp", f"{_PKG}.strategies:DDP"),
        Component("single", f"{_PKG}.strategies:Single"),
    ]


@hookimpl
def lamella_utils():
    # lamella.utils.multi_gpu_model, and the module behind the lamella.distributed facade.
    return [Component("multi_gpu_model", f"{_PKG}.multi_gpu:multi_gpu_model"),
            Component("distributed", _PKG)]
