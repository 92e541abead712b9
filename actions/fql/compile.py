"""Syntax tree to a predicate: static checks, the dispatch index, and the compiled
backend (generated Python source, :mod:`actions.fql.codegen`).

Static checks happen here, once: unknown functions, arity, literal argument types, and
comparisons whose result is known to be meaningless (a boolean compared with a string)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from actions.fql.ast import And, Call, Compare, Expr, In, ListLiteral, Literal, Not, Or, Path, walk
from actions.fql.codegen import trigger_function
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
    signature,
    type_of,
)
from actions.fql.glob import glob_tester
from actions.fql.reference import evaluate

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
        import difflib  # here: only a misspelt name needs it

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


# -- the compiled backend --------------------------------------------------------------------


def compile_matcher(
    node: Expr, functions: Functions = BUILTIN_FUNCTIONS
) -> tuple[Callable[[object], bool], str]:
    """The whole trigger as ``matches`` (any object in, a bool out, never raises), and the
    generated source it was compiled from (see :mod:`actions.fql.codegen`)."""
    return trigger_function(node, functions)


def compile_node(node: Expr, functions: Functions = BUILTIN_FUNCTIONS) -> Fn:
    """The value of ``node`` on an event, as the reference evaluator computes it (for tools
    that evaluate parts of a trigger; raises what a function raises)."""
    return lambda event: evaluate(node, event, functions)


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


def paths_of(node: Expr) -> frozenset[tuple[str, ...]]:
    return frozenset(n.keys for n in walk(node) if isinstance(n, Path))


__all__ = [
    "Mapping",
    "check",
    "compile_node",
    "index_is_exact",
    "index_of",
    "paths_of",
]
