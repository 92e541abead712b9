"""The worked examples of docs/plans.md are what the commands print on the shipped samples."""

from __future__ import annotations

from pathlib import Path

import pytest

from actions.cli import main

ROOT = Path(__file__).parent.parent.parent
DOCS = (ROOT / "docs" / "plans.md").read_text(encoding="utf-8")


def _block(command: str) -> str:
    """The output shown under ``$ command`` in the docs (up to the closing fence)."""
    start = DOCS.index(f"$ {command}\n") + len(command) + 3
    return DOCS[start : DOCS.index("```", start)]


def test_lint_example(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    command = "actions lint --plan actions/samples/plan.yaml mappings/ --format concise"
    assert main(command.split()[1:]) == 1
    assert capsys.readouterr().out == _block(command)


def test_diff_example(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    command = "actions diff tests/analysis/configs/old.yaml tests/analysis/configs/new.yaml"
    assert main(command.split()[1:]) == 0
    assert capsys.readouterr().out == _block(command)


def test_profile_example(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["profile", "--config", "adjust"]) == 0
    out = capsys.readouterr().out
    for line in _block("actions profile --config adjust").splitlines():
        if line.strip() != "...":
            assert line in out.splitlines(), line
