"""Hook specifications: the whole contract between lamella's core and its plugins.

A plugin is a module (or object) that implements some of these hooks with the
``lamella.plugins.hookimpl`` marker and is announced through an entry point in the
``lamella`` group::

    # pyproject.toml of a plugin distribution
    [project.entry-points.lamella]
    my-plugin = "my_plugin._plugin"

    # my_plugin/_plugin.py
    from lamella.plugins import Component, hookimpl

    @hookimpl
    def lamella_activations():
        return [Component("swish", "my_plugin.activations:swish")]

Every registration hook takes no arguments and returns a list of
:class:`~lamella.plugins.Component` records. ``Component.obj`` may be the object itself or a
``"module:attr"`` string, which is imported only when the name is first used, so listing
plugins (``lamella plugins``) stays cheap even when a component needs h5py or horovod.

Hooks only ever gain arguments in backward-compatible ways: pluggy passes an implementation
only the arguments it names.
"""

import pluggy

PROJECT_NAME = "lamella"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)


@hookspec
def lamella_layers():
    """Return the layer classes this plugin provides (``Dense``, ``Conv2D``, ...).

    Each class is found by its class name and its snake_case form; ``Component.aliases`` adds
    Keras's other spellings (``Convolution2D``, ``MaxPool2D``).
    """


@hookspec
def lamella_activations():
    """Return activation functions (``relu``, ``softmax``, ...), looked up by function name."""


@hookspec
def lamella_initializers():
    """Return initializer classes and functions (``GlorotUniform``/``glorot_uniform``, ...)."""


@hookspec
def lamella_regularizers():
    """Return regularizer classes and functions (``L1L2``, ``l2``, ...)."""


@hookspec
def lamella_constraints():
    """Return weight constraint classes (``MaxNorm``, ``NonNeg``, ...)."""


@hookspec
def lamella_optimizers():
    """Return optimizer classes (``SGD``, ``Adam``, ...); names resolve case-insensitively."""


@hookspec
def lamella_schedules():
    """Return learning-rate schedule classes (``ExponentialDecay``, ...)."""


@hookspec
def lamella_losses():
    """Return loss functions and classes (``mean_squared_error`` with alias ``mse``, ...)."""


@hookspec
def lamella_metrics():
    """Return metric functions and stateful metric classes (``binary_accuracy``, ``AUC``, ...)."""


@hookspec
def lamella_callbacks():
    """Return callback classes (``EarlyStopping``, ``ModelCheckpoint``, ...)."""


@hookspec
def lamella_savers():
    """Return file formats, each a saver object named after the format (``"h5"``).

    A saver is an object with ``extensions`` (a tuple such as ``(".h5", ".hdf5")``) and the
    methods ``save_model``, ``load_model``, ``save_weights`` and ``load_weights``; see
    :mod:`lamella.saving` for the exact signatures the core calls.
    """


@hookspec
def lamella_strategies():
    """Return distribution strategy classes, named as ``compile(distribute=...)`` names them."""


@hookspec
def lamella_datasets():
    """Return dataset modules or objects with a ``load_data`` function (``mnist``, ``digits``)."""


@hookspec
def lamella_utils():
    """Return utilities reachable as ``lamella.utils.<name>`` beyond the core's own.

    For what needs a component package's dependencies, e.g. ``get_file`` and ``HDF5Matrix``
    (lamella-io, h5py). The core's own utilities (``to_categorical``, ``Sequence``...) win.
    """


@hookspec
def lamella_preprocessing():
    """Return preprocessing modules, named as ``lamella.preprocessing`` submodules.

    A component named ``"sequence"`` whose object is a module makes
    ``from lamella.preprocessing.sequence import pad_sequences`` work; likewise ``"text"`` and
    ``"image"``.
    """


@hookspec(firstresult=True)
def lamella_resolve_metric(name, loss, output_shape):
    """Resolve a metric name whose meaning depends on the model (Keras's ``'accuracy'`` rule).

    :param name: the string the user passed in ``compile(metrics=...)``, e.g. ``'acc'``.
    :param loss: the loss function or :class:`~lamella.losses.Loss` of that output.
    :param output_shape: the output's static shape, a tuple whose first entry is ``None``.
    :return: a metric function or :class:`~lamella.metrics.Metric`, or ``None`` when this
        plugin does not know the name; the first non-``None`` answer wins.
    """


#: The registration hooks, in the order ``lamella plugins`` lists them, mapped to the kind of
#: component each returns.
REGISTRATION_HOOKS = {
    "lamella_layers": "layers",
    "lamella_activations": "activations",
    "lamella_initializers": "initializers",
    "lamella_regularizers": "regularizers",
    "lamella_constraints": "constraints",
    "lamella_optimizers": "optimizers",
    "lamella_schedules": "schedules",
    "lamella_losses": "losses",
    "lamella_metrics": "metrics",
    "lamella_callbacks": "callbacks",
    "lamella_savers": "savers",
    "lamella_strategies": "strategies",
    "lamella_datasets": "datasets",
    "lamella_utils": "utils",
    "lamella_preprocessing": "preprocessing",
}
