"""Runs tests/fql/conformance/*.yaml: each file has a ``given`` event and ``cases``, each case a
pair ``[trigger, expected]`` where expected is true, false, or ``{error: kind}``.
Set FQL_CASES=<file stem> to run one file."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from actions import fql
from actions.fql import reference

HERE = Path(__file__).parent / "conformance"


def _load() -> list[Any]:
    only = os.environ.get("FQL_CASES")
    params = []
    for file in sorted(HERE.glob("*.yaml")):
        if only and file.stem != only:
            continue
        suite = yaml.safe_load(file.read_text(encoding="utf-8"))
        for index, (trigger, expected) in enumerate(suite["cases"]):
            params.append(
                pytest.param(suite["given"], trigger, expected, id=f"{file.stem}:{index}:{trigger}")
            )
    return params


@pytest.mark.parametrize(("event", "trigger", "expected"), _load())
def test_case(event: Any, trigger: str, expected: Any) -> None:
    if isinstance(expected, dict):
        with pytest.raises(fql.FQLSyntaxError) as caught:
            fql.compile(trigger)
        assert caught.value.kind == expected["error"], caught.value.render()
        return
    compiled = fql.compile(trigger)
    assert compiled.matches(event) is expected, compiled.explain(event).render()
    assert reference.matches(compiled.ast, event) is expected
    # The canonical text means the same thing.
    again = fql.compile(fql.format(compiled.ast))
    assert again.ast == compiled.ast
    assert again.matches(event) is expected


def test_suite_size() -> None:
    assert len(_load()) >= 200
