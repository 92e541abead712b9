"""No request carries NaN or Infinity, whatever the event holds: random events built from the
sample events, with hostile values (NaN, ±Infinity, huge integers, number-like and odd text) in
the properties, context and traits, go through the three shipped packs. Every JSON body must
parse with a strict parser, and no form or query value may be a non-finite number that the
event did not hold as text. Nothing raises, and every event is accounted for."""

from __future__ import annotations

import contextlib
import copy
import json
import math
from typing import Any
from urllib.parse import parse_qsl

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import actions
from actions import Request
from actions._resources import pack_slugs
from actions.samples import load_sample_events

PACKS = pack_slugs()  # every pack under mappings/
SAMPLES = load_sample_events()


class NotJSONNumber(Exception):
    """A NaN or Infinity in a JSON text (which json.loads would otherwise accept)."""


def _no_constant(name: str) -> Any:
    raise NotJSONNumber(name)


def strict_json(text: str) -> Any:
    return json.loads(text, parse_constant=_no_constant)


hostile_numbers = st.sampled_from(
    [math.nan, math.inf, -math.inf, 10**400, -(10**400), 10**4299, 1e308, -0.0, 5e-324]
)
hostile_text = st.sampled_from(
    ["NaN", "nan", "Infinity", "-Infinity", "inf", "-inf", "1e999", "-1e400", "1" * 5000,
     "1" * 400 + ".5", " 12 ", "١٢", "0x10", "", "\x00", "1e5", "+3", ".5", "5.", "{{x}}"]
)  # fmt: skip
hostile = (
    hostile_numbers
    | hostile_text
    | st.floats()
    | st.integers()
    | st.text(max_size=4)
    | st.none()
    | st.booleans()
)
nested = st.recursive(
    hostile,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=6,
)
PROPERTY_KEYS = [
    "revenue", "currency", "price", "quantity", "total", "tax", "shipping", "value", "order_id",
    "coupon", "affiliation", "query", "description", "products", "browser_fingerprint_id", "x",
]  # fmt: skip
CONTEXT_PATHS = [
    ("ip",), ("userAgent",), ("locale",), ("campaign",), ("device", "id"),
    ("device", "advertisingId"), ("device", "model"), ("device", "manufacturer"),
    ("app", "version"), ("os", "version"), ("screen", "width"), ("screen", "height"),
    ("screen", "density"),
]  # fmt: skip


@st.composite
def hostile_events(draw: st.DrawFn) -> dict[str, Any]:
    event = copy.deepcopy(draw(st.sampled_from(SAMPLES)))
    properties = event.setdefault("properties", {})
    if not isinstance(properties, dict):
        properties = event["properties"] = {}
    for key in draw(st.lists(st.sampled_from(PROPERTY_KEYS), max_size=5, unique=True)):
        properties[key] = draw(nested)
    context = event.setdefault("context", {})
    for path in draw(st.lists(st.sampled_from(CONTEXT_PATHS), max_size=4, unique=True)):
        node = context
        for key in path[:-1]:
            child = node.get(key)
            if not isinstance(child, dict):
                child = node[key] = {}
            node = child
        node[path[-1]] = draw(hostile)
    if draw(st.booleans()):
        event["traits"] = draw(st.dictionaries(st.sampled_from(["email", "age", "x"]), nested))
    return event


def _strings(value: Any) -> set[str]:
    """Every string inside a value (keys too), in lower case: a mapping may change a text's
    case (Adjust's and Kochava's currency is upper-cased), and "nan" in any case is text."""
    out: set[str] = set()
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            out.add(item.lower())
        elif isinstance(item, dict):
            out.update(k.lower() for k in item if isinstance(k, str))
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return out


def _non_finite_text(text: str) -> bool:
    """Text a partner reads as NaN or Infinity: an integer is exact at any length (up to
    Python's 4,300 digits), so only other number text can overflow."""
    if text.lstrip("-").isdigit():
        return False
    try:
        return not math.isfinite(float(text))
    except ValueError:
        return False


def check_form_value(value: str, held: set[str]) -> None:
    """A form or query value: JSON text inside is strict; a non-finite number only as the
    event's own text."""
    if value.startswith(("{", "[")):
        with contextlib.suppress(json.JSONDecodeError):  # text that only looks like JSON
            strict_json(value)
    if _non_finite_text(value):
        assert value.lower() in held, value


@pytest.fixture(scope="module")
def configured() -> dict[str, actions.ConfiguredDestination]:
    out = {}
    for slug in PACKS:
        destination = actions.load_destination(slug)
        out[slug] = actions.configure(destination, destination.sample_settings())
    return out


@settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(hostile_events())
@example(  # a currency that reads NaN in any case is text, upper-cased by the mapping
    event={
        "type": "track",
        "event": "Order Completed",
        "userId": "u1",
        "properties": {"revenue": 5, "currency": "NaN"},
        "context": {"device": {"type": "ios", "advertisingId": "A-1", "id": "I-1"}},
    }
)
def test_no_request_carries_nan_or_infinity(
    configured: dict[str, actions.ConfiguredDestination], event: dict[str, Any]
) -> None:
    held = _strings(event)
    for slug, destination in configured.items():
        outcomes = destination.process(event)
        assert outcomes, slug
        for outcome in outcomes:
            shown = outcome.to_dict()
            assert "internal error" not in str(shown), (slug, shown)
            if not isinstance(outcome, Request):
                continue
            body = outcome.body
            for _, value in parse_qsl(outcome.url.partition("?")[2]):
                check_form_value(value, held)
            for value in outcome.query.values():
                check_form_value(value, held)
            if body is None:
                continue
            if outcome.encoding == "json":
                strict_json(body)
            else:
                for _, value in parse_qsl(body, keep_blank_values=True):
                    check_form_value(value, held)


@pytest.mark.parametrize(
    ("slug", "where", "value", "expected"),
    [
        # A number field with NaN or Infinity is invalid, and both Adjust's and Branch's
        # revenue fail the request on an invalid value (a revenue is never dropped silently).
        ("adjust", ("properties", "revenue"), math.inf, "failed"),
        ("adjust", ("properties", "revenue"), "1e999", "failed"),
        ("branch", ("properties", "revenue"), math.nan, "failed"),
        ("branch", ("properties", "revenue"), "Infinity", "failed"),
        # Kochava passes the properties on whole: a NaN deep inside fails the request, with
        # the path of the value.
        ("kochava", ("properties", "revenue"), math.nan, "failed"),
        ("kochava", ("properties", "products"), [{"price": -math.inf}], "failed"),
    ],
)
def test_nan_and_infinity_in_the_reproductions(
    configured: dict[str, actions.ConfiguredDestination],
    slug: str,
    where: tuple[str, ...],
    value: Any,
    expected: str,
) -> None:
    event = copy.deepcopy(next(e for e in SAMPLES if e.get("event") == "Order Completed"))
    event[where[0]][where[1]] = value
    (outcome,) = configured[slug].process(event)
    shown = outcome.to_dict()
    assert outcome.kind == expected, shown
    if expected == "request":
        body = shown["body"]
        assert "revenue=" not in body
        assert "Infinity" not in body
    else:
        (problem,) = shown["problems"]
        assert "revenue" in problem["path"] or "products" in problem["path"]
        assert "NaN" in problem["message"] or "number" in problem["message"]


def test_an_integer_too_long_for_text_fails_the_request(
    configured: dict[str, actions.ConfiguredDestination],
) -> None:
    # More digits than Python writes as text (4,300): the request fails, nothing raises.
    event = copy.deepcopy(next(e for e in SAMPLES if e.get("event") == "Order Completed"))
    event["properties"]["tax"] = 10**5000
    for slug, destination in configured.items():
        for outcome in destination.process(event):
            shown = outcome.to_dict()
            assert "internal error" not in str(shown), (slug, shown)
            if isinstance(outcome, Request) and outcome.encoding == "json":
                assert outcome.body is not None
                strict_json(outcome.body)
