"""The plugin contract: everything a plugin author needs to know, in one module.

A plugin is a module (or object) that implements some of the hooks below, each marked with
:data:`hookimpl`, and is announced through an entry point in the :data:`ENTRY_POINT_GROUP`
group, named after its distribution::

    # pyproject.toml of a plugin distribution
    [project.entry-points.lamella]
    my-plugin = "my_plugin._plugin"

    # my_plugin/_plugin.py
    from lamella.plugins import Component, hookimpl

    @hookimpl
    def lamella_activations():
        return [Component("swish", "my_plugin.activations:swish")]

Each *registration hook* (one per :class:`Kind` in :data:`KINDS`) takes no arguments and
returns a list of :class:`Component` records, or ``None`` for nothing. ``Component.obj`` may
be the object itself or a ``"module:attr"`` string, imported only when the name is first used,
so listing plugins (``lamella plugins``) stays cheap even when a component needs h5py or
horovod. One more hook, :func:`lamella_resolve_metric`, answers a question instead.

lamella calls every hook through pluggy, which passes an implementation only the arguments it
names: hooks only ever gain arguments in backward-compatible ways, and renames go through a
deprecation warning first. A hook implementation whose name starts with ``lamella_`` but is
not a hook below (a typo such as ``lamella_layer``) is listed by ``lamella plugins`` and fails
the plugin under ``LAMELLA_STRICT_PLUGINS=1``.

:data:`KINDS` is the one table of component kinds; every other table in lamella (the
registries, the facades' ``get``, the nouns in error messages) derives from it, and a test
checks that every kind has its hook here and its row in ``docs/plugins.md``.
"""

from __future__ import annotations  # ``tuple[str, ...]`` in annotations on Python 3.9

import dataclasses
import operator
import re
from typing import Any, Optional

import pluggy

#: pluggy's project name: the prefix of the hook markers' attributes (``lamella_impl``).
PROJECT_NAME = "lamella"

#: The entry-point group a plugin distribution declares its hook module in.
ENTRY_POINT_GROUP = "lamella"

#: Marks a hook specification (lamella's own use; plugins use :data:`hookimpl`).
hookspec = pluggy.HookspecMarker(PROJECT_NAME)

#: Marks a plugin's hook implementation: ``@hookimpl`` above ``def lamella_layers(): ...``.
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


# --- the contract's version ----------------------------------------------------------------

#: The version of this hook contract, ``"MAJOR.MINOR"``. It is not lamella's version: it moves
#: only when this module (hooks, their arguments, :class:`Component`, the kinds) or a base
#: class contract plugins implement changes.
#:
#: Compatibility policy:
#:
#: - a MINOR release of the contract (``1.0`` -> ``1.1``) only adds: a new hook, a new kind, a
#:   new optional argument to a hook (pluggy passes a plugin only the arguments it names), a
#:   new optional :class:`Component` field, a new overridable method with a default on a base
#:   class. Every plugin written for ``1.0`` keeps working unchanged.
#: - a MAJOR release (``1.x`` -> ``2.0``) may remove or rename a hook, an argument or a field, or
#:   change what a hook must return. Anything removed is first deprecated (a
#:   ``DeprecationWarning``) for at least one minor release.
#:
#: A plugin declares the contract versions it supports with a ``LAMELLA_CONTRACT`` attribute on
#: its hook module (``LAMELLA_CONTRACT = ">=1,<2"``); a plugin whose range excludes
#: :data:`CONTRACT_VERSION` is not loaded, and ``lamella plugins`` lists it as
#: ``incompatible``. A plugin without the attribute is loaded as before.
CONTRACT_VERSION = "1.0"

#: The attribute of a plugin's hook module (or object) declaring the range it supports.
CONTRACT_ATTRIBUTE = "LAMELLA_CONTRACT"

_COMPARISONS = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt,
                "==": operator.eq, "!=": operator.ne}
_CLAUSE = re.compile(r"^\s*(>=|<=|==|!=|>|<)\s*(\d+(?:\.\d+)?)\s*$")


def _version_tuple(text: str) -> tuple[int, int]:
    major, _, minor = text.partition(".")
    return int(major), int(minor or 0)


def contract_problem(declared: Any, version: str = CONTRACT_VERSION) -> Optional[str]:
    """Why a plugin declaring ``declared`` cannot run on contract ``version``; ``None`` if it can.

    ``declared`` is a comma-separated list of clauses such as ``">=1,<2"`` or ``">=1.1, <2"``
    (operators ``>= <= > < == !=``, versions ``MAJOR`` or ``MAJOR.MINOR``; ``1`` means
    ``1.0``), or ``None`` (nothing declared: compatible). A malformed range raises
    ``ValueError`` naming the attribute and the expected form.

    Example::

        >>> contract_problem(">=1,<2", "1.0") is None
        True
        >>> contract_problem(">=2,<3", "1.0")
        "supports hook contract '>=2,<3'; this lamella-core implements contract 1.0"
    """
    if declared is None:
        return None
    clauses = declared.split(",") if isinstance(declared, str) else None
    matches = [_CLAUSE.match(clause) for clause in clauses or ()]
    if not matches or not all(matches):
        raise ValueError(
            f"{CONTRACT_ATTRIBUTE} must be a string of comma-separated version clauses such as"
            f" '>=1,<2' (operators >= <= > < == !=), got {declared!r}")
    current = _version_tuple(version)
    if all(_COMPARISONS[m.group(1)](current, _version_tuple(m.group(2))) for m in matches):
        return None
    return (f"supports hook contract {declared!r}; this lamella-core implements contract"
            f" {version}")


# --- component kinds -----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Kind:
    """One kind of component: its registry key, its hook and how its names behave.

    :param key: the registry key (``"optimizers"``), also the facade module's name.
    :param noun: the singular noun error messages use (``"optimizer"``).
    :param case_insensitive: names resolve in any capitalisation (``"ADAM"``), as Keras does
        for optimizers only.
    :param instantiates: ``lamella.<key>.get("name")`` returns an instance built with no
        arguments (Keras's ``get`` for optimizers, initializers, ...), not the object itself.

    Example::

        >>> KINDS_BY_KEY["optimizers"].hook
        'lamella_optimizers'
    """

    key: str
    noun: str
    case_insensitive: bool = False
    instantiates: bool = False

    @property
    def hook(self) -> str:
        """The registration hook's name, ``lamella_<key>``."""
        return f"lamella_{self.key}"


#: Every kind of component, in the order ``lamella plugins`` lists them.
KINDS: tuple[Kind, ...] = (
    Kind("layers", "layer"),
    Kind("activations", "activation"),
    Kind("initializers", "initializer", instantiates=True),
    Kind("regularizers", "regularizer", instantiates=True),
    Kind("constraints", "constraint", instantiates=True),
    Kind("optimizers", "optimizer", case_insensitive=True, instantiates=True),
    Kind("schedules", "learning-rate schedule", instantiates=True),
    Kind("losses", "loss"),
    Kind("metrics", "metric"),
    Kind("callbacks", "callback", instantiates=True),
    Kind("savers", "file format"),
    Kind("strategies", "distribution strategy"),
    Kind("datasets", "dataset"),
    Kind("utils", "utility"),
    Kind("preprocessing", "preprocessing module"),
    Kind("applications", "application module"),
)

#: :data:`KINDS` by registry key and by hook name.
KINDS_BY_KEY: dict[str, Kind] = {kind.key: kind for kind in KINDS}
KINDS_BY_HOOK: dict[str, Kind] = {kind.hook: kind for kind in KINDS}


def get_kind(key: str) -> Kind:
    """The :class:`Kind` registered under ``key``; a ``ValueError`` listing the kinds if none.

    Example::

        >>> get_kind("losses").noun
        'loss'
    """
    try:
        return KINDS_BY_KEY[key]
    except KeyError:
        keys = ", ".join(KINDS_BY_KEY)
        raise ValueError(f"Unknown component kind {key!r}; expected one of: {keys}") from None


# --- the record a registration hook returns ------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Component:
    """One named thing a plugin registers.

    :param name: the canonical name (a class name such as ``"Dense"`` or a function name such
        as ``"relu"``); ``serialize`` writes this name.
    :param obj: the object, or a ``"module:attr"`` string imported on first use (``attr`` may
        be dotted: ``"pkg.mod:Outer.Inner"``).
    :param aliases: further names (``("mse",)``); the snake_case form of ``name`` is added
        automatically.
    :param override: replace the component of the same name that another plugin registers,
        taking over every name and alias it answered to.
    :param requires: import names this component needs beyond its distribution's
        dependencies (``("h5py",)``); shown by ``lamella plugins``, and strict mode does not
        try to import a reference whose requirements are not installed.

    Example::

        Component("Dense", "lamella_layers.core:Dense")
        Component("mean_squared_error", mean_squared_error, aliases=("mse",))
    """

    name: str
    obj: Any
    aliases: tuple[str, ...] = ()
    override: bool = False
    requires: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise TypeError(f"Component name must be a non-empty string, got {self.name!r}")
        if isinstance(self.aliases, str):
            raise TypeError(
                f"Component {self.name!r}: aliases must be a tuple of strings, "
                f"not the single string {self.aliases!r}"
            )
        # frozen: normalise lists to tuples so records hash and compare alike
        object.__setattr__(self, "aliases", tuple(self.aliases))
        object.__setattr__(self, "requires", tuple(self.requires))


#: What a registration hook returns.
Registrations = Optional[list[Component]]


# --- the hooks -----------------------------------------------------------------------------


@hookspec
def lamella_layers() -> Registrations:
    """Return the layer classes this plugin provides (``Dense``, ``Conv2D``, ...).

    Each class answers to its class name and Keras's snake_case form of it (``"MaxPooling2D"``
    and ``"max_pooling2d"``); ``aliases`` adds Keras's other spellings (``"MaxPool2D"``). Found
    by ``lamella.layers.<Name>``, ``lamella.layers.get`` and the layer configs of saved models.

    :return: :class:`Component` records whose objects are :class:`lamella.layers.Layer`
        subclasses (or ``"module:attr"`` references to them).

    Example::

        @hookimpl
        def lamella_layers():
            return [Component("Swish", "my_plugin.layers:Swish")]
    """


@hookspec
def lamella_activations() -> Registrations:
    """Return activation functions (``relu``, ``softmax``, ...), looked up by function name.

    Found by ``lamella.activations.get`` and every ``activation=`` argument.

    :return: :class:`Component` records whose objects are functions of one tensor.

    Example::

        @hookimpl
        def lamella_activations():
            return [Component("swish", "my_plugin.activations:swish", aliases=("silu",))]
    """


@hookspec
def lamella_initializers() -> Registrations:
    """Return initializer classes and functions (``GlorotUniform``/``glorot_uniform``, ...).

    ``lamella.initializers.get("name")`` instantiates a class with no arguments.

    :return: :class:`Component` records of :class:`lamella.initializers.Initializer`
        subclasses or functions ``f(shape, dtype=None)``.

    Example::

        @hookimpl
        def lamella_initializers():
            return [Component("Orthogonal", "my_plugin.init:Orthogonal")]
    """


@hookspec
def lamella_regularizers() -> Registrations:
    """Return regularizer classes and functions (``L1L2``, ``l2``, ...).

    :return: :class:`Component` records of :class:`lamella.regularizers.Regularizer`
        subclasses or functions returning one.

    Example::

        @hookimpl
        def lamella_regularizers():
            return [Component("GroupLasso", "my_plugin.reg:GroupLasso")]
    """


@hookspec
def lamella_constraints() -> Registrations:
    """Return weight constraint classes (``MaxNorm``, ``NonNeg``, ...).

    :return: :class:`Component` records of :class:`lamella.constraints.Constraint` subclasses.

    Example::

        @hookimpl
        def lamella_constraints():
            return [Component("Clip", "my_plugin.constraints:Clip", aliases=("clip",))]
    """


@hookspec
def lamella_optimizers() -> Registrations:
    """Return optimizer classes (``SGD``, ``Adam``, ...); names resolve case-insensitively.

    Found by ``lamella.optimizers`` and ``compile(optimizer="name")``, which instantiates the
    class with no arguments.

    :return: :class:`Component` records of :class:`lamella.optimizers.Optimizer` subclasses.

    Example::

        @hookimpl
        def lamella_optimizers():
            return [Component("Lion", "my_plugin.optim:Lion", aliases=("lion",))]
    """


@hookspec
def lamella_schedules() -> Registrations:
    """Return learning-rate schedule classes (``ExponentialDecay``, ...).

    :return: :class:`Component` records of ``LearningRateSchedule`` subclasses.

    Example::

        @hookimpl
        def lamella_schedules():
            return [Component("WarmupCosine", "my_plugin.schedules:WarmupCosine")]
    """


@hookspec
def lamella_losses() -> Registrations:
    """Return loss functions and classes (``mean_squared_error`` with alias ``mse``, ...).

    Found by ``lamella.losses`` and ``compile(loss="name")``.

    :return: :class:`Component` records of functions ``f(y_true, y_pred)`` or
        :class:`lamella.losses.Loss` subclasses.

    Example::

        @hookimpl
        def lamella_losses():
            return [Component("focal_loss", "my_plugin.losses:focal_loss")]
    """


@hookspec
def lamella_metrics() -> Registrations:
    """Return metric functions and stateful metric classes (``binary_accuracy``, ``AUC``, ...).

    Found by ``lamella.metrics`` and ``compile(metrics=["name"])``.

    :return: :class:`Component` records of functions ``f(y_true, y_pred)`` or
        :class:`lamella.metrics.Metric` subclasses.

    Example::

        @hookimpl
        def lamella_metrics():
            return [Component("F1Score", "my_plugin.metrics:F1Score", aliases=("f1",))]
    """


@hookspec
def lamella_callbacks() -> Registrations:
    """Return callback classes (``EarlyStopping``, ``ModelCheckpoint``, ...).

    :return: :class:`Component` records of :class:`lamella.callbacks.Callback` subclasses.

    Example::

        @hookimpl
        def lamella_callbacks():
            return [Component("WandbLogger", "my_plugin.callbacks:WandbLogger")]
    """


@hookspec
def lamella_savers() -> Registrations:
    """Return file formats, each a saver object named after the format (``"h5"``).

    A saver is an object with ``extensions`` (a tuple such as ``(".h5", ".hdf5")``) and the
    methods ``save_model``, ``load_model``, ``save_weights`` and ``load_weights``; see
    :mod:`lamella.saving` for the exact signatures the core calls. ``model.save(path)`` and
    ``load_model(path)`` pick the saver whose extension matches.

    :return: :class:`Component` records of saver objects.

    Example::

        @hookimpl
        def lamella_savers():
            return [
                Component("safetensors", "my_plugin.saver:SAVER", requires=("safetensors",))
            ]
    """


@hookspec
def lamella_strategies() -> Registrations:
    """Return distribution strategy classes, named as ``compile(distribute=...)`` names them.

    :return: :class:`Component` records of strategy classes (instantiated with no arguments
        when given by name) or strategy objects.

    Example::

        @hookimpl
        def lamella_strategies():
            return [Component("horovod", "my_plugin.hvd:HorovodStrategy", requires=("horovod",))]
    """


@hookspec
def lamella_datasets() -> Registrations:
    """Return dataset modules or objects with a ``load_data`` function (``mnist``, ``digits``).

    :return: :class:`Component` records; ``lamella.datasets.<name>.load_data()`` must work.

    Example::

        @hookimpl
        def lamella_datasets():
            return [Component("iris", "my_plugin.datasets.iris")]  # a whole module
    """


@hookspec
def lamella_utils() -> Registrations:
    """Return utilities reachable as ``lamella.utils.<name>`` beyond the core's own.

    For what needs a component package's dependencies, e.g. ``get_file`` and ``HDF5Matrix``
    (lamella-io, h5py). The core's own utilities (``to_categorical``, ``Sequence``...) win.

    :return: :class:`Component` records of any objects.

    Example::

        @hookimpl
        def lamella_utils():
            return [Component("HDF5Matrix", "lamella_io.utils.io_utils:HDF5Matrix")]
    """


@hookspec
def lamella_preprocessing() -> Registrations:
    """Return preprocessing modules, named as ``lamella.preprocessing`` submodules.

    A component named ``"sequence"`` whose object is a module makes
    ``from lamella.preprocessing.sequence import pad_sequences`` work; likewise ``"text"`` and
    ``"image"``.

    :return: :class:`Component` records of modules.

    Example::

        @hookimpl
        def lamella_preprocessing():
            return [Component("sequence", "lamella_io.preprocessing.sequence")]
    """


@hookspec
def lamella_applications() -> Registrations:
    """Return application modules, named as ``lamella.applications`` submodules.

    A component named ``"vgg16"`` whose object is a module makes
    ``from lamella.applications.vgg16 import VGG16, preprocess_input`` work, and its public
    model functions are also ``lamella.applications.<Name>`` (Keras 2.3.1's
    ``keras.applications`` layout; lamella-applications provides them all).

    :return: :class:`Component` records of modules.

    Example::

        @hookimpl
        def lamella_applications():
            return [Component("vgg16", "lamella_applications.vgg16")]
    """


@hookspec(firstresult=True)
def lamella_resolve_metric(name: str, loss: Any, output_shape: tuple) -> Any:
    """Resolve a metric name whose meaning depends on the model (Keras's ``'accuracy'`` rule).

    Implement it with only the arguments you use (pluggy passes just those).

    :param name: the string the user passed in ``compile(metrics=...)``, e.g. ``'acc'``.
    :param loss: the loss function or :class:`~lamella.losses.Loss` of that output.
    :param output_shape: the output's static shape, a tuple whose first entry is ``None``.
    :return: a metric function or :class:`~lamella.metrics.Metric`, or ``None`` when this
        plugin does not know the name; the first non-``None`` answer wins.

    Example::

        @hookimpl
        def lamella_resolve_metric(name, output_shape):
            if name == "top5" and output_shape[-1] > 5:
                return top_k_categorical_accuracy
            return None
    """
