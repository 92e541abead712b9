"""A backend that writes one Python function per mapping, from its typed form (:mod:`.ir`).

The function builds the mapping's value in straight-line code: each object's fields one after
the other, each path of string keys a chain of ``dict.get`` calls (a prefix that several paths
share, ``context``, say, read once), each directive that is a transform of one operand as that
operand inline and one call of the transform; any other directive is one call of its compiled
evaluator (:mod:`.closures`). The whole body runs under one ``try``: when anything raises (a
directive's per-event failure, a path through something that is not an object), the failures it
recorded are dropped and the mapping is evaluated again by the closures, which record each
failure where it belongs, so both backends give the same values and failures.

No text from a mapping, a pack, a config or an event is ever written into the source: every
value (a key, a constant, a compiled directive) is bound to a name of ours (``_c0``, ``_c1``...)
in the namespace the source runs in, which holds nothing else (no builtins).
tests/mapping/test_codegen.py checks both on random mappings.
"""

from __future__ import annotations

from typing import Any

import attrs

from actions._generated import define
from actions.mapping.closures import Backend, Plan
from actions.mapping.ir import Array, Call, Const, Node, Object, Path
from actions.mapping.paths import EMPTY_DATA
from actions.mapping.values import MISSING, Evaluator

FUNCTION = "_mapping"


@attrs.frozen
class Generated:
    source: str
    evaluate: Evaluator


def generate(node: Node, backend: Backend, fallback: Evaluator) -> Generated:
    """The generated function for ``node`` (whose closures ``backend`` has built; ``fallback``
    is the closure evaluator of the whole node)."""
    writer = _Writer(backend)
    result = writer.value(node)
    names = writer.names
    names["_fallback"] = fallback
    lines = [
        f"def {FUNCTION}(root, settings, failures):",
        "    if not _isinstance(root, _dict):",
        "        return _fallback(root, settings, failures)",
        "    _mark = _len(failures)",
        "    try:",
        *("        " + line for line in writer.hoisted),
        *("        " + line for line in writer.lines),
        f"        return {result}",
        "    except _Exception:",
        "        del failures[_mark:]",
        "        return _fallback(root, settings, failures)",
    ]
    source = "\n".join(lines) + "\n"
    return Generated(source, define(source, FUNCTION, names, label="mapping"))


class _Writer:
    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.lines: list[str] = []
        self.hoisted: list[str] = []
        self.names: dict[str, Any] = {
            "_M": MISSING,
            "_get": dict.get,
            "_empty": EMPTY_DATA,
            "_dict": dict,
            "_isinstance": isinstance,
            "_len": len,
            "_Exception": Exception,
        }
        self.constants: dict[tuple[type, Any], str] = {}
        self.prefixes: dict[tuple[str, ...], str] = {}
        self.reads: dict[tuple[str, ...], str] = {}
        self.count = 0

    def const(self, value: Any) -> str:
        """A name bound to ``value`` (strings, numbers, booleans and null named once)."""
        if value is None or type(value) in (str, int, bool):
            key = (type(value), value)
            known = self.constants.get(key)
            if known is None:
                known = self.constants[key] = self._bind(value)
            return known
        return self._bind(value)

    def _bind(self, value: Any) -> str:
        name = f"_c{len(self.names)}"
        self.names[name] = value
        return name

    def temp(self) -> str:
        self.count += 1
        return f"_v{self.count}"

    def prefix(self, keys: tuple[str, ...]) -> str:
        """A name for the object at ``keys`` (an empty one for a missing or falsy value), read
        once, before the body."""
        known = self.prefixes.get(keys)
        if known is not None:
            return known
        outer = "root" if len(keys) == 1 else self.prefix(keys[:-1])
        name = self.prefixes[keys] = f"_p{len(self.prefixes)}"
        self.hoisted.append(f"{name} = _get({outer}, {self.const(keys[-1])}) or _empty")
        return name

    def value(self, node: Node) -> str:
        """Statements computing ``node`` for ``root``; the name that then holds its value."""
        if isinstance(node, Const):
            return self.const(node.value)
        if isinstance(node, Path) and node.string_keys:
            # Every statement of the body runs, in order (none is inside a branch): a path
            # read once can be used again.
            keys = node.string_keys
            name = self.reads.get(keys)
            if name is None:
                outer = "root" if len(keys) == 1 else self.prefix(keys[:-1])
                name = self.reads[keys] = self.temp()
                self.lines.append(f"{name} = _get({outer}, {self.const(keys[-1])}, _M)")
            return name
        if isinstance(node, Object):
            name = self.temp()
            self.lines.append(f"{name} = {{}}")
            for field in node.fields:
                value = self.value(field.node)
                key = self.const(field.key)
                if _never_missing(field.node):
                    self.lines.append(f"{name}[{key}] = {value}")
                else:
                    self.lines.append(f"if {value} is not _M: {name}[{key}] = {value}")
            return name
        if isinstance(node, Array):
            values = [self.value(item.node) for item in node.items]
            name = self.temp()
            items = ", ".join(
                v if _never_missing(i.node) else f"None if {v} is _M else {v}"
                for v, i in zip(values, node.items, strict=True)
            )
            self.lines.append(f"{name} = [{items}]")
            return name
        plan = self.backend.plans[id(node)][1]
        if isinstance(node, Call) and plan.transform is not None and plan.operand is not None:
            return self.transform(plan, plan.operand)
        name = self.temp()
        self.lines.append(f"{name} = {self.const(plan.evaluate)}(root, settings, failures)")
        return name

    def transform(self, plan: Plan, operand: Node) -> str:
        value = self.value(operand)
        name = self.temp()
        call = f"{self.const(plan.transform)}({value}, root, settings, failures)"
        if plan.keeps_missing:
            self.lines.append(f"{name} = {value} if {value} is _M else {call}")
        else:
            self.lines.append(f"{name} = {call}")
        return name


def _never_missing(node: Node) -> bool:
    """Objects, arrays and constants other than MISSING always have a value."""
    if isinstance(node, Const):
        return node.value is not MISSING
    return isinstance(node, Object | Array)
