"""Compact JSON text: the C encoder made once, and its stand-in, agree with ``json.dumps`` and
refuse NaN and Infinity; numbers read from text agree with the regular expressions they
replace and are always finite."""

from __future__ import annotations

import enum
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
    flat_json,
    json_text,
    non_finite_path,
    number_from_text,
    number_text,
    to_text,
    writes_cleanly,
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


flat_values = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=2**62, max_value=2**66)
    | st.integers(min_value=-(2**66), max_value=-(2**62))
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.floats(min_value=1e-12, max_value=1e-3).map(lambda f: round(f, 12))
    | st.floats(min_value=1e14, max_value=1e18)
    | st.sampled_from([1e16, 1e-7, 1e-5, 1e-4, 0.1, -0.0, 5e-324, 1e22, 229.0])
    | st.text(alphabet=st.characters(codec="utf-8"))
    | st.sampled_from(["1e-5", "0.00001", "e-", "null", "\ud800", "\u2028", "\x00\x7f"])
)


@settings(max_examples=500, deadline=None)
@given(st.dictionaries(st.text(max_size=4), flat_values, max_size=6))
def test_flat_objects_are_written_as_python_writes_them(value: dict[str, Any]) -> None:
    # orjson writes them where it agrees; every other one is left to Python's encoder.
    want = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    assert flat_json(value) == want
    assert compact_json(value) == want


class _Level(int):
    pass


class _Colour(enum.Enum):
    RED = 1


odd_values = flat_values | st.sampled_from(
    [math.nan, math.inf, -math.inf, _Level(3), _Colour.RED, (1, "a"), 2**70]
)
odd_keys = st.text(max_size=4) | st.sampled_from([1, None, 2.5, True])


@settings(max_examples=500, deadline=None)
@given(
    st.recursive(
        odd_values,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(odd_keys, inner, max_size=4),
        max_leaves=16,
    )
)
def test_nested_values_are_written_as_python_writes_them(value: Any) -> None:
    """orjson writes objects and arrays of plain values at any depth; every value it would
    write otherwise (small floats, big integers, subclasses, enums, tuples, keys that are not
    strings, lone surrogates) is left to Python's encoder; NaN and Infinity raise."""

    def encoded(encode: Any) -> str | type[Exception]:
        try:
            return str(encode(value))
        except ValueError:
            return ValueError

    assert encoded(compact_json) == encoded(
        lambda v: json.dumps(
            v, separators=(",", ":"), ensure_ascii=False, default=str, allow_nan=False
        )
    )
    if isinstance(value, dict):
        assert encoded(flat_json) == encoded(compact_json)


def test_flat_objects_orjson_writes_otherwise_are_left_to_python() -> None:
    class Level(int):
        pass

    for value, want in [
        ({"a": 1e-7, "b": 1e-5}, '{"a":1e-07,"b":1e-05}'),
        ({"a": 2**64}, '{"a":18446744073709551616}'),
        ({"a": Level(3)}, '{"a":3}'),
        ({1: "x", None: 2}, '{"1":"x","null":2}'),
        ({"a": "\ud800"}, '{"a":"\ud800"}'),
        ({"a": "0.00001 e-5"}, '{"a":"0.00001 e-5"}'),
    ]:
        assert flat_json(value) == want
    for bad in (math.nan, math.inf, -math.inf):
        with pytest.raises(ValueError, match="JSON compliant"):
            flat_json({"a": 1, "b": bad})


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


_REFERENCE = json.JSONEncoder(
    separators=(",", ":"), ensure_ascii=False, default=str, allow_nan=False
)


@settings(max_examples=500, deadline=None)
@given(
    st.floats()
    | st.sampled_from([1e16, 1e-7, -0.0, 5e-324, 1e300, 2.5])
    | st.recursive(odd_values, lambda inner: st.lists(inner, max_size=3), max_leaves=6)
    | st.dictionaries(st.text(max_size=3), odd_values, max_size=3)
)
def test_to_text_writes_what_json_writes(value: Any) -> None:
    """Text of a value as JSON writes it (an integral float under 1e16 as an integer, None as
    ""), NaN and Infinity raising, whichever encoder writes it."""

    def reference(v: Any) -> str:
        if isinstance(v, str):
            return v
        if v is None:
            return ""
        if isinstance(v, float) and v.is_integer() and abs(v) < 1e16:
            return str(int(v))
        return _REFERENCE.encode(v)

    def written(encode: Any) -> str | type[Exception]:
        try:
            return str(encode(value))
        except ValueError:
            return ValueError

    assert written(to_text) == written(reference)


def test_deep_values_are_written_as_python_writes_them() -> None:
    for depth in (100, 253, 254, 255, 300):
        value: Any = [1.5]
        for _ in range(depth):
            value = {"a": [value]}
        want = json.dumps(value, separators=(",", ":"))
        assert compact_json(value) == want
        assert flat_json(value) == want


@settings(max_examples=300, deadline=None)
@given(
    st.recursive(
        odd_values | st.floats(),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(odd_keys, inner, max_size=4),
        max_leaves=12,
    )
)
def test_json_text_is_json_dumps(value: Any) -> None:
    """NaN and Infinity written as JSON's extension writes them; what is not JSON raises."""

    def written(encode: Any) -> str | type[Exception]:
        try:
            return str(encode(value))
        except TypeError:
            return TypeError

    assert written(json_text) == written(
        lambda v: json.dumps(v, separators=(",", ":"), ensure_ascii=False)
    )


@settings(max_examples=500, deadline=None)
@given(
    st.recursive(
        odd_values | st.sampled_from([-(2**64), "a\ud800b"]),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(odd_keys, inner, max_size=4),
        max_leaves=16,
    )
)
def test_what_writes_cleanly_is_written_by_every_encoder(value: Any) -> None:
    """A value writes_cleanly vouches for is written as compact JSON, as text and as a form
    without an error; one holding NaN, Infinity, an integer past 64 bits or a lone surrogate
    is never vouched for."""
    from actions.destinations.request import form_body

    if writes_cleanly(value):
        compact_json(value)
        to_text(value)
        if isinstance(value, dict):
            form_body(value, {})
        text = json.dumps(value, default=str)
        assert not any(word in text for word in ("NaN", "Infinity"))
    for bad in (math.nan, -math.inf, 2**64, "\ud800"):
        assert not writes_cleanly([value, bad])
        assert not writes_cleanly({"k": {"x": bad}, "v": value})


def test_null_is_written_cleanly_and_nan_behind_it_is_found() -> None:
    assert writes_cleanly({"a": None, "b": [None, "null", 1.5]})
    assert not writes_cleanly({"a": None, "b": [{"c": math.nan}]})
    assert not writes_cleanly((None, -math.inf))
