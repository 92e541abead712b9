"""Batching against the partner emulator's ``/batch`` endpoint (a status per item): requests of
a batch action go in batches flushed on size or on age, only the items the partner did not take
are sent again, and every item is accounted for, in the ledger too."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from _support import events
from partners import Fault, PartnerServer

import actions
from actions.delivery import AsyncSender, Batcher, DeliveryResult, Ledger, RetryPolicy
from actions.destinations.model import ItemResults
from actions.engine.engine import ConfiguredDestination
from actions.engine.outcomes import Request

PACK = Path(__file__).resolve().parent / "packs" / "batching" / "destination.yaml"
FAST = RetryPolicy(max_attempts=3, max_elapsed=30.0, base=0.01, cap=0.05)


def configured() -> ConfiguredDestination:
    destination = actions.load_destination(PACK)
    return actions.configure(destination, destination.sample_settings())


def requests(count: int) -> list[Request]:
    target = configured()
    return [o for e in events(count) for o in target.process(e) if isinstance(o, Request)]


def deliver(
    url: str,
    reqs: list[Request],
    max_wait: float = 0.2,
    ledger: Ledger | None = None,
    flush: bool = True,
) -> list[DeliveryResult]:
    target = configured()

    async def main() -> list[DeliveryResult]:
        settings = {"rate": 0, "concurrency": 4, "max_wait": max_wait}
        async with AsyncSender(
            target, settings, endpoint=url, policy=FAST, ledger=ledger
        ) as sender:
            batcher = Batcher(sender, target)
            sends = asyncio.gather(*(batcher.send(r, f"key-{r.payload['id']}") for r in reqs))
            if flush:
                await asyncio.sleep(0)  # every request queued
                await batcher.flush()
            results = await asyncio.wait_for(sends, 20)
            await batcher.aclose()
            return list(results)

    return asyncio.run(main())


def batches(partners: PartnerServer) -> list[list[str]]:
    """The ids of the items of each batch the emulator received, in order."""
    return [[i["id"] for i in r.json()["items"]] for r in partners.received(partner="batch")]


def test_batches_are_flushed_on_size(partners: PartnerServer) -> None:
    reqs = requests(20)
    # max_wait far longer than the test's bound: only size can flush (no flush() either)
    results = deliver(partners.url, reqs, max_wait=60.0, flush=False)
    assert [r.status for r in results] == ["delivered"] * 20
    assert sorted(len(b) for b in batches(partners)) == [10, 10]
    assert Counter(partners.ack_counts().values()) == {1: 20}


def test_a_batch_is_flushed_on_age(partners: PartnerServer) -> None:
    results = deliver(partners.url, requests(3), max_wait=0.1, flush=False)
    assert [r.status for r in results] == ["delivered"] * 3
    assert batches(partners) == [["message-0", "message-1", "message-2"]]


def test_only_the_failed_items_are_sent_again(partners: PartnerServer) -> None:
    failing = {"message-1", "message-4", "message-7"}
    partners.plan([Fault.items(lambda _, item: item["id"] in failing, status=503)])
    results = deliver(partners.url, requests(10))
    assert [r.status for r in results] == ["delivered"] * 10
    first, second = batches(partners)
    assert len(first) == 10
    assert sorted(second) == sorted(failing)
    assert {f"message-{i}": r.attempts for i, r in enumerate(results)} == {
        f"message-{i}": 2 if f"message-{i}" in failing else 1 for i in range(10)
    }
    assert Counter(partners.ack_counts().values()) == {1: 10}


def test_a_refused_item_is_dropped_and_not_sent_again(partners: PartnerServer) -> None:
    partners.plan([Fault.items({2}, status=400, error="invalid item: no name")])
    results = deliver(partners.url, requests(5))
    assert [r.status for r in results] == ["delivered"] * 2 + ["dropped"] + ["delivered"] * 2
    dropped = results[2]
    assert (dropped.http_status, dropped.reason) == (400, "the partner refused the item")
    assert dropped.response == "invalid item: no name"
    assert len(batches(partners)) == 1


def test_items_failing_every_time_are_dead_lettered_and_the_ledger_keeps_the_rest(
    partners: PartnerServer, tmp_path: Path
) -> None:
    failing = {"message-0", "message-3"}
    down = Fault.items(lambda _, item: item["id"] in failing, status=500, error="down")
    partners.plan([down.always()])
    ledger_file = tmp_path / "ledger.sqlite"
    reqs = requests(6)
    with Ledger(ledger_file) as ledger:
        first = deliver(partners.url, reqs, ledger=ledger)
    assert Counter(r.status for r in first) == {"delivered": 4, "dead-lettered": 2}
    assert [first[0].status, first[3].status] == ["dead-lettered"] * 2
    assert first[0].attempts == 3
    assert first[0].reason is not None
    assert first[0].reason.startswith("item HTTP 500: the partner is busy; gave up after 3")
    assert (first[0].http_status, first[0].response) == (500, "down")
    # each later batch held only what was still failing
    assert [len(b) for b in batches(partners)] == [6, 2, 2]
    partners.clear_faults()
    with Ledger(ledger_file) as ledger:
        second = deliver(partners.url, reqs, ledger=ledger)
        assert ledger.count() == 6
    assert [r.from_ledger for r in second] == [False, True, True, False, True, True]
    assert batches(partners)[-1] == ["message-0", "message-3"]
    assert Counter(partners.ack_counts().values()) == {1: 6}


def test_a_whole_batch_failure_retries_every_item(partners: PartnerServer) -> None:
    partners.plan([Fault.status(503).when(lambda r: r.partner == "batch")])
    results = deliver(partners.url, requests(4))
    assert [(r.status, r.attempts) for r in results] == [("delivered", 2)] * 4
    assert [len(b) for b in batches(partners)] == [4, 4]


def test_requests_of_other_actions_are_not_batched(partners: PartnerServer) -> None:
    kochava = actions.load_destination("kochava")
    target = actions.configure(kochava, kochava.sample_settings())
    reqs = [o for e in events(3) for o in target.process(e) if isinstance(o, Request)]

    async def main() -> list[DeliveryResult]:
        async with AsyncSender(target, {"rate": 0}, endpoint=partners.url, policy=FAST) as s:
            batcher = Batcher(s, target)
            assert not batcher.batches(reqs[0])
            return await asyncio.gather(*(batcher.send(r) for r in reqs))

    assert [r.status for r in asyncio.run(main())] == ["delivered"] * 3
    assert len(partners.received(path="/track/json")) == 3


ITEMS = ItemResults(("results",), "status", "index", "error")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('{"results":[{"index":1,"status":200},{"index":0,"status":503,"error":"busy"}]}',
         [(503, "busy"), (200, "")]),
        ('{"results":[{"index":0,"status":"201"},{"index":9,"status":200}]}',
         [(201, ""), (None, "no status for the item in the answer")]),
        ('{"results":[{"index":true,"status":200},{"index":1,"status":2000}]}',
         [(None, "no status for the item in the answer")] * 2),
        ('{"results":{"index":0}}',
         [(None, "the answer has no list of per-item results at $.results")] * 2),
        ('{"results":[{"index":0,"status":200}',
         [(None, "the answer's per-item results are not readable JSON")] * 2),
        ("[" * 100_000, [(None, "the answer's per-item results are not readable JSON")] * 2),
    ],
)  # fmt: skip
def test_per_item_results_are_read_or_the_item_is_retried(
    body: str, expected: list[tuple[int | None, str]]
) -> None:
    assert ITEMS.read(body, 2) == expected


def test_positions_stand_for_indexes_when_none_is_named() -> None:
    items = ItemResults((), "code")
    assert items.read('[{"code":200},{"code":429}]', 2) == [(200, ""), (429, "")]


def test_an_items_block_is_checked_by_the_schema(tmp_path: Path) -> None:
    text = PACK.read_text(encoding="utf-8").replace("path: $.results", "path: 'results.0'")
    (tmp_path / "destination.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(actions.ActionsError, match=r"destination.yaml:28:\d+: error: .*results\.0"):
        actions.load_destination(tmp_path / "destination.yaml")


def test_a_secret_echoed_in_an_items_message_is_redacted(partners: PartnerServer) -> None:
    partners.plan([Fault.items({0}, status=400, error="bad key batch-secret-key-1")])
    (result,) = deliver(partners.url, requests(1))
    assert result.status == "dropped"
    assert "batch-secret-key-1" not in json.dumps([result.reason, result.response])


def test_run_send_batches_a_batch_actions_requests(partners: PartnerServer, tmp_path: Path) -> None:
    source = tmp_path / "events.jsonl"
    source.write_text("".join(json.dumps(e) + "\n" for e in events(25)), encoding="utf-8")
    partners.plan([Fault.items(lambda _, item: item["id"] == "message-3", status=503)])
    result = subprocess.run(
        [sys.executable, "-m", "actions", "run", str(PACK), str(source), "--send",
         "--endpoint", partners.url, "--max-wait", "0.1", "--summary-json",
         str(tmp_path / "summary.json")],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert sorted(json.loads(line["body"])["id"] for line in lines) == sorted(
        f"message-{n}" for n in range(25)
    )
    assert all(line["delivery"]["status"] == "delivered" for line in lines)
    assert "batch-secret-key-1" not in result.stdout  # each item shown as it is shown alone
    # batches of 10, 10 and the 5 left at the end of the input; then message-3 alone
    assert sorted(len(b) for b in batches(partners)) == [1, 5, 10, 10]
    assert batches(partners)[-1] == ["message-3"]
    assert Counter(partners.ack_counts().values()) == {1: 25}
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert summary["delivery"]["delivered"] == 25
    assert summary["delivery"]["retried"] == 1


def test_the_engines_batch_request_checks_what_it_is_given() -> None:
    target = configured()
    reqs = requests(11)
    built = target.batch_request(reqs[:10])
    assert json.loads(built.body or "")["items"] == [r.payload for r in reqs[:10]]
    assert "batch-secret-key-1" not in repr(built)
    with pytest.raises(actions.ActionsError, match="max_size"):
        target.batch_request(reqs)
    with pytest.raises(actions.ActionsError, match="at least one"):
        target.batch_request([])
    kochava = actions.load_destination("kochava")
    other = actions.configure(kochava, kochava.sample_settings())
    (single,) = [o for o in other.process(events(1)[0]) if isinstance(o, Request)]
    with pytest.raises(actions.ActionsError, match="does not batch"):
        other.batch_request([single])
