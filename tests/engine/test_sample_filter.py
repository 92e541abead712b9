"""The sample destination filter: a stable share of events, the same users every time and in
every process, with an ``if``; per-filter counts; Segment's filter order on request."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import actions
from actions.engine.config import Sample, segment_order

DEMO = Path(__file__).parent / "packs" / "demo"
SUBSCRIPTIONS = [{"name": "all", "action": "track", "trigger": 'type = "track"'}]


def _event(user: str, index: int = 0, **extra: Any) -> dict[str, Any]:
    return {
        "type": "track",
        "event": "E",
        "userId": user,
        "messageId": f"m-{user}-{index}",
        "context": {"device": {"id": "d"}},
        **extra,
    }


def _configure(filters: list[dict[str, Any]]) -> actions.ConfiguredDestination:
    return actions.configure(
        actions.load_destination(DEMO), {"api_key": "k"}, SUBSCRIPTIONS, filters
    )


def test_the_share_kept_is_close_to_the_percentage() -> None:
    configured = _configure([{"name": "ten", "sample": {"percent": 10, "by": "messageId"}}])
    for index in range(4000):
        configured.process(_event("u", index))
    counts = configured.counts
    assert counts.events == 4000
    assert 320 <= counts.delivered <= 480  # 10 % of 4000, well within 5 standard deviations
    assert counts.filtered == counts.filters["ten"] == 4000 - counts.delivered


def test_a_user_is_always_in_or_always_out() -> None:
    configured = _configure([{"name": "half", "sample": {"percent": 50, "by": "userId"}}])
    kinds = {}
    for user in (f"user-{n}" for n in range(200)):
        seen = {configured.process(_event(user, index))[0].kind for index in range(5)}
        assert len(seen) == 1, user
        kinds[user] = seen.pop()
    assert 60 <= list(kinds.values()).count("request") <= 140


def test_the_position_is_the_documented_hash() -> None:
    # The first 8 bytes of SHA-256 of the value's text, over 2**64, as a percentage: any
    # process and any implementation can tell whether a user is in.
    digest = hashlib.sha256(b"user-42").digest()
    expected = int.from_bytes(digest[:8], "big") * 100 / 2**64
    assert Sample(10, "userId").position({"userId": "user-42"}) == expected


def test_the_decision_is_the_same_in_another_process() -> None:
    code = (
        "from actions.engine.config import Sample;"
        "print([Sample(50, 'userId').keeps({'userId': f'u{n}'}) for n in range(40)])"
    )
    runs = {
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout
        for _ in range(2)
    }
    here = str([Sample(50, "userId").keeps({"userId": f"u{n}"}) for n in range(40)]) + "\n"
    assert runs == {here}


def test_no_user_id_falls_back_to_the_message_id() -> None:
    sample = Sample(50, "userId")
    event = {"messageId": "m-1"}
    assert sample.position(event) == sample.position({"userId": "m-1"})
    assert sample.position({"userId": None, "messageId": "m-1"}) == sample.position(event)


def test_zero_and_a_hundred_percent() -> None:
    none = _configure([{"sample": {"percent": 0, "by": "userId"}}])
    every = _configure([{"sample": {"percent": 100, "by": "userId"}}])
    for n in range(50):
        assert none.process(_event(f"u{n}"))[0].kind == "filtered"
        assert every.process(_event(f"u{n}"))[0].kind == "request"


def test_the_if_limits_the_sample() -> None:
    configured = _configure(
        [{"name": "s", "sample": {"percent": 0, "by": "userId"}, "if": 'event = "Noisy"'}]
    )
    assert configured.process(_event("u"))[0].kind == "request"
    [outcome] = configured.process({**_event("u"), "event": "Noisy"})
    assert outcome.to_dict()["filter"] == "s"
    assert outcome.to_dict()["reason"].startswith("sampled out by destination filter 's': ")


def test_explain_shows_the_decision() -> None:
    configured = _configure(
        [
            {"name": "half", "sample": {"percent": 50, "by": "userId"}},
            {"name": "no tests", "drop": "properties.test = true"},
        ]
    )
    users = [f"u{n}" for n in range(20)]
    decisions = {u: configured.explain_filters(_event(u)) for u in users}
    kept = [u for u in users if "sampled in" in decisions[u][0]]
    out = [u for u in users if "sampled out" in decisions[u][0]]
    assert kept
    assert out
    assert decisions[kept[0]][0].startswith("filter 'half': sample 50% by userId: sampled in (")
    assert len(decisions[kept[0]]) == 2  # a kept event goes on to the next filter
    assert len(decisions[out[0]]) == 1


SEGMENT_KINDS = [
    {"name": "allow", "allow_fields": {"properties": ["a"]}},
    {"name": "drop props", "drop_fields": {"properties": ["b"]}},
    {"name": "keep", "keep": "userId != null"},
    {"name": "sample", "sample": {"percent": 50}},
    {"name": "drop", "drop": "properties.test = true"},
]


def test_segment_order() -> None:
    assert [f["name"] for f in segment_order(SEGMENT_KINDS)] == [
        "sample",
        "keep",
        "drop",
        "drop props",
        "allow",
    ]


def test_filter_order_in_a_config(tmp_path: Path) -> None:
    # Allow Properties written first, Drop Properties second: in config order the allow list
    # has already removed b; in Segment's order b is dropped, then only a is allowed. The
    # difference shows with a filter that reads a property another removes.
    def config(order: str) -> Path:
        path = tmp_path / f"{order}.yaml"
        path.write_text(
            f"""destination: {DEMO}
settings: {{api_key: k}}
filter_order: {order}
filters:
  - {{name: only a, allow_fields: {{properties: [a]}}}}
  - {{name: no b-flagged, drop: 'properties.b = true'}}
subscriptions:
  - {{name: all, action: track, trigger: 'type = "track"'}}
""",
            encoding="utf-8",
        )
        return path

    event = _event("u", properties={"a": 1, "b": True})
    in_config_order = actions.load_config(config("config")).process(event)
    in_segment_order = actions.load_config(config("segment")).process(event)
    assert in_config_order[0].kind == "request"  # b was removed before the drop looked
    assert in_segment_order[0].kind == "filtered"  # Segment drops before it removes fields
    assert in_segment_order[0].to_dict()["filter"] == "no b-flagged"


@pytest.mark.parametrize(
    "bad",
    [
        {"sample": {"percent": 101}},
        {"sample": {"percent": -1}},
        {"sample": {"percent": 10, "by": "email"}},
        {"sample": {}},
        {"sample": {"percent": 10}, "drop": "userId = null"},
    ],
)
def test_bad_sample_filters_are_refused(tmp_path: Path, bad: dict[str, Any]) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(
        f"destination: {DEMO}\nsettings: {{api_key: k}}\nfilters: [{json.dumps(bad)}]\n",
        encoding="utf-8",
    )
    with pytest.raises(actions.ActionsError):
        actions.load_config(path)


def test_a_bad_sample_through_the_api_is_a_located_problem() -> None:
    with pytest.raises(actions.ActionsError) as caught:
        _configure([{"drop": "userId = null"}, {"sample": {"percent": "ten"}}])
    assert "sample filter needs a percent" in str(caught.value)
    assert "$.filters[1].sample" in str(caught.value)


def test_actions_explain_shows_an_event_sampled_out(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        f"""destination: {DEMO}
settings: {{api_key: k}}
filters:
  - {{name: none, sample: {{percent: 0, by: userId}}}}
subscriptions:
  - {{name: all, action: track, trigger: 'type = "track"'}}
""",
        encoding="utf-8",
    )
    event = tmp_path / "event.json"
    event.write_text(json.dumps(_event("user-7")), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "actions", "explain", str(config), str(event)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    position = Sample(0, "userId").position({"userId": "user-7"})
    assert (
        f"sampled out by destination filter 'none': its userId falls at {position:.2f}%, "
        "not under 0%" in result.stdout
    )


def test_explain_prints_each_filters_decision_sampled_in_or_out() -> None:
    from actions.cli import explain_lines

    configured = _configure([{"name": "half", "sample": {"percent": 50, "by": "userId"}}])
    decisions = {}
    for user in ("u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8"):
        lines = list(explain_lines(configured, _event(user)))
        (line,) = [x for x in lines if x.startswith("filter 'half'")]
        decisions[user] = line
    assert any("sampled in" in line for line in decisions.values())
    assert any("sampled out" in line for line in decisions.values())
