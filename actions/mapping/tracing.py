"""Where each mapped value came from, for ``actions explain``: the mapping's typed form
(:mod:`.ir`), evaluated field by field by the reference evaluator."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from actions._repr import attrs_repr
from actions.mapping.compiler import CompiledMapping
from actions.mapping.ir import Array, Call, Const, Node, Object, Path, Template, paths_read
from actions.mapping.reference import evaluate_mapping
from actions.mapping.values import MISSING


@attrs.frozen
class TraceEntry:
    """One field of a mapped object: its value (MISSING when left out), the mapping that made
    it, and a short account of where the value came from."""

    __repr__ = attrs_repr

    key: str
    value: Any
    origin: str
    failures: tuple[str, ...] = ()


def _value(node: Node, event: Any, settings: Mapping[str, Any]) -> Any:
    return evaluate_mapping(node, event, settings)[0]


def describe(node: Node, event: Any, settings: Mapping[str, Any]) -> str:
    """A one-line account of where ``node`` takes its value from for this event."""
    if isinstance(node, Const):
        return f"literal {node.value!r}"
    if isinstance(node, Path):
        return f"@path {node.text}"
    if isinstance(node, Object | Array):
        reads = sorted(paths_read(node))
        return "object" + (f" reading {', '.join(reads)}" if reads else "")
    name = node.directive.name
    args = node.args
    if name == "@template" and isinstance(args["value"], Template):
        return f"@template {args['value'].text!r}"
    if name == "@coalesce":
        for index, candidate in enumerate(args["value"]):
            value = _value(candidate, event, settings)
            if value is not MISSING and value is not None:
                origin = describe(candidate, event, settings)
                return f"@coalesce candidate {index + 1}: {origin}"
        return "@coalesce: no candidate had a value"
    if name == "@if":
        test = Call(node.directive, {**args, "then": Const(True), "else": Const(False)}, node.path)
        branch = "then" if _value(test, event, settings) is True else "else"
        if args[branch] is MISSING:
            return f"@if: condition {'true' if branch == 'then' else 'false'}, no {branch}"
        return f"@if {branch}: {describe(args[branch], event, settings)}"
    reads = sorted(paths_read(node))
    return name + (f" of {', '.join(reads)}" if reads else "")


def trace(
    mapping: CompiledMapping, event: Any, settings: Mapping[str, Any] | None = None
) -> list[TraceEntry]:
    """For an object mapping, one entry per key; otherwise one entry with the key ``""``."""
    settings = settings or {}
    node = mapping.node
    fields = [(f.key, f.node) for f in node.fields] if isinstance(node, Object) else [("", node)]
    entries = []
    for key, sub in fields:
        value, failures = evaluate_mapping(sub, event, settings)
        entries.append(
            TraceEntry(
                key, value, describe(sub, event, settings), tuple(f.message for f in failures)
            )
        )
    return entries
