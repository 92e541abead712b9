"""The parts of a request that come from secret settings, found from its sent and shown forms."""

from __future__ import annotations

import pytest
from _support import events, requests

import actions
from actions.delivery.redaction import redact, secret_parts
from actions.engine.outcomes import Request


def with_token(token: str) -> Request:
    destination = actions.load_destination("adjust")
    configured = actions.configure(
        destination, {**destination.sample_settings(), "s2s_token": token}
    )
    (request,) = [o for o in configured.process(events(1)[0]) if isinstance(o, Request)]
    return request


def test_a_request_without_secrets_has_no_secret_parts() -> None:
    (request,) = requests("kochava", 1)
    assert secret_parts(request) == ()
    assert redact("anything", ()) == "anything"


@pytest.mark.parametrize("token", ["abcDEF123", "a b+c/d", "ü-ß\\u00e9", "***x***"])
def test_each_secret_is_a_part_and_is_redacted(token: str) -> None:
    parts = secret_parts(with_token(token))
    assert parts is not None
    # A secret's own * characters may pair with the placeholder's: only those are left out.
    assert any(part.strip("*") and part.strip("*") in token for part in parts)
    if "*" not in token:
        assert token in parts
    text = redact(f"Authorization: Bearer {token}; again {token}", parts)
    assert text is not None
    assert token not in text


def test_nothing_is_shown_when_there_is_nothing_to_compare() -> None:
    assert redact("the answer", None) is None
