"""Registering a plugin in process for the length of one test.

:func:`plugin_registered` is a context manager (it needs no pytest); :func:`make_plugin` builds a
plugin object from a dict of hook results, for tests that need a plugin without writing a class.

Example::

    from lamella.plugins import Component
    from lamella.testing import make_plugin, plugin_registered

    with plugin_registered({"layers": [Component("MyLayer", MyLayer)]}):
        assert lamella.layers.MyLayer is MyLayer
    # MyLayer is unregistered again here, even if the block raised
"""

import contextlib
import itertools
import os

from lamella.plugins import hookimpl, register_plugin, unregister_plugin

_counter = itertools.count()


def make_plugin(hooks):
    """An in-process plugin object implementing the given hooks.

    ``hooks`` maps a hook name (``"lamella_layers"``) or a kind (``"layers"``) to a list of
    records, or to a zero-argument callable whose result the hook returns (it may raise, to test
    a plugin that fails to load).

    Example::

        plugin = make_plugin({"activations": [Component("swish", swish)]})
        lamella.plugins.register_plugin(plugin, name="swish-plugin")
    """
    namespace = {}
    for key, value in hooks.items():
        hook_name = key if key.startswith("lamella_") else f"lamella_{key}"

        # a factory so each hook closes over its own value, not the loop's last one
        def bind(value_, name_):
            def hook(self):
                return value_() if callable(value_) else list(value_)

            hook.__name__ = name_
            return hookimpl(hook)

        namespace[hook_name] = bind(value, hook_name)
    return type("InProcessPlugin", (), namespace)()


def unique_plugin_name(prefix="test-plugin"):
    """A plugin name no other registration in this process uses.

    Example::

        unique_plugin_name()   # 'test-plugin-4242-0'
    """
    return f"{prefix}-{os.getpid()}-{next(_counter)}"


@contextlib.contextmanager
def plugin_registered(plugin, name=None):
    """Register ``plugin`` for the ``with`` block, then unregister it, even on an error.

    ``plugin`` is a plugin object or module with hook implementations, or a dict for
    :func:`make_plugin`. ``name`` defaults to a fresh unique name. The block receives the name.
    The registration goes through :func:`lamella.plugins.register_plugin`, so plugins already
    loaded stay loaded and the registered components resolve at once.

    Example::

        with plugin_registered({"layers": [Component("MyLayer", MyLayer)]}) as name:
            model = lamella.models.model_from_json(text)   # finds "MyLayer"

    A pytest fixture is three lines (or use ``lamella.testing.fixtures``)::

        @pytest.fixture
        def my_plugin():
            with plugin_registered(MyPlugin()) as name:
                yield name
    """
    if isinstance(plugin, dict):
        plugin = make_plugin(plugin)
    name = register_plugin(plugin, name=name or unique_plugin_name())
    try:
        yield name
    finally:
        unregister_plugin(name)
