"""Static analysis of triggers, for the linter: contradictions, implication (shadowing), mixed
`and`/`or` without parentheses, and every field a trigger reads with its position."""

from __future__ import annotations

from collections.abc import Iterator

import attrs

from actions._repr import attrs_repr
from actions.fql.ast import And, Compare, Expr, In, ListLiteral, Literal, Not, Or, Path, walk
from actions.fql.compile import index_of
from actions.fql.parser import parse

# A "key test": one path compared with constants, the commonest shape of a trigger.
# ``in`` mode: the value is one of a set of strings; ``is`` mode: the value is null, true or
# false. ``positive`` is False for the negated forms (`!=`, `!`).


@attrs.frozen
class KeyTest:
    __repr__ = attrs_repr

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
        distinct = {_typed(v) for v in equal_values}
        if len(distinct) > 1:
            shown = " and ".join(repr(v) for v in equal_values)
            return f"`{'.'.join(path)}` cannot equal {shown} at once"
        for value in differs.get(path, []):
            if _typed(value) in distinct:
                return f"`{'.'.join(path)}` cannot both equal and differ from {value!r}"
    return _empty_range(node)


def _typed(value: object) -> tuple[str, object]:
    """A key under which two literals are equal exactly when FQL's `=` says so."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return (type(value).__name__, value)
    if isinstance(value, int | float):
        return ("number", float(value))
    return ("other", repr(value))


_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}


def _empty_range(node: Expr) -> str | None:
    """`properties.n > 5 and properties.n < 3`: number bounds on one field that no number meets."""
    conjuncts = node.operands if isinstance(node, And) else (node,)
    low: dict[tuple[str, ...], tuple[float, bool]] = {}  # bound, inclusive
    high: dict[tuple[str, ...], tuple[float, bool]] = {}
    for conjunct in conjuncts:
        if not isinstance(conjunct, Compare) or conjunct.op not in _FLIP:
            continue
        op, left, right = conjunct.op, conjunct.left, conjunct.right
        if isinstance(left, Literal) and isinstance(right, Path):
            op, left, right = _FLIP[op], right, left
        if not (isinstance(left, Path) and isinstance(right, Literal)):
            continue
        bound = right.value
        if isinstance(bound, bool) or not isinstance(bound, int | float):
            continue
        inclusive = op in ("<=", ">=")
        table = low if op in (">", ">=") else high
        previous = table.get(left.keys)
        tighter = (
            previous is None
            or (bound > previous[0] if table is low else bound < previous[0])
            or (bound == previous[0] and not inclusive)
        )
        if tighter:
            table[left.keys] = (bound, inclusive)
    for path, (lower, lower_inclusive) in low.items():
        if path not in high:
            continue
        upper, upper_inclusive = high[path]
        if lower > upper or (lower == upper and not (lower_inclusive and upper_inclusive)):
            return f"no number is both above {lower} and below {upper} (`{'.'.join(path)}`)"
    return None


def implies(a: Expr, b: Expr) -> bool:
    """True when every event matching ``a`` certainly matches ``b`` (conservative: False when
    unsure). Used to find a subscription shadowed by an earlier, broader one."""
    if a == b:
        return True
    if isinstance(b, And):
        return all(implies(a, conjunct) for conjunct in b.operands)
    if isinstance(a, Or):
        return all(implies(disjunct, b) for disjunct in a.operands)
    if isinstance(b, Or) and any(implies(a, disjunct) for disjunct in b.operands):
        return True
    if isinstance(a, And) and any(implies(conjunct, b) for conjunct in a.operands):
        return True
    want = key_test(b)
    if want is None:
        return False
    have = key_test(a)
    if have is None or have.keys != want.keys:
        allowed = index_of(a).get(want.keys)
        if allowed is None:
            return False
        have = KeyTest(want.keys, "in", allowed, True)
    return _key_implies(have, want)


def _key_implies(have: KeyTest, want: KeyTest) -> bool:
    if have.mode == "in" and have.positive:
        assert isinstance(have.constant, frozenset)
        if want.mode == "is":
            return not want.positive  # a string is never null, true or false
        assert isinstance(want.constant, frozenset)
        if want.positive:
            return have.constant <= want.constant
        return not have.constant & want.constant
    if have.mode == "in" and want.mode == "in" and not want.positive:
        assert isinstance(have.constant, frozenset)
        assert isinstance(want.constant, frozenset)
        return want.constant <= have.constant
    if have.mode == "is" and have.positive and want.mode == "in":
        return not want.positive  # null, true or false is never a string
    return have == want


def mixed_and_or(source: str | Expr) -> list[tuple[int, int]]:
    """Spans (start, end offsets) of `or` expressions that have an unparenthesised `and`
    operand: `a and b or c`. Segment's own trigger parser reads these differently. Takes the
    trigger's text or its syntax tree."""
    node = parse(source) if isinstance(source, str) else source
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
