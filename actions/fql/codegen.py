"""The compiled backend: Python source generated from the syntax tree, compiled once.

The way attrs and dataclasses build their methods: the generator writes the source of one
function and ``exec`` compiles it. **Nothing from the trigger text is ever written into the
source.** The identifiers are the generator's own (``e`` the event, ``_c0``, ``_c1``... values,
``_v0``... path reads, ``_s0``... shared tests, ``_t0``... temporaries); every value that comes
from the trigger (strings, numbers, path keys, list positions, glob texts, the functions it
calls) is bound as a global of the generated function, in a namespace of its own. The source
of a trigger over ``type`` and ``"track"`` reads ``e.get(_c0) == _c1``.

The generated code means what :mod:`actions.fql.reference` says, which the differential
property tests check on random trees and events:

- a path read is ``e.get(k)``, then ``t.get(k) if isinstance(t, dict) else None`` per key (with
  a list position where the key is digits); a path of more than a few keys calls
  :func:`~actions.fql.reference.read`;
- ``=``/``!=`` with a literal are the cheapest exact test for its type: ``==`` for a string
  (a string equals only a string), ``is`` for ``null``/``true``/``false``, a type check and
  ``==`` for a number (``true = 1`` is false); ``in`` a list of strings is a tuple membership
  (a set lookup for longer lists), and so is an ``or`` of one path's string tests;
- everything else calls the reference's helpers (typed equality, ordering on numbers, ``in``)
  with both sides evaluated, as the reference does, so a failing function fails the same way;
- a sub-expression without paths or calls is evaluated once, at compile time;
- ``!``, ``and``, ``or`` are Python's, over operands that are exactly ``True`` or ``False``.

:func:`trigger_function` builds one trigger's ``matches`` (paths read where they are tested,
so ``and``/``or`` skip what they need not read). :func:`many_function` builds the test of many
triggers at once: every path read once into a local at the top, every test that two triggers
share (``type = "track"``) computed once, and a tuple of booleans returned.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from typing import Any

from actions._generated import define, define_later
from actions.fql.ast import (
    And,
    Call,
    Compare,
    Expr,
    In,
    ListLiteral,
    Literal,
    Not,
    Or,
    Path,
    children,
    walk,
)
from actions.fql.functions import BUILTIN_FUNCTIONS, Functions, equal
from actions.fql.glob import compile_glob, glob_plan
from actions.fql.reference import evaluate, is_number, list_position, read
from actions.fql.reference import matches as reference_matches

INLINE_KEYS = 4
"""Paths of at most this many keys are read inline; longer ones call ``reference.read``."""
SET_STRINGS = 8
"""``in`` a list of at most this many strings is a tuple membership; longer, a set lookup."""

# Python's precedence levels, loosest first: an operand looser than its place is parenthesised.
_OR, _AND, _NOT, _CMP, _ATOM = 1, 2, 3, 4, 9

Code = tuple[str, int]
"""Generated source of one expression, and its precedence level."""


def _in_list(needle: Any, haystack: Any) -> bool:
    return isinstance(haystack, list) and any(equal(needle, item) for item in haystack)


def _not_equal(a: Any, b: Any) -> bool:
    return not equal(a, b)


def _less(a: Any, b: Any) -> bool:
    return is_number(a) and is_number(b) and bool(a < b)


def _less_equal(a: Any, b: Any) -> bool:
    return is_number(a) and is_number(b) and bool(a <= b)


def _greater(a: Any, b: Any) -> bool:
    return is_number(a) and is_number(b) and bool(a > b)


def _greater_equal(a: Any, b: Any) -> bool:
    return is_number(a) and is_number(b) and bool(a >= b)


_HELPERS: dict[str, Callable[[Any, Any], bool]] = {
    "=": equal,
    "!=": _not_equal,
    "<": _less,
    "<=": _less_equal,
    ">": _greater,
    ">=": _greater_equal,
}
_BUILTIN = BUILTIN_FUNCTIONS
_CALLS_A_CONSTANT = re.compile(r"\b_c\d+\(")
"""In generated code (ours only): a call of a bound function, which may raise."""
_MIRROR = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "=", "!=": "!="}
_NUMBER_TYPES = (int, float)


def is_constant(node: Expr) -> bool:
    """Whether ``node`` reads no path and calls no function: its value is known."""
    if isinstance(node, Path | Call):
        return False
    return all(is_constant(child) for child in children(node))


def _plain(node: Expr) -> bool:
    """Whether the code of ``node`` can never raise: only paths, literals, and tests of a
    path against literals. Such tests may be computed ahead of where they are used."""
    if isinstance(node, Path):
        return True
    if isinstance(node, Not):
        return _plain(node.operand)
    if isinstance(node, And | Or):
        return all(_plain(o) for o in node.operands)
    if isinstance(node, Compare):
        sides = (node.left, node.right)
        return any(isinstance(s, Path) for s in sides) and any(
            isinstance(s, Literal) for s in sides
        )
    if isinstance(node, In):
        return isinstance(node.left, Path) and _string_items(node.right) is not None
    return False


def _string_test(node: Expr) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """(path, strings) for `path = "a"` (either way round) and `path in ["a", "b"]`."""
    if isinstance(node, Compare) and node.op == "=":
        for path, literal in ((node.left, node.right), (node.right, node.left)):
            if isinstance(path, Path) and _string_literal(literal) is not None:
                return path.keys, (_string_literal(literal) or "",)
    if isinstance(node, In) and isinstance(node.left, Path):
        strings = _string_items(node.right)
        if strings is not None:
            return node.left.keys, strings
    return None


def _one_path_strings(node: Or) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """An `or` of string tests of one path, as (path, its strings): true exactly when the
    path holds one of them (a string equals only a string)."""
    tests = [_string_test(operand) for operand in node.operands]
    first = tests[0]
    if first is None or any(t is None or t[0] != first[0] for t in tests):
        return None
    strings = dict.fromkeys(v for t in tests if t is not None for v in t[1])
    return first[0], tuple(strings)


def _string_literal(node: Expr) -> str | None:
    return node.value if isinstance(node, Literal) and isinstance(node.value, str) else None


def _string_items(node: Expr) -> tuple[str, ...] | None:
    """The strings of a non-empty list literal of strings, else None."""
    if not isinstance(node, ListLiteral) or not node.items:
        return None
    items = tuple(i.value for i in node.items if isinstance(i, Literal))
    if len(items) != len(node.items) or not all(type(v) is str for v in items):
        return None
    return tuple(v for v in items if isinstance(v, str))


class Constants:
    """The values bound in a generated function, each under a name of ours."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self._names: dict[Any, str] = {}

    def name(self, value: Any) -> str:
        try:
            key: Any = (type(value), value)
            hash(key)
        except TypeError:
            key = ("id", id(value))
        found = self._names.get(key)
        if found is None:
            found = self._names[key] = f"_c{len(self.values)}"
            self.values[found] = value
        return found


class Generator:
    """The source of expressions over the event ``e``. ``read(keys)`` gives the code of a path
    read (inline, or a local computed ahead); ``shared`` maps the code of tests computed ahead
    to their local names."""

    def __init__(
        self,
        functions: Functions,
        constants: Constants,
        read: Callable[[tuple[str, ...]], str] | None = None,
    ) -> None:
        self.functions = functions
        self.constants = constants
        self.read = read or self._inline_read
        self.temps = 0
        self.shared: dict[str, str] = {}
        self.hoisted: list[tuple[str, str]] = []
        self.share: set[str] = set()
        self.number_checks: dict[str, str] = {}
        self.share_tests = False
        """Whether tests are shared between triggers: an `or` of one path's strings is then
        kept as its tests (each may be shared), not made one membership test."""
        """Locals whose type is checked ahead: the name of the check (``_n0``)."""
        self._raw: Generator | None = None

    # -- helpers ----------------------------------------------------------------------------

    def const(self, value: Any) -> str:
        if value is None or value is True or value is False:
            return repr(value)
        return self.constants.name(value)

    def temp(self) -> str:
        self.temps += 1
        return f"_t{self.temps}"

    @staticmethod
    def wrap(code: Code, level: int) -> str:
        text, precedence = code
        return text if precedence >= level else f"({text})"

    def bind(self, code: Code) -> tuple[str, str]:
        """(first use, later uses) of a value used twice: itself when it is a plain name,
        else a temporary assigned at its first use."""
        text, precedence = code
        if precedence == _ATOM and text.isidentifier():
            return text, text
        name = self.temp()
        return f"({name} := {text})", name

    def _inline_read(self, keys: tuple[str, ...]) -> str:
        if len(keys) > INLINE_KEYS:
            return f"{self.const(read)}({self.const(keys)}, e)"
        code = f"e.get({self.const(keys[0])})"
        for key in keys[1:]:
            name = self.temp()
            step = (
                f"{name}.get({self.const(key)}) if isinstance({name} := {code}, dict) else "
                + self._position(name, key)
            )
            code = f"({step})"
        return code

    def _position(self, name: str, key: str) -> str:
        position = list_position(key)
        if position is None:
            return "None"
        index = self.const(position)
        return f"{name}[{index}] if isinstance({name}, list) and len({name}) > {index} else None"

    def step(self, name: str, key: str) -> str:
        """The read of ``key`` from the local ``name`` (for reads computed ahead)."""
        return f"{name}.get({self.const(key)}) if isinstance({name}, dict) else " + self._position(
            name, key
        )

    # -- values and tests -------------------------------------------------------------------

    def value(self, node: Expr) -> Code:
        """Code whose value is the value of ``node``."""
        if isinstance(node, Literal):
            return self.const(node.value), _ATOM
        if isinstance(node, Path):
            return self.read(node.keys), _ATOM
        if isinstance(node, ListLiteral):
            return "[" + ", ".join(self.value(i)[0] for i in node.items) + "]", _ATOM
        if isinstance(node, Call):
            return self.call(node)[0], _ATOM
        return self.test(node)

    def list_value(self, node: Expr) -> Code:
        """Like :meth:`value`, for a place that only reads the list (never keeps or changes
        it): a constant list is built once."""
        if isinstance(node, ListLiteral) and is_constant(node):
            return self.constants.name(evaluate(node, None, self.functions)), _ATOM
        return self.value(node)

    def truth(self, node: Expr) -> Code:
        """Code that is exactly True when ``node`` is true, else False."""
        if isinstance(node, Literal | ListLiteral):
            return repr(isinstance(node, Literal) and node.value is True), _ATOM
        if isinstance(node, Call):
            code, is_bool = self.call(node)
            return (code, _ATOM) if is_bool else (f"{code} is True", _CMP)
        if isinstance(node, Path):
            return f"{self.read(node.keys)} is True", _CMP
        return self.test(node)

    def test(self, node: Expr) -> Code:
        """Code of a test (``!``, ``and``, ``or``, comparisons, ``in``): True or False."""
        if is_constant(node):
            return repr(evaluate(node, None, self.functions) is True), _ATOM
        if self.share:
            raw = self._raw_code(node)
            name = self.shared.get(raw)
            if name is None and raw in self.share:
                code = self._test(node)[0]
                name = self.shared[raw] = f"_s{len(self.shared)}"
                self.hoisted.append((name, code))
            if name is not None:
                return name, _ATOM
        return self._test(node)

    def _raw_code(self, node: Expr) -> str:
        """The code of ``node`` with nothing shared: the key of a shared test."""
        if self._raw is None:
            self._raw = Generator(self.functions, self.constants, self.read)
            self._raw.number_checks = self.number_checks
            self._raw.share_tests = self.share_tests
        return self._raw._test(node)[0]

    def _test(self, node: Expr) -> Code:
        if isinstance(node, Not):
            return "not " + self.wrap(self.truth(node.operand), _NOT), _NOT
        merged = _one_path_strings(node) if isinstance(node, Or) and not self.share_tests else None
        if merged is not None:  # `event = "A" or event in ["B", "C"]`: one membership test
            keys, strings = merged
            return self._in(In(Path(keys), ListLiteral(tuple(Literal(v) for v in strings))))
        if isinstance(node, And | Or):
            level, joiner = (_AND, " and ") if isinstance(node, And) else (_OR, " or ")
            return joiner.join(self.wrap(self.truth(o), level + 1) for o in node.operands), level
        if isinstance(node, In):
            return self._in(node)
        assert isinstance(node, Compare)
        return self._compare(node)

    def _in(self, node: In) -> Code:
        strings = _string_items(node.right)
        if strings is not None:
            subject = self.value(node.left)
            if len(strings) > SET_STRINGS:  # a set lookup; only a string can be in it
                first, later = self.bind(subject)
                return (
                    f"isinstance({first}, str) and {later} in {self.const(frozenset(strings))}",
                    _AND,
                )
            if len(strings) == 1:  # a string equals only a string
                return f"{self.wrap(subject, _ATOM)} == {self.const(strings[0])}", _CMP
            return f"{self.wrap(subject, _ATOM)} in {self.const(strings)}", _CMP
        left, right = self.value(node.left)[0], self.list_value(node.right)[0]
        return f"{self.const(_in_list)}({left}, {right})", _ATOM

    def _compare(self, node: Compare) -> Code:
        op, left, right = node.op, node.left, node.right
        if isinstance(left, Literal) and not isinstance(right, Literal):
            op, left, right = _MIRROR[op], right, left
        if isinstance(right, Literal) and not isinstance(left, Literal):
            literal = right.value
            subject = self.value(left)
            if isinstance(literal, str) and op in ("=", "!="):  # a string equals only a string
                python_op = "==" if op == "=" else "!="
                return f"{self.wrap(subject, _ATOM)} {python_op} {self.const(literal)}", _CMP
            if (literal is None or isinstance(literal, bool)) and op in ("=", "!="):
                python_op = "is" if op == "=" else "is not"
                return f"{self.wrap(subject, _ATOM)} {python_op} {literal!r}", _CMP
            if is_number(literal):
                first, later = self.bind(subject)
                python_op = {"=": "==", "!=": "=="}.get(op, op)
                check = self.number_checks.get(first) or (
                    f"type({first}) in {self.const(_NUMBER_TYPES)}"
                )
                code = f"{check} and {later} {python_op} {self.const(literal)}"
                if op == "!=":
                    return f"not ({code})", _NOT
                return code, _AND
        a, b = self.list_value(left)[0], self.list_value(right)[0]
        return f"{self.const(_HELPERS[op])}({a}, {b})", _ATOM

    def call(self, node: Call) -> tuple[str, bool]:
        """The code of a call, and whether it is True or False already. A few built-ins are
        written inline for the arguments they are commonly given (the cases that make up most
        of their calls), calling the function itself for the rest."""
        function = self.functions[node.name]
        implementation = self.const(function.implementation)
        args = node.args
        if function is _BUILTIN["match"] and _string_literal(args[1]) is not None:
            first, later = self.bind(self.value(args[0]))
            pattern = _string_literal(args[1])
            assert pattern is not None
            return f"(isinstance({first}, str) and {self._glob(later, pattern)})", True
        if function is _BUILTIN["contains"] and _string_literal(args[1]) is not None:
            first, later = self.bind(self.value(args[0]))
            needle = self.const(_string_literal(args[1]))
            code = f"({needle} in {later} if isinstance({first}, str) else False if {later} is None"
            return code + f" else {implementation}({later}, {needle}))", True
        if function in (_BUILTIN["lowercase"], _BUILTIN["uppercase"]):
            first, later = self.bind(self.value(args[0]))
            method = "lower" if function is _BUILTIN["lowercase"] else "upper"
            return f"({later}.{method}() if isinstance({first}, str) else None)", False
        if function is _BUILTIN["length"]:  # lists and null inline; strings count UTF-8 bytes
            first, later = self.bind(self.value(args[0]))
            return (
                f"(len({later}) if isinstance({first}, list) else 0 if {later} is None "
                f"else {implementation}({later}))",
                False,
            )
        values = ", ".join(self.value(a)[0] for a in args)
        return f"{implementation}({values})", False

    def _glob(self, name: str, pattern: str) -> str:
        kind, text = glob_plan(pattern)
        if kind == "equals":
            return f"{name} == {self.const(text)}"
        if kind == "any":
            return "True"
        if kind == "contains":
            return f"{self.const(text)} in {name}"
        if kind == "suffix":
            return f"{name}.endswith({self.const(text)})"
        if kind == "prefix":
            return f"{name}.startswith({self.const(text)})"
        return f"{self.const(compile_glob(pattern).matches)}({name})"


def build(
    source: str, name: str, constants: Constants, fallback: Callable[..., Any] | None = None
) -> Callable[..., Any]:
    """The function ``name`` of ``source`` (whose free names are ``constants``), compiled when
    first called (``fallback`` is called instead should Python not compile it). The constants
    are the globals of the function and of nothing else: a namespace of its own (closure
    variables would be copied into each call's frame)."""
    return define(
        source,
        name,
        constants.values,
        label=f"fql {name}",
        builtins=True,
        lazy=fallback is not None,
        fallback=fallback,
    )


def trigger_source(node: Expr, functions: Functions = BUILTIN_FUNCTIONS) -> tuple[str, Constants]:
    """The source of one trigger's ``matches``, and the constants it uses."""
    constants = Constants()
    code = Generator(functions, constants).truth(node)[0]
    source = (
        "def matches(e):\n"
        "    if not isinstance(e, dict):\n"
        "        return False\n"
        "    try:\n"
        f"        return {code}\n"
        "    except Exception:\n"
        "        return False\n"
    )
    return source, constants


def trigger_function(
    node: Expr, functions: Functions = BUILTIN_FUNCTIONS
) -> tuple[Callable[[object], bool], str]:
    """One trigger's ``matches`` (any object in, a bool out, never raises) and its source. The
    function is compiled when first called; nested beyond what Python compiles, it calls the
    reference evaluator."""
    source, constants = trigger_source(node, functions)
    reference = functools.partial(reference_matches, node, functions=functions)
    return build(source, "matches", constants, reference), source


def _subtests(node: Expr) -> list[Expr]:
    return [n for n in walk(node) if isinstance(n, Not | And | Or | Compare | In)]


def many_source(
    nodes: Sequence[Expr], functions: Functions = BUILTIN_FUNCTIONS
) -> tuple[str, Constants]:
    """The source of one function testing every trigger of ``nodes``: a tuple of booleans."""
    constants = Constants()
    probe = Generator(functions, constants)
    lines: list[str] = []
    # Every path and prefix is read once, ahead, parents first. An object that several reads
    # go through is checked once: not an object, it is replaced by an empty one to read from.
    # A path read by one test only, through objects, is read where it is tested (so that
    # `and` and `or` skip it when they can).
    walked = [walk(node) for node in nodes]
    uses: dict[tuple[str, ...], int] = {}
    for every in walked:
        for n in every:
            if isinstance(n, Path):
                uses[n.keys] = uses.get(n.keys, 0) + 1
    prefixes = {path[:end] for path in uses for end in range(1, len(path))}
    reads: dict[tuple[str, ...], str] = {}
    objects: dict[tuple[str, ...], str] = {}
    empty = constants.name({})
    child_keys: dict[tuple[str, ...], list[str]] = {}
    for path in prefixes | set(uses):
        child_keys.setdefault(path[:-1], []).append(path[-1])
    count = 0

    def child(parent: tuple[str, ...], key: str) -> str:
        if not parent:
            return f"e.get({probe.const(key)})"
        if parent in objects and list_position(key) is None:
            return f"{objects[parent]}.get({probe.const(key)})"
        return f"({probe.step(reads[parent], key)})"

    for prefix in sorted(prefixes | set(uses), key=lambda p: (len(p), p)):
        parent, key = prefix[:-1], prefix[-1]
        if uses.get(prefix) == 1 and prefix not in prefixes:
            reads[prefix] = child(parent, key)
            continue
        name = reads[prefix] = f"_v{count}"
        count += 1
        lines.append(f"{name} = {child(parent, key)}")
        keys = [k for k in child_keys.get(prefix, []) if list_position(k) is None]
        if len(keys) < 2:
            continue  # its one child is read with a test of its own
        if prefix in uses or len(keys) < len(child_keys[prefix]):
            objects[prefix] = f"_o{len(objects)}"
            lines.append(f"{objects[prefix]} = {name} if isinstance({name}, dict) else {empty}")
        else:
            objects[prefix] = name
            lines += [f"if not isinstance({name}, dict):", f"    {name} = {empty}"]

    def local_read(keys: tuple[str, ...]) -> str:
        return reads[keys]

    # A path compared with numbers more than once has its type checked once, ahead.
    compared: dict[tuple[str, ...], int] = {}
    for every in walked:
        for n in every:
            if isinstance(n, Compare):
                sides = (n.left, n.right)
                for side, other in (sides, sides[::-1]):
                    if (
                        isinstance(side, Path)
                        and isinstance(other, Literal)
                        and is_number(other.value)
                    ):
                        compared[side.keys] = compared.get(side.keys, 0) + 1
    number_checks: dict[str, str] = {}
    for compared_keys, times in sorted(compared.items()):
        if times > 1:
            local = reads[compared_keys]
            number_checks[local] = check = f"_n{len(number_checks)}"
            lines.append(f"{check} = type({local}) in {probe.const(_NUMBER_TYPES)}")

    # Tests that can never raise and appear more than once are computed once, ahead.
    counting = Generator(functions, constants, local_read)
    counting.number_checks = number_checks
    counting.share_tests = True
    seen: dict[str, int] = {}
    for node in nodes:
        for sub in _subtests(node):
            if _plain(sub) and not is_constant(sub):
                raw = counting._test(sub)[0]
                seen[raw] = seen.get(raw, 0) + 1
    generator = Generator(functions, constants, local_read)
    generator.number_checks = number_checks
    generator.share_tests = True
    generator.share = {raw for raw, count in seen.items() if count > 1}
    results = []
    body: list[str] = []
    for index, node in enumerate(nodes):
        code = generator.truth(node)
        if not _CALLS_A_CONSTANT.search(code[0]):
            # Tests, reads, len and str methods only: never raises. In the returned tuple.
            results.append(generator.wrap(code, _NOT))
            continue
        result = f"_r{index}"  # calls a function or a helper, which may raise
        results.append(result)
        body += ["try:", f"    {result} = {code[0]}", "except Exception:", f"    {result} = False"]
    lines += [f"{name} = {code}" for name, code in generator.hoisted]
    lines += body
    none = constants.name((False,) * len(nodes))
    returned = "(" + ", ".join(results) + ("," if len(results) == 1 else "") + ")"
    source = "\n".join(
        [
            "def matches(e):",
            "    if not isinstance(e, dict):",
            f"        return {none}",
            *("    " + line for line in lines),
            f"    return {returned}",
        ]
    )
    return source + "\n", constants


def many_function(
    nodes: Sequence[Expr], functions: Functions = BUILTIN_FUNCTIONS
) -> tuple[Callable[[object], tuple[bool, ...]], str]:
    """The ``matches`` of many triggers at once, and its source (compiled when first called, as
    :func:`trigger_function`'s)."""
    source, constants = many_source(nodes, functions)
    reference = functools.partial(_reference_many, tuple(nodes), functions)
    return build(source, "matches", constants, reference), source


def many_function_later(
    nodes: Sequence[Expr], functions: Functions = BUILTIN_FUNCTIONS
) -> Callable[[object], tuple[bool, ...]]:
    """As :func:`many_function`, with its source written when it is called a second time
    (writing it takes about 0.1 ms a trigger, which a cold start would pay for every mapping it
    runs once); the first call is answered by the reference evaluator."""
    held = tuple(nodes)

    def write() -> tuple[str, dict[str, Any]]:
        source, constants = many_source(held, functions)
        return source, constants.values

    reference = functools.partial(_reference_many, held, functions)
    return define_later(
        write, "matches", label="fql matches", builtins=True, fallback=reference, warm=1
    )


def _reference_many(
    nodes: tuple[Expr, ...], functions: Functions, event: object
) -> tuple[bool, ...]:
    return tuple(reference_matches(node, event, functions) for node in nodes)
