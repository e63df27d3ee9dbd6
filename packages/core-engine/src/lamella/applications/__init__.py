"""``lamella.applications``: Keras 2.3.1's ``keras.applications``.

The models live in a plugin (lamella-applications registers them through the
``lamella_applications`` hook); the core names no package. ``lamella.applications.VGG16`` and
the other model functions, and the submodules ``lamella.applications.vgg16``, ``.resnet50``,
``.imagenet_utils``, ... (each with its ``preprocess_input`` and ``decode_predictions``)
resolve to what the plugin registered; without it they raise a ``MissingPluginError`` (an
``ImportError``) naming the distribution to install.

Example::

    from lamella.applications import MobileNet
    from lamella.applications.mobilenet import preprocess_input

    model = MobileNet(weights=None, input_shape=(128, 128, 3), alpha=0.25)
"""

from lamella.plugins import lookup

#: Keras 2.3.1's ``keras.applications`` functions and the submodule each comes from.
MODELS = {
    "VGG16": "vgg16", "VGG19": "vgg19", "ResNet50": "resnet50", "InceptionV3": "inception_v3",
    "InceptionResNetV2": "inception_resnet_v2", "Xception": "xception",
    "MobileNet": "mobilenet", "MobileNetV2": "mobilenet_v2", "DenseNet121": "densenet",
    "DenseNet169": "densenet", "DenseNet201": "densenet", "NASNetMobile": "nasnet",
    "NASNetLarge": "nasnet", "ResNet101": "resnet", "ResNet152": "resnet",
    "ResNet50V2": "resnet_v2", "ResNet101V2": "resnet_v2", "ResNet152V2": "resnet_v2",
}


def registered_module(name):
    """The module a plugin registered as ``lamella.applications.<name>``."""
    return lookup.resolve("applications", name)


def become_registered(module_name):
    """Make the core's ``lamella.applications.<name>`` module the registered one.

    Called by each submodule as it is imported: it replaces itself in ``sys.modules`` with the
    plugin's module, so ``import lamella.applications.vgg16 as m`` gives the real module and
    setting ``m.WEIGHTS_PATH`` changes the URL the model downloads from, as in Keras.
    """
    import sys

    sys.modules[module_name] = registered_module(module_name.rpartition(".")[2])


def __getattr__(name):
    if name in MODELS:
        return getattr(registered_module(MODELS[name]), name)
    raise AttributeError(f"module 'lamella.applications' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(MODELS))


__all__ = sorted(MODELS)
