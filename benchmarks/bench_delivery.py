"""Delivery throughput: requests per second to a local server (another process) at
concurrency 1, 16 and 64, for the sender with and without its ledger, next to the floor: a
plain loop of the same HTTP client (aiohttp, and a semaphore) sending the same requests. The
runs are interleaved round by round (a loaded machine drifts) and the median of the rounds is
shown.

Then the synchronous Sender (from 1 and 16 threads), the plain loop on httpx (its default
limits, and keep-alive raised to the concurrency) next to aiohttp's, and the ledger alone: the
cost per request of its look-up and record, committing each answer or every 8 or 64.

Run: python benchmarks/bench_delivery.py [requests] [rounds] [--emulator]
(--emulator: the partner emulator of tests/delivery/partners.py, a thread per connection,
instead of the minimal asyncio server of benchmarks/_http_server.py)
"""

from __future__ import annotations

import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import partial
from pathlib import Path

import aiohttp
import httpx

import actions
from actions.delivery import AsyncSender, Ledger, Sender
from actions.engine.outcomes import Request
from actions.samples import sample_events_path

HERE = Path(__file__).resolve().parent


def requests(count: int) -> list[Request]:
    destination = actions.load_destination("kochava")
    configured = actions.configure(destination, destination.sample_settings())
    events = [json.loads(line) for line in sample_events_path().read_text().splitlines()]
    built = [o for e in events for o in configured.process(e) if isinstance(o, Request)]
    return [built[i % len(built)] for i in range(count)]


def floor_aiohttp(reqs: list[Request], url: str, concurrency: int) -> None:
    """The plain loop on aiohttp: the floor the sender is measured against."""

    async def main() -> None:
        slots = asyncio.Semaphore(concurrency)
        connector = aiohttp.TCPConnector(limit=concurrency)
        async with aiohttp.ClientSession(connector=connector) as session:

            async def one(r: Request) -> None:
                async with slots:
                    body = r.body.encode()
                    async with session.request(r.method, url, data=body, headers=r.headers) as a:
                        await a.read()
                        assert a.status == 200

            await asyncio.gather(*(one(r) for r in reqs))

    asyncio.run(main())


def floor_httpx(reqs: list[Request], url: str, concurrency: int, keepalive: bool) -> None:
    """The same loop on httpx's AsyncClient (``keepalive``: keep every connection open)."""

    async def main() -> None:
        slots = asyncio.Semaphore(concurrency)
        limits = httpx.Limits(
            max_connections=concurrency,
            max_keepalive_connections=concurrency if keepalive else 20,
        )
        async with httpx.AsyncClient(timeout=30.0, limits=limits) as client:

            async def one(r: Request) -> None:
                async with slots:
                    answer = await client.request(
                        r.method, url, headers=r.headers, content=r.body.encode()
                    )
                    assert answer.status_code == 200

            await asyncio.gather(*(one(r) for r in reqs))

    asyncio.run(main())


def sender_async(reqs: list[Request], url: str, concurrency: int, ledger: Ledger | None) -> None:
    async def main() -> None:
        destination = actions.load_destination("kochava")
        settings = {"rate": 0, "concurrency": concurrency}
        async with AsyncSender(destination, settings, endpoint=url, ledger=ledger) as s:
            results = await asyncio.gather(*(s.send(r, f"r{i}") for i, r in enumerate(reqs)))
        assert all(r.status == "delivered" for r in results)

    asyncio.run(main())


def sender_sync(reqs: list[Request], url: str, threads: int, ledger: Ledger | None) -> None:
    destination = actions.load_destination("kochava")
    settings = {"rate": 0, "concurrency": threads}
    with (
        Sender(destination, settings, endpoint=url, ledger=ledger) as s,
        ThreadPoolExecutor(threads) as pool,
    ):
        results = list(pool.map(lambda ir: s.send(ir[1], f"r{ir[0]}"), enumerate(reqs)))
    assert all(r.status == "delivered" for r in results)


def median_rates(runs: list[Callable[[], float | None]], count: int, rounds: int) -> list[float]:
    """The median rate of each, the runs interleaved round by round (a loaded machine drifts).
    A run that returns a number gives its own time (seconds), its set-up left out."""
    return [rate for rate, _ in measure(runs, count, rounds)]


def measure(
    runs: list[Callable[[], float | None]], count: int, rounds: int
) -> list[tuple[float, float]]:
    """For each run, interleaved round by round: the median rate (requests per second) and the
    median CPU time of this process per request (microseconds, every thread counted: what the
    client costs, whatever else the machine runs)."""
    rates: list[list[float]] = [[] for _ in runs]
    cpu: list[list[float]] = [[] for _ in runs]
    for _ in range(rounds):
        for index, run in enumerate(runs):
            start, start_cpu = time.perf_counter(), time.process_time()
            own = run()
            elapsed = own if own is not None else time.perf_counter() - start
            rates[index].append(count / elapsed)
            cpu[index].append((time.process_time() - start_cpu) / count * 1e6)
    return [(statistics.median(r), statistics.median(c)) for r, c in zip(rates, cpu, strict=True)]


def with_ledger(run: Callable[[Ledger], None]) -> Callable[[], float]:
    """``run`` with a new ledger file (its creation and removal not timed)."""

    def go() -> float:
        with tempfile.TemporaryDirectory() as folder, Ledger(Path(folder) / "l.sqlite") as led:
            start = time.perf_counter()
            run(led)
            return time.perf_counter() - start

    return go


def ledger_cost(count: int, group: int) -> float:
    """Microseconds per answered request recorded (and looked up first, as the sender does)."""
    with tempfile.TemporaryDirectory() as folder, Ledger(Path(folder) / "l", group=group) as led:
        start = time.perf_counter()
        for index in range(count):
            key = f"{index:064x}"
            assert led.answered(key) is None
            led.record(key, "delivered", 200)
        led.flush()
        return (time.perf_counter() - start) / count * 1e6


@contextmanager
def serving(emulator: bool) -> Iterator[str]:
    """The URL of a local server in a child process."""
    if emulator:
        sys.path.insert(0, str(HERE.parent / "tests" / "delivery"))
        from partners import PartnerProcess

        with PartnerProcess(keep_bodies=False) as partners:
            yield f"{partners.url}/track/json"
        return
    server = subprocess.Popen(
        [sys.executable, str(HERE / "_http_server.py")], stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        yield f"http://127.0.0.1:{server.stdout.readline().strip()}/track/json"
    finally:
        server.kill()
        server.wait()


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    count = int(args[0]) if args else 2000
    rounds = int(args[1]) if len(args) > 1 else 5
    emulator = "--emulator" in sys.argv
    with serving(emulator) as url:
        reqs = requests(count)
        server = "the partner emulator" if emulator else "a minimal asyncio server"
        print(f"{count} requests to {server}, median of {rounds} rounds (requests/s)")
        print(
            f"{'concurrency':>11} {'aiohttp':>8} {'sender':>8} {'+ledger':>8} {'ratio':>6}"
            f"   CPU us/request: {'aiohttp':>7} {'sender':>7} {'+ledger':>7} {'ratio':>6}"
        )
        for concurrency in (1, 16, 64):
            runs: list[Callable[[], float | None]] = [
                partial(floor_aiohttp, reqs, url, concurrency),
                partial(sender_async, reqs, url, concurrency, None),
                with_ledger(partial(sender_async, reqs, url, concurrency)),
            ]
            (floor, floor_cpu), (plain, plain_cpu), (ledger, ledger_cpu) = measure(
                runs, count, rounds
            )
            print(
                f"{concurrency:>11} {floor:>8,.0f} {plain:>8,.0f} {ledger:>8,.0f} "
                f"{floor / ledger:>5.2f}x   {'':>15} {floor_cpu:>7.0f} {plain_cpu:>7.0f} "
                f"{ledger_cpu:>7.0f} {ledger_cpu / floor_cpu:>5.2f}x",
                flush=True,
            )
        print(
            "ratio: the plain loop's rate over the sender's with the ledger, and the sender's "
            "CPU time per request with the ledger over the plain loop's (aim <= 1.3x)"
        )
        for threads in (1, 16):
            runs = [
                partial(floor_aiohttp, reqs, url, threads),
                partial(sender_sync, reqs, url, threads, None),
                with_ledger(partial(sender_sync, reqs, url, threads)),
            ]
            floor, plain, ledger = median_rates(runs, count, rounds)
            print(
                f"Sender from {threads:>2} threads: {plain:,.0f}/s, with the ledger "
                f"{ledger:,.0f}/s (aiohttp's plain loop {floor:,.0f}/s)",
                flush=True,
            )
        for concurrency in (1, 16, 64):
            runs = [
                partial(floor_aiohttp, reqs, url, concurrency),
                partial(floor_httpx, reqs, url, concurrency, False),
                partial(floor_httpx, reqs, url, concurrency, True),
            ]
            aio, hx, hx_kept = median_rates(runs, count, rounds)
            print(
                f"plain loop at concurrency {concurrency:>2}: aiohttp {aio:,.0f}/s, httpx "
                f"{hx:,.0f}/s, httpx keeping every connection alive {hx_kept:,.0f}/s",
                flush=True,
            )
    for group in (1, 8, 64):
        cost = statistics.median(ledger_cost(count * 5, group) for _ in range(rounds))
        print(f"ledger, a commit every {group:>2} answers: {cost:6.1f} us per request")


if __name__ == "__main__":
    main()
