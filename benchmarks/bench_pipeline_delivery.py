"""Delivery from the pipeline recipes: events and requests per second through
``DeliverEvents`` on the Beam DirectRunner and through ``kafka_loop(sender=...)`` (an in-memory
consumer and producer), beside the floor: the same events processed and their requests sent by
a plain thread pool over one ``Sender``. The server is benchmarks/_http_server.py (another
process, answering 200 at once), so the figures are the pipeline's and the client's costs.

Run: python benchmarks/bench_pipeline_delivery.py [events] [concurrency]
(needs: pip install 'actions[beam]')"""

from __future__ import annotations

import concurrent.futures
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import apache_beam as beam
from _events import load_events

from actions.beam import DeliverEvents
from actions.delivery import Sender
from actions.engine.outcomes import Request
from actions.pipelines import DestinationSpec, kafka_loop

HERE = Path(__file__).resolve().parent
PACK = "kochava"


def floor(spec: DestinationSpec, events: list[Any], url: str, concurrency: int) -> int:
    configured = spec.build()
    settings = {"rate": 0, "concurrency": concurrency}
    with (
        Sender(configured, settings, endpoint=url) as sender,
        concurrent.futures.ThreadPoolExecutor(concurrency) as pool,
    ):
        futures = [
            pool.submit(sender.send, o)
            for e in events
            for o in configured.process(e)
            if isinstance(o, Request)
        ]
        results = [f.result() for f in futures]
    assert all(r.status == "delivered" for r in results)
    return len(results)


def in_beam(spec: DestinationSpec, path: Path, url: str, concurrency: int) -> None:
    settings = {"rate": 0, "concurrency": concurrency}
    with beam.Pipeline() as pipeline:
        events = pipeline | beam.io.ReadFromText(str(path)) | beam.Map(json.loads)
        outputs = events | DeliverEvents(spec, settings, endpoint=url)
        _ = outputs.results | beam.combiners.Count.Globally()


class _Message:
    def __init__(self, offset: int, value: bytes) -> None:
        self._offset, self._value = offset, value

    def value(self) -> bytes:
        return self._value

    def key(self) -> None:
        return None

    def error(self) -> None:
        return None

    def topic(self) -> str:
        return "events"

    def partition(self) -> int:
        return 0

    def offset(self) -> int:
        return self._offset


class _Kafka:
    """An in-memory consumer and producer (one partition)."""

    def __init__(self, values: list[bytes]) -> None:
        self.messages = [_Message(i, v) for i, v in enumerate(values)]
        self.position = 0
        self.produced = 0

    def poll(self, timeout: float) -> _Message | None:
        if self.position == len(self.messages):
            return None
        self.position += 1
        return self.messages[self.position - 1]

    def commit(self, *, asynchronous: bool) -> None:
        pass

    def produce(self, topic: str, value: bytes, *, key: bytes | None, on_delivery: Any) -> None:
        self.produced += 1
        on_delivery(None, None)

    def flush(self, timeout: float) -> int:
        return 0


def in_kafka(spec: DestinationSpec, values: list[bytes], url: str, concurrency: int) -> None:
    kafka = _Kafka(values)
    settings = {"rate": 0, "concurrency": concurrency}
    with Sender(spec.build(), settings, endpoint=url) as sender:
        counts = kafka_loop(
            kafka,
            kafka,
            spec,
            dead_letter_topic="dead",
            sender=sender,
            commit_every=100,
            max_messages=len(values),
            poll_timeout=0.0,
        )
    assert counts["delivered"] == counts["requests"]


def best(run: Any, rounds: int = 3) -> float:
    fastest = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        run()
        fastest = min(fastest, time.perf_counter() - start)
    return fastest


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    concurrency = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    events = load_events(count)
    spec = DestinationSpec.for_pack(PACK)
    server = subprocess.Popen(
        [sys.executable, str(HERE / "_http_server.py")], stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        url = f"http://127.0.0.1:{server.stdout.readline().strip()}"
        requests = floor(spec, events, url, concurrency)
        values = [json.dumps(e).encode() for e in events]
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "events.jsonl"
            path.write_text("\n".join(v.decode() for v in values) + "\n", encoding="utf-8")
            times = {
                "thread pool + Sender (floor)": best(lambda: floor(spec, events, url, concurrency)),
                "kafka_loop(sender=...)": best(lambda: in_kafka(spec, values, url, concurrency)),
                "Beam DeliverEvents (DirectRunner)": best(
                    lambda: in_beam(spec, path, url, concurrency)
                ),
            }
        print(
            f"{count} events, {requests} requests ({PACK}), concurrency {concurrency}, "
            "best of 3 (a local server answering 200)"
        )
        base = times["thread pool + Sender (floor)"]
        for name, seconds in times.items():
            print(
                f"{name:>36}: {count / seconds:8,.0f} events/s {requests / seconds:8,.0f} "
                f"requests/s  {seconds / base:5.2f}x"
            )
    finally:
        server.kill()
        server.wait()


if __name__ == "__main__":
    main()
