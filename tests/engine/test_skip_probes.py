"""Leading ``missing:`` skip rules are decided by their probe (the fields they name, mapped
alone) before the event is checked or mapped. The outcome is the one the whole pipeline gives
(the same pipeline compiled without probes) for every event, but one kind: an event such a rule
skips is ``Skipped`` even when a field it would never send is invalid or cannot be mapped (the
whole pipeline said ``Failed``). Every shipped pack, its presets and sample settings, over its
sample events and over those events changed at random."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import actions
from actions._resources import pack_slugs
from actions.engine.configure import _event_reads
from actions.engine.engine import CompiledSubscription, ConfiguredDestination
from actions.engine.outcomes import Outcome
from actions.engine.pipeline import Pipeline, compile_pipeline
from actions.samples import load_sample_events
from actions.spec import fields_check

PACKS = pack_slugs()
SAMPLES = load_sample_events()


def _configured(slug: str) -> ConfiguredDestination:
    destination = actions.load_destination(slug)
    return actions.configure(destination, destination.sample_settings())


CONFIGURED = {slug: _configured(slug) for slug in PACKS}


def _unprobed(configured: ConfiguredDestination, compiled: CompiledSubscription) -> Pipeline:
    """The subscription's pipeline with every skip rule decided on the mapped payload."""
    return compile_pipeline(
        compiled.subscription.name,
        compiled.action,
        compiled.mapping,
        fields_check(_event_reads(compiled.trigger, compiled.mapping, compiled.action)),
        configured._settings,
        configured._shown,
    ).run


UNPROBED = {
    slug: [(c, _unprobed(configured, c)) for c in configured.compiled]
    for slug, configured in CONFIGURED.items()
}


def _same_or_skipped_sooner(slug: str, event: dict[str, Any]) -> int:
    """Compare the two pipelines of every subscription whose trigger takes ``event``; the
    number of events the probe skipped where the whole pipeline failed."""
    sooner = 0
    for compiled, unprobed in UNPROBED[slug]:
        if not compiled.trigger.matches(event):
            continue
        probed: Outcome = compiled.run(copy.deepcopy(event))
        whole: Outcome = unprobed(copy.deepcopy(event))
        if probed.to_dict() == whole.to_dict():
            continue
        assert (probed.kind, whole.kind) == ("skipped", "failed"), (probed, whole)
        rules = [r for r in compiled.action.skip if r.missing and r.when is None]
        assert probed.to_dict()["reason"] in [r.reason for r in rules]
        sooner += 1
    return sooner


@pytest.mark.parametrize("slug", PACKS)
def test_valid_events_give_the_same_outcomes(slug: str) -> None:
    for event in SAMPLES:
        assert _same_or_skipped_sooner(slug, event) == 0, event


SPOILERS = st.sampled_from([None, "", 7, 2.5, True, [], {}, "x", {"a": 1}, [1, "b"]])
PATHS = [
    ("context", "device", "advertisingId"),
    ("context", "device", "id"),
    ("context", "device", "type"),
    ("context", "device"),
    ("context", "os", "name"),
    ("context", "os"),
    ("context", "ip"),
    ("context",),
    ("properties", "revenue"),
    ("properties", "currency"),
    ("properties", "products"),
    ("properties",),
    ("event",),
    ("userId",),
    ("timestamp",),
]


def _spoil(event: dict[str, Any], path: tuple[str, ...], value: Any, delete: bool) -> None:
    node: Any = event
    for key in path[:-1]:
        if not isinstance(node, dict) or not isinstance(node.get(key), dict):
            return
        node = node[key]
    if isinstance(node, dict):
        if delete:
            node.pop(path[-1], None)
        else:
            node[path[-1]] = value


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(PACKS),
    st.sampled_from(SAMPLES),
    st.lists(st.tuples(st.sampled_from(PATHS), SPOILERS, st.booleans()), max_size=4),
)
def test_changed_events_give_the_same_outcomes_or_skip_sooner(
    slug: str, sample: dict[str, Any], changes: list[tuple[tuple[str, ...], Any, bool]]
) -> None:
    event = copy.deepcopy(sample)
    for path, value, delete in changes:
        _spoil(event, path, value, delete)
    _same_or_skipped_sooner(slug, event)


def test_an_event_skipped_by_its_probe_is_not_failed_for_a_field_it_never_sends() -> None:
    """Adjust skips an event whose name has no event token; a field of the wrong type that it
    would read but never send (an IP address that is a number) does not fail it."""
    event = {
        "type": "track",
        "event": "No Token For This",
        "userId": "u1",
        "context": {"device": {"type": "ios", "advertisingId": "A-1"}, "ip": 7},
    }
    [outcome] = CONFIGURED["adjust"].process(event)
    assert outcome.kind == "skipped"
    assert "event token" in outcome.to_dict()["reason"]
    [(_, unprobed)] = UNPROBED["adjust"]
    assert unprobed(event).kind == "failed"
    assert _same_or_skipped_sooner("adjust", event) == 1
