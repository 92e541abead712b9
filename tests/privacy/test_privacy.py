"""Hashing with a secret key, consent and suppression, through the engine, a config file and
`actions explain`."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import pickle
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import actions
from actions.cli import explain_lines
from actions.engine.outcomes import Filtered, Request
from actions.engine.privacy import (
    MAX_SUPPRESSION_LINE,
    SuppressionList,
    compile_gate,
    identity_key,
)
from actions.errors import InvalidInputError

HERE = Path(__file__).parent
PACK = HERE / "audience" / "destination.yaml"
SETTINGS = {"api_key": "k-123", "hash_key": "pepper-Secret"}
EMAIL_SHA256 = "973dfe463ec85785f5f95af5ba3906eedb2d931c24e69824a89ea65dba4e813b"


def event(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "type": "track",
        "event": "Order Completed",
        "userId": "user-1",
        "anonymousId": "anon-1",
        "context": {
            "traits": {"email": "  Test@Example.com ", "phone": "(415) 555-2671"},
            "consent": {"categoryPreferences": {"Advertising": True, "Analytics": False}},
        },
    }
    base.update(changes)
    return base


def configure(**options: Any) -> Any:
    return actions.configure(actions.load_destination(PACK), SETTINGS, **options)


def hmac_hex(key: str, text: str) -> str:
    return hmac.new(key.encode(), text.encode(), hashlib.sha256).hexdigest()


# -- @hash with a key from a secret setting ------------------------------------------------------


def test_hmac_key_from_a_secret_setting_is_never_shown() -> None:
    configured = configure()
    (request,) = configured.process(event())
    assert isinstance(request, Request)
    sent = json.loads(request.to_dict(reveal_secrets=True)["body"])
    shown = json.loads(request.to_dict()["body"])
    assert sent["em"] == shown["em"] == EMAIL_SHA256
    assert sent["em_hmac"] == hmac_hex("pepper-Secret", "test@example.com")
    # What is shown is derived from *** instead of the key.
    assert shown["em_hmac"] == hmac_hex("***", "test@example.com")
    assert shown["em_hmac"] != sent["em_hmac"]
    explained = "\n".join(explain_lines(configured, event()))
    everything = [repr(request), json.dumps(request.to_dict()), explained, repr(configured)]
    for text in everything:
        assert "pepper-Secret" not in text
        assert sent["em_hmac"] not in text
    assert "em_hmac" in explained
    assert "(from a secret setting, shown as ***)" in explained


def test_a_missing_key_fails_the_field_without_showing_anything() -> None:
    configured = actions.configure(actions.load_destination(PACK), {"api_key": "k-123"})
    (outcome,) = configured.process(event())
    assert outcome.kind == "failed"
    assert "the key gives no text" in json.dumps(outcome.to_dict())


# -- consent ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("consent", "preferences", "kind", "key"),
    [
        ({"categories": ["Advertising"]}, {"Advertising": True}, "request", None),
        (
            {"categories": ["Advertising"]},
            {"Advertising": False},
            "filtered",
            "consent:Advertising",
        ),
        ({"categories": ["Advertising"]}, {}, "filtered", "consent:Advertising"),
        (
            {"categories": ["Advertising"]},
            {"Advertising": "yes"},
            "filtered",
            "consent:Advertising",
        ),
        (
            {"categories": ["Advertising", "Analytics"]},
            {"Advertising": True, "Analytics": False},
            "filtered",
            "consent:Analytics",
        ),
        (
            {"categories": ["Advertising", "Analytics"], "require": "any"},
            {"Advertising": False, "Analytics": True},
            "request",
            None,
        ),
        (
            {"categories": ["Advertising", "Analytics"], "require": "any"},
            {"Advertising": False},
            "filtered",
            "consent:Advertising or Analytics",
        ),
        ({"categories": ["Advertising"]}, None, "filtered", "consent:(no consent object)"),
        ({"categories": ["Advertising"], "absent": "allow"}, None, "request", None),
        ({"categories": ["Advertising"], "absent": "allow"}, {}, "filtered", "consent:Advertising"),
    ],
)
def test_consent(consent: dict[str, Any], preferences: Any, kind: str, key: str | None) -> None:
    configured = configure(consent=consent)
    data = event()
    if preferences is None:
        del data["context"]["consent"]
    else:
        data["context"]["consent"]["categoryPreferences"] = preferences
    (outcome,) = configured.process(data)
    assert outcome.kind == kind
    counts = configured.counts
    assert counts.events == 1
    if key is None:
        assert counts.privacy == {}
        assert counts.delivered == 1
        return
    assert isinstance(outcome, Filtered)
    assert outcome.filter == "consent"
    assert outcome.reason.startswith("consent: ")
    assert counts.privacy == {key: 1}
    assert counts.filtered == 1
    category = key.removeprefix("consent:")
    if not category.startswith("("):
        assert all(repr(c) in outcome.reason for c in category.split(" or "))


def test_consent_explained() -> None:
    configured = configure(consent={"categories": ["Analytics"]})
    lines = list(explain_lines(configured, event()))
    assert lines[0] == (
        "consent: needs all of 'Analytics': filtered "
        "(consent: the event does not grant the category 'Analytics')"
    )
    assert '"filter": "consent"' in "\n".join(lines)


def test_bad_consent_is_a_configuration_error() -> None:
    with pytest.raises(InvalidInputError) as caught:
        configure(consent={"categories": [], "require": "most", "when": 1})
    rules = sorted(d.path for d in caught.value.diagnostics)
    assert rules == [("consent", "categories"), ("consent", "require"), ("consent", "when")]


# -- suppression ------------------------------------------------------------------------------

LIST = """# deletion requests, 2026-11
user-1
 Someone@Example.COM
{email_hash}

anon-9
""".format(email_hash=hashlib.sha256(b"hashed@example.com").hexdigest().upper())


@pytest.fixture
def listed(tmp_path: Path) -> Path:
    path = tmp_path / "suppressed.txt"
    path.write_text(LIST, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("changes", "path"),
    [
        ({}, "userId"),
        ({"userId": "user-2", "anonymousId": "anon-9"}, "anonymousId"),
        ({"userId": "user-2", "traits": {"email": "someone@example.com"}}, "traits.email"),
        (
            {"userId": "user-2", "context": {"traits": {"email": "  SOMEONE@example.com"}}},
            "context.traits.email",
        ),
        ({"userId": "user-2", "traits": {"email": "Hashed@Example.com"}}, "traits.email"),
        ({"userId": "someone@example.com"}, "userId"),
    ],
)
def test_suppressed(listed: Path, changes: dict[str, Any], path: str) -> None:
    configured = configure(suppress=[str(listed)])
    (outcome,) = configured.process(event(**changes))
    assert isinstance(outcome, Filtered)
    assert outcome.to_dict() == {
        "kind": "filtered",
        "reason": f"suppressed: the event's {path} is on the suppression list",
        "filter": "suppressed",
    }
    assert configured.counts.privacy == {"suppressed": 1}


def test_not_suppressed(listed: Path) -> None:
    configured = configure(suppress=[str(listed)])
    for changes in (
        {"userId": "User-1"},  # ids keep their case
        {"userId": "user-10"},
        {"userId": "user-2", "properties": {"email": "someone@example.com"}},  # not a checked path
        {"userId": "user-2", "traits": "someone@example.com"},
        {"userId": "# deletion requests, 2026-11"},  # comments are no entries
    ):
        assert [o.kind for o in configured.process(event(**changes))] == ["request"]


def test_entries_never_appear(listed: Path) -> None:
    configured = configure(suppress=[str(listed)])
    suppression = configured.suppression
    assert len(suppression) == 4
    entries = ["user-1", "someone@example.com", "Someone@Example.COM", "anon-9"]
    held = pickle.dumps(suppression) + pickle.dumps(configured)
    shown = [repr(suppression), repr(configured), json.dumps(configured.counts.to_dict())]
    shown += explain_lines(configured, event(userId="user-2"))
    shown += explain_lines(configured, event())
    for entry in entries:
        assert all(entry not in text for text in shown)
        assert entry.encode() not in held
    # Not kept as text: the objects the list holds are numbers and digests.
    assert not any(isinstance(value, str) for value in suppression._keys)
    assert (
        "suppression: userId, anonymousId, traits.email, context.traits.email checked against "
        "4 entries: filtered (suppressed: the event's userId is on the suppression list)"
    ) in shown
    assert (
        "suppression: userId, anonymousId, traits.email, context.traits.email checked against "
        "4 entries: not on the list"
    ) in shown


def test_suppression_pickles_and_reads_the_file_again(listed: Path) -> None:
    configured = configure(suppress=[str(listed)], consent={"categories": ["Advertising"]})
    copy_ = pickle.loads(pickle.dumps(configured))
    assert [o.kind for o in copy_.process(event())] == ["filtered"]
    assert copy_.consent == configured.consent
    assert len(copy_.suppression) == 4


def test_suppression_comes_before_consent_and_after_integrations(listed: Path) -> None:
    configured = configure(suppress=[str(listed)], consent={"categories": ["Analytics"]})
    (first,) = configured.process(event())
    assert isinstance(first, Filtered)
    assert first.filter == "suppressed"
    (second,) = configured.process(event(userId="user-2"))
    assert isinstance(second, Filtered)
    assert second.filter == "consent"
    (third,) = configured.process(event(integrations={"Audience": False}))
    assert third.kind == "skipped"
    assert configured.counts.privacy == {"suppressed": 1, "consent:Analytics": 1}


def test_privacy_comes_before_the_destination_filters(listed: Path) -> None:
    configured = configure(suppress=[str(listed)], filters=[{"drop": 'type = "track"'}])
    (outcome,) = configured.process(event())
    assert isinstance(outcome, Filtered)
    assert outcome.filter == "suppressed"


def test_nothing_to_check_is_no_gate(tmp_path: Path) -> None:
    assert compile_gate(None, None) is None
    empty = tmp_path / "empty.txt"
    empty.write_text("# nobody yet\n\n", encoding="utf-8")
    assert compile_gate(None, SuppressionList.load([empty])) is None
    assert configure()._gate is None


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"ok\n" + b"x" * (MAX_SUPPRESSION_LINE + 1) + b"\n", ":2: an entry longer than 1,000"),
        (b"ok\nsecret-\xff-id\n", ":2: the suppression list is not UTF-8"),
    ],
)
def test_bad_suppression_files_name_the_line_not_its_text(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "list.txt"
    path.write_bytes(content)
    with pytest.raises(InvalidInputError) as caught:
        configure(suppress=[str(path)])
    (problem,) = caught.value.diagnostics
    assert message in problem.message
    assert problem.rule == "suppress-file"
    assert "secret-" not in str(caught.value)
    assert "xxxx" not in str(caught.value)


def test_a_missing_file_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="cannot read suppression list"):
        configure(suppress=[str(tmp_path / "nope.txt")])


def test_64_characters_that_are_not_hex_are_an_identifier(tmp_path: Path) -> None:
    odd = "z" * 64
    spaced = "ab " * 16 + "ab" * 8  # hex with spaces: bytes.fromhex gives 24 bytes
    path = tmp_path / "list.txt"
    path.write_text(f"{odd}\n{spaced}\n{'0' * 64}\n", encoding="utf-8")
    listed = SuppressionList.load([path])
    assert len(listed) == 3
    assert odd in listed
    assert spaced in listed
    assert "0" * 64 not in listed  # a hash: it matches the text whose SHA-256 it is


def test_identity_key() -> None:
    assert identity_key("  Test@Example.com ") == "test@example.com"
    assert identity_key(" User-ABC ") == "User-ABC"


def test_a_million_entries_load_without_stalling(tmp_path: Path) -> None:
    """A generous bound (docs/performance.md gives the measured time, from
    benchmarks/bench_privacy.py)."""
    path = tmp_path / "million.txt"
    with path.open("w", encoding="utf-8") as handle:
        for i in range(1_000_000):
            handle.write(f"person.{i}@example.com\n" if i % 3 == 0 else f"user-{i:08d}\n")
    start = time.process_time()
    loaded = SuppressionList.load([path])
    assert time.process_time() - start < 10
    assert len(loaded) == 1_000_000
    assert "user-00000001" in loaded
    assert "Person.3@Example.com" in loaded
    assert "user-1" not in loaded


# -- config files -----------------------------------------------------------------------------


def test_config_file(tmp_path: Path, listed: Path) -> None:
    (tmp_path / "lists").mkdir()
    (tmp_path / "lists" / "suppressed.txt").write_text(LIST, encoding="utf-8")
    config = tmp_path / "audience.yaml"
    config.write_text(
        f"destination: {PACK}\n"
        "settings: {api_key: k-123, hash_key: pepper}\n"
        "consent: {categories: [Advertising], absent: allow}\n"
        "suppress: lists/suppressed.txt\n",
        encoding="utf-8",
    )
    configured = actions.load_config(config)
    data = event(userId="user-2")
    assert [o.kind for o in configured.process(copy.deepcopy(data))] == ["request"]
    del data["context"]["consent"]
    assert [o.kind for o in configured.process(data)] == ["request"]
    assert [o.kind for o in configured.process(event())] == ["filtered"]
    assert configured.counts.privacy == {"suppressed": 1}


def test_config_schema_errors_are_located(tmp_path: Path) -> None:
    config = tmp_path / "audience.yaml"
    config.write_text(
        f"destination: {PACK}\nsettings: {{api_key: k}}\n"
        "consent: {categories: Advertising}\nsuppress: []\n",
        encoding="utf-8",
    )
    with pytest.raises(InvalidInputError) as caught:
        actions.load_config(config)
    found = sorted((d.rule, d.location.line if d.location else 0) for d in caught.value.diagnostics)
    assert found == [("schema", 3), ("schema", 4)]


def test_a_pipeline_built_from_a_config_keeps_consent_and_suppression() -> None:
    from actions.pipelines import DestinationSpec

    example = HERE / "example"
    spec = DestinationSpec.from_config(example / "config.yaml")
    assert spec.consent == {"categories": ["Advertising"]}
    assert spec.suppress == (str(example / "suppressed.txt"),)
    worker = pickle.loads(pickle.dumps(spec)).build()
    events = [json.loads(line) for line in (example / "events.jsonl").read_text().splitlines()]
    kinds = [o.kind for e in events for o in worker.process(e)]
    assert kinds == ["request", "filtered", "filtered", "filtered", "filtered"]
    assert b"user-42" not in pickle.dumps(spec)


_KEYS = ["userId", "anonymousId", "traits", "context", "email", "consent", "categoryPreferences"]
_KEYS += ["Advertising", "type", "event"]
_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(_KEYS),
            inner,
            max_size=4,
        )
    ),
    max_leaves=12,
)


@given(st.lists(_values, max_size=12))
@settings(max_examples=60, deadline=None)
def test_any_event_is_accounted_for(events: list[Any]) -> None:
    """Whatever the events hold where consent and identifiers are read, the checks never raise
    and every event is counted once."""
    configured = configure(
        consent={"categories": ["Advertising"], "require": "any"},
        suppress=[str(HERE / "example" / "suppressed.txt")],
    )
    for item in events:
        data = event(**item) if isinstance(item, dict) else item
        outcomes = configured.process(data)
        assert outcomes
        assert not any("internal error" in json.dumps(o.to_dict()) for o in outcomes)
    counts = configured.counts
    assert counts.events == len(events)
    assert counts.events == counts.delivered + counts.filtered + counts.skipped + counts.failed
    assert sum(counts.privacy.values()) <= counts.filtered
