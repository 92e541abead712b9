"""Where each mapped value came from, for ``actions explain``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from actions.mapping.compiler import CompiledMapping, Compiler, compile_mapping, is_directive
from actions.mapping.values import MISSING


@attrs.frozen
class TraceEntry:
    """One field of a mapped object: its value (MISSING when left out), the mapping that made
    it, and a short account of where the value came from."""

    key: str
    value: Any
    origin: str
    failures: tuple[str, ...] = ()


def _again(mapping: CompiledMapping, node: Any) -> CompiledMapping:
    """``node``, part of ``mapping``, compiled on its own with the same directives."""
    return compile_mapping(node, directives=mapping.directives, functions=mapping.functions)


def _paths_read(node: Any, mapping: CompiledMapping) -> list[str]:
    compiler = Compiler(None, (), mapping.directives, mapping.functions)
    compiler.value(node, ())
    return sorted(compiler.paths)


def describe(node: Any, event: Any, settings: Mapping[str, Any], mapping: CompiledMapping) -> str:
    """A one-line account of where ``node`` takes its value from for this event."""
    if not is_directive(node):
        if isinstance(node, dict | list):
            reads = _paths_read(node, mapping)
            return "object" + (f" reading {', '.join(reads)}" if reads else "")
        return f"literal {node!r}"
    name: str = next(k for k in node if k.startswith("@"))
    argument = node[name]
    if name == "@path" and isinstance(argument, str):
        return f"@path {argument}"
    if name == "@template" and isinstance(argument, str):
        return f"@template {argument!r}"
    if name == "@coalesce" and isinstance(argument, list):
        for index, candidate in enumerate(argument):
            value = _again(mapping, candidate).apply(event, settings)
            if value is not MISSING and value is not None:
                origin = describe(candidate, event, settings, mapping)
                return f"@coalesce candidate {index + 1}: {origin}"
        return "@coalesce: no candidate had a value"
    if name == "@if" and isinstance(argument, dict):
        condition = {k: v for k, v in argument.items() if k not in ("then", "else")}
        chose_then = _again(mapping, {"@if": {**condition, "then": True, "else": False}}).apply(
            event, settings
        )
        branch = "then" if chose_then is True else "else"
        if branch not in argument:
            return f"@if: condition {'true' if branch == 'then' else 'false'}, no {branch}"
        return f"@if {branch}: {describe(argument[branch], event, settings, mapping)}"
    reads = _paths_read(node, mapping)
    return name + (f" of {', '.join(reads)}" if reads else "")


def trace(
    mapping: CompiledMapping, event: Any, settings: Mapping[str, Any] | None = None
) -> list[TraceEntry]:
    """For an object mapping, one entry per key; otherwise one entry with the key ``""``."""
    settings = settings or {}
    node = mapping.mapping
    items = node.items() if isinstance(node, dict) and not is_directive(node) else [("", node)]
    entries = []
    for key, sub in items:
        value, failures = _again(mapping, sub).evaluate(event, settings)
        entries.append(
            TraceEntry(
                str(key),
                value,
                describe(sub, event, settings, mapping),
                tuple(f.message for f in failures),
            )
        )
    return entries
