"""The Trigger API other parts of the library build on: paths, the dispatch index, explain,
and user functions in the registry."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from actions import ActionsError, fql
from actions.fql.functions import FUNCTIONS, NULL, STRING, register

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


@pytest.fixture
def reverse() -> Iterator[None]:
    register(
        "reverse",
        lambda value: value[::-1] if isinstance(value, str) else None,
        params=(STRING | NULL,),
        returns=STRING | NULL,
        doc="the string reversed",
    )
    yield
    del FUNCTIONS["reverse"]
    fql.clear_cache()


@pytest.mark.usefixtures("reverse")
def test_a_registered_function_is_checked_and_evaluated() -> None:
    trigger = fql.compile("reverse(event) = 'A redrO'")
    assert trigger.matches({"event": "Order A"}) is True
    assert trigger.matches({"event": 5}) is False
    with pytest.raises(fql.FQLSyntaxError) as caught:
        fql.compile("reverse(5) = 'x'")
    assert caught.value.kind == "argument-type"
    assert "reverse(string | null) -> string | null" in (caught.value.hint or "")
    with pytest.raises(ActionsError, match="already registered"):
        register("reverse", lambda v: v, params=(STRING,), returns=STRING)


@pytest.mark.parametrize("name", ["Reverse", "1x", "a-b", ""])
def test_function_names_are_plain_words(name: str) -> None:
    with pytest.raises(ActionsError, match="not a valid"):
        register(name, lambda v: v, params=(STRING,), returns=STRING)


def test_a_function_that_raises_fails_closed() -> None:
    def explode(value: Any) -> bool:
        raise RuntimeError("boom")

    register("explode", explode, params=(STRING | NULL,), returns=STRING | NULL)
    try:
        assert fql.compile("explode(event) = 'x'").matches({"event": "y"}) is False
    finally:
        del FUNCTIONS["explode"]
        fql.clear_cache()
