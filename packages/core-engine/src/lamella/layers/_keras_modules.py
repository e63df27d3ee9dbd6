"""Keras 2.3.1's ``keras.layers.*`` modules: the table of their public names, and the helper that
makes each ``lamella.layers.<module>`` answer those names through the plugin registry.

Ported code imports from these paths (``from keras.layers.convolutional import Conv2D``,
``from keras.layers.recurrent import LSTM``); each submodule is two lines calling
:func:`install`. A listed name resolves lazily, exactly as ``lamella.layers.X`` does, so it is the
class the installed plugin registered, and a name no installed plugin provides raises the
facade's error (an ``ImportError`` naming the distribution to install for a first-party name,
else an ``AttributeError``). A name Keras does not have in that module is an ``AttributeError``
without a registry lookup, as in Keras. ``Layer`` and ``InputSpec``, which every Keras layers
module imports, are ordinary attributes.

Example::

    from lamella.layers import recurrent
    from lamella.layers.convolutional import Conv2D, MaxPooling2D   # Keras re-exports pooling

    recurrent.LSTM(4)
"""

import importlib

from lamella.engine.base_layer import InputSpec, Layer
from lamella.plugins import facade as _facade

#: ``module -> names`` as in Keras 2.3.1's ``keras/layers/<module>.py``: the layers defined there,
#: Keras's aliases, and the layers those modules import for backwards compatibility. Some names
#: are not implemented by any lamella package yet (ConvRNN2D and Keras 1's
#: legacy layers); they raise the facade's error until a plugin registers them.
KERAS_MODULES = {
    "advanced_activations": ("LeakyReLU", "PReLU", "ELU", "ThresholdedReLU", "Softmax", "ReLU"),
    "convolutional": (
        "Conv1D", "Conv2D", "Conv3D", "Conv2DTranspose", "Conv3DTranspose", "SeparableConv1D",
        "SeparableConv2D", "DepthwiseConv2D", "UpSampling1D", "UpSampling2D", "UpSampling3D",
        "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D", "Cropping1D", "Cropping2D",
        "Cropping3D",
        # aliases
        "Convolution1D", "Convolution2D", "Convolution3D", "SeparableConvolution1D",
        "SeparableConvolution2D", "Convolution2DTranspose", "Deconvolution2D", "Deconv2D",
        "Deconvolution3D", "Deconv3D", "AtrousConv1D", "AtrousConv2D",
        # imported "for backwards namespace compatibility"
        "AveragePooling1D", "AveragePooling2D", "AveragePooling3D", "MaxPooling1D",
        "MaxPooling2D", "MaxPooling3D", "AtrousConvolution1D", "AtrousConvolution2D",
    ),
    "convolutional_recurrent": ("ConvRNN2D", "ConvLSTM2DCell", "ConvLSTM2D", "RNN", "Recurrent",
                                "ConvRecurrent2D"),
    "core": ("Masking", "Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D",
             "Activation", "Reshape", "Permute", "Flatten", "RepeatVector", "Lambda", "Dense",
             "ActivityRegularization"),
    "cudnn_recurrent": ("CuDNNGRU", "CuDNNLSTM", "RNN"),
    "embeddings": ("Embedding",),
    "local": ("LocallyConnected1D", "LocallyConnected2D"),
    "merge": ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate",
              "Dot", "add", "subtract", "multiply", "average", "maximum", "minimum",
              "concatenate", "dot"),
    "noise": ("GaussianNoise", "GaussianDropout", "AlphaDropout"),
    "normalization": ("BatchNormalization",),
    "pooling": (
        "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D", "AveragePooling2D",
        "AveragePooling3D", "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D",
        "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D",
        # aliases
        "MaxPool1D", "MaxPool2D", "MaxPool3D", "AvgPool1D", "AvgPool2D", "AvgPool3D",
        "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalMaxPool3D", "GlobalAvgPool1D",
        "GlobalAvgPool2D", "GlobalAvgPool3D",
    ),
    "recurrent": ("RNN", "SimpleRNN", "GRU", "LSTM", "SimpleRNNCell", "GRUCell", "LSTMCell",
                  "StackedRNNCells", "Recurrent"),
    "wrappers": ("Wrapper", "TimeDistributed", "Bidirectional"),
}

#: ``from keras.layers import *`` (Keras 2.3.1's ``keras/layers/__init__.py`` star-imports every
#: module above, so this is what the script gets): the modules' layers but these, which Keras
#: keeps in their module only ...
MODULE_ONLY = frozenset({"AtrousConv1D", "AtrousConv2D", "ConvRNN2D", "Convolution2DTranspose",
                         "Deconv2D", "Deconv3D", "SeparableConvolution1D",
                         "SeparableConvolution2D", "Wrapper"})
#: ... and these, which the package has besides (its legacy layers and engine imports).
PACKAGE_ONLY = ("Highway", "MaxoutDense", "Input", "InputLayer", "InputSpec", "Layer",
                "serialize", "deserialize", "deserialize_keras_object")

#: Keras aliases that exist only in their module (not in ``keras.layers``), so the registry
#: knows them by the class's own name.
RENAMED = {"Deconv2D": "Conv2DTranspose", "Deconv3D": "Conv3DTranspose"}


def install_package(module_globals):
    """Let ``lamella.layers.<module>`` work without importing it first, as in Keras (whose
    ``keras/layers/__init__.py`` imports them); other names still go to the facade."""
    facade_getattr = module_globals["__getattr__"]
    facade_dir = module_globals["__dir__"]
    package = module_globals["__name__"]

    def __getattr__(name):
        if name in KERAS_MODULES:
            return importlib.import_module(f"{package}.{name}")
        if name == "__all__":
            # ``import *`` gets Keras 2.3.1's names that are installed, not the registry's
            # other spellings (``dense``, ``lambda``...), which would shadow a script's names
            return [n for n in _package_names() if _provided(n)]
        return facade_getattr(name)

    def _provided(name):
        if name in module_globals:
            return True
        try:
            facade_getattr(name)
        except (AttributeError, ImportError):
            return False
        return True

    module_globals.update(__getattr__=__getattr__,
                          __dir__=lambda: sorted(set(facade_dir()) | set(KERAS_MODULES)))


def _package_names():
    layers = {n for names in KERAS_MODULES.values() for n in names} - MODULE_ONLY
    return sorted(layers) + list(PACKAGE_ONLY)


def install(module_globals):
    """Make the module whose globals these are answer the names Keras 2.3.1 has in it."""
    module_name = module_globals["__name__"]
    names = KERAS_MODULES[module_name.rsplit(".", 1)[1]]
    # The facade of this module, so that its errors name this module.
    facade = _facade.Facade("layers", module_name)

    def __getattr__(name):
        if name == "__all__":  # for ``import *``: what the installed plugins provide
            return [n for n in names if _provided(n)]
        if name not in names:
            raise AttributeError(f"module {module_name!r} has no attribute {name!r}")
        return facade.getattr(RENAMED.get(name, name))

    def _provided(name):
        try:
            __getattr__(name)
        except (AttributeError, ImportError):
            return False
        return True

    module_globals.update(
        Layer=Layer,
        InputSpec=InputSpec,
        __getattr__=__getattr__,
        # like the facade's: what is installed (and the module's ordinary attributes)
        __dir__=lambda: sorted({n for n in module_globals if not n.startswith("_")}
                               | {n for n in names if _provided(n)}),
    )
