"""Segment subscriptions and destination filters in and out: the configs made from the Public
API's and Terraform's shapes (tests/interop/segment/, written from Segment's API reference),
what cannot convert as located findings, and the round trip import, export, import."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

import actions
from actions.errors import Severity
from actions.interop.segment import config_text, export_segment, import_segment
from actions.lint import lint

HERE = Path(__file__).parent / "segment"
ROOT = HERE.parent.parent.parent
API = [HERE / "subscriptions.json", HERE / "filters.json"]
TERRAFORM = [HERE / "terraform_show.json"]
SETTINGS = yaml.safe_load((ROOT / "mappings" / "adjust" / "settings.sample.yaml").read_text())
ACTIONS = {"aG7mLq2Vt8WxZ0bNc5HjpR": "send_event"}


def _findings(converted: Any) -> list[tuple[str, str, str, int]]:
    return [
        (d.rule, d.severity.value, Path(d.location.file).name, d.location.line)
        for d in converted.findings
    ]


def test_the_config_made_from_the_public_api() -> None:
    converted = import_segment(API, "adjust", settings=SETTINGS)
    expected = yaml.safe_load((HERE / "expected_config.yaml").read_text(encoding="utf-8"))
    assert converted.document == expected
    # Nothing left out in silence: each thing that did not convert is a located finding.
    assert _findings(converted) == [
        ("interop-batching", "info", "subscriptions.json", 17),
        ("interop-field", "error", "subscriptions.json", 32),
        ("interop-action", "error", "subscriptions.json", 41),
        ("interop-filter", "info", "filters.json", 52),
        ("interop-filter", "error", "filters.json", 60),
    ]


def test_an_action_named_on_the_command_line() -> None:
    converted = import_segment(API[:1], "adjust", settings=SETTINGS, actions=ACTIONS)
    names = [s["name"] for s in converted.document["subscriptions"]]
    assert names == ["Order Completed to Adjust", "Sign ups", "Identify users"]
    assert ("interop-field", "error", "subscriptions.json", 45) in _findings(converted)


def test_the_config_made_from_terraform() -> None:
    converted = import_segment(TERRAFORM, "adjust", settings=SETTINGS)
    assert converted.findings == ()
    document = converted.document
    assert document["subscriptions"] == [
        {
            "name": "Purchases",
            "action": "send_event",
            "trigger": 'type = "track" and event = "Order Completed"',
            "mapping": {
                "currency": {"@path": "$.properties.currency"},
                "revenue": {"@path": "$.properties.total"},
            },
        }
    ]
    assert document["filters"] == [
        {"name": "Drop bots", "drop": "contains(context.userAgent, 'bot')"},
        {
            "name": "Lean track properties",
            "allow_fields": {"properties": ["revenue", "currency", "order_id"]},
            "if": "type = 'track'",
        },
    ]
    assert document["x-segment"]["subscriptions"]["Purchases"] == {
        "id": "sub_7fGh2Jk9Lq4Xw1",
        "action_id": "pX3sBs6mZ1T9cKdQv4RyaE",
    }


def test_a_terraform_state_file_and_tf_json_are_read_too(tmp_path: Path) -> None:
    show = json.loads(TERRAFORM[0].read_text())
    resources = show["values"]["root_module"]["resources"]
    state = {
        "version": 4,
        "resources": [
            {"type": r["type"], "name": r["name"], "instances": [{"attributes": r["values"]}]}
            for r in resources
        ],
    }
    (tmp_path / "terraform.tfstate").write_text(json.dumps(state))
    from_state = import_segment([tmp_path / "terraform.tfstate"], "adjust", settings=SETTINGS)
    from_show = import_segment(TERRAFORM, "adjust", settings=SETTINGS)
    assert from_state.document == from_show.document


def _write(tmp_path: Path, name: str, document: dict[str, Any]) -> Path:
    path = tmp_path / name
    path.write_text(
        config_text(document) if name.endswith(".yaml") else json.dumps(document),
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize("shape", ["api", "terraform"])
def test_round_trip(tmp_path: Path, shape: str) -> None:
    files = [*API, *TERRAFORM]
    first = import_segment(files, "adjust", settings=SETTINGS, actions=ACTIONS)
    config = _write(tmp_path, "config.yaml", first.document)
    exported = export_segment(config, format=shape)  # type: ignore[arg-type]
    assert exported.findings == ()
    again = import_segment(
        [_write(tmp_path, "segment.json", exported.document)],
        "adjust",
        settings=SETTINGS,
        actions=ACTIONS,
    )
    assert again.findings == ()
    assert again.document == first.document


def test_the_config_lints_clean(tmp_path: Path) -> None:
    converted = import_segment(API, "adjust", settings=SETTINGS)
    config = _write(tmp_path, "config.yaml", converted.document)
    assert [str(d) for d in lint([str(config)]) if d.severity is not Severity.INFO] == []


def test_the_config_behaves_as_segment_does(tmp_path: Path) -> None:
    converted = import_segment(API, "adjust", settings=SETTINGS)
    configured = actions.load_config(_write(tmp_path, "config.yaml", converted.document))
    order = {
        "type": "track",
        "event": "Order Completed",
        "userId": "u-1",
        "messageId": "m-1",
        "properties": {"revenue": 12.5, "currency": "eur"},
        "context": {
            "os": {"name": "iOS"},
            "ip": "192.0.2.7",
            "userAgent": "App/1.0",
            "device": {"type": "ios", "advertisingId": "A-1", "id": "V-1"},
        },
    }
    [request] = configured.process(order)
    assert request.kind == "request"
    payload = request.payload
    assert payload["revenue"] == 12.5
    assert payload["currency"] == "EUR"  # @case upper
    assert payload["user_agent"] == "App/1.0"  # @liquid
    assert "ip_address" not in payload  # the No PII filter removed context.ip first
    # Only mobile events: an event from the web is dropped ("only send" became keep).
    [web] = configured.process({**order, "context": {**order["context"], "os": {"name": "Mac"}}})
    assert web.to_dict()["filter"] == "Only mobile events"
    [test] = configured.process({**order, "properties": {"test": True}})
    assert test.to_dict()["filter"] == "Drop internal tests"
    # A quarter of product views, by user: each user always in or always out.
    viewed = {**order, "event": "Product Viewed"}
    sample = "A quarter of product views"
    decisions = {
        user: {
            configured.process({**viewed, "userId": user})[0].to_dict().get("filter") == sample
            for _ in range(3)
        }
        for user in (f"user-{n}" for n in range(80))
    }
    assert all(len(seen) == 1 for seen in decisions.values())
    sampled_out = sum(seen == {True} for seen in decisions.values())
    assert 40 <= sampled_out <= 75


def test_what_segment_lacks_is_a_located_finding_on_export(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        """destination: adjust
settings: {app_token: abc}
filters:
  - {name: lean, allow_fields: {properties: [revenue]}}
  - {name: tests, drop: 'properties.test = true'}
subscriptions:
  - name: fine
    action: send_event
    trigger: 'type = "track"'
    mapping:
      revenue: {"@coalesce": [{"@path": "$.properties.revenue"}, 0]}
      currency: {"@path": "$.properties.currency"}
      event_token: {"@path": "$settings.event_tokens"}
      ip_address: {"@if": {when: 'context.ip != null', then: {"@path": "$.context.ip"}}}
      idfa: {"@path": "$.context.devices[*].id"}
  - name: lists
    action: send_event
    trigger: "event in ['A', 'B']"
  - name: quotes
    action: send_event
    trigger: "event = 'Order Completed'"
""",
        encoding="utf-8",
    )
    exported = export_segment(config)
    found = [(d.rule, d.severity.value, d.location.line) for d in exported.findings]
    assert found == [
        ("interop-directive", "error", 11),
        ("interop-directive", "error", 13),
        ("interop-directive", "error", 14),
        ("interop-directive", "error", 15),
        ("interop-trigger", "error", 18),
        ("interop-filter-order", "warning", 4),
    ]
    [fine, quotes] = exported.document["subscriptions"]
    assert fine["settings"] == {"currency": {"@path": "$.properties.currency"}}
    assert quotes["trigger"] == 'event = "Order Completed"'  # Segment's parser reads "..."


def test_the_commands(tmp_path: Path) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "actions", *args],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=False,
        )

    settings = str(ROOT / "mappings" / "adjust" / "settings.sample.yaml")
    config = tmp_path / "config.yaml"
    made = run("import", "segment", *map(str, API), "--destination", "adjust",
               "--settings", settings, "-o", str(config))  # fmt: skip
    assert made.returncode == 1  # findings of error severity
    assert "subscriptions.json:41:23: error: action 'identifyUser' has no counterpart" in (
        made.stderr
    )
    assert (
        yaml.safe_load(config.read_text())
        == import_segment(API, "adjust", settings=SETTINGS).document
    )
    out = tmp_path / "segment.tf.json"
    exported = run("export", "segment", str(config), "--format", "terraform", "-o", str(out))
    assert exported.returncode == 0, exported.stderr
    resources = json.loads(out.read_text())["resource"]
    assert sorted(resources) == ["segment_destination_filter", "segment_destination_subscription"]
    clean = run("import", "segment", str(out), "--destination", "adjust", "--settings", settings)
    assert clean.returncode == 0, clean.stderr


def test_a_trigger_segment_reads_differently_is_a_warning(tmp_path: Path) -> None:
    subscription = {
        "id": "s1",
        "name": "Mixed",
        "actionSlug": "sendEvent",
        "actionId": "a1",
        "enabled": True,
        "trigger": 'type = "track" and event = \'A\' or event = "B"',
        "settings": {},
    }
    path = tmp_path / "one.json"
    path.write_text(json.dumps({"data": {"subscription": subscription}}), encoding="utf-8")
    converted = import_segment([path], "adjust", settings=SETTINGS)
    messages = [(d.rule, d.severity.value, d.message) for d in converted.findings]
    assert [m[:2] for m in messages] == [("interop-trigger", "warning")] * 2
    assert "mixed without parentheses" in messages[0][2]
    assert "single quotes" in messages[1][2]
    assert converted.document["subscriptions"][0]["trigger"] == subscription["trigger"]


def test_a_reverse_etl_subscription_is_left_out_with_a_finding(tmp_path: Path) -> None:
    subscription = {
        "id": "s2",
        "name": "Rows",
        "actionSlug": "sendEvent",
        "actionId": "a1",
        "modelId": "79sGD3fRcxkj5YPgwoQqPv",
        "enabled": True,
        "trigger": 'event = "new"',
        "settings": {},
    }
    path = tmp_path / "retl.json"
    path.write_text(json.dumps([subscription]), encoding="utf-8")
    converted = import_segment([path], "adjust", settings=SETTINGS)
    assert converted.document["subscriptions"] == []
    [finding] = converted.findings
    assert (finding.rule, finding.severity.value) == ("interop-action", "error")
    assert "Reverse ETL" in finding.message
