"""Testing tools for lamella plugins, usable with only lamella-core installed.

A plugin's own tests run with lamella-core and that plugin alone (no lamella-layers, no
lamella-optimizers, no lamella-losses, no lamella-io), yet often need a model that trains or
saves. This package holds:

- stand-ins (:mod:`lamella.testing.stand_ins`): ``SeededDense``, ``ScaleShift``, ``PlainSGD``,
  ``MomentumSGD``, ``mean_squared_error``, toy data and models, ``NpzSaver`` (a weights file
  format), with ``CUSTOM_OBJECTS`` naming them for ``load_model``;
- :func:`run_layer_test` (:mod:`lamella.testing.conformance`): the conformance check every
  first-party layer passes;
- :func:`plugin_registered` / :func:`make_plugin` (:mod:`lamella.testing.plugins`): register
  a plugin for one test; :mod:`lamella.testing.fixtures` wraps them as a pytest fixture;
- :func:`drive_callback` / :class:`StubModel`: a callback through Keras's epoch loop on
  synthetic logs; :class:`LocalServer`: an HTTP server for download tests;
- :func:`kill_at_marker` (:mod:`lamella.testing.crash`): SIGKILL a child process mid-write;
  :func:`subprocess_env`: the environment for a child Python (keeps ``PYTHONPATH``);
- :mod:`lamella.testing.reference`: NumPy references (TensorFlow's padding, conv, pooling).

Example::

    import lamella
    from lamella.testing import PlainSGD, SeededDense, mean_squared_error, toy_data

    model = lamella.Sequential([SeededDense(3, input_shape=(4,)), SeededDense(1, seed=1)])
    model.compile(PlainSGD(0.1), loss=mean_squared_error)
    model.fit(*toy_data(), epochs=1, verbose=0)
"""

from lamella.testing.callback_driver import StubModel, drive_callback
from lamella.testing.conformance import CHECKS, LayerTestFailure, run_layer_test
from lamella.testing.crash import kill_at_marker
from lamella.testing.environment import subprocess_env
from lamella.testing.local_server import LocalServer
from lamella.testing.plugins import make_plugin, plugin_registered, unique_plugin_name
from lamella.testing.stand_ins import (
    CUSTOM_OBJECTS,
    MomentumSGD,
    NpzSaver,
    PlainSGD,
    ScaleShift,
    SeededDense,
    mean_squared_error,
    npz_saver_plugin,
    randomize_weights,
    read_npz,
    toy_data,
    toy_functional,
    toy_inputs,
    toy_model,
    toy_sequential,
)

__all__ = [
    "CHECKS",
    "CUSTOM_OBJECTS",
    "LayerTestFailure",
    "LocalServer",
    "MomentumSGD",
    "NpzSaver",
    "PlainSGD",
    "ScaleShift",
    "SeededDense",
    "StubModel",
    "drive_callback",
    "kill_at_marker",
    "make_plugin",
    "mean_squared_error",
    "npz_saver_plugin",
    "plugin_registered",
    "randomize_weights",
    "read_npz",
    "subprocess_env",
    "run_layer_test",
    "toy_data",
    "toy_functional",
    "toy_inputs",
    "toy_model",
    "toy_sequential",
    "unique_plugin_name",
]
