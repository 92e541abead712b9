"""The engine's default Spec check: the envelope of every event, then the fields each matching
subscription reads (``check_envelope`` and ``fields_check``)."""

from __future__ import annotations

import re
from collections import OrderedDict
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from actions import spec
from actions.spec import check_envelope, check_event, fields_check

HERE = Path(__file__).parent
CASES = yaml.safe_load((HERE / "reads.yaml").read_text(encoding="utf-8"))


def keys(dotted: str) -> tuple[str, ...]:
    return tuple(dotted.split(".")) if dotted else ()


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case(case: dict[str, Any]) -> None:
    event = case["event"]
    envelope = check_envelope(event)
    assert sorted(p.path for p in envelope) == sorted(tuple(p) for p in case["envelope"])
    if envelope:
        assert envelope == check_event(event)
        return
    problems = fields_check([keys(r) for r in case["reads"]]).check(event)
    assert sorted(p.path for p in problems) == sorted(tuple(p) for p in case["fields"])


def test_reading_nothing_checks_nothing() -> None:
    check = fields_check([])
    assert check.tables == {}
    assert check.check({"type": "track", "event": "X", "userId": "u", "context": {"ip": 5}}) == ()


def test_the_selected_table_is_shown() -> None:
    check = fields_check([("context", "device", "id"), ("context", "os"), ("event",)])
    table = check.tables["track"]
    assert table["context"]["device"] == {"id": "string"}
    assert table["context"]["os"] == {"name": "string", "version": "string"}
    assert table["event"] == "string"
    assert "event" not in check.tables["identify"]  # not a documented identify field
    assert "FieldsCheck(tables=" in repr(check)


def test_subclasses_are_judged_by_the_schema() -> None:
    context = OrderedDict(device=OrderedDict(id="D1"))
    event = {"type": "track", "event": "X", "userId": "u1", "context": context}
    assert check_envelope(event) == ()
    assert fields_check([("context", "device", "id")]).check(event) == ()
    context["device"]["id"] = 5
    [problem] = fields_check([("context", "device", "id")]).check(event)
    assert problem.path == ("context", "device", "id")


json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
context_values = st.fixed_dictionaries(
    {},
    optional={
        "device": st.dictionaries(st.sampled_from(["id", "type", "model"]), json_scalars)
        | json_scalars,
        "ip": json_scalars,
        "os": st.dictionaries(st.sampled_from(["name", "version"]), json_scalars) | json_scalars,
        "traits": st.dictionaries(st.text(max_size=3), json_scalars, max_size=2) | json_scalars,
    },
)
events = st.fixed_dictionaries(
    {"type": st.sampled_from(spec.CALL_TYPES), "userId": st.sampled_from(["u1", "", 5, None])},
    optional={
        "anonymousId": st.sampled_from(["a1", 5]),
        "event": st.sampled_from(["X", 5]),
        "groupId": st.sampled_from(["g", 5, None]),
        "previousId": st.sampled_from(["p", None]),
        "timestamp": json_scalars,
        "properties": st.dictionaries(st.sampled_from(["revenue"]), json_scalars) | json_scalars,
        "context": context_values | json_scalars,
        "integrations": st.dictionaries(st.sampled_from(["All", "Adjust"]), json_scalars),
    },
)
read_paths = st.lists(
    st.sampled_from(
        [
            (),
            ("event",),
            ("timestamp",),
            ("properties", "revenue"),
            ("context",),
            ("context", "device"),
            ("context", "device", "id"),
            ("context", "os", "name"),
            ("context", "ip"),
            ("context", "traits", "email"),
            ("userId",),
        ]
    ),
    max_size=4,
)


@settings(max_examples=400, deadline=None)
@given(events, read_paths)
def test_fields_check_is_the_full_check_narrowed_to_the_fields_read(
    event: dict[str, Any], reads: list[tuple[str, ...]]
) -> None:
    full = check_event(event)
    envelope = check_envelope(event)
    if envelope:
        assert envelope == full
        return
    check = fields_check(reads)
    expected = tuple(p for p in full if check.covers(event["type"], p.path))
    assert check.check(event) == expected
    # The quick test for the event's own call type is the quick test.
    assert check.valid_by_type[event["type"]](event) is check.valid(event)
    if check.valid(event):
        assert expected == ()


@settings(max_examples=400, deadline=None)
@given(events)
def test_envelope_and_whole_event_read_together_are_the_full_check(event: dict[str, Any]) -> None:
    full = check_event(event)
    combined = check_envelope(event) or fields_check([()]).check(event)
    assert combined == full


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.lists(st.text(min_size=1, max_size=6), min_size=1, max_size=3).map(tuple),
            st.sampled_from([frozenset({str}), frozenset({int, float})]),
        ),
        max_size=6,
    )
)
def test_no_key_is_written_into_the_source_of_a_fields_check(
    probes: list[tuple[tuple[str, ...], frozenset[type]]],
) -> None:
    # Keys that are a prefix of another are objects on the way there, not leaves.
    paths = [keys for keys, _ in probes]
    probes = [
        (keys, kinds)
        for keys, kinds in dict(probes).items()
        if not any(other[: len(keys)] == keys and other != keys for other in paths)
    ]
    source, constants, types = spec._probe_source(probes)
    # The text is made of our words, indices and punctuation alone; the keys are constants.
    ours = {"def", "check", "data", "get", "if", "is", "not", "in", "type", "return", "dict"}
    ours |= {"False", "True", "ABSENT", "K", "A", "get0", "get1", "get2", "o1", "o2", "o3"}
    for token in re.findall(r"[^\W\d]\w*|\d+|\S", source):
        assert token in ours or token.isdigit() or token in "()[]:=,.", token
    assert set(constants) == {key for keys, _ in probes for key in keys}
    assert len(types) == len(probes)
