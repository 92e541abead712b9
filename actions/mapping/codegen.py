"""A backend that writes one Python function per mapping, from its typed form (:mod:`.ir`).

The function builds the mapping's value in straight-line code: each object's fields one after
the other, each path of string keys a chain of ``dict.get`` calls (a prefix that several paths
share, ``context``, say, read once), each directive that is a transform of one operand as that
operand inline and one call of the transform; ``@if`` and ``@coalesce`` as Python ``if``s (a
condition on the settings alone tested on one object of the settings, made once per call; the
conditions on the data that every call tests, and any used more than once, tested together, up
front, by one call of their joint test, in which each path is read once and a test they share
made once: :func:`~actions.fql.codegen.many_function_later`, written when first called); a
``@lookup`` of an event path in a table read by a path as one ``dict.get`` when the key is text
and the table an object; any other directive is one call of its compiled evaluator
(:mod:`.closures`). The whole body runs under one ``try``: when anything raises (a
directive's per-event failure, a path through something that is not an object), the failures it
recorded are dropped and the mapping is evaluated again by the closures, which record each
failure where it belongs, so both backends give the same values and failures.

No text from a mapping, a pack, a config or an event is ever written into the source: every
value (a key, a constant, a compiled directive) is bound to a name of ours (``_c0``, ``_c1``...)
in the namespace the source runs in, which holds nothing else (no builtins).
tests/mapping/test_codegen.py checks both on random mappings.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any, NamedTuple

from actions._generated import define
from actions.fql import Trigger
from actions.fql.codegen import many_function_later
from actions.mapping.builtin import coalesce_, if_, lookup_, merge_, merged
from actions.mapping.closures import Backend, Plan
from actions.mapping.ir import Array, Call, Const, Node, Object, Path, nodes_in
from actions.mapping.paths import EMPTY_DATA
from actions.mapping.values import MISSING, Evaluator

FUNCTION = "_mapping"


class Generated(NamedTuple):
    """A mapping's function and its source. (A named tuple: attrs would compile methods for
    it at import, which a cold start pays for.)"""

    source: str
    evaluate: Evaluator


def generate(node: Node, backend: Backend, fallback: Evaluator) -> Generated:
    """The generated function for ``node`` (whose closures ``backend`` has built; ``fallback``
    is the closure evaluator of the whole node)."""
    writer = _Writer(backend)
    writer.test_up_front(_up_front_conditions(node))
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
    function = define(source, FUNCTION, names, label="mapping", lazy=True, fallback=fallback)
    return Generated(source, function)


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
            "_type": type,
            "_str": str,
        }
        self.conditions: dict[str, str] = {}
        """The name of each condition tested up front, by its text."""
        self.constants: dict[tuple[type, Any], str] = {}
        self.prefixes: dict[tuple[str, ...], str] = {}
        self.reads: dict[tuple[str, ...], str] = {}
        self.count = 0
        self.settings_name: str | None = None

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
        if isinstance(node, Call) and node.directive is if_:
            if _inline_condition(node):
                return self.if_(node)
            if _on_settings_only(node):
                return self.if_(node, self.settings_data())
        if isinstance(node, Call) and node.directive is coalesce_:
            return self.coalesce(node.args["value"])
        if isinstance(node, Call) and node.directive is merge_:
            return self.merge(node.args["objects"], node.args["direction"])
        if isinstance(node, Call) and node.directive is lookup_ and _inline_lookup(node):
            return self.lookup(node, plan.evaluate)
        name = self.temp()
        self.lines.append(f"{name} = {self.const(plan.evaluate)}(root, settings, failures)")
        return name

    def settings_data(self) -> str:
        """The name of what a condition on the settings alone is tested on, made once, before
        the body: an object of the settings under ``$settings``."""
        if self.settings_name is None:
            self.settings_name = "_s"
            key = self.const("$settings")
            self.hoisted.append(
                f"_s = {{{key}: settings if _type(settings) is _dict else _dict(settings)}}"
            )
        return self.settings_name

    def if_(self, node: Call, on_settings: str | None = None) -> str:
        """``@if`` as a Python ``if``: its test, then each branch's statements in its block
        (paths read in a branch are read again after it: the branch may not have run). With
        ``on_settings``, its condition reads the settings alone and is tested on that name."""
        args = node.args
        if on_settings is not None:
            test = f"{self.const(args['when'].matches)}({on_settings})"
        elif args["when"] is not MISSING:
            test = self.condition(args["when"])
        else:
            value = self.value(args["exists"] if args["exists"] is not MISSING else args["blank"])
            test = f"{value} is not _M and {value} is not None"
            if args["exists"] is MISSING:
                test += f" and {value} != {self.const('')}"
        name = self.temp()
        self.lines.append(f"if {test}:")
        self.branch(args["then"], name)
        self.lines.append("else:")
        self.branch(args["else"], name)
        return name

    def coalesce(self, candidates: tuple[Node, ...]) -> str:
        """``@coalesce`` as nested ``if`` blocks: each candidate only when those before it are
        missing or null; the last one's value when all are."""
        name = self.temp()
        self.lines.append(f"{name} = {self.value(candidates[0])}")
        if len(candidates) > 1:
            self.lines.append(f"if {name} is _M or {name} is None:")
            self.block(lambda: self.coalesce(candidates[1:]), name)
        return name

    def merge(self, objects: tuple[Node, ...], direction: str) -> str:
        """``@merge`` as its objects' values, each written inline, then one call that merges
        them (one that is not an object raises: the closures then say where)."""
        values = [self.value(node) for node in objects]
        if direction == "left":
            values.reverse()
        name = self.temp()
        given = f"({', '.join(values)},)" if values else "()"
        self.lines.append(f"{name} = {self.const(merged)}({given})")
        return name

    def branch(self, node: Node | Any, name: str) -> None:
        """The block that sets ``name`` to ``node``'s value (MISSING when not given)."""
        self.block(lambda: "_M" if node is MISSING else self.value(node), name)

    def block(self, write: Callable[[], str], name: str) -> None:
        """The statements ``write`` writes and ``name`` set to the name it gives, as the block
        of the ``if`` or ``else`` just written (paths read in a block are read again after it:
        it may not have run)."""
        outer, reads = self.lines, dict(self.reads)
        self.lines = []
        result = write()
        lines = [*self.lines, f"{name} = {result}"]
        self.lines, self.reads = outer, reads
        outer.extend("    " + line for line in lines)

    def test_up_front(self, triggers: list[Trigger]) -> None:
        """Test ``triggers`` (conditions on the data) once, before the body: two or more by one
        call of their joint test (each path read once, a test they share made once)."""
        names = [f"_w{index}" for index in range(len(triggers))]
        self.conditions = {t.source: name for t, name in zip(triggers, names, strict=True)}
        if len(triggers) == 1:
            self.hoisted.append(f"_w0 = {self.const(triggers[0].matches)}(root)")
        elif triggers:
            functions = triggers[0].functions
            if all(t.functions is functions for t in triggers):
                joint = many_function_later([t.ast for t in triggers], functions)
                self.hoisted.append(f"{', '.join(names)} = {self.const(joint)}(root)")
            else:  # compiled with other functions (not from one environment): one by one
                self.hoisted += [
                    f"{n} = {self.const(t.matches)}(root)"
                    for t, n in zip(triggers, names, strict=True)
                ]

    def condition(self, trigger: Trigger) -> str:
        """The test of an FQL condition on the data: its name when tested up front."""
        known = self.conditions.get(trigger.source)
        return known if known is not None else f"{self.const(trigger.matches)}(root)"

    def lookup(self, node: Call, evaluate: Evaluator) -> str:
        """``@lookup`` of a text key in a table that is an object: one ``dict.get``, inline;
        any other key or table by its evaluator (which reads both paths again: a path read
        has no effect)."""
        key = self.value(node.args["value"])
        table = self.value(node.args["table"])
        name = self.temp()
        self.lines.append(f"if _type({key}) is _str and _type({table}) is _dict:")
        self.lines.append(f"    {name} = _get({table}, {key}, _M)")
        self.lines.append("else:")
        self.lines.append(f"    {name} = {self.const(evaluate)}(root, settings, failures)")
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


def _inline_condition(node: Call) -> bool:
    """Whether an ``@if`` is written inline: any but one whose condition reads the settings
    (it sees a copy of the data with the settings beside it)."""
    when = node.args["when"]
    return when is MISSING or not any(path[:1] == ("$settings",) for path in when.paths)


def _on_settings_only(node: Call) -> bool:
    """Whether an ``@if``'s condition reads the settings alone (and reads something)."""
    when = node.args["when"]
    return bool(when.paths) and all(path[:1] == ("$settings",) for path in when.paths)


def _inline_lookup(node: Call) -> bool:
    """Whether a ``@lookup`` is written inline: one without a default, of a path of the data
    in a table read by a path (of the settings, most often)."""
    args = node.args
    value, table = args["value"], args["table"]
    return (
        args["default"] is MISSING
        and isinstance(value, Path)
        and bool(value.string_keys)
        and isinstance(table, Path)
    )


def _up_front_conditions(node: Node) -> list[Trigger]:
    """The ``@if`` conditions written inline in ``node`` that are tested up front: each used
    more than once, and each the mapping tests whatever the data (the condition of an ``@if``
    that is the mapping, or a field or an item of objects and arrays that are, in no branch).
    Each is then tested once per call, and all of them together by one call."""
    seen: Counter[str] = Counter()
    found: dict[str, Trigger] = {}
    always: set[str] = set()
    stack: list[tuple[Any, bool]] = [(node, True)]
    while stack:
        item, tested = stack.pop()
        if isinstance(item, Object):
            stack.extend((field.node, tested) for field in reversed(item.fields))
        elif isinstance(item, Array):
            stack.extend((entry.node, tested) for entry in reversed(item.items))
        elif isinstance(item, Call):
            when: Any = item.args.get("when", MISSING) if item.directive is if_ else MISSING
            if when is not MISSING and _inline_condition(item):
                seen[when.source] += 1
                found.setdefault(when.source, when)
                if tested:
                    always.add(when.source)
            for value in reversed(list(item.args.values())):
                stack.extend((inner, False) for inner in reversed(list(nodes_in(value))))
    return [when for text, when in found.items() if seen[text] > 1 or text in always]


def _never_missing(node: Node) -> bool:
    """Objects, arrays and constants other than MISSING always have a value."""
    if isinstance(node, Const):
        return node.value is not MISSING
    return isinstance(node, Object | Array)
