"""docs/privacy.md's worked example: the files it shows are tests/privacy/example/, and the
outputs it shows are what they give."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import actions
from actions.cli import explain_lines, main

HERE = Path(__file__).parent / "example"
DOCS = (Path(__file__).parent.parent.parent / "docs" / "privacy.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", ["config.yaml", "suppressed.txt", "events.jsonl"])
def test_the_page_shows_the_files(name: str) -> None:
    assert (
        "```"
        + ("yaml" if name.endswith("yaml") else "")
        + "\n"
        + (HERE / name).read_text(encoding="utf-8")
        + "```"
        in DOCS
    )


def test_the_page_shows_the_outcomes(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(HERE)
    assert main(["run", "config.yaml", "events.jsonl", "--quiet"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 5
    for line in lines:
        assert "\n" + line + "\n" in DOCS
    assert "pepper" not in "\n".join(lines)


def test_the_page_shows_the_counts_and_explain(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(HERE)
    configured = actions.load_config("config.yaml")
    events = [json.loads(line) for line in Path("events.jsonl").read_text().splitlines()]
    for event in events:
        configured.process(event)
    assert "\n" + json.dumps(configured.counts.to_dict()) + "\n" in DOCS
    first_two = list(explain_lines(configured, events[1]))[:2]
    assert "```\n" + "\n".join(first_two) + "\n```" in DOCS
