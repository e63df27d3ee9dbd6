"""The machinery behind ``lamella.layers``, ``lamella.optimizers`` and the other facades.

A facade module holds the kind's base classes as ordinary attributes and answers every other
attribute through the registry (PEP 562 ``__getattr__``/``__dir__``), so ``lamella.layers.Dense``
is the very class ``lamella-layers`` registered, and tab completion lists what is installed.
Each facade also gets Keras's ``get``, ``serialize`` and ``deserialize`` for its kind.
"""

import inspect

from lamella.plugins import lookup
from lamella.plugins.contract import get_kind
from lamella.plugins.custom_objects import CustomObjectScope


def _strip_keras3_keys(config):
    """Keras 3 wraps objects in ``{"module", "class_name", "config", "registered_name"}``."""
    class_name = config.get("class_name")
    registered = config.get("registered_name")
    if class_name == "function" and isinstance(config.get("config"), str):
        return config["config"], None
    if registered and ">" in str(registered):
        class_name = registered.split(">", 1)[1]
    return class_name, config.get("config", {})


def _call_from_config(cls, config, custom_objects):
    if hasattr(cls, "from_config"):
        params = inspect.signature(cls.from_config).parameters
        if "custom_objects" in params:
            return cls.from_config(config, custom_objects=custom_objects)
        with CustomObjectScope(custom_objects or {}):
            return cls.from_config(config)
    with CustomObjectScope(custom_objects or {}):
        return cls(**(config or {}))


class Facade:
    """``get``/``serialize``/``deserialize`` and attribute lookup for one kind.

    Example::

        facade = Facade("losses", "lamella.losses")
        facade.get("mse") is facade.get("mean_squared_error")
    """

    def __init__(self, kind, module_name, none_value=None):
        self.kind = kind
        self.noun = get_kind(kind).noun
        # Keras's get('name') instantiates some kinds (built from ``{'config': {}}``); the
        # others return the registered function or class itself.
        self.instantiates = get_kind(kind).instantiates
        self.module_name = module_name
        self.none_value = none_value

    def deserialize(self, config, custom_objects=None):
        """Build an object from a name or a ``{"class_name", "config"}`` dict."""
        if isinstance(config, str):
            return self.get(config, custom_objects=custom_objects)
        if not isinstance(config, dict) or "class_name" not in config:
            raise ValueError(
                f"Could not deserialize {self.noun} from {config!r}: expected a name or a dict "
                f"with 'class_name' and 'config'."
            )
        class_name, inner = _strip_keras3_keys(config)
        obj = lookup.resolve(self.kind, class_name, custom_objects)
        if inner is None:
            return obj
        if inspect.isclass(obj) or self.instantiates or inner:
            return _call_from_config(obj, inner, custom_objects)
        return obj

    def serialize(self, obj):
        """A function serializes to its name, an object to ``{"class_name", "config"}``; the
        name is the one its plugin registered (see :func:`lookup.registered_name`)."""
        if obj is None:
            return None
        if inspect.isfunction(obj) or inspect.isbuiltin(obj):
            return lookup.registered_name(self.kind, obj)
        if inspect.isclass(obj):  # before get_config: a class's get_config is unbound
            return lookup.registered_name(self.kind, obj)
        if hasattr(obj, "get_config"):
            return {"class_name": lookup.registered_name(self.kind, obj),
                    "config": obj.get_config()}
        if callable(obj) and hasattr(obj, "__name__"):
            return lookup.registered_name(self.kind, obj)
        raise ValueError(f"Cannot serialize {self.noun} {obj!r}: it has no get_config().")

    def get(self, identifier, custom_objects=None):
        """Keras's ``get``: a name, a config dict, an instance or a callable."""
        if identifier is None:
            return self.none_value() if callable(self.none_value) else self.none_value
        if isinstance(identifier, dict):
            return self.deserialize(identifier, custom_objects)
        if isinstance(identifier, str):
            obj = lookup.resolve(self.kind, identifier, custom_objects)
            if self.instantiates and callable(obj):
                return obj()
            return obj
        if callable(identifier) or not isinstance(identifier, (int, float, bool, list, tuple)):
            return identifier
        raise ValueError(f"Could not interpret {self.noun} identifier: {identifier!r}")

    def getattr(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        obj = lookup.find(self.kind, name)
        if obj is not None:
            return obj
        missing = lookup.missing_plugin_error(self.kind, name)
        if missing is not None:
            raise missing
        suggestions = lookup.registry(self.kind).suggestions(name)
        hint = f" Did you mean: {', '.join(map(repr, suggestions))}?" if suggestions else ""
        raise AttributeError(f"module {self.module_name!r} has no attribute {name!r}.{hint}")

    def dir(self, module_globals):
        names = set(module_globals) | set(lookup.registry(self.kind).keys())
        return sorted(n for n in names if not n.startswith("_"))


def _first_argument_named(method, name):
    """``method`` as a function whose first parameter is called ``name``, as Keras calls it
    (``keras.activations.serialize(activation)``), so keyword calls from ported code work."""
    sig = inspect.signature(method)
    params = list(sig.parameters.values())
    params[0] = params[0].replace(name=name)

    def function(*args, **kwargs):
        if name in kwargs:
            if args:
                raise TypeError(f"{method.__name__}() got multiple values for argument {name!r}")
            args = (kwargs.pop(name),)
        return method(*args, **kwargs)

    function.__name__ = function.__qualname__ = method.__name__
    function.__doc__ = method.__doc__
    function.__signature__ = sig.replace(parameters=params)
    return function


def install(module_globals, kind, none_value=None, serialize_arg="obj", deserialize_arg="config"):
    """Give a facade module ``get``/``serialize``/``deserialize``/``__getattr__``/``__dir__``.

    ``serialize_arg``/``deserialize_arg`` name the first argument of ``serialize`` and
    ``deserialize`` as Keras 2.3.1 does in that module (``serialize(loss)``,
    ``deserialize(name, custom_objects=None)``).

    Example (the whole of ``lamella/losses.py`` but its imports)::

        _facade.install(globals(), "losses", serialize_arg="loss", deserialize_arg="name")
    """
    facade = Facade(kind, module_globals["__name__"], none_value)
    module_globals.update(
        get=facade.get,
        serialize=_first_argument_named(facade.serialize, serialize_arg),
        deserialize=_first_argument_named(facade.deserialize, deserialize_arg),
        __getattr__=facade.getattr,
        __dir__=lambda: facade.dir(module_globals),
        _facade=facade,
    )
    return facade
