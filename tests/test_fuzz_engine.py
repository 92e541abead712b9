"""Property tests with hostile input that the engine must survive: mutated Spec events (NaN
and infinite floats, `1e999`, long digit runs, dotted e-mails, lone surrogates, huge integers,
deep nesting), random triggers (many-star globs) and mappings that read a secret setting as it
is or derived. benchmarks/fuzz.py explores far more of the same for minutes; see
docs/fuzzing.md."""

from __future__ import annotations

import json
import time
import urllib.parse
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import actions
from actions._resources import pack_slugs
from actions.samples import load_sample_events

SAMPLES = load_sample_events()
PACKS = pack_slugs()  # every pack under mappings/
SECRET_KEYS = {"adjust": "s2s_token", "branch": "branch_secret"}

PATHS = (
    ("type",),
    ("event",),
    ("userId",),
    ("anonymousId",),
    ("timestamp",),
    ("properties",),
    ("properties", "revenue"),
    ("properties", "currency"),
    ("properties", "quantity"),
    ("properties", "products"),
    ("context",),
    ("context", "ip"),
    ("context", "device"),
    ("context", "device", "type"),
    ("context", "device", "id"),
    ("context", "device", "advertisingId"),
    ("context", "os", "name"),
    ("context", "screen", "density"),
    ("integrations",),
    ("integrations", "All"),
)


def _deep(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value] if depth % 2 else {"a": value}
    return value


# Values aimed at what reads them: number coercion, the e-mail format, globs, the encoders.
# Drawn by name and built on demand (hypothesis shows the choices, and a huge integer or a
# value 5,000 deep has no repr).
HOSTILE: dict[str, Any] = {
    "digits then x": lambda: "1" * 5_000 + "x",
    "spaces, digits, e": lambda: " " * 2_000 + "1" * 2_000 + "e",
    "dots between @": lambda: "a@" + "." * 5_000 + "@",
    "a run of a": lambda: "a" * 5_000,
    "lone surrogate": lambda: "\ud800",
    "lone low surrogate": lambda: "x\udfffy",
    "huge integer": lambda: 10**5_000,  # over Python's digit limit for int-to-text
    "-2**64": lambda: -(2**64),
    "1,100 deep": lambda: _deep(1_100),
    "5,001 deep": lambda: _deep(5_001),
}
short_text = st.text(max_size=20)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**18), max_value=10**18)
    | st.floats()  # NaN and the infinities too
    | short_text
    | st.sampled_from(["ios", "android", "Order Completed", "track", "USD", "", "0", "-1.5"])
    | st.sampled_from(["NaN", "Infinity", "-Infinity", "1e999", "-1e999", '{"a": NaN}'])
    | st.sampled_from(sorted(HOSTILE)).map(lambda name: HOSTILE[name]())
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(short_text, inner, max_size=4),
    max_leaves=12,
)


@st.composite
def events(draw: st.DrawFn) -> Any:
    """A sample event with up to four values replaced, or removed, or anything at all."""
    if draw(st.integers(0, 9)) == 0:
        return draw(json_values)
    event: Any = json.loads(json.dumps(draw(st.sampled_from(SAMPLES))))
    for _ in range(draw(st.integers(0, 4))):
        path = draw(st.sampled_from(PATHS))
        node = event
        for key in path[:-1]:
            if not isinstance(node.get(key), dict):
                node[key] = {}
            node = node[key]
        if draw(st.booleans()):
            node.pop(path[-1], None)
        else:
            node[path[-1]] = draw(json_values)
    return event


def _check_request(request: actions.Request) -> None:
    if request.encoding == "json" and request.body:

        def reject(token: str) -> Any:
            raise AssertionError(f"{token} in a JSON body: {request.body}")

        json.loads(request.body, parse_constant=reject)
    if request.encoding == "form" and request.body:
        # A number's text never spells NaN or an infinity; a text value may (a currency code
        # "NAN" is text the event sent, not a number).
        texts = set(_texts(request.payload))
        for _, value in urllib.parse.parse_qsl(request.body, keep_blank_values=True):
            if value.lower() in {"nan", "inf", "-inf", "infinity", "-infinity"}:
                assert value in texts, (value, request.body)
    for name, value in request.headers.items():
        assert not set(value) & {"\r", "\n"}, (name, value)


def _texts(value: Any) -> Any:
    """Every string in a payload."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)


@pytest.mark.parametrize("pack", PACKS)
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch=st.lists(events(), min_size=1, max_size=6))
def test_every_hostile_event_is_accounted_for(pack: str, batch: list[Any]) -> None:
    destination = actions.load_destination(pack)
    configured = actions.configure(destination, destination.sample_settings())
    for event in batch:
        outcomes = configured.process(event)
        assert outcomes, event
        for outcome in outcomes:
            if isinstance(outcome, actions.Failed):
                assert not any("internal error" in p.message for p in outcome.problems), outcome
            if isinstance(outcome, actions.Request):
                _check_request(outcome)
            json.dumps(outcome.to_dict(), allow_nan=False)
    counts = configured.counts
    assert counts.events == len(batch)
    assert counts.events == counts.delivered + counts.filtered + counts.skipped + counts.failed


def test_a_currency_that_spells_nan_is_text() -> None:
    """A currency "NaN" is a code the event sent (Adjust upper-cases it, ``NAN``): text, sent
    as such; the fuzz test's check of form values lets it through for that reason."""
    outcome = _adjust_with("currency", "NaN")
    assert isinstance(outcome, actions.Request), outcome
    _check_request(outcome)
    assert dict(urllib.parse.parse_qsl(outcome.body or ""))["currency"] == "NAN"


@pytest.mark.parametrize("text", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_a_revenue_that_spells_nan_is_no_number(text: str) -> None:
    outcome = _adjust_with("revenue", text)
    assert isinstance(outcome, actions.Failed), outcome
    assert [p.path for p in outcome.problems] == ["$.revenue"]


def _adjust_with(field: str, text: str) -> actions.Outcome:
    """The outcome of Adjust's sample settings for a sample order with ``properties[field]``
    set to ``text``."""
    destination = actions.load_destination("adjust")
    configured = actions.configure(destination, destination.sample_settings())
    event = next(e for e in SAMPLES if e.get("properties", {}).get("revenue"))
    event = json.loads(json.dumps(event))
    event["properties"][field] = text
    (outcome,) = configured.process(event)
    return outcome


# Triggers built from pieces: comparisons, functions and logic over the fields events carry.
FIELDS = ["type", "event", "properties.revenue", "context.device.type", "userId", "properties.x"]
LITERALS = ["'track'", "'Order Completed'", "1", "-2.5", "null", "true", "['a', 1]", "''"]
atoms = st.one_of(
    st.builds(
        "{} {} {}".format,
        st.sampled_from(FIELDS),
        st.sampled_from(["=", "!=", "<", ">="]),
        st.sampled_from(LITERALS),
    ),
    st.builds("contains({}, {})".format, st.sampled_from(FIELDS), st.sampled_from(LITERALS)),
    st.builds(
        "match({}, '{}')".format,
        st.sampled_from(FIELDS),
        st.sampled_from(["*", "Order*", "?a*", "[a-z]*", "*a*a*a*a*a*b", "*a" * 8 + "*b"]),
    ),
    st.builds("length({}) > {}".format, st.sampled_from(FIELDS), st.integers(0, 30)),
    st.builds("lowercase({}) = {}".format, st.sampled_from(FIELDS), st.sampled_from(LITERALS)),
    st.builds("number({}) >= {}".format, st.sampled_from(FIELDS), st.integers(-5, 5)),
)
triggers = st.recursive(
    atoms,
    lambda inner: (
        st.builds("({} {} {})".format, inner, st.sampled_from(["and", "or"]), inner)
        | st.builds("!({})".format, inner)
    ),
    max_leaves=5,
)


def _mapping(secret_key: str | None) -> st.SearchStrategy[Any]:
    sources = ["$.properties.revenue", "$.event", "$.properties", "$.userId", "$.context.ip"]
    if secret_key:
        sources.append(f"$settings.{secret_key}")
    leaf = st.sampled_from(sources).map(lambda path: {"@path": path})
    derived = st.sampled_from(
        [{"@template": f"x-{{{{{source}}}}}-y"} for source in sources]
        + [{"@json": {"mode": "decode", "value": {"@path": "$.properties.revenue"}}}]
    )
    return st.recursive(
        leaf | derived | short_text,
        lambda inner: (
            st.builds(
                lambda op, v: {"@case": {"operator": op, "value": v}},
                st.sampled_from(["lower", "upper"]),
                inner,
            )
            | st.builds(lambda v: {"@convert": {"to": "string", "value": v}}, inner)
            | st.builds(lambda v: {"@json": {"mode": "encode", "value": v}}, inner)
            | st.builds(
                lambda v, p: {"@replace": {"value": v, "pattern": p, "replacement": "%25"}},
                inner,
                st.sampled_from(["Zq", "%", "a", " "]),
            )
            | st.builds(lambda a, b: {"@coalesce": [a, b]}, inner, inner)
            | st.builds(lambda t, v: {"@if": {"when": t, "then": v}}, triggers, inner)
        ),
        max_leaves=4,
    )


# Secrets of 3 characters or more, with what gets encoded: quotes, `&=+%/\`, spaces,
# non-ASCII. The `Zq` prefix keeps them from being a word the requests hold anyway.
secrets = st.builds(
    "Zq{}".format,
    st.text(st.sampled_from('"&=+%/\\ #?<>é\u00fc\u2603Ab9_-'), min_size=1, max_size=10),
)


def _forms(secret: str) -> list[str]:
    """The ways a secret could show: raw, percent-encoded, JSON-escaped, upper-cased."""
    return [
        secret,
        urllib.parse.quote(secret, safe=""),
        urllib.parse.quote(secret),
        urllib.parse.quote_plus(secret),
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        secret.upper(),
    ]


def _strings(value: Any) -> str:
    """Every key and string in a value, one a line (walked without recursion: a value may be
    nested thousands deep), with their JSON forms."""
    out: list[str] = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            out += [item, json.dumps(item)]
        elif isinstance(item, dict):
            stack.extend(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return "\n".join(out)


def _assert_hidden(secret: str, text: str) -> None:
    for form in _forms(secret):
        assert form not in text, (form, text)


@st.composite
def configurations(draw: st.DrawFn) -> tuple[str, str, list[dict[str, Any]]]:
    """A pack, a secret (with characters that encode) and subscriptions with random triggers
    whose mappings may read the secret, as it is or derived."""
    pack = draw(st.sampled_from(PACKS))
    secret = draw(secrets)
    destination = actions.load_destination(pack)
    subscriptions = []
    for i in range(draw(st.integers(1, 3))):
        action = draw(st.sampled_from(sorted(destination.actions)))
        fields = [f.name for f in destination.actions[action].fields]
        mapping = draw(
            st.dictionaries(st.sampled_from(fields), _mapping(SECRET_KEYS.get(pack)), max_size=3)
        )
        trigger = draw(triggers | st.just('type = "track"'))
        subscriptions.append(
            {"name": f"S{i}", "action": action, "trigger": trigger, "mapping": mapping}
        )
    return pack, secret, subscriptions


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(configuration=configurations(), batch=st.lists(events(), min_size=1, max_size=4))
def test_random_subscriptions_account_for_every_event_and_hide_the_secret(
    configuration: tuple[str, str, list[dict[str, Any]]], batch: list[Any]
) -> None:
    pack, secret, subscriptions = configuration
    destination = actions.load_destination(pack)
    settings_ = destination.sample_settings()
    if pack in SECRET_KEYS:
        settings_[SECRET_KEYS[pack]] = secret
    try:
        configured = actions.configure(destination, settings_, subscriptions)
    except actions.ActionsError as exc:  # a mapping the action's fields reject, say
        message = str(exc)
        configured = None
    if configured is None:
        _assert_hidden(secret, message)
        return
    _assert_hidden(secret, repr(configured))
    for event in batch:
        given = _strings(event).lower()
        if any(form.lower() in given for form in _forms(secret)):
            continue  # the event's own text may show: only the setting's must not
        outcomes = configured.process(event)
        assert outcomes
        for outcome in outcomes:
            if isinstance(outcome, actions.Failed):
                assert not any("internal error" in p.message for p in outcome.problems), outcome
            if isinstance(outcome, actions.Request):
                _check_request(outcome)
            shown = repr(outcome) + json.dumps(outcome.to_dict(payload=True), ensure_ascii=False)
            _assert_hidden(secret, shown)
    counts = configured.counts
    assert counts.events == counts.delivered + counts.filtered + counts.skipped + counts.failed


FUZZ_PACK = Path(__file__).resolve().parent.parent / "benchmarks" / "packs" / "fuzz"
N = 100_000
ORDER = {
    "type": "track",
    "event": "Order Completed",
    "userId": "u",
    "context": {"device": {"type": "ios", "id": "d1"}},
}
# Through a whole pack, the shapes that once backtracked: a long digit run where Adjust reads a
# number (`number()` in a trigger, `@convert`), dots between two `@` in an e-mail field, many
# stars against a long event name.
STALLS = [
    ("adjust", None, {**ORDER, "properties": {"revenue": "1" * N + "x"}}),
    ("adjust", None, {**ORDER, "properties": {"revenue": " " * N + "1" * N + "e"}}),
    (
        "fuzz",
        None,
        {
            "type": "track",
            "event": "E",
            "userId": "u",
            "context": {"traits": {"email": "a@" + "." * N + "@"}},
        },
    ),
    (
        "branch",
        [{"name": "G", "action": "log_event", "trigger": "match(event, '*a*a*a*a*a*b')"}],
        {"type": "track", "event": "a" * N, "userId": "u"},
    ),
]


@pytest.mark.parametrize(
    ("pack", "subscriptions", "event"), STALLS, ids=["digits", "spaces", "email", "glob"]
)
def test_an_adversarial_event_does_not_stall_a_pack(
    pack: str, subscriptions: list[dict[str, Any]] | None, event: dict[str, Any]
) -> None:
    destination = actions.load_destination(
        FUZZ_PACK / "destination.yaml" if pack == "fuzz" else pack
    )
    settings_ = destination.sample_settings() if pack != "fuzz" else {"region": "eu", "token": "t"}
    configured = actions.configure(destination, settings_, subscriptions)
    configured.process(event)  # a first call warms what is cached
    best = 1.0
    for _ in range(3):  # the best of three: a busy machine does not fail it
        start = time.perf_counter()
        outcomes = configured.process(event)
        best = min(best, time.perf_counter() - start)
    assert outcomes
    assert best < 1.0
