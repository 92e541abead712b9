"""Golden tests: each event of golden.yaml gives exactly the recorded outcomes."""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

import actions

HERE = Path(__file__).parent
GOLDEN = yaml.safe_load((HERE / "golden.yaml").read_text(encoding="utf-8"))
DESTINATION = actions.load_destination(HERE / GOLDEN["destination"])
CONFIGURED = actions.configure(DESTINATION, GOLDEN["settings"])
FULL = actions.configure(DESTINATION, GOLDEN["settings"], spec_check="full")


@pytest.mark.parametrize("case", GOLDEN["cases"], ids=[c["name"] for c in GOLDEN["cases"]])
def test_golden(case: dict[str, Any]) -> None:
    configured = FULL if case.get("spec_check") == "full" else CONFIGURED
    got = [o.to_dict() for o in configured.process(case["event"])]
    if got != case["expected"]:
        want_text = json.dumps(case["expected"], indent=1, sort_keys=True).splitlines()
        got_text = json.dumps(got, indent=1, sort_keys=True).splitlines()
        pytest.fail(
            "\n".join(difflib.unified_diff(want_text, got_text, "expected", "got", lineterm=""))
        )


def test_every_outcome_kind_and_field_type_is_covered() -> None:
    kinds = {o["kind"] for case in GOLDEN["cases"] for o in case["expected"]}
    assert kinds == {"request", "filtered", "skipped", "failed"}
    action = CONFIGURED.destination.actions["track"]
    assert {f.type for f in action.fields} >= {
        "string",
        "text",
        "number",
        "integer",
        "boolean",
        "datetime",
        "object",
    }
