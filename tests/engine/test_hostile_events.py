"""Events no JSON parser would give, handed to ``process`` directly: nesting 100,000 deep, an
integer over Python's digit limit, a lone surrogate. Each is a Failed outcome with a clear
problem, never an exception, and the counts still add up."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import actions
from actions._resources import pack_slugs
from actions.engine.engine import SpecCheck


def _deep(depth: int, leaf: Any = 1) -> Any:
    value = leaf
    for _ in range(depth):
        value = {"a": value}
    return value


def _event(**changes: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": "track",
        "event": "Order Completed",
        "userId": "u",
        "properties": {"revenue": 5, "currency": "USD"},
        "context": {"device": {"type": "android", "id": "a1", "advertisingId": "g1"}},
    }
    event.update(changes)
    return event


DEEP = 100_000
HUGE = 10**5000  # over Python's 4,300-digit limit for int-to-text
# (name, the event, what the failed outcome's problems say; None: any outcome, but no raise)
CASES: list[tuple[str, Callable[[], Any], str | None]] = [
    ("the event itself 100,000 deep", lambda: _deep(DEEP), "nested too deeply"),
    ("a list 100,000 deep", lambda: [_deep(DEEP)], None),
    ("properties 100,000 deep", lambda: _event(properties=_deep(DEEP)), None),
    ("context 100,000 deep", lambda: _event(context={"x": _deep(DEEP)}), None),
    ("integrations 100,000 deep", lambda: _event(integrations=_deep(DEEP)), None),
    ("a huge integer sent", lambda: _event(properties={"revenue": HUGE}), None),
    ("a huge integer not sent", lambda: _event(properties={"n": HUGE}), None),
    ("a huge integer as the event name", lambda: _event(event=HUGE), None),
    (
        "a lone surrogate in a field sent",
        lambda: _event(context={"device": {"type": "android", "id": "a\ud800"}}),
        None,
    ),
]


@pytest.mark.parametrize("spec_check", ["read", "full"])
@pytest.mark.parametrize("pack", pack_slugs())
@pytest.mark.parametrize(
    ("make", "message"), [(m, s) for _, m, s in CASES], ids=[n for n, _, _ in CASES]
)
def test_a_hostile_event_is_an_outcome_not_an_exception(
    pack: str, spec_check: SpecCheck, make: Callable[[], Any], message: str | None
) -> None:
    destination = actions.load_destination(pack)
    configured = actions.configure(
        destination, destination.sample_settings(), spec_check=spec_check
    )
    outcomes = configured.process(make())
    assert outcomes
    for outcome in outcomes:
        outcome.to_dict()  # and each outcome can be shown
    if message is not None:
        assert all(isinstance(o, actions.Failed) for o in outcomes)
        problems = [p.message for o in outcomes for p in o.problems]
        assert any(message in text for text in problems), problems
        assert not any(text.startswith("internal error") for text in problems), problems
    counts = configured.counts
    assert counts.events == 1
    assert counts.events == counts.delivered + counts.filtered + counts.skipped + counts.failed


def test_the_clear_messages() -> None:
    destination = actions.load_destination("adjust")
    configured = actions.configure(destination, destination.sample_settings())
    deep = configured.process(_deep(DEEP))
    assert (
        deep[0]
        .to_dict()["problems"][0]["message"]
        .startswith("the event is nested too deeply to process")
    )
    huge = configured.process(_event(properties={"revenue": HUGE}))  # Adjust sends it
    assert "an integer with more digits than Python converts" in str(huge[0].to_dict())
    bad_text = _event(context={"device": {"type": "android", "id": "a1\ud800"}})
    (surrogate,) = configured.process(bad_text)
    assert isinstance(surrogate, actions.Failed)
    assert "lone surrogate" in surrogate.reason
    # and the next event is processed as usual
    assert configured.process(_event())[0].kind == "request"


def test_a_defect_is_reported_by_kind_and_place_never_by_its_text() -> None:
    """An exception's text may quote the event or a secret setting: a defect's problem names
    the exception's type and where it was raised, and nothing of its message."""
    destination = actions.load_destination("adjust")
    configured = actions.configure(destination, destination.sample_settings())
    event = _event(properties={"revenue": 5, "currency": "USD", "note": "private-note-77"})

    def defect(event: Any) -> Any:
        raise ValueError(f"cannot read {event['properties']['note']}")

    for compiled in configured._subscriptions:
        object.__setattr__(compiled, "run", defect)
    (outcome,) = configured.process(event)
    assert outcome.kind == "failed"
    (problem,) = outcome.to_dict()["problems"]
    assert "private-note-77" not in str(outcome.to_dict())
    assert problem["message"].startswith("internal error: ValueError at ")
    assert "tests/engine/test_hostile_events.py" not in problem["message"]
    assert configured.counts.failed == 1
