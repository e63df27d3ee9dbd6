"""pytest fixtures for plugin authors; enable them with ``pytest_plugins``.

In a ``conftest.py``::

    pytest_plugins = ["lamella.testing.fixtures"]

    def test_my_layer_resolves(register_plugin):
        register_plugin({"layers": [Component("MyLayer", MyLayer)]})
        assert lamella.layers.MyLayer is MyLayer

This module imports pytest; the rest of :mod:`lamella.testing` does not, and
:func:`lamella.testing.plugin_registered` does the same job without pytest.
"""

import contextlib

import pytest

from lamella.testing.plugins import plugin_registered


@pytest.fixture
def register_plugin():
    """``register_plugin(plugin, name=None)``: register for this test; returns the name.

    ``plugin`` is a plugin object, a module, or a dict for :func:`lamella.testing.make_plugin`.
    Every plugin registered through it is unregistered when the test ends, pass or fail.

    Example::

        def test_swish(register_plugin):
            register_plugin({"activations": [Component("swish", swish)]})
            assert lamella.activations.get("swish") is swish
    """
    with contextlib.ExitStack() as stack:
        yield lambda plugin, name=None: stack.enter_context(plugin_registered(plugin, name))
