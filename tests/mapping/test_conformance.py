"""Runs every case of tests/mapping/conformance/*.yaml.

A file has an optional ``given`` event and ``settings`` shared by its cases. A case has a
``mapping`` and one expectation: ``result`` (the exact output, types included), ``missing: true``
(no value at all), or ``error`` (compile errors as ``[rule, data path]`` pairs). ``failures``
lists the JSON pointers of per-event failures (default: none). Set MAPPING_CASES=<file stem> to
run one file.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from actions.mapping import MISSING, DirectiveFailure, MappingError, MappingFailure, compile

HERE = Path(__file__).parent / "conformance"


def _load() -> list[Any]:
    only = os.environ.get("MAPPING_CASES")
    params = []
    for file in sorted(HERE.glob("*.yaml")):
        if only and file.stem != only:
            continue
        suite = yaml.safe_load(file.read_text(encoding="utf-8"))
        for index, case in enumerate(suite["cases"]):
            case_id = f"{file.stem}:{index}:{case.get('name', '')}"
            params.append(pytest.param(suite, case, id=case_id))
    return params


def strict(value: Any) -> Any:
    """A form where 1, 1.0 and True differ, for exact comparisons."""
    if isinstance(value, dict):
        return {k: strict(v) for k, v in value.items()}
    if isinstance(value, list):
        return [strict(v) for v in value]
    return (type(value).__name__ if value is not None else "null", value)


def _closure(compiled: Any, data: Any, settings: Any) -> tuple[Any, tuple[Any, ...]]:
    failures: list[Any] = []
    try:
        value = compiled.evaluator(data, settings or {}, failures)
    except DirectiveFailure as exc:
        failures.append(MappingFailure("", exc.message))
        value = MISSING
    return value, tuple(failures)


@pytest.mark.parametrize(("suite", "case"), _load())
def test_case(suite: dict[str, Any], case: dict[str, Any]) -> None:
    event = case.get("event", suite.get("given", {}))
    settings = case.get("settings", suite.get("settings"))
    mapping = case["mapping"]
    original = copy.deepcopy(mapping)
    if "error" in case:
        with pytest.raises(MappingError) as caught:
            compile(mapping)
        found = sorted([d.rule, d.data_path] for d in caught.value.diagnostics)
        assert found == sorted(case["error"]), "\n".join(str(d) for d in caught.value.diagnostics)
        return
    compiled = compile(mapping)
    snapshot = copy.deepcopy(event)
    if isinstance(event, dict):
        value, failures = compiled.evaluate(event, settings)
    else:
        # The public API refuses data that is not an object (tests/mapping/test_api.py); the
        # compiled closures still run on any value, as @arrayPath items and @transform
        # results can be: these cases test them directly.
        value, failures = _closure(compiled, event, settings)
    detail = f"mapping: {json.dumps(mapping)}\nevent: {json.dumps(event)}\nfailures: {failures}"
    if case.get("missing"):
        assert value is MISSING, detail
    else:
        assert value is not MISSING, detail
        assert strict(value) == strict(case["result"]), f"got {value!r}\n{detail}"
    assert sorted(f.pointer for f in failures) == sorted(case.get("failures", [])), detail
    assert mapping == original, "the mapping was mutated"
    assert event == snapshot, "the event was mutated"


def test_suite_size() -> None:
    assert len(_load()) >= 200
