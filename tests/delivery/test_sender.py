"""The senders against a real HTTP server on 127.0.0.1: retries as the pack classifies each
answer, Retry-After, timeouts, resets, limits, the ledger, and every request accounted for."""

from __future__ import annotations

import asyncio
import email.utils
import itertools
import json
import sqlite3
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import attrs
import pytest
from _support import Answer, Received, events, requests, serving

import actions
from actions.delivery import (
    EXCERPT_LIMIT,
    AsyncSender,
    DeliveryResult,
    Ledger,
    RetryPolicy,
    Sender,
    TokenBucket,
    delivery_record,
)
from actions.engine.outcomes import Request

FAST = RetryPolicy(max_attempts=4, max_elapsed=30.0, base=0.01, cap=0.05)
UNLIMITED = {"rate": 0, "concurrency": 8}


def send_all(
    pack: str,
    reqs: list[Request],
    url: str,
    delivery: dict[str, object] | None = None,
    policy: RetryPolicy | None = FAST,
    ledger: Ledger | None = None,
) -> list[DeliveryResult]:
    destination = actions.load_destination(pack)
    settings = {**UNLIMITED, **(delivery or {})}
    with Sender(destination, settings, endpoint=url, policy=policy, ledger=ledger) as sender:
        workers = int(settings["concurrency"])  # type: ignore[call-overload]
        with ThreadPoolExecutor(workers) as pool:
            return list(pool.map(lambda r: sender.send(r[1], f"key-{r[0]}"), enumerate(reqs)))


def test_every_request_is_delivered_once_and_keeps_its_path() -> None:
    reqs = requests("kochava", 30)
    with serving() as server:
        results = send_all("kochava", reqs, server.url)
    assert [r.status for r in results] == ["delivered"] * 30
    assert all(r.attempts == 1 and r.http_status == 200 for r in results)
    assert sorted(server.bodies()) == sorted(r.body for r in reqs)
    assert {r.path for r in server.received} == {"/track/json"}


def test_the_async_sender_delivers_every_request() -> None:
    reqs = requests("branch", 25)

    async def main(url: str) -> list[DeliveryResult]:
        destination = actions.load_destination("branch")
        async with AsyncSender(destination, UNLIMITED, endpoint=url, policy=FAST) as sender:
            return await asyncio.gather(*(sender.send(r) for r in reqs))

    with serving() as server:
        results = asyncio.run(main(server.url))
    assert Counter(r.status for r in results) == {"delivered": 25}
    assert Counter(server.bodies()) == Counter(r.body for r in reqs)


def flaky(received: Received, nth: int) -> Answer:
    return Answer(503, "busy") if nth <= 2 else Answer()


def test_retry_class_answers_are_retried_until_acknowledged() -> None:
    reqs = requests("kochava", 10)
    with serving(flaky) as server:
        results = send_all("kochava", reqs, server.url)
    assert [(r.status, r.attempts, r.http_status) for r in results] == [("delivered", 3, 200)] * 10
    assert Counter(server.bodies()) == Counter({r.body: 3 for r in reqs})


def test_a_drop_class_answer_is_not_retried_and_gives_the_packs_reason() -> None:
    reqs = requests("adjust", 3)
    with serving(lambda r, n: Answer(404, "Device not found")) as server:
        results = send_all("adjust", reqs, server.url)
    assert {(r.status, r.attempts, r.http_status) for r in results} == {("dropped", 1, 404)}
    assert results[0].reason is not None
    assert "no install for this device" in results[0].reason
    assert len(server.received) == 3


def test_attempts_exhausted_dead_letters_with_a_bounded_excerpt() -> None:
    reqs = requests("kochava", 4)
    with serving(lambda r, n: Answer(500, "x" * 5000)) as server:
        results = send_all("kochava", reqs, server.url)
    assert {(r.status, r.attempts, r.http_status) for r in results} == {("dead-lettered", 4, 500)}
    assert results[0].reason is not None
    assert "gave up after 4 attempts" in results[0].reason
    assert results[0].response == "x" * EXCERPT_LIMIT
    assert len(server.received) == 16


def test_a_retry_after_past_max_elapsed_gives_up_at_once() -> None:
    reqs = requests("kochava", 1)
    answer = Answer(429, "slow down", {"Retry-After": "120"})
    with serving(lambda r, n: answer) as server:
        (result,) = send_all("kochava", reqs, server.url, policy=RetryPolicy(5, max_elapsed=10.0))
    assert (result.status, result.attempts) == ("dead-lettered", 1)
    assert result.reason is not None
    assert "Retry-After 120s" in result.reason
    assert len(server.received) == 1


def gaps(received: list[Received]) -> list[float]:
    return [b.at - a.at for a, b in itertools.pairwise(received)]


def test_retry_after_in_seconds_is_obeyed_on_429() -> None:
    reqs = requests("kochava", 1)

    def script(received: Received, nth: int) -> Answer:
        return Answer(429, "slow", {"Retry-After": "1"}) if nth == 1 else Answer()

    with serving(script) as server:
        (result,) = send_all("kochava", reqs, server.url)
    assert (result.status, result.attempts) == ("delivered", 2)
    assert gaps(server.received)[0] >= 0.95


def test_retry_after_as_an_http_date_is_obeyed_on_503() -> None:
    reqs = requests("kochava", 1)

    def script(received: Received, nth: int) -> Answer:
        if nth == 1:
            when = email.utils.formatdate(time.time() + 2.0, usegmt=True)
            return Answer(503, "maintenance", {"Retry-After": when})
        return Answer()

    with serving(script) as server:
        (result,) = send_all("kochava", reqs, server.url)
    assert (result.status, result.attempts) == ("delivered", 2)
    assert gaps(server.received)[0] >= 0.95  # the date has a resolution of one second


def test_retry_after_is_not_used_on_other_statuses() -> None:
    reqs = requests("kochava", 1)

    def script(received: Received, nth: int) -> Answer:
        return Answer(500, "oops", {"Retry-After": "30"}) if nth == 1 else Answer()

    with serving(script) as server:
        (result,) = send_all("kochava", reqs, server.url)
    assert (result.status, result.attempts) == ("delivered", 2)
    assert gaps(server.received)[0] < 5.0


def test_read_timeouts_and_resets_are_retried() -> None:
    reqs = requests("kochava", 6)

    def script(received: Received, nth: int) -> Answer:
        if nth == 1:
            return Answer(delay=1.0) if '"order-1"' in received.body else Answer(reset=True)
        return Answer()

    with serving(script) as server:
        results = send_all("kochava", reqs, server.url, {"read_timeout": 0.3})
    assert [(r.status, r.attempts) for r in results] == [("delivered", 2)] * 6


def test_a_refused_connection_is_retried_then_dead_lettered() -> None:
    with serving() as server:
        url = server.url  # the port is closed once the server stops
    (result,) = send_all("kochava", requests("kochava", 1), url)
    assert (result.status, result.attempts, result.http_status) == ("dead-lettered", 4, None)
    assert result.reason is not None
    assert result.reason.startswith("connection error")


SLACK = 0.05  # seconds: connections opened at the start make arrivals bunch


def test_the_rate_limit_holds_over_the_servers_receive_times() -> None:
    rate, burst, count = 20.0, 5, 40
    with serving() as server:
        results = send_all(
            "kochava", requests("kochava", count), server.url, {"rate": rate, "burst": burst}
        )
    assert all(r.status == "delivered" for r in results)
    times = sorted(r.at for r in server.received)
    for i in range(len(times)):
        for j in range(i, len(times)):
            # at most burst + rate * t in any window of t seconds (with slack for the network)
            assert j - i + 1 <= burst + rate * (times[j] - times[i] + SLACK) + 1
    assert times[-1] - times[0] >= (count - burst) / rate * 0.8


def test_no_more_than_concurrency_requests_are_in_flight() -> None:
    lock = threading.Lock()
    state = {"now": 0, "most": 0}

    def script(received: Received, nth: int) -> Answer:
        with lock:
            state["now"] += 1
            state["most"] = max(state["most"], state["now"])
        time.sleep(0.05)
        with lock:
            state["now"] -= 1
        return Answer()

    reqs = requests("kochava", 24)

    async def main(url: str) -> list[DeliveryResult]:
        destination = actions.load_destination("kochava")
        settings = {"rate": 0, "concurrency": 3}
        async with AsyncSender(destination, settings, endpoint=url, policy=FAST) as sender:
            return await asyncio.gather(*(sender.send(r) for r in reqs))

    with serving(script) as server:
        results = asyncio.run(main(server.url))
    assert all(r.status == "delivered" for r in results)
    assert state["most"] == 3


def test_the_ledger_skips_what_an_earlier_run_had_answered(tmp_path: Path) -> None:
    reqs = requests("kochava", 12)

    def script(received: Received, nth: int) -> Answer:
        n = int(json.loads(received.body)["data"]["event_data"]["order_id"].split("-")[1])
        return [Answer(), Answer(400, "bad"), Answer(500, "down")][n % 3]

    ledger_file = tmp_path / "ledger.sqlite"
    with serving(script) as server:
        with Ledger(ledger_file) as ledger:
            first = send_all("kochava", reqs, server.url, ledger=ledger)
        received_first = len(server.received)
        with Ledger(ledger_file) as ledger:
            second = send_all("kochava", reqs, server.url, ledger=ledger)
    assert Counter(r.status for r in first) == {"delivered": 4, "dropped": 4, "dead-lettered": 4}
    assert received_first == 4 + 4 + 4 * 4
    # acknowledged and dropped are not sent again; what was given up is tried again
    assert [r.status for r in second] == [r.status for r in first]
    assert sum(r.from_ledger for r in second) == 8
    assert len(server.received) == received_first + 4 * 4
    assert Ledger(ledger_file).count() == 8


def adjust_with_token(token: str) -> Request:
    destination = actions.load_destination("adjust")
    configured = actions.configure(
        destination, {**destination.sample_settings(), "s2s_token": token}
    )
    (event,) = events(1)
    (request,) = [o for o in configured.process(event) if isinstance(o, Request)]
    return request


@pytest.mark.parametrize("token", ["s2sTokenValue42", "tok/en+with spaces&more=1", "Zq"])
def test_a_dead_letter_record_has_no_secret_even_when_the_partner_echoes_it(token: str) -> None:
    request = adjust_with_token(token)
    assert token in request.to_dict(reveal_secrets=True)["headers"]["Authorization"]

    def echo(received: Received, nth: int) -> Answer:
        sent = received.headers["Authorization"]
        return Answer(500, f"bad token {sent!r}, that is {token} (JSON: {json.dumps(token)})")

    with serving(echo) as server:
        (result,) = send_all("adjust", [request], server.url)
    record = delivery_record(request, result, {"type": "track"}, destination="adjust", line=3)
    text = json.dumps(record)
    assert token not in text  # the tokens do not occur in the event itself
    assert json.dumps(token)[1:-1] not in text
    assert record["attempts"] == 4
    assert record["http_status"] == 500
    assert record["request"]["headers"]["Authorization"] == "Bearer ***"
    assert record["response"].startswith("bad token 'Bearer ***', that is ***")


def test_a_request_that_cannot_be_sent_is_dead_lettered_at_once() -> None:
    (good,) = requests("kochava", 1)
    bad_header = attrs.evolve(good, headers={**good.headers, "X-Note": "a\r\nInjected: 1"})
    bad_scheme = attrs.evolve(good, url="ftp://control.kochava.com/track/json")
    with serving() as server:
        destination = actions.load_destination("kochava")
        with Sender(destination, UNLIMITED, endpoint=server.url, policy=FAST) as sender:
            results = [sender.send(bad_header)]
        with Sender(destination, UNLIMITED, policy=FAST) as sender:  # no network needed
            results.append(sender.send(bad_scheme))
    assert [(r.status, r.attempts, r.http_status) for r in results] == [
        ("dead-lettered", 1, None)
    ] * 2
    assert all(r.reason is not None and "cannot send the request" in r.reason for r in results)
    assert server.received == []


def test_a_retry_after_holds_the_whole_destination() -> None:
    def script(received: Received, nth: int) -> Answer:
        if '"order-0"' in received.body and nth == 1:
            return Answer(429, "slow down", {"Retry-After": "1"})
        time.sleep(0.02)
        return Answer()

    reqs = requests("kochava", 30)
    with serving(script) as server:
        results = send_all("kochava", reqs, server.url, {"concurrency": 4})
    assert all(r.status == "delivered" for r in results)
    (limited,) = [r for r in server.received if '"order-0"' in r.body][:1]
    during = [r for r in server.received if limited.at + 0.3 < r.at < limited.at + 0.9]
    assert during == []  # only what was in flight arrived just after the 429
    assert server.received[-1].at - limited.at >= 0.95


def test_hold_pauses_a_bucket_without_a_rate() -> None:
    now = [0.0]
    bucket = TokenBucket(rate=0.0, burst=1, clock=lambda: now[0])
    bucket.hold(2.0)
    assert bucket.reserve() == 2.0
    now[0] = 2.5
    assert bucket.reserve() == 0.0


def test_an_answer_cut_at_the_bound_leaves_the_next_try_working() -> None:
    huge = "y" * (5 * 1024 * 1024)
    with serving(lambda r, n: Answer(500, huge) if n == 1 else Answer()) as server:
        (result,) = send_all("kochava", requests("kochava", 1), server.url)
    assert (result.status, result.attempts) == ("delivered", 2)


def test_a_read_timeout_is_named_in_the_dead_letter_reason() -> None:
    with serving(lambda r, n: Answer(delay=1.0)) as server:
        (result,) = send_all(
            "kochava",
            requests("kochava", 1),
            server.url,
            {"read_timeout": 0.2},
            policy=RetryPolicy(max_attempts=2, max_elapsed=30.0, base=0.01, cap=0.05),
        )
    assert (result.status, result.attempts, result.http_status) == ("dead-lettered", 2, None)
    assert result.reason is not None
    assert result.reason.startswith("read timeout")


def test_a_closed_sender_refuses_to_send() -> None:
    destination = actions.load_destination("kochava")
    sender = Sender(destination, UNLIMITED, policy=FAST)
    sender.close()
    sender.close()  # closing twice is harmless
    with pytest.raises(actions.ActionsError, match="closed"):
        sender.send(requests("kochava", 1)[0])


def test_answers_are_committed_within_a_pass_of_the_loop(tmp_path: Path) -> None:
    reqs = requests("kochava", 20)
    ledger_file = tmp_path / "ledger.sqlite"

    async def main(url: str) -> int:
        destination = actions.load_destination("kochava")
        with Ledger(ledger_file) as ledger:
            async with AsyncSender(
                destination, UNLIMITED, endpoint=url, policy=FAST, ledger=ledger
            ) as sender:
                await asyncio.gather(*(sender.send(r, f"key-{i}") for i, r in enumerate(reqs)))
                await asyncio.sleep(0)  # one pass: what a killed process would have committed
                other = sqlite3.connect(ledger_file)  # another reader sees only commits
                try:
                    return int(other.execute("SELECT count(*) FROM answered").fetchone()[0])
                finally:
                    other.close()

    with serving() as server:
        assert asyncio.run(main(server.url)) == 20
