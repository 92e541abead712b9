"""Delivery throughput: requests per second to a local server (another process) at
concurrency 1, 16 and 64, for the sender with and without its ledger, next to the floor: a
plain loop of the same HTTP client sending the same requests (httpx.Client at concurrency 1;
asyncio with httpx.AsyncClient and a semaphore at 16 and 64).

With aiohttp installed, the plain loop on aiohttp next to httpx's. Then the ledger alone: the
cost per request of its look-up and record, committing each answer or every 8 or 64.

Run: python benchmarks/bench_delivery.py [requests] [rounds]
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import httpx

import actions
from actions.delivery import AsyncSender, Ledger, Sender
from actions.engine.outcomes import Request
from actions.samples import sample_events_path

HERE = Path(__file__).resolve().parent


def requests(count: int) -> list[Request]:
    destination = actions.load_destination("kochava")
    configured = destination.configure(destination.sample_settings())
    events = [json.loads(line) for line in sample_events_path().read_text().splitlines()]
    built = [o for e in events for o in configured.process(e) if isinstance(o, Request)]
    return [built[i % len(built)] for i in range(count)]


def floor_sync(reqs: list[Request], url: str) -> None:
    with httpx.Client(timeout=30.0) as client:
        for r in reqs:
            answer = client.request(r.method, url, headers=r.headers, content=r.body.encode())
            assert answer.status_code == 200


def floor_async(reqs: list[Request], url: str, concurrency: int) -> None:
    async def main() -> None:
        slots = asyncio.Semaphore(concurrency)
        limits = httpx.Limits(max_connections=concurrency)
        async with httpx.AsyncClient(timeout=30.0, limits=limits) as client:

            async def one(r: Request) -> None:
                async with slots:
                    answer = await client.request(
                        r.method, url, headers=r.headers, content=r.body.encode()
                    )
                    assert answer.status_code == 200

            await asyncio.gather(*(one(r) for r in reqs))

    asyncio.run(main())


def floor_aiohttp(reqs: list[Request], url: str, concurrency: int) -> None:
    """The same loop on aiohttp (when installed), for comparison with httpx."""
    import aiohttp

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


def sender_sync(reqs: list[Request], url: str, ledger: Ledger | None) -> None:
    destination = actions.load_destination("kochava")
    with Sender(destination, {"rate": 0, "concurrency": 1}, endpoint=url, ledger=ledger) as s:
        for index, r in enumerate(reqs):
            assert s.send(r, f"r{index}").status == "delivered"


def sender_async(reqs: list[Request], url: str, concurrency: int, ledger: Ledger | None) -> None:
    async def main() -> None:
        destination = actions.load_destination("kochava")
        settings = {"rate": 0, "concurrency": concurrency}
        async with AsyncSender(destination, settings, endpoint=url, ledger=ledger) as s:
            results = await asyncio.gather(*(s.send(r, f"r{i}") for i, r in enumerate(reqs)))
        assert all(r.status == "delivered" for r in results)

    asyncio.run(main())


def best_rates(runs: list[Callable[[], None]], count: int, rounds: int) -> list[float]:
    """The best rate of each, the runs interleaved round by round (a loaded machine drifts)."""
    best = [0.0] * len(runs)
    for _ in range(rounds):
        for index, run in enumerate(runs):
            start = time.perf_counter()
            run()
            best[index] = max(best[index], count / (time.perf_counter() - start))
    return best


def with_ledger(run: Callable[[Ledger], None]) -> Callable[[], None]:
    def go() -> None:
        with tempfile.TemporaryDirectory() as folder, Ledger(Path(folder) / "l.sqlite") as led:
            run(led)

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


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    server = subprocess.Popen(
        [sys.executable, str(HERE / "_http_server.py")], stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        url = f"http://127.0.0.1:{server.stdout.readline().strip()}/track/json"
        reqs = requests(count)
        print(f"{count} requests to a local server, best of {rounds} rounds (requests/s)")
        print(f"{'concurrency':>11} {'floor':>8} {'sender':>8} {'+ledger':>8} {'ratio':>6}")
        for concurrency in (1, 16, 64):
            runs: list[Callable[[], None]]
            if concurrency == 1:
                runs = [
                    lambda: floor_sync(reqs, url),
                    lambda: sender_sync(reqs, url, None),
                    with_ledger(lambda led: sender_sync(reqs, url, led)),
                ]
            else:
                runs = [
                    partial(floor_async, reqs, url, concurrency),
                    partial(sender_async, reqs, url, concurrency, None),
                    with_ledger(partial(sender_async, reqs, url, concurrency)),
                ]
            floor, plain, ledger = best_rates(runs, count, rounds)
            print(
                f"{concurrency:>11} {floor:>8,.0f} {plain:>8,.0f} {ledger:>8,.0f} "
                f"{floor / ledger:>5.2f}x"
            )
        print("ratio: the floor's rate over the sender's with the ledger (the cost; aim <= 1.3x)")
        if importlib.util.find_spec("aiohttp") is not None:
            for concurrency in (1, 16, 64):
                runs = [
                    partial(floor_async, reqs, url, concurrency),
                    partial(floor_aiohttp, reqs, url, concurrency),
                ]
                httpx_rate, aiohttp_rate = best_rates(runs, count, rounds)
                print(
                    f"plain loop at concurrency {concurrency:>2}: httpx {httpx_rate:,.0f}/s, "
                    f"aiohttp {aiohttp_rate:,.0f}/s"
                )
        for group in (1, 8, 64):
            cost = min(ledger_cost(count * 5, group) for _ in range(rounds))
            print(f"ledger, a commit every {group:>2} answers: {cost:6.1f} us per request")
    finally:
        server.kill()
        server.wait()


if __name__ == "__main__":
    main()
