"""The engine's contracts: counts add up, nothing raises, pickling, threads, dispatch, errors."""

from __future__ import annotations

import pickle
import threading
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import actions
from actions._resources import pack_slugs
from actions.samples import load_sample_events

HERE = Path(__file__).parent
DEMO = HERE / "packs" / "demo"
SETTINGS = {"api_key": "sekret-123", "tokens": {"Order Completed": "tok-oc"}}


@pytest.fixture(scope="module")
def demo() -> actions.ConfiguredDestination:
    return actions.configure(actions.load_destination(DEMO), SETTINGS)


def _stream() -> list[Any]:
    events: list[Any] = load_sample_events()
    bad: list[Any] = [
        None,
        3,
        "text",
        [],
        {},
        {"type": "nope"},
        {"type": "track"},
        {"type": "track", "userId": 5},
    ]
    mixed: list[Any] = []
    for index, event in enumerate(events):
        mixed.append(event)
        if index % 7 == 0:
            mixed.append(bad[index % len(bad)])
    return mixed


def test_counts_always_add_up(demo: actions.ConfiguredDestination) -> None:
    configured = actions.configure(actions.load_destination(DEMO), SETTINGS)
    events = _stream()
    for seen, result in enumerate(configured.stream(events), start=1):
        counts = configured.counts
        assert counts.events == seen
        assert counts.events == counts.delivered + counts.filtered + counts.skipped + counts.failed
        assert result.status in {"delivered", "filtered", "skipped", "failed"}
    counts = configured.counts
    assert counts.events == len(events)
    assert counts.failed >= 8
    assert counts.delivered > 0
    assert counts.requests >= counts.delivered


def test_counts_match_the_outcomes_event_by_event() -> None:
    # Two subscriptions per track event: one event can give a request and a skip, or a request
    # and a failure; it counts once, by its status, and each outcome under its subscription.
    subscriptions = [
        {"name": "all tracks", "action": "track", "trigger": "type = 'track'"},
        {"name": "orders", "action": "track", "trigger": "event = 'Order Completed'"},
        {"name": "identifies", "action": "identify", "trigger": "type = 'identify'"},
    ]
    configured = actions.configure(actions.load_destination(DEMO), SETTINGS, subscriptions)
    status_totals = dict.fromkeys(["delivered", "filtered", "skipped", "failed"], 0)
    per: dict[str, dict[str, int]] = {}
    requests = 0
    for result in configured.stream(_stream()):
        status_totals[result.status] += 1
        for outcome in result.outcomes:
            requests += outcome.kind == "request"
            name = getattr(outcome, "subscription", None)
            if name is not None:
                kinds = per.setdefault(name, {})
                kinds[outcome.kind] = kinds.get(outcome.kind, 0) + 1
    counts = configured.counts
    assert {k: getattr(counts, k) for k in status_totals} == status_totals
    assert counts.requests == requests
    assert counts.subscriptions == per
    assert counts.to_dict()["events"] == sum(status_totals.values())
    assert set(per) == {"all tracks", "orders", "identifies"}
    assert sum(per["orders"].values()) < sum(per["all tracks"].values())


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=6),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=15,
)
spec_like = st.fixed_dictionaries(
    {"type": st.sampled_from(["track", "identify", "page", "screen", "group", "alias", "x"])},
    optional={
        "userId": st.text(max_size=4) | st.integers(),
        "event": st.sampled_from(["Order Completed", "Ignored", "Signed Up"]) | json_values,
        "properties": st.dictionaries(
            st.sampled_from(["revenue", "currency", "quantity", "flag", "tags", "level", "x"]),
            json_values,
        ),
        "context": st.fixed_dictionaries({}, optional={"ip": json_values, "device": json_values}),
        "traits": json_values,
        "integrations": st.dictionaries(st.sampled_from(["All", "Demo"]), json_values),
    },
)


@settings(max_examples=300, deadline=None)
@given(json_values | spec_like)
def test_random_events_never_raise(event: Any) -> None:
    configured = actions.configure(actions.load_destination(DEMO), SETTINGS)
    outcomes = configured.process(event)
    assert outcomes
    for outcome in outcomes:
        assert outcome.to_dict()["kind"] == outcome.kind
        # A bad event is an outcome with a reason, never a defect caught on the way out.
        assert "internal error" not in str(outcome.to_dict())
    counts = configured.counts
    assert counts.events == 1


def test_an_unhashable_event_name_is_dispatched_without_the_index() -> None:
    # Not a track, so its "event" is not checked by the envelope: a list reaches dispatch.
    configured = actions.configure(actions.load_destination(DEMO), SETTINGS)
    event = {"type": "identify", "userId": "u", "event": ["x"], "traits": {"email": "a@b.c"}}
    want = [o.to_dict() for o in configured.process({**event, "event": "x"})]
    for _ in range(2):  # uncached, then with the type's cache filled
        assert [o.to_dict() for o in configured.process(event)] == want


def test_pickle_round_trip_behaves_the_same(demo: actions.ConfiguredDestination) -> None:
    clone = pickle.loads(pickle.dumps(demo))
    for event in load_sample_events():
        assert [o.to_dict() for o in clone.process(event)] == [
            o.to_dict() for o in demo.process(event)
        ]


def test_pickle_keeps_the_spec_check() -> None:
    strict = actions.configure(actions.load_destination(DEMO), SETTINGS, spec_check="full")
    clone = pickle.loads(pickle.dumps(strict))
    assert clone.spec_check == "full"
    event = {"type": "page", "userId": "u1", "context": {"screen": {"density": "high"}}}
    [outcome] = clone.process(event)
    assert outcome.kind == "failed"


def test_spec_check_read_and_full_agree_on_spec_valid_events() -> None:
    destination = actions.load_destination(DEMO)
    read = actions.configure(destination, SETTINGS)
    full = actions.configure(destination, SETTINGS, spec_check="full")
    for event in load_sample_events():
        assert [o.to_dict() for o in read.process(event)] == [
            o.to_dict() for o in full.process(event)
        ]


def test_a_dynamic_path_counts_as_reading_the_whole_event() -> None:
    destination = actions.load_destination(DEMO)
    subscription = {
        "name": "Dynamic",
        "action": "track",
        "mapping": {"text": {"@path": {"@template": "properties.{{properties.field}}"}}},
    }
    configured = actions.configure(destination, SETTINGS, [subscription])
    event = {
        "type": "track",
        "event": "Order Completed",
        "userId": "u1",
        "context": {"device": {"id": "D1"}, "screen": {"density": "high"}},
        "properties": {"field": "note", "note": "hi"},
    }
    [outcome] = configured.process(event)
    assert outcome.kind == "failed"
    assert [p.path for p in outcome.problems] == ["$.context.screen.density"]


def test_spec_check_must_be_read_or_full() -> None:
    with pytest.raises(actions.ActionsError, match="spec_check must be one of read, full"):
        actions.configure(actions.load_destination(DEMO), SETTINGS, spec_check="some")  # type: ignore[arg-type]


def test_threads_share_one_destination() -> None:
    configured = actions.configure(actions.load_destination(DEMO), SETTINGS)
    events = load_sample_events()
    expected = [[o.to_dict() for o in configured.process(e)] for e in events]
    configured = actions.configure(actions.load_destination(DEMO), SETTINGS)
    errors: list[str] = []

    def work() -> None:
        for _ in range(5):
            for event, want in zip(events, expected, strict=True):
                if [o.to_dict() for o in configured.process(event)] != want:
                    errors.append(str(event.get("messageId")))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    counts = configured.counts
    assert counts.events == 4 * 5 * len(events)
    assert counts.events == counts.delivered + counts.filtered + counts.skipped + counts.failed


def test_several_subscriptions_give_requests_in_configuration_order() -> None:
    subscriptions = [
        {"name": "second", "action": "track", "trigger": "event = 'Order Completed'"},
        {"name": "first", "action": "track", "trigger": "type = 'track'"},
        {"name": "off", "action": "track", "trigger": "type = 'track'", "enabled": False},
        {"name": "never", "action": "identify", "trigger": "type = 'identify'"},
    ]
    configured = actions.configure(actions.load_destination(DEMO), SETTINGS, subscriptions)
    event = {
        "type": "track",
        "event": "Order Completed",
        "userId": "u",
        "context": {"device": {"id": "d"}},
    }
    assert [getattr(o, "subscription", None) for o in configured.process(event)] == [
        "second",
        "first",
    ]


def test_dispatch_index_gives_the_same_outcomes_as_checking_every_trigger() -> None:
    names = ["Order Completed", "Signed Up", "Product Viewed", "Product Added"]
    subscriptions = [
        {
            "name": f"s{i}",
            "action": "track",
            "trigger": f"type = 'track' and event = '{names[i % 4]}'",
        }
        for i in range(40)
    ] + [
        {"name": "any", "action": "track", "trigger": "properties.revenue > 10"},
        {"name": "typed", "action": "identify", "trigger": "type in ['identify', 'group']"},
    ]
    configured = actions.configure(actions.load_destination(DEMO), SETTINGS, subscriptions)
    for event in load_sample_events():
        got = [getattr(o, "subscription", None) for o in configured.process(event)]
        want = [
            s["name"] for s in subscriptions if actions.fql.compile(s["trigger"]).matches(event)
        ]
        if not want:
            continue
        assert got == want


_TRIGGERS = [
    "type = 'track' and event = 'A'",
    "event = 'A'",
    "event in ['A', 'B'] and type = 'track'",
    "type = 'track'",
    "type in ['identify', 'track']",
    "type = 'track' and event = 'B' and properties.n > 1",
    "(type = 'track' and properties.n > 1) or type = 'page'",
    "event = 'A' or type = 'page'",
    "type != 'track'",
    "properties.n > 1",
]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(_TRIGGERS), min_size=1, max_size=6),
    st.lists(
        st.fixed_dictionaries(
            {
                "type": st.sampled_from(["track", "page", "identify"]),
                "userId": st.just("u"),
                "context": st.just({"device": {"id": "d"}}),
            },
            optional={
                "event": st.sampled_from(["A", "B", "C"]),
                "properties": st.fixed_dictionaries({"n": st.sampled_from([0, 2])}),
            },
        ),
        max_size=8,
    ),
)
def test_dispatch_matches_every_trigger_evaluated_in_turn(
    triggers: list[str], events: list[dict[str, Any]]
) -> None:
    # Triggers the (type, event) index decides alone are not evaluated per event; the others
    # are. Either way the subscriptions that fire are exactly those whose trigger matches.
    subscriptions = [
        {"name": f"s{i}", "action": "track", "trigger": trigger}
        for i, trigger in enumerate(triggers)
    ]
    configured = actions.configure(actions.load_destination(DEMO), SETTINGS, subscriptions)
    for event in events:
        if event["type"] == "track" and "event" not in event:
            event = {**event, "event": "C"}
        got = [o.subscription for o in configured.process(event)]
        want = [
            s["name"] for s in subscriptions if actions.fql.compile(s["trigger"]).matches(event)
        ]
        assert got == (want or [None]), event


def test_secrets_never_shown(demo: actions.ConfiguredDestination) -> None:
    event = {"type": "track", "event": "X", "userId": "u", "context": {"device": {"id": "d"}}}
    [request] = demo.process(event)
    assert "sekret-123" not in repr(request)
    assert "sekret-123" not in str(request.to_dict())
    assert request.to_dict(reveal_secrets=True)["headers"]["Authorization"] == "Bearer sekret-123"
    assert "sekret-123" not in repr(demo)
    assert demo.settings_view["api_key"] == "***"
    # The settings as the subscriptions read them: the secret as given, read-only.
    assert demo.settings["api_key"] == "sekret-123"
    with pytest.raises(TypeError):
        demo.settings["api_key"] = "other"  # type: ignore[index]
    # A mapping that reads a secret into a field that then fails: the message quotes the value.
    leaky = actions.configure(
        actions.load_destination(DEMO),
        SETTINGS,
        [
            {
                "name": "leaky",
                "action": "track",
                "trigger": "type = 'track'",
                "mapping": {"level": {"@path": "$settings.api_key"}},
            }
        ],
    )
    [failed] = leaky.process(event)
    assert failed.kind == "failed"
    assert "sekret-123" not in repr(failed) + str(failed.to_dict())
    assert "'***'" in failed.to_dict()["problems"][0]["message"]
    with pytest.raises(actions.DefinitionError) as caught:
        actions.configure(
            actions.load_destination(DEMO), {"api_key": {"token": "sekret-in-a-dict"}}
        )
    assert "sekret-in-a-dict" not in str(caught.value)


def test_settings_are_validated() -> None:
    destination = actions.load_destination(DEMO)
    with pytest.raises(actions.DefinitionError) as caught:
        actions.configure(
            destination, {"region": "mars", "tokens": {"A": "t", "B": "t"}, "surprise": 1}
        )
    rules = sorted(d.rule for d in caught.value.diagnostics)
    assert rules == [
        "duplicate-setting-value",
        "missing-setting",
        "setting-choice",
        "unknown-setting",
    ]


def test_configuration_problems_are_collected() -> None:
    destination = actions.load_destination(DEMO)
    with pytest.raises(actions.DefinitionError) as caught:
        actions.configure(
            destination,
            SETTINGS,
            [
                {"action": "trak", "trigger": "type = 'track'"},
                {"action": "track", "trigger": "type == 'track'"},
                {"action": "track", "mapping": {"nmae": "x", "name": {"@pth": "$.a"}}},
            ],
        )
    found = sorted((d.rule, d.data_path) for d in caught.value.diagnostics)
    assert found == [
        ("fql-syntax", "$.subscriptions[1].trigger"),
        ("unknown-action", "$.subscriptions[0].action"),
        ("unknown-directive", "$.subscriptions[2].mapping.name['@pth']"),
        ("unknown-field", "$.subscriptions[2].mapping.nmae"),
    ]


def test_definition_errors_point_into_the_yaml(tmp_path: Path) -> None:
    text = (DEMO / "destination.yaml").read_text(encoding="utf-8")
    text = text.replace('default_trigger: type = "track"', 'default_trigger: type == "track"', 1)
    text = text.replace("    title: Identify\n", "    title: Identify\n    titel: typo\n", 1)
    broken = tmp_path / "destination.yaml"
    broken.write_text(text, encoding="utf-8")
    with pytest.raises(actions.DefinitionError) as caught:
        actions.load_destination(broken)
    # The schema error does not hide the trigger's error in another action.
    problem, fql = sorted(caught.value.diagnostics, key=lambda d: d.rule, reverse=True)
    assert (problem.rule, fql.rule) == ("schema", "fql-syntax")
    assert problem.location is not None
    line = text.splitlines()[problem.location.line - 1]
    assert line[problem.location.column - 1 :].startswith("titel")
    assert problem.hint == "did you mean 'title'?"
    fixed = text.replace("    titel: typo\n", "")
    broken.write_text(fixed, encoding="utf-8")
    with pytest.raises(actions.DefinitionError) as caught:
        actions.load_destination(broken)
    [problem] = caught.value.diagnostics
    assert problem.rule == "fql-syntax"
    assert problem.location is not None
    line = fixed.splitlines()[problem.location.line - 1]
    assert line[problem.location.column - 1 :].startswith("==")


def test_a_field_name_cannot_start_with_at(tmp_path: Path) -> None:
    # A mapping key that starts with @ is a directive: the merged mapping of such a field would
    # not be an object of fields.
    text = (DEMO / "destination.yaml").read_text(encoding="utf-8")
    first = text.index("    fields:\n") + len("    fields:\n")
    text = text[:first] + '      "@path": {type: string}\n' + text[first:]
    broken = tmp_path / "destination.yaml"
    broken.write_text(text, encoding="utf-8")
    with pytest.raises(actions.DefinitionError) as caught:
        actions.load_destination(broken)
    [problem] = caught.value.diagnostics
    assert (problem.rule, problem.message) == ("schema", "field name '@path' starts with @")
    assert problem.hint == "a mapping key that starts with @ is a directive: rename the field"
    assert problem.location is not None
    line = text.splitlines()[problem.location.line - 1]
    assert line[problem.location.column - 1 :].startswith('"@path"')


def test_filters(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        f"""destination: {DEMO}
settings: {{api_key: k}}
filters:
  - name: no tests
    drop: 'properties.test = true'
  - name: mobile only
    keep: 'context.device.id != null'
  - name: no ip
    drop_fields: {{context: [ip]}}
  - allow_fields: {{properties: [revenue, currency]}}
    if: 'type = "track"'
subscriptions:
  - {{name: all, action: track, trigger: 'type = "track"'}}
""",
        encoding="utf-8",
    )
    configured = actions.load_config(config)
    base = {
        "type": "track",
        "event": "E",
        "userId": "u",
        "context": {"ip": "192.0.2.1", "device": {"id": "d"}},
    }
    [dropped] = configured.process({**base, "properties": {"test": True}})
    assert dropped.to_dict() == {
        "kind": "filtered",
        "reason": "dropped by destination filter 'no tests'",
        "filter": "no tests",
    }
    [kept_out] = configured.process({**base, "context": {}})
    assert isinstance(kept_out, actions.Filtered)
    assert kept_out.filter == "mobile only"
    [request] = configured.process(
        {**base, "properties": {"revenue": 3, "currency": "EUR", "secret": "x"}}
    )
    assert isinstance(request, actions.Request)
    assert "ip" not in request.payload
    assert request.payload["extra"] == {}


def test_batch_requests_group_payloads(demo: actions.ConfiguredDestination) -> None:
    event = {"type": "track", "event": "X", "userId": "u", "context": {"device": {"id": "d"}}}
    identify = {"type": "identify", "userId": "u"}
    result = demo.process_batch([event, event, identify, event])
    urls = sorted(r.url for r in result.requests)
    assert urls == [
        "https://demo.example/identify",
        "https://eu.demo.example/v1/batch",
        "https://eu.demo.example/v1/batch",
    ]
    sizes = sorted(len(r.payload["payloads"]) for r in result.requests if "payloads" in r.payload)
    assert sizes == [1, 2]
    assert len(result.results) == 4


def test_response_classification() -> None:
    destination = actions.load_destination(DEMO)
    assert destination.classify_response(200).kind == "success"
    assert destination.classify_response(429) == actions.ResponseClass("retry", "busy")
    assert destination.classify_response(400, "a duplicate event") == actions.ResponseClass(
        "drop", "duplicate event"
    )
    assert destination.classify_response(400, "bad").kind == "drop"
    assert destination.classify_response(408).kind == "retry"


@pytest.mark.parametrize("pack", [*pack_slugs(), str(DEMO)])
def test_every_accepted_payload_matches_the_actions_json_schema(pack: str) -> None:
    import jsonschema

    destination = actions.load_destination(pack)
    settings = SETTINGS if pack == str(DEMO) else destination.sample_settings()
    configured = actions.configure(destination, settings)
    validators = {
        key: jsonschema.Draft7Validator(
            action.json_schema(), format_checker=jsonschema.FormatChecker()
        )
        for key, action in destination.actions.items()
    }
    seen = 0
    for event in load_sample_events():
        for outcome in configured.process(event):
            if isinstance(outcome, actions.Request):
                errors = list(validators[outcome.action].iter_errors(outcome.payload))
                assert errors == [], (outcome.action, [e.message for e in errors])
                seen += 1
    assert seen > 0


@settings(max_examples=150, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["revenue", "currency", "quantity", "flag", "tags", "level", "note"]),
        json_values,
    )
)
def test_field_checks_and_json_schema_agree(properties: dict[str, Any]) -> None:
    import jsonschema

    action = actions.load_destination(DEMO).actions["track"]
    payload = {
        "name": "E",
        "device": {"id": "d"},
        **{
            {"revenue": "amount", "quantity": "count", "nullable": "note"}.get(k, k): v
            for k, v in properties.items()
        },
    }
    checked, problems = action.checker.check(payload)
    if not problems:
        schema = action.json_schema()
        assert list(jsonschema.Draft7Validator(schema).iter_errors(checked)) == []


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(
            ["name", "amount", "currency", "count", "flag", "tags", "level", "note", "device", "x"]
        ),
        json_values
        | st.sampled_from(["USD", "low", "high", "7", "true", "", None])
        | st.lists(st.text()),
    )
)
def test_checking_in_place_gives_what_checking_a_copy_gives(payload: dict[str, Any]) -> None:
    # The engine checks the mapping's fresh output in place, with a quick pass for payloads
    # that need nothing done; check copies and always goes field by field. In the action's
    # field order (the order the engine maps in) the two agree key for key.
    from actions.destinations.fields import PayloadChecker

    demo = actions.load_destination(DEMO).actions["track"].checker
    # The demo's currency is required on a condition; without it every required field is
    # required outright, which the quick pass tests in one step.
    plain = PayloadChecker.build(tuple(f for f, _ in demo.fields if f.required_if is None))
    for checker in (demo, plain):
        order = [spec.name for spec, _ in checker.fields]
        ordered = dict(
            sorted(
                payload.items(),
                key=lambda kv: (kv[0] not in order, order.index(kv[0]) if kv[0] in order else 0),
            )
        )
        want_payload, want_problems = checker.check(dict(ordered))
        given = dict(ordered)
        got_payload, got_problems = checker.check_in_place(given)
        assert got_payload is given
        assert list(got_payload.items()) == list(want_payload.items())
        assert list(got_problems) == want_problems


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["revenue", "currency", "quantity", "flag", "tags", "level", "note"]),
        json_values | st.sampled_from(["USD", "low", "high", "7", "true"]) | st.lists(st.text()),
    )
)
def test_a_payload_the_json_schema_accepts_passes_the_field_checks_unchanged(
    properties: dict[str, Any],
) -> None:
    # The other direction: the compiled checks never reject what the action's JSON Schema
    # accepts (after the pipeline drops empty values), and they leave such a payload as it is.
    import re

    import jsonschema

    formats = jsonschema.FormatChecker()
    formats.checks("currency")(
        lambda v: not isinstance(v, str) or bool(re.fullmatch("[A-Z]{3}", v))
    )
    action = actions.load_destination(DEMO).actions["track"]
    names = {"revenue": "amount", "quantity": "count", "nullable": "note"}
    payload = {"name": "E", "device": {"id": "d"}}
    for key, value in properties.items():
        field = names.get(key, key)
        strings = field in ("currency", "level", "note", "tags")
        if (value is None and field != "note") or (value == "" and not strings):
            continue
        payload[field] = value
    validator = jsonschema.Draft7Validator(action.json_schema(), format_checker=formats)
    if list(validator.iter_errors(payload)):
        return
    checked, problems = action.checker.check(payload)
    assert problems == []
    assert checked == payload


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": "Bearer {{$settings.api_key}}", "X-Version": 2},
        {"X-Name": "{{name}}", "X-Key": "{{$settings.api_key}}"},
        {"X-Key": {"@if": {"exists": {"@path": "$settings.api_key"}, "then": "set"}}},
        {"Content-Type": "text/plain", "X-Missing": "{{$settings.nothing}}"},
    ],
)
def test_headers_rendered_once_per_configuration_equal_headers_rendered_per_request(
    headers: dict[str, Any],
) -> None:
    from actions.destinations.request import RequestSpec

    spec = RequestSpec.compile(
        {"url": "https://x.example/{{name}}", "headers": headers}, source=None, path=()
    )
    rendered_once = "{{name}}" not in str(headers) and "@if" not in str(headers)
    assert spec.headers_read_settings_only is rendered_once
    settings = {"api_key": "k"}
    bound = spec.bind(settings)
    for payload in ({"name": "a"}, {"name": "b c"}, {}):
        assert bound(payload) == spec.build(payload, settings)
    assert bound({"name": "a"}).headers is not bound({"name": "a"}).headers


@pytest.mark.parametrize(
    "url",
    [
        "https://x.example/event",
        "https://{{$settings.region}}.x.example/{{$settings.api_key}}/e?a=b",
        "https://x.example/{{$settings.missing}}",
        "https://x.example/{{name}}/{{$settings.region}}",
    ],
)
def test_a_url_rendered_once_per_configuration_equals_one_rendered_per_request(url: str) -> None:
    from actions.destinations.request import BuiltRequest, RequestSpec
    from actions.jsonvalues import compact_json

    for headers in ({"X-Key": "{{$settings.api_key}}"}, {}):
        spec = RequestSpec.compile({"url": url, "headers": headers}, source=None, path=())
        assert spec.url_reads_settings_only is ("{{name}}" not in url)
        settings = {"api_key": "k/1", "region": "eu west"}
        bound = spec.bind(settings)
        parts = spec.json_parts(settings)
        assert (parts is None) is ("{{name}}" in url)
        for payload in ({"name": "a"}, {"name": "b c"}, {}):
            built = bound(payload)
            assert isinstance(built, BuiltRequest)
            assert built == spec.build(payload, settings)
            if parts is not None:  # fixed parts and the payload as JSON: the same request
                method, fixed_url, fixed_headers, encoding = parts
                assert built == (
                    method,
                    fixed_url,
                    fixed_headers,
                    {},
                    compact_json(payload),
                    encoding,
                )


def test_settings_are_taken_as_they_are_when_configured() -> None:
    settings = {"api_key": "k", "tokens": {"Order Completed": "tok-oc"}}
    configured = actions.configure(actions.load_destination(DEMO), settings)
    settings["tokens"]["Order Completed"] = "changed"
    event = {
        "type": "track",
        "event": "Order Completed",
        "userId": "u",
        "context": {"device": {"id": "d"}},
    }
    requests = [o for o in configured.process(event) if isinstance(o, actions.Request)]
    assert requests
    assert all(r.payload.get("token") == "tok-oc" for r in requests if "token" in r.payload)
    assert any("token" in r.payload for r in requests)


_BODIES = """
name: Bodies
slug: bodies
settings:
  token: {type: string, required: true}
actions:
  event:
    title: Event
    default_trigger: type = "track"
    fields:
      name: {type: string, default: {"@path": "$.event"}}
      amount: {type: number, default: {"@path": "$.properties.amount"}}
      count: {type: integer, default: {"@path": "$.properties.count"}}
      flag: {type: boolean, default: {"@path": "$.properties.flag"}}
      note: {type: string, default: {"@path": "$.properties.note"}}
      extra: {type: object, default: {"@path": "$.properties.extra"}}
    request:
      url: https://bodies.example/e
      headers: {X-Token: "{{$settings.token}}"}
"""


@settings(max_examples=300, deadline=None)
@given(
    amount=st.none()
    | st.floats()
    | st.integers()
    | st.integers(min_value=2**62, max_value=2**66)
    | st.sampled_from([1e16, 1e-7, 1e-5, 1e-4, -2e-5, 0.1, -0.0, 5e-324, 1e22, 229.0, "1e-7"]),
    count=st.none() | st.integers() | st.integers(min_value=2**63 - 2, max_value=2**65),
    flag=st.none() | st.booleans(),
    note=st.none() | st.text() | st.sampled_from(["\ud800", "é\u2028", "0.00001", "null"]),
    extra=st.none() | st.dictionaries(st.text(max_size=3), st.floats() | st.text(), max_size=2),
)
def test_request_bodies_are_the_payload_as_python_writes_it(**properties: Any) -> None:
    import json
    import math

    from actions.destinations.loading import load_destination_text

    configured = actions.configure(
        load_destination_text(_BODIES),
        {"token": "t"},
        [{"name": "s", "action": "event", "trigger": 'type = "track"'}],
    )
    # None: the property is left out (a payload of values needing no check goes to orjson).
    given_ = {k: v for k, v in properties.items() if v is not None}
    event = {"type": "track", "event": "E", "userId": "u", "properties": given_}
    [outcome] = configured.process(event)
    if isinstance(outcome, actions.Request):
        want = json.dumps(outcome.payload, separators=(",", ":"), ensure_ascii=False)
        assert outcome.body == want
    else:  # only NaN or Infinity, which no request carries, fail
        assert outcome.kind == "failed", outcome
        amount, extra = properties["amount"], properties["extra"] or {}
        floats = [amount, *extra.values()]
        assert any(isinstance(f, float) and not math.isfinite(f) for f in floats), outcome


def test_a_leading_skip_rule_on_the_event_is_decided_before_the_checks() -> None:
    # Demo's track action skips "Ignored" events first (a condition on the event alone), then
    # events with no device id (a rule on the payload). A skipped event is never sent, so a
    # field of the wrong type does not fail it; the same event not skipped fails.
    configured = actions.configure(actions.load_destination(DEMO), SETTINGS)
    bad = {
        "type": "track",
        "userId": "u1",
        "properties": {"revenue": "not a number"},
        "context": {"device": {"id": 5}},
    }
    [ignored] = configured.process({**bad, "event": "Ignored"})
    assert isinstance(ignored, actions.Skipped)
    assert ignored.reason == "ignored events are not sent"
    [sent] = configured.process({**bad, "event": "Signed Up"})
    assert isinstance(sent, actions.Failed)


def test_with_subscriptions_keeps_everything_else() -> None:
    configured = actions.configure(actions.load_destination(DEMO), SETTINGS, spec_check="full")
    only = actions.Subscription("Orders", "track", 'event = "Order Completed"')
    other = configured.with_subscriptions([only])
    assert [s.name for s in other.subscriptions] == ["Orders"]
    assert other.spec_check == "full"
    assert other.configuration.settings == configured.configuration.settings
    assert other.process({"type": "track", "event": "Signed Up", "userId": "u"})[0].kind == (
        "filtered"
    )
