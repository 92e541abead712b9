"""``actions run --send``: deliver the requests of a run, and account for every one."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from actions.delivery.config import config_delivery
from actions.delivery.deadletter import DeadLetter, delivery_record
from actions.delivery.ledger import Ledger, event_digest, request_key
from actions.delivery.result import DeliveryResult
from actions.destinations.delivery import DeliverySettings
from actions.engine.engine import ConfiguredDestination
from actions.engine.outcomes import Failed, Outcome, Request
from actions.jsonvalues import json_line_text
from actions.yamlsource import load_yaml

Item = tuple[int, Any, list[Outcome]]
"""(line number, the event or None when the line was not one, its outcomes)."""

_CHUNK = 256  # outcomes without a request handed to the sender at once


def delivery_settings(
    args: argparse.Namespace, configured: ConfiguredDestination
) -> DeliverySettings:
    """The pack's ``delivery:`` block, then the config's, then the command line's."""
    settings = configured.destination.delivery
    target = Path(args.destination)
    if target.is_file() and target.name != "destination.yaml":
        loaded = load_yaml(target.read_text(encoding="utf-8"), str(target))
        if isinstance(loaded.value, dict) and "destination" in loaded.value:
            settings = settings.with_overrides(config_delivery(target))
    return settings.with_overrides(
        {
            "concurrency": args.concurrency,
            "rate": args.rate,
            "burst": args.burst,
            "max_attempts": args.max_attempts,
            "max_elapsed": args.max_elapsed,
            "max_wait": args.max_wait,
        }
    )


class _Tally:
    def __init__(self) -> None:
        self.events = 0
        self.kinds: dict[str, int] = {}
        self.delivery: dict[str, int] = {
            "delivered": 0,
            "dropped": 0,
            "dead-lettered": 0,
            "retried": 0,
            "from_ledger": 0,
        }
        self.latencies: list[float] = []

    def add(self, result: DeliveryResult) -> None:
        self.delivery[result.status] += 1
        if result.from_ledger:
            self.delivery["from_ledger"] += 1
        else:
            self.latencies.append(result.latency)
        if result.attempts > 1:
            self.delivery["retried"] += 1

    def summary(self, elapsed: float, settings: DeliverySettings) -> dict[str, Any]:
        ordered = sorted(self.latencies)

        def percentile(p: float) -> float | None:
            if not ordered:
                return None
            return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000.0, 3)

        return {
            "events": self.events,
            "outcomes": dict(sorted(self.kinds.items())),
            "delivery": dict(self.delivery),
            "latency_ms": {"p50": percentile(0.50), "p99": percentile(0.99)},
            "elapsed_s": round(elapsed, 3),
            "settings": settings.to_dict(),
        }


def _engine_failure(number: int, event: Any, outcome: Failed) -> dict[str, Any]:
    return {
        "line": number,
        "event": event,
        "subscription": outcome.subscription,
        "reason": outcome.reason,
        "problems": [p.to_dict() for p in outcome.problems],
    }


def _chunks(items: Iterable[Item]) -> Iterator[list[Item]]:
    """The items in order, an item with a request alone or last in its chunk."""
    chunk: list[Item] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= _CHUNK or any(isinstance(o, Request) for o in item[2]):
            yield chunk
            chunk = []
    if chunk:
        yield chunk


async def _produce(items: Iterable[Item], queue: asyncio.Queue[list[Item] | None]) -> None:
    """Read and process the input in a thread (standard input may block), in order."""
    loop = asyncio.get_running_loop()
    failure: list[BaseException] = []

    def work() -> None:
        try:
            for chunk in _chunks(items):
                asyncio.run_coroutine_threadsafe(queue.put(chunk), loop).result()
        except BaseException as exc:  # handed to the loop, raised there
            failure.append(exc)
        finally:
            asyncio.run_coroutine_threadsafe(queue.put(None), loop).result()

    thread = threading.Thread(target=work, name="actions-input", daemon=True)
    thread.start()
    await asyncio.to_thread(thread.join)
    if failure:
        raise failure[0]


def _window(configured: ConfiguredDestination, settings: DeliverySettings) -> int:
    """How many requests may wait for their delivery at once: enough to keep ``concurrency``
    requests in flight, or ``concurrency`` full batches and one filling."""
    sizes = [a.batch.max_size for a in configured.destination.actions.values() if a.batch]
    largest = max(sizes, default=0)
    return settings.concurrency * max(4, largest) + largest


def run_send(
    args: argparse.Namespace, configured: ConfiguredDestination, items: Iterable[Item]
) -> int:
    """Deliver every request of ``items``; write each outcome (a request's with its
    ``delivery``), the dead letter and the summary. Exit 1 when a request was given up."""
    settings = delivery_settings(args, configured)
    return asyncio.run(_run(args, configured, settings, items))


async def _run(
    args: argparse.Namespace,
    configured: ConfiguredDestination,
    settings: DeliverySettings,
    items: Iterable[Item],
) -> int:
    from actions.delivery.batching import Batcher  # aiohttp: only when sending
    from actions.delivery.sender import AsyncSender

    slug = configured.destination.slug
    tally = _Tally()
    start = time.perf_counter()
    show_progress = sys.stderr.isatty() and not args.quiet
    out: IO[str] = (
        open(args.output, "w", encoding="utf-8") if args.output else sys.stdout  # noqa: SIM115
    )
    dead = (
        DeadLetter(open(args.dead_letter, "w", encoding="utf-8"))  # noqa: SIM115
        if args.dead_letter
        else None
    )
    ledger = Ledger(args.ledger) if args.ledger else None
    sender = AsyncSender(configured, settings, endpoint=args.endpoint, ledger=ledger)
    batcher = Batcher(sender, configured)  # a batch action's requests wait for their batch
    window = asyncio.Semaphore(_window(configured, settings))
    pending: set[asyncio.Task[None]] = set()
    occurrences: dict[str, int] = {}

    def write(record: dict[str, Any]) -> None:
        out.write(json_line_text(record))

    async def deliver(number: int, event: Any, request: Request, key: str) -> None:
        try:
            result = await batcher.send(request, key)
            record = request.to_dict(reveal_secrets=args.reveal_secrets)
            record["line"] = number
            record["delivery"] = result.to_dict()
            write(record)
            tally.add(result)
            if dead is not None and result.status == "dead-lettered":
                dead.write(delivery_record(request, result, event, destination=slug, line=number))
            if show_progress and sum(tally.delivery.values()) % 200 == 0:
                print(
                    f"\r{tally.events:,} events, {tally.delivery['delivered']:,} delivered, "
                    f"{tally.delivery['dead-lettered']:,} given up",
                    end="",
                    file=sys.stderr,
                    flush=True,
                )
        finally:
            window.release()

    queue: asyncio.Queue[list[Item] | None] = asyncio.Queue(maxsize=4)
    producer = asyncio.create_task(_produce(items, queue))
    try:
        while (chunk := await queue.get()) is not None:
            for number, event, outcomes in chunk:
                tally.events += 1
                index: dict[str, int] = {}  # per subscription: a request's position
                occurrence = -1
                for outcome in outcomes:
                    tally.kinds[outcome.kind] = tally.kinds.get(outcome.kind, 0) + 1
                    if isinstance(outcome, Request):
                        if occurrence < 0:  # once per event: identical events before it
                            occurrence = 0
                            if not (isinstance(event, dict) and event.get("messageId")):
                                digest = event_digest(event)
                                occurrence = occurrences.get(digest, 0)
                                occurrences[digest] = occurrence + 1
                        position = index[outcome.subscription] = (
                            index.get(outcome.subscription, -1) + 1
                        )
                        key = request_key(slug, event, outcome.subscription, position, occurrence)
                        await window.acquire()
                        task = asyncio.create_task(deliver(number, event, outcome, key))
                        pending.add(task)
                        task.add_done_callback(pending.discard)
                        continue
                    record = outcome.to_dict(reveal_secrets=args.reveal_secrets)
                    record["line"] = number
                    write(record)
                    if dead is not None and isinstance(outcome, Failed):
                        dead.write(_engine_failure(number, event, outcome))
        await producer
        await batcher.flush()  # the end of the input: what waits for its batch goes now
        if pending:
            await asyncio.gather(*pending)
    finally:
        for task in pending:
            task.cancel()
        await sender.aclose()
        if ledger is not None:
            ledger.close()
        if out is not sys.stdout:
            out.close()
        else:
            out.flush()
        if dead is not None:
            dead.handle.close()
    summary = tally.summary(time.perf_counter() - start, settings)
    if args.summary_json:
        Path(args.summary_json).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    if not args.quiet:
        if show_progress:
            print("\r", end="", file=sys.stderr)
        counts = ", ".join(f"{k}: {v}" for k, v in summary["outcomes"].items())
        print(f"{tally.events} events in {summary['elapsed_s']:.2f}s; {counts}", file=sys.stderr)
        sent = ", ".join(f"{k}: {v}" for k, v in summary["delivery"].items())
        latency = summary["latency_ms"]
        print(
            f"  delivery: {sent}; latency p50 {latency['p50']} ms, p99 {latency['p99']} ms",
            file=sys.stderr,
        )
    return 1 if tally.delivery["dead-lettered"] else 0
