"""Instructions per event of each side of the engine, mapping and FQL benchmarks, counted by
callgrind, which no other process on the machine disturbs (wall-clock figures on a shared
machine move by tens of percent from run to run; instruction counts by well under one).

Run: python benchmarks/count_engine.py [events] [sides ...]   (needs valgrind; a few minutes)

The sides are ``engine``, ``hand`` (bench_engine.py: 20 subscriptions, the hand-written
function, its body encoded by orjson), ``hand-stdlib`` (the same, its body encoded by
``json.dumps``), ``mapping``, ``mapping-hand`` (bench_mapping.py; ``mapping-closures`` and
``mapping-source`` for one backend), ``fql``, ``fql-hand`` (bench_fql.py, all its triggers in
turn), ``fql-many``, ``fql-fused-hand`` (the same 20 triggers through ``fql.compile_many``, and
bench_fql.py's one fused hand-written function); all of them by default. On request,
``names-10``, ``names-1000``, ``plan-10``, ``plan-1000`` (bench_dispatch.py: the engine with 10
or 1,000 subscriptions, every track event's name new, or triggers on ``properties.plan``), and
``pack-adjust``, ``pack-kochava``, ``pack-branch`` (the engine with a shipped pack, its presets
and sample settings); ``fused-20`` and ``unfused-20`` (the engine with 20 subscriptions
whose triggers the dispatch index cannot decide, on the revenue, rarely true: tested by one
TriggerSet, or one by one). One
process under callgrind sets every side up, then for each side runs a warm-up pass over the
events and one counted pass between two calls of ``os.getppid()``: callgrind
(``--dump-before=getppid``) writes its counts at each call, so each counted pass has its own
count.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _callgrind import callgrind_parts
from _events import load_events


def side(name: str) -> Callable[[Any], Any]:
    if name in ("engine", "hand", "hand-stdlib", "hand-checked"):
        import bench_engine

        import actions

        if name == "hand":
            return bench_engine.hand_written(20)
        if name == "hand-stdlib":
            return bench_engine.hand_written(20, bench_engine.stdlib_json)
        if name == "hand-checked":
            return bench_engine.hand_written_checked(20)
        destination = actions.load_destination(bench_engine.PACK)
        configured = actions.configure(
            destination, bench_engine.SETTINGS, bench_engine.subscriptions(20)
        )
        return configured.process
    if name in ("mapping", "mapping-hand", "mapping-closures", "mapping-source"):
        import bench_mapping

        from actions.mapping import compile

        if name == "mapping-hand":
            return bench_mapping.hand_written
        if name == "mapping":
            return compile(bench_mapping.MAPPING).apply
        return compile(bench_mapping.MAPPING, backend=name.removeprefix("mapping-")).apply
    if name in ("fql", "fql-hand", "fql-many", "fql-fused-hand"):
        import bench_fql

        from actions import fql

        if name == "fql-many":
            return fql.compile_many([text for text, _ in bench_fql.TRIGGERS]).matches
        if name == "fql-fused-hand":
            return bench_fql.hand_fused
        if name == "fql-hand":
            predicates = [hand for _, hand in bench_fql.TRIGGERS]
        else:
            predicates = [fql.compile(text).matches for text, _ in bench_fql.TRIGGERS]

        def all_triggers(event: Any) -> None:
            for predicate in predicates:
                predicate(event)

        return all_triggers
    if name in ("fused-20", "unfused-20"):
        import bench_engine

        import actions
        from actions.engine.engine import _fuse

        # 20 triggers the dispatch index cannot decide (a test of a number), rarely true:
        # each is evaluated for every track event, and few events go further.
        texts = [
            f'type = "track" and properties.revenue > {500 + 25 * i} and properties.currency '
            f'!= "XXX"'
            for i in range(20)
        ]
        subscriptions = [
            {"name": f"s{i}", "action": "event", "trigger": text} for i, text in enumerate(texts)
        ]
        destination = actions.load_destination(bench_engine.PACK)
        configured = actions.configure(destination, bench_engine.SETTINGS, subscriptions)
        if name == "unfused-20":  # every candidate's trigger tested on its own
            configured._candidates = _fuse(configured._dispatch.table, limit=0)
        return configured.process
    if name.startswith("pack-"):
        import actions

        destination = actions.load_destination(name.removeprefix("pack-"))
        return actions.configure(destination, destination.sample_settings()).process
    if name.startswith(("names-", "plan-")):
        import bench_dispatch

        kind, size = name.split("-")
        subscriptions = bench_dispatch.named if kind == "names" else bench_dispatch.by_plan
        process = bench_dispatch.configured(subscriptions(int(size))).process
        if kind == "plan":
            planned: dict[int, Any] = {}  # each event with its plan, made at its first pass

            def with_plan(event: Any) -> Any:
                found = planned.get(id(event))
                if found is None:
                    found = planned[id(event)] = bench_dispatch.with_plan(event)
                return process(found)

            return with_plan
        # Every name new in every pass: each call renames the event (the same work at both
        # sizes), with a number that never repeats.
        numbers = iter(range(10**9))
        return lambda event: process(bench_dispatch.renamed(event, next(numbers)))
    raise SystemExit(f"unknown side {name!r}: see the docstring")


PAIRS = (
    ("engine", "hand"),
    ("engine", "hand-stdlib"),
    ("engine", "hand-checked"),
    ("hand-checked", "hand"),
    ("mapping", "mapping-hand"),
    ("fql", "fql-hand"),
    ("fql-many", "fql-fused-hand"),
)
SIDES = list(dict.fromkeys(name for pair in PAIRS for name in pair))
DISPATCH = (("names-1000", "names-10"), ("plan-1000", "plan-10"))  # on request only


def count(events: int, sides: list[str]) -> dict[str, int]:
    """Instructions in one pass of each side over ``events`` events, under callgrind."""
    totals, _ = callgrind_parts(__file__, ["--passes", str(events), *sides])
    # Part 1 is the setup and the first warm-up; then each side's pass, and the next warm-up.
    return {name: totals[2 + 2 * index] for index, name in enumerate(sides)}


def passes(events: int, sides: list[str]) -> None:
    """The run callgrind watches: set up, then per side a warm-up and a marked pass."""
    stream = load_events(events)
    functions = [side(name) for name in sides]
    for function in functions:
        for event in stream:  # a warm-up pass: caches filled, first-call costs paid
            function(event)
        os.getppid()  # a mark: callgrind writes its counts here
        for event in stream:
            function(event)
        os.getppid()
    sys.stdout.flush()
    os._exit(0)  # no interpreter shutdown after the last mark


def main() -> None:
    if sys.argv[1:2] == ["--passes"]:
        passes(int(sys.argv[2]), sys.argv[3:])
    events = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    sides = sys.argv[2:] or SIDES
    counts = count(events, sides)
    print(f"events: {events}; instructions per event in one pass (callgrind)")
    for name in sides:
        print(f"{name:14s} {counts[name] / events:9.0f}")
    for ours, hand in PAIRS + DISPATCH:
        if ours in counts and hand in counts:
            print(f"ratio {ours} / {hand}: {counts[ours] / counts[hand]:.3f}x")


if __name__ == "__main__":
    main()
