"""``lamella.preprocessing.text``: forwards to the registered ``text`` module (lamella-io)."""

from lamella.preprocessing import forwarder

__getattr__ = forwarder("text")
