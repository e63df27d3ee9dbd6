"""``lamella.preprocessing.image``: forwards to the registered ``image`` module (lamella-io)."""

from lamella.preprocessing import forwarder

__getattr__ = forwarder("image")
