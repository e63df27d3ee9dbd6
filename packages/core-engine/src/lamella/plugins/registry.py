"""Per-kind registries: how a name such as ``'adam'`` or ``'mse'`` becomes an object.

A name resolves as Keras resolves it: the exact registered name (``'Adam'``), an explicit alias
(``'mse'``, ``'MaxPool2D'``), its snake_case form (``'max_pooling2d'``), and, for the kinds
marked case-insensitive in :data:`~lamella.plugins.contract.KINDS` (optimizers), any
capitalisation (``'ADAM'``). Explicit names and aliases always beat the generated snake_case
forms, so ``losses.get('mean_squared_error')`` is the function even though the
``MeanSquaredError`` class would produce the same snake_case key.

Example::

    registry = Registry("losses")
    registry.add(Component("mean_squared_error", mse, aliases=("mse",)), "lamella-losses")
    registry.find("mse").obj is mse
"""

from __future__ import annotations

import dataclasses
import difflib
import importlib
import re
from typing import Any

from lamella.plugins.contract import Component, get_kind
from lamella.plugins.errors import DuplicateComponentError


def to_snake_case(name: str) -> str:
    """Keras's snake_case rule: ``'LeakyReLU'`` → ``'leaky_re_lu'``, ``'Conv2D'`` → ``'conv2d'``."""
    intermediate = re.sub("(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    insecure = re.sub("([a-z])([A-Z])", r"\1_\2", intermediate).lower()
    if insecure[0] != "_":
        return insecure
    return "private" + insecure


def load_object(reference: str) -> Any:
    """Import a ``"module:attr"`` reference (``attr`` may be dotted) or a whole ``"module"``.

    Example::

        >>> load_object("collections:OrderedDict")
        <class 'collections.OrderedDict'>
    """
    module_name, _, attr_path = reference.partition(":")
    obj = importlib.import_module(module_name)
    if not attr_path:
        return obj
    for part in attr_path.split("."):
        obj = getattr(obj, part)
    return obj


@dataclasses.dataclass
class Entry:
    """A registered component and the distribution that registered it.

    ``obj`` imports a ``"module:attr"`` reference on first use and keeps the result.

    Example::

        entry = Entry(Component("OrderedDict", "collections:OrderedDict"), "my-plugin")
        entry.obj  # imports collections now: <class 'collections.OrderedDict'>
    """

    component: Component
    distribution: str
    _resolved: Any = dataclasses.field(default=None, repr=False)
    _is_resolved: bool = dataclasses.field(default=False, repr=False)

    @property
    def obj(self) -> Any:
        if not self._is_resolved:
            obj = self.component.obj
            self._resolved = load_object(obj) if isinstance(obj, str) else obj
            self._is_resolved = True
        return self._resolved


def _same_target(first: Entry, second: Entry) -> bool:
    """Two registrations of one object (or of one ``"module:attr"`` reference) do not clash."""
    a, b = first.component.obj, second.component.obj
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    return a is b


class _Index:
    """The name tables of one registry, built in one pass over its entries."""

    def __init__(self, entries: list[Entry], case_insensitive: bool) -> None:
        self.strong: dict[str, Entry] = {}  # exact names and explicit aliases
        self.weak: dict[str, Entry] = {}  # generated snake_case names
        self.conflicts: dict[str, tuple[str, str]] = {}  # name -> the two distributions
        replaced: dict[int, tuple[Entry, Entry]] = {}  # id(loser) -> (loser, override)
        for entry in entries:
            component = entry.component
            for key in (component.name, *component.aliases):
                self._add_strong(key, entry, replaced)
            snake = to_snake_case(component.name)
            if snake not in (component.name, *component.aliases):
                if component.override:  # the generated name follows the override too
                    self.weak[snake] = entry
                else:
                    self.weak.setdefault(snake, entry)
        # An override takes over *every* name of what it replaces, not only the names both
        # spell alike: Component("Adam", MyAdam, override=True) must also win 'adam' (an alias
        # lamella-optimizers registers) and, case-folded, 'ADAM'.
        for loser, winner in replaced.values():
            for table in (self.strong, self.weak):
                for key, entry in table.items():
                    if entry is loser:
                        table[key] = winner
        self.folded: dict[str, Entry] | None = None
        if case_insensitive:
            self.folded = {}
            for table in (self.weak, self.strong):  # strong names win
                self.folded.update((key.lower(), entry) for key, entry in table.items())

    def _add_strong(self, key: str, entry: Entry, replaced: dict[int, tuple[Entry, Entry]]):
        existing = self.strong.get(key)
        override, existing_override = entry.component.override, None
        if existing is not None:
            existing_override = existing.component.override
        if existing is None or _same_target(existing, entry):
            self.strong[key] = entry
        elif override and not existing_override:
            self.strong[key] = entry
            self.conflicts.pop(key, None)
            replaced[id(existing)] = (existing, entry)
        elif existing_override and not override:
            replaced[id(entry)] = (entry, existing)
        else:
            self.conflicts[key] = (existing.distribution, entry.distribution)


class Registry:
    """The components of one kind, keyed by every name they answer to.

    Example::

        registry = Registry("optimizers")
        registry.add(Component("Adam", Adam, aliases=("adam",)), "lamella-optimizers")
        registry.find("ADAM").obj is Adam  # optimizers are case-insensitive
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.case_insensitive = get_kind(kind).case_insensitive
        self._added: list[Entry] = []  # every Entry, in registration order
        self._index: _Index | None = None  # rebuilt on the first lookup after a change

    def add(self, component: Component, distribution: str) -> Entry:
        entry = Entry(component, distribution)
        self._added.append(entry)
        self._index = None
        return entry

    def remove_distribution(self, distribution: str) -> None:
        """Forget one distribution's components; what it overrode or clashed with comes back."""
        self._added = [e for e in self._added if e.distribution != distribution]
        self._index = None

    def _tables(self) -> _Index:
        index = self._index
        if index is None:  # two threads may both build it; either result is the same
            index = self._index = _Index(list(self._added), self.case_insensitive)
        return index

    def find(self, name: str) -> Entry | None:
        """The :class:`Entry` for ``name``, or ``None``; raises on a conflicting name."""
        index = self._tables()
        if name in index.conflicts:
            raise DuplicateComponentError(self.kind, name, *index.conflicts[name])
        entry = index.strong.get(name) or index.weak.get(name)
        if entry is None and index.folded is not None:
            entry = index.folded.get(name.lower())
        if entry is not None and entry.component.name in index.conflicts:
            # a generated or case-folded spelling of a clashing name is just as ambiguous
            canonical = entry.component.name
            raise DuplicateComponentError(self.kind, canonical, *index.conflicts[canonical])
        return entry

    def keys(self) -> list[str]:
        """Every name that resolves, explicit ones first."""
        index = self._tables()
        return list(index.strong) + [k for k in index.weak if k not in index.strong]

    def canonical_names(self) -> list[str]:
        """The canonical name of each registered component, sorted."""
        return sorted({e.component.name for e in self._tables().strong.values()})

    def entries(self) -> list[Entry]:
        """Each component that answers to at least one name, once, in registration order."""
        seen, result = set(), []
        for entry in self._tables().strong.values():
            if id(entry) not in seen:
                seen.add(id(entry))
                result.append(entry)
        return result

    def suggestions(self, name: str, limit: int = 5) -> list[str]:
        """Up to ``limit`` registered names close to ``name``, closest first."""
        keys = self.keys()
        pool = {k.lower(): k for k in reversed(keys)}
        matches = difflib.get_close_matches(name.lower(), list(pool), n=limit, cutoff=0.6)
        return [pool[m] for m in matches]
