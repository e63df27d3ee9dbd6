"""``lamella.layers``: Keras's layers (registered by lamella-layers and other plugins).

Base classes are ordinary attributes; every other name resolves through the plugin registry,
so ``lamella.layers.X`` is the object the installed plugin registered.

Keras 2.3.1's module paths exist too (``lamella.layers.convolutional``,
``lamella.layers.recurrent``, ...; the table is in :mod:`lamella.layers._keras_modules`), each
exposing the names Keras has there, resolved the same way.

Example::

    from lamella import layers
    from lamella.layers.convolutional import Conv2D

    assert layers.Conv2D is Conv2D is layers.get("conv2d")
    layers.recurrent.LSTM(8)
"""

from lamella.engine.base_layer import InputSpec, Layer
from lamella.engine.input_layer import Input, InputLayer
from lamella.layers import _keras_modules
from lamella.plugins import facade as _facade

_facade.install(globals(), "layers")
_keras_modules.install_package(globals())
