"""``actions run`` on hostile input: every line is accounted for, the run never aborts, what is
written is valid UTF-8 JSON, and a line that gave no event can be replayed from its dead letter.
Also the other commands on odd input: explain's inline JSON, a closed standard output."""

from __future__ import annotations

import base64
import io
import json
import math
import os
import select
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import actions.cli as cli
from actions import jsonvalues
from actions.cli.jsonlines import MAX_DEPTH, _parse_bytes, _parse_json, dump, parse, read_lines
from actions.engine.outcomes import Skipped

ROOT = Path(__file__).resolve().parent.parent.parent

GOOD = json.dumps(
    {
        "type": "track",
        "event": "Order Completed",
        "userId": "u",
        "properties": {"revenue": 5},
        "context": {"device": {"type": "android", "id": "a1", "advertisingId": "g1"}},
    }
).encode()


def _deep(depth: int) -> list[Any]:
    """A list nested ``depth`` levels."""
    value: list[Any] = []
    for _ in range(depth - 1):
        value = [value]
    return value


def _nested(depth: int, open_: str = "[", close: str = "]") -> bytes:
    return (open_ * depth + close * depth).encode()


def _in_event(value: bytes) -> bytes:
    return b'{"type": "track", "event": "Order Completed", "userId": "u", "properties": {"x": ' + (
        value + b"}}"
    )


# (name, line, what the failed outcome's message says after "line N ")
HOSTILE: list[tuple[str, bytes, str]] = [
    ("not JSON", b"{not json", "is not JSON: Expecting property name"),
    ("truncated", GOOD[:40], "is not JSON:"),
    ("invalid UTF-8", b'{"type": "track", "event": "\xff\xfe"}', "is not UTF-8: byte 0xff at byte"),
    ("UTF-16 text", '{"type": "track"}'.encode("utf-16-le"), "is not"),
    ("encoded surrogate", b'{"event": "\xed\xa0\x80"}', "is not UTF-8: byte 0xed"),
    ("arrays 100,000 deep", _nested(100_000), f"is nested deeper than {MAX_DEPTH} levels"),
    ("objects 100,000 deep", _in_event(b'{"a": ' * 100_000 + b"1" + b"}" * 100_000), "deeper"),
    ("one level too deep", _nested(MAX_DEPTH + 1), f"is nested deeper than {MAX_DEPTH} levels"),
    ("an integer of 5,000 digits", _in_event(b"9" * 5000), "has an integer of more than 4,300"),
    ("NaN", _in_event(b"NaN"), "is not JSON: NaN is not a JSON number"),
    ("Infinity", _in_event(b"-Infinity"), "is not JSON: -Infinity is not a JSON number"),
    ("a float overflowing to infinity", _in_event(b"1e999"), "is too large for a double"),
    ("a byte-order mark after line 1", b"\xef\xbb\xbf" + GOOD, "starts with a byte-order mark"),
    ("a NUL byte", b'{"a": "\x00"}', "is not JSON: Invalid control character"),
]
# Lines that parse, with values that the engine or the writer must survive.
ODD_EVENTS: list[tuple[str, bytes, str]] = [
    ("a lone surrogate in a field sent", GOOD.replace(b'"a1"', b'"a\\ud800"'), "lone surrogate"),
    ("an event that is a string", b'"hello"', "must be a JSON object"),
    ("an event that is null", b"null", "must be a JSON object"),
    ("exactly the depth limit", _nested(MAX_DEPTH), "must be a JSON object"),
]


def actions(
    *args: str, stdin: bytes | None = None, cwd: Path = ROOT
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "actions", *args],
        input=stdin,
        capture_output=True,
        cwd=cwd,
        check=False,
    )


def _json_lines(data: bytes) -> list[dict[str, object]]:
    return [json.loads(line) for line in data.decode("utf-8").splitlines()]


@pytest.mark.parametrize(
    ("line", "message"), [(line, m) for _, line, m in HOSTILE], ids=[n for n, _, _ in HOSTILE]
)
def test_a_hostile_line_is_an_error_between_good_lines(line: bytes, message: str) -> None:
    stream = io.BytesIO(b"\n".join([GOOD, line, GOOD]) + b"\n")
    got = list(read_lines(stream))
    assert [item.number for item in got] == [1, 2, 3]
    assert got[0].error is None
    assert got[2].error is None
    assert message in str(got[1].error)
    assert got[1].event is None
    assert got[1].data == line  # kept as it was, to replay


@pytest.mark.parametrize(
    ("line", "_message"),
    [(line, m) for _, line, m in ODD_EVENTS],
    ids=[n for n, _, _ in ODD_EVENTS],
)
def test_odd_but_valid_lines_parse(line: bytes, _message: str) -> None:
    event, error = parse(line)
    assert error is None
    assert event == json.loads(line)


def test_run_goes_on_after_every_hostile_line(tmp_path: Path) -> None:
    # One run over every case, each between good lines: line 2k is case k, odd lines are good.
    cases = HOSTILE + ODD_EVENTS
    lines = [GOOD]
    for _, line, _ in cases:
        lines += [line, GOOD]
    dead, out = tmp_path / "dead.jsonl", tmp_path / "out.jsonl"
    data = b"\n".join(lines) + b"\n"
    result = actions("run", "adjust", "-", "-o", str(out), "--dead-letter", str(dead), stdin=data)
    assert result.returncode == 0, result.stderr
    outcomes = _json_lines(out.read_bytes())  # valid UTF-8, one JSON value a line
    by_line = {int(str(o["line"])): o for o in outcomes}
    assert sorted(by_line) == list(range(1, len(lines) + 1)), "every line is accounted for"
    assert len(outcomes) == len(lines)
    letters = {int(str(row["line"])): row for row in _json_lines(dead.read_bytes())}
    wrong = []
    for index, (name, line, message) in enumerate(cases):
        number = 2 * index + 2
        outcome, letter = by_line[number], letters.get(number)
        text = json.dumps(outcome)
        if outcome["kind"] != "failed" or message not in text or letter is None:
            wrong.append(f"{name}: {text[:200]}")
            continue
        if "raw" in letter:  # no event: the raw line, to replay
            replay = (
                base64.b64decode(str(letter["raw_base64"]))
                if "raw_base64" in letter
                else str(letter["raw"]).encode("utf-8")
            )
            if replay != line:
                wrong.append(f"{name}: the dead letter does not give back the line")
        elif letter["event"] != json.loads(line):
            wrong.append(f"{name}: the dead letter's event differs")
    assert not wrong, "\n".join(wrong)
    assert {by_line[n]["kind"] for n in range(1, len(lines) + 1, 2)} == {"request"}
    assert "Expecting" not in result.stderr.decode()  # nothing but the summary
    assert result.stderr.decode().startswith(f"{len(lines)} events in ")


def test_a_not_json_dead_letter_keeps_the_raw_text(tmp_path: Path) -> None:
    dead = tmp_path / "dead.jsonl"
    result = actions("run", "adjust", "-", "-q", "--dead-letter", str(dead), stdin=b"{nope\n")
    assert result.returncode == 0
    (row,) = _json_lines(dead.read_bytes())
    assert row["event"] is None
    assert row["raw"] == "{nope"
    assert "raw_base64" not in row


def test_a_lone_surrogate_is_written_as_an_escape(tmp_path: Path) -> None:
    dead = tmp_path / "dead.jsonl"
    line = GOOD.replace(b'"a1"', b'"a\\ud800"')
    result = actions("run", "adjust", "-", "-q", "--dead-letter", str(dead), stdin=line)
    assert result.returncode == 0
    written = dead.read_bytes()
    written.decode("utf-8")  # valid UTF-8
    assert b"\\ud800" in written
    (row,) = _json_lines(written)
    assert row["event"] == json.loads(line)


def test_a_byte_order_mark_on_line_one_is_ignored(tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    events.write_bytes(b"\xef\xbb\xbf" + GOOD + b"\n" + GOOD + b"\n")
    result = actions("run", "adjust", str(events), "-q")
    assert result.returncode == 0, result.stderr
    assert [o["kind"] for o in _json_lines(result.stdout)] == ["request", "request"]


def test_an_over_long_line_is_failed_with_its_length(tmp_path: Path) -> None:
    long = b'{"a": "' + b"x" * 10_000 + b'"}'
    data = b"\n".join([GOOD, long, GOOD, long]) + b"\n" + GOOD  # the last line has no newline
    dead = tmp_path / "dead.jsonl"
    result = actions(
        "run", "adjust", "-", "-q", "--max-line-bytes", "1000", "--dead-letter", str(dead),
        stdin=data,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    outcomes = _json_lines(result.stdout)
    assert [(o["line"], o["kind"]) for o in outcomes] == [
        (1, "request"),
        (2, "failed"),
        (3, "request"),
        (4, "failed"),
        (5, "request"),
    ]
    assert "line 2 is 10,009 bytes long, over the limit of 1,000 (--max-line-bytes)" in (
        json.dumps(outcomes[1])
    )
    rows = _json_lines(dead.read_bytes())
    assert [(r["raw"], r["length"]) for r in rows] == [(None, 10_009), (None, 10_009)]


class _Recording(io.BytesIO):
    """A stream that records the longest piece read from it, and that every read is bounded."""

    largest = 0

    def readline(self, limit: int | None = -1) -> bytes:
        assert limit is not None, "a line is never read without a limit"
        assert limit > 0, "a line is never read without a limit"
        chunk = super().readline(limit)
        self.largest = max(self.largest, len(chunk))
        return chunk


@pytest.mark.parametrize("size", [999, 1000, 1001, 1002, 200_000])
@pytest.mark.parametrize("ending", [b"\n", b"\r\n", b""], ids=["LF", "CRLF", "EOF"])
def test_the_line_limit_is_exact_and_reads_in_bounded_chunks(size: int, ending: bytes) -> None:
    line = b'"' + b"x" * (size - 2) + b'"'
    stream = _Recording(line + ending + b"1\n" if ending else line)
    got = list(read_lines(stream, max_line_bytes=1000))
    counted = size + (ending == b"\r\n")  # only the newline is left out
    if counted > 1000:
        assert got[0].error == (
            f"is {counted:,} bytes long, over the limit of 1,000 (--max-line-bytes)"
        )
        assert got[0].data is None
    else:
        assert got[0].error is None
        assert got[0].event == "x" * (size - 2)
    assert stream.largest <= 1 << 16
    if ending:
        assert got[1].number == 2
        assert got[1].event == 1


def test_fail_on_makes_the_exit_code_say_so() -> None:
    bad = b"{oops\n{oops\n"
    assert actions("run", "adjust", "-", "-q", stdin=bad).returncode == 0
    failing = actions("run", "adjust", "-", "--fail-on", "failed", stdin=bad)
    assert failing.returncode == 1
    assert "2 failed (--fail-on)" in failing.stderr.decode()
    assert actions("run", "adjust", "-", "-q", "--fail-on", "filtered", stdin=bad).returncode == 0
    assert (
        actions("run", "adjust", "-", "-q", "--fail-on", "skipped,failed", stdin=bad).returncode
        == 1
    )
    filtered = b'{"type": "page", "userId": "u"}\n'
    assert (
        actions("run", "adjust", "-", "-q", "--fail-on", "failed", stdin=filtered).returncode == 0
    )
    both = ["--fail-on", "skipped", "--fail-on", "filtered"]
    assert actions("run", "adjust", "-", "-q", *both, stdin=filtered).returncode == 1
    wrong = actions("run", "adjust", "-", "--fail-on", "request", stdin=filtered)
    assert wrong.returncode == 2
    assert b"not an outcome kind" in wrong.stderr


@pytest.mark.parametrize(
    "option", ["--max-line-bytes=0", "--max-line-bytes=lots", "--max-depth=-1"]
)
def test_bounds_must_be_positive(option: str) -> None:
    result = actions("run", "adjust", "-", option, stdin=GOOD)
    assert result.returncode == 2
    assert b"not a positive whole number" in result.stderr


def test_max_depth_option() -> None:
    line = _in_event(b'{"a": {"b": 1}}')  # 4 levels
    shallow = actions("run", "adjust", "-", "-q", "--max-depth", "3", stdin=line)
    assert b"line 1 is nested deeper than 3 levels" in shallow.stdout
    deep_enough = actions("run", "adjust", "-", "-q", "--max-depth", "4", stdin=line)
    assert b'"skipped"' in deep_enough.stdout  # no device id: the event went through


def test_explain_takes_inline_json_of_any_length() -> None:
    event = json.loads(GOOD)
    event["properties"]["note"] = "x" * 400
    result = actions("explain", "adjust", json.dumps(event))
    assert result.returncode == 0, result.stderr
    assert b"outcomes:" in result.stdout


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        ("[" * 100_000, b"the event is nested deeper than 64 levels"),
        ('{"a": ' + "9" * 5000 + "}", b"the event has an integer of more than 4,300 digits"),
        ("x" * 300, b"names no file, and is not JSON"),  # no OSError for a long name
        ("no-such-event.json", b"no-such-event.json names no file, and is not JSON"),
    ],
)
def test_explain_rejects_a_hostile_event_as_a_usage_error(argument: str, message: bytes) -> None:
    result = actions("explain", "adjust", argument)
    assert result.returncode == 2
    assert message in result.stderr
    assert b"internal error" not in result.stderr


def test_explain_reads_a_file_with_a_byte_order_mark(tmp_path: Path) -> None:
    file = tmp_path / "event.json"
    file.write_bytes(b"\xef\xbb\xbf" + GOOD)
    result = actions("explain", "adjust", str(file))
    assert result.returncode == 0, result.stderr
    file.write_bytes(b"\xff")
    result = actions("explain", "adjust", str(file))
    assert result.returncode == 2
    assert b"is not UTF-8" in result.stderr


@pytest.mark.parametrize(
    "args",
    [("schema", "destination"), ("run", "branch"), ("lint", "--explain", "mixed-and-or")],
    ids=["schema", "run", "lint"],
)
def test_a_closed_standard_output_ends_the_command_quietly(args: tuple[str, ...]) -> None:
    # The reader is gone before the command writes: every write meets a closed pipe.
    process = subprocess.Popen(
        [sys.executable, "-m", "actions", *args, "-q"] if args[0] == "run" else
        [sys.executable, "-m", "actions", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )  # fmt: skip
    assert process.stdout is not None
    assert process.stderr is not None
    process.stdout.close()
    stderr = process.stderr.read()
    assert process.wait(timeout=60) == 141
    assert stderr == b""


@pytest.mark.parametrize("head", [b"", b"\xef\xbb\xbf"], ids=["plain", "BOM"])
@pytest.mark.parametrize("position", [1, 2], ids=["line 1", "line 2"])
def test_an_over_long_line_never_spills_into_the_next(head: bytes, position: int) -> None:
    long = head + b'"' + b"x" * 5000 + b'"'
    lines = [long, b"2"] if position == 1 else [b"1", long, b"3"]
    got = list(read_lines(io.BytesIO(b"\n".join(lines) + b"\n"), max_line_bytes=1000))
    assert [item.number for item in got] == list(range(1, len(lines) + 1))
    assert "over the limit of 1,000" in str(got[position - 1].error)
    assert [item.event for item in got if item.number != position] == [
        json.loads(line) for line in lines if line is not long
    ]


# Any string Python can hold, lone surrogates included.
ANY_TEXT = st.text(alphabet=st.characters(exclude_categories=()))
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | ANY_TEXT,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(ANY_TEXT, children, max_size=4)
    ),
    max_leaves=30,
)


@given(st.lists(st.binary(max_size=80), max_size=12))
def test_any_bytes_give_lines_never_an_exception(pieces: list[bytes]) -> None:
    data = b"\n".join(pieces)
    got = list(read_lines(io.BytesIO(data), max_line_bytes=64))
    numbers = [item.number for item in got]
    assert numbers == sorted(set(numbers))
    assert all(1 <= n <= data.count(b"\n") + 1 for n in numbers)
    for item in got:
        assert (item.error is None) or (item.event is None)
        assert item.data is None or len(item.data) <= 64
        row = item.raw
        if item.data is not None and "raw_base64" not in row:
            assert str(row["raw"]).encode("utf-8") == item.data


@given(JSON_VALUES)
def test_what_is_written_is_one_line_of_utf8_json_that_reads_back(value: object) -> None:
    line = dump(value)
    assert line.endswith(b"\n")
    assert line.count(b"\n") == 1
    assert json.loads(line.decode("utf-8")) == value
    (item,) = read_lines(io.BytesIO(line))
    assert item.error is None
    assert item.event == value


class _Unwritable:
    """A destination whose outcomes JSON cannot hold (NaN, an infinity, a cycle), or that
    raises: what the engine never gives, for the writer's last line of defence."""

    def process(self, event: Any) -> list[Any]:
        kind = event["make"]
        if kind == "raise":
            raise RuntimeError("a defect")
        if kind == "cycle":
            cycle: list[Any] = []
            cycle.append(cycle)
            return [Skipped(None, None, cycle)]  # type: ignore[arg-type]
        return [Skipped(None, None, float(kind))]  # type: ignore[arg-type]


def test_an_outcome_that_cannot_be_written_is_a_failed_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli, "_configure", lambda *_, **__: _Unwritable())
    events, out = tmp_path / "events.jsonl", tmp_path / "out.jsonl"
    makes = ["nan", "inf", "cycle", "raise", "1.5"]
    events.write_text("".join(json.dumps({"make": m}) + "\n" for m in makes))
    assert cli.main(["run", "adjust", str(events), "-o", str(out), "-q"]) == 0
    written = _json_lines(out.read_bytes())
    assert [(o["line"], o["kind"]) for o in written] == [
        (1, "failed"),
        (2, "failed"),
        (3, "failed"),
        (4, "failed"),
        (5, "skipped"),
    ]
    assert "gave an outcome JSON cannot hold" in json.dumps(written[:3])
    assert "line 4 internal error: RuntimeError" in json.dumps(written[3])


def test_from_a_pipe_each_line_is_written_before_the_next_is_read() -> None:
    # docs/cli.md: from a pipe, a reader sees each event's outcomes as soon as it is processed
    # (from a file, outputs are written as the buffer fills). Standard output buffered, as
    # it is unless PYTHONUNBUFFERED says otherwise.
    buffered = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    process = subprocess.Popen(
        [sys.executable, "-m", "actions", "run", "adjust", "-", "-q"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        cwd=ROOT,
        env=buffered,
    )
    assert process.stdin is not None
    assert process.stdout is not None
    try:
        for number in (1, 2):
            process.stdin.write(GOOD + b"\n")
            process.stdin.flush()  # and the next line is not written until this one is out
            ready, _, _ = select.select([process.stdout], [], [], 60)
            assert ready, f"no outcome for line {number} while the input stays open"
            assert json.loads(process.stdout.readline())["line"] == number
    finally:
        process.stdin.close()
        assert process.wait(timeout=60) == 0
        process.stdout.close()


def test_run_with_standard_input_closed_reads_no_events() -> None:
    # `actions run adjust - <&-`: no standard input at all is an empty stream, not a defect.
    result = subprocess.run(
        [sys.executable, "-m", "actions", "run", "adjust", "-"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        cwd=ROOT,
        check=False,
        preexec_fn=lambda: os.close(0),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == b""
    assert b"0 events" in result.stderr


def test_a_dead_letter_of_hostile_lines_replays_and_keeps_what_fails_again(
    tmp_path: Path,
) -> None:
    """`actions run` keeps each line that gave no event as `raw` (`raw_base64` when not UTF-8);
    `actions replay` reads those lines again as `run` does: a line fixed by hand in the dead
    letter becomes an event, and one still broken fails again with its raw line kept."""
    source = tmp_path / "events.jsonl"
    source.write_bytes(b"{nope\n" + b'{"a": "\xff"}\n' + GOOD + b"\n")
    dead = tmp_path / "dead.jsonl"
    run = actions("run", "adjust", str(source), "-q", "--dead-letter", str(dead))
    assert run.returncode == 0, run.stderr
    rows = _json_lines(dead.read_bytes())
    assert [row["line"] for row in rows] == [1, 2]
    assert rows[0]["raw"] == "{nope"
    assert base64.b64decode(rows[1]["raw_base64"]) == b'{"a": "\xff"}'
    # Fix the first line by hand, as a user would, and replay the dead letter.
    rows[0]["raw"] = GOOD.decode("utf-8")
    fixed = tmp_path / "fixed.jsonl"
    fixed.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    again = tmp_path / "again.jsonl"
    replay = actions("replay", str(fixed), "--config", "adjust", "--dead-letter", str(again))
    assert replay.returncode == 1, replay.stderr  # the second line fails again
    outcomes = _json_lines(replay.stdout)
    assert [o["line"] for o in outcomes] == [1, 2]
    assert outcomes[0]["kind"] == "request"
    assert outcomes[1]["kind"] == "failed"
    assert "is not UTF-8" in outcomes[1]["problems"][0]["message"]
    (row,) = _json_lines(again.read_bytes())
    assert row["line"] == 2
    assert base64.b64decode(row["raw_base64"]) == b'{"a": "\xff"}'


def test_blank_is_ascii_whitespace_only() -> None:
    # docs/cli.md: a line of spaces, tabs, CR or form feeds is passed over; a line of other
    # whitespace is not JSON, so it is a failed line with its number.
    data = b"\n".join([b" \t\x0c\r", "\u00a0".encode(), "\u2028".encode(), b"\x1c", b""])
    got = list(read_lines(io.BytesIO(data)))
    assert [item.number for item in got] == [2, 3, 4]
    assert all(item.error and "not JSON" in item.error for item in got)


def test_replay_reads_dead_letter_rows_as_run_reads_lines(tmp_path: Path) -> None:
    """A dead-letter row whose event holds NaN (which Python's json.loads would accept) fails
    that row, as `actions run` fails such a line; the replay goes on and writes valid JSON."""
    rows = [
        '{"line": 1, "event": {"type": "track", "event": "x", "properties": {"revenue": NaN}}}',
        json.dumps({"line": 2, "event": json.loads(GOOD)}),
    ]
    dead = tmp_path / "dead.jsonl"
    dead.write_text("\n".join(rows) + "\n", encoding="utf-8")
    again = tmp_path / "again.jsonl"
    result = actions("replay", str(dead), "--config", "adjust", "--dead-letter", str(again))
    assert result.returncode == 1, result.stderr
    outcomes = _json_lines(result.stdout)
    assert [o["kind"] for o in outcomes] == ["failed", "request"]
    assert "NaN is not a JSON number" in outcomes[0]["problems"][0]["message"]
    assert [row["line"] for row in _json_lines(again.read_bytes())] == [1]


# orjson and json: ``actions run`` reads lines with orjson, and with the standard library's
# ``json`` where the two would differ: what a line gives (its event with the types of its
# values, or its error and the message) is what ``json`` alone gives, for every line.


def _same(line: bytes, max_depth: int = 64) -> None:
    """The line reads as ``json`` alone reads it: the same value, with the same types and key
    order (``repr`` shows them: 1, 1.0 and True differ, so do -0.0 and 0.0), or the same
    error."""
    fast, fast_error = _parse_bytes(line, max_depth)
    slow, slow_error = _parse_json(line, max_depth)
    assert fast_error == slow_error
    assert repr(fast) == repr(slow)


def _orjson_reads(line: bytes) -> tuple[bool, Any]:
    try:
        return True, orjson.loads(line)
    except orjson.JSONDecodeError:
        return False, None


# Lines that orjson alone reads otherwise than json does.
DIFFERING: list[tuple[str, bytes]] = [
    ("an integer beyond 64 bits", _in_event(b"18446744073709551616")),
    ("a negative integer beyond 64 bits", _in_event(b"-9223372036854775809")),
    ("a long integer after spaces", _in_event(b"  123456789012345678901234567890")),
    ("a long integer after a minus and spaces", b'{"a": [1,\t-12345678901234567890123]}'),
    ("a long integer first in an array", b'{"a": [99999999999999999999]}'),
    ("an integer of 4,300 digits", _in_event(b"7" * 4300)),
    ("a lone surrogate escape", b'{"a": "\\ud800"}'),
    ("a lone low surrogate escape, as a key", b'{"\\udc00": 1}'),
    ("a top-level long integer", b"123456789012345678901234567890"),
    ("arrays 1,025 deep", _nested(1025)),
]
# Lines that both read alike, near the edges of the checks.
ALIKE: list[tuple[str, bytes]] = [
    ("the largest 64-bit integers", b'{"a": [18446744073709551615, -9223372036854775808]}'),
    ("a long run of digits in a string", b'{"fingerprint": "48392017756201938471234"}'),
    ("a long run of digits after a colon in a string", b'{"a": "x:12345678901234567890"}'),
    ("a long float", _in_event(b"1234567890123456789012345.5e-3")),
    ("a float with many digits", _in_event(b"0.1000000000000000055511151231257827021181583404541")),
    ("a tiny float", _in_event(b"4.9e-325")),
    ("minus zero", b'{"a": [-0, -0.0, 0e0, 1E2, 1e-400]}'),
    ("duplicate keys", b'{"a": 1, "a": 2}'),
    ("escapes", b'{"a": "\\u00e9\\n\\"\\\\\\/\\ud834\\udd1e\\u0000"}'),
    ("non-ASCII text", '{"a": "é漢🎉\u2028"}'.encode()),
    ("spaces around everything", b' \t{ "a" : [ 1 , 2 ] }\r'),
    ("the depth limit", _nested(64)),
    ("a good event", GOOD),
]


@pytest.mark.parametrize(("name", "line"), DIFFERING, ids=[n for n, _ in DIFFERING])
def test_a_line_orjson_reads_otherwise_is_read_as_json_reads_it(name: str, line: bytes) -> None:
    accepted, value = _orjson_reads(line)
    slow, _ = _parse_json(line, 2000)
    assert not accepted or repr(value) != repr(slow), f"{name}: orjson reads it alike"
    _same(line, 2000)
    _same(line)
    _same(line, 1)


@pytest.mark.parametrize(
    ("name", "line"),
    [(n, line) for n, line, _ in HOSTILE + ODD_EVENTS] + ALIKE,
    ids=[n for n, _, _ in HOSTILE + ODD_EVENTS] + [n for n, _ in ALIKE],
)
def test_every_hostile_and_odd_line_reads_as_json_reads_it(name: str, line: bytes) -> None:
    _same(line)
    _same(line, 3)


def test_read_lines_gives_what_json_gives_for_each_line() -> None:
    lines = [line for _, line in DIFFERING + ALIKE] + [line for _, line, _ in HOSTILE]
    lines = [line for line in lines if b"\n" not in line and not line.startswith(b"\xef\xbb\xbf")]
    got = list(read_lines(io.BytesIO(b"\n".join(lines) + b"\n")))
    assert [item.number for item in got] == list(range(1, len(lines) + 1))
    for item, line in zip(got, lines, strict=True):
        event, error = _parse_json(line, 64)
        assert (repr(item.event), item.error) == (repr(event), error), line[:60]


# As JSON_VALUES, with integers beyond 64 bits and runs of digits in strings.
WIDE_JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | ANY_TEXT
    | st.from_regex(r"[0-9]{15,25}", fullmatch=True),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(ANY_TEXT, children, max_size=4)
    ),
    max_leaves=30,
)


@given(
    WIDE_JSON_VALUES, st.booleans(), st.sampled_from([(", ", ": "), (",", ":"), (" ,\t", " : ")])
)
@settings(max_examples=300)
def test_any_json_value_reads_as_json_reads_it(
    value: object, ascii_only: bool, separators: tuple[str, str]
) -> None:
    text = json.dumps({"v": value}, ensure_ascii=ascii_only, separators=separators)
    line = text.encode("utf-8", "surrogatepass")  # a raw lone surrogate: not UTF-8, both refuse
    _same(line)
    _same(line, 4)


JSON_TOKENS = st.lists(
    st.sampled_from(
        [
            *'0123456789-+.eE[]{}":, \\\t\x00é\ud800',
            *("true", "null", "NaN", "Infinity", "1e999", "\\u", "d800", "dc00", '"a"'),
            *("9" * 19, "1" * 20),
        ]
    ),
    max_size=30,
)


@given(JSON_TOKENS)
@settings(max_examples=500)
def test_any_text_of_json_tokens_reads_as_json_reads_it(tokens: list[str]) -> None:
    _same("".join(tokens).encode("utf-8", "surrogatepass"))


@given(st.binary(max_size=60))
def test_any_bytes_read_as_json_reads_them(data: bytes) -> None:
    _same(data)


def test_parse_drops_a_byte_order_mark_and_reads_as_json() -> None:
    line = b"\xef\xbb\xbf" + _in_event(b"123456789012345678901234567890")
    event, error = parse(line)
    assert error is None
    assert event["properties"]["x"] == 123456789012345678901234567890


def _json_alone(value: object) -> bytes:
    """``value`` as ``dump`` writes it with orjson refusing it: by json's encoder alone."""
    saved = jsonvalues._ORJSON_DUMPS

    def refuse(value: object, option: int = 0) -> bytes:
        raise TypeError("json alone")

    jsonvalues._ORJSON_DUMPS = refuse
    try:
        return dump(value)
    finally:
        jsonvalues._ORJSON_DUMPS = saved


def _typed(line: bytes) -> str:
    """The value of a written line, as json writes it: 1 and 1.0, 0.0 and -0.0, True and 1 told
    apart; a lone surrogate kept."""
    return json.dumps(json.loads(line.decode("utf-8")))


@given(WIDE_JSON_VALUES)
def test_what_is_written_is_the_value_json_writes(value: object) -> None:
    # Written by orjson (json's encoder for what orjson refuses): compact, one line of valid
    # UTF-8, and the same value as json.dumps gives, whichever encoder wrote it.
    # json's encoder alone writes what json.dumps writes with compact separators.
    compact = (",", ":")
    try:
        expected = json.dumps(value, ensure_ascii=False, separators=compact).encode("utf-8")
    except UnicodeEncodeError:
        expected = json.dumps(value, separators=compact).encode("ascii")
    line, alone = dump(value), _json_alone(value)
    assert alone == expected + b"\n"
    assert line.endswith(b"\n")
    assert line.count(b"\n") == 1
    assert _typed(line) == _typed(expected)


FLOATS = st.floats() | st.sampled_from([math.nan, math.inf, -math.inf, 1e16, 1e-7, -0.0])


@given(
    st.recursive(
        FLOATS | st.none() | st.sampled_from(["null", "NaN", "\ud800"]) | st.integers(),
        lambda children: (
            st.lists(children, max_size=4)
            | st.tuples(children, children)
            | st.dictionaries(st.text(max_size=3), children, max_size=4)
        ),
        max_leaves=12,
    )
)
def test_nan_and_the_infinities_are_never_written(value: object) -> None:
    # orjson writes NaN and the infinities as null: dump refuses them as json's encoder does.
    try:
        expected: bytes | None = json.dumps(value, allow_nan=False).encode("ascii")
    except ValueError:
        expected = None
    for write in (dump, _json_alone):
        if expected is None:
            with pytest.raises(ValueError, match=r"NaN and the infinities|Out of range float"):
                write(value)
        else:
            assert _typed(write(value)) == _typed(expected)


@pytest.mark.parametrize(
    ("value", "line"),
    [
        ({"a": 1, "b": [True, None, "é"]}, b'{"a":1,"b":[true,null,"\xc3\xa9"]}\n'),
        ({"n": 2**70}, b'{"n":1180591620717411303424}\n'),
        ({1: 2, None: 3}, b'{"1":2,"null":3}\n'),
        ({"a": "\ud800é"}, b'{"a":"\\ud800\\u00e9"}\n'),
        ({"f": 1e16, "g": 1e-7, "h": 0.5}, b'{"f":1e+16,"g":1e-7,"h":0.5}\n'),
        ({"deep": _deep(300)}, b'{"deep":' + b"[" * 300 + b"]" * 300 + b"}\n"),
    ],
    ids=[
        "plain",
        "an integer past 64 bits",
        "keys not strings",
        "a lone surrogate",
        "floats",
        "300 levels",
    ],
)
def test_written_lines(value: object, line: bytes) -> None:
    assert dump(value) == line


def test_too_deep_to_write_raises_recursion_error() -> None:
    with pytest.raises(RecursionError):
        dump(_deep(10_000))
