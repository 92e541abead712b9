"""``actions diff`` of two configs that differ in their settings alone runs the old side and, of
the new side, only what the settings that differ can change (see ``_other_settings`` in
``actions/analysis/diff.py``): for random changes of each shipped pack's settings, secrets
included, the report is the one of each side run alone."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import actions
from actions.errors import ActionsError
from tests.analysis.test_diff import _apart, _body_events, _report

EVENTS = _body_events()
texts = st.sampled_from(["", " ", "x", "key_live_other", "ünï", "a/b?c=d&e", "\ud800"]) | st.text(
    max_size=6
)
EVENT_NAMES = ["Order Completed", "Product Added", "Signed Up", "Nope"]


def _values(kind: str) -> st.SearchStrategy[Any]:
    if kind == "boolean":
        return st.booleans()
    if kind == "object":
        return st.dictionaries(st.sampled_from(EVENT_NAMES), texts, max_size=3)
    return texts


@st.composite
def other_settings(draw: Any, slug: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The pack's sample settings, and the same with some settings changed or removed."""
    destination = actions.load_destination(slug)
    before = destination.sample_settings()
    after = dict(before)
    for name in draw(st.sets(st.sampled_from(sorted(destination.settings)), min_size=1)):
        spec = destination.settings[name]
        if not spec.required and draw(st.booleans()):
            after.pop(name, None)
        else:
            after[name] = draw(_values(spec.type))
    return before, after


def _configured(slug: str, values: dict[str, Any]) -> Any:
    return actions.configure(actions.load_destination(slug), values)


@pytest.mark.parametrize("slug", ["adjust", "branch", "kochava"])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_settings_diff_reports_what_each_side_alone_reports(slug: str, data: Any) -> None:
    before, after = data.draw(other_settings(slug))
    try:
        old, new = _configured(slug, before), _configured(slug, after)
    except ActionsError:
        assume(False)  # settings the pack refuses: no diff to take
    report = _report(old, new, EVENTS)
    assert report == _apart(_configured(slug, before), _configured(slug, after), EVENTS)


def test_a_changed_field_the_check_coerces_is_run_again() -> None:
    """A field that reads the changed setting into a value the payload check coerces (text
    into Kochava's integer ``usertime``) is not put into the old payload as it is mapped: the
    new side's pipeline runs, and the report is the one of each side run alone."""
    from tests.analysis.test_diff import _kochava

    screens = {
        "name": "Screens",
        "action": "send_event",
        "trigger": 'type = "screen"',
        "mapping": {"usertime": {"@path": "$settings.app_guid"}},
    }

    def make(guid: str) -> Any:
        return _kochava(screens, settings={"app_guid": guid})

    report = _report(make("1700000000"), make("1700000001"), EVENTS)
    assert report == _apart(make("1700000000"), make("1700000001"), EVENTS)
    screens_report = next(s for s in report["subscriptions"] if s["subscription"] == "Screens")
    changed = {f["field"] for f in screens_report["fields"]}
    assert {"usertime", "kochava_app_id"} <= changed
