"""Property-based tests: generated trees round-trip through text, and random text only ever
raises the library's syntax error, quickly."""

from __future__ import annotations

import pickle
import string
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from actions import fql
from actions.fql import reference
from actions.fql.ast import And, Call, Compare, Expr, In, ListLiteral, Literal, Not, Or, Path
from actions.fql.compile import compile_node

keys = st.text(
    alphabet=string.ascii_letters + string.digits + "_ .\\'\"-$é", min_size=1, max_size=6
)
literals = st.builds(
    Literal,
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=False, allow_infinity=False, width=32)
    | st.text(alphabet=string.printable + "ア", max_size=6),
)
paths = st.builds(Path, st.lists(keys, min_size=1, max_size=3).map(tuple))
atoms = literals | paths


def _extend(inner: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
    return (
        st.builds(Not, inner)
        | st.builds(Compare, st.sampled_from(["=", "!=", "<", "<=", ">", ">="]), inner, inner)
        | st.builds(In, inner, inner)
        | st.builds(And, st.lists(inner, min_size=2, max_size=3).map(tuple))
        | st.builds(Or, st.lists(inner, min_size=2, max_size=3).map(tuple))
        | st.builds(ListLiteral, st.lists(inner, max_size=3).map(tuple))
        | st.builds(
            Call,
            st.sampled_from(["contains", "match", "lowercase", "length"]),
            st.lists(inner, max_size=2).map(tuple),
        )
    )


trees = st.recursive(atoms, _extend, max_leaves=12)


@settings(max_examples=400, deadline=None)
@given(trees)
def test_format_parse_round_trip(tree: Expr) -> None:
    text = fql.format(tree)
    assert fql.parse(text) == tree, text


events = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=4) | st.floats(allow_nan=False),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3),
    max_leaves=10,
)


@settings(max_examples=300, deadline=None)
@given(trees, events)
def test_compiled_trees_never_raise(tree: Expr, event: object) -> None:
    text = fql.format(tree)
    try:
        trigger = fql.compile(text)
    except fql.FQLSyntaxError:
        return
    result = trigger.matches(event)
    assert result is (result is True)
    assert pickle.loads(pickle.dumps(trigger)).matches(event) is result


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=string.printable + "ア!=<>()[]'\"\\", max_size=60))
def test_random_text_raises_only_syntax_errors(text: str) -> None:
    error: fql.FQLSyntaxError | None = None
    try:
        trigger = fql.compile(text)
    except fql.FQLSyntaxError as exc:
        error = exc
    if error is None:
        trigger.matches({"type": "track"})
    else:
        assert error.line >= 1
        assert error.column >= 1
        assert error.render()


def test_deep_nesting_is_bounded() -> None:
    for text in (
        "(" * 4000 + "x" + ")" * 4000,
        "!" * 9000 + "x",
        "[" * 3000 + "]" * 3000,
        "length(" * 1000 + "x" + ")" * 1000,
    ):
        with pytest.raises(fql.FQLSyntaxError) as caught:
            fql.compile(text)
        assert caught.value.kind == "too-deep"
    assert fql.compile("(" * 60 + "type = 'x'" + ")" * 60).matches({"type": "x"})


def test_long_input_is_bounded() -> None:
    text = " or ".join(["type = 'x'"] * 2000)
    with pytest.raises(fql.FQLSyntaxError) as caught:
        fql.compile(text)
    assert caught.value.kind == "too-long"


def test_explain_shows_the_reference_values_and_agrees_with_matches() -> None:
    trigger = fql.compile("type = 'track' and (event in ['A', 'B'] or properties.n > 2)")
    events: list[dict[str, Any]] = [
        {"type": "track", "event": "A"},
        {"type": "track", "properties": {"n": 3}},
        {"type": "track", "properties": {"n": 1}},
        {},
    ]
    assert isinstance(trigger.ast, And)
    for event in events:
        explained = trigger.explain(event)
        assert explained.value == compile_node(trigger.ast)(event)
        assert (explained.value is True) is trigger.matches(event)
        assert [c.value for c in explained.children] == [
            reference.evaluate(o, event) for o in trigger.ast.operands
        ]


# -- the compiled triggers against the reference evaluator (actions/fql/reference.py) ---------

small_keys = st.sampled_from(["type", "event", "a", "b", "0"])
small_values = st.none() | st.booleans() | st.sampled_from([0, 1, 1.0, 2.5, "track", "x", "", "1"])
small_literals = st.builds(Literal, small_values)
small_paths = st.builds(Path, st.lists(small_keys, min_size=1, max_size=2).map(tuple))
string_lists = st.builds(
    ListLiteral,
    st.lists(st.builds(Literal, st.sampled_from(["track", "x", ""])), min_size=1, max_size=3).map(
        tuple
    ),
)


def _small(inner: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
    leaf = small_literals | small_paths
    return (
        st.builds(Not, inner)
        | st.builds(Compare, st.sampled_from(["=", "!=", "<", ">="]), small_paths, leaf)
        | st.builds(In, small_paths, string_lists | small_paths)
        | st.builds(And, st.lists(inner, min_size=2, max_size=3).map(tuple))
        | st.builds(Or, st.lists(inner, min_size=2, max_size=3).map(tuple))
        | st.builds(
            Call,
            st.just("match"),
            st.tuples(
                small_paths,
                st.sampled_from(
                    [Literal("t*"), Literal("*k"), Literal("x"), Literal("[a-z]*"), Literal("*ra*")]
                ),
            ),
        )
    )


key_tests = st.builds(
    Compare,
    st.sampled_from(["=", "!="]),
    st.builds(Path, st.tuples(small_keys)),
    st.builds(Literal, st.sampled_from(["track", "x", None, True])),
)
small_trees = st.recursive(
    small_paths
    | key_tests
    | st.builds(And, st.lists(key_tests, min_size=2, max_size=2).map(tuple)),
    _small,
    max_leaves=8,
)
nested_values = st.recursive(
    small_values | st.just("tr"),
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(small_keys, inner, max_size=4),
    max_leaves=8,
)
small_events = (
    st.dictionaries(
        small_keys, st.sampled_from(["track", "x", None, True, 0, ["track"]]) | nested_values
    )
    | nested_values
)


def _reference(node: Expr, event: Any) -> Any:
    return reference.evaluate(node, event)


@settings(max_examples=300, deadline=None)
@given(small_trees, small_events)
def test_compiled_triggers_agree_with_the_reference(tree: Expr, event: Any) -> None:
    text = fql.format(tree)
    try:
        trigger = fql.compile(text)
    except fql.FQLSyntaxError:
        return
    expected = isinstance(event, dict) and _reference(trigger.ast, event) is True
    assert trigger.matches(event) is expected, (text, event)


def test_fused_key_tests_agree_with_the_semantics_table_exhaustively() -> None:
    """Every pair of key tests over two fields, joined by `and` / `or`, plain and negated."""
    singles = [
        f"{key} {op} {constant}"
        for key in ("type", "context.os")
        for op in ("=", "!=")
        for constant in ('"track"', "null", "true", '["track", "x"]')
        if not (constant.startswith("[") and op == "!=")
    ]
    singles = [s.replace('= ["', 'in ["') if "[" in s else s for s in singles]
    events: list[Any] = [
        {},
        {"type": "track"},
        {"type": "x", "context": {"os": "track"}},
        {"type": ["track"], "context": {"os": True}},
        {"type": {"a": 1}, "context": {"os": None}},
        {"type": True, "context": "track"},
        {"type": "track", "context": {"os": "x"}},
        {"type": None, "context": {"os": ["x"]}},
    ]
    for a in singles:
        for b in singles:
            for text in (f"{a} and {b}", f"{a} or {b}", f"!({a} and {b})", f"!({a} or {b})"):
                trigger = fql.compile(text)
                for event in events:
                    expected = _reference(trigger.ast, event) is True
                    assert trigger.matches(event) is expected, (text, event)


@pytest.mark.parametrize("value", [None, 5, ["type = 'x'"], {"a": 1}, b"type = 'x'"])
def test_compile_rejects_what_is_not_text(value: Any) -> None:
    with pytest.raises(fql.FQLSyntaxError):
        fql.compile(value)


def test_compile_is_cached_and_triggers_pickle_by_their_text() -> None:
    text = "type = 'track' and properties.n > 2"
    assert fql.compile(text) is fql.compile(text)
    again = pickle.loads(pickle.dumps(fql.compile(text)))
    assert again.source == text
    assert again.matches({"type": "track", "properties": {"n": 3}}) is True
    assert "Lark" not in repr(pickle.dumps(fql.compile(text)))


@settings(max_examples=300, deadline=None)
@given(small_trees, small_events)
def test_the_dispatch_index_never_excludes_a_matching_event(tree: Expr, event: Any) -> None:
    try:
        trigger = fql.compile(fql.format(tree))
    except fql.FQLSyntaxError:
        return
    if trigger.matches(event):
        for keys, strings in trigger.index.items():
            value = _reference(Path(keys), event)
            assert isinstance(value, str), (trigger.source, event)
            assert value in strings, (trigger.source, event)


# Dispatch-shaped triggers: string tests of ``type`` and ``event`` under and/or, sometimes with
# another test mixed in (which makes the index inexact).
index_tests = st.builds(
    Compare,
    st.just("="),
    st.builds(Path, st.tuples(st.sampled_from(["type", "event"]))),
    st.builds(Literal, st.sampled_from(["track", "x", ""])),
) | st.builds(In, st.builds(Path, st.tuples(st.sampled_from(["type", "event"]))), string_lists)
_INEXACT = Compare("!=", Path(("a",)), Literal("x"))
dispatch_trees = st.recursive(
    index_tests | st.just(_INEXACT),
    lambda inner: (
        st.builds(And, st.lists(inner, min_size=2, max_size=3).map(tuple))
        | st.builds(Or, st.lists(inner, min_size=2, max_size=3).map(tuple))
    ),
    max_leaves=6,
)
dispatch_events = st.fixed_dictionaries(
    {"a": st.sampled_from(["x", "y"])},
    optional={
        "type": st.sampled_from(["track", "x", "track", "x", "", None, 1, ["track"]]),
        "event": st.sampled_from(["track", "x", "track", "x", "", None, True]),
    },
)


@settings(max_examples=500, deadline=None)
@given(dispatch_trees | small_trees, dispatch_events | small_events)
@example(
    Or(
        (
            And((Compare("=", Path(("type",)), Literal("track")), _INEXACT)),
            Compare("=", Path(("type",)), Literal("x")),
        )
    ),
    {"type": "track", "a": "x"},
)
def test_an_exact_index_decides_the_trigger(tree: Expr, event: Any) -> None:
    try:
        trigger = fql.compile(fql.format(tree))
    except fql.FQLSyntaxError:
        return
    if trigger.exact:
        values = [
            (_reference(Path(keys), event), strings) for keys, strings in trigger.index.items()
        ]
        decided = all(isinstance(v, str) and v in strings for v, strings in values)
        assert trigger.matches(event) is decided, (trigger.source, event)
