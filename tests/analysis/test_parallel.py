"""``--jobs``: diff and profile over several processes give the report of one process.

In process: the chunks of a stream read as the whole stream reads, and the tallies of any
split of a stream merge into its report (the profile's bounds applied as one pass applies them).
With real worker processes (a few, on small streams): ``--jobs 2`` prints what ``--jobs 1``
prints, and a worker that stops is an error, not a hang."""

from __future__ import annotations

import functools
import io
import itertools
import json
import multiprocessing
import os
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from actions.analysis import Differ, Profiler, parallel, profile
from actions.analysis.parallel import WorkerStopped, auto_jobs, chunks, diff_lines, profile_lines
from actions.cli import main
from actions.cli.analysis import READ
from actions.cli.jsonlines import read_lines
from actions.engine.configfile import load_config
from actions.samples import load_sample_events, sample_events_path

CONFIGS = Path(__file__).parent / "configs"
OLD, NEW, PROFILE = CONFIGS / "old.yaml", CONFIGS / "new.yaml", CONFIGS / "profile.yaml"

# -- chunks read as the whole stream reads ---------------------------------------------------

LINE = st.one_of(
    st.sampled_from(
        [b"", b"  ", b"\r", b'{"a": 1}', b'{"a": [1, 2]}', b"\xef\xbb\xbf{}", b"[]", b"nope"]
    ),
    st.binary(max_size=30),
    st.integers(5, 40).map(lambda n: b'{"k": "' + b"x" * n + b'"}'),
)


def _seen(lines: Any, offset: int = 0) -> list[tuple[int, Any, bool]]:
    return [(line.number + offset, line.event, line.error is not None) for line in lines]


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    lines=st.lists(LINE, max_size=30),
    end=st.booleans(),
    limit=st.integers(8, 40),
    size=st.integers(1, 64),
)
def test_chunks_read_as_the_whole_stream(
    lines: list[bytes], end: bool, limit: int, size: int
) -> None:
    data = b"\n".join(lines) + (b"\n" if end and lines else b"")
    read = functools.partial(read_lines, max_line_bytes=limit)
    whole = _seen(read(io.BytesIO(data)))
    parts: list[tuple[int, Any, bool]] = []
    for before, chunk in chunks(io.BytesIO(data), limit, size):
        if not chunk:  # a line too long to keep, counted by the parent
            parts.append((before + 1, None, True))
        elif before:
            parts.extend(_seen(read(io.BytesIO(b"\n" + chunk)), before - 1))
        else:
            parts.extend(_seen(read(io.BytesIO(chunk))))
    assert parts == whole


def test_a_chunk_holds_at_most_its_size_and_the_longest_line() -> None:
    data = b"".join(b'{"n": %d}\n' % i for i in range(2000)) + b"y" * 5000 + b"\n{}\n"
    found = list(chunks(io.BytesIO(data), 100, 256))
    assert max(len(chunk) for _, chunk in found) <= 256 + 104
    assert (2000, b"") in found  # the long line: its number, not its bytes
    assert found[-1] == (2001, b"{}\n")


# -- tallies of any split merge into the report ----------------------------------------------


def _stream(n: int, seed: int) -> list[Any]:
    """Sample events and odd ones, with names and keys many enough to reach small bounds."""
    rng = random.Random(seed)
    samples = load_sample_events()
    events: list[Any] = []
    for i in range(n):
        pick = rng.random()
        if pick < 0.6:
            event = dict(samples[rng.randrange(len(samples))])
        elif pick < 0.9:
            props = {f"p{rng.randrange(6)}": i, "k" * rng.choice([3, 250]): 1}
            event = {"type": "track", "event": f"E{rng.randrange(8)}", "properties": props}
        else:
            event = rng.choice(["text", 5, {"type": "identify", "traits": {"t": 1}}, {}])
        events.append(event)
    return events


def _splits(n: int, cuts: list[int]) -> list[tuple[int, int]]:
    points = sorted({0, n, *(c % (n + 1) for c in cuts)})
    return list(itertools.pairwise(points))


def _reference_profile(events: list[Any]) -> dict[str, Any]:
    """The bounded tables as counting event by event gives them (the bounds applied as each
    event comes)."""
    volume: dict[str, int] = {}
    keys: dict[str, dict[str, int]] = {}
    for event in events:
        name = profile._label(event)
        if name not in volume and len(volume) >= profile.MAX_NAMES:
            name = profile.OTHER_NAMES
        volume[name] = volume.get(name, 0) + 1
        values = event.get("properties") if isinstance(event, dict) else None
        if isinstance(event, dict) and not isinstance(values, dict):
            values = event.get("traits")
        if isinstance(values, dict) and values:
            seen = keys.setdefault(name, {})
            for key in values:
                shown = profile._text(key)
                if shown in seen:
                    seen[shown] += 1
                elif len(seen) < profile.MAX_KEYS:
                    seen[shown] = 1
    return {
        "volume": profile._by_count(volume),
        "properties": {name: profile._by_count(k) for name, k in sorted(keys.items())},
    }


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 1000), cuts=st.lists(st.integers(0, 200), max_size=6))
def test_profile_tallies_of_any_split_merge_into_the_report(seed: int, cuts: list[int]) -> None:
    configured = load_config(PROFILE)
    events = _stream(120, seed)
    small = {"MAX_NAMES": 5, "MAX_KEYS": 3, "MAX_REASONS": 2}
    with pytest.MonkeyPatch.context() as patch:
        for name, value in small.items():
            patch.setattr(profile, name, value)
        one = Profiler(configured, fold_every=7)  # folds as it goes
        for event in events:
            one.add(event)
        merged = Profiler(configured)
        for start, stop in _splits(len(events), cuts):
            worker = Profiler(configured, fold_every=1 << 62)
            for event in events[start:stop]:
                worker.add(event)
            worker.unreadable += 1
            merged.merge(worker.take())
        expected = _reference_profile(events)
        report = one.report()
    assert {k: report[k] for k in expected} == expected
    assert report["volume"][profile.OTHER_NAMES] > 0
    report["unreadable"] = len(_splits(len(events), cuts))
    assert merged.report() == report
    assert any(
        profile.OTHER_REASONS in e.get("reasons", {}) for e in report["subscriptions"].values()
    )


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 1000), cuts=st.lists(st.integers(0, 200), max_size=6))
def test_diff_tallies_of_any_split_merge_into_the_report(seed: int, cuts: list[int]) -> None:
    old, new = load_config(OLD), load_config(NEW)
    events = _stream(60, seed) + load_sample_events() * 2
    one = Differ(old, new)
    for line, event in enumerate(events, 1):
        one.add(line, event)
    merged = Differ(old, new)
    worker = Differ(old, new)
    for start, stop in _splits(len(events), cuts):
        for line in range(start, stop):
            worker.add(line + 1, events[line])
        merged.merge(worker.take())
    assert merged.report() == one.report()
    assert one.report()["changed"] >= 16  # more changes than examples kept


# -- worker processes -----------------------------------------------------------------------


def _lines(path: Path, n: int) -> None:
    """``n`` events with changes for the configs, and lines that cannot be read."""
    events = _stream(n, 1)
    rows = [json.dumps(e).encode() for e in events]
    rows[3:3] = [b"not json", b"", b"\xef\xbb\xbf{}", b"x" * 300]
    path.write_bytes(b"\xef\xbb\xbf" + b"\n".join(rows) + b"\n\n")


def _out(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    return code, capsys.readouterr().out


@pytest.mark.parametrize("command", ["diff", "profile"])
def test_two_jobs_print_what_one_prints(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: Any
) -> None:
    monkeypatch.setattr(parallel, "CHUNK_BYTES", 4096)  # many chunks from a small stream
    events = tmp_path / "events.jsonl"
    _lines(events, 600)
    if command == "diff":
        args = ["diff", str(OLD), str(NEW)]
    else:
        args = ["profile", "--config", str(PROFILE)]
    for source in (None, str(events)):
        where = [source] if source else []
        runs = {
            jobs: _out(capsys, *args, *where, "--format", "json", "--jobs", jobs)
            for jobs in ("1", "2")
        }
        assert runs["1"] == runs["2"]
        report = json.loads(runs["1"][1])
        assert report["events"] == (67 if source is None else 600)
        if source:
            assert report["unreadable"] == 3  # "not json", a byte-order mark on line 6, "xxx"
    assert _out(capsys, *args, str(events), "--jobs", "2") == _out(
        capsys, *args, str(events), "--jobs", "1"
    )


def test_lines_too_long_to_keep_are_counted_with_two_jobs(tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    rows = [json.dumps(e).encode() for e in _stream(50, 2)]
    rows[10:10] = [b" " * 200]
    events.write_bytes(b"\n".join(rows))
    read = functools.partial(read_lines, max_line_bytes=100)
    reports = []
    for jobs in (1, 2):
        with events.open("rb") as handle:
            reports.append(
                profile_lines(
                    load_config(PROFILE), handle, read, jobs=jobs, max_line_bytes=100
                ).report()
            )
    assert reports[0] == reports[1]
    assert reports[0]["unreadable"] > 1  # the long line, and events longer than 100 bytes


def _stop(self: Any, before: int, data: bytes) -> Any:
    os._exit(3)  # a worker that dies: killed, out of memory, a crash


def test_a_worker_that_stops_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: Any
) -> None:
    monkeypatch.setattr(parallel._Worker, "work", _stop)  # forked workers inherit it
    events = tmp_path / "events.jsonl"
    _lines(events, 50)
    old, new = load_config(OLD), load_config(NEW)
    with events.open("rb") as handle, pytest.raises(WorkerStopped, match="--jobs 1"):
        diff_lines(old, new, handle, read_lines, jobs=2)
    assert main(["profile", str(events), "--config", str(PROFILE), "--jobs", "2"]) == 2
    assert "a worker process stopped" in capsys.readouterr().err


def test_jobs_auto_uses_every_core_for_a_large_file(tmp_path: Path) -> None:
    small, large = tmp_path / "small.jsonl", tmp_path / "large.jsonl"
    small.write_bytes(b"{}\n")
    with large.open("wb") as handle:
        handle.truncate(parallel.AUTO_BYTES)  # sparse: nothing written
    assert auto_jobs(str(small)) == auto_jobs(None) == auto_jobs("-") == 1
    assert auto_jobs(str(large)) == parallel.cores()


@pytest.mark.parametrize("bad", ["0", "-1", "two", "65"])
def test_jobs_takes_auto_or_a_number(bad: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["profile", "--config", str(PROFILE), "--jobs", bad]) == 2
    assert "--jobs" in capsys.readouterr().err


def test_spawned_workers_configure_the_destinations_again(monkeypatch: Any) -> None:
    """Where workers cannot be forked (another thread runs, or not Linux), they are spawned
    and get the destinations pickled: configured again from their text."""
    monkeypatch.setattr(parallel, "_context", lambda: multiprocessing.get_context("spawn"))
    monkeypatch.setattr(parallel, "CHUNK_BYTES", 8192)
    data = sample_events_path().read_bytes()
    old, new = load_config(OLD), load_config(NEW)
    reports = [diff_lines(old, new, io.BytesIO(data), READ, jobs=jobs).report() for jobs in (1, 2)]
    assert reports[0] == reports[1]
    assert reports[0]["changed"] == 8
