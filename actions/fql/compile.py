"""Syntax tree to a predicate: plain Python closures over pre-split key tuples.

Static checks happen here, once: unknown functions, arity, literal argument types, and
comparisons whose result is known to be meaningless (a boolean compared with a string)."""

from __future__ import annotations

import difflib
import operator
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from actions.fql.ast import And, Call, Compare, Expr, In, ListLiteral, Literal, Not, Or, Path, walk
from actions.fql.errors import FQLSyntaxError
from actions.fql.format import format_fql
from actions.fql.functions import (
    ANY,
    BOOL,
    BUILTIN_FUNCTIONS,
    LIST,
    NULL,
    NUMBER,
    Functions,
    describe_types,
    equal,
    signature,
    type_of,
)
from actions.fql.glob import glob_tester

Fn = Callable[[Any], Any]


def static_type(node: Expr, functions: Functions = BUILTIN_FUNCTIONS) -> int:
    """The types ``node`` may evaluate to."""
    if isinstance(node, Literal):
        return type_of(node.value)
    if isinstance(node, ListLiteral):
        return LIST
    if isinstance(node, Path):
        return ANY
    if isinstance(node, Call):
        function = functions.get(node.name)
        return function.returns if function else ANY
    return BOOL


def check(node: Expr, source: str, functions: Functions = BUILTIN_FUNCTIONS) -> None:
    """Raise :class:`FQLSyntaxError` for problems knowable without an event."""
    for current in walk(node):
        if isinstance(current, Call):
            _check_call(current, source, functions)
        elif isinstance(current, Compare):
            _check_compare(current, source, functions)
        elif isinstance(current, In):
            right = static_type(current.right, functions)
            if not right & (LIST | NULL):
                raise FQLSyntaxError(
                    "`in` needs a list on its right",
                    source=source,
                    offset=current.right.start,
                    length=current.right.end - current.right.start,
                    kind="argument-type",
                    hint="write `event in ['A', 'B']` or `'vip' in properties.tags`",
                )


def _check_call(node: Call, source: str, functions: Functions) -> None:
    function = functions.get(node.name)
    if function is None:
        close = difflib.get_close_matches(node.name, list(functions), n=1, cutoff=0.6)
        raise FQLSyntaxError(
            f"unknown function {node.name!r}",
            source=source,
            offset=node.start,
            length=len(node.name),
            kind="unknown-function",
            hint=f"did you mean `{close[0]}`?"
            if close
            else f"functions: {', '.join(sorted(functions))}",
        )
    if len(node.args) != len(function.params):
        count = len(function.params)
        raise FQLSyntaxError(
            f"{node.name}() takes {count} argument{'s' if count != 1 else ''}, "
            f"got {len(node.args)}",
            source=source,
            offset=node.start,
            length=node.end - node.start,
            kind="wrong-arity",
            hint=f"the signature is {signature(function)}",
        )
    if node.name == "match" and isinstance(node.args[1], Literal):
        pattern = node.args[1]
        if isinstance(pattern.value, str):
            try:
                glob_tester(pattern.value)
            except ValueError as exc:
                raise FQLSyntaxError(
                    f"bad glob pattern: {exc}",
                    source=source,
                    offset=pattern.start,
                    length=max(1, pattern.end - pattern.start),
                    kind="bad-pattern",
                    hint="globs use * ? [abc] [a-z] [!a] and \\x for a literal x",
                ) from None
    for arg, allowed in zip(node.args, function.params, strict=True):
        given = static_type(arg, functions)
        if not given & allowed:
            raise FQLSyntaxError(
                f"{node.name}() expects {describe_types(allowed)} here, "
                f"not {describe_types(given)}",
                source=source,
                offset=arg.start,
                length=max(1, arg.end - arg.start),
                kind="argument-type",
                hint=f"the signature is {signature(function)}",
            )


def _check_compare(node: Compare, source: str, functions: Functions) -> None:
    left, right = static_type(node.left, functions), static_type(node.right, functions)
    span = max(1, node.end - node.start)
    if node.op in ("=", "!=") and not left & right:
        hint = None
        if isinstance(node.left, Not) and node.op == "=":
            hint = f"did you mean `{format_fql(node.left.operand)} != {format_fql(node.right)}`?"
        raise FQLSyntaxError(
            f"{describe_types(left)} is compared with {describe_types(right)}: "
            f"`{node.op}` is always {'false' if node.op == '=' else 'true'}",
            source=source,
            offset=node.start,
            length=span,
            kind="meaningless-comparison",
            hint=hint or "compare values of the same type",
        )
    if node.op not in ("=", "!=") and (not left & NUMBER or not right & NUMBER):
        hint = None
        if isinstance(node.left, Not):
            hint = "`!` applies to what directly follows it: write `!(a > b)`"
        raise FQLSyntaxError(
            f"`{node.op}` compares numbers, "
            f"not {describe_types(left if not left & NUMBER else right)}",
            source=source,
            offset=node.start,
            length=span,
            kind="meaningless-comparison",
            hint=hint or "ordering works on numbers only",
        )


# -- closures -----------------------------------------------------------------------------------


def getter(keys: tuple[str, ...]) -> Fn:
    """Read a path; missing (or a non-object on the way) is None. A digit key on a list reads
    that position."""
    if any(k.isdigit() for k in keys[1:]):

        def get(event: Any) -> Any:
            value = event
            for key in keys:
                if isinstance(value, dict):
                    value = value.get(key)
                elif isinstance(value, list) and key.isdigit() and int(key) < len(value):
                    value = value[int(key)]
                else:
                    return None
            return value

        return get
    if len(keys) == 1:
        (k1,) = keys
        return lambda event: event.get(k1)
    if len(keys) == 2:
        k1, k2 = keys

        def get2(event: Any) -> Any:
            value = event.get(k1)
            return value.get(k2) if isinstance(value, dict) else None

        return get2
    if len(keys) == 3:
        k1, k2, k3 = keys

        def get3(event: Any) -> Any:
            value = event.get(k1)
            if isinstance(value, dict):
                value = value.get(k2)
                if isinstance(value, dict):
                    return value.get(k3)
            return None

        return get3

    def get_any(event: Any) -> Any:
        value = event
        for key in keys:
            if not isinstance(value, dict):
                return None
            value = value.get(key)
        return value

    return get_any


# A "key test": one path compared with constants, the commonest shape of a trigger.
# ``in`` mode: the value is one of a set of strings; ``is`` mode: the value is null, true or
# false. ``positive`` is False for the negated forms (`!=`, `!`).


@attrs.frozen
class KeyTest:
    keys: tuple[str, ...]
    mode: str  # "in" or "is"
    constant: frozenset[str] | bool | None
    positive: bool


def key_test(node: Expr) -> KeyTest | None:
    """``node`` as a key test, when it is one."""
    if isinstance(node, Compare) and node.op in ("=", "!="):
        for path, literal in ((node.left, node.right), (node.right, node.left)):
            if isinstance(path, Path) and isinstance(literal, Literal):
                value = literal.value
                positive = node.op == "="
                if isinstance(value, str):
                    return KeyTest(path.keys, "in", frozenset({value}), positive)
                if value is None or isinstance(value, bool):
                    return KeyTest(path.keys, "is", value, positive)
        return None
    if (
        isinstance(node, In)
        and isinstance(node.left, Path)
        and isinstance(node.right, ListLiteral)
        and node.right.items
        and all(isinstance(i, Literal) and isinstance(i.value, str) for i in node.right.items)
    ):
        strings = frozenset(i.value for i in node.right.items if isinstance(i, Literal))
        return KeyTest(node.left.keys, "in", strings, True)  # type: ignore[arg-type]
    if isinstance(node, Not):
        inner = key_test(node.operand)
        return attrs.evolve(inner, positive=not inner.positive) if inner else None
    if isinstance(node, Or):
        tests = [key_test(o) for o in node.operands]
        first = tests[0]
        if first is None or first.mode != "in" or not first.positive:
            return None
        union: frozenset[str] = frozenset()
        for test in tests:
            if test is None or test.keys != first.keys or test.mode != "in" or not test.positive:
                return None
            assert isinstance(test.constant, frozenset)
            union |= test.constant
        return KeyTest(first.keys, "in", union, True)
    return None


def _compile_key_test(test: KeyTest, guard: bool) -> Callable[[Any], bool]:
    """The key test as one closure; with ``guard`` it also accepts any object (False unless a
    dict), so it can serve directly as ``Trigger.matches``."""
    constant = test.constant
    positive = test.positive
    single = len(test.keys) == 1 and not test.keys[0].isdigit()
    (k1,) = test.keys if single else ("",)
    read = getter(test.keys)
    if test.mode == "in":
        strings = constant
        assert isinstance(strings, frozenset)
        if single and positive and guard:  # the commonest trigger of all: `type = "track"`

            def in_key_matches(event: Any) -> bool:
                if isinstance(event, dict):
                    try:
                        return event.get(k1) in strings
                    except TypeError:  # an unhashable value (a list or an object) is no string
                        return False
                return False

            return in_key_matches
        if single:

            def in_key(event: Any) -> bool:
                if guard and not isinstance(event, dict):
                    return False
                try:
                    return (event.get(k1) in strings) is positive
                except TypeError:  # an unhashable value (a list or an object) is no string
                    return not positive

            return in_key

        def in_path(event: Any) -> bool:
            if guard and not isinstance(event, dict):
                return False
            try:
                return (read(event) in strings) is positive
            except TypeError:
                return not positive

        return in_path
    if single and guard:  # `userId != null`, `context.device.adTrackingEnabled = true`
        if positive:

            def is_key_matches(event: Any) -> bool:
                return isinstance(event, dict) and event.get(k1) is constant

            return is_key_matches

        def is_not_key_matches(event: Any) -> bool:
            return isinstance(event, dict) and event.get(k1) is not constant

        return is_not_key_matches
    if single:

        def is_key(event: Any) -> bool:
            if guard and not isinstance(event, dict):
                return False
            return (event.get(k1) is constant) is positive

        return is_key

    def is_path(event: Any) -> bool:
        if guard and not isinstance(event, dict):
            return False
        return (read(event) is constant) is positive

    return is_path


def _compile_key_tests_and(tests: list[KeyTest], guard: bool) -> Callable[[Any], bool] | None:
    """`a = 'x' and b in ['y', 'z']` over top-level keys, as one closure."""
    if len(tests) != 2 or not all(
        t.mode == "in" and t.positive and len(t.keys) == 1 and not t.keys[0].isdigit()
        for t in tests
    ):
        return None
    (k1,), (k2,) = tests[0].keys, tests[1].keys
    s1, s2 = tests[0].constant, tests[1].constant
    assert isinstance(s1, frozenset)
    assert isinstance(s2, frozenset)

    def both(event: Any) -> bool:
        if guard and not isinstance(event, dict):
            return False
        try:
            return event.get(k1) in s1 and event.get(k2) in s2
        except TypeError:  # one conjunct reads a list or an object: not a string, so false
            return False

    return both


def compile_matcher(
    node: Expr, functions: Functions = BUILTIN_FUNCTIONS
) -> Callable[[object], bool]:
    """The whole trigger as ``matches``: any object in, a bool out, never raises."""
    fused = _fused(node, guard=True)
    if fused is not None:
        return fused
    predicate = _truth(node, functions)

    def matches(event: object) -> bool:
        if not isinstance(event, dict):
            return False
        try:
            return predicate(event) is True
        except Exception:  # a function on odd data, or a pathologically deep value: fail closed
            return False

    return matches


def _fused(node: Expr, guard: bool) -> Callable[[Any], bool] | None:
    test = key_test(node)
    if test is not None:
        return _compile_key_test(test, guard)
    if isinstance(node, And):
        tests = [key_test(o) for o in node.operands]
        if all(t is not None for t in tests):
            return _compile_key_tests_and([t for t in tests if t is not None], guard)
    return None


def _is_bool_typed(node: Expr, functions: Functions) -> bool:
    return static_type(node, functions) == BOOL


def compile_node(node: Expr, functions: Functions = BUILTIN_FUNCTIONS) -> Fn:
    fused = _fused(node, guard=False)
    if fused is not None:
        return fused
    if isinstance(node, Literal):
        value = node.value
        return lambda event: value
    if isinstance(node, Path):
        return getter(node.keys)
    if isinstance(node, ListLiteral):
        items = tuple(compile_node(i, functions) for i in node.items)
        return lambda event: [item(event) for item in items]
    if isinstance(node, Call):
        return _compile_call(node, functions)
    if isinstance(node, Not):
        operand = compile_node(node.operand, functions)
        if _is_bool_typed(node.operand, functions):
            return lambda event: not operand(event)
        return lambda event: operand(event) is not True
    if isinstance(node, Compare):
        return _compile_compare(node, functions)
    if isinstance(node, In):
        return _compile_in(node, functions)
    if isinstance(node, And | Or):
        return _compile_logic(node, functions)
    raise TypeError(node)


def _truth(node: Expr, functions: Functions) -> Fn:
    fn = compile_node(node, functions)
    if _is_bool_typed(node, functions):
        return fn
    return lambda event: fn(event) is True


def _compile_logic(node: And | Or, functions: Functions) -> Fn:
    parts = tuple(_truth(o, functions) for o in node.operands)
    if isinstance(node, And):
        if len(parts) == 2:
            a, b = parts
            return lambda event: a(event) and b(event)
        if len(parts) == 3:
            a, b, c = parts
            return lambda event: a(event) and b(event) and c(event)
        return lambda event: all(p(event) for p in parts)
    if len(parts) == 2:
        a, b = parts
        return lambda event: a(event) or b(event)
    if len(parts) == 3:
        a, b, c = parts
        return lambda event: a(event) or b(event) or c(event)
    return lambda event: any(p(event) for p in parts)


def _compile_compare(node: Compare, functions: Functions) -> Fn:
    left, right, op = node.left, node.right, node.op
    if isinstance(left, Literal) and not isinstance(right, Literal) and op in ("=", "!="):
        left, right = right, left
    if op in ("=", "!=") and isinstance(right, Literal):
        read: Callable[[Any], object] = compile_node(left, functions)
        literal = right.value
        if isinstance(literal, str):
            text: str = literal

            def eq(event: Any) -> bool:
                return text == read(event)
        elif literal is None or isinstance(literal, bool):

            def eq(event: Any) -> bool:
                return read(event) is literal
        else:
            number = literal

            def eq(event: Any) -> bool:
                value = read(event)
                return type(value) in (int, float) and value == number

        if op == "=":
            return eq
        return lambda event: not eq(event)
    a, b = compile_node(left, functions), compile_node(right, functions)
    if op == "=":
        return lambda event: equal(a(event), b(event))
    if op == "!=":
        return lambda event: not equal(a(event), b(event))
    compare: Callable[[Any, Any], Any] = {
        "<": operator.lt,
        "<=": operator.le,
        ">": operator.gt,
        ">=": operator.ge,
    }[op]
    if isinstance(right, Literal) and type(right.value) in (int, float):
        bound = right.value
        read = a

        def ordered_literal(event: Any) -> bool:
            value = read(event)
            return type(value) in (int, float) and bool(compare(value, bound))

        return ordered_literal

    def ordered(event: Any) -> bool:
        x, y = a(event), b(event)
        return type(x) in (int, float) and type(y) in (int, float) and bool(compare(x, y))

    return ordered


def _compile_in(node: In, functions: Functions) -> Fn:
    left = compile_node(node.left, functions)
    right = node.right
    if (
        isinstance(right, ListLiteral)
        and right.items
        and all(isinstance(i, Literal) and isinstance(i.value, str) for i in right.items)
    ):
        allowed = frozenset(i.value for i in right.items if isinstance(i, Literal))

        def in_strings(event: Any) -> bool:
            value = left(event)
            return type(value) is str and value in allowed

        return in_strings
    items = compile_node(right, functions)

    def in_list(event: Any) -> bool:
        haystack = items(event)
        if not isinstance(haystack, list):
            return False
        value = left(event)
        return any(equal(value, item) for item in haystack)

    return in_list


def _compile_call(node: Call, functions: Functions) -> Fn:
    function = functions[node.name]
    args = tuple(compile_node(a, functions) for a in node.args)
    if (
        node.name == "match"
        and isinstance(node.args[1], Literal)
        and isinstance(node.args[1].value, str)
    ):
        test = glob_tester(node.args[1].value)
        subject = node.args[0]
        if isinstance(subject, Path) and len(subject.keys) == 1:
            (key,) = subject.keys

            def match_key(event: Any) -> bool:
                value = event.get(key)
                return isinstance(value, str) and test(value)

            return match_key
        read = args[0]

        def match_literal(event: Any) -> bool:
            value = read(event)
            return isinstance(value, str) and test(value)

        return match_literal
    implementation = function.implementation
    if len(args) == 1:
        (only,) = args
        return lambda event: implementation(only(event))
    if len(args) == 2:
        first, second = args
        return lambda event: implementation(first(event), second(event))
    return lambda event: implementation(*(a(event) for a in args))


# -- dispatch index -----------------------------------------------------------------------------


def _string_tests(node: Expr) -> dict[tuple[str, ...], frozenset[str]] | None:
    """For a test that can only hold when a path is one of some strings: {path: strings}."""
    if isinstance(node, Compare) and node.op == "=":
        for path, literal in ((node.left, node.right), (node.right, node.left)):
            if (
                isinstance(path, Path)
                and isinstance(literal, Literal)
                and isinstance(literal.value, str)
            ):
                return {path.keys: frozenset({literal.value})}
        return None
    if isinstance(node, In) and isinstance(node.left, Path) and isinstance(node.right, ListLiteral):
        values = [i.value for i in node.right.items if isinstance(i, Literal)]
        if len(values) == len(node.right.items) and all(isinstance(v, str) for v in values):
            return {node.left.keys: frozenset(v for v in values if isinstance(v, str))}
        return None
    if isinstance(node, Or):
        merged: dict[tuple[str, ...], frozenset[str]] | None = None
        for operand in node.operands:
            tests = _string_tests(operand)
            if tests is None or len(tests) != 1:
                return None
            if merged is None:
                merged = dict(tests)
            elif merged.keys() != tests.keys():
                return None
            else:
                key = next(iter(merged))
                merged[key] = merged[key] | tests[key]
        return merged
    if isinstance(node, And):
        return index_of(node)
    return None


def index_of(node: Expr) -> dict[tuple[str, ...], frozenset[str]]:
    """Paths whose value must be one of a set of strings for the trigger to hold."""
    conjuncts = node.operands if isinstance(node, And) else (node,)
    index: dict[tuple[str, ...], frozenset[str]] = {}
    for conjunct in conjuncts:
        tests = _string_tests(conjunct)
        if not tests:
            continue
        for path, values in tests.items():
            index[path] = index[path] & values if path in index else values
    return index


def index_is_exact(node: Expr) -> bool:
    """Whether the trigger holds exactly when each path of its index holds one of its strings:
    it is made only of such tests (``=`` a string, ``in`` a list of strings, ``or`` of tests of
    one path, ``and``), so the index alone decides it."""
    if isinstance(node, And):
        return all(index_is_exact(operand) for operand in node.operands)
    if isinstance(node, Or):
        tests = _string_tests(node)
        return tests is not None and all(index_is_exact(o) for o in node.operands)
    return bool(_string_tests(node))


# -- explain ------------------------------------------------------------------------------------


@attrs.frozen
class ExplainNode:
    """One sub-expression, its value on one event, and its parts."""

    text: str
    value: Any
    children: tuple[ExplainNode, ...] = ()

    def render(self, indent: int = 0) -> str:
        shown = "missing/null" if self.value is None else repr(self.value)
        lines = [f"{'  ' * indent}{self.text}  →  {shown}"]
        lines.extend(child.render(indent + 1) for child in self.children)
        return "\n".join(lines)


def explain(node: Expr, event: Any, functions: Functions = BUILTIN_FUNCTIONS) -> ExplainNode:
    value = compile_node(node, functions)(event) if isinstance(event, dict) else None
    parts: tuple[Expr, ...] = ()
    if isinstance(node, And | Or):
        parts = node.operands
    elif isinstance(node, Not):
        parts = (node.operand,)
    elif isinstance(node, Compare | In):
        parts = tuple(p for p in (node.left, node.right) if not isinstance(p, Literal))
    elif isinstance(node, Call):
        parts = tuple(a for a in node.args if not isinstance(a, Literal))
    return ExplainNode(format_fql(node), value, tuple(explain(p, event, functions) for p in parts))


def paths_of(node: Expr) -> frozenset[tuple[str, ...]]:
    return frozenset(n.keys for n in walk(node) if isinstance(n, Path))


__all__ = [
    "ExplainNode",
    "Mapping",
    "check",
    "compile_node",
    "explain",
    "index_is_exact",
    "index_of",
    "paths_of",
]
