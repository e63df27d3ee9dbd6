"""Per-kind registries: how a name such as ``'adam'`` or ``'mse'`` becomes an object.

A name resolves as Keras resolves it: the exact registered name (``'Adam'``), its snake_case
form (``'max_pooling2d'``), an explicit alias (``'mse'``, ``'MaxPool2D'``), and, for
optimizers only, any capitalisation (``'ADAM'``). Explicit names and aliases always beat the
generated snake_case forms, so ``losses.get('mean_squared_error')`` is the function even though
the ``MeanSquaredError`` class would produce the same snake_case key.
"""

import dataclasses
import difflib
import importlib
import re
from typing import Any

#: Singular nouns used in messages, by kind.
KIND_NOUNS = {
    "layers": "layer",
    "activations": "activation",
    "initializers": "initializer",
    "regularizers": "regularizer",
    "constraints": "constraint",
    "optimizers": "optimizer",
    "schedules": "learning-rate schedule",
    "losses": "loss",
    "metrics": "metric",
    "callbacks": "callback",
    "savers": "file format",
    "strategies": "distribution strategy",
    "datasets": "dataset",
    "utils": "utility",
    "preprocessing": "preprocessing module",
}

CASE_INSENSITIVE_KINDS = frozenset({"optimizers"})


@dataclasses.dataclass(frozen=True)
class Component:
    """One named thing a plugin registers.

    :param name: the canonical name (a class name such as ``"Dense"`` or a function name such
        as ``"relu"``).
    :param obj: the object, or a ``"module:attr"`` string imported on first use.
    :param aliases: further names (``("mse",)``); the snake_case form of ``name`` is added
        automatically.
    :param override: replace a component of the same name registered by another plugin.
    :param requires: import names this component needs beyond its distribution's
        dependencies (shown by ``lamella plugins``; informational).

    Example::

        Component("Dense", "lamella_layers.core:Dense")
        Component("mean_squared_error", mean_squared_error, aliases=("mse",))
    """

    name: str
    obj: Any
    aliases: tuple = ()
    override: bool = False
    requires: tuple = ()

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise TypeError(f"Component name must be a non-empty string, got {self.name!r}")
        if isinstance(self.aliases, str):
            raise TypeError(
                f"Component {self.name!r}: aliases must be a tuple of strings, "
                f"not the single string {self.aliases!r}"
            )
        object.__setattr__(self, "aliases", tuple(self.aliases))
        object.__setattr__(self, "requires", tuple(self.requires))


class UnknownComponentError(ValueError):
    """A name that no installed plugin (and no custom object) registers."""

    def __init__(self, kind, name, suggestions=(), provider=None):
        self.kind, self.name = kind, name
        self.suggestions, self.provider = tuple(suggestions), provider
        noun = KIND_NOUNS.get(kind, kind)
        message = f"Unknown {noun}: {name!r}."
        if provider:
            message += (
                f" It is provided by the distribution {provider!r}, which is not installed;"
                f" install it with: pip install {provider}"
            )
        elif suggestions:
            message += " Did you mean: " + ", ".join(repr(s) for s in suggestions) + "?"
        else:
            message += f" No installed plugin registers any {noun} of that name."
        if not provider:
            message += (
                " If it is your own object, pass it in `custom_objects` or register it with"
                " lamella.utils.get_custom_objects()."
            )
        super().__init__(message)


class MissingPluginError(UnknownComponentError, ImportError):
    """The name belongs to a first-party distribution that is not installed.

    An ``ImportError`` too, so ``from lamella.optimizers import Adam`` shows the install hint.
    """


class DuplicateComponentError(ValueError):
    """Two plugins registered the same name and neither declared ``override=True``."""

    def __init__(self, kind, name, first, second):
        self.kind, self.name, self.distributions = kind, name, (first, second)
        noun = KIND_NOUNS.get(kind, kind)
        super().__init__(
            f"The {noun} name {name!r} is registered by two plugins, {first!r} and {second!r}."
            f" Uninstall one of them, or have one register it with Component(..., override=True)."
        )


def _same_target(first, second):
    """Two registrations of one object (or of one ``"module:attr"`` reference) do not clash."""
    if isinstance(first, str) and isinstance(second, str):
        return first == second
    return first is second


def to_snake_case(name):
    """Keras's snake_case rule: ``'LeakyReLU'`` → ``'leaky_re_lu'``, ``'Conv2D'`` → ``'conv2d'``."""
    intermediate = re.sub("(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    insecure = re.sub("([a-z])([A-Z])", r"\1_\2", intermediate).lower()
    if insecure[0] != "_":
        return insecure
    return "private" + insecure


def load_object(reference):
    """Import a ``"module:attr"`` reference (``attr`` may be dotted) or a whole ``"module"``."""
    module_name, _, attr_path = reference.partition(":")
    obj = importlib.import_module(module_name)
    if not attr_path:
        return obj
    for part in attr_path.split("."):
        obj = getattr(obj, part)
    return obj


@dataclasses.dataclass
class Entry:
    """A registered component and the distribution that registered it."""

    component: Component
    distribution: str
    _resolved: Any = dataclasses.field(default=None, repr=False)
    _is_resolved: bool = dataclasses.field(default=False, repr=False)

    @property
    def obj(self):
        if not self._is_resolved:
            obj = self.component.obj
            self._resolved = load_object(obj) if isinstance(obj, str) else obj
            self._is_resolved = True
        return self._resolved


class Registry:
    """The components of one kind, keyed by every name they answer to."""

    def __init__(self, kind):
        self.kind = kind
        self.case_insensitive = kind in CASE_INSENSITIVE_KINDS
        self._strong = {}  # exact names and explicit aliases -> Entry
        self._weak = {}  # generated snake_case names -> Entry
        self._conflicts = {}  # name -> (distribution, distribution)
        self._folded = None  # lower-case key -> Entry, built on demand
        self._added = []  # every Entry, in registration order

    def add(self, component, distribution):
        entry = Entry(component, distribution)
        self._insert(entry)
        return entry

    def _insert(self, entry):
        component = entry.component
        self._added.append(entry)
        for key in (component.name, *component.aliases):
            self._add_strong(key, entry)
        snake = to_snake_case(component.name)
        if snake not in (component.name, *component.aliases):
            if component.override:  # the generated name follows the override too
                self._weak[snake] = entry
            else:
                self._weak.setdefault(snake, entry)
        self._folded = None

    def _add_strong(self, key, entry):
        existing = self._strong.get(key)
        if existing is None or _same_target(existing.component.obj, entry.component.obj):
            self._strong[key] = entry
        elif entry.component.override and not existing.component.override:
            self._strong[key] = entry
            self._conflicts.pop(key, None)
        elif existing.component.override and not entry.component.override:
            pass
        else:
            self._conflicts[key] = (existing.distribution, entry.distribution)

    def remove_distribution(self, distribution):
        """Forget one distribution's components; what it overrode or clashed with comes back."""
        kept = [e for e in self._added if e.distribution != distribution]
        self._strong, self._weak, self._conflicts, self._added = {}, {}, {}, []
        self._folded = None
        for entry in kept:
            self._insert(entry)

    def find(self, name):
        """The :class:`Entry` for ``name``, or ``None``; raises on a conflicting name."""
        if name in self._conflicts:
            raise DuplicateComponentError(self.kind, name, *self._conflicts[name])
        entry = self._strong.get(name) or self._weak.get(name)
        if entry is None and self.case_insensitive:
            if self._folded is None:
                self._folded = {}
                for table in (self._weak, self._strong):  # strong names win
                    self._folded.update((k.lower(), e) for k, e in table.items())
            entry = self._folded.get(name.lower())
        if entry is not None and entry.component.name in self._conflicts:
            # a generated or case-folded spelling of a clashing name is just as ambiguous
            canonical = entry.component.name
            raise DuplicateComponentError(self.kind, canonical, *self._conflicts[canonical])
        return entry

    def keys(self):
        """Every name that resolves, explicit ones first."""
        return list(self._strong) + [k for k in self._weak if k not in self._strong]

    def canonical_names(self):
        """The canonical name of each registered component, sorted."""
        return sorted({e.component.name for e in self._strong.values()})

    def entries(self):
        seen, result = set(), []
        for entry in self._strong.values():
            if id(entry) not in seen:
                seen.add(id(entry))
                result.append(entry)
        return result

    def suggestions(self, name, limit=5):
        keys = self.keys()
        pool = {k.lower(): k for k in reversed(keys)}
        matches = difflib.get_close_matches(name.lower(), list(pool), n=limit, cutoff=0.6)
        return [pool[m] for m in matches]
