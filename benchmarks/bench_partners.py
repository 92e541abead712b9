"""Requests per second the partner emulator (tests/delivery/partners.py) answers.

The emulator runs in a child process; clients send Kochava events over keep-alive connections
from threads of this process: httpx clients (what a delivery client costs), then bare sockets
(what the emulator itself can take).

Run: python benchmarks/bench_partners.py [seconds] [threads ...]   (default: 3 s; 1, 8, 64)
"""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "delivery"))

from partners import PartnerProcess

BODY = {
    "kochava_app_id": "koshoply-ios-5f2c81d0e",
    "kochava_device_id": "B1D5A4E2",
    "action": "event",
    "data": {"event_name": "Order Completed", "device_ids": {"idfa": "6D92078A"}},
}


Loop = Callable[[Callable[[], bool]], int]
"""A client ready to send (connected): sends until told to stop, returns how many it sent."""


@contextmanager
def httpx_client(url: str) -> Iterator[Loop]:
    with httpx.Client(base_url=url) as client:
        client.get("/")  # connect before the clock starts

        def run(running: Callable[[], bool]) -> int:
            count = 0
            while running():
                response = client.post("/track/json", json=BODY)
                assert response.status_code == 200
                count += 1
            return count

        yield run


@contextmanager
def socket_client(url: str) -> Iterator[Loop]:
    host, port = url.removeprefix("http://").split(":")
    body = json.dumps(BODY).encode()
    request = (
        b"POST /track/json HTTP/1.1\r\nHost: partners\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    with socket.create_connection((host, int(port))) as sock, sock.makefile("rb") as reader:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def run(running: Callable[[], bool]) -> int:
            count = 0
            while running():
                sock.sendall(request)
                assert b" 200 " in reader.readline()
                length = 0
                while (line := reader.readline()) != b"\r\n":
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                reader.read(length)
                count += 1
            return count

        yield run


def measure(
    url: str,
    client: Callable[[str], AbstractContextManager[Loop]],
    threads: int,
    seconds: float,
) -> float:
    """Requests per second of ``threads`` clients, each on its own keep-alive connection."""
    counts = [0] * threads
    ready = threading.Barrier(threads + 1)
    go = threading.Event()
    deadline = [0.0]

    def running() -> bool:
        return time.monotonic() < deadline[0]

    def work(index: int) -> None:
        with client(url) as loop:
            ready.wait()
            go.wait()
            counts[index] = loop(running)

    workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    ready.wait(timeout=120)
    started = time.monotonic()
    deadline[0] = started + seconds
    go.set()
    for worker in workers:
        worker.join()
    return sum(counts) / (time.monotonic() - started)


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 3.0
    thread_counts = [int(a) for a in sys.argv[2:]] or [1, 8, 64]
    with PartnerProcess(keep_bodies=False) as partners:
        for name, client in (("httpx", httpx_client), ("socket", socket_client)):
            for threads in thread_counts:
                rate = measure(partners.url, client, threads, seconds)
                print(f"{name:6} clients, {threads:3} connections: {rate:8.0f} requests/s")
                partners.reset()


if __name__ == "__main__":
    main()
