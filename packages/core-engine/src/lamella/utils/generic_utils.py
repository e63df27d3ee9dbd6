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


def has_arg(fn, name, accept_all=False):
    """Keras 2.3's ``has_arg``: whether ``fn`` accepts a keyword argument ``name``.

    ``accept_all=True`` also answers ``True`` when ``fn`` takes ``**kwargs``.

    Example::

        >>> def f(a, b=1, **kw): pass
        >>> has_arg(f, "b"), has_arg(f, "c"), has_arg(f, "c", accept_all=True)
        (True, False, True)
    """
    import inspect

    signature = inspect.signature(fn)
    parameter = signature.parameters.get(name)
    if parameter is not None:
        return parameter.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                  inspect.Parameter.KEYWORD_ONLY)
    return accept_all and any(p.kind == inspect.Parameter.VAR_KEYWORD
                              for p in signature.parameters.values())


def __getattr__(name):
    # Progbar lives with the engine's progress bar; imported on use, so this module stays
    # importable from anywhere in the core without a cycle.
    if name == "Progbar":
        from lamella.engine.progbar import Progbar

        return Progbar
    if name in ("CustomObjectScope", "custom_object_scope", "get_custom_objects"):
        from lamella.plugins import custom_objects

        return getattr(custom_objects, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
