"""``keras.datasets.cifar``: ``load_batch(fpath, label_key='labels')``, the reader of one
CIFAR-10/100 batch file, forwarded to the module a plugin registered under that name
(lamella-io, which unpickles with its restricted unpickler: arrays and plain data only)."""

from lamella.datasets import forwarder

__getattr__ = forwarder("cifar")
