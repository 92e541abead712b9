"""Candidates with several triggers to evaluate are tested by one TriggerSet (``fql.combine``):
the subscriptions that fire are exactly those whose trigger matches, in configuration order."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

import actions
from actions import fql
from actions.engine.engine import FUSED_SETS, _fuse, _Fused

DEMO = Path(__file__).resolve().parent / "packs" / "demo"
SETTINGS = {"api_key": "sekret-123", "tokens": {"Order Completed": "tok-oc"}}


def _demo() -> actions.Destination:
    return actions.load_destination(DEMO)


CONDITIONS = [
    'type = "track" and properties.revenue > 10',
    'type = "track" and properties.revenue > 10 and properties.currency = "EUR"',
    'properties.currency = "EUR" or context.os.name = "iOS"',
    'type = "track" and event = "A"',
    'event = "B" and properties.revenue < 5',
    'type = "track"',
    "properties.revenue != null",
    'lowercase(context.os.name) = "ios"',
]
EVENTS = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["track", "identify", "page"]),
        "userId": st.just("u"),
        "event": st.sampled_from(["A", "B", "C"]),
        "properties": st.fixed_dictionaries(
            {},
            optional={
                "revenue": st.sampled_from([1, 7.5, 12, "20", None]),
                "currency": st.sampled_from(["EUR", "USD", 3]),
            },
        ),
        "context": st.fixed_dictionaries(
            {}, optional={"os": st.fixed_dictionaries({"name": st.sampled_from(["iOS", "x"])})}
        ),
    }
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.sampled_from(CONDITIONS), min_size=2, max_size=8),
    st.lists(EVENTS, min_size=1, max_size=6),
)
def test_fused_candidates_fire_exactly_the_matching_triggers(
    triggers: list[str], events: list[dict[str, Any]]
) -> None:
    subscriptions = [
        {"name": f"s{i}", "action": "track", "trigger": text} for i, text in enumerate(triggers)
    ]
    configured = actions.configure(_demo(), SETTINGS, subscriptions)
    for event in events:
        got = [o.subscription for o in configured.process(event) if o.subscription]
        want = [s["name"] for s in subscriptions if fql.compile(s["trigger"]).matches(event)]
        assert got == want, event


def test_twenty_triggers_on_properties_are_one_trigger_set() -> None:
    subscriptions = [
        {"name": f"s{i}", "action": "track", "trigger": f'type = "track" and properties.n > {i}'}
        for i in range(20)
    ]
    configured = actions.configure(_demo(), SETTINGS, subscriptions)
    _, default = configured._candidates["track"]
    assert isinstance(default, _Fused)
    assert len(default.entries) == 20
    event = {"type": "track", "event": "X", "userId": "u", "properties": {"n": 7}}
    assert [o.subscription for o in configured.process(event)] == [f"s{i}" for i in range(7)]


def test_at_most_so_many_sets_are_compiled() -> None:
    # Each name's group holds its own trigger and the shared one: a set per name, up to the
    # limit; the groups past it are tested one by one.
    names = FUSED_SETS + 10
    subscriptions = [{"name": "all", "action": "track", "trigger": "properties.n > 1"}] + [
        {"name": f"s{i}", "action": "track", "trigger": f'event = "E{i}" and properties.n > 2'}
        for i in range(names)
    ]
    configured = actions.configure(_demo(), SETTINGS, subscriptions)
    by_name, _ = configured._candidates["track"]
    fused = {id(group.matches) for group in by_name.values() if isinstance(group, _Fused)}
    assert len(fused) == FUSED_SETS
    assert sum(isinstance(group, tuple) for group in by_name.values()) == 10
    event = {"type": "track", "event": f"E{names - 1}", "userId": "u", "properties": {"n": 3}}
    assert [o.subscription for o in configured.process(event)] == ["all", f"s{names - 1}"]
    assert _fuse({}) == {}
