"""``keras.datasets.cifar10``: forwards to the dataset module a plugin registered
under that name (lamella-io)."""

from lamella.datasets import forwarder

__getattr__ = forwarder("cifar10")
