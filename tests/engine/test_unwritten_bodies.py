"""A configured destination's twin that leaves requests' bodies unwritten
(``ConfiguredDestination.without_bodies``, what ``actions diff`` and ``profile`` run): every
outcome is the one ``process`` gives, each request's body written on demand by ``write_body``;
a payload whose body cannot be written fails alike."""

from __future__ import annotations

import math
import pickle
from typing import Any

import attrs
import pytest

import actions
from actions._resources import pack_slugs
from actions.destinations.loading import load_destination_text
from actions.destinations.request import moves_values
from actions.engine.outcomes import Request
from actions.mapping import compile as compile_mapping
from actions.samples import load_sample_events
from tests.engine.test_hostile_events import CASES

HUGE = 10**5000


def _event(**properties: Any) -> dict[str, Any]:
    return {
        "type": "track",
        "event": "Order Completed",
        "userId": "u1",
        "anonymousId": "a1",
        "messageId": "m1",
        "properties": {"order_id": "o1", "revenue": 5, "currency": "usd", **properties},
        "context": {
            "device": {"type": "ios", "id": "D1", "advertisingId": "A1"},
            "os": {"name": "iOS", "version": "18.1"},
        },
    }


ODD_EVENTS: list[Any] = [
    _event(products=[{"product_id": "p1", "price": math.nan}]),
    _event(products=[{"product_id": "p1", "price": math.inf, "quantity": 2}]),
    _event(products=[{"product_id": "p1", "price": None}]),
    _event(products=[{"product_id": "p\ud800"}]),
    _event(products=[{"product_id": "p1", "quantity": HUGE}]),
    _event(products=[{"product_id": "p1", "quantity": 2**70}]),
    _event(note=math.nan, tags=[math.inf], nothing=None),
    _event(revenue=math.nan),
    _event(revenue=2**70, currency="EUR"),
    _event(coupon="null", description="nullable"),
    _event(query="\ud800"),
    {**_event(), "event": "Product Added", "properties": {"product_id": "p1", "price": -0.0}},
]
"""Events whose payloads hold values no encoder writes (each such request is written, then
its body dropped, or fails), or null, the text "null", -0.0."""


def _events() -> list[Any]:
    return load_sample_events() + ODD_EVENTS + [make() for _, make, _ in CASES[5:]]


def _configs(pack: str) -> list[Any]:
    """The pack with its sample settings, with every setting it declares secret set, and with
    one of them marked secret (so requests are shown built again with ***)."""
    destination = actions.load_destination(pack)
    settings = destination.sample_settings()
    secret = {
        name: "s3cret-value"
        for name, spec in destination.settings.items()
        if spec.secret and spec.type == "string"
    }
    marked = attrs.evolve(
        destination,
        settings={
            name: attrs.evolve(spec, secret=spec.secret or spec.type == "string")
            for name, spec in destination.settings.items()
        },
    )
    return [
        actions.configure(destination, settings),
        actions.configure(destination, {**settings, **secret}),
        actions.configure(marked, settings),
    ]


def _written(configured: Any, outcome: Any) -> Any:
    """The outcome as ``process`` gives it: a request with its body written."""
    if not isinstance(outcome, Request):
        return outcome
    return attrs.evolve(outcome, body=configured.write_body(outcome))


def _same(configured: Any, twin: Any, event: Any) -> None:
    full, unwritten = configured.process(event), twin.process(event)
    assert [o.kind for o in unwritten] == [o.kind for o in full]
    for sent, left in zip(full, unwritten, strict=True):
        if isinstance(left, Request):
            assert left.body is None
            assert list(left.headers.items()) == list(sent.headers.items())
            shown = left.shown  # itself when no secret is set: then its body is unwritten
            shown = _written(configured, shown) if shown is left else shown
            assert shown.to_dict() == sent.shown.to_dict()
        assert _written(configured, left) == sent


@pytest.mark.parametrize("pack", pack_slugs())
def test_every_outcome_is_the_one_process_gives(pack: str) -> None:
    for configured in _configs(pack):
        twin = configured.without_bodies()
        for event in _events():
            _same(configured, twin, event)


def test_a_body_that_cannot_be_written_fails_alike() -> None:
    """Branch's body holds the products as they come: a NaN price fails the request in both."""
    destination = actions.load_destination("branch")
    configured = actions.configure(destination, destination.sample_settings())
    twin = configured.without_bodies()
    event = ODD_EVENTS[0]
    (failed,) = twin.process(event)
    assert failed.kind == "failed"
    assert failed == configured.process(event)[0]
    assert twin.process(_event(products=[{"product_id": "p1"}]))[0].kind == "request"


BODY = '          name: {"@path": "$.name"}\n'


@pytest.mark.parametrize(
    ("value", "moves"),
    [
        ('{"@path": "$.name"}', True),
        ("ADD_TO_CART", True),
        ('{"@if": {exists: {"@path": "$.os"}, then: [1, {"@path": "$.name"}], else: x}}', True),
        ('{"@path": "$settings.branch_key"}', True),
        ('{"@template": "{{name}}"}', False),
        ('{"@case": {operator: upper, value: {"@path": "$.name"}}}', False),
        ('{"@if": {exists: {"@path": "$.os"}, then: {"@template": "{{name}}"}}}', False),
    ],
)
def test_a_body_mapping_that_does_not_only_move_values_is_written(value: str, moves: bool) -> None:
    """A body left unwritten must be one that cannot fail to be written: its mapping only
    moves values it reads (paths, constants, objects, arrays, @if). Any other is written and
    dropped; the outcomes are the same either way."""
    destination = actions.load_destination("branch")
    assert BODY in destination.text
    text = destination.text.replace(BODY, f"          name: {value}\n", 1)
    changed = load_destination_text(text, "branch-body.yaml")
    configured = actions.configure(changed, destination.sample_settings())
    request = changed.actions["log_event"].request
    assert request.body is not None
    assert moves_values(request.body.node, configured._settings) is moves
    twin = configured.without_bodies()
    for event in load_sample_events() + ODD_EVENTS:
        _same(configured, twin, event)


def test_constants_and_settings_must_write_cleanly() -> None:
    for value, moves in [
        ({"a": 1.5, "b": "x"}, True),
        ({"a": None}, True),
        ({"a": math.nan}, False),
        ({"a": {"@path": "$settings.k"}}, True),
    ]:
        node = compile_mapping(value).node
        assert moves_values(node, {"k": "v"}) is moves
    node = compile_mapping({"a": {"@path": "$settings.k"}}).node
    assert not moves_values(node, {"k": math.nan})
    assert moves_values(compile_mapping({"a": {"@path": "$.k"}}).node, {"k": math.nan})


def test_the_twin_counts_as_its_destination_and_pickles_as_a_twin() -> None:
    destination = actions.load_destination("kochava")
    configured = actions.configure(destination, destination.sample_settings())
    twin = configured.without_bodies()
    events = load_sample_events()
    for event in events:
        twin.process(event)
    assert configured.counts == twin.counts
    assert twin.without_bodies() is twin
    assert configured.counts.events == len(events)
    again = pickle.loads(pickle.dumps(twin))
    requests = [o for e in events for o in again.process(e) if o.kind == "request"]
    assert requests
    assert all(r.body is None for r in requests)
    assert again.counts.events == len(events)


def test_a_subscription_compiled_without_the_means_is_an_error() -> None:
    destination = actions.load_destination("adjust")
    configured = actions.configure(destination, destination.sample_settings())
    for compiled in configured.compiled:
        object.__setattr__(compiled, "unwritten", None)
    with pytest.raises(actions.ActionsError, match="cannot be run without bodies"):
        configured.without_bodies()
