from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from actions import spec
from actions.spec import KNOWN_PATHS, KNOWN_PATHS_BY_TYPE, check_event, event_schema, suggest

HERE = Path(__file__).parent
CASES = yaml.safe_load((HERE / "cases.yaml").read_text(encoding="utf-8"))
SNAPSHOTS = yaml.safe_load((HERE / "snapshots.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case(case: dict[str, Any]) -> None:
    problems = check_event(case["event"])
    assert sorted(p.path for p in problems) == sorted(tuple(p) for p in case["problems"])
    for problem in problems:
        assert problem.message
        assert problem.hint


@pytest.mark.parametrize("snapshot", SNAPSHOTS, ids=[s["name"] for s in SNAPSHOTS])
def test_rendered_problems(snapshot: dict[str, Any]) -> None:
    assert [p.to_dict() for p in check_event(snapshot["event"])] == snapshot["problems"]


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
@given(json_values | events)
def test_never_raises(value: object) -> None:
    problems = check_event(value)
    assert isinstance(problems, tuple)
    assert len({p.path for p in problems}) == len(problems)  # one problem per field


def test_problems_are_hashable_and_immutable() -> None:
    [problem] = check_event({"type": "track", "userId": "u1"})
    assert problem in {problem}
    with pytest.raises(AttributeError):
        problem.message = "x"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("properties.revnue", "properties.revenue"),
        ("context.device.advertisingid", "context.device.advertisingId"),
        ("traits.emial", "traits.email"),
        ("properties.revenue", None),
        ("properties.zzzzqqq", None),
        ("context.os.nmae", "context.os.name"),
        ("context.campaign.soruce", "context.campaign.source"),
        ("properties.browser_fingerprint", "properties.browser_fingerprint_id"),
    ],
)
def test_suggest(path: str, expected: str | None) -> None:
    assert suggest(path) == expected


@pytest.mark.parametrize(
    ("path", "call_type", "expected"),
    [
        ("traits.emial", "identify", "traits.email"),
        ("traits.employes", "group", "traits.employees"),
        ("traits.employes", "identify", None),
        ("properties.revnue", "track", "properties.revenue"),
        ("properties.revnue", "page", None),
        ("properties.titel", "page", "properties.title"),
        ("previousid", "alias", "previousId"),
        ("context.device.advertisingid", "screen", "context.device.advertisingId"),
    ],
)
def test_suggest_for_one_call_type(path: str, call_type: str, expected: str | None) -> None:
    assert suggest(path, call_type) == expected


def test_known_paths() -> None:
    assert set(KNOWN_PATHS_BY_TYPE) == set(spec.CALL_TYPES)
    assert frozenset().union(*KNOWN_PATHS_BY_TYPE.values()) == KNOWN_PATHS
    common = {"userId", "context.device.advertisingId", "context.os.name", "integrations"}
    for call, paths in KNOWN_PATHS_BY_TYPE.items():
        assert common <= paths, call
    assert "properties.revenue" in KNOWN_PATHS_BY_TYPE["track"]
    assert "properties.revenue" not in KNOWN_PATHS_BY_TYPE["identify"]
    assert "traits.email" in KNOWN_PATHS_BY_TYPE["identify"]
    assert "groupId" in KNOWN_PATHS_BY_TYPE["group"]
    assert "previousId" in KNOWN_PATHS_BY_TYPE["alias"]
    assert {"name", "category", "properties.url"} <= KNOWN_PATHS_BY_TYPE["page"]
    # The consent and device-id fields the partners' guides name (ATT status, Adjust's adid).
    mobile = {
        "context.device.trackingStatus",
        "context.device.attTrackingStatus",
        "context.device.adid",
    }
    assert mobile <= KNOWN_PATHS_BY_TYPE["track"]


def test_sample_fields_are_documented_or_custom() -> None:
    """Every field the samples use at the Spec's top level and in context is documented."""
    from actions.samples import load_sample_events

    for event in load_sample_events():
        known = KNOWN_PATHS_BY_TYPE[event["type"]]
        for key in event:
            assert key in known, key
        for key, value in event["context"].items():
            assert f"context.{key}" in known, key
            if isinstance(value, dict) and key not in ("traits", "campaign"):
                for sub in value:
                    assert f"context.{key}.{sub}" in known, (key, sub)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("context.devcie.type", "context.device.type"),
        ("contxt.ip", "context.ip"),
        ("properties.products.price", None),
        ("properties.Revenue", "properties.revenue"),
        ("evnt", "event"),
    ],
)
def test_suggest_parents_and_case(path: str, expected: str | None) -> None:
    assert suggest(path) == expected


def test_call_type_fields_never_shadow_common_fields() -> None:
    """The fast check merges both tables per call type: a shared name would hide one rule."""
    for call, table in spec.PER_TYPE.items():
        assert not set(table) & set(spec.COMMON), call


def test_mapping_and_string_subclasses_are_json_values() -> None:
    """Pipelines may hand over OrderedDicts or str enums: the fast check declines them and the
    JSON Schema validator decides."""
    from collections import OrderedDict
    from enum import StrEnum

    class Call(StrEnum):
        TRACK = "track"

    context: OrderedDict[str, object] = OrderedDict(ip="1")
    event = OrderedDict(type=Call.TRACK, event="X", userId="u1", context=context)
    assert check_event(event) == ()
    context["ip"] = 1
    assert [p.path for p in check_event(event)] == [("context", "ip")]
