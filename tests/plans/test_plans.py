"""Tracking plans: the three input forms, located errors, events checked as they pass, and the
``--plan`` options of ``actions lint`` and ``actions run``. The lint rules' own cases are in
tests/lint/cases (with their plans in tests/lint/plans)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from actions.cli import main
from actions.errors import InvalidInputError
from actions.lint import lint_file
from actions.plans import EventChecker, PlannedObject, TrackingPlan, load_plan
from actions.plans.plan import plan_from_data
from actions.yamlsource import load_yaml

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


def test_findings_are_suppressed_where_they_point(tmp_path: Path) -> None:
    """A disable-line comment in the config silences the finding on its line; the plan's lines
    are the plan's (a finding located in the plan is not silenced by a config's comment)."""
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        "events:\n  A:\n    properties: {n: number, revenue: number, currency: string}\n  B: {}\n",
        encoding="utf-8",
    )
    config = tmp_path / "config.yaml"
    lines = [
        "destination: adjust",
        "settings: {app_token: a}",
        "subscriptions:",
        "  - action: send_event",
        '    trigger: event = "A" and properties.m > 1  # actions: disable-line=plan-unrouted',
    ]
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rules = [d.rule for d in lint_file(config, load_plan(plan))]
    assert rules == ["plan-unrouted", "plan-unknown-property"]  # B at line 4 of the plan
    lines[4] = lines[4].replace("plan-unrouted", "plan-unknown-property")
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert [d.rule for d in lint_file(config, load_plan(plan))] == ["plan-unrouted"]


_KEYS = st.text(min_size=1, max_size=8)
_SPECS = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEYS, inner, max_size=4),
    max_leaves=30,
)


@settings(max_examples=200, deadline=None)
@given(
    data=st.one_of(
        st.fixed_dictionaries({"events": st.dictionaries(_KEYS, _SPECS, max_size=4)}),
        st.fixed_dictionaries({"rules": st.lists(_SPECS, max_size=4)}),
        st.fixed_dictionaries({"rules": st.dictionaries(_KEYS, _SPECS, max_size=4)}),
        _SPECS,
    )
)
def test_any_document_is_a_plan_or_located_problems(data: Any) -> None:
    """Whatever the document, the loader gives a plan or refuses it with located problems,
    and a plan it gives checks any event without raising."""
    text = json.dumps(data)
    loaded = load_yaml(text, "plan.json")
    problems: tuple[Any, ...] = ()
    try:
        plan = plan_from_data(loaded.value, loaded.source)
    except InvalidInputError as exc:
        problems = exc.diagnostics
        plan = None
    if plan is None:
        assert problems
        assert all(d.location is not None for d in problems)
        return
    checker = EventChecker(plan)
    for name in list(plan.events)[:3]:
        checker.check({"type": "track", "event": name, "properties": {"x": [1]}})
