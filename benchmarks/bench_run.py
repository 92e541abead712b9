"""``actions run adjust`` over a JSON-lines file of realistic events, against a loop that does
nothing but JSON: read each line, parse it, encode the value again and write it.

Measured, the sides taking turns (interleaved) and each side's median of the repetitions:

- ``run``: ``actions run adjust FILE -o OUT -q`` in this process, through ``actions.cli.main``
  (what the ``actions`` command calls: configuring Adjust included, about 0.1 s);
- ``run, the stream``: the same run without the configuring: ``actions.cli.run_stream`` over the
  lines, what ``main`` does once the destination is configured;
- ``stdlib loop``: ``json.loads`` each line, ``json.dumps`` the value, write it (UTF-8);
- ``orjson loop``: the same with ``orjson.loads`` and ``orjson.dumps``;
- ``run, subprocess``: ``python -m actions run adjust FILE -o OUT -q`` as a user runs it
  (interpreter start, imports and configuring included);
- the run's parts, each alone: the engine (``process`` over the events already parsed), reading
  (``read_lines`` over the file) and writing (``outcome_lines`` of each outcome, written).

Each side's CPU time (user and system, a subprocess's included) and wall-clock time are
printed: on a shared machine, compare CPU times.

With ``--paired [events] [pairs]`` (default 1,000 events, 101 pairs), the stream and the stdlib
loop run in pairs over the same short file, one right after the other (each pair's order
alternating), and the median of the pairs' ratios of thread CPU time is printed with its
quartiles: a pair takes some 0.1 s, so a machine whose own speed moves from minute to minute
slows both of its runs alike, which whole runs of many seconds taken in turns do not cancel.

Run: python benchmarks/bench_run.py [events] [repetitions]   (default 100,000 events, 5)
     python benchmarks/bench_run.py --paired [events] [pairs]
     python benchmarks/bench_run.py --count [events]   (instructions, under callgrind)
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import orjson
from _callgrind import callgrind_parts
from _events import load_events

import actions.cli as cli
from actions.cli.jsonlines import outcome_lines, read_lines
from actions.engine.engine import ConfiguredDestination
from actions.engine.outcomes import Outcome

# The checkout whose code is measured (the subprocess runs the same code as this process).
ROOT = Path(cli.__file__).resolve().parent.parent.parent
STDLIB = "stdlib loop (json.loads, json.dumps)"
STREAM = "actions run, the stream only (cli.run_stream)"
SUBPROCESS = "actions run adjust (subprocess)"


def write_events(path: Path, count: int) -> int:
    """``count`` realistic events, one JSON line each (as ``json.dumps`` writes them); the
    file's size in bytes."""
    with path.open("wb") as handle:
        for event in load_events(count):
            handle.write(json.dumps(event).encode("utf-8") + b"\n")
    return path.stat().st_size


def stdlib_loop(source: Path, target: Path) -> None:
    loads, dumps = json.loads, json.dumps
    with source.open("rb") as handle, target.open("wb") as out:
        for line in handle:
            out.write((dumps(loads(line)) + "\n").encode("utf-8"))


def orjson_loop(source: Path, target: Path) -> None:
    loads, dumps, newline = orjson.loads, orjson.dumps, orjson.OPT_APPEND_NEWLINE
    with source.open("rb") as handle, target.open("wb") as out:
        for line in handle:
            out.write(dumps(loads(line), option=newline))


def run_main(source: Path, target: Path) -> None:
    code = cli.main(["run", "adjust", str(source), "-o", str(target), "-q"])
    assert code == 0, code


def run_stream(configured: ConfiguredDestination) -> Callable[[Path, Path], None]:
    def run(source: Path, target: Path) -> None:
        with source.open("rb") as handle, target.open("wb") as out:
            cli.run_stream(configured, read_lines(handle), out, None, False)

    return run


def engine_only(
    configured: ConfiguredDestination, events: list[Any]
) -> Callable[[Path, Path], None]:
    """The engine's share: ``process`` over the events already parsed, nothing read or
    written."""
    process = configured.process

    def run(_source: Path, _target: Path) -> None:
        for event in events:
            process(event)

    return run


def reading_only(source: Path, _target: Path) -> None:
    """The reading share: every line read, parsed and checked as ``actions run`` reads it."""
    with source.open("rb") as handle:
        for _ in read_lines(handle):
            pass


def writing_only(
    outcomes: list[tuple[int, list[Outcome]]],
) -> Callable[[Path, Path], None]:
    """The writing share: each outcome made a line (``outcome_lines``) and written."""

    def run(_source: Path, target: Path) -> None:
        line_of = outcome_lines(False)
        with target.open("wb") as out:
            write = out.write
            for number, listed in outcomes:
                for outcome in listed:
                    write(line_of(outcome, number)[1])

    return run


def run_subprocess(source: Path, target: Path) -> None:
    command = [sys.executable, "-m", "actions", "run", "adjust", str(source)]
    subprocess.run([*command, "-o", str(target), "-q"], check=True, cwd=ROOT)


def make_sides(source: Path) -> dict[str, Callable[[Path, Path], None]]:
    """Every side, set up for the events in ``source`` (Adjust configured, the events parsed
    and processed once for the engine's and the writing's shares)."""
    configured = cli._configure("adjust", None)
    with source.open("rb") as handle:
        events = [line.event for line in read_lines(handle)]
    outcomes = [(n, configured.process(e)) for n, e in enumerate(events, start=1)]
    sides = {
        STDLIB: stdlib_loop,
        "orjson loop (orjson.loads, orjson.dumps)": orjson_loop,
        "actions run adjust (in process, cli.main)": run_main,
        STREAM: run_stream(configured),
        SUBPROCESS: run_subprocess,
        "  of which the engine (process)": engine_only(configured, events),
        "  of which reading (read_lines)": reading_only,
        "  of which writing (outcome_lines, write)": writing_only(outcomes),
    }
    if not hasattr(cli, "run_stream"):  # older code, measured for comparison: no such function
        del sides[STREAM]
    return sides


def measure(count: int, repetitions: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        source, target = Path(folder, "events.jsonl"), Path(folder, "out.jsonl")
        size = write_events(source, count)
        print(f"{count:,} events, {size / count:,.0f} bytes a line on average")
        sides = make_sides(source)
        wall: dict[str, list[float]] = {name: [] for name in sides}
        cpu: dict[str, list[float]] = {name: [] for name in sides}
        for repetition in range(repetitions):
            for name, side in sides.items():
                start, used = time.perf_counter(), _cpu()
                side(source, target)
                wall[name].append(time.perf_counter() - start)
                cpu[name].append(_cpu() - used)
            print(f"  repetition {repetition + 1} of {repetitions} done", file=sys.stderr)
        with target.open("rb") as handle:
            written = sum(1 for _ in handle)
        print(f"the last run wrote {written:,} outcome lines")
    print(f"\nmedians of {repetitions} interleaved repetitions, µs per event (min–max):")
    for title, times in (("CPU time", cpu), ("wall clock", wall)):
        medians = {name: statistics.median(values) for name, values in times.items()}
        baseline = medians[STDLIB]
        print(f"{title}:")
        for name, seconds in medians.items():
            low, high = min(times[name]) / count * 1e6, max(times[name]) / count * 1e6
            print(
                f"  {name:<46} {seconds / count * 1e6:7.2f}  ({low:.2f}–{high:.2f})  "
                f"{seconds / baseline:5.2f}x the stdlib loop"
            )
    print(
        "\nCPU time is the figure to compare on a shared machine (the subprocess's is its own"
        " user and system time); the wall clock counts the time spent waiting for a core."
    )


def count_instructions(count: int) -> None:
    """Instructions per event of each in-process side, counted by callgrind (one warm-up
    pass, then one counted pass between two calls of ``os.getppid()``, as count_engine.py)."""
    with tempfile.TemporaryDirectory() as folder:
        source, target = Path(folder, "events.jsonl"), Path(folder, "out.jsonl")
        write_events(source, count)
        totals, stdout = callgrind_parts(__file__, ["--passes", str(source), str(target)])
    names = stdout.splitlines()
    counts = {name: totals[2 + 2 * index] for index, name in enumerate(names)}
    print(f"{count:,} events; instructions per event in one pass (callgrind):")
    for name, total in counts.items():
        print(f"  {name:<46} {total / count:9,.0f}  {total / counts[STDLIB]:5.2f}x the stdlib loop")


def passes(source: Path, target: Path) -> None:
    """The run callgrind watches: set up, then per side a warm-up and a marked pass."""
    sides = make_sides(source)
    for name, side in sides.items():
        if name == SUBPROCESS:
            continue
        print(name)
        side(source, target)
        os.getppid()  # a mark: callgrind writes its counts here
        side(source, target)
        os.getppid()
    sys.stdout.flush()
    os._exit(0)


def paired(count: int, pairs: int) -> None:
    """The stream against the stdlib loop in pairs of runs back to back (see the module)."""
    with tempfile.TemporaryDirectory() as folder:
        source, target = Path(folder, "events.jsonl"), Path(folder, "out.jsonl")
        write_events(source, count)
        configured = cli._configure("adjust", None)
        stream = run_stream(configured)
        for side in (stream, stdlib_loop, stream, stdlib_loop):  # warm-up
            side(source, target)
        ratios, streams, loops = [], [], []
        for pair in range(pairs):
            order = (stream, stdlib_loop) if pair % 2 else (stdlib_loop, stream)
            took = {}
            for side in order:
                start = time.thread_time()
                side(source, target)
                took[side] = time.thread_time() - start
            ratios.append(took[stream] / took[stdlib_loop])
            streams.append(took[stream])
            loops.append(took[stdlib_loop])
    low, _, high = statistics.quantiles(ratios, n=4)
    print(
        f"{pairs} pairs of {count:,} events: the stream {statistics.median(ratios):.3f}x the "
        f"stdlib loop (quartiles {low:.3f}x-{high:.3f}x); medians "
        f"{statistics.median(streams) / count * 1e6:.1f} and "
        f"{statistics.median(loops) / count * 1e6:.1f} us of CPU an event"
    )


def main() -> None:
    if sys.argv[1:2] == ["--passes"]:
        passes(Path(sys.argv[2]), Path(sys.argv[3]))
    if sys.argv[1:2] == ["--count"]:
        count_instructions(int(sys.argv[2]) if len(sys.argv) > 2 else 2000)
        return
    if sys.argv[1:2] == ["--paired"]:
        paired(
            int(sys.argv[2]) if len(sys.argv) > 2 else 1000,
            int(sys.argv[3]) if len(sys.argv) > 3 else 101,
        )
        return
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    repetitions = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    measure(count, repetitions)


def _cpu() -> float:
    """This process's CPU time, with that of its ended children (the subprocess side)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


if __name__ == "__main__":
    main()
