"""The dispatch index: which subscriptions an event can match, found with a few dict look-ups.

Built once, when a destination is configured, from each trigger's *index*
(:attr:`actions.fql.Trigger.index`): the paths whose value must be one of a set of strings for
the trigger to hold (``type = "track" and event in ["A", "B"]`` gives ``type`` → {track},
``event`` → {A, B}). Each subscription is filed under one key:

- **named**: its trigger requires ``event`` to be one of some strings; filed per type it
  requires (or under any type) and per name;
- **by path**: no ``event`` test, but another path tested for equality with strings
  (``properties.plan = "p17"``, ``context.app.name in ["x", "y"]``); filed under that path and
  each string. When several such paths are tested, the one most subscriptions share is taken,
  so an event costs one read per distinct path, not per subscription;
- **typed**: only ``type`` is tested for strings; filed per type;
- **always**: nothing to file it under (``properties.revenue > 10``, an ``or`` of two paths,
  ``type != "track"``): checked for every event;
- a trigger whose index is empty for a path (``event = "A" and event = "B"``) can never match
  and is filed nowhere.

The index is a filter: it leaves out only subscriptions whose trigger certainly does not match
the event, and keeps configuration order. A candidate's trigger is still evaluated, except when
it is made only of string tests of ``type`` and ``event`` (:attr:`Trigger.exact`): there the
look-up that found it has decided it.

For speed, the candidates of every (type, name) pair the triggers name are merged ahead of time
into one tuple (:attr:`DispatchIndex.table`), unless that would hold more than
:data:`FOLD_LIMIT` references in all; a look-up of a name no trigger names falls back on the
type's tuple without storing anything, so memory does not grow with the names events carry.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial
from itertools import chain
from typing import Any, Generic, NamedTuple, TypeVar

import attrs

from actions._repr import attrs_repr
from actions.fql import Trigger
from actions.fql.reference import read
from actions.spec import CALL_TYPES

T = TypeVar("T")

Matcher = Callable[[object], bool]
Entry = tuple[T, Matcher | None]
"""A candidate: the subscription's item and its trigger to evaluate, or None when the look-up
that found it has decided the trigger."""

_ByName = tuple[dict[str, tuple[Entry[T], ...]], tuple[Entry[T], ...]]
"""Per type: the candidates per name a trigger names, and those for any other name."""

FOLD_LIMIT = 1 << 20
"""At most this many references in the merged (type, name) tuples (about 8 MB); past it, the
parts are merged per event instead (a configuration with thousands of types and names)."""

_TYPE = ("type",)
_EVENT = ("event",)
_ANY = None  # the "any type" key of the named subscriptions
_NONE: tuple[Any, ...] = ()


class _PathIndex(NamedTuple):
    """Subscriptions filed under one path other than ``type`` and ``event``: per string, their
    positions. (A named tuple: attrs would build a class at import that most configurations
    never use.)"""

    keys: tuple[str, ...]
    read: Callable[[Any], Any]
    by_value: Mapping[str, tuple[int, ...]]


@attrs.frozen(eq=False)
class DispatchIndex(Generic[T]):
    """The index of a configured destination's subscriptions. Immutable once built; see the
    module's docstring."""

    __repr__ = attrs_repr

    entries: tuple[Entry[T], ...]
    """One per subscription (the ones that can never match included), in configuration order."""
    named: Mapping[str | None, Mapping[str, tuple[int, ...]]]
    """Per required type (None: any type), per name: positions of the named subscriptions."""
    typed: Mapping[str, tuple[int, ...]]
    paths: tuple[_PathIndex, ...]
    always: tuple[int, ...]
    never: tuple[int, ...]
    """Subscriptions whose trigger can never match: filed nowhere."""
    fold: Mapping[str | None, _ByName[T]] | None
    """The merged candidates of everything but the path indexes: per type (None: any other
    type), the candidates per name and those for any other name. None past
    :data:`FOLD_LIMIT`. Holds the six call types of the Spec whether a trigger names them or
    not."""
    order: Mapping[int, int] = attrs.field(repr=False)
    """``id`` of an entry → its position, to merge candidates in configuration order."""

    @property
    def table(self) -> Mapping[Any, _ByName[T]]:
        """For the engine's look-up, ``table, default = index.table[type]`` then
        ``table.get(name, default)``: for every call type of the Spec and every type a trigger
        names, and any hashable name, when no subscription is filed by path and the merged
        tuples were built; otherwise empty. For anything else, :meth:`candidates` is the way.
        Plain dicts, ``get`` with a default: the fastest look-up Python has for a name that
        may be unknown, and nothing is stored for it."""
        if self.fold is None or self.paths:
            return {}
        return self.fold

    @classmethod
    def build(
        cls, subscriptions: Sequence[tuple[T, Trigger]], fold_limit: int = FOLD_LIMIT
    ) -> DispatchIndex[T]:
        """Index ``subscriptions`` (each an item, such as a compiled subscription, and its
        trigger), in the order given."""
        entries: list[Entry[T]] = []
        named: dict[str | None, dict[str, list[int]]] = {}
        typed: dict[str, list[int]] = {}
        by_path: dict[tuple[str, ...], dict[str, list[int]]] = {}
        always: list[int] = []
        never: list[int] = []
        filed = [trigger.index for _, trigger in subscriptions]
        shared: dict[tuple[str, ...], int] = {}
        for index in filed:
            for path in index:
                shared[path] = shared.get(path, 0) + 1
        for position, ((item, trigger), index) in enumerate(zip(subscriptions, filed, strict=True)):
            decided = trigger.exact and bool(index) and index.keys() <= {_TYPE, _EVENT}
            entries.append((item, None if decided else trigger.matches))
            types = index.get(_TYPE)
            names = index.get(_EVENT)
            others = [path for path in index if path not in (_TYPE, _EVENT)]
            if any(not values for values in index.values()):
                never.append(position)
            elif names is not None:
                for type_ in sorted(types) if types is not None else [_ANY]:
                    per_name = named.setdefault(type_, {})
                    for name in sorted(names):
                        per_name.setdefault(name, []).append(position)
            elif others:
                # The path most subscriptions share, then the one with fewest strings.
                path = min(others, key=lambda p: (-shared[p], len(index[p]), p))
                per_value = by_path.setdefault(path, {})
                for value in sorted(index[path]):
                    per_value.setdefault(value, []).append(position)
            elif types is not None:
                for type_ in sorted(types):
                    typed.setdefault(type_, []).append(position)
            else:
                always.append(position)
        order = {id(entry): position for position, entry in enumerate(entries)}
        built: DispatchIndex[T] = cls(
            tuple(entries),
            {t: {n: tuple(p) for n, p in per.items()} for t, per in named.items()},
            {t: tuple(p) for t, p in typed.items()},
            tuple(
                _PathIndex(path, partial(read, path), {v: tuple(p) for v, p in per.items()})
                for path, per in sorted(by_path.items())
            ),
            tuple(always),
            tuple(never),
            None,
            order,
        )
        if built._fold_size() > fold_limit:
            return built
        return attrs.evolve(built, fold=built._fold())

    # -- look-up -------------------------------------------------------------------------------

    def candidates(self, event: Mapping[str, Any]) -> tuple[Entry[T], ...]:
        """The subscriptions the index admits for ``event``, in configuration order, each with
        its trigger to evaluate (None: decided)."""
        type_ = event.get("type")
        name = event.get("event")
        if not isinstance(type_, str):
            type_ = None  # no string test can hold: only what accepts any type
        if not isinstance(name, str):
            name = None
        fold = self.fold
        if fold is None:
            base = self._base(type_, name)
        else:
            table, default = fold.get(type_) or fold[None]
            base = default if name is None else table.get(name, default)
        if not self.paths:
            return base
        hits: list[tuple[int, ...]] = []
        for path in self.paths:
            try:
                found = path.by_value.get(path.read(event))
            except (TypeError, ValueError):
                # An unhashable value (a list or an object) is no string; a key such as
                # ``\²`` (a digit to str.isdigit, not to int) over a list is read as nothing.
                continue
            if found:
                hits.append(found)
        if not hits:
            return base
        order = self.order
        positions = sorted(chain((order[id(e)] for e in base), *hits))
        entries = self.entries
        return tuple(entries[p] for p in positions)

    def _positions(self, type_: str | None, name: str | None) -> list[int]:
        """Positions admitted by ``type`` and ``event`` alone (None: not a string, or absent),
        in configuration order."""
        named = self.named
        parts: list[tuple[int, ...]] = []
        if name is not None:
            parts.append(named.get(_ANY, {}).get(name, _NONE))
            if type_ is not None:
                parts.append(named.get(type_, {}).get(name, _NONE))
        if type_ is not None:
            parts.append(self.typed.get(type_, _NONE))
        parts.append(self.always)
        return sorted(chain.from_iterable(parts))

    def _base(self, type_: str | None, name: str | None) -> tuple[Entry[T], ...]:
        entries = self.entries
        return tuple(entries[p] for p in self._positions(type_, name))

    def _pairs(self) -> list[tuple[str | None, list[str | None]]]:
        """Every (type, names) the merged table holds: each type a trigger names with the
        names filed under it or under any type, and None (any other type) with the names
        filed under any type; None among the names stands for any other name."""
        any_type = list(self.named.get(_ANY, {}))
        types = sorted({t for t in self.named if t is not None} | set(self.typed))
        pairs: list[tuple[str | None, list[str | None]]] = []
        for type_ in types:
            names = dict.fromkeys([*any_type, *self.named.get(type_, {})])
            pairs.append((type_, [None, *names]))
        pairs.append((None, [None, *any_type]))
        return pairs

    def _fold_size(self) -> int:
        """How many references the merged table would hold (counted without building it, in
        time linear in the names)."""
        any_type = self.named.get(_ANY, {})
        any_total = sum(map(len, any_type.values()))
        always = len(self.always)
        # Each tuple counts one more, for itself.
        total = (len(any_type) + 1) * (always + 1) + any_total  # any other type
        for type_ in {t for t in self.named if t is not None} | set(self.typed):
            own = self.named.get(type_, {})
            names = len(any_type) + sum(1 for name in own if name not in any_type)
            typed = len(self.typed.get(type_, _NONE))
            total += (names + 1) * (typed + always + 1) + any_total + sum(map(len, own.values()))
        return total

    def _fold(self) -> dict[str | None, _ByName[T]]:
        tables: dict[str | None, _ByName[T]] = {}
        for type_, names in self._pairs():
            table = {name: self._base(type_, name) for name in names if name is not None}
            tables[type_] = (table, self._base(type_, None))
        return {**dict.fromkeys(CALL_TYPES, tables[None]), **tables}

    def describe(self) -> dict[str, int]:
        """How the subscriptions are filed (``actions explain`` and the docs show it)."""
        named = {p for per in self.named.values() for ps in per.values() for p in ps}
        by_path = {p for index in self.paths for ps in index.by_value.values() for p in ps}
        typed = {p for ps in self.typed.values() for p in ps}
        return {
            "named": len(named),
            "by path": len(by_path),
            "typed": len(typed),
            "always": len(self.always),
            "never": len(self.never),
            "paths": len(self.paths),
        }


__all__ = ["FOLD_LIMIT", "DispatchIndex", "Entry"]
