"""The pipeline recipes of docs/pipelines.md, tested as plain Python, and with the real engines
when they are installed."""

from __future__ import annotations

import json
from typing import Any

import pytest

from actions.pipelines import DestinationSpec, kafka_loop, partition_processor
from actions.samples import load_sample_events

SPEC = DestinationSpec.for_pack("adjust")


def _expected_kinds(events: list[Any]) -> list[str]:
    configured = SPEC.build()
    return [o.kind for e in events for o in configured.process(e)]


def test_partition_processor_compiles_once_per_partition_and_keeps_every_outcome() -> None:
    events: list[Any] = [*load_sample_events(), None]
    process = partition_processor(SPEC)
    halves = [events[: len(events) // 2], events[len(events) // 2 :]]
    records = [r for part in halves for r in process(iter(part))]
    assert [r["kind"] for r in records] == _expected_kinds(events)
    failed = [r for r in records if r["kind"] == "failed"]
    assert failed[-1]["event"] is None
    assert failed[-1]["problems"][0]["path"] == "$"


def test_dask_bag_recipe() -> None:
    bag = pytest.importorskip("dask.bag", reason="Dask is not installed")
    events = load_sample_events()
    process = partition_processor(SPEC)
    # Dask ships each partition's result between processes: materialise it as a list.
    partitions = bag.from_sequence(events, npartitions=3)
    records = partitions.map_partitions(lambda part: list(process(part))).compute()
    assert sorted(r["kind"] for r in records) == sorted(_expected_kinds(events))


class FakeMessage:
    def __init__(self, value: bytes) -> None:
        self._value = value

    def value(self) -> bytes:
        return self._value

    def error(self) -> None:
        return None


class FakeConsumer:
    def __init__(self, values: list[bytes]) -> None:
        self.queue = [FakeMessage(v) for v in values]
        self.committed: list[bytes] = []

    def poll(self, timeout: float) -> FakeMessage | None:
        return self.queue.pop(0) if self.queue else None

    def commit(self, message: Any = None, asynchronous: bool = True) -> None:
        self.committed.append(message.value())


class FakeProducer:
    def __init__(self) -> None:
        self.pending: list[tuple[str, bytes]] = []
        self.delivered: list[tuple[str, bytes]] = []

    def produce(self, topic: str, value: bytes) -> None:
        self.pending.append((topic, value))

    def flush(self, timeout: float = -1) -> int:
        self.delivered.extend(self.pending)
        self.pending.clear()
        return 0


def test_kafka_loop_with_dead_letter_topic() -> None:
    events = load_sample_events()
    values = [json.dumps(e).encode() for e in events] + [
        b"{not json",
        json.dumps({"type": "track"}).encode(),
    ]
    consumer, producer = FakeConsumer(values), FakeProducer()
    counts = kafka_loop(
        consumer,
        producer,
        SPEC,
        requests_topic="requests",
        dead_letter_topic="dead",
        max_messages=len(values),
    )
    assert counts["messages"] == len(values)
    assert consumer.committed == values  # every message committed, after its outputs were flushed
    topics = [topic for topic, _ in producer.delivered]
    assert (
        topics.count("requests") == counts["requests"] == _expected_kinds(events).count("request")
    )
    dead = [json.loads(v) for t, v in producer.delivered if t == "dead"]
    assert len(dead) == counts["dead_letters"] == 2
    assert "not JSON" in dead[0]["reason"]
    assert dead[1]["problems"][0]["path"] == "$.event"
    expected = _expected_kinds(events)
    assert counts["filtered"] == expected.count("filtered")
    assert counts["skipped"] == expected.count("skipped")


def test_spark_recipe() -> None:
    pyspark = pytest.importorskip("pyspark", reason="PySpark is not installed")
    spark = pyspark.sql.SparkSession.builder.master("local[1]").getOrCreate()
    try:
        events = load_sample_events()
        records = (
            spark.sparkContext.parallelize(events, 2)
            .mapPartitions(partition_processor(SPEC))
            .collect()
        )
        assert sorted(r["kind"] for r in records) == sorted(_expected_kinds(events))
    finally:
        spark.stop()
