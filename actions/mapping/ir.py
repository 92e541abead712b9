"""The typed form of a validated mapping: what every evaluator (the reference one in
:mod:`.reference`, the compiled backend in :mod:`.closures`) starts from.

A mapping becomes a tree of five kinds of node: :class:`Const` (a raw value), :class:`Object`,
:class:`Array`, :class:`Path` (a ``@path`` of literal text, parsed) and :class:`Call` (any other
directive, with each option already typed: a node for a mapping option, ``str``/``bool``/``int``/
tuples for literal ones, a compiled FQL trigger, a parsed template...). Nodes are immutable and
carry no behaviour but what can be read off them (a constant's value, a path's keys).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, TypeAlias

import attrs

from actions._repr import attrs_repr
from actions.errors import DataPath, json_pointer
from actions.mapping.directives import Directive, Kind
from actions.mapping.paths import WHOLE_DATA, ParsedPath


@attrs.frozen
class Const:
    """A raw value (a string, number, boolean or null), or MISSING."""

    __repr__ = attrs_repr

    value: Any


@attrs.frozen
class Field:
    """One key of an object mapping; ``pointer`` is where failures of its value are recorded."""

    __repr__ = attrs_repr

    key: str
    node: Node
    pointer: str


@attrs.frozen
class Object:
    __repr__ = attrs_repr

    fields: tuple[Field, ...]


@attrs.frozen
class Item:
    """One item of an array mapping; ``pointer`` as for :class:`Field`."""

    __repr__ = attrs_repr

    node: Node
    pointer: str


@attrs.frozen
class Array:
    __repr__ = attrs_repr

    items: tuple[Item, ...]


@attrs.frozen
class Path:
    """A path of the data or of the settings, parsed (``@path`` of literal text)."""

    __repr__ = attrs_repr

    parsed: ParsedPath

    @property
    def text(self) -> str:
        return self.parsed.text

    @property
    def string_keys(self) -> tuple[str, ...]:
        """The keys, when this path reads the data through dict keys only (no list position,
        no JSONPath, not the settings, not the whole data); else ``()``."""
        parsed = self.parsed
        if parsed.settings or parsed.jsonpath is not None:
            return ()
        keys = parsed.keys
        return keys if all(isinstance(k, str) for k in keys) else ()  # type: ignore[return-value]


@attrs.frozen(eq=False)
class Call:
    """A directive with its options, typed as its declaration says (an option not given holds
    its declared default, MISSING unless declared)."""

    __repr__ = attrs_repr

    directive: Directive
    args: Mapping[str, Any]
    path: DataPath
    """Where the directive is in the mapping (its ``@`` key included)."""

    @property
    def pointer(self) -> str:
        return json_pointer(self.path)


Node: TypeAlias = Const | Object | Array | Path | Call


@attrs.frozen
class Template:
    """A ``@template`` text split at compile time: literal parts (one more than the paths)."""

    __repr__ = attrs_repr

    text: str
    parts: tuple[str, ...]
    paths: tuple[ParsedPath, ...]


def nodes_in(value: Any) -> Iterator[Node]:
    """The nodes in an option's value (a node, or nodes inside a tuple)."""
    if isinstance(value, Const | Object | Array | Path | Call):
        yield value
    elif isinstance(value, tuple):
        for item in value:
            yield from nodes_in(item)


def paths_read(node: Node) -> set[str]:
    """The path texts ``node`` reads: its :class:`Path` nodes, what each directive declares it
    reads itself (``Directive.reads``), and the whole data (``$.``) for a directive that does not
    declare its reads. Options declared ``relative`` read something else than the event (an
    item, an intermediate value): nothing inside them counts."""
    found: set[str] = set()
    _collect(node, found)
    return found


def _collect(node: Node, found: set[str]) -> None:
    if isinstance(node, Path):
        found.add(node.text)
    elif isinstance(node, Object):
        for field in node.fields:
            _collect(field.node, found)
    elif isinstance(node, Array):
        for item in node.items:
            _collect(item.node, found)
    elif isinstance(node, Call):
        spec = node.directive
        if not spec.declares_reads:
            found.add(WHOLE_DATA)
        if spec.reads is not None:
            found.update(spec.reads(node.args))
        for option in spec.all_options():
            if option.relative or option.name not in node.args:
                continue
            value = node.args[option.name]
            if option.kind is Kind.ARRAY_PATH and isinstance(value, tuple):
                value = value[:1]  # the item shape reads items, not the event
            for inner in nodes_in(value):
                _collect(inner, found)
