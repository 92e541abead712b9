"""Throughput of ``actions diff`` and ``actions profile``, and the cost of ``lint --plan``.

For diff and profile: events per second over N realistic events (default 40,000) with each
shipped pack and its sample settings (the packs' presets), in process (parsed events) and end to
end (JSON lines read as ``actions diff`` and ``profile`` read them), in CPU time
(``time.process_time``: the figures hold on a machine other jobs share), as the median of
ROUNDS runs taken in turn (engine, diffs, profile, engine, ...), with the CPU microseconds per
event; and the peak memory traced over the run against a run of a tenth as many events (flat
memory: the two are close). Three diffs: the pack against itself (the engine runs once), against
itself with one subscription's mapping changed (the others run once; Kochava only: the others
have one subscription) and against other settings (each side runs alone). For ``lint --plan``:
linting the three shipped packs with and without the sample tracking plan (best of 5).

Run: python benchmarks/bench_analysis.py [events] [rounds]
"""

from __future__ import annotations

import io
import json
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _events import load_events

import actions
from actions.analysis import Differ, Profiler
from actions.cli.jsonlines import MAX_DEPTH, MAX_LINE_BYTES, read_lines
from actions.lint import lint_paths
from actions.plans import load_plan

ROOT = Path(__file__).resolve().parent.parent
Make = Callable[[], Callable[[Any], Any]]
OTHER_SETTINGS: dict[str, dict[str, Any]] = {
    "adjust": {"send_to_production": True},
    "kochava": {"standard_event_names": True},
    "branch": {"branch_key": "key_live_otherKeyForTheBenchmark00000000000"},
}
"""A setting changed, for the diff whose sides share nothing."""


def configured(slug: str, **settings: Any) -> Any:
    destination = actions.load_destination(slug)
    return actions.configure(destination, {**destination.sample_settings(), **settings})


def changed(slug: str) -> Any:
    """The pack's presets with the first subscription's mapping changed in one field."""
    destination = actions.load_destination(slug)
    subs = [
        {"name": s.name, "action": s.action, "trigger": s.trigger, "mapping": dict(s.mapping)}
        for s in destination.presets
    ]
    subs[-1]["mapping"]["currency"] = "EUR"
    return actions.configure(destination, destination.sample_settings(), subs)


def seconds(events: list[Any], make: Make) -> float:
    add = make()
    for event in events[:500]:  # warm: the dispatch cache, first-use compilation
        add(event)
    start = time.process_time()
    for event in events:
        add(event)
    return time.process_time() - start


def end_to_end(data: bytes, make: Make) -> float:
    add = make()
    start = time.process_time()
    for line in read_lines(io.BytesIO(data), MAX_LINE_BYTES, MAX_DEPTH):
        add(line.event)
    return time.process_time() - start


def peak(events: list[Any], make: Make) -> int:
    add = make()
    tracemalloc.start()
    for event in events:
        add(event)
    _, top = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return top


def differ(old: Any, new: Any) -> Make:
    def make() -> Callable[[Any], Any]:
        d = Differ(old, new)
        return lambda event: d.add(0, event)

    return make


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 40_000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    events = load_events(n)
    data = b"".join(json.dumps(e).encode() + b"\n" for e in events)
    for slug in ("adjust", "kochava", "branch"):
        old = configured(slug)
        subs = len(old.subscriptions)
        other = OTHER_SETTINGS[slug]
        runs: dict[str, Make] = {
            "engine": lambda old=old: old.process,
            "diff, same": differ(old, configured(slug)),
            **({"diff, 1 sub changed": differ(old, changed(slug))} if subs > 1 else {}),
            "diff, settings": differ(old, configured(slug, **other)),
            "profile": lambda old=old: Profiler(old).add,
        }
        inside: dict[str, list[float]] = {label: [] for label in runs}
        outside: dict[str, list[float]] = {label: [] for label in runs}
        for _ in range(rounds):  # in turn, so a busy spell of the machine hits every label
            for label, make in runs.items():
                inside[label].append(seconds(events, make))
                outside[label].append(end_to_end(data, make))
        for label, make in runs.items():
            a, b = statistics.median(inside[label]), statistics.median(outside[label])
            small, large = peak(events[: n // 10], make), peak(events, make)
            print(
                f"{slug:8} ({subs} subscriptions) {label:19} {n / a:>7,.0f} events/s "
                f"({a / n * 1e6:5.1f} us CPU per event) in process, {n / b:>7,.0f} events/s "
                f"({b / n * 1e6:5.1f} us) from JSON lines; peak memory "
                f"{small / 1024:,.0f} KiB at {n // 10:,} events, {large / 1024:,.0f} KiB at {n:,}"
            )
    packs = [
        str(ROOT / "mappings" / slug / "destination.yaml")
        for slug in ("adjust", "kochava", "branch")
    ]
    plan = load_plan(ROOT / "actions" / "samples" / "plan.yaml")
    lint_paths(packs)  # warm: imports and caches
    without = min(_timed(lambda: lint_paths(packs)) for _ in range(5))
    with_plan = min(_timed(lambda: lint_paths(packs, plan=plan)) for _ in range(5))
    loading = min(
        _timed(lambda: load_plan(ROOT / "actions" / "samples" / "plan.yaml")) for _ in range(5)
    )
    print(
        f"lint of the three packs: {without * 1000:.1f} ms; with --plan {with_plan * 1000:.1f} ms "
        f"(+{(with_plan - without) * 1000:.1f} ms, plus {loading * 1000:.1f} ms to load the plan)"
    )


def _timed(run: Callable[[], object]) -> float:
    start = time.process_time()
    run()
    return time.process_time() - start


if __name__ == "__main__":
    main()
