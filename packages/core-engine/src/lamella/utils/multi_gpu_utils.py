"""``keras.utils.multi_gpu_utils``: ``multi_gpu_model`` comes from the plugin that provides it
(a registered utility, ``lamella.utils.multi_gpu_model``); ``Model`` and ``Lambda`` are what
Keras's module imports."""


def __getattr__(name):
    if name == "Model":
        from lamella.engine.model import Model

        return Model
    if name == "Lambda":
        from lamella import layers

        return layers.Lambda
    if name.startswith("__"):
        raise AttributeError(name)
    from lamella import utils

    return getattr(utils, name)
