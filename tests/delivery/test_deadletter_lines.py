"""A delivery dead letter's lines are what ``actions run`` writes: compact JSON, one valid UTF-8
line per record, whatever the record holds (a lone surrogate an event brought, NaN from an event
given in Python), in a real file."""

from __future__ import annotations

import json
from pathlib import Path

from actions.delivery.deadletter import DeadLetter


def test_a_dead_letter_writes_any_record_as_one_line_of_valid_utf8(tmp_path: Path) -> None:
    path = tmp_path / "dead.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        dead = DeadLetter(handle)
        dead.write({"kind": "delivery", "event": {"event": "Café", "n": 1.5}})
        dead.write({"kind": "delivery", "event": {"event": "bad \ud800 text"}})
        dead.write({"kind": "delivery", "event": {"revenue": float("nan")}})
    lines = path.read_bytes().split(b"\n")
    assert lines[-1] == b""
    first, second, third = lines[:-1]
    assert first == '{"kind":"delivery","event":{"event":"Café","n":1.5}}'.encode()
    assert json.loads(second)["event"]["event"] == "bad \ud800 text"  # escaped, as ASCII
    assert b"\\ud800" in second
    assert third == b'{"kind":"delivery","event":{"revenue":NaN}}'  # as these lines always were
    assert dead.count == 3
