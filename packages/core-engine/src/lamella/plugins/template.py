"""``lamella new-plugin NAME``: write a ready-to-install plugin package to start from.

The package has a ``pyproject.toml`` (hatchling, the ``lamella`` entry point, a lamella-core
range for this minor series), ``src/PKG/_plugin.py`` registering one component by a
``"module:attr"`` string, the component itself (small and correct), a test using
:mod:`lamella.testing`, and a README.

Example::

    $ lamella new-plugin my-plugin --kind optimizer --directory ~/src
    $ cd ~/src/my-plugin && pip install -e . && pytest

or from Python: ``write_plugin("my-plugin", kind="layer", directory="/tmp")``.
"""

import keyword
import pathlib
import re

from lamella._version import __version__

#: ``--kind`` choice -> (registry key, component module, class (True) or function (False)).
KINDS = {
    "layer": ("layers", "layers", True),
    "optimizer": ("optimizers", "optimizers", True),
    "loss": ("losses", "losses", False),
    "metric": ("metrics", "metrics", False),
    "callback": ("callbacks", "callbacks", True),
    "activation": ("activations", "activations", False),
}

_DIST_NAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$")

PYPROJECT = """\
[build-system]
requires = ["hatchling>=1.27"]
build-backend = "hatchling.build"

[project]
name = "{name}"
version = "0.1.0"
description = "A lamella plugin: the {kind} {component}"
readme = "README.md"
requires-python = ">=3.10"
# A range, not ==: the hook contract only changes compatibly within a minor series.
dependencies = ["{core_range}"]

[project.entry-points.lamella]
{name} = "{pkg}._plugin"

[tool.hatch.build.targets.wheel]
packages = ["src/{pkg}"]
"""

PLUGIN = '''\
"""{name}'s registrations with lamella (found through the ``lamella`` entry point).

Components are named by ``"module:attr"`` strings: listing plugins imports nothing heavy.
"""

from lamella.plugins import Component, hookimpl

# The hook-contract versions this plugin supports: lamella skips it (and `lamella plugins`
# lists it as incompatible) under a contract outside this range, instead of failing later.
LAMELLA_CONTRACT = "{contract_range}"


@hookimpl
def lamella_{key}():
    return [
        Component("{component}", "{pkg}.{module}:{component}"{aliases}),
    ]
'''

COMPONENTS = {
    "layer": '''\
"""The {component} layer: ``inputs * scale``, one trainable scale per feature."""

import torch
from lamella.layers import Layer


class {component}(Layer):
    """Multiplies each feature by a trainable scale, starting at ``initial``."""

    def __init__(self, initial=1.0, **kwargs):
        super().__init__(**kwargs)
        self.initial = float(initial)

    def build(self, input_shape):
        self.scale = self.add_weight(
            "scale", (input_shape[-1],),
            initializer=lambda shape, dtype=None: torch.full(shape, self.initial))

    def call(self, inputs):
        return inputs * self.scale

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return dict(super().get_config(), initial=self.initial)
''',
    "optimizer": '''\
"""The {component} optimizer: sign SGD, ``p -= lr * sign(g)``."""

import torch
from lamella.optimizers import Optimizer


class {component}(Optimizer):
    """Steps every parameter by ``learning_rate`` against the sign of its gradient."""

    def __init__(self, learning_rate=0.01, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)

    def _apply(self, params, grads, lr):
        # Called under torch.no_grad with the clipped gradients and this step's rate.
        for param, grad in zip(params, grads):
            param.add_(torch.sign(grad), alpha=-lr)
''',
    "loss": '''\
"""The {component} loss: log-cosh of the error, averaged over the last axis."""

import math

import torch


def {component}(y_true, y_pred):
    """One value per sample: ``mean(log(cosh(y_pred - y_true)), axis=-1)``, computed stably."""
    error = y_pred - y_true
    log_cosh = error + torch.nn.functional.softplus(-2.0 * error) - math.log(2.0)
    return torch.mean(log_cosh, dim=-1)
''',
    "metric": '''\
"""The {component} metric: the fraction of predictions within 0.5 of the target."""

import torch


def {component}(y_true, y_pred):
    """One value per sample: the share of outputs with ``|y_pred - y_true| <= 0.5``."""
    return torch.mean((torch.abs(y_pred - y_true) <= 0.5).to(y_pred.dtype), dim=-1)
''',
    "activation": '''\
"""The {component} activation: mish, ``x * tanh(softplus(x))``."""

import torch


def {component}(x):
    """Mish: smooth, non-monotonic, ``x * tanh(softplus(x))``."""
    return x * torch.tanh(torch.nn.functional.softplus(x))
''',
    "callback": '''\
"""The {component} callback: remembers the best training loss and its epoch."""

import math

from lamella.callbacks import Callback


class {component}(Callback):
    """Records ``best`` (the lowest ``monitor`` value seen) and ``best_epoch``."""

    def __init__(self, monitor="loss"):
        super().__init__()
        self.monitor = monitor
        self.best, self.best_epoch = math.inf, None

    def on_epoch_end(self, epoch, logs=None):
        value = (logs or {{}}).get(self.monitor)
        if value is not None and value < self.best:
            self.best, self.best_epoch = float(value), epoch
''',
}

_TEST_HEAD = '''\
"""{name}'s tests, through lamella's public API (run with the package installed)."""

{imports}
from lamella import {key}
from lamella.testing import {helpers}
from {pkg}.{module} import {component}


def test_plugin_is_loaded():
    info = {{i.name: i for i in lamella.plugins.plugin_infos()}}["{name}"]
    assert info.status == "loaded", info.error
    assert info.registered == {{"{key}": ["{component}"]}}
    assert info.contract == "{contract_range}"

'''

_MODEL = '''

def _model():
    return lamella.Sequential([SeededDense(3, "tanh", input_shape=(4,)), SeededDense(1, seed=1)])
'''

#: Per kind: third-party imports, lamella.testing helpers, whether the test needs ``_model``.
TEST_IMPORTS = {
    "layer": ("", "run_layer_test", False),
    "optimizer": ("", "SeededDense, mean_squared_error, toy_data", True),
    "loss": ("numpy as np, torch", "PlainSGD, SeededDense, toy_data", True),
    "metric": ("numpy as np, torch",
               "PlainSGD, SeededDense, mean_squared_error, toy_data", True),
    "activation": ("torch", "toy_data", False),
    "callback": ("", "toy_data, toy_model", False),
}

TESTS = {
    "layer": '''
def test_layer_conformance():
    assert {key}.get("{component}") is {component}
    run_layer_test({component}, {{"initial": 2.0}}, input_shape=(2, 4),
                   expected_output_shape=(2, 4), expected_num_trainable_weights=1)
''',
    "optimizer": '''
def test_loss_goes_down_with_the_optimizer_by_name():
    model = _model()
    model.compile(optimizer="{component}", loss=mean_squared_error)
    assert isinstance(model.optimizer, {component})
    assert isinstance({key}.get("{component}"), {component})
    losses = model.fit(*toy_data(), epochs=5, verbose=0).history["loss"]
    assert losses[-1] < losses[0]
''',
    "loss": '''
def test_loss_per_sample_and_training_by_name():
    assert {key}.get("{component}") is {component}
    y = torch.zeros(3, 2)
    assert {component}(y, y).shape == (3,)
    np.testing.assert_allclose({component}(y, y + 1.0).numpy(), np.log(np.cosh(1.0)), rtol=1e-5)
    model = _model()
    model.compile(PlainSGD(0.05), loss="{component}")
    history = model.fit(*toy_data(), epochs=5, verbose=0).history["loss"]
    assert history[-1] < history[0]
''',
    "metric": '''
def test_metric_by_name():
    assert {key}.get("{component}") is {component}
    value = {component}(torch.zeros(2, 2), torch.tensor([[0.1, 0.9], [0.2, 0.3]]))
    np.testing.assert_allclose(value.numpy(), [0.5, 1.0])
    model = _model()
    model.compile(PlainSGD(0.05), loss=mean_squared_error, metrics=["{component}"])
    logs = model.fit(*toy_data(), epochs=2, verbose=0).history
    assert any("{component}" in key for key in logs), logs
''',
    "activation": '''
def test_activation_by_name():
    assert {key}.get("{component}") is {component}
    assert {key}.serialize({component}) == "{component}"
    x = torch.from_numpy(toy_data()[0])
    expected = x * torch.tanh(torch.log1p(torch.exp(x)))
    torch.testing.assert_close({key}.get("{component}")(x), expected)
''',
    "callback": '''
def test_callback_by_name_records_the_best_epoch():
    callback = {key}.get("{component}")
    assert isinstance(callback, {component})
    model = toy_model()
    losses = model.fit(*toy_data(), epochs=3, verbose=0, callbacks=[callback]).history["loss"]
    assert callback.best == min(losses)
    assert callback.best_epoch == losses.index(min(losses))
''',
}

README = """\
# {name}

A [lamella](https://github.com/lamella-dev/lamella) plugin providing the {kind} `{component}`
(registered by `src/{pkg}/_plugin.py`, implemented in `src/{pkg}/{module}.py`).

```bash
pip install -e .     # lamella finds it through the `lamella` entry point
lamella plugins      # lists {name} as loaded
pytest               # tests/test_{pkg}.py
```

See lamella's plugin guide (docs/plugins.md) for the hooks and how names resolve.
"""


class TemplateError(ValueError):
    """A name that cannot become a package, or a target folder that already exists."""


def package_name(name):
    """``"my-plugin"`` -> ``"my_plugin"``; a :class:`TemplateError` when that is impossible."""
    pkg = re.sub(r"[-_.]+", "_", name).lower()
    if not _DIST_NAME.match(name) or not pkg.isidentifier() or keyword.iskeyword(pkg):
        raise TemplateError(
            f"lamella new-plugin: {name!r} is not a usable plugin name: use letters, digits,"
            f" '-', '_' or '.', starting with a letter, not a Python keyword (e.g. 'my-plugin',"
            f" package 'my_plugin')")
    if pkg == "lamella" or pkg.startswith("lamella_") and pkg[8:] in (
            "core", "layers", "optimizers", "losses", "callbacks", "io", "distributed"):
        raise TemplateError(f"lamella new-plugin: {name!r} is lamella's own package name")
    return pkg


def core_range(version=__version__):
    """``"lamella-core>=0.1,<0.2"`` for lamella 0.1.x."""
    major, minor = (int(part) for part in version.split(".")[:2])
    return f"lamella-core>={major}.{minor},<{major}.{minor + 1}"


def contract_range(version=None):
    """``">=1.0,<2"`` under hook contract 1.0: this minor and every later one of its major."""
    from lamella.plugins.contract import CONTRACT_VERSION

    version = version or CONTRACT_VERSION
    major = int(version.split(".")[0])
    return f">={version},<{major + 1}"


def component_name(pkg, kind):
    """CamelCase (classes) or snake_case (functions) from the package name, moved off any
    first-party name of the kind."""
    from lamella.plugins import first_party

    key, _, is_class = KINDS[kind]
    taken = {n.lower() for n in first_party.FIRST_PARTY.get(key, {})}
    name = "".join(part.capitalize() for part in pkg.split("_")) if is_class else pkg
    if name.lower() in taken:
        name += kind.capitalize() if is_class else f"_{kind}"
    if name.lower() in taken:
        raise TemplateError(f"lamella new-plugin: {name!r} is a first-party {kind}; choose"
                            f" another NAME")
    return name


def write_plugin(name, kind="layer", directory="."):
    """Write the package for ``name`` into ``directory/name``; return that folder."""
    if kind not in KINDS:
        raise TemplateError(f"lamella new-plugin: --kind must be one of {', '.join(KINDS)}")
    pkg = package_name(name)
    target = pathlib.Path(directory) / name
    if target.exists():
        raise TemplateError(f"lamella new-plugin: {target} already exists; not overwriting it")
    key, module, is_class = KINDS[kind]
    component = component_name(pkg, kind)
    aliases = f', aliases=("{pkg}",)' if kind == "optimizer" and component != pkg else ""
    imports, helpers, needs_model = TEST_IMPORTS[kind]
    modules = ["lamella"] + [m for m in imports.split(", ") if m]
    fields = dict(imports="\n".join(f"import {m}" for m in sorted(modules)), helpers=helpers,
                  name=name, pkg=pkg, kind=kind, key=key, module=module, component=component,
                  core_range=core_range(), contract_range=contract_range(), aliases=aliases)
    files = {
        "pyproject.toml": PYPROJECT,
        "README.md": README,
        f"src/{pkg}/__init__.py": '"""{name}: a lamella plugin (the {kind} {component})."""\n',
        f"src/{pkg}/_plugin.py": PLUGIN,
        f"src/{pkg}/{module}.py": COMPONENTS[kind],
        f"tests/test_{pkg}.py": _TEST_HEAD + (_MODEL if needs_model else "") + TESTS[kind],
    }
    for relative, text in files.items():
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.format(**fields))
    return target


def main(args):
    """The ``new-plugin`` subcommand: 0 on success, 2 (and a message) on a refused name."""
    import sys

    try:
        target = write_plugin(args.name, kind=args.kind, directory=args.directory)
    except TemplateError as error:
        print(error, file=sys.stderr)
        return 2
    print(f"Wrote {target}. Next: cd {target} && pip install -e . && pytest")
    return 0
