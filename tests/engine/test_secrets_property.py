"""A property of every shipped pack: what is shown of an event's outcomes (``repr``,
``to_dict()``, ``actions explain``) does not depend on the secret settings' values, so no
encoding or derivation of a secret is ever in it; and nothing else in it is touched, however
short the secret."""

from __future__ import annotations

import copy
import json
from typing import Any
from urllib.parse import quote, quote_plus

import attrs
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import actions
from actions._resources import pack_slugs
from actions.cli import explain_lines
from actions.samples import load_sample_events

REFERENCE = "Zq-reference-9"
"""The secret of the reference configuration: what it shows was made with no other secret."""

# Per pack (every pack under mappings/), the settings treated as secret: the pack's own secret
# settings, and the setting each pack sends in every request (marked secret here, so that
# secrets reach URLs, headers, form bodies and JSON bodies). A new pack without a secret setting
# names the one it always sends here, or test_the_secret_is_sent fails for it.
SENT_IN_EVERY_REQUEST = {"adjust": "app_token", "branch": "branch_key", "kochava": "app_guid"}
PACKS: dict[str, tuple[str, ...]] = {
    slug: (
        *(n for n, s in actions.load_destination(slug).settings.items() if s.secret),
        *([SENT_IN_EVERY_REQUEST[slug]] if slug in SENT_IN_EVERY_REQUEST else []),
    )
    for slug in pack_slugs()
}
# Adjust again, with fields derived from a secret by directives.
DERIVED = [
    {
        "name": "derived",
        "action": "send_event",
        "trigger": 'type = "track"',
        "mapping": {
            "user_agent": {
                "@case": {"operator": "upper", "value": {"@path": "$settings.app_token"}}
            },
            "idfv": {"@case": {"operator": "lower", "value": {"@path": "$settings.app_token"}}},
            "event_token": {"@template": "t-{{$settings.app_token}}-{{$.event}}"},
            "android_id": {
                "@replace": {
                    "value": {"@path": "$settings.app_token"},
                    "pattern": "a",
                    "replacement": "b",
                }
            },
        },
    }
]
SAMPLES = [e for e in load_sample_events() if isinstance(e, dict)]

secrets = st.one_of(
    st.sampled_from(["1", "0", "e", "a", "s", "/", "&", "+", '"', "\\", "%", "é", " ", "true"]),
    st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=12),
).filter(lambda s: s != "***" and s != REFERENCE)


def configure(pack: str, secret: str, subscriptions: Any = None) -> actions.ConfiguredDestination:
    destination = actions.load_destination(pack)
    marked = PACKS[pack]
    specs = {
        name: attrs.evolve(spec, secret=True) if name in marked else spec
        for name, spec in destination.settings.items()
    }
    destination = attrs.evolve(destination, settings=specs)
    values = {**destination.sample_settings(), **dict.fromkeys(marked, secret)}
    if pack == "adjust":
        values["event_tokens"] = {"Order Completed": "oc1", "Signed Up": "su1"}
    return actions.configure(destination, values, subscriptions)


def forms(secret: str) -> set[str]:
    """The secret as a request or its rendering could carry it."""
    found = set()
    for text in {secret, secret.upper(), secret.lower(), secret.replace("a", "b")}:
        found |= {
            text,
            quote(text, safe=""),
            quote(text),
            quote_plus(text),
            json.dumps(text)[1:-1],
            json.dumps(text, ensure_ascii=False)[1:-1],
            json.dumps(json.dumps(text, ensure_ascii=False))[1:-1],  # a body within JSON
            repr(text)[1:-1],
        }
    return {f for f in found if f}


def shown(configured: actions.ConfiguredDestination, event: Any) -> list[str]:
    outcomes = configured.process(event)
    out = [o.kind for o in outcomes]
    for outcome in outcomes:
        out.append(repr(outcome))
        out.append(json.dumps(outcome.to_dict(payload=True), ensure_ascii=False))
        out.append(json.dumps(outcome.to_dict(payload=True)))
    out.extend(explain_lines(configured, event))
    return out


@st.composite
def events(draw: st.DrawFn, secret: str) -> dict[str, Any]:
    event = copy.deepcopy(draw(st.sampled_from(SAMPLES)))
    texts = st.one_of(
        st.text(max_size=8), st.just(secret), st.just(secret + "x"), st.just(f"1{secret}1")
    )
    event["userId"] = draw(texts) or "u"
    properties = event.setdefault("properties", {})
    properties["note"] = draw(texts)
    if draw(st.booleans()):
        event["event"] = draw(st.sampled_from(["Order Completed", "Signed Up", secret]))
    device = event.setdefault("context", {}).setdefault("device", {})
    device["id"] = draw(texts)
    return event


def check(pack: str, secret: str, event: dict[str, Any], subscriptions: Any = None) -> None:
    real = configure(pack, secret, subscriptions)
    reference = configure(pack, REFERENCE, subscriptions)
    seen = shown(real, event)
    expected = shown(reference, event)
    # A secret may be invalid where it goes (too long, say), which the reference is not.
    assume([o.kind for o in real.process(event)] == [o.kind for o in reference.process(event)])
    text, legitimate = "\n".join(seen), "\n".join(expected)
    for form in forms(secret):
        assert form not in text or form in legitimate, (form, text)
    assert seen == expected
    # Nothing that does not come from a secret is touched: each payload field that is the
    # same with either secret is shown as it is sent.
    for mine, theirs in zip(real.process(event), reference.process(event), strict=True):
        if not isinstance(mine, actions.Request) or not isinstance(theirs, actions.Request):
            continue
        sent = mine.to_dict(reveal_secrets=True, payload=True)["payload"]
        other = theirs.to_dict(reveal_secrets=True, payload=True)["payload"]
        view = mine.to_dict(payload=True)["payload"]
        for key, value in sent.items():
            if other.get(key) == value:
                assert view[key] == value, key
            else:  # derived from a secret: shown as with any other secret
                assert view[key] == theirs.to_dict(payload=True)["payload"][key], key


PROPERTY = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.filter_too_much]
)


@pytest.mark.parametrize("pack", sorted(PACKS))
@PROPERTY
@given(st.data(), secrets)
def test_no_secret_shows(pack: str, data: st.DataObject, secret: str) -> None:
    check(pack, secret, data.draw(events(secret)))


@PROPERTY
@given(st.data(), secrets)
def test_adjust_with_values_derived_from_a_secret(data: st.DataObject, secret: str) -> None:
    check("adjust", secret, data.draw(events(secret)), DERIVED)


def test_every_pack_has_a_secret_to_follow() -> None:
    assert {"adjust": ("s2s_token", "app_token"), "kochava": ("app_guid",)}.items() <= PACKS.items()
    assert all(PACKS.values()), [slug for slug, marked in PACKS.items() if not marked]


def test_the_secret_is_sent() -> None:
    # The property would hold of a destination that never sent its secrets: these do.
    event = next(e for e in SAMPLES if e.get("event") == "Order Completed")
    for pack in PACKS:
        requests = [o for o in configure(pack, "s/e c&r+t").process(event) if o.kind == "request"]
        assert requests, pack
        for request in requests:
            assert isinstance(request, actions.Request)
            sent = json.dumps(request.to_dict(reveal_secrets=True))
            assert any(form in sent for form in forms("s/e c&r+t")), pack
