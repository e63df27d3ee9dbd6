"""``lamella.preprocessing.sequence``: forwards to the registered ``sequence`` module
(lamella-io).
"""

from lamella.preprocessing import forwarder

__getattr__ = forwarder("sequence")
