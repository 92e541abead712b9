"""Throughput of ``actions diff`` and ``actions profile``, and the cost of ``lint --plan``.

For diff and profile, over N realistic events (default 20,000) with each shipped pack and its
sample settings (the packs' presets), as the median of ROUNDS runs taken in turn (engine,
diffs, profile, engine, ...):

- in process (parsed events): events per CPU second (``time.process_time``) and CPU
  microseconds per event;
- end to end from JSON lines, as ``actions diff`` and ``profile`` run them
  (``actions.analysis.parallel.diff_lines`` and ``profile_lines`` with the CLI's reader) with
  ``--jobs 1`` and ``--jobs 2``: events per second of wall clock, and the CPU microseconds per
  event of every process (the parent's and its workers', starting them included);
- the peak memory traced over the run against a run of a tenth as many events (flat memory: the
  two are close).

Three diffs: the pack against itself (the engine runs once), against itself with one
subscription's mapping changed (the others run once; Kochava only: the others have one
subscription) and against other settings (the old side runs, and of the new side what the
setting changes: the pipelines of the subscriptions whose mappings read it). Wall-clock figures
with two jobs need two idle cores: before each run from JSON lines the benchmark waits (up to
30 s) for half a second in which other jobs leave the cores at least 90% idle. For ``lint --plan``:
linting the three shipped packs with and without the sample tracking plan (best of 5).

Run: python benchmarks/bench_analysis.py [events] [rounds] [packs ...]   (default: all three)
"""

from __future__ import annotations

import io
import json
import os
import resource
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
from actions.analysis.parallel import diff_lines, profile_lines
from actions.cli.analysis import READ
from actions.lint import lint_paths
from actions.plans import load_plan

ROOT = Path(__file__).resolve().parent.parent
Make = Callable[[], Callable[[Any], Any]]
OTHER_SETTINGS: dict[str, dict[str, Any]] = {
    "adjust": {"send_to_production": True},
    "kochava": {"standard_event_names": True},
    "branch": {"branch_key": "key_live_otherKeyForTheBenchmark00000000000"},
}
"""A setting changed, one the mappings read: the diff against other settings."""


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


Lines = Callable[[io.BytesIO, int], Any]
"""Runs a diff or profile over JSON lines with a number of jobs."""


def end_to_end(data: bytes, lines: Lines, jobs: int) -> tuple[float, float]:
    """Wall-clock seconds and CPU seconds of every process for one run over ``data``."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu, wall = time.process_time(), time.perf_counter()
    lines(io.BytesIO(data), jobs).report()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the workers, once they have ended
    cpu += after.ru_utime - children.ru_utime + after.ru_stime - children.ru_stime
    return wall, cpu


def peak(events: list[Any], make: Make) -> int:
    add = make()
    tracemalloc.start()
    for event in events:
        add(event)
    _, top = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return top


def differ(old: Any, new: Any) -> tuple[Make, Lines]:
    def make() -> Callable[[Any], Any]:
        d = Differ(old, new)
        return lambda event: d.add(0, event)

    def lines(handle: io.BytesIO, jobs: int) -> Any:
        return diff_lines(old, new, handle, READ, jobs=jobs)

    return make, lines


def profiler(configured: Any) -> tuple[Make, Lines]:
    def lines(handle: io.BytesIO, jobs: int) -> Any:
        return profile_lines(configured, handle, READ, jobs=jobs)

    return (lambda: Profiler(configured).add), lines


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    events = load_events(n)
    data = b"".join(json.dumps(e).encode() + b"\n" for e in events)
    print(f"{n:,} events, {len(data) / n:,.0f} bytes a line; load average {os.getloadavg()}")
    for slug in sys.argv[3:] or ("adjust", "kochava", "branch"):
        old = configured(slug)
        subs = len(old.subscriptions)
        other = OTHER_SETTINGS[slug]
        runs: dict[str, tuple[Make, Lines | None]] = {
            "engine": ((lambda old=old: old.process), None),
            "diff, same": differ(old, configured(slug)),
            **({"diff, 1 sub changed": differ(old, changed(slug))} if subs > 1 else {}),
            "diff, settings": differ(old, configured(slug, **other)),
            "profile": profiler(old),
        }
        inside: dict[str, list[float]] = {label: [] for label in runs}
        walls: dict[tuple[str, int], list[float]] = {}
        cpus: dict[tuple[str, int], list[float]] = {}
        for _ in range(rounds):  # in turn, so a busy spell of the machine hits every label
            for label, (make, lines) in runs.items():
                inside[label].append(seconds(events, make))
                for jobs in (1, 2) if lines is not None else ():
                    _wait_idle()
                    wall, cpu = end_to_end(data, lines, jobs)
                    walls.setdefault((label, jobs), []).append(wall)
                    cpus.setdefault((label, jobs), []).append(cpu)
        for label, (make, lines) in runs.items():
            a = statistics.median(inside[label])
            small, large = peak(events[: n // 10], make), peak(events, make)
            print(
                f"{slug:8} ({subs} subscriptions) {label:19} in process {n / a:>7,.0f} events/s "
                f"({a / n * 1e6:5.1f} us CPU per event); peak memory {small / 1024:,.0f} KiB at "
                f"{n // 10:,} events, {large / 1024:,.0f} KiB at {n:,}"
            )
            for jobs in (1, 2) if lines is not None else ():
                wall = statistics.median(walls[label, jobs])
                cpu = statistics.median(cpus[label, jobs])
                print(
                    f"{'':45}from JSON lines, --jobs {jobs}: {n / wall:>7,.0f} events/s "
                    f"(wall clock), {cpu / n * 1e6:5.1f} us CPU per event in all processes"
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


def _idle(seconds: float) -> float:
    """The share of the time both cores were idle over ``seconds`` (Linux's /proc/stat)."""

    def read() -> tuple[int, int]:
        with open("/proc/stat", encoding="ascii") as stat:
            fields = [int(f) for f in stat.readline().split()[1:]]
        return fields[3] + fields[4], sum(fields)

    idle, total = read()
    time.sleep(seconds)
    idle_after, total_after = read()
    return (idle_after - idle) / max(1, total_after - total)


def _wait_idle(patience: float = 30.0) -> None:
    """Wait (at most ``patience`` seconds) for a moment when other jobs leave the cores idle,
    so that two jobs can have a core each; without /proc/stat, do not wait."""
    if not os.path.exists("/proc/stat"):
        return
    deadline = time.monotonic() + patience
    while _idle(0.5) < 0.9 and time.monotonic() < deadline:
        time.sleep(1)


def _timed(run: Callable[[], object]) -> float:
    start = time.process_time()
    run()
    return time.process_time() - start


if __name__ == "__main__":
    main()
