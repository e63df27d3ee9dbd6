"""lamella-lion: the Lion optimizer as a lamella plugin.

Once installed, ``model.compile(optimizer="lion")`` and ``lamella.optimizers.Lion`` resolve to
:class:`lamella_lion.optimizer.Lion`; nothing needs to import this package by hand.
"""
