"""Per-kind registries: how a name such as ``'adam'`` or ``'mse'`` becomes an object.

A name resolves as Keras resolves it: the exact registered name (``'Adam'``), an explicit alias
(``'mse'``, ``'MaxPool2D'``), its snake_case form (``'max_pooling2d'``), and, for the kinds
marked case-insensitive in :data:`~lamella.plugins.contract.KINDS` (optimizers), any
capitalisation (``'ADAM'``).

Within one distribution, explicit names and aliases beat the generated snake_case forms, so
``losses.get('mean_squared_error')`` is the function even though the ``MeanSquaredError`` class
of the same package would produce the same snake_case key. Between two distributions, a
generated name (or, for optimizers, another capitalisation) is claimed like any other: when
another distribution registers the same spelling, the name is a clash naming both, unless one
side declares ``override=True``. Otherwise an installed plugin could take over ``'auc'``,
``'dense'`` or ``'conv2d'`` (names lamella only generates) without anybody noticing. Plugins a
program registers itself (:func:`lamella.plugins.register_plugin`) are its own code, like
``custom_objects``: between two of them an explicit name still beats a generated one.

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

    ``obj`` imports a ``"module:attr"`` reference on first use and keeps the result; a reference
    that cannot be imported raises an ``ImportError`` (``ModuleNotFoundError`` for a missing
    module) naming the distribution, the kind and the component. ``in_process``: registered
    by the program itself (:func:`~lamella.plugins.register_plugin`), not an entry point.

    Example::

        entry = Entry(Component("OrderedDict", "collections:OrderedDict"), "my-plugin")
        entry.obj  # imports collections now: <class 'collections.OrderedDict'>
    """

    component: Component
    distribution: str
    kind: str = ""
    in_process: bool = False
    _resolved: Any = dataclasses.field(default=None, repr=False)
    _is_resolved: bool = dataclasses.field(default=False, repr=False)

    @property
    def obj(self) -> Any:
        if not self._is_resolved:
            obj = self.component.obj
            self._resolved = self._import(obj) if isinstance(obj, str) else obj
            self._is_resolved = True
        return self._resolved

    def _import(self, reference: str) -> Any:
        try:
            return load_object(reference)
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # noqa: BLE001 (a plugin's SystemExit is its failure too)
            raise reference_error(self.distribution, self.kind, self.component, exc) from exc


def reference_error(distribution: str, kind: str, component: Component,
                    exc: BaseException) -> ImportError:
    """The error for a ``"module:attr"`` reference that cannot be imported, naming who made it.

    A ``ModuleNotFoundError`` stays one (with the missing module's ``name``), so code that
    catches it for an optional dependency still does; anything else becomes an ``ImportError``.

    Example::

        >>> reference_error("my-plugin", "layers", Component("Foo", "nowhere:Foo"), exc)
        ModuleNotFoundError("lamella plugin 'my-plugin' registers the layer 'Foo' as ...")
    """
    noun = get_kind(kind).noun if kind else "component"
    detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    message = (
        f"lamella plugin {distribution!r} registers the {noun} {component.name!r} as"
        f" {component.obj!r}, which cannot be imported: {detail}"
    )
    if component.requires:
        message += f" (it requires {', '.join(component.requires)})"
    cls = ModuleNotFoundError if isinstance(exc, ModuleNotFoundError) else ImportError
    return cls(message, name=getattr(exc, "name", None))


def _same_target(first: Entry, second: Entry) -> bool:
    """Two registrations of one object (or of one ``"module:attr"`` reference) do not clash."""
    a, b = first.component.obj, second.component.obj
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    return a is b


def _guarded(first: Entry, second: Entry) -> bool:
    """Whether a generated name of one entry and any name of the other may clash: they come
    from two distributions, not both registered in process by the program itself."""
    if first.distribution == second.distribution:
        return False
    return not (first.in_process and second.in_process)


class _Index:
    """The name tables of one registry, built in one pass over its entries."""

    def __init__(self, entries: list[Entry], case_insensitive: bool) -> None:
        self.order = {id(entry): i for i, entry in enumerate(entries)}
        self.strong: dict[str, Entry] = {}  # exact names and explicit aliases
        self.weak: dict[str, Entry] = {}  # generated snake_case names
        # name -> the two distributions; ``name_conflicts`` are clashes of explicit names, which
        # make every spelling of the component ambiguous, not only the clashing one.
        self.conflicts: dict[str, tuple[str, str]] = {}
        self.name_conflicts: dict[str, tuple[str, str]] = {}
        self.clashing: dict[str, tuple[Entry, Entry]] = {}  # name -> the two entries
        self.replacements: dict[str, tuple[Entry, Entry]] = {}  # name -> (override, replaced)
        replaced: dict[int, tuple[Entry, Entry]] = {}  # id(loser) -> (loser, override)
        claims: dict[str, list[Entry]] = {}  # generated name -> every entry generating it
        for entry in entries:
            component = entry.component
            for key in (component.name, *component.aliases):
                self._add_strong(key, entry, replaced)
            snake = to_snake_case(component.name)
            if snake not in (component.name, *component.aliases):
                claims.setdefault(snake, []).append(entry)
        # An override takes over *every* name of what it replaces, not only the names both
        # spell alike: Component("Adam", MyAdam, override=True) must also win 'adam' (an alias
        # lamella-optimizers registers) and, case-folded, 'ADAM'.
        winners = {loser_id: winner for loser_id, (_, winner) in replaced.items()}
        for loser, winner in replaced.values():
            self.replacements.setdefault(loser.component.name, (winner, loser))
        for key, entry in self.strong.items():
            self.strong[key] = winners.get(id(entry), entry)
        for key, entries_of_key in claims.items():
            self._add_weak(key, [winners.get(id(e), e) for e in entries_of_key])
        self.folded: dict[str, Entry] | None = None
        self.folded_conflicts: dict[str, tuple[str, str]] = {}
        if case_insensitive:
            self._fold()

    def _clash(self, key: str, first: Entry, second: Entry, table=None) -> None:
        first, second = sorted((first, second), key=lambda e: self.order[id(e)])
        table = self.conflicts if table is None else table
        if key not in table:
            table[key] = (first.distribution, second.distribution)
            self.clashing.setdefault(key, (first, second))

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
            self.name_conflicts.pop(key, None)
            self.clashing.pop(key, None)
            replaced[id(existing)] = (existing, entry)
        elif existing_override and not override:
            replaced[id(entry)] = (entry, existing)
        else:
            self._clash(key, existing, entry)
            self.name_conflicts[key] = self.conflicts[key]

    def _add_weak(self, key: str, claimants: list[Entry]) -> None:
        """Settle a generated name: an explicit name wins it within one distribution; between
        distributions it is a clash unless one side overrides."""
        unique: list[Entry] = []
        for entry in claimants:
            if all(entry is not seen for seen in unique):
                unique.append(entry)
        strong = self.strong.get(key)
        if strong is not None:
            for claimant in unique:
                if claimant is strong or _same_target(claimant, strong):
                    continue
                if not _guarded(claimant, strong) or claimant.component.override:
                    continue  # the explicit name wins, as in Keras (or the claimant overrode)
                if strong.component.override:
                    self.replacements.setdefault(key, (strong, claimant))
                else:
                    self._clash(key, claimant, strong)
            return
        overriding = [e for e in unique if e.component.override]
        winner = overriding[-1] if overriding else unique[0]
        self.weak[key] = winner
        for claimant in unique:
            if claimant is winner or _same_target(claimant, winner) or not _guarded(
                claimant, winner
            ):
                continue
            if winner.component.override and not claimant.component.override:
                self.replacements.setdefault(key, (winner, claimant))
            else:
                self._clash(key, claimant, winner)

    def _fold(self) -> None:
        """Any capitalisation of a name (optimizers): explicit names win within one
        distribution; two distributions whose names differ only in case clash."""
        self.folded = {}
        for table in (self.weak, self.strong):  # strong names win
            self.folded.update((key.lower(), entry) for key, entry in table.items())
        for table in (self.weak, self.strong):
            for key, entry in table.items():
                other = self.folded[key.lower()]
                if other is entry or _same_target(other, entry) or not _guarded(other, entry):
                    continue
                if entry.component.override or other.component.override:
                    winner, loser = (entry, other) if entry.component.override else (other, entry)
                    self.folded[key.lower()] = winner
                    self.replacements.setdefault(key.lower(), (winner, loser))
                else:
                    self._clash(key.lower(), other, entry, table=self.folded_conflicts)


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

    def add(self, component: Component, distribution: str, *, in_process: bool = False) -> Entry:
        """Register ``component`` for ``distribution`` (``in_process``: by the program itself)."""
        entry = Entry(component, distribution, kind=self.kind, in_process=in_process)
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
        if index.folded is not None and name.lower() in index.folded_conflicts:
            raise DuplicateComponentError(self.kind, name, *index.folded_conflicts[name.lower()])
        entry = index.strong.get(name) or index.weak.get(name)
        if entry is None and index.folded is not None:
            entry = index.folded.get(name.lower())
        if entry is not None and entry.component.name in index.name_conflicts:
            # a generated or case-folded spelling of a clashing name is just as ambiguous
            canonical = entry.component.name
            raise DuplicateComponentError(self.kind, canonical, *index.name_conflicts[canonical])
        return entry

    def clashes(self) -> list[tuple[str, Entry, Entry]]:
        """Every clashing name with the two entries that claim it, in registration order.

        Example::

            >>> registry.clashes()
            [('auc', Entry(AUC, 'lamella-metrics'), Entry(auc, 'evil-plugin'))]
        """
        index = self._tables()
        return [(name, first, second) for name, (first, second) in index.clashing.items()]

    def overrides(self) -> list[tuple[str, Entry, Entry]]:
        """What ``override=True`` replaced: ``(name, overriding entry, replaced entry)``.

        Example::

            >>> registry.overrides()
            [('Adam', Entry(MyAdam, 'my-plugin'), Entry(Adam, 'lamella-optimizers'))]
        """
        index = self._tables()
        return [(name, winner, loser) for name, (winner, loser) in index.replacements.items()]

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

    def entry_of(self, target: Any) -> Entry | None:
        """The entry that registered ``target`` (a class or function), or ``None``.

        The one named as ``target``'s own ``__name__`` when there is one (Keras's files name
        classes so), else the first component that registered it under another name.
        ``"module:attr"`` references are compared as text, so nothing is imported.
        """
        reference = f"{getattr(target, '__module__', '')}:{getattr(target, '__qualname__', '')}"
        matches = []
        for entry in self.entries():
            obj = entry.component.obj
            if obj is target or obj == reference or (entry._is_resolved
                                                     and entry._resolved is target):
                matches.append(entry)
        own = getattr(target, "__name__", None)
        return next((e for e in matches if e.component.name == own), None) or next(
            iter(matches), None)

    def name_of(self, target: Any) -> str | None:
        """The name ``target`` is registered under, or ``None``: its own ``__name__`` when a
        component of that name is it, else the registered name
        (``Component("FancyScale", _Scale)`` saves as ``"FancyScale"``, which reloads)."""
        entry = self.entry_of(target)
        return None if entry is None else entry.component.name

    def suggestions(self, name: str, limit: int = 5) -> list[str]:
        """Up to ``limit`` registered names close to ``name``, closest first."""
        keys = self.keys()
        pool = {k.lower(): k for k in reversed(keys)}
        matches = difflib.get_close_matches(name.lower(), list(pool), n=limit, cutoff=0.6)
        return [pool[m] for m in matches]
