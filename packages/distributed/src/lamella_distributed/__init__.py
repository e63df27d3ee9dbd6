"""lamella_distributed: data-parallel training with Horovod and torch.distributed for lamella."""

from lamella._version import __version__

__all__ = ["__version__"]
