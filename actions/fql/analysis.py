"""Static analysis of triggers, for the linter: contradictions, implication (shadowing), mixed
`and`/`or` without parentheses, and every field a trigger reads with its position."""

from __future__ import annotations

from collections.abc import Iterator

from actions.fql.ast import And, Compare, Expr, In, ListLiteral, Literal, Not, Or, Path, walk
from actions.fql.compile import index_of


def _facts(node: Expr) -> list[tuple[tuple[str, ...], str, object]]:
    """(path, '=' or '!=', literal) for each top-level conjunct that is such a test."""
    conjuncts = node.operands if isinstance(node, And) else (node,)
    facts: list[tuple[tuple[str, ...], str, object]] = []
    for conjunct in conjuncts:
        negated = isinstance(conjunct, Not)
        inner = conjunct.operand if isinstance(conjunct, Not) else conjunct
        if isinstance(inner, Compare) and inner.op in ("=", "!="):
            for path, literal in ((inner.left, inner.right), (inner.right, inner.left)):
                if isinstance(path, Path) and isinstance(literal, Literal):
                    positive = (inner.op == "=") != negated
                    facts.append((path.keys, "=" if positive else "!=", literal.value))
                    break
    return facts


def contradiction(node: Expr) -> str | None:
    """Why the trigger can never match, when that is certain (``None`` otherwise)."""
    for path, values in index_of(node).items():
        if not values:
            return f"`{'.'.join(path)}` cannot equal all of the values the trigger requires"
    equals: dict[tuple[str, ...], list[object]] = {}
    differs: dict[tuple[str, ...], list[object]] = {}
    for path, op, value in _facts(node):
        (equals if op == "=" else differs).setdefault(path, []).append(value)
    for path, equal_values in equals.items():
        distinct = {(type(v).__name__, v) for v in equal_values}
        if len(distinct) > 1:
            shown = " and ".join(repr(v) for v in equal_values)
            return f"`{'.'.join(path)}` cannot equal {shown} at once"
        for value in differs.get(path, []):
            if (type(value).__name__, value) in distinct:
                return f"`{'.'.join(path)}` cannot both equal and differ from {value!r}"
    return None


def implies(a: Expr, b: Expr) -> bool:
    """True when every event matching ``a`` certainly matches ``b`` (conservative)."""
    if a == b:
        return True
    conjuncts_a = set(_conjunct_texts(a))
    conjuncts_b = set(_conjunct_texts(b))
    if conjuncts_b and conjuncts_b <= conjuncts_a:
        return True
    index_a, index_b = index_of(a), index_of(b)
    if not index_b or set(_conjunct_texts(b)) - _index_conjuncts(b):
        return False
    return all(path in index_a and index_a[path] <= values for path, values in index_b.items())


def _conjunct_texts(node: Expr) -> list[str]:
    from actions.fql.format import format_fql

    conjuncts = node.operands if isinstance(node, And) else (node,)
    return [format_fql(c) for c in conjuncts]


def _index_conjuncts(node: Expr) -> set[str]:
    """The conjuncts of ``node`` that are fully described by its index."""
    from actions.fql.format import format_fql

    conjuncts = node.operands if isinstance(node, And) else (node,)
    out = set()
    for conjunct in conjuncts:
        if index_of(conjunct) and _pure_string_test(conjunct):
            out.add(format_fql(conjunct))
    return out


def _pure_string_test(node: Expr) -> bool:
    if isinstance(node, Compare):
        return node.op == "="
    if isinstance(node, In):
        return isinstance(node.right, ListLiteral)
    if isinstance(node, Or):
        return all(_pure_string_test(o) for o in node.operands)
    return False


def mixed_and_or(node: Expr) -> list[tuple[int, int]]:
    """Spans (start, end offsets) of `or` expressions that have an unparenthesised `and`
    operand: `a and b or c`. Segment's own trigger parser reads these differently."""
    spans = []
    for current in walk(node):
        if isinstance(current, Or) and any(
            isinstance(o, And) and not o.parenthesized for o in current.operands
        ):
            spans.append((current.start, current.end))
    return spans


def iter_paths(node: Expr) -> Iterator[Path]:
    """Every field the trigger reads, with its ``start``/``end`` offsets."""
    for current in walk(node):
        if isinstance(current, Path):
            yield current
