"""``keras.layers.local`` as in Keras 2.3.1, resolved through the registry."""

from lamella.layers import _keras_modules

_keras_modules.install(globals())
