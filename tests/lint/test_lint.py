"""Snapshot tests: each file in cases/ triggers one lint rule; its rendered text output is
stored beside it (cases/<rule>.txt). UPDATE_SNAPSHOTS=1 rewrites the snapshots."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from actions.errors import Severity
from actions.lint import BUILTIN_RULES as RULES
from actions.lint import REPORTERS, lint_file
from actions.plans import TrackingPlan, load_plan

HERE = Path(__file__).parent
CASES = sorted((HERE / "cases").glob("*.yaml"))


def _plan(case: Path) -> TrackingPlan | None:
    """The tracking plan a case is linted against (plans/<rule>.yaml or .json), if any."""
    for found in sorted((HERE / "plans").glob(case.stem + ".*")):
        return load_plan(Path("plans") / found.name)
    return None


def _render(case: Path) -> str:
    findings = lint_file(case.relative_to(Path.cwd()) if case.is_relative_to(Path.cwd()) else case)
    return REPORTERS["text"](findings).replace(str(HERE) + os.sep, "").replace("tests/lint/", "")


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_rule_snapshot(case: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(HERE)
    findings = lint_file(Path("cases") / case.name, _plan(case))
    assert case.stem in {d.rule for d in findings}, [d.rule for d in findings]
    rendered = REPORTERS["text"](findings)
    snapshot = case.with_suffix(".txt")
    if os.environ.get("UPDATE_SNAPSHOTS"):
        snapshot.write_text(rendered + "\n", encoding="utf-8")
    assert rendered + "\n" == snapshot.read_text(encoding="utf-8")


def test_every_rule_has_a_case_and_an_explanation() -> None:
    assert {c.stem for c in CASES} == set(RULES)
    for rule in RULES.values():
        assert len(rule.explanation) > 40
        assert rule.summary


def test_shipped_packs_are_clean() -> None:
    root = HERE.parent.parent / "mappings"
    for pack in sorted(root.iterdir()):
        assert lint_file(pack / "destination.yaml") == []


def test_inline_and_file_suppression(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        "destination: adjust\nsettings: {app_token: a}\nsubscriptions:\n"
        "  - action: send_event\n"
        "    trigger: type = 'track' and event = 'A' or event = 'B'  # actions: disable-line=mixed-and-or\n"
        "  - action: send_event\n"
        "    trigger: type = 'track' and properties.revnue > 0\n"
    )
    assert [d.rule for d in lint_file(config)] == ["unknown-event-field"]
    config.write_text(config.read_text() + "x-lint: {ignore: [unknown-event-field]}\n")
    assert lint_file(config) == []


def test_reporters(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(HERE)
    findings = lint_file(Path("cases") / "fql-syntax.yaml") + lint_file(
        Path("cases") / "mixed-and-or.yaml"
    )
    concise = REPORTERS["concise"](findings).splitlines()
    assert concise[0].startswith("cases/fql-syntax.yaml:5:29: error: ")
    data = json.loads(REPORTERS["json"](findings))
    assert data[0]["rule"] == "fql-syntax"
    assert data[0]["path"] == "$.subscriptions[0].trigger"
    assert data[0]["end_column"] == 31
    github = REPORTERS["github"](findings).splitlines()
    assert github[0].startswith(
        "::error file=cases/fql-syntax.yaml,line=5,col=29,endColumn=31,title=fql-syntax::"
    )
    assert github[1].startswith("::warning ")
    sarif = json.loads(REPORTERS["sarif"](findings))
    assert sarif["version"] == "2.1.0"
    run = sarif["runs"][0]
    assert {r["id"] for r in run["tool"]["driver"]["rules"]} == set(RULES)
    result = run["results"][0]
    assert result["ruleId"] == "fql-syntax"
    assert result["level"] == "error"
    region = result["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 5, "startColumn": 29, "endColumn": 31}
    assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == "fql-syntax"


def test_severities_are_declared() -> None:
    assert RULES["mixed-and-or"].severity is Severity.WARNING
    assert RULES["fql-syntax"].severity is Severity.ERROR


def test_every_rule_is_documented() -> None:
    docs = (HERE.parent.parent / "docs" / "lint.md").read_text(encoding="utf-8")
    for rule in RULES.values():
        assert f"### `{rule.id}` ({rule.severity.value})" in docs
        assert rule.explanation in docs


STAGES = [HERE / "stages" / "config.yaml", HERE / "stages" / "pack" / "destination.yaml"]


@pytest.mark.parametrize("case", STAGES, ids=["config", "pack"])
def test_a_schema_error_hides_no_other_finding(case: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One file with a schema error, an FQL error, an unknown setting reference and a lint
    rule's finding: all of them come out of one run."""
    monkeypatch.chdir(HERE)
    findings = lint_file(case.relative_to(HERE))
    rules = {d.rule for d in findings}
    assert {"schema", "fql-syntax", "unknown-setting-reference", "mixed-and-or"} <= rules, rules
    rendered = REPORTERS["text"](findings)
    snapshot = case.with_suffix(".txt")
    if os.environ.get("UPDATE_SNAPSHOTS"):
        snapshot.write_text(rendered + "\n", encoding="utf-8")
    assert rendered + "\n" == snapshot.read_text(encoding="utf-8")
