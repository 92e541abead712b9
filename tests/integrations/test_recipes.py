"""The pipeline recipes of docs/pipelines.md, tested as plain Python and with the real engines
(Dask, PySpark, confluent-kafka's mock cluster: the test, spark and kafka extras). A missing engine
fails the test rather than skipping it."""

from __future__ import annotations

import copy
import json
import logging
import re
import sys
from collections import Counter
from collections.abc import Callable
from typing import Any

import attrs
import pytest
from partners import Fault, PartnerServer

from actions.delivery import Ledger, RetryPolicy, Sender
from actions.errors import ActionsError
from actions.pipelines import DeliveryError, DestinationSpec, kafka_loop, partition_processor
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
    import dask
    import dask.bag as bag

    events: list[Any] = [*load_sample_events(), None, {"type": "track"}]
    process = partition_processor(SPEC)
    # Dask ships each partition's result between processes: materialise it as a list.
    records = bag.from_sequence(events, npartitions=3).map_partitions(
        lambda part: list(process(part))
    )
    requests, dead_letters = dask.compute(
        records.filter(lambda r: r["kind"] == "request"),
        records.filter(lambda r: r["kind"] == "failed"),
    )
    expected = _expected_kinds(events)
    assert len(requests) == expected.count("request") > 0
    assert len(dead_letters) == expected.count("failed") >= 2
    assert {d["problems"][0]["path"] for d in dead_letters} >= {"$", "$.event"}


@attrs.frozen
class FakeMessage:
    offset_: int
    value_: bytes
    key_: bytes | None = None

    def value(self) -> bytes:
        return self.value_

    def key(self) -> bytes | None:
        return self.key_

    def error(self) -> None:
        return None

    def topic(self) -> str:
        return "events"

    def partition(self) -> int:
        return 0

    def offset(self) -> int:
        return self.offset_


class FakeKafka:
    """A consumer and a producer over one partition, logging produce, flush and commit in order.
    ``reject``: outputs to that topic are refused by the broker (reported at flush)."""

    def __init__(
        self,
        values: list[bytes],
        reject: str | None = None,
        on_commit: Callable[[int], None] | None = None,
    ) -> None:
        self.queue = [FakeMessage(i, v, f"device-{i % 3}".encode()) for i, v in enumerate(values)]
        self.position = 0
        self.reject = reject
        self.on_commit = on_commit
        self.pending: list[tuple[str, Any]] = []
        self.outputs: list[tuple[str, Any, bytes | None]] = []
        self.log: list[tuple[str, int]] = []

    def poll(self, timeout: float) -> FakeMessage | None:
        if self.position == len(self.queue):
            return None
        self.position += 1
        return self.queue[self.position - 1]

    def commit(self, *, asynchronous: bool) -> None:
        assert asynchronous is False
        if self.on_commit is not None:
            self.on_commit(self.position)
        self.log.append(("commit", self.position))

    def produce(self, topic: str, value: bytes, *, key: bytes | None, on_delivery: Any) -> None:
        self.pending.append((topic, on_delivery))
        self.outputs.append((topic, json.loads(value), key))
        self.log.append(("produce", self.position))

    def flush(self, timeout: float) -> int:
        for topic, on_delivery in self.pending:
            on_delivery("broker refused" if topic == self.reject else None, None)
        self.pending.clear()
        self.log.append(("flush", self.position))
        return 0

    def produced(self, topic: str) -> list[Any]:
        return [record for t, record, _ in self.outputs if t == topic]


def _messages() -> tuple[list[Any], list[bytes]]:
    events = load_sample_events()
    values = [json.dumps(e).encode() for e in events]
    return events, [*values, b"{not json", json.dumps({"type": "track"}).encode(), b"\xff"]


def test_kafka_loop_with_dead_letter_topic() -> None:
    events, values = _messages()
    kafka = FakeKafka(values)
    counts = kafka_loop(
        kafka,
        kafka,
        SPEC,
        requests_topic="requests",
        dead_letter_topic="dead",
        commit_every=10,
        max_messages=len(values),
    )
    expected = _expected_kinds(events)
    assert counts == {
        "messages": len(values),
        "requests": expected.count("request"),
        "dead_letters": expected.count("failed") + 3,
        "filtered": expected.count("filtered"),
        "skipped": expected.count("skipped"),
    }
    assert len(kafka.produced("requests")) == counts["requests"]
    dead = kafka.produced("dead")
    assert len(dead) == counts["dead_letters"]
    assert "not JSON" in dead[-3]["reason"]
    assert dead[-3]["event"] == "{not json"
    assert dead[-2]["problems"][0]["path"] == "$.event"
    assert dead[-2]["source"] == {"topic": "events", "partition": 0, "offset": len(values) - 2}
    assert "not JSON" in dead[-1]["reason"]
    # Outputs keep their input's key, so each device's outputs stay on one partition, in order.
    keys = {key for _, _, key in kafka.outputs}
    assert keys == {b"device-0", b"device-1", b"device-2"}


def test_kafka_loop_commits_only_what_was_flushed() -> None:
    _, values = _messages()
    kafka = FakeKafka(values)
    kafka_loop(
        kafka,
        kafka,
        SPEC,
        requests_topic="requests",
        dead_letter_topic="dead",
        commit_every=10,
        max_messages=len(values),
    )
    commits = [position for kind, position in kafka.log if kind == "commit"]
    assert commits == [*range(10, len(values), 10), len(values)]
    flushed = False
    for kind, _ in kafka.log:
        if kind == "produce":
            flushed = False
        elif kind == "flush":
            flushed = True
        elif kind == "commit":
            assert flushed, "committed offsets whose outputs were not flushed"


def test_kafka_loop_does_not_commit_when_the_broker_refuses_an_output() -> None:
    _, values = _messages()
    kafka = FakeKafka(values, reject="dead")
    with pytest.raises(DeliveryError, match=r"0 outputs still queued and \d+ rejected"):
        kafka_loop(
            kafka,
            kafka,
            SPEC,
            requests_topic="requests",
            dead_letter_topic="dead",
            commit_every=10,
            max_messages=len(values),
        )
    first_refused = min(record["source"]["offset"] for record in kafka.produced("dead"))
    commits = [position for kind, position in kafka.log if kind == "commit"]
    assert commits == list(range(10, first_refused + 1, 10))  # the refused message was not


def test_spark_recipe(monkeypatch: pytest.MonkeyPatch) -> None:
    from pyspark.sql import SparkSession  # the spark extra; needs Java (see docs/pipelines.md)

    monkeypatch.setenv("PYSPARK_PYTHON", sys.executable)  # workers use this interpreter
    spark = (
        SparkSession.builder.master("local[2]")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .getOrCreate()
    )
    try:
        events: list[Any] = [*load_sample_events(), None]
        records = (
            spark.sparkContext.parallelize(events, 2)
            .mapPartitions(partition_processor(SPEC))
            .cache()
        )
        dead_letters = records.filter(lambda r: r["kind"] == "failed").collect()
        counts = records.map(lambda r: r["kind"]).countByValue()
        assert dict(counts) == dict(Counter(_expected_kinds(events)))
        assert dead_letters[-1]["problems"][0]["path"] == "$"
    finally:
        spark.stop()


class _Log(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def _mock_cluster() -> dict[str, str]:
    """Start librdkafka's in-process mock cluster; its bootstrap servers."""
    import confluent_kafka as kafka  # the kafka extra

    log = _Log()
    logger = logging.getLogger("actions.tests.kafka")
    logger.addHandler(log)
    logger.setLevel(logging.DEBUG)
    cluster = kafka.Producer({"test.mock.num.brokers": 1, "debug": "mock", "logger": logger})
    cluster.poll(0.5)
    found = next(m for line in log.lines if (m := re.search(r"bootstrap\.servers=(\S+)", line)))
    _CLUSTERS.append(cluster)  # the cluster lives as long as this producer
    return {"bootstrap.servers": found.group(1)}


_CLUSTERS: list[Any] = []


def _assigned(servers: dict[str, str], topic: str, group: str) -> Any:
    """A consumer of every partition of ``topic`` from the start (no group rebalance)."""
    import confluent_kafka as kafka

    client = kafka.Consumer({**servers, "group.id": group, "enable.auto.commit": False})
    partitions = client.list_topics(topic, timeout=10).topics[topic].partitions
    client.assign([kafka.TopicPartition(topic, p, kafka.OFFSET_BEGINNING) for p in partitions])
    return client


def _read(servers: dict[str, str], topic: str, n: int) -> list[Any]:
    client = _assigned(servers, topic, "check")
    out: list[Any] = []
    while len(out) < n and (message := client.poll(10.0)) is not None:
        out.append(json.loads(message.value()))
    client.close()
    return out


def test_kafka_loop_against_the_mock_cluster() -> None:
    import confluent_kafka as kafka  # the kafka extra

    servers = _mock_cluster()
    events, values = _messages()
    seed = kafka.Producer(servers)
    for i, value in enumerate(values):
        seed.produce("events", value, key=f"device-{i % 3}".encode())
    assert seed.flush(10) == 0

    def assigned(topic: str, group: str) -> Any:
        return _assigned(servers, topic, group)

    source = assigned("events", "actions")
    counts = kafka_loop(
        source,
        kafka.Producer(servers),
        SPEC,
        requests_topic="requests",
        dead_letter_topic="dead",
        commit_every=10,
        max_messages=len(values),
        poll_timeout=10.0,
    )
    expected = _expected_kinds(events)
    assert counts["messages"] == len(values)
    assert counts["requests"] == expected.count("request")
    assert counts["dead_letters"] == expected.count("failed") + 3
    committed = source.committed(source.assignment(), timeout=10)
    assert sum(max(part.offset, 0) for part in committed) == len(values)  # -1001: none
    source.close()

    def read(topic: str, n: int) -> list[Any]:
        return _read(servers, topic, n)

    assert len(read("requests", counts["requests"])) == counts["requests"]
    dead = read("dead", counts["dead_letters"])
    assert len(dead) == counts["dead_letters"]
    assert sum("not JSON" in d["reason"] for d in dead) == 2
    assert {d["source"]["topic"] for d in dead} == {"events"}


# --- delivering from Kafka: offsets committed only once every request has ended -------------

SECRET = "s2s-secret-never-shown"
SENDING = DestinationSpec.for_pack(
    "adjust",
    {
        "app_token": "4w565xzmb54d",
        "event_tokens": {"Order Completed": "f2e728"},
        "s2s_token": SECRET,
    },
)
FAST = RetryPolicy(max_attempts=4, max_elapsed=30.0, base=0.01, cap=0.05)
# No timeout fault here: a generous read timeout, so that a loaded machine does not make an
# answered request look lost (it would be sent again: at least once).
QUICK = {"rate": 0, "concurrency": 4, "read_timeout": 10.0}


def _orders(count: int) -> list[bytes]:
    """``count`` distinct Order Completed events (one request each), as message values."""
    base = next(e for e in load_sample_events() if e.get("event") == "Order Completed")
    out = []
    for n in range(count):
        event = copy.deepcopy(base)
        event["messageId"] = f"kafka-{n}"
        event["properties"]["order_id"] = f"order-{n}"
        out.append(json.dumps(event).encode())
    return out


def _requests_per_message(values: list[bytes]) -> list[int]:
    configured = SENDING.build()
    made = []
    for value in values:
        try:
            event = json.loads(value)
        except ValueError:
            made.append(0)
            continue
        made.append(sum(o.kind == "request" for o in configured.process(event)))
    return made


def test_kafka_loop_delivers_and_commits_only_once_every_request_has_ended(
    partners: PartnerServer,
) -> None:
    orders = _orders(41)
    values = [*orders[:40], b"{not json", orders[40]]
    made = _requests_per_message(values)
    # A 429 with Retry-After, a burst of 503s, then chaos that sometimes never ends (a 503 that
    # echoes the secret, a reset connection).
    partners.plan([Fault.status(429, retry_after=1), Fault.status(503) * 5])
    echo = Fault.status(503, body=f"we got {SECRET}")  # a partner echoing what it received
    partners.plan([echo.always().when(lambda r: b"order-7" in r.body)])  # never accepted
    partners.chaos(0.3, [Fault.status(503), Fault.reset(), echo], seed=5)
    checked: list[int] = []
    kafka: FakeKafka

    def on_commit(position: int) -> None:
        """Every request of the messages up to ``position`` has ended: acknowledged by the
        partner, or its dead letter produced and flushed."""
        assert kafka.log[-1][0] == "flush"
        given_up = [d for d in kafka.produced("dead") if d.get("kind") == "delivery"]
        assert len(partners.ack_counts()) + len(given_up) == sum(made[:position])
        checked.append(position)

    kafka = FakeKafka(values, on_commit=on_commit)
    with Sender(SENDING.build(), QUICK, endpoint=partners.url, policy=FAST) as sender:
        counts = kafka_loop(
            kafka,
            kafka,
            SENDING,
            requests_topic="results",
            dead_letter_topic="dead",
            sender=sender,
            commit_every=8,
            max_messages=len(values),
        )
    assert checked == [8, 16, 24, 32, 40, len(values)]
    assert counts["requests"] == sum(made) == 41
    assert counts["delivered"] + counts["dropped"] + counts["dead_lettered"] == counts["requests"]
    assert counts["delivered"] > 0
    assert counts["dead_lettered"] >= 1  # order-7, at least
    assert len(partners.ack_counts()) == counts["delivered"]
    assert partners.duplicates() == {}
    dead = kafka.produced("dead")
    given_up = [d for d in dead if d.get("kind") == "delivery"]
    assert len(given_up) == counts["dead_lettered"]
    assert len(dead) == counts["dead_letters"] == counts["dead_lettered"] + 1  # + not JSON
    assert all(d["attempts"] == FAST.max_attempts for d in given_up)
    assert all(d["source"]["topic"] == "events" for d in given_up)
    (seven,) = [d for d in given_up if d["event"]["messageId"] == "kafka-7"]
    assert seven["response"] == "we got ***"  # the echoed secret is redacted
    results = kafka.produced("results")
    assert Counter(r["delivery"]["status"] for r in results) == {
        "delivered": counts["delivered"],
        "dead-lettered": counts["dead_lettered"],
    }
    assert SECRET not in json.dumps([record for _, record, _ in kafka.outputs])  # shown only
    assert all(r.header("Authorization") == f"Bearer {SECRET}" for r in partners.acknowledged())


def test_kafka_loop_after_a_refused_dead_letter_commits_nothing_and_a_ledger_skips_the_answered(
    partners: PartnerServer, tmp_path: Any
) -> None:
    values = _orders(12)
    partners.plan([Fault.status(503).always().when(lambda r: b"order-9" in r.body)])
    with (
        Ledger(tmp_path / "sent.sqlite") as ledger,
        Sender(SENDING.build(), QUICK, endpoint=partners.url, policy=FAST, ledger=ledger) as sender,
    ):
        kafka = FakeKafka(values, reject="dead")
        with pytest.raises(DeliveryError, match="1 rejected"):
            kafka_loop(
                kafka,
                kafka,
                SENDING,
                dead_letter_topic="dead",
                sender=sender,
                commit_every=5,
                max_messages=len(values),
            )
        assert [p for kind, p in kafka.log if kind == "commit"] == [5]  # not past order-9
        assert len(partners.acknowledged()) == 9  # orders 0-8; the loop stopped at order-9
        # Consumed again from the last commit: the ledger skips what the partner answered.
        partners.clear_faults()
        again = FakeKafka(values[5:])
        counts = kafka_loop(
            again,
            again,
            SENDING,
            dead_letter_topic="dead",
            sender=sender,
            max_messages=len(values) - 5,
        )
    assert counts["delivered"] == 7
    assert len(partners.acknowledged()) == 12  # 5-8 not sent again; 9 (given up), 10, 11 sent
    assert partners.duplicates() == {}


def test_kafka_loop_needs_a_requests_topic_or_a_sender() -> None:
    kafka = FakeKafka([])
    with pytest.raises(ActionsError, match="requests_topic"):
        kafka_loop(kafka, kafka, SPEC, dead_letter_topic="dead", max_messages=1)


def test_kafka_loop_delivers_from_the_mock_cluster_to_the_partner(partners: PartnerServer) -> None:
    import confluent_kafka as kafka  # the kafka extra

    servers = _mock_cluster()
    orders = _orders(20)
    values = [*orders[:10], b"{not json", *orders[10:]]
    seed = kafka.Producer(servers)
    for i, value in enumerate(values):
        seed.produce("events", value, key=f"device-{i % 3}".encode())
    assert seed.flush(10) == 0
    partners.plan([Fault.status(429, retry_after=1), Fault.status(503) * 4])
    partners.plan([Fault.status(503).always().when(lambda r: b"order-13" in r.body)])
    source = _assigned(servers, "events", "actions")
    with Sender(SENDING.build(), QUICK, endpoint=partners.url, policy=FAST) as sender:
        counts = kafka_loop(
            source,
            kafka.Producer(servers),
            SENDING,
            dead_letter_topic="dead",
            sender=sender,
            commit_every=5,
            max_messages=len(values),
            poll_timeout=10.0,
        )
    assert counts["messages"] == len(values)
    assert (counts["requests"], counts["delivered"], counts["dead_lettered"]) == (20, 19, 1)
    committed = source.committed(source.assignment(), timeout=10)
    assert sum(max(part.offset, 0) for part in committed) == len(values)
    source.close()
    assert len(partners.ack_counts()) == 19
    assert partners.duplicates() == {}
    dead = _read(servers, "dead", 2)
    assert sorted(d.get("kind", "engine") for d in dead) == ["delivery", "engine"]
    (given_up,) = [d for d in dead if d.get("kind") == "delivery"]
    assert given_up["event"]["properties"]["order_id"] == "order-13"
    assert given_up["http_status"] == 503
    assert SECRET not in json.dumps(dead)
