"""The settings a mapping or request can read, known with certainty or not at all
(``actions/analysis/settingreads.py``): what lets ``actions diff`` show a request as it is sent,
without building it again with ``***`` for the secrets."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs
import pytest

import actions
from actions import mapping
from actions._resources import pack_slugs
from actions.analysis.settingreads import (
    secret_free,
    settings_read,
    shown_as_sent,
    template_reads,
)
from actions.mapping import Kind, Option, directive
from actions.mapping.catalog import BUILTIN_DIRECTIVES
from actions.mapping.directives import CompileContext, directives_table
from actions.mapping.values import Evaluator
from actions.samples import load_sample_events

S = "$settings."
# A mapping, and the settings it reads (None: not known, so it may read any).
CASES: list[tuple[str, Any, frozenset[str] | None]] = [
    ("a constant", {"a": 1, "b": [True, None, "x"]}, frozenset()),
    ("event paths", {"a": {"@path": "$.properties.x"}, "b": {"@path": "$."}}, frozenset()),
    ("a setting", {"a": {"@path": S + "key"}}, frozenset({"key"})),
    ("under a setting", {"a": {"@path": S + "tokens.Order Completed"}}, frozenset({"tokens"})),
    ("the settings as a whole", {"a": {"@path": "$settings"}}, None),
    ("settings by JSONPath", {"a": {"@path": "$settings.*"}}, None),
    ("settings by JSONPath, under one", {"a": {"@path": "$settings.key[*]"}}, None),
    ("a list position of the settings", {"a": {"@path": "$settings[0]"}}, None),
    ("a path known per event", {"a": {"@path": {"@path": "$.properties.where"}}}, None),
    ("a template", {"a": {"@template": "x-{{$settings.key}}-{{$.event}}"}}, frozenset({"key"})),
    ("a template known per event", {"a": {"@template": {"@path": "$.properties.t"}}}, None),
    (
        "a condition",
        {"a": {"@if": {"when": "$settings.mode = 'live'", "then": 1, "else": 2}}},
        frozenset({"mode"}),
    ),
    (
        "a condition on the settings as a whole",
        {"a": {"@if": {"when": "length(string($settings)) > 2", "then": 1}}},
        None,
    ),
    (
        "a condition on the event",
        {"a": {"@if": {"when": "event = 'x'", "then": {"@path": S + "one"}}}},
        frozenset({"one"}),
    ),
    (
        "inside other directives",
        {
            "a": {"@case": {"operator": "upper", "value": {"@path": S + "one"}}},
            "b": {"@coalesce": [{"@path": "$.userId"}, {"@path": S + "two"}]},
            "c": {"@lookup": {"value": {"@path": "$.event"}, "table": {"@path": S + "three"}}},
            "d": {"@hash": {"value": {"@path": "$.userId"}, "key": {"@path": S + "four"}}},
            "e": {"@merge": {"objects": [{"@path": "$.traits"}, {"k": {"@path": S + "five"}}]}},
        },
        frozenset({"one", "two", "three", "four", "five"}),
    ),
    (
        "an item shape (it reads items, and the settings)",
        {"a": {"@arrayPath": ["$.properties.products", {"sku": {"@path": S + "six"}}]}},
        frozenset({"six"}),
    ),
    (
        "a mapping after another (it reads a value, and the settings)",
        {"a": {"@transform": {"apply": {"x": 1}, "mapping": {"y": {"@path": S + "seven"}}}}},
        frozenset({"seven"}),
    ),
    ("Liquid (the data alone)", {"a": {"@liquid": "{{ event | upcase }}"}}, frozenset()),
]


@pytest.mark.parametrize(
    ("mapping_", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_the_settings_a_mapping_reads(mapping_: Any, expected: frozenset[str] | None) -> None:
    for backend in ("closures", "source"):
        compiled = mapping.compile(mapping_, backend=backend)  # type: ignore[arg-type]
        assert settings_read(compiled.node) == expected


@directive("@echo", argument=Option("value", Kind.MAPPING), summary="the value")
def _echo(args: Mapping[str, Any], ctx: CompileContext) -> Evaluator:
    value: Evaluator = args["value"]
    return value


def test_a_directive_not_built_in_may_read_anything() -> None:
    table = directives_table([*BUILTIN_DIRECTIVES.values(), _echo])
    compiled = mapping.compile({"a": {"@echo": {"@path": "$.event"}}}, directives=table)
    assert settings_read(compiled.node) is None
    # One built in, replaced by another of the same name, is not the built-in one either.
    other = attrs.evolve(BUILTIN_DIRECTIVES["@case"], meaning=None)
    replaced = directives_table(
        [*(d for d in BUILTIN_DIRECTIVES.values() if d.name != "@case"), other]
    )
    compiled = mapping.compile(
        {"a": {"@case": {"operator": "upper", "value": "x"}}}, directives=replaced
    )
    assert settings_read(compiled.node) is None


def test_url_templates() -> None:
    assert template_reads("https://x.test/{{category}}") == frozenset()
    assert template_reads("https://x.test/{{$settings.region}}/e") == frozenset({"region"})
    assert template_reads("https://x.test/{{$settings}}") is None
    assert template_reads(None) is None


def _marked(slug: str, secret: str) -> actions.Destination:
    """The pack with ``secret`` marked secret too."""
    destination = actions.load_destination(slug)
    specs = {
        name: attrs.evolve(spec, secret=True) if name == secret else spec
        for name, spec in destination.settings.items()
    }
    return attrs.evolve(destination, settings=specs)


def test_the_shipped_packs() -> None:
    def names(destination: actions.Destination, **settings: Any) -> frozenset[str]:
        values = {**destination.sample_settings(), **settings}
        return shown_as_sent(actions.configure(destination, values))

    branch, adjust, kochava = (actions.load_destination(s) for s in ("branch", "adjust", "kochava"))
    assert names(branch) == {"Track events"}  # branch_secret is never read
    assert names(kochava) == {s.name for s in kochava.presets}  # no secret setting
    assert names(adjust) == frozenset()  # the Authorization header reads s2s_token
    configured = actions.configure(adjust, adjust.sample_settings())
    assert secret_free(configured) == {"Track events with an Adjust event token": "payload"}
    assert secret_free(actions.configure(_marked("adjust", "app_token"), {"app_token": "a"})) == {}
    assert names(_marked("branch", "branch_key")) == frozenset()  # the mapping reads it
    assert names(_marked("kochava", "app_guid")) == frozenset()


SENT = {"adjust": "app_token", "branch": "branch_key", "kochava": "app_guid"}


@pytest.mark.parametrize("slug", pack_slugs())
@pytest.mark.parametrize("marked", [False, True], ids=["own secrets", "a sent setting secret"])
def test_a_request_shown_as_sent_is_its_shown_form(slug: str, marked: bool) -> None:
    """What the analysis says holds on the sample events: each request of a subscription it
    names is equal to its shown form, built again with *** for every secret (all set)."""
    destination = _marked(slug, SENT[slug]) if marked else actions.load_destination(slug)
    values = {
        **destination.sample_settings(),
        **{n: "Zq-secret-9" for n, s in destination.settings.items() if s.secret},
    }
    if slug == "adjust":
        values["event_tokens"] = {"Order Completed": "oc1", "Signed Up": "su1"}
    configured = actions.configure(destination, values)
    plain = shown_as_sent(configured)
    secret = any(s.secret for s in destination.settings.values())
    checked = 0
    for event in load_sample_events():
        for outcome in configured.process(event):
            if outcome.kind != "request" or outcome.subscription not in plain:
                continue
            shown = outcome.shown
            assert (outcome.redactor is not None) == secret  # built again when a secret is set
            parts = (shown.url, shown.headers, shown.query, shown.payload)
            assert parts == (outcome.url, outcome.headers, outcome.query, outcome.payload)
            checked += 1
    assert checked or not plain
