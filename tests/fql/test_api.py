"""The Trigger API other parts of the library build on: paths, the dispatch index, explain,
and user functions in the registry."""

from __future__ import annotations

import pickle
from typing import Any

import pytest

from actions import ActionsError, fql
from actions.fql.functions import (
    BUILTIN_FUNCTIONS,
    NULL,
    STRING,
    function,
    functions_table,
)

INDEXES: list[tuple[str, dict[tuple[str, ...], set[str]]]] = [
    ('type = "track"', {("type",): {"track"}}),
    ('"track" = type', {("type",): {"track"}}),
    (
        'type = "track" and event = "Order Completed"',
        {("type",): {"track"}, ("event",): {"Order Completed"}},
    ),
    ("type in ['track', 'screen']", {("type",): {"track", "screen"}}),
    ('event = "A" or event = "B"', {("event",): {"A", "B"}}),
    (
        'type = "track" and (event = "A" or event in ["B", "C"])',
        {("type",): {"track"}, ("event",): {"A", "B", "C"}},
    ),
    ('type in ["a", "b"] and type in ["b", "c"]', {("type",): {"b"}}),
    ('context.os.name = "iOS" and properties.n > 1', {("context", "os", "name"): {"iOS"}}),
    ('type = "track" or event = "A"', {}),
    ('type != "track"', {}),
    ('!(type = "track")', {}),
    ("type = 5", {}),
    ("type in ['a', 1]", {}),
    ("lowercase(type) = 'track'", {}),
]


@pytest.mark.parametrize(("text", "index"), INDEXES)
def test_dispatch_index(text: str, index: dict[tuple[str, ...], set[str]]) -> None:
    assert {k: set(v) for k, v in fql.compile(text).index.items()} == index


EXACT = [
    ('type = "track"', True),
    ('type = "track" and event = "Order Completed"', True),
    ('type = "track" and (event = "A" or event in ["B", "C"])', True),
    ('(type = "a" and type in ["a", "b"]) or type = "c"', True),
    ("type in []", True),
    ('type = "track" and properties.n > 1', False),
    ('(type = "a" and properties.n > 1) or type = "b"', False),
    ('type = "a" or event = "b"', False),
    ('!(type = "track")', False),
    ("type = 5", False),
    ('lowercase(type) = "track"', False),
]


@pytest.mark.parametrize(("text", "exact"), EXACT)
def test_an_exact_index_is_the_whole_trigger(text: str, exact: bool) -> None:
    assert fql.compile(text).exact is exact


def test_paths_are_every_field_read() -> None:
    trigger = fql.compile('type = "track" and match(context.app.version, "4.*") or a\\.b = 1')
    assert trigger.paths == {("type",), ("context", "app", "version"), ("a.b",)}


def test_matches_is_false_for_anything_but_a_dict() -> None:
    trigger = fql.compile('type != "track"')
    for value in (None, [], "type", 5, ({"type": "x"},)):
        assert trigger.matches(value) is False
    assert trigger.matches({}) is True


def test_explain_shows_each_sub_expression_with_its_value() -> None:
    trigger = fql.compile("type = 'track' and (event in ['A', 'B'] or properties.n > 2)")
    tree = trigger.explain({"type": "track", "event": "C", "properties": {"n": 3}})
    assert tree.value is True
    assert [(c.text, c.value) for c in tree.children] == [
        ('type = "track"', True),
        ('event in ["A", "B"] or properties.n > 2', True),
    ]
    inner = tree.children[1].children
    assert [(c.text, c.value) for c in inner] == [
        ('event in ["A", "B"]', False),
        ("properties.n > 2", True),
    ]
    assert inner[1].children[0].text == "properties.n"
    assert inner[1].children[0].value == 3
    assert "properties.n > 2  →  True" in tree.render()
    assert fql.compile("type = 'x'").explain(None).value is None


@function("reverse", params=(STRING | NULL,), returns=STRING | NULL, doc="the string reversed")
def reverse(value: Any) -> Any:
    return value[::-1] if isinstance(value, str) else None


FUNCTIONS_WITH_REVERSE = functions_table([*BUILTIN_FUNCTIONS.values(), reverse])


def test_a_declared_function_is_checked_and_evaluated() -> None:
    trigger = fql.compile("reverse(event) = 'A redrO'", functions=FUNCTIONS_WITH_REVERSE)
    assert trigger.matches({"event": "Order A"}) is True
    assert trigger.matches({"event": 5}) is False
    with pytest.raises(fql.FQLSyntaxError) as caught:
        fql.compile("reverse(5) = 'x'", functions=FUNCTIONS_WITH_REVERSE)
    assert caught.value.kind == "argument-type"
    assert "reverse(string | null) -> string | null" in (caught.value.hint or "")
    with pytest.raises(ActionsError, match="declared twice"):
        functions_table([*FUNCTIONS_WITH_REVERSE.values(), reverse])


def test_a_function_is_known_only_where_it_is_declared() -> None:
    with pytest.raises(fql.FQLSyntaxError) as caught:
        fql.compile("reverse(event) = 'x'")
    assert caught.value.kind == "unknown-function"
    assert "reverse" not in BUILTIN_FUNCTIONS
    with pytest.raises(TypeError):
        BUILTIN_FUNCTIONS["reverse"] = reverse  # type: ignore[index]


def test_a_trigger_with_a_declared_function_pickles_with_it() -> None:
    trigger = fql.compile("reverse(event) = 'x'", functions=FUNCTIONS_WITH_REVERSE)
    again = pickle.loads(pickle.dumps(trigger))
    assert again.matches({"event": "x"}) is True
    assert "reverse" in again.functions


@pytest.mark.parametrize("name", ["Reverse", "1x", "a-b", ""])
def test_function_names_are_plain_words(name: str) -> None:
    with pytest.raises(ActionsError, match="not a valid"):
        function(name, params=(STRING,), returns=STRING)(lambda v: v)


def test_a_function_that_raises_fails_closed() -> None:
    @function("explode", params=(STRING | NULL,), returns=STRING | NULL)
    def explode(value: Any) -> bool:
        raise RuntimeError("boom")

    functions = functions_table([*BUILTIN_FUNCTIONS.values(), explode])
    assert fql.compile("explode(event) = 'x'", functions=functions).matches({"event": "y"}) is False
