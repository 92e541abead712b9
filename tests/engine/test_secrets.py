"""Secrets are redacted by structure: a request (and a failure) is shown as the same event gives
it with every secret setting's value replaced by ``***``. Nothing derived from a secret is
shown, in any encoding, and nothing else is touched."""

from __future__ import annotations

import json
import pickle
from typing import Any
from urllib.parse import quote, quote_plus

import pytest

import actions
from actions.destinations.loading import load_destination_text

PACK = """
name: Vault
slug: vault
settings:
  token: {type: string, required: true, secret: true}
  region: {type: string, default: eu}
actions:
  path:
    title: Secret in the URL path, upper-cased in the payload, in a JSON body
    default_trigger: type = "track"
    fields:
      name: {type: string, default: {"@path": "$.event"}}
      loud: {type: string, default: {"@case": {operator: upper, value: {"@path": "$settings.token"}}}}
      said: {type: string, default: {"@template": "key={{$settings.token}}!"}}
      swapped:
        type: string
        default: {"@replace": {value: {"@path": "$settings.token"}, pattern: "a", replacement: "b"}}
      note: {type: string, default: {"@path": "$.properties.note"}}
    request:
      url: "https://{{$settings.region}}.vault.example/v1/{{$settings.token}}/{{name}}"
      body: {encoding: json}
  form:
    title: Secret in a form body
    default_trigger: type = "identify"
    fields:
      token: {type: string, default: {"@path": "$settings.token"}}
      user: {type: string, default: {"@path": "$.userId"}}
    request:
      url: https://vault.example/form
      headers: {X-Token: "{{$settings.token}}", X-User: "{{user}}"}
      body: {encoding: form}
  fails:
    title: A secret read into a field that fails its check
    default_trigger: type = "page"
    fields:
      level: {type: string, choices: [low, high], default: {"@path": "$settings.token"}}
      kind: {type: string, choices: [low, high], default: {"@path": "$.properties.kind"}}
    request:
      url: https://vault.example/fails
      body: {encoding: json}
presets:
  - {name: path, action: path, trigger: type = "track"}
  - {name: form, action: form, trigger: type = "identify"}
  - {name: fails, action: fails, trigger: type = "page"}
"""

SECRET = 'a "é/&+ ?%'  # needs percent-encoding, form-encoding and JSON escaping
EVENT: dict[str, Any] = {
    "type": "track",
    "event": "Ordered",
    "userId": "u1",
    "messageId": "m1",
    "properties": {"note": "plain"},
}


def configure(token: str) -> actions.ConfiguredDestination:
    return actions.configure(load_destination_text(PACK), {"token": token})


def encodings(secret: str) -> set[str]:
    """Every form of ``secret`` a request could carry."""
    forms = {secret, secret.upper(), secret.lower(), secret.replace("a", "b")}
    out = set()
    for form in forms:
        out |= {form, quote(form, safe=""), quote_plus(form), json.dumps(form)[1:-1]}
        out.add(json.dumps(form, ensure_ascii=False)[1:-1])
    return {o for o in out if o}


def shown_text(outcome: Any) -> str:
    return repr(outcome) + json.dumps(outcome.to_dict(payload=True), ensure_ascii=False)


def test_no_encoding_or_derivation_of_a_secret_is_shown() -> None:
    configured = configure(SECRET)
    [request] = configured.process(EVENT)
    sent = request.to_dict(reveal_secrets=True, payload=True)
    # The request to send has the secret, encoded where it goes.
    assert quote(SECRET, safe="") in sent["url"]
    assert sent["payload"]["loud"] == SECRET.upper()
    text = shown_text(request)
    for form in encodings(SECRET):
        assert form not in text, form
    shown = request.to_dict(payload=True)
    assert shown["url"] == "https://eu.vault.example/v1/%2A%2A%2A/Ordered"
    assert shown["payload"] == {
        "name": "Ordered",
        "loud": "***",
        "said": "key=***!",
        "swapped": "***",
        "note": "plain",
    }
    assert json.loads(shown["body"]) == shown["payload"]


def test_form_bodies_and_headers() -> None:
    configured = configure(SECRET)
    [request] = configured.process({"type": "identify", "userId": "u&1", "messageId": "m"})
    assert quote_plus(SECRET) in str(request.to_dict(reveal_secrets=True)["body"])
    shown = request.to_dict()
    assert shown["headers"]["X-Token"] == "***"
    assert shown["headers"]["X-User"] == "u&1"
    assert shown["body"] == "token=%2A%2A%2A&user=u%261"
    for form in encodings(SECRET):
        assert form not in shown_text(request)


@pytest.mark.parametrize("secret", ["1", "e", "Ordered", "u"])
def test_a_short_secret_mangles_nothing(secret: str) -> None:
    configured = configure(secret)
    event = {**EVENT, "properties": {"note": f"1 {secret} e"}}
    [request] = configured.process(event)
    shown = request.to_dict(payload=True)
    assert shown["payload"]["name"] == "Ordered"
    assert shown["payload"]["note"] == f"1 {secret} e"
    assert shown["payload"]["loud"] == "***"
    assert "/v1/%2A%2A%2A/Ordered" in shown["url"]
    assert "subscription='path'" in repr(request)


def test_failure_messages_never_quote_a_secret() -> None:
    configured = configure("sekret")
    event = {"type": "page", "userId": "u", "messageId": "m", "properties": {"kind": "sekret"}}
    [failed] = configured.process(event)
    assert failed.kind == "failed"
    messages = {p.path: p.message for p in failed.problems}
    # The secret-derived field is quoted as ***; the event's own value, equal to the secret,
    # is quoted as it is.
    assert "'***'" in messages["$.level"]
    assert "sekret" in messages["$.kind"]
    assert "SEKRET" not in shown_text(failed)


def test_a_short_secret_in_a_failure_mangles_nothing() -> None:
    configured = configure("o")
    event = {"type": "page", "userId": "u", "messageId": "m", "properties": {"kind": "foo"}}
    [failed] = configured.process(event)
    messages = {p.path: p.message for p in failed.problems}
    assert "'foo'" in messages["$.kind"]
    assert "'***'" in messages["$.level"]


def test_no_secret_set_shows_the_request_as_it_is() -> None:
    destination = load_destination_text(PACK.replace("required: true, secret: true", ""))
    configured = actions.configure(destination, {"token": "tok"})
    [request] = configured.process(EVENT)
    assert request.shown is request
    assert request.to_dict() == request.to_dict(reveal_secrets=True)


def test_batch_requests_are_shown_from_shown_payloads(tmp_path: Any) -> None:
    from pathlib import Path

    demo = Path(__file__).parent / "packs" / "demo"
    configured = actions.configure(
        actions.load_destination(demo),
        {"api_key": "k"},
        [
            {
                "name": "b",
                "action": "track",
                "trigger": "type = 'track'",
                "mapping": {"text": {"@template": "{{$settings.api_key}}-{{$.event}}"}},
            }
        ],
    )
    events = [
        {"type": "track", "event": f"E{i}", "userId": "u", "context": {"device": {"id": "d"}}}
        for i in range(3)
    ]
    batch = configured.process_batch(events)
    assert len(batch.requests) == 2
    first = batch.requests[0]
    assert (
        json.loads(str(first.to_dict(reveal_secrets=True)["body"]))["events"][0]["text"] == "k-E0"
    )
    shown = json.loads(str(first.to_dict()["body"]))["events"]
    assert [p["text"] for p in shown] == ["***-E0", "***-E1"]


def test_a_placeholder_that_is_not_valid_where_it_goes_is_shown_as_stars() -> None:
    # A secret read into a number field: the placeholder is no number, so the field is ***.
    pack = PACK.replace(
        'note: {type: string, default: {"@path": "$.properties.note"}}',
        'note: {type: number, default: {"@convert": {to: number, '
        'value: {"@path": "$settings.token"}}}}',
    )
    configured = actions.configure(load_destination_text(pack), {"token": "42"})
    [request] = configured.process(EVENT)
    assert request.to_dict(reveal_secrets=True, payload=True)["payload"]["note"] == 42
    shown = request.to_dict(payload=True)
    assert shown["payload"]["note"] == "***"
    assert shown["payload"]["name"] == "Ordered"
    assert "42" not in shown_text(request)


def test_a_request_that_cannot_be_shown_shows_only_its_method() -> None:
    from actions.engine.outcomes import Request

    def broken(request: Request) -> Request:
        raise ValueError("secret-ish")

    request = Request(
        "s", "a", "POST", "https://x/k", {"A": "k"}, {"q": "k"}, "k", "json", {}, broken
    )
    assert request.to_dict() == {
        "kind": "request",
        "subscription": "s",
        "action": "a",
        "method": "POST",
        "url": "***",
        "headers": {"A": "***"},
        "query": {"***": "***"},
        "body": "***",
    }


def test_pickled_destinations_show_the_same() -> None:
    configured = pickle.loads(pickle.dumps(configure(SECRET)))
    [request] = configured.process(EVENT)
    assert request.to_dict(payload=True)["payload"]["loud"] == "***"


def test_requests_and_failures_pickle_as_shown() -> None:
    from actions.pipelines import dead_letter

    configured = configure(SECRET)
    [request] = configured.process(EVENT)
    again = pickle.loads(pickle.dumps(request))
    assert again == request
    assert again.to_dict(payload=True) == request.to_dict(payload=True)
    assert again.to_dict(reveal_secrets=True) == request.to_dict(reveal_secrets=True)
    event = {"type": "page", "userId": "u", "messageId": "m", "properties": {"kind": "x"}}
    [failed] = configured.process(event)
    assert isinstance(failed, actions.Failed)
    letter = json.dumps(dead_letter(event, failed), ensure_ascii=False)
    for form in encodings(SECRET):
        assert form not in letter, form
    assert "'***'" in letter
