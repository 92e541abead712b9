"""Instructions per event of ``actions diff`` and ``profile`` and of their parts, counted by
callgrind (stable on a shared machine, where wall-clock figures move by tens of percent).

For each pack (its presets and sample settings), over N realistic events (default 2,000):
reading the events' JSON lines (the CLI's reader), the engine alone on each side of the diff
against other settings (bench_analysis.py's), that diff (both sides and the
comparison), its own work alone (the outcomes computed beforehand), the diff of the pack against
itself, and the profile. One process under callgrind sets everything up, then per part runs a
warm-up pass and a counted pass between two calls of ``os.getppid()`` (see _callgrind.py).

Run: python benchmarks/count_analysis.py [events] [packs ...]   (needs valgrind; a few minutes)
"""

from __future__ import annotations

import io
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _callgrind import callgrind_parts

PARTS = (
    "read",
    "engine, old side",
    "engine, new side",
    "diff, settings",
    "diff's own work",
    "diff, same",
    "profile",
)


def parts(events: int, slug: str) -> list[Callable[[], Any]]:
    """One function per part, each a pass over the events."""
    import bench_analysis
    from _events import load_events

    from actions.analysis import Differ, Profiler
    from actions.analysis.diff import _named
    from actions.cli.analysis import READ

    stream = load_events(events)
    data = b"".join(json.dumps(e).encode() + b"\n" for e in stream)
    old = bench_analysis.configured(slug)
    new = bench_analysis.configured(slug, **bench_analysis.OTHER_SETTINGS[slug])
    same = bench_analysis.configured(slug)
    outcomes = [(_named(old.process(e)), _named(new.process(e))) for e in stream]

    def read() -> None:
        for _ in READ(io.BytesIO(data)):
            pass

    def side(configured: Any) -> Callable[[], None]:
        def run() -> None:
            for event in stream:
                configured.process(event)

        return run

    def diff(other: Any) -> Callable[[], None]:
        def run() -> None:
            differ = Differ(old, other)
            for line, event in enumerate(stream):
                differ.add(line, event)
            differ.report()

        return run

    prepared = Differ(old, new)
    prepared.add(0, stream[0])  # prepared: the work both sides share, how requests are shown
    prepared.take()

    def own() -> None:
        given = iter(outcomes)
        prepared._sides = lambda event: next(given)
        for line, event in enumerate(stream):
            prepared.add(line, event)
        prepared.report()
        prepared.take()

    def profile() -> None:
        profiler = Profiler(old)
        for event in stream:
            profiler.add(event)
        profiler.report()

    return [read, side(old), side(new), diff(new), own, diff(same), profile]


def passes(events: int, slug: str) -> None:
    """The run callgrind watches: set up, then per part a warm-up and a marked pass."""
    for run in parts(events, slug):
        run()  # a warm-up pass: caches filled, first-call costs paid
        os.getppid()  # a mark: callgrind writes its counts here
        run()
        os.getppid()
    sys.stdout.flush()
    os._exit(0)  # no interpreter shutdown after the last mark


def main() -> None:
    if sys.argv[1:2] == ["--passes"]:
        passes(int(sys.argv[2]), sys.argv[3])
    events = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    print(f"events: {events}; instructions per event in one pass (callgrind)")
    for slug in sys.argv[2:] or ("adjust", "kochava", "branch"):
        totals, _ = callgrind_parts(__file__, ["--passes", str(events), slug])
        # Part 1 is the setup and the first warm-up; then each part's pass, and the next warm-up.
        counts = {name: totals[2 + 2 * index] / events for index, name in enumerate(PARTS)}
        print(f"{slug:8} " + "; ".join(f"{name} {count:,.0f}" for name, count in counts.items()))


if __name__ == "__main__":
    main()
