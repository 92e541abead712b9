"""Property-based tests: random events never make a compiled mapping raise."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from actions.mapping import MISSING, compile

json_scalars = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(["a", "b", "properties", "products", "sku", "revenue", "x"])
            | st.text(max_size=3),
            inner,
            max_size=4,
        )
    ),
    max_leaves=20,
)


def _all_mappings() -> list[Any]:
    """Every valid mapping of the conformance suite."""
    mappings = []
    for file in sorted((Path(__file__).parent / "conformance").glob("*.yaml")):
        for case in yaml.safe_load(file.read_text(encoding="utf-8"))["cases"]:
            if "error" not in case:
                mappings.append(case["mapping"])
    return mappings


COMPILED = [compile(m) for m in _all_mappings() if "when" not in str(m)]


@settings(max_examples=150, deadline=None)
@given(
    event=json_values, settings_value=st.none() | st.dictionaries(st.text(max_size=3), json_values)
)
def test_random_events_never_raise(event: Any, settings_value: Any) -> None:
    for compiled in COMPILED:
        value, failures = compiled.evaluate(event, settings_value)
        assert (
            value is MISSING
            or value is None
            or isinstance(value, str | int | float | bool | dict | list)
        )
        for failure in failures:
            assert failure.message


@settings(max_examples=100, deadline=None)
@given(json_values)
def test_raw_values_copy_through(value: Any) -> None:
    # A value without directives is its own mapping (keys starting with @ aside).
    text = str(value)
    if "@" in text:
        return
    assert compile(value).apply({"x": 1}) == value


def test_compiled_mappings_pickle() -> None:
    event = {"properties": {"revenue": 5, "products": [{"sku": "A"}]}, "type": "track"}
    for compiled in COMPILED:
        clone = pickle.loads(pickle.dumps(compiled))
        assert clone.evaluate(event) == compiled.evaluate(event)


_PERCENT_ENCODE = compile({"@convert": {"to": "percent_encoded", "value": {"@path": "$.text"}}})


@given(st.text(max_size=40))
def test_percent_encoded_is_a_url_component(text: str) -> None:
    """The same text as urllib's quote with nothing safe (a reference written independently),
    only unreserved characters and %XX escapes, and decoded back to the text."""
    from urllib.parse import quote, unquote

    encoded = _PERCENT_ENCODE.apply({"text": text})
    if any(0xD800 <= ord(c) <= 0xDFFF for c in text):
        assert isinstance(encoded, str)  # lone surrogates are encoded, never an error
        return
    assert encoded == quote(text, safe="")
    assert set(encoded) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~%"
    )
    assert unquote(encoded) == text
