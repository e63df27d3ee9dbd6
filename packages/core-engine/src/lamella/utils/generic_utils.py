"""``lamella.utils.generic_utils``: small helpers, at Keras 2.3's module path.

Kept free of lamella imports so that any module of the core may use it without creating an
import cycle.
"""


def as_list(value):
    """``value`` as a new list: ``None`` gives ``[]``, a list or tuple its items, anything else
    ``[value]``. lamella's own normaliser (Keras's :func:`to_list` keeps ``None`` and tuples).

    Example::

        >>> as_list(None), as_list((1, 2)), as_list("x")
        ([], [1, 2], ['x'])
    """
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def to_list(x, allow_tuple=False):
    """Keras 2.3's ``to_list``: a list is returned as is (not copied), a tuple becomes a list
    only with ``allow_tuple=True``, anything else (``None`` and tuples included) is wrapped.

    Example::

        >>> to_list([1]), to_list((1, 2)), to_list((1, 2), allow_tuple=True), to_list(None)
        ([1], [(1, 2)], [1, 2], [None])
    """
    if isinstance(x, list):
        return x
    if allow_tuple and isinstance(x, tuple):
        return list(x)
    return [x]


# --- the rest of Keras 2.3.1's ``keras.utils.generic_utils`` ---------------------------------


def unpack_singleton(x):
    """The only item of a one-item list or tuple, else ``x`` itself (Keras 2.3)."""
    if len(x) == 1:
        return x[0]
    return x


def is_all_none(iterable_or_element):
    """True when every item (or the one element) is ``None``."""
    if not isinstance(iterable_or_element, (list, tuple)):
        iterable = [iterable_or_element]
    else:
        iterable = iterable_or_element
    return all(element is None for element in iterable)


def object_list_uid(object_list):
    """A string naming the identities of the objects, in order (Keras's cache key)."""
    return ", ".join(str(abs(id(x))) for x in to_list(object_list))


def slice_arrays(arrays, start=None, stop=None):
    """Slice an array or a list of arrays (``None`` items stay ``None``) by ``start:stop``, or
    by a list of indices given as ``start``."""
    if arrays is None:
        return [None]
    if isinstance(start, list) and stop is not None:
        raise ValueError("slice_arrays: the stop argument has to be None if the value of start "
                         "is a list.")
    if isinstance(arrays, list):
        if hasattr(start, "__len__"):
            if hasattr(start, "shape"):
                start = start.tolist()
            return [None if x is None else x[start] for x in arrays]
        return [None if x is None else x[start:stop] for x in arrays]
    if hasattr(start, "__len__"):
        if hasattr(start, "shape"):
            start = start.tolist()
        return arrays[start]
    if hasattr(start, "__getitem__"):
        return arrays[start:stop]
    return [None]


def transpose_shape(shape, target_format, spatial_axes):
    """``shape`` (given for ``channels_last``) as it reads in ``target_format``."""
    if target_format == "channels_first":
        new_values = shape[:spatial_axes[0]]
        new_values += (shape[-1],)
        new_values += tuple(shape[x] for x in spatial_axes)
        if isinstance(shape, list):
            return list(new_values)
        return new_values
    if target_format == "channels_last":
        return shape
    raise ValueError(f"The `data_format` argument must be one of 'channels_first', "
                     f"'channels_last'. Received: {target_format!r}")


def getargspec(fn):
    """``inspect.getfullargspec`` (Keras kept a Python 2 fallback here)."""
    import inspect

    return inspect.getfullargspec(fn)


def has_arg(fn, name, accept_all=False):
    """Whether callable ``fn`` takes an argument ``name`` (a ``**kwargs`` counts only with
    ``accept_all=True``)."""
    import inspect

    signature = inspect.signature(fn)
    parameter = signature.parameters.get(name)
    if parameter is None:
        if accept_all:
            return any(p.kind == inspect.Parameter.VAR_KEYWORD
                       for p in signature.parameters.values())
        return False
    return parameter.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD,
                              inspect.Parameter.KEYWORD_ONLY)


def check_for_unexpected_keys(name, input_dict, expected_values):
    """Raise ``ValueError`` naming ``name`` when ``input_dict`` has keys not expected."""
    unknown = set(input_dict.keys()).difference(expected_values)
    if unknown:
        raise ValueError(f"Unknown entries in {name} dictionary: {list(unknown)}. Only expected "
                         f"following keys: {list(expected_values)}")


def serialize_keras_object(instance):
    """``{"class_name", "config"}`` of an object with ``get_config``, the name of a function,
    ``None`` for ``None`` (Keras 2.3.1).

    Example::

        serialize_keras_object(lamella.regularizers.l2(0.01))
    """
    if instance is None:
        return None
    if hasattr(instance, "get_config"):
        return {"class_name": instance.__class__.__name__, "config": instance.get_config()}
    if hasattr(instance, "__name__"):
        return instance.__name__
    raise ValueError(f"Cannot serialize {instance!r}: it has neither get_config nor __name__")


def deserialize_keras_object(identifier, module_objects=None, custom_objects=None,
                             printable_module_name="object"):
    """Build an object from ``{"class_name", "config"}`` or find a function by name, looking in
    ``custom_objects``, the registered custom objects and ``module_objects`` (Keras 2.3.1).

    Example::

        deserialize_keras_object({"class_name": "MyLayer", "config": {}},
                                 custom_objects={"MyLayer": MyLayer})
    """
    from lamella.plugins.custom_objects import CustomObjectScope, get_custom_objects

    def find(name):
        for table in (custom_objects or {}, get_custom_objects(), module_objects or {}):
            if name in table:
                return table[name]
        raise ValueError(f"Unknown {printable_module_name}: {name}")

    if isinstance(identifier, dict):
        if "class_name" not in identifier or "config" not in identifier:
            raise ValueError(f"Improper config format: {identifier!r}")
        cls = find(identifier["class_name"])
        config = identifier["config"]
        if hasattr(cls, "from_config") and has_arg(cls.from_config, "custom_objects"):
            merged = dict(get_custom_objects(), **(custom_objects or {}))
            return cls.from_config(config, custom_objects=merged)
        with CustomObjectScope(custom_objects or {}):
            if hasattr(cls, "from_config"):
                return cls.from_config(config)
            return cls(**config)
    if isinstance(identifier, str):
        return find(identifier)
    raise ValueError(f"Could not interpret serialized {printable_module_name}: {identifier!r}")


_LAZY = {"CustomObjectScope", "custom_object_scope", "get_custom_objects"}


def __getattr__(name):
    # lamella.plugins.custom_objects imports this module's helpers: bind lazily (no cycle).
    if name in _LAZY:
        from lamella.plugins import custom_objects

        return getattr(custom_objects, name)
    if name == "Progbar":
        from lamella.engine.progbar import Progbar

        return Progbar
    raise AttributeError(f"module 'lamella.utils.generic_utils' has no attribute {name!r}")
