from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from actions import spec
from actions.spec import check_event, event_schema, suggest

CASES = yaml.safe_load((Path(__file__).parent / "cases.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case(case: dict[str, Any]) -> None:
    problems = check_event(case["event"])
    assert sorted(p.path for p in problems) == sorted(tuple(p) for p in case["problems"])
    for problem in problems:
        assert problem.message


@pytest.mark.parametrize("value", [None, 1, "track", [], [{"type": "track"}], True])
def test_non_object_event(value: object) -> None:
    [problem] = check_event(value)
    assert problem.path == ()
    assert "JSON object" in problem.message


def test_schema_is_valid_draft7() -> None:
    jsonschema.Draft7Validator.check_schema(event_schema())


json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=10,
)
field_names = st.sampled_from(
    [
        "type",
        "event",
        "userId",
        "anonymousId",
        "properties",
        "traits",
        "context",
        "integrations",
        "groupId",
        "previousId",
        "name",
        "timestamp",
        "version",
    ]
)
context_values = st.fixed_dictionaries(
    {},
    optional={
        "device": st.dictionaries(
            st.sampled_from(["id", "type", "advertisingId", "adTrackingEnabled"]), json_scalars
        ),
        "ip": json_scalars,
        "screen": st.dictionaries(st.sampled_from(["width", "height"]), json_scalars),
    },
)
events = st.dictionaries(
    field_names,
    st.sampled_from(list(spec.CALL_TYPES)) | json_values | context_values,
    max_size=8,
)


@settings(max_examples=300, deadline=None)
@given(events)
def test_fast_check_agrees_with_the_json_schema(event: dict[str, Any]) -> None:
    schema_valid = jsonschema.Draft7Validator(event_schema()).is_valid(event)
    assert (check_event(event) == ()) == schema_valid


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_never_raises(value: object) -> None:
    check_event(value)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("properties.revnue", "properties.revenue"),
        ("context.device.advertisingid", "context.device.advertisingId"),
        ("traits.emial", "traits.email"),
        ("properties.revenue", None),
        ("properties.zzzzqqq", None),
    ],
)
def test_suggest(path: str, expected: str | None) -> None:
    assert suggest(path) == expected
