"""``actions diff``: two configs over the same events, per subscription and field."""

from __future__ import annotations

import json
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import actions
from actions.analysis import Differ
from actions.analysis.diff import _named
from actions.cli import main
from actions.engine.configfile import load_config
from actions.samples import load_sample_events

CONFIGS = Path(__file__).parent / "configs"
OLD, NEW = str(CONFIGS / "old.yaml"), str(CONFIGS / "new.yaml")


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any]:
    code = main(["diff", *args, "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


def test_a_config_against_itself_changes_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    code, report = _json(capsys, OLD, OLD, "--fail-on-change")
    assert code == 0
    assert report["changed"] == 0
    assert report["events"] == 67
    assert all(not s["kinds"] and not s["fields"] for s in report["subscriptions"])


def test_changes_per_subscription_and_field(capsys: pytest.CaptureFixture[str]) -> None:
    code, report = _json(capsys, OLD, NEW)
    assert code == 0
    assert report["changed"] == 8
    subs = {s["subscription"]: s for s in report["subscriptions"]}
    purchases = subs["Purchases and carts"]
    assert purchases["before"] == {"request": 8, "skipped": 3}
    assert purchases["after"] == {"request": 9, "skipped": 4}
    kinds = {(k["before"], k["after"]): k["count"] for k in purchases["kinds"]}
    assert kinds == {("(none)", "request"): 1, ("(none)", "skipped"): 1}
    fields = {(f["field"], f["change"]): f for f in purchases["fields"]}
    assert set(fields) == {("currency", "added"), ("currency", "changed")}
    changed = fields["currency", "changed"]
    assert changed["count"] == 3
    assert changed["examples"][0] == {"line": 17, "before": '"USD"', "after": '"EUR"'}
    assert subs["(destination)"]["kinds"][0]["count"] == 2  # no longer unmatched


def test_fail_on_change_and_the_other_formats(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", OLD, NEW, "--fail-on-change"]) == 1
    text = capsys.readouterr().out
    assert text.startswith("67 events, 8 with different outcomes")
    assert '  field currency changed: 3 events\n    line 17: before "USD"; after "EUR"' in text
    assert main(["diff", OLD, NEW, "--format", "github"]) == 0
    markdown = capsys.readouterr().out
    assert markdown.startswith("### actions diff\n\n**8** of 67 events have different outcomes.")
    assert "| request | 8 | 9 |" in markdown
    assert '| `currency` changed | 3 | line 17: before "USD"; after "EUR"<br>' in markdown


def test_no_secret_reaches_the_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = Path(OLD).read_text(encoding="utf-8")
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old.write_text(text.replace("settings:\n", "settings:\n  s2s_token: tok-OLD-5ecret\n"))
    new.write_text(text.replace("settings:\n", "settings:\n  s2s_token: tok-NEW-5ecret\n"))
    for form in ("text", "json", "github"):
        main(["diff", str(old), str(new), "--format", form])
        out = capsys.readouterr().out
        assert "5ecret" not in out
    _, report = _json(capsys, str(old), str(new))
    fields = report["subscriptions"][-1]["fields"]
    assert [(f["field"], f["change"], f["count"]) for f in fields] == [("(secret)", "changed", 8)]


def _stream(n: int) -> Iterator[dict[str, Any]]:
    samples = load_sample_events()
    for i in range(n):
        event = dict(samples[i % len(samples)])
        event["messageId"] = f"m{i}"
        yield event


def _peak(n: int) -> int:
    differ = Differ(load_config(Path(OLD)), load_config(Path(NEW)))
    tracemalloc.start()
    for i, event in enumerate(_stream(n)):
        differ.add(i, event)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def test_memory_stays_flat() -> None:
    small, large = _peak(400), _peak(2000)
    assert large < small * 1.25 + 20_000, (small, large)


# -- shared work: each side's report is what running it alone gives ----------------------------


def _kochava(*changes: dict[str, Any], settings: dict[str, Any] | None = None) -> Any:
    """Kochava's presets with ``changes`` (a subscription by name: replaced, or added; with
    ``drop``: removed)."""
    destination = actions.load_destination("kochava")
    subs = [
        attrs.asdict(s)
        for s in actions.configure(destination, destination.sample_settings()).subscriptions
    ]
    for change in changes:
        subs = [s for s in subs if s["name"] != change["name"]]
        if not change.get("drop"):
            subs.append(change)
    return actions.configure(
        destination, {**destination.sample_settings(), **(settings or {})}, subs
    )


def _apart(old: Any, new: Any, events: list[Any]) -> dict[str, Any]:
    """The report of running each side on its own, outcome by outcome."""
    differ = Differ(old, new)
    differ._sides = lambda event: (_named(old.process(event)), _named(new.process(event)))
    for line, event in enumerate(events, 1):
        differ.add(line, event)
    return differ.report()


def _events() -> list[Any]:
    samples = load_sample_events()
    odd: list[Any] = [
        {"type": "track"},  # fails the Spec check
        {"type": "track", "event": "Order Completed", "integrations": {"All": False}},
        {**samples[0], "integrations": {"Kochava": False}},
        {"type": "track", "event": 5, "userId": "u", "messageId": "m"},
        "not an object",
    ]
    return samples + odd


SCREEN = {"name": "Screens", "action": "send_event", "trigger": 'type = "screen"'}
CHANGES: dict[str, tuple[Any, ...]] = {
    "a mapping": ({**SCREEN, "mapping": {"currency": "EUR"}},),
    "a trigger": ({**SCREEN, "trigger": 'type = "screen" and name = "Home"'},),
    "one gone, one new": (
        {"name": "Installs", "drop": True},
        {"name": "Pages", "action": "send_event", "trigger": 'type = "page"'},
    ),
    "one turned off": ({**SCREEN, "enabled": False},),
    "a field that fails": ({**SCREEN, "mapping": {"usertime": "soon"}},),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_changed_subscriptions_alone_run_twice(change: str) -> None:
    old, new = _kochava(), _kochava(*CHANGES[change])
    events = _events()
    shared = Differ(old, new)
    for line, event in enumerate(events, 1):
        shared.add(line, event)
    assert shared.report() == _apart(_kochava(), _kochava(*CHANGES[change]), events)
    assert shared.report()["changed"] > 0
    # One destination holding both sides ran, each shared subscription once; each side ran
    # on its own only the events that fail before any subscription (the Spec check).
    assert old.counts.events == old.counts.failed == new.counts.events == new.counts.failed == 4


def test_identical_configs_run_once() -> None:
    old, new = _kochava(), _kochava()
    events = _events()
    differ = Differ(old, new)
    for line, event in enumerate(events, 1):
        differ.add(line, event)
    assert differ.report() == _apart(_kochava(), _kochava(), events)
    assert differ.report()["changed"] == 0
    assert (old.counts.events, new.counts.events) == (len(events), 0)


@pytest.mark.parametrize(
    "settings", [{"standard_event_names": True}, {"app_guid": "other-guid"}], ids=str
)
def test_other_settings_run_the_new_side_from_the_subscriptions_on(
    settings: dict[str, Any],
) -> None:
    """Settings the mappings read: the old side runs; the new side runs the pipelines of the
    subscriptions the old side's event met, and runs alone (counted) only for the events that
    fail before any subscription (the Spec check)."""
    old, new = _kochava(), _kochava(settings=settings)
    events = _events()
    differ = Differ(old, new)
    for line, event in enumerate(events, 1):
        differ.add(line, event)
    assert differ.report() == _apart(_kochava(), _kochava(settings=settings), events)
    assert differ.report()["changed"] > 0
    # An event that fails as a whole runs on each side alone: on the old side a second time.
    assert (old.counts.events, new.counts.events) == (len(events) + 4, 4)


def _regional(**settings: Any) -> Any:
    """Kochava with a setting, ``region``, that only the URL of ``send_event`` reads."""
    from actions.destinations.loading import load_destination_text

    kochava = actions.load_destination("kochava")
    url = 'url: "https://control.kochava.com/track/json"'
    text = kochava.text.replace(url, 'url: "https://{{$settings.region}}.kochava.com/json"', 1)
    text = text.replace(
        "settings:\n  app_guid:", "settings:\n  region: {label: Region, type: string}\n  app_guid:"
    )
    assert text.count("$settings.region") == 1
    assert "region:" in text
    return actions.configure(
        load_destination_text(text, "kochava.yaml"), {**kochava.sample_settings(), **settings}
    )


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ({}, {"region": "eu"}),
        ({"region": "eu"}, {"region": "us"}),
        ({"region": "e\ud800"}, {"region": "eu"}),  # no URL can hold it: every request fails
        ({"region": "eu"}, {"region": "e\ud800"}),
    ],
    ids=["set", "changed", "failing before", "failing after"],
)
def test_a_setting_only_the_request_reads(before: dict[str, Any], after: dict[str, Any]) -> None:
    """The new side's requests are built again from the old side's payloads (a failed request
    is run again: it may build with the new settings); a subscription whose request does not
    read the setting (Installs) gives the old side's outcome. The report is the one of each
    side run alone."""
    events = _body_events()
    old, new = _regional(**before), _regional(**after)
    report = _report(old, new, events)
    assert report == _apart(_regional(**before), _regional(**after), events)
    by_name = {s["subscription"]: s for s in report["subscriptions"]}
    assert by_name["Installs"]["fields"] == by_name["Installs"]["kinds"] == []
    assert by_name["Track events"]["fields"] or by_name["Track events"]["kinds"]
    firsts = [_regional().process(event)[0] for event in events]
    failed = [o for o in firsts if o.subscription is None and o.kind == "failed"]
    assert (old.counts.events, new.counts.events) == (len(events) + len(failed), len(failed))


FILTERS = [
    {"name": "no pushes", "drop": 'event = "Push Notification Tapped"'},
    {"name": "half", "sample": {"percent": 50, "by": "userId"}},
    {"name": "no ip", "drop_fields": {"context": ["ip"]}},
]


def _configured(subscriptions: list[dict[str, Any]], filters: list[dict[str, Any]]) -> Any:
    """Kochava with its sample settings, these subscriptions and destination filters."""
    kochava = actions.load_destination("kochava")
    return actions.configure(kochava, kochava.sample_settings(), subscriptions, filters)


def _presets(*changes: dict[str, Any]) -> list[dict[str, Any]]:
    subs = [attrs.asdict(s) for s in _kochava().subscriptions]
    for change in changes:
        subs = [s for s in subs if s["name"] != change["name"]] + [change]
    return subs


def test_destination_filters_run_once_for_both_sides() -> None:
    events, change = _events(), CHANGES["a mapping"][0]
    old, new = _configured(_presets(), FILTERS), _configured(_presets(change), FILTERS)
    shared = Differ(old, new)
    for line, event in enumerate(events, 1):
        shared.add(line, event)
    expected = _apart(
        _configured(_presets(), FILTERS), _configured(_presets(change), FILTERS), events
    )
    assert shared.report() == expected
    filtered = expected["subscriptions"][0]
    assert filtered["subscription"] == "(destination)"
    assert filtered["before"]["filtered"] > 10
    assert old.counts.events == new.counts.events == 4  # only the Spec check's failures


def test_a_name_twice_on_one_side_runs_each_side() -> None:
    events = _events()
    twice = [
        {"name": "Screens", "action": "send_event", "trigger": 'type = "screen"'},
        {"name": "Screens", "action": "send_event", "trigger": 'type = "page"'},
    ]
    old, new = _kochava(), _configured(twice, [])
    differ = Differ(old, new)
    for line, event in enumerate(events, 1):
        differ.add(line, event)
    assert old.counts.events == new.counts.events == len(events)


# -- requests shown as they are sent (settingreads.py) ------------------------------------------


def _branch(secret: str | None = None, **settings: Any) -> Any:
    """Branch with its presets and sample settings; ``secret``: a setting marked secret too."""
    destination = actions.load_destination("branch")
    if secret is not None:
        specs = {
            name: attrs.evolve(spec, secret=True) if name == secret else spec
            for name, spec in destination.settings.items()
        }
        destination = attrs.evolve(destination, settings=specs)
    subscriptions = settings.pop("subscriptions", None)
    return actions.configure(
        destination, {**destination.sample_settings(), **settings}, subscriptions
    )


def _report(old: Any, new: Any, events: list[Any], *, every_shown: bool = False) -> Any:
    differ = Differ(old, new)
    if every_shown:  # as before: every changed request built again with *** for the secrets
        differ._first(events[0])
        differ._show = ({}, {})
    for line, event in enumerate(events, 1):
        differ.add(line, event)
    return differ.report()


def test_requests_shown_as_sent_report_what_their_shown_forms_report() -> None:
    """Branch's requests read no secret (branch_secret is set and never read): they are
    compared as they are, and the report is the one of their shown forms."""
    events = _events()
    new = {"branch_key": "key_live_other", "branch_secret": "secret_live_other"}
    report = _report(_branch(), _branch(**new), events)
    assert report == _report(_branch(), _branch(**new), events, every_shown=True)
    fields = {(f["field"], f["change"]) for f in report["subscriptions"][-1]["fields"]}
    assert fields == {("branch_key", "changed")}
    assert report["changed"] > 10


RENDERERS = ("text", "json", "github")


def _rendered(report: dict[str, Any]) -> str:
    from actions.analysis.diff import RENDERERS as renderers

    return "\n".join(renderers[form](report) for form in RENDERERS)


def test_a_secret_the_mapping_reads_is_never_shown() -> None:
    """branch_key marked secret: the mapping reads it, so each changed request is shown as
    built with ***, and a change only the secret makes is ``(secret) changed``."""
    events = _events()
    old = _branch("branch_key", branch_key="key_OLD_5ecret")
    new = _branch("branch_key", branch_key="key_NEW_5ecret")
    report = _report(old, new, events)
    assert "5ecret" not in _rendered(report)
    fields = [(f["field"], f["change"]) for f in report["subscriptions"][-1]["fields"]]
    assert fields == [("(secret)", "changed")]


def test_a_path_an_event_names_cannot_show_a_secret() -> None:
    """A field read at a path the event gives (``$settings.branch_secret``): what it reads is
    known only per event, so its requests are built again with *** for the secret."""
    mapping = {"developer_identity": {"@path": {"@path": "$.properties.where"}}}
    subscription = {"name": "Track events", "action": "log_event", "trigger": 'type = "track"'}
    subscriptions = [{**subscription, "mapping": mapping}]
    events = [
        {**event, "properties": {**event.get("properties", {}), "where": f"$settings.{name}"}}
        for event in load_sample_events()
        if event.get("type") == "track"
        for name in ("branch_secret", "branch_key")
    ]
    old = _branch(branch_secret="sec_OLD_5ecret", subscriptions=subscriptions)
    new = _branch(branch_secret="sec_NEW_5ecret", subscriptions=subscriptions)
    report = _report(old, new, events)
    assert "5ecret" not in _rendered(report)
    assert report["changed"] > 0
    fields = [(f["field"], f["change"]) for f in report["subscriptions"][-1]["fields"]]
    assert fields == [("(secret)", "changed")]


ADJUST = {"event_tokens": {"Order Completed": "oc1", "Signed Up": "su1"}}


def _adjust(**settings: Any) -> Any:
    destination = actions.load_destination("adjust")
    return actions.configure(destination, {**destination.sample_settings(), **ADJUST, **settings})


@pytest.mark.parametrize(
    ("old", "new", "fields"),
    [
        (
            {"s2s_token": "tok-5ecret"},
            {"s2s_token": "tok-5ecret", "send_to_production": True},
            [("environment", "changed")],
        ),
        (
            {"s2s_token": "tok-OLD-5ecret"},
            {"s2s_token": "tok-NEW-5ecret"},
            [("(secret)", "changed")],
        ),
        ({}, {"s2s_token": "tok-NEW-5ecret"}, [("(header Authorization)", "added")]),
    ],
    ids=["a setting", "the secret", "the secret set"],
)
def test_a_payload_that_reads_no_secret_is_shown_as_it_is(
    old: dict[str, Any], new: dict[str, Any], fields: list[tuple[str, str]]
) -> None:
    """Adjust's mapping reads no secret, its Authorization header reads s2s_token: a changed
    request is shown with its own payload and the rest built with ***, what building it again
    from the event gives."""
    events = _events()
    report = _report(_adjust(**old), _adjust(**new), events)
    assert report == _report(_adjust(**old), _adjust(**new), events, every_shown=True)
    assert "5ecret" not in _rendered(report)
    assert report["changed"] > 5
    assert [(f["field"], f["change"]) for f in report["subscriptions"][-1]["fields"]] == fields


def test_with_no_secret_set_a_request_is_its_own_shown_form() -> None:
    """No secret set (Adjust's sample settings): nothing is built again, as Request.shown."""
    from actions.analysis.diff import _shown_forms

    configured = _adjust(send_to_production=True)
    show = _shown_forms(configured)
    requests = [
        o for e in load_sample_events() for o in configured.process(e) if o.kind == "request"
    ]
    assert requests
    assert all(show[r.subscription](r) is r is r.shown for r in requests)
    secret = _adjust(s2s_token="tok-5ecret")
    built = [o for e in load_sample_events() for o in secret.process(e) if o.kind == "request"]
    shown = [_shown_forms(secret)[r.subscription](r) for r in built]
    assert all(
        s is not r and s.headers["Authorization"] == "Bearer ***"
        for s, r in zip(shown, built, strict=True)
    )


def test_a_body_written_otherwise_from_the_same_payload_is_a_change() -> None:
    """Two versions of Kochava's pack whose requests carry the same payload, the newer writing
    its body with one more key and the event name under another key: the body is reported, once
    per request, and nothing else is."""
    from actions.destinations.loading import load_destination_text

    destination = actions.load_destination("kochava")
    text = destination.text
    changed = text.replace(
        '      event_name: {"@path": "$.event_name"}\n',
        '      name: {"@path": "$.event_name"}\n      version: 2\n',
        1,
    )
    assert changed != text
    settings = destination.sample_settings()
    old = actions.configure(destination, settings)
    new = actions.configure(load_destination_text(changed, "kochava-2.yaml"), settings)
    differ = Differ(old, new)
    events = load_sample_events()
    for line, event in enumerate(events, 1):
        differ.add(line, event)
    report = differ.report()
    requests = sum(1 for e in events for o in old.process(e) if o.kind == "request")
    fields = [f for s in report["subscriptions"] for f in s["fields"]]
    assert {(f["field"], f["change"]) for f in fields} == {("(body)", "changed")}
    assert sum(f["count"] for f in fields) == requests > 0
    example = fields[0]["examples"][0]
    assert example["before"].startswith('"...')  # from a little before where they differ
    assert '\\"name\\":' in example["after"]
    assert '\\"event_name\\":' in example["before"]
    assert report["changed"] > 0


@given(st.text(max_size=80), st.text(max_size=80))
def test_a_body_is_shown_from_a_little_before_where_the_two_differ(a: str, b: str) -> None:
    from actions.analysis.diff import _LEAD, _from_difference

    common = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), None)
    common = min(len(a), len(b)) if common is None else common
    start = common - _LEAD
    want = (a, b) if start <= 0 else ("..." + a[start:], "..." + b[start:])
    assert _from_difference(a, b) == want


# -- bodies: left unwritten by each side, written only to compare two requests equal in all else


def _branch_text(body_name: str, mapping: dict[str, Any] | None = None, **settings: Any) -> Any:
    """Branch with its body's ``name`` mapped by ``body_name`` (the pack's text changed), and
    the subscription's ``mapping``."""
    from actions.destinations.loading import load_destination_text

    destination = actions.load_destination("branch")
    line = '          name: {"@path": "$.name"}\n'
    assert line in destination.text
    text = destination.text.replace(line, f"          name: {body_name}\n", 1)
    changed = load_destination_text(text, "branch.yaml")
    subscriptions = [{"name": "Track events", "action": "log_event", "trigger": 'type = "track"'}]
    if mapping is not None:
        subscriptions[0]["mapping"] = mapping
    return actions.configure(changed, {**destination.sample_settings(), **settings}, subscriptions)


def _body_events() -> list[Any]:
    from tests.engine.test_unwritten_bodies import ODD_EVENTS

    return _events() + ODD_EVENTS


@pytest.mark.parametrize(
    ("old", "new"),
    [
        # Two texts of the pack (each side alone): the body's name from the payload or a constant.
        (lambda: _branch_text('{"@path": "$.name"}'), lambda: _branch_text("RENAMED")),
        # One text, other settings that only the body reads (each side alone; equal payloads).
        (
            lambda: _branch_text('{"@path": "$settings.branch_key"}', {"branch_key": "k"}),
            lambda: _branch_text(
                '{"@path": "$settings.branch_key"}', {"branch_key": "k"}, branch_key="key_2"
            ),
        ),
    ],
    ids=["the body mapping", "a setting only the body reads"],
)
def test_a_body_that_differs_only_through_the_body_mapping_is_found(old: Any, new: Any) -> None:
    """Each side leaves its bodies unwritten; two requests equal in all else have theirs
    written and compared: the change is ``(body)``, in every request, as running each side
    with its bodies written reports it."""
    events = _body_events()
    report = _report(old(), new(), events)
    assert report == _apart(old(), new(), events)
    fields = [f for s in report["subscriptions"] for f in s["fields"]]
    assert {(f["field"], f["change"]) for f in fields} == {("(body)", "changed")}
    requests = sum(1 for e in events for o in old().process(e) if o.kind == "request")
    assert sum(f["count"] for f in fields) == report["changed"] == requests > 10


SHARE_NOTHING: dict[str, tuple[Any, Any]] = {
    "kochava": (_kochava, lambda: _kochava(settings={"standard_event_names": True})),
    "adjust": (_adjust, lambda: _adjust(send_to_production=True)),
    "adjust, a secret set": (_adjust, lambda: _adjust(s2s_token="tok-5ecret")),
    "branch": (_branch, lambda: _branch(branch_key="key_live_other")),
    "branch, the key secret": (
        lambda: _branch("branch_key"),
        lambda: _branch("branch_key", branch_key="key_live_other"),
    ),
}


@pytest.mark.parametrize("case", sorted(SHARE_NOTHING))
def test_unwritten_bodies_report_what_written_ones_report(case: str) -> None:
    """Sides that share nothing (other settings), and a side against itself: the report of
    the sides run with their bodies unwritten is the one of each side run with them written,
    on events some of whose bodies cannot be written."""
    make, other = SHARE_NOTHING[case]
    events = _body_events()
    for old, new in ((make, other), (make, make)):
        report = _report(old(), new(), events)
        assert report == _apart(old(), new(), events)
    assert _report(make(), other(), events)["changed"] > 5


@pytest.mark.parametrize(
    ("old", "new", "same"),
    [
        # One pack, a setting no body reads: every action's body follows from its payload.
        (_kochava, lambda: _kochava(settings={"standard_event_names": True}), "all"),
        # A setting the body reads, changed: that action's bodies must be compared.
        (
            lambda: _branch_text('{"@path": "$settings.branch_key"}'),
            lambda: _branch_text('{"@path": "$settings.branch_key"}', branch_key="key_2"),
            "all but log_event",
        ),
        # The same setting, the same value: nothing to compare.
        (
            lambda: _branch_text('{"@path": "$settings.branch_key"}'),
            lambda: _branch_text('{"@path": "$settings.branch_key"}'),
            "all",
        ),
        # Two texts of the pack: no body is known to be the same.
        (lambda: _branch_text('{"@path": "$.name"}'), lambda: _branch_text("RENAMED"), "none"),
    ],
    ids=["no body reads it", "the body reads it", "equal values", "two texts"],
)
def test_the_bodies_known_to_be_equal_for_equal_payloads(old: Any, new: Any, same: str) -> None:
    """:func:`same_bodies` names the actions whose bodies the diff need not write to compare
    two requests with equal payloads."""
    from actions.analysis.diff import same_bodies

    before, after = old(), new()
    every = set(before.destination.actions)
    expected = {"all": every, "none": set(), "all but log_event": every - {"log_event"}}[same]
    assert same_bodies(before, after) == expected
    events = _body_events()
    assert _report(before, after, events) == _apart(old(), new(), events)


PATCHED: dict[str, tuple[Any, Any, str]] = {
    "branch": (_branch, lambda: _branch(branch_key="key_live_other"), "branch_key"),
    "branch, the key secret": (
        lambda: _branch("branch_key"),
        lambda: _branch("branch_key", branch_key="key_live_other"),
        "branch_key",
    ),
    "kochava": (_kochava, lambda: _kochava(settings={"standard_event_names": True}), ""),
}


@pytest.mark.parametrize("case", sorted(PATCHED))
def test_fields_that_read_the_changed_setting_are_mapped_again_into_the_old_payload(
    case: str,
) -> None:
    """Branch's payload carries ``branch_key``; Kochava's event name reads
    ``standard_event_names`` with the event: the new side's requests are the old side's
    payloads with those fields mapped again, alone, built with the new settings. Its pipeline
    runs only for the outcomes that are no request. Each outcome is the one the new side's
    pipeline gives."""
    from actions.analysis.diff import _new_side

    make_old, make_new, _ = PATCHED[case]
    old, twin = make_old().without_bodies(), make_new().without_bodies()
    differ = frozenset(
        name
        for name in old.configuration.settings.keys() | twin.configuration.settings.keys()
        if old.configuration.settings.get(name) != twin.configuration.settings.get(name)
    )
    assert differ
    runs: list[Any] = []
    sides = {}
    for compiled in twin.compiled:

        def counted(event: Any, run: Any = compiled.run) -> Any:
            runs.append(event)
            return run(event)

        sides[compiled.subscription.name] = (
            _new_side(twin, attrs.evolve(compiled, run=counted), differ),
            compiled.run,
        )
    requests = others = 0
    for event in _body_events():
        for outcome in old.process(event):
            if outcome.subscription is None:
                continue
            new_side, run = sides[outcome.subscription]
            got, expected = new_side(outcome, event), run(event)
            assert got == expected
            assert got.to_dict() == expected.to_dict()  # as shown, too
            requests += got.kind == "request"
            others += outcome.kind != "request"
    assert requests > 20
    assert len(runs) == others
