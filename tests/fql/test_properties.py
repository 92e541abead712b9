"""Property-based tests: generated trees round-trip through text, and random text only ever
raises the library's syntax error, quickly."""

from __future__ import annotations

import pickle
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from actions import fql
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


def test_closures_match_the_explained_values() -> None:
    trigger = fql.compile("type = 'track' and (event in ['A', 'B'] or properties.n > 2)")
    for event in ({"type": "track", "event": "A"}, {"type": "track", "properties": {"n": 3}}, {}):
        assert trigger.explain(event).value == compile_node(trigger.ast)(event)
