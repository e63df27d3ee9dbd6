"""Shared fixtures for the core's plugin-system tests.

``plugin_sandbox`` gives a test a clean plugin state: no ``LAMELLA_*`` switches from the caller's
environment, only lamella-core's own entry point loaded (so these tests mean the same with or
without the first-party packages installed), and every in-process plugin the test registered
removed again afterwards.
"""

import pytest
import torch

import lamella.plugins as lp
from lamella.plugins import custom_objects, loader
from lamella.testing import make_plugin, unique_plugin_name

_ENV_SWITCHES = (
    "LAMELLA_DISABLE_PLUGINS",
    "LAMELLA_LOAD_PLUGINS",
    "LAMELLA_STRICT_PLUGINS",
    "LAMELLA_TRACE_PLUGINS",
)


class Sandbox:
    def __init__(self, monkeypatch):
        self.monkeypatch = monkeypatch
        self.names = []

    def unique(self, prefix="test-plugin"):
        return unique_plugin_name(prefix)

    def register(self, hooks, name=None):
        """Register a plugin object, or a dict for lamella.testing.make_plugin; returns its name."""
        plugin = hooks if not isinstance(hooks, dict) else make_plugin(hooks)
        name = name or self.unique()
        self.names.append(name)
        lp.register_plugin(plugin, name=name)
        return name

    def unregister(self, name):
        lp.unregister_plugin(name)
        if name in self.names:
            self.names.remove(name)

    def setenv(self, variable, value):
        self.monkeypatch.setenv(variable, value)
        loader.reset()

    def all_plugins(self):
        """Load every installed entry point (not only lamella-core) from now on."""
        self.monkeypatch.delenv("LAMELLA_LOAD_PLUGINS", raising=False)
        loader.reset()

    def close(self):
        for name in list(self.names):
            lp.unregister_plugin(name)
        self.names.clear()
        loader.reset()


@pytest.fixture
def plugin_sandbox(monkeypatch):
    for variable in _ENV_SWITCHES:
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("LAMELLA_LOAD_PLUGINS", "lamella-core")
    saved_custom = dict(custom_objects.get_custom_objects())
    loader.reset()
    sandbox = Sandbox(monkeypatch)
    try:
        yield sandbox
    finally:
        sandbox.close()
        custom = custom_objects.get_custom_objects()
        custom.clear()
        custom.update(saved_custom)


@pytest.fixture
def dynamo_eager(monkeypatch):
    """torch.compile with dynamo's ``eager`` backend: the step is still traced by dynamo (what
    jit_compile relies on), but without inductor's C++ code generation, which takes a minute
    on a busy CPU (integration_tests run the default backend). Records each compiled function.
    """
    compiled = []
    real_compile = torch.compile

    def compile_eagerly(model=None, **kwargs):
        compiled.append(model)
        return real_compile(model, **dict(kwargs, backend="eager"))

    monkeypatch.setattr(torch, "compile", compile_eagerly)
    return compiled
