"""Property tests with hostile-ish input that the engine must survive: mutated Spec events,
random triggers and mappings. The wider hostile classes (regex stalls, NaN in bodies, secrets
in other encodings, bad bytes) are explored by benchmarks/fuzz.py; see docs/fuzzing.md."""

from __future__ import annotations

import json
import math
import urllib.parse
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import actions
from actions.samples import load_sample_events

SAMPLES = load_sample_events()
PACKS = ("adjust", "branch", "kochava")
SECRET_KEYS = {"adjust": "s2s_token", "branch": "branch_secret"}

PATHS = (
    ("type",),
    ("event",),
    ("userId",),
    ("anonymousId",),
    ("timestamp",),
    ("properties",),
    ("properties", "revenue"),
    ("properties", "currency"),
    ("properties", "quantity"),
    ("properties", "products"),
    ("context",),
    ("context", "ip"),
    ("context", "device"),
    ("context", "device", "type"),
    ("context", "device", "id"),
    ("context", "device", "advertisingId"),
    ("context", "os", "name"),
    ("context", "screen", "density"),
    ("integrations",),
    ("integrations", "All"),
)


def _finite_text(text: str) -> bool:
    """False for text that reads as a number beyond the range of a double (`1e999`, `nan`):
    those are the fuzz script's (docs/fuzzing.md), until no request can carry them."""
    try:
        return math.isfinite(float(text))
    except ValueError:
        return True
    except OverflowError:  # pragma: no cover - float() of text does not overflow
        return False


short_text = st.text(max_size=20).filter(_finite_text)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**18), max_value=10**18)
    | st.floats(allow_nan=False, allow_infinity=False)
    | short_text
    | st.sampled_from(["ios", "android", "Order Completed", "track", "USD", "", "0", "-1.5"])
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(short_text, inner, max_size=4),
    max_leaves=12,
)


@st.composite
def events(draw: st.DrawFn) -> Any:
    """A sample event with up to four values replaced, or removed, or anything at all."""
    if draw(st.integers(0, 9)) == 0:
        return draw(json_values)
    event: Any = json.loads(json.dumps(draw(st.sampled_from(SAMPLES))))
    for _ in range(draw(st.integers(0, 4))):
        path = draw(st.sampled_from(PATHS))
        node = event
        for key in path[:-1]:
            if not isinstance(node.get(key), dict):
                node[key] = {}
            node = node[key]
        if draw(st.booleans()):
            node.pop(path[-1], None)
        else:
            node[path[-1]] = draw(json_values)
    return event


def _check_request(request: actions.Request) -> None:
    if request.encoding == "json" and request.body:

        def reject(token: str) -> Any:
            raise AssertionError(f"{token} in a JSON body: {request.body}")

        json.loads(request.body, parse_constant=reject)
    if request.encoding == "form" and request.body:
        for _, value in urllib.parse.parse_qsl(request.body, keep_blank_values=True):
            assert value.lower() not in {"nan", "inf", "-inf", "infinity", "-infinity"}
    for name, value in request.headers.items():
        assert not set(value) & {"\r", "\n"}, (name, value)


@pytest.mark.parametrize("pack", PACKS)
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch=st.lists(events(), min_size=1, max_size=6))
def test_every_hostile_event_is_accounted_for(pack: str, batch: list[Any]) -> None:
    destination = actions.load_destination(pack)
    configured = destination.configure(destination.sample_settings())
    for event in batch:
        outcomes = configured.process(event)
        assert outcomes, event
        for outcome in outcomes:
            if isinstance(outcome, actions.Failed):
                assert not any("internal error" in p.message for p in outcome.problems), outcome
            if isinstance(outcome, actions.Request):
                _check_request(outcome)
            json.dumps(outcome.to_dict(), allow_nan=False)
    counts = configured.counts
    assert counts.events == len(batch)
    assert counts.events == counts.delivered + counts.filtered + counts.skipped + counts.failed


# Triggers built from pieces: comparisons, functions and logic over the fields events carry.
FIELDS = ["type", "event", "properties.revenue", "context.device.type", "userId", "properties.x"]
LITERALS = ["'track'", "'Order Completed'", "1", "-2.5", "null", "true", "['a', 1]", "''"]
atoms = st.one_of(
    st.builds(
        "{} {} {}".format,
        st.sampled_from(FIELDS),
        st.sampled_from(["=", "!=", "<", ">="]),
        st.sampled_from(LITERALS),
    ),
    st.builds("contains({}, {})".format, st.sampled_from(FIELDS), st.sampled_from(LITERALS)),
    st.builds(
        "match({}, '{}')".format,
        st.sampled_from(FIELDS),
        st.sampled_from(["*", "Order*", "?a*", "[a-z]*"]),
    ),
    st.builds("length({}) > {}".format, st.sampled_from(FIELDS), st.integers(0, 30)),
    st.builds("lowercase({}) = {}".format, st.sampled_from(FIELDS), st.sampled_from(LITERALS)),
    st.builds("number({}) >= {}".format, st.sampled_from(FIELDS), st.integers(-5, 5)),
)
triggers = st.recursive(
    atoms,
    lambda inner: (
        st.builds("({} {} {})".format, inner, st.sampled_from(["and", "or"]), inner)
        | st.builds("!({})".format, inner)
    ),
    max_leaves=5,
)


def _mapping(secret_key: str | None) -> st.SearchStrategy[Any]:
    sources = ["$.properties.revenue", "$.event", "$.properties", "$.userId", "$.context.ip"]
    if secret_key:
        sources.append(f"$settings.{secret_key}")
    leaf = st.sampled_from(sources).map(lambda path: {"@path": path})
    return st.recursive(
        leaf | short_text,
        lambda inner: (
            st.builds(lambda v: {"@case": {"operator": "lower", "value": v}}, inner)
            | st.builds(lambda v: {"@convert": {"to": "string", "value": v}}, inner)
            | st.builds(lambda a, b: {"@coalesce": [a, b]}, inner, inner)
            | st.builds(lambda t, v: {"@if": {"when": t, "then": v}}, triggers, inner)
        ),
        max_leaves=4,
    )


@st.composite
def configurations(draw: st.DrawFn) -> tuple[str, str, list[dict[str, Any]]]:
    """A pack, an alphanumeric secret (its raw, percent-encoded and JSON forms are the same)
    and subscriptions with random triggers whose mappings may read the secret."""
    pack = draw(st.sampled_from(PACKS))
    secret = draw(
        st.text("ABCDEFGHJKMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz23456789", min_size=8, max_size=24)
    )
    destination = actions.load_destination(pack)
    subscriptions = []
    for i in range(draw(st.integers(1, 3))):
        action = draw(st.sampled_from(sorted(destination.actions)))
        fields = [f.name for f in destination.actions[action].fields]
        mapping = draw(
            st.dictionaries(st.sampled_from(fields), _mapping(SECRET_KEYS.get(pack)), max_size=3)
        )
        trigger = draw(triggers | st.just('type = "track"'))
        subscriptions.append(
            {"name": f"S{i}", "action": action, "trigger": trigger, "mapping": mapping}
        )
    return pack, secret, subscriptions


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(configuration=configurations(), batch=st.lists(events(), min_size=1, max_size=4))
def test_random_subscriptions_account_for_every_event_and_hide_the_secret(
    configuration: tuple[str, str, list[dict[str, Any]]], batch: list[Any]
) -> None:
    pack, secret, subscriptions = configuration
    destination = actions.load_destination(pack)
    settings_ = destination.sample_settings()
    if pack in SECRET_KEYS:
        settings_[SECRET_KEYS[pack]] = secret
    try:
        configured = destination.configure(settings_, subscriptions)
    except actions.ActionsError as exc:  # a mapping the action's fields reject, say
        message = str(exc)
        configured = None
    if configured is None:
        assert secret not in message
        return
    assert secret not in repr(configured)
    for event in batch:
        if secret in json.dumps(event):
            continue
        outcomes = configured.process(event)
        assert outcomes
        for outcome in outcomes:
            if isinstance(outcome, actions.Failed):
                assert not any("internal error" in p.message for p in outcome.problems), outcome
            if isinstance(outcome, actions.Request):
                _check_request(outcome)
            shown = repr(outcome) + json.dumps(outcome.to_dict(payload=True))
            assert secret not in shown
    counts = configured.counts
    assert counts.events == counts.delivered + counts.filtered + counts.skipped + counts.failed
