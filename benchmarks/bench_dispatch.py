"""Dispatch as subscriptions grow: the engine's cost per event with 1,000 subscriptions against
its cost with 10, over the same events, where the extra 990 subscriptions can match none of them:

- **new names**: triggers ``type = "track" and event = "Event <i>"``, and every track event's name
  is new (the sample's name followed by an id unique to the event and the pass: no pass sees a
  name an earlier one saw), so no trigger names it;
- **property**: triggers ``type = "track" and properties.plan = "p<i>"``, and track events carry
  ``plan`` ``p0`` to ``p9`` (which both configurations have) or an unknown plan.

Each repetition measures both configurations in interleaved passes (best of 3 passes each) and
takes their ratio; the script prints the median ratio of the repetitions and their range.
Aims (docs/performance.md): at most 1.5x with new names, at most 3x with property triggers.

Run: python benchmarks/bench_dispatch.py [events] [repetitions]
"""

from __future__ import annotations

import itertools
import random
import statistics
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _events import load_events, measure

import actions

PACK = Path(__file__).resolve().parent / "packs" / "attribution"
SETTINGS = {"app_token": "tok"}


def configured(subscriptions: list[dict[str, Any]]) -> actions.ConfiguredDestination:
    """The attribution pack configured with ``subscriptions``."""
    return actions.configure(actions.load_destination(PACK), SETTINGS, subscriptions)


def named(count: int) -> list[dict[str, Any]]:
    return [
        {"name": f"s{i}", "action": "event", "trigger": f'type = "track" and event = "Event {i}"'}
        for i in range(count)
    ]


def by_plan(count: int) -> list[dict[str, Any]]:
    return [
        {
            "name": f"s{i}",
            "action": "event",
            "trigger": f'type = "track" and properties.plan = "p{i}"',
        }
        for i in range(count)
    ]


def renamed(event: dict[str, Any], number: int) -> dict[str, Any]:
    """A track event's name made new, followed by ``number`` (a shallow copy: the engine does
    not change events); any other event as it is."""
    if event.get("type") != "track":
        return event
    return {**event, "event": f"{event['event']} {number:010x}"}


def new_names(events: list[dict[str, Any]]) -> Callable[[int], list[dict[str, Any]]]:
    """The events for pass ``tag``: each track event's name followed by an id unique to the
    event and the pass."""

    def fresh(tag: int) -> list[dict[str, Any]]:
        return [renamed(event, tag << 20 | number) for number, event in enumerate(events)]

    return fresh


def with_plan(event: dict[str, Any]) -> dict[str, Any]:
    """A track event with a ``properties.plan``: one of ``p0`` to ``p9`` for half of them, an
    unknown plan for the others, chosen by its message id (a shallow copy); any other event as
    it is."""
    if event.get("type") != "track":
        return event
    rng = random.Random(str(event.get("messageId")))
    known = rng.random() < 0.5
    plan = f"p{rng.randrange(10)}" if known else f"x{rng.randrange(10**6)}"
    properties = event.get("properties")
    properties = {**(properties if isinstance(properties, dict) else {}), "plan": plan}
    return {**event, "properties": properties}


def with_plans(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [with_plan(event) for event in events]


def outcomes(process: Callable[[Any], Any], events: list[Any]) -> list[Any]:
    return [[o.to_dict() for o in process(event)] for event in events]


def interleaved(
    functions: dict[str, Callable[[Any], Any]],
    events: Callable[[int], list[dict[str, Any]]],
    passes: int,
    tags: Iterator[int],
) -> dict[str, float]:
    """Like ``measure_interleaved``, each pass over the events ``events(tag)`` gives for a tag
    of its own."""
    best = dict.fromkeys(functions, float("inf"))
    for _ in range(passes):
        for name, function in functions.items():
            best[name] = min(best[name], measure(function, events(next(tags)), repeat=1))
    return best


def scaling(
    name: str,
    subscriptions: Callable[[int], list[dict[str, Any]]],
    events: Callable[[int], list[dict[str, Any]]],
    repetitions: int,
) -> float:
    small = configured(subscriptions(10))
    large = configured(subscriptions(1000))
    assert outcomes(small.process, events(0)) == outcomes(large.process, events(0))
    ratios: list[float] = []
    costs: dict[str, list[float]] = {"10": [], "1000": []}
    tags = itertools.count(1)
    for _ in range(repetitions):
        us = interleaved({"10": small.process, "1000": large.process}, events, 3, tags)
        ratios.append(us["1000"] / us["10"])
        for size, cost in us.items():
            costs[size].append(cost)
    median = statistics.median(ratios)
    print(
        f"{name:10s} 10 subscriptions {statistics.median(costs['10']):6.2f} µs/event, "
        f"1,000 {statistics.median(costs['1000']):6.2f} µs/event; "
        f"1,000 / 10: median {median:.2f}x ({min(ratios):.2f}x-{max(ratios):.2f}x)"
    )
    return median


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    repetitions = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    events = load_events(count)
    print(f"events: {count}, repetitions: {repetitions} (each: best of 3 interleaved passes)")
    fresh = scaling("new names", named, new_names(events), repetitions)
    planned = with_plans(events)
    plans = scaling("property", by_plan, lambda tag: planned, repetitions)
    print(f"aims: new names <= 1.5x ({fresh:.2f}x), property <= 3x ({plans:.2f}x)")


if __name__ == "__main__":
    main()
