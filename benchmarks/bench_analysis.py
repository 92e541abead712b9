"""Throughput of ``actions diff`` and ``actions profile``, and the cost of ``lint --plan``.

For diff and profile: events per second over N realistic events (default 40,000) with each
shipped pack and its sample settings (the packs' presets), in process (parsed events) and end to
end (JSON lines read as ``actions`` reads them), in CPU time (``time.process_time``: the figures
hold on a machine other jobs share), with the peak memory traced over the run against
a run of a tenth as many events (flat memory: the two are close). For ``lint --plan``: linting
the three shipped packs with and without the sample tracking plan (best of 5).

Run: python benchmarks/bench_analysis.py [events]
"""

from __future__ import annotations

import io
import json
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


def configured(slug: str) -> Any:
    destination = actions.load_destination(slug)
    return actions.configure(destination, destination.sample_settings())


def rate(events: list[Any], make: Callable[[], Callable[[Any], Any]]) -> float:
    add = make()
    for event in events[:500]:  # warm: the dispatch cache, first-use compilation
        add(event)
    start = time.process_time()
    for event in events:
        add(event)
    return len(events) / (time.process_time() - start)


def end_to_end(data: bytes, make: Callable[[], Callable[[Any], Any]]) -> float:
    add = make()
    start = time.process_time()
    count = 0
    for line in read_lines(io.BytesIO(data), MAX_LINE_BYTES, MAX_DEPTH):
        add(line.event)
        count += 1
    return count / (time.process_time() - start)


def peak(events: list[Any], make: Callable[[], Callable[[Any], Any]]) -> int:
    add = make()
    tracemalloc.start()
    for event in events:
        add(event)
    _, top = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return top


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 40_000
    events = load_events(n)
    data = b"".join(json.dumps(e).encode() + b"\n" for e in events)
    for slug in ("adjust", "kochava", "branch"):
        old, new = configured(slug), configured(slug)
        subs = len(old.subscriptions)

        def differ(old: Any = old, new: Any = new) -> Callable[[Any], Any]:
            d = Differ(old, new)
            return lambda event: d.add(0, event)

        def profiler(old: Any = old) -> Callable[[Any], Any]:
            return Profiler(old).add

        def engine(old: Any = old) -> Callable[[Any], Any]:
            return old.process

        for label, make in (("engine", engine), ("diff", differ), ("profile", profiler)):
            inside = rate(events, make)
            outside = end_to_end(data, make)
            small, large = peak(events[: n // 10], make), peak(events, make)
            print(
                f"{slug:8} ({subs} subscriptions) {label:8} {inside:>9,.0f} events/s in process, "
                f"{outside:>9,.0f} events/s from JSON lines (CPU time); peak memory "
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
