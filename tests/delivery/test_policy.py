"""Backoff, Retry-After, the token bucket and the delivery settings, without a network."""

from __future__ import annotations

import email.utils
import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

import actions
from actions._resources import pack_slugs
from actions.delivery import DeliverySettings, RetryPolicy, TokenBucket, parse_retry_after
from actions.destinations.loading import load_destination_text
from actions.errors import ActionsError

NOW = datetime(2026, 12, 6, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("120", 120.0),
        (" 3 ", 3.0),
        ("0", 0.0),
        (email.utils.format_datetime(NOW + timedelta(seconds=90), usegmt=True), 90.0),
        (email.utils.format_datetime(NOW - timedelta(seconds=90), usegmt=True), 0.0),
        ("Sun, 06 Dec 2026 12:00:30 GMT", 30.0),
        ("soon", None),
        ("-5", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_is_seconds_or_an_http_date(header: str | None, seconds: float | None) -> None:
    assert parse_retry_after(header, NOW) == seconds


@given(st.text(max_size=200))
def test_retry_after_never_raises_and_is_never_negative(header: str) -> None:
    seconds = parse_retry_after(header, NOW)
    assert seconds is None or seconds >= 0


@given(st.integers(min_value=1, max_value=200), st.integers(min_value=0, max_value=2**32))
def test_backoff_is_full_jitter_under_the_exponential_ceiling(attempt: int, seed: int) -> None:
    policy = RetryPolicy(10**6, 10**9, base=0.5, cap=20.0, rng=random.Random(seed))
    wait = policy.backoff(attempt)
    assert 0.0 <= wait <= min(20.0, 0.5 * 2 ** (attempt - 1))


def test_backoff_spreads_over_the_whole_range() -> None:
    policy = RetryPolicy(10, 100.0, base=1.0, cap=8.0, rng=random.Random(7))
    waits = [policy.backoff(4) for _ in range(2000)]
    assert min(waits) < 0.5
    assert max(waits) > 7.5


def test_a_policy_gives_up_on_attempts_and_on_time() -> None:
    policy = RetryPolicy(3, 10.0, base=1.0, cap=1.0)
    assert policy.after_failure(1, 0.0, None, "HTTP 500").retry
    assert not policy.after_failure(3, 0.0, None, "HTTP 500").retry
    assert policy.after_failure(1, 0.0, 5.0, "HTTP 429").wait == 5.0
    late = policy.after_failure(1, 6.0, 5.0, "HTTP 429")
    assert not late.retry
    assert "max_elapsed 10s" in late.reason


def test_the_token_bucket_allows_a_burst_then_the_rate() -> None:
    now = [0.0]
    bucket = TokenBucket(rate=10.0, burst=3, clock=lambda: now[0])
    assert [bucket.reserve() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert [round(bucket.reserve(), 6) for _ in range(3)] == [0.1, 0.2, 0.3]
    now[0] = 10.0  # a quiet period refills up to the burst, no more
    assert [bucket.reserve() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.reserve() > 0


def test_a_rate_of_zero_is_no_limit() -> None:
    bucket = TokenBucket(rate=0.0, burst=1)
    assert all(bucket.reserve() == 0.0 for _ in range(1000))


def test_every_pack_declares_its_delivery_settings() -> None:
    for pack in pack_slugs():
        delivery = actions.load_destination(pack).delivery
        assert delivery.concurrency >= 1
        assert delivery.rate > 0
        assert delivery.max_attempts >= 1


def test_overrides_replace_names_one_by_one() -> None:
    base = DeliverySettings(concurrency=4, rate=10)
    changed = base.with_overrides({"rate": 2, "concurrency": None})
    assert (changed.concurrency, changed.rate, changed.burst) == (4, 2.0, base.burst)


@pytest.mark.parametrize(
    "overrides",
    [{"rate": -1}, {"concurrency": 0}, {"concurrency": 1.5}, {"max_elapsed": 0}, {"burts": 3}],
)
def test_bad_overrides_are_refused(overrides: dict[str, object]) -> None:
    with pytest.raises(ActionsError):
        DeliverySettings().with_overrides(overrides)


PACK = """
name: Tiny
slug: tiny
actions:
  ping:
    title: Ping
    fields: {}
    request: {url: "https://example.invalid/ping"}
"""


def test_a_pack_without_a_delivery_block_gets_the_defaults() -> None:
    assert load_destination_text(PACK).delivery == DeliverySettings()


def test_a_packs_delivery_block_is_checked_by_the_schema() -> None:
    loaded = load_destination_text(PACK + "delivery: {rate: 3, read_timeout: 2.5}\n")
    assert (loaded.delivery.rate, loaded.delivery.read_timeout) == (3.0, 2.5)
    with pytest.raises(actions.DefinitionError) as caught:
        load_destination_text(PACK + "delivery: {rates: 3}\n")
    assert "unknown key 'rates'" in str(caught.value.diagnostics[0].message)
    with pytest.raises(actions.DefinitionError):
        load_destination_text(PACK + "delivery: {concurrency: 0}\n")
