"""The quick pass of the payload check keeps a value of a field with choices, a format or
bounds when it passes them unchanged; it gives what the field-by-field check gives, for random
fields (required, on a condition or not) and values. The IPv4 format is tested without
``ipaddress`` and agrees with it."""

from __future__ import annotations

import ipaddress
from typing import Any

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from actions.destinations.fields import Condition, FieldSpec, PayloadChecker, is_ipv4

octets = st.integers(0, 300).map(str) | st.sampled_from(
    ["", "00", "01", "007", "1٣", "+1", " 1", "1\n", "２"]
)
near_ipv4 = st.lists(octets, min_size=3, max_size=5).map(".".join)


@settings(max_examples=500, deadline=None)
@given(near_ipv4 | st.ip_addresses(v=4).map(str) | st.text(alphabet="0123456789./:a ", max_size=20))
def test_ipv4_is_what_ipaddress_accepts(text: str) -> None:
    try:
        ipaddress.IPv4Address(text)
        accepted = True
    except ValueError:
        accepted = False
    assert is_ipv4(text) == accepted


scalars = (
    st.none()
    | st.booleans()
    | st.integers(-5, 300)
    | st.floats(allow_nan=True)
    | st.sampled_from(["", "USD", "usd", "EUR", "low", "high", "10.0.0.1", "010.0.0.1"])
    | st.sampled_from(["a@b.co", "2026-12-06", "2026-12-06T10:00:00Z", "x", "12", "true"])
)
formats = st.sampled_from(
    [None, "ipv4", "ipv6", "email", "uri", "uuid", "currency", "date", "date-time"]
)


@st.composite
def inner_fields(draw: Any) -> FieldSpec:
    """A property of an object field: a scalar, maybe required, maybe with choices."""
    return FieldSpec(
        name=draw(st.sampled_from(["x", "y", "z"])),
        type=draw(st.sampled_from(["string", "number", "integer", "boolean"])),
        required=draw(st.booleans()),
        choices=tuple(draw(st.lists(scalars.filter(lambda v: v is not None), max_size=2))),
    )


@st.composite
def conditions(draw: Any) -> Condition | None:
    """None, or a condition on another field: present, absent, is or is not a value."""
    field = draw(st.sampled_from(["a", "b", "c"]))
    how = draw(st.sampled_from(["none", "present", "absent", "is", "is_not"]))
    if how == "none":
        return None
    if how in ("present", "absent"):
        return Condition(field, present=how == "present")
    value = draw(scalars.filter(lambda v: v == v))
    if how == "is":
        return Condition(field, is_=value, has_is=True)
    return Condition(field, is_not=value, has_is_not=True)


@st.composite
def fields(draw: Any) -> FieldSpec:
    """A field of a random type, required, required on a condition, or neither."""
    spec = draw(typed_fields())
    if draw(st.booleans()):
        return attrs.evolve(spec, required=True)
    return attrs.evolve(spec, required_if=draw(conditions()))


@st.composite
def typed_fields(draw: Any) -> FieldSpec:
    kind = draw(st.sampled_from(["string", "text", "number", "integer", "boolean", "object"]))
    if kind == "object":
        structured = draw(st.booleans())
        return FieldSpec(
            name=draw(st.sampled_from(["a", "b", "c"])),
            type=kind,
            values=None
            if structured
            else draw(st.sampled_from([None, "string", "number", "integer", "boolean"])),
            properties=tuple(draw(st.lists(inner_fields(), max_size=3, unique_by=lambda f: f.name)))
            if structured
            else (),
            additional_properties=draw(st.booleans()),
            multiple=draw(st.booleans()),
            invalid=draw(st.sampled_from(["fail", "drop"])),
        )
    return FieldSpec(
        name=draw(st.sampled_from(["a", "b", "c"])),
        type=kind,
        choices=tuple(draw(st.lists(scalars.filter(lambda v: v is not None), max_size=3))),
        format=draw(formats),
        minimum=draw(st.none() | st.integers(0, 5)),
        maximum=draw(st.none() | st.integers(3, 20)),
        multiple=draw(st.booleans()),
        invalid=draw(st.sampled_from(["fail", "drop"])),
    )


checkers = st.lists(fields(), max_size=3, unique_by=lambda f: f.name)
payloads = st.dictionaries(
    st.sampled_from(["a", "b", "c"]),
    scalars
    | st.dictionaries(st.sampled_from(["x", "y", "z", "w"]), scalars, max_size=4)
    | st.lists(scalars, max_size=3)
    | st.lists(st.dictionaries(st.sampled_from(["x", "y", "z"]), scalars, max_size=3), max_size=3),
    max_size=3,
)


@settings(max_examples=500, deadline=None)
@given(checkers, payloads)
def test_the_quick_pass_gives_what_the_check_gives(
    specs: list[FieldSpec], payload: dict[str, Any]
) -> None:
    checker = PayloadChecker.build(tuple(specs))
    order = [spec.name for spec in specs]
    ordered = {k: payload[k] for k in order if k in payload}
    want, want_problems = checker.check(dict(ordered))
    got, got_problems, _ = checker.check_owned(dict(ordered))
    assert list(got.items()) == list(want.items())
    assert list(got_problems) == list(want_problems)


def _exact(value: Any) -> Any:
    """A value with every type in it, and every object's order: 1, 1.0 and True differ."""
    if isinstance(value, dict):
        return ("object", [(k, _exact(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("array", [_exact(v) for v in value])
    return (type(value).__name__, repr(value))


@settings(max_examples=500, deadline=None)
@given(checkers, payloads)
def test_keeps_says_when_the_check_gives_a_payload_back_as_it_is(
    specs: list[FieldSpec], payload: dict[str, Any]
) -> None:
    """``keeps`` (which ``actions diff`` relies on to put a field's new value into a checked
    payload) is true only of a payload the check gives back unchanged, with no problem, fields
    required on a condition included."""
    checker = PayloadChecker.build(tuple(specs))
    got, problems = checker.check(dict(payload))
    if checker.keeps(payload):
        assert _exact(got) == _exact(payload)
        assert not problems


def test_keeps_with_a_field_required_on_a_condition() -> None:
    checker = PayloadChecker.build(
        (
            FieldSpec(name="revenue", type="number"),
            FieldSpec(name="currency", type="string", required_if=Condition("revenue")),
            FieldSpec(name="name", type="string", required=True),
        )
    )
    assert checker.keeps({"revenue": 2.5, "currency": "EUR", "name": "Order"})
    assert checker.keeps({"name": "Order"})  # no revenue: no currency needed
    assert not checker.keeps({"revenue": 2.5, "name": "Order"})  # the condition holds
    assert not checker.keeps({"currency": "EUR", "revenue": 2.5, "name": "Order"})  # order
    assert not checker.keeps({"revenue": "2.5", "currency": "EUR", "name": "Order"})  # coerced


def test_an_object_its_properties_keep_is_kept_as_it_is() -> None:
    properties = (
        FieldSpec(name="x", type="string", required=True),
        FieldSpec(name="y", type="number"),
    )
    checker = PayloadChecker.build((FieldSpec(name="o", type="object", properties=properties),))
    kept = {"x": "a", "y": 2.5}
    payload, problems, _ = checker.check_owned({"o": kept})
    assert payload["o"] is kept
    assert not problems
    for value, want in [
        ({"y": 2, "x": "a"}, {"x": "a", "y": 2}),  # in the properties' order
        ({"x": "a", "y": "3"}, {"x": "a", "y": 3}),  # coerced
        ({"x": "a", "extra": 1}, {"x": "a", "extra": 1}),  # additional: allowed by default
    ]:
        payload, problems, _ = checker.check_owned({"o": value})
        assert list(payload["o"].items()) == list(want.items())
        assert not problems
        assert payload == checker.check({"o": dict(value)})[0]
    assert checker.check_owned({"o": {"y": 1}})[1]  # x is required
