"""The static helpers the linter uses: contradictions, implication, mixed `and`/`or`, paths."""

from __future__ import annotations

import pytest

from actions.fql import analysis, parse

CONTRADICTIONS = [
    ('type = "track" and type = "identify"', True),
    ('type = "track" and type != "track"', True),
    ('type = "track" and !(type = "track")', True),
    ('type in ["a", "b"] and type = "c"', True),
    ('type in ["a", "b"] and type in ["b", "c"]', False),
    ("properties.n > 5 and properties.n < 3", True),
    ("properties.n >= 3 and properties.n <= 3", False),
    ("properties.n > 3 and properties.n <= 3", True),
    ("3 < properties.n and properties.n < 3", True),
    ("properties.n = 5 and properties.n = 5.0", False),
    ("properties.n = 5 and properties.n = '5'", True),
    ('type = "track" or type = "identify"', False),
    ('type = "track" and event = "A"', False),
    ("userId = null and userId != null", True),
]


@pytest.mark.parametrize(("text", "never"), CONTRADICTIONS)
def test_contradiction(text: str, never: bool) -> None:
    reason = analysis.contradiction(parse(text))
    assert (reason is not None) is never, reason


IMPLICATIONS = [
    ('type = "track" and event = "A"', 'type = "track"', True),
    ('type = "track"', 'type in ["track", "page"]', True),
    ('type = "track"', 'type = "track" and event = "A"', False),
    ('event = "A" and type = "track"', 'type = "track" and event = "A"', True),
    ('type = "track" or type = "page"', 'type in ["track", "page", "x"]', True),
    ('type = "track" or type = "page"', 'type = "track"', False),
    ('type = "track"', 'type = "track" or event = "x"', True),
    ('type = "track"', '!(type = "page")', True),
    ('type = "track"', 'type != "page"', True),
    ('type = "track"', 'type != "track"', False),
    ('type = "track"', "type != null", True),
    ("type = null", 'type != "track"', True),
    ('type in ["a", "b"] and type = "a"', 'type = "a"', True),
    ('type != "a"', 'type != "a"', True),
    ('type != "a"', 'type != "b"', False),
    ("properties.n > 5", "properties.n > 1", False),
    ('contains(event, "x")', 'type = "track"', False),
]


@pytest.mark.parametrize(("a", "b", "expected"), IMPLICATIONS)
def test_implies(a: str, b: str, expected: bool) -> None:
    assert analysis.implies(parse(a), parse(b)) is expected


def test_mixed_and_or_takes_text_or_tree_and_ignores_parenthesised_groups() -> None:
    text = "a = 1 and b = 2 or c = 3"
    assert analysis.mixed_and_or(text) == [(0, 24)]
    assert analysis.mixed_and_or(parse(text)) == [(0, 24)]
    assert analysis.mixed_and_or("(a = 1 and b = 2) or c = 3") == []
    assert analysis.mixed_and_or("c = 3 or a = 1 and b = 2") == [(0, 24)]
    # The parentheses do not change the tree, only the lint.
    assert parse("(a = 1 and b = 2) or c = 3") == parse(text)


def test_iter_paths_gives_each_field_with_its_offsets() -> None:
    text = 'type = "x" and context.ip != null or match(properties.a\\.b, "*")'
    found = [(p.keys, text[p.start : p.end]) for p in analysis.iter_paths(parse(text))]
    assert found == [
        (("type",), "type"),
        (("context", "ip"), "context.ip"),
        (("properties", "a.b"), "properties.a\\.b"),
    ]
