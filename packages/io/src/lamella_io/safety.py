"""What ``safe_mode=True`` refuses: configs whose loading would run code stored in the file.

Keras 2.3 serialises a ``Lambda`` layer's function as marshalled bytecode
(``"function_type": "lambda"``), and Keras 3 as ``{"class_name": "__lambda__", ...}``. Both
would need ``marshal``/``eval`` to load, so lamella refuses them unless the caller opts in.
The check is generic over the config tree, so it covers any layer that stores code this way,
whether or not a ``Lambda`` layer is installed.

Example::

    check_config_is_safe(config, safe_mode=True, where="model.h5")   # raises on a Lambda
"""


class UnsafeConfigError(ValueError):
    """A config holds serialised code and ``safe_mode`` is on."""


def _unsafe_nodes(config, path="config"):
    if isinstance(config, dict):
        if config.get("function_type") == "lambda" or config.get("output_shape_type") == "lambda":
            yield path, config
        if config.get("class_name") == "__lambda__":
            yield path, config
        for key, value in config.items():
            yield from _unsafe_nodes(value, f"{path}.{key}")
    elif isinstance(config, list):
        for index, value in enumerate(config):
            yield from _unsafe_nodes(value, f"{path}[{index}]")


def _layer_name(config):
    if isinstance(config, dict):
        inner = config.get("config") if isinstance(config.get("config"), dict) else config
        return inner.get("name") or config.get("name")
    return None


def check_config_is_safe(config, safe_mode=True, where="the model config"):
    """Raise :class:`UnsafeConfigError` if ``config`` holds serialised code and ``safe_mode``."""
    from lamella.saving import check_safe_mode

    if not check_safe_mode(safe_mode):  # None is safe; only False itself skips the check
        return
    for path, node in _unsafe_nodes(config):
        name = _layer_name(node)
        raise UnsafeConfigError(
            f"{where}: refusing to load {'layer ' + repr(name) if name else path}: its config "
            f"holds a Python lambda serialised as bytecode, and loading it would run code taken "
            f"from the file. Only if you trust the file, load it with safe_mode=False "
            f"(e.g. lamella.models.load_model(path, safe_mode=False)); bytecode written by "
            f"another Python version usually cannot be loaded at all, so prefer re-creating "
            f"the Lambda in code and loading the weights with load_weights()."
        )
