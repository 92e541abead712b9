"""Tracking plans: the three input forms, located errors, events checked as they pass, and the
``--plan`` options of ``actions lint`` and ``actions run``. The lint rules' own cases are in
tests/lint/cases (with their plans in tests/lint/plans)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from actions.cli import main
from actions.errors import InvalidInputError
from actions.plans import EventChecker, PlannedObject, TrackingPlan, load_plan

HERE = Path(__file__).parent
FORMS = sorted((HERE / "forms").iterdir())
EVENTS = yaml.safe_load((HERE / "events.yaml").read_text(encoding="utf-8"))
ROOT = HERE.parent.parent


def _shape(planned: PlannedObject) -> dict[str, Any]:
    return {
        key: (sorted(p.types), p.required, _shape(p.children) if p.children else None)
        for key, p in planned.keys.items()
    }


def _plan_shape(plan: TrackingPlan) -> dict[str, Any]:
    return {
        name: {root: _shape(obj) for root, obj in event.roots.items()}
        for name, event in {**plan.events, **plan.calls}.items()
    }


@pytest.mark.parametrize("form", FORMS, ids=[f.name for f in FORMS])
def test_every_form_reads_as_the_same_plan(form: Path) -> None:
    assert _plan_shape(load_plan(form)) == _plan_shape(load_plan(HERE / "forms" / "plan.yaml"))


def test_a_planned_event_keeps_its_location() -> None:
    plan = load_plan(HERE / "forms" / "config-api.json")
    location = plan.events["Order Completed"].location
    assert location is not None
    assert location.line == 2
    revenue = plan.events["Order Completed"].roots["properties"].keys["revenue"]
    assert revenue.location is not None
    assert revenue.location.line == 6


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("events:\n  A:\n    properties: {n: numbr}\n", "'numbr' is not a JSON type", 3),
        ("events:\n  A:\n    properties: {n: {type: string, requird: true}}\n", "unknown key", 3),
        ('{"rules": [{"type": "TRACK"}]}', "needs a `key`", 1),
        ('{"rules": {"events": [{"version": 1}]}}', "needs a `name`", 1),
        ("- just a list\n", "a tracking plan is an object", 1),
        ("name: x\n", "has `rules`", 1),
    ],
)
def test_a_bad_plan_is_refused_with_located_problems(
    tmp_path: Path, text: str, message: str, line: int
) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidInputError) as caught:
        load_plan(path)
    problem = caught.value.diagnostics[0]
    assert message in problem.message
    assert problem.location is not None
    assert problem.location.line == line


@pytest.mark.parametrize("case", EVENTS, ids=[str(i) for i in range(len(EVENTS))])
def test_events_are_checked_against_the_plan(case: dict[str, Any]) -> None:
    checker = EventChecker(load_plan(HERE / "forms" / "plan.yaml"))
    assert sorted(checker.check(case["event"])) == case["violates"]
    assert checker.counts == dict.fromkeys(case["violates"], 1)


def test_lint_with_a_plan(capsys: pytest.CaptureFixture[str]) -> None:
    plan = str(ROOT / "tests" / "lint" / "plans" / "plan-type-mismatch.json")
    config = str(ROOT / "tests" / "lint" / "cases" / "plan-type-mismatch.yaml")
    assert main(["lint", config]) == 0
    capsys.readouterr()
    assert main(["lint", "--plan", plan, config, "--format", "concise"]) == 1
    out = capsys.readouterr().out
    assert "plan-type-mismatch.yaml:7:16: error: the plan types `properties.revenue`" in out
    assert main(["lint", "--plan", plan, config, "--ignore", "plan-type-mismatch"]) == 0


def test_the_shipped_packs_against_the_sample_plan(capsys: pytest.CaptureFixture[str]) -> None:
    """The worked example of docs/plans.md."""
    plan = str(ROOT / "actions" / "samples" / "plan.yaml")
    code = main(["lint", "--plan", plan, str(ROOT / "mappings"), "--format", "concise"])
    out = capsys.readouterr().out
    assert code == 1
    rules = sorted(line.rsplit("[", 1)[1] for line in out.splitlines() if "[" in line)
    assert rules == ["plan-unknown-property]"] * 3 + ["plan-unrouted]"] * 5, out
    assert "`properties.currency` is not in the plan for 'Application Installed'" in out


def test_run_counts_violations(capsys: pytest.CaptureFixture[str]) -> None:
    plan = str(ROOT / "actions" / "samples" / "plan.yaml")
    assert main(["run", "adjust", "--plan", plan, "-o", "/dev/null"]) == 0
    err = capsys.readouterr().err
    assert (
        "tracking plan violations (events): plan-type-mismatch: 1, plan-unknown-event: 15, "
        "plan-unknown-property: 3" in err
    )
