"""Compact JSON text: the C encoder made once, and its stand-in, agree with ``json.dumps`` and
refuse NaN and Infinity; numbers read from text agree with the regular expressions they
replace and are always finite."""

from __future__ import annotations

import json
import math
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from actions.jsonvalues import (
    COMPACT_CHUNKS,
    MAX_INTEGER_DIGITS,
    _python_chunks,
    compact_json,
    non_finite_path,
    number_from_text,
    number_text,
    to_text,
)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(alphabet=st.characters(codec="utf-8")),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_compact_json_is_json_dumps_compact_with_utf8_kept(value: Any) -> None:
    want = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    assert compact_json(value) == want
    assert "".join(COMPACT_CHUNKS(value, 0)) == want
    assert "".join(_python_chunks(value, 0)) == want


def test_values_that_are_not_json_are_written_as_their_text() -> None:
    class Stamp:
        def __str__(self) -> str:
            return "2026-12-05"

    assert compact_json({"at": Stamp(), "n": [1, 2.5]}) == '{"at":"2026-12-05","n":[1,2.5]}'
    assert "".join(_python_chunks({"at": Stamp()}, 0)) == '{"at":"2026-12-05"}'


@pytest.mark.parametrize(
    ("value", "path"),
    [
        (math.nan, ()),
        ([1, math.inf], (1,)),
        ({"a": {"b": [0.5, -math.inf]}}, ("a", "b", 1)),
        ({"x": 1, "y": {"z": math.nan}, "w": math.inf}, ("y", "z")),
    ],
)
def test_nan_and_infinity_are_never_encoded(value: Any, path: tuple[Any, ...]) -> None:
    for encode in (compact_json, lambda v: "".join(_python_chunks(v, 0)), to_text):
        with pytest.raises(ValueError, match="JSON compliant"):
            encode(value)
    assert non_finite_path(value) == path


def test_finite_values_have_no_non_finite_path() -> None:
    assert non_finite_path({"a": [1, 2.5, "nan", {"b": None}]}) is None


# The regular expressions the number reader replaces (quadratic on "1" * n + "x"), as the
# reference: fields and FQL (no leading +), and the mapping's @convert (a leading + allowed).
_FIELDS = re.compile(r"^\s*-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*$")
_CONVERT = re.compile(r"^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$")
_INTEGER = re.compile(r"^\s*[-+]?\d+\s*$")

number_like = st.text(alphabet="0123456789٣.eE+- \t\nx_", max_size=10) | st.from_regex(
    _CONVERT, fullmatch=True
)


@settings(max_examples=1000, deadline=None)
@given(number_like)
def test_number_text_agrees_with_the_regular_expressions(text: str) -> None:
    for plus, reference in ((False, _FIELDS), (True, _CONVERT)):
        found = number_text(text, plus_sign=plus)
        assert (found is not None) is bool(reference.match(text)), (text, plus)
        if found is not None:
            assert found == (text.strip(), bool(_INTEGER.match(text)))
            number = number_from_text(text, plus_sign=plus)
            written = text.strip()
            want = int(written) if found[1] else float(written)
            if isinstance(want, float) and math.isinf(want):
                assert number is None
            else:
                assert number == want
                assert type(number) is type(want)


@pytest.mark.parametrize(
    "text",
    ["nan", "NaN", "inf", "-inf", "Infinity", "-Infinity", "1e999", "-1e400", "1" * 400 + ".0"],
)
def test_text_never_becomes_nan_or_infinity(text: str) -> None:
    assert number_from_text(text) is None
    assert number_from_text(text, plus_sign=True) is None


def test_integer_digits_are_bounded() -> None:
    assert number_from_text("9" * MAX_INTEGER_DIGITS) == 10**MAX_INTEGER_DIGITS - 1
    assert number_from_text("-" + "9" * MAX_INTEGER_DIGITS) == 1 - 10**MAX_INTEGER_DIGITS
    assert number_from_text("9" * (MAX_INTEGER_DIGITS + 1)) is None
