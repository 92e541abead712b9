"""``actions diff``: two configs over the same events, per subscription and field."""

from __future__ import annotations

import json
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from actions.analysis import Differ
from actions.cli import main
from actions.engine.configfile import load_config
from actions.samples import load_sample_events

CONFIGS = Path(__file__).parent / "configs"
OLD, NEW = str(CONFIGS / "old.yaml"), str(CONFIGS / "new.yaml")


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any]:
    code = main(["diff", *args, "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


def test_a_config_against_itself_changes_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    code, report = _json(capsys, OLD, OLD, "--fail-on-change")
    assert code == 0
    assert report["changed"] == 0
    assert report["events"] == 67
    assert all(not s["kinds"] and not s["fields"] for s in report["subscriptions"])


def test_changes_per_subscription_and_field(capsys: pytest.CaptureFixture[str]) -> None:
    code, report = _json(capsys, OLD, NEW)
    assert code == 0
    assert report["changed"] == 8
    subs = {s["subscription"]: s for s in report["subscriptions"]}
    purchases = subs["Purchases and carts"]
    assert purchases["before"] == {"request": 8, "skipped": 3}
    assert purchases["after"] == {"request": 9, "skipped": 4}
    kinds = {(k["before"], k["after"]): k["count"] for k in purchases["kinds"]}
    assert kinds == {("(none)", "request"): 1, ("(none)", "skipped"): 1}
    fields = {(f["field"], f["change"]): f for f in purchases["fields"]}
    assert set(fields) == {("currency", "added"), ("currency", "changed")}
    changed = fields["currency", "changed"]
    assert changed["count"] == 3
    assert changed["examples"][0] == {"line": 17, "before": '"USD"', "after": '"EUR"'}
    assert subs["(destination)"]["kinds"][0]["count"] == 2  # no longer unmatched


def test_fail_on_change_and_the_other_formats(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", OLD, NEW, "--fail-on-change"]) == 1
    text = capsys.readouterr().out
    assert text.startswith("67 events, 8 with different outcomes")
    assert '  field currency changed: 3 events\n    line 17: before "USD"; after "EUR"' in text
    assert main(["diff", OLD, NEW, "--format", "github"]) == 0
    markdown = capsys.readouterr().out
    assert markdown.startswith("### actions diff\n\n**8** of 67 events have different outcomes.")
    assert "| request | 8 | 9 |" in markdown
    assert '| `currency` changed | 3 | line 17: before "USD"; after "EUR"<br>' in markdown


def test_no_secret_reaches_the_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = Path(OLD).read_text(encoding="utf-8")
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old.write_text(text.replace("settings:\n", "settings:\n  s2s_token: tok-OLD-5ecret\n"))
    new.write_text(text.replace("settings:\n", "settings:\n  s2s_token: tok-NEW-5ecret\n"))
    for form in ("text", "json", "github"):
        main(["diff", str(old), str(new), "--format", form])
        out = capsys.readouterr().out
        assert "5ecret" not in out
    _, report = _json(capsys, str(old), str(new))
    fields = report["subscriptions"][-1]["fields"]
    assert [(f["field"], f["change"], f["count"]) for f in fields] == [("(secret)", "changed", 8)]


def _stream(n: int) -> Iterator[dict[str, Any]]:
    samples = load_sample_events()
    for i in range(n):
        event = dict(samples[i % len(samples)])
        event["messageId"] = f"m{i}"
        yield event


def _peak(n: int) -> int:
    differ = Differ(load_config(Path(OLD)), load_config(Path(NEW)))
    tracemalloc.start()
    for i, event in enumerate(_stream(n)):
        differ.add(i, event)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def test_memory_stays_flat() -> None:
    small, large = _peak(400), _peak(2000)
    assert large < small * 1.25 + 20_000, (small, large)
