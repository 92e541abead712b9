"""The one-pass readers that replaced backtracking regular expressions accept exactly what those
expressions accepted (kept here as the reference), and the field checks never let NaN or
Infinity through: a number field holding one is invalid, under its field's ``invalid`` policy."""

from __future__ import annotations

import math
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from actions.destinations.fields import FieldSpec, Invalid, PayloadChecker, _is_email, compile_field
from actions.jsonvalues import non_finite_path
from actions.mapping import compile as compile_mapping
from actions.mapping.paths import _needs_jsonpath
from actions.mapping.template import _scan

OLD_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
OLD_PLACEHOLDER = re.compile(r"\{\{\{([^}]*)\}\}\}|\{\{([^}]*)\}\}")
OLD_JSONPATH = re.compile(r"\*|\.\.|\[\s*\?|\[[^\]]*:[^\]]*\]|\[\s*\d+\s*,")


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet="a@. \n\t\u00a0é", max_size=10))
def test_email_check_agrees_with_the_regular_expression(text: str) -> None:
    assert _is_email(text) is bool(OLD_EMAIL.match(text)), repr(text)


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet="{}a. ", max_size=16))
def test_placeholders_agree_with_the_regular_expression(text: str) -> None:
    want = [
        (m.start(), m.end(), m.group(1) if m.group(1) is not None else m.group(2))
        for m in OLD_PLACEHOLDER.finditer(text)
    ]
    assert _scan(text) == want


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet="[]:?,1٣ \n.a*'", max_size=14))
def test_jsonpath_markers_agree_with_the_regular_expression(text: str) -> None:
    assert _needs_jsonpath(text) is bool(OLD_JSONPATH.search(text))


def _coerce(kind: str, value: Any) -> Any:
    try:
        return compile_field(FieldSpec(name="x", type=kind))(value)
    except Invalid as exc:
        return Invalid, exc.message


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        ("number", " 42 ", 42),
        ("number", "-.5e1", -5.0),
        ("number", "1.", 1.0),
        ("number", "+1", (Invalid, "must be a number, not a string")),
        ("number", "NaN", (Invalid, "must be a number, not a string")),
        ("number", "inf", (Invalid, "must be a number, not a string")),
        ("number", "1e999", (Invalid, "must be a finite number of at most 4,300 digits")),
        ("number", "9" * 4301, (Invalid, "must be a finite number of at most 4,300 digits")),
        ("number", math.nan, (Invalid, "must be a finite number, not nan")),
        ("number", -math.inf, (Invalid, "must be a finite number, not -inf")),
        ("number", 1e308, 1e308),
        ("integer", " -7 ", -7),
        ("integer", "7.0", (Invalid, "must be an integer, not a string")),
        ("integer", "9" * 4301, (Invalid, "must be an integer of at most 4,300 digits")),
        ("integer", math.inf, (Invalid, "must be an integer, not a number")),
        ("string", 2.5, "2.5"),
        ("string", math.nan, (Invalid, "must be a string or a finite number, not nan")),
        # found by benchmarks/fuzz.py: an internal error in Branch's browser_fingerprint_id
        pytest.param(
            "string",
            -(10**5000),
            (Invalid, "must be a string or a number of at most 4,300 digits"),
            id="string-huge-integer",
        ),
        ("datetime", math.nan, (Invalid, "must be an ISO 8601 date-time or epoch time")),
    ],
)
def test_coercion_of_numbers(kind: str, value: Any, expected: Any) -> None:
    got = _coerce(kind, value)
    assert got == expected
    assert type(got) is type(expected)


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_a_non_finite_number_follows_the_invalid_policy(value: float) -> None:
    failing = PayloadChecker.build((FieldSpec(name="revenue", type="number"),))
    dropping = PayloadChecker.build((FieldSpec(name="revenue", type="number", invalid="drop"),))
    for check in (failing.check, failing.check_in_place):
        payload, problems = check({"revenue": value})
        assert payload == {}
        assert [path for path, _ in problems] == [("revenue",)]
    for check in (dropping.check, dropping.check_in_place):
        assert check({"revenue": value}) == ({}, [])


def test_a_finite_float_is_kept_as_it_is_without_a_copy() -> None:
    checker = PayloadChecker.build(
        (FieldSpec(name="revenue", type="number"), FieldSpec(name="n", type="integer"))
    )
    payload = {"revenue": 9.5, "n": 3}
    out, problems = checker.check_in_place(payload)
    assert out is payload
    assert out == {"revenue": 9.5, "n": 3}
    assert not problems
    # An integer field still turns a whole float into an int.
    assert checker.check_in_place({"n": 3.0}) == ({"n": 3}, [])


@pytest.mark.parametrize(
    "to", ["string", "number", "integer", "boolean", "unix_seconds", "unix_milliseconds", "iso8601"]
)
@pytest.mark.parametrize(
    "value",
    [
        math.nan,
        math.inf,
        -math.inf,
        "nan",
        "inf",
        "1e999",
        {"a": [math.nan]},
        pytest.param(10**5000, id="10**5000"),
    ],
)
def test_convert_never_gives_nan_or_infinity(to: str, value: Any) -> None:
    mapping = compile_mapping({"x": {"@convert": {"to": to, "value": {"@path": "$.v"}}}})
    out = mapping.apply({"v": value}, {})
    assert non_finite_path(out) is None
    if isinstance(value, float | dict) or to not in ("string", "integer", "number"):
        assert out == {}  # a value that cannot be converted is missing


def test_json_decode_refuses_nan_and_infinity() -> None:
    mapping = compile_mapping({"x": {"@json": {"mode": "decode", "value": {"@path": "$.v"}}}})
    for text in ('{"a": NaN}', "[Infinity]", "-Infinity"):
        failures: list[Any] = []
        assert mapping.evaluator({"v": text}, {}, failures) == {}
        assert "not a JSON number" in failures[0].message
    assert mapping.apply({"v": '{"a": 1.5}'}, {}) == {"x": {"a": 1.5}}
