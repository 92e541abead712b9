"""The sender against the partner emulator (partners.py): the shipped packs' requests are
accepted as the partners document, and under every fault each request is accounted for and
nothing acknowledged is sent twice."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest
from _support import requests
from partners import Fault, PartnerServer

import actions
from actions.delivery import AsyncSender, DeliveryResult, RetryPolicy
from actions.engine.outcomes import Request

FAST = RetryPolicy(max_attempts=6, max_elapsed=60.0, base=0.01, cap=0.1)


def deliver(pack: str, reqs: list[Request], url: str, **delivery: object) -> list[DeliveryResult]:
    async def main() -> list[DeliveryResult]:
        settings = {"rate": 0, "concurrency": 16, "read_timeout": 0.5, **delivery}
        destination = actions.load_destination(pack)
        async with AsyncSender(destination, settings, endpoint=url, policy=FAST) as sender:
            return await asyncio.gather(*(sender.send(r) for r in reqs))

    return asyncio.run(main())


@pytest.mark.parametrize("pack", ["adjust", "kochava", "branch"])
def test_each_packs_requests_are_acknowledged_once(partners: PartnerServer, pack: str) -> None:
    reqs = requests(pack, 40)
    results = deliver(pack, reqs, partners.url)
    assert Counter(r.status for r in results) == {"delivered": 40}
    assert len(partners.acknowledged()) == 40
    assert partners.duplicates() == {}


@pytest.mark.parametrize("pack", ["adjust", "kochava", "branch"])
def test_under_every_fault_every_request_is_accounted_for(
    partners: PartnerServer, pack: str
) -> None:
    faults = [
        Fault.status(429, retry_after=1),
        Fault.status(429, retry_after_date=1),
        Fault.status(500),
        Fault.status(503),
        Fault.timeout(1.0),
        Fault.reset(),
        Fault.close(),
        Fault.slow(0.05),
    ]
    partners.chaos(0.35, faults, seed=3)
    reqs = requests(pack, 120)
    results = deliver(pack, reqs, partners.url)
    statuses = Counter(r.status for r in results)
    assert sum(statuses.values()) == len(reqs)
    assert set(statuses) <= {"delivered", "dead-lettered"}
    assert statuses["delivered"] > 100
    assert sum(r.attempts > 1 for r in results) > 20  # the faults were met, and retried
    assert partners.duplicates() == {}  # nothing acknowledged was sent again
    acknowledged = set(partners.ack_counts())
    assert len(acknowledged) == statuses["delivered"]
    for result in results:
        if result.status == "dead-lettered":
            assert result.attempts == FAST.max_attempts


def test_a_retry_after_date_is_obeyed(partners: PartnerServer) -> None:
    partners.plan([Fault.status(503, retry_after_date=2)])
    (result,) = deliver("kochava", requests("kochava", 1), partners.url)
    assert (result.status, result.attempts) == ("delivered", 2)
    first, second = partners.requests
    assert second.time - first.time >= 0.95  # the date is in whole seconds


SLACK = 0.25  # seconds: new connections, and a loaded machine, make arrivals bunch


def test_the_rate_limit_holds_at_the_partner(partners: PartnerServer) -> None:
    rate, burst = 40.0, 4
    results = deliver("branch", requests("branch", 60), partners.url, rate=rate, burst=burst)
    assert all(r.status == "delivered" for r in results)
    times = sorted(r.time for r in partners.requests)
    # Over the whole run, the rate holds exactly: 60 requests need (60 - burst) / rate seconds.
    assert times[-1] - times[0] >= (len(times) - burst - 1) / rate
    for i in range(len(times)):
        for j in range(i, len(times)):
            assert j - i + 1 <= burst + rate * (times[j] - times[i] + SLACK) + 1
