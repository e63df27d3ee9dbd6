"""lamella-example-swish: a worked example of a third-party lamella plugin.

Once installed, ``lamella.activations.get("swish")`` and ``lamella.layers.Swish`` resolve to the
objects below; nothing needs to import this package by hand.
"""
