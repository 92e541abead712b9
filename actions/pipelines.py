"""Running the engine inside data pipelines: a plain-data description of a configured
destination (cheap to ship to workers), and engine-agnostic building blocks for partitions and
message loops. See docs/pipelines.md; the Apache Beam transform is in :mod:`actions.beam`."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol

import attrs

from actions.destinations.loading import load_destination, load_destination_text, resolve
from actions.engine.config import load_config
from actions.engine.engine import ConfiguredDestination
from actions.engine.outcomes import Failed, Outcome, Request
from actions.yamlsource import load_yaml


@attrs.frozen
class DestinationSpec:
    """What a worker needs to build a configured destination: plain data only. ``definition``
    is the pack's YAML text (so workers need no files), ``settings``, ``subscriptions`` (``None``:
    the presets) and ``filters``."""

    definition: str
    settings: Mapping[str, Any]
    subscriptions: tuple[Mapping[str, Any], ...] | None = None
    filters: tuple[Mapping[str, Any], ...] = ()

    @classmethod
    def for_pack(
        cls,
        name_or_path: str | Path,
        settings: Mapping[str, Any] | None = None,
        subscriptions: Iterable[Mapping[str, Any]] | None = None,
        filters: Iterable[Mapping[str, Any]] = (),
    ) -> DestinationSpec:
        """A shipped pack or a pack path; ``settings=None`` uses the pack's sample settings."""
        path = resolve(name_or_path)
        if settings is None:
            settings = load_destination(path).sample_settings()
        return cls(
            path.read_text(encoding="utf-8"),
            dict(settings),
            None if subscriptions is None else tuple(subscriptions),
            tuple(filters),
        )

    @classmethod
    def from_config(cls, path: str | Path) -> DestinationSpec:
        """A config file (docs/format.md). It is compiled once here, so that its errors, located
        in the file, are raised where the pipeline is built rather than on the workers."""
        file = Path(path)
        load_config(file)
        data = load_yaml(file.read_text(encoding="utf-8"), str(file)).value
        target = data["destination"]
        relative = file.parent / target
        return cls.for_pack(
            relative if relative.exists() else target,
            data.get("settings") or {},
            data.get("subscriptions"),
            data.get("filters") or (),
        )

    def build(self) -> ConfiguredDestination:
        """Compile (once per worker, partition or process)."""
        destination = load_destination_text(self.definition)
        return destination.configure(
            dict(self.settings),
            None if self.subscriptions is None else list(self.subscriptions),
            list(self.filters),
        )


def dead_letter(event: Any, outcome: Failed) -> dict[str, Any]:
    """A serialisable record of a failed event: the event, the subscription, the reason, and
    each problem's field path."""
    return {
        "event": event,
        "subscription": outcome.subscription,
        "action": outcome.action,
        "reason": outcome.reason,
        "problems": [p.to_dict() for p in outcome.problems],
    }


def partition_processor(
    spec: DestinationSpec, *, reveal_secrets: bool = True
) -> Callable[[Iterable[Any]], Iterator[dict[str, Any]]]:
    """A function for Spark's ``mapPartitions`` or Dask's ``map_partitions``: it compiles the
    destination once per partition and yields one record per outcome: ``{"kind": ...}`` dicts
    (requests with their secrets, to be sent; failures as dead-letter records)."""

    def process_partition(events: Iterable[Any]) -> Iterator[dict[str, Any]]:
        configured = spec.build()
        for event in events:
            for outcome in configured.process(event):
                yield _record(event, outcome, reveal_secrets)

    return process_partition


def _record(event: Any, outcome: Outcome, reveal_secrets: bool) -> dict[str, Any]:
    if isinstance(outcome, Failed):
        return {"kind": "failed", **dead_letter(event, outcome)}
    return outcome.to_dict(reveal_secrets=reveal_secrets)


class Message(Protocol):
    def value(self) -> bytes | None: ...
    def error(self) -> Any: ...


class Consumer(Protocol):
    def poll(self, timeout: float) -> Message | None: ...
    def commit(self, message: Any = ..., asynchronous: bool = ...) -> Any: ...


class Producer(Protocol):
    def produce(self, topic: str, value: bytes) -> None: ...
    def flush(self, timeout: float = ...) -> int: ...


def kafka_loop(
    consumer: Consumer,
    producer: Producer,
    spec: DestinationSpec,
    *,
    requests_topic: str,
    dead_letter_topic: str,
    max_messages: int | None = None,
    poll_timeout: float = 1.0,
) -> dict[str, int]:
    """Consume events, produce requests and dead letters, commit after producing (at-least-once:
    a crash between produce and commit replays the message). Works with confluent-kafka's
    Consumer and Producer (``enable.auto.commit=false``). Returns counts."""
    configured = spec.build()
    counts = {"messages": 0, "requests": 0, "dead_letters": 0, "filtered": 0, "skipped": 0}
    while max_messages is None or counts["messages"] < max_messages:
        message = consumer.poll(poll_timeout)
        if message is None:
            if max_messages is None:
                continue
            break
        if message.error():
            continue
        counts["messages"] += 1
        raw = message.value() or b""
        try:
            event: Any = json.loads(raw)
        except ValueError as exc:
            producer.produce(
                dead_letter_topic,
                json.dumps(
                    {
                        "event": raw.decode("utf-8", "replace"),
                        "subscription": None,
                        "reason": f"not JSON: {exc}",
                        "problems": [],
                    }
                ).encode(),
            )
            counts["dead_letters"] += 1
            producer.flush()
            consumer.commit(message=message, asynchronous=False)
            continue
        for outcome in configured.process(event):
            if isinstance(outcome, Request):
                producer.produce(
                    requests_topic, json.dumps(outcome.to_dict(reveal_secrets=True)).encode()
                )
                counts["requests"] += 1
            elif isinstance(outcome, Failed):
                producer.produce(
                    dead_letter_topic, json.dumps(dead_letter(event, outcome)).encode()
                )
                counts["dead_letters"] += 1
            else:
                counts[outcome.kind] += 1
        producer.flush()
        consumer.commit(message=message, asynchronous=False)
    return counts
