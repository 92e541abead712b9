"""Running the engine inside data pipelines: a plain-data description of a configured
destination (cheap to ship to workers), and engine-agnostic building blocks for partitions and
message loops. See docs/pipelines.md; the Apache Beam transform is in :mod:`actions.beam`."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol

import attrs

from actions.destinations.loading import (
    DefinitionError,
    load_destination,
    load_destination_text,
    resolve,
)
from actions.engine.config import is_environment_form, load_config
from actions.engine.engine import ConfiguredDestination, SpecCheck
from actions.engine.outcomes import Failed, Outcome, Request
from actions.errors import ActionsError
from actions.yamlsource import load_yaml


@attrs.frozen
class DestinationSpec:
    """What a worker needs to build a configured destination: plain data only. ``definition``
    is the pack's YAML text (so workers need no files), ``settings``, ``subscriptions`` (``None``:
    the presets), ``filters`` and ``spec_check`` (see :meth:`Destination.configure`).

    It is pickled into the job graph as it is, settings included: give a secret setting as
    ``{"env": "NAME"}`` and the job graph holds only the variable's name, read on each worker
    when :meth:`build` configures the destination (docs/pipelines.md). Its repr shows the
    settings' names, and no value but ``{env: NAME}`` forms."""

    definition: str
    settings: Mapping[str, Any]
    subscriptions: tuple[Mapping[str, Any], ...] | None = None
    filters: tuple[Mapping[str, Any], ...] = ()
    spec_check: SpecCheck = "read"
    consent: Mapping[str, Any] | None = None
    """The consent categories the destination needs (docs/privacy.md)."""
    suppress: tuple[str, ...] | None = None
    """Suppression list files, read on each worker when :meth:`build` configures the
    destination (so only their names travel; the files must be there)."""

    def __repr__(self) -> str:
        settings = {
            k: v if is_environment_form(v) else "***" for k, v in dict(self.settings).items()
        }
        preset = self.subscriptions is None
        return (
            f"DestinationSpec(settings={settings!r}, "
            f"subscriptions={'presets' if preset else len(self.subscriptions or ())}, "
            f"filters={len(self.filters)}, spec_check={self.spec_check!r})"
        )

    @classmethod
    def for_pack(
        cls,
        name_or_path: str | Path,
        settings: Mapping[str, Any] | None = None,
        subscriptions: Iterable[Mapping[str, Any]] | None = None,
        filters: Iterable[Mapping[str, Any]] = (),
        spec_check: SpecCheck = "read",
    ) -> DestinationSpec:
        """A shipped pack or a pack path; ``settings=None`` uses the pack's sample settings."""
        path = resolve(name_or_path)
        destination = load_destination(path)  # its problems are raised here, located
        if settings is None:
            settings = destination.sample_settings()
        return cls(
            destination.text,
            dict(settings),
            None if subscriptions is None else tuple(subscriptions),
            tuple(filters),
            spec_check,
        )

    @classmethod
    def from_config(cls, path: str | Path) -> DestinationSpec:
        """A config file (docs/format.md). It is compiled once here, so that its errors, located
        in the file, are raised where the pipeline is built rather than on the workers; a
        setting given as ``{env: NAME}`` stays so (only the name travels) and is read on the
        workers, so NAME need not be set here."""
        file = Path(path)
        try:
            load_config(file)
        except DefinitionError as exc:
            if any(d.rule != "setting-env" for d in exc.diagnostics):
                raise
        data = load_yaml(file.read_text(encoding="utf-8"), str(file)).value
        target = data["destination"]
        relative = file.parent / target
        spec = cls.for_pack(
            relative if relative.exists() else target,
            data.get("settings") or {},
            data.get("subscriptions"),
            data.get("filters") or (),
            data.get("spec_check", "read"),
        )
        suppress = data.get("suppress")
        files = [suppress] if isinstance(suppress, str) else suppress
        return attrs.evolve(
            spec,
            consent=data.get("consent"),
            suppress=None if files is None else tuple(str(file.parent / f) for f in files),
        )

    def build(self) -> ConfiguredDestination:
        """Compile (once per worker, partition or process)."""
        destination = load_destination_text(self.definition)
        return destination.configure(
            dict(self.settings),
            None if self.subscriptions is None else list(self.subscriptions),
            list(self.filters),
            spec_check=self.spec_check,
            consent=self.consent,
            suppress=self.suppress,
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
    """What the loop reads from a consumed message (confluent-kafka's ``Message``)."""

    def value(self) -> bytes | None: ...
    def key(self) -> bytes | None: ...
    def error(self) -> Any: ...
    def topic(self) -> str | None: ...
    def partition(self) -> int | None: ...
    def offset(self) -> int | None: ...


class Consumer(Protocol):
    def poll(self, timeout: float) -> Message | None: ...
    def commit(self, *, asynchronous: bool) -> Any: ...


DeliveryCallback = Callable[[Any, Any], None]


class Producer(Protocol):
    def produce(
        self, topic: str, value: bytes, *, key: bytes | None, on_delivery: DeliveryCallback
    ) -> None: ...
    def flush(self, timeout: float) -> int: ...


class DeliveryError(ActionsError):
    """Kafka did not acknowledge every output: the input offsets were not committed, so the
    messages since the last commit will be consumed again."""


def kafka_loop(
    consumer: Consumer,
    producer: Producer,
    spec: DestinationSpec,
    *,
    requests_topic: str,
    dead_letter_topic: str,
    commit_every: int = 100,
    max_messages: int | None = None,
    poll_timeout: float = 1.0,
    flush_timeout: float = 30.0,
) -> dict[str, int]:
    """Consume events, produce requests and dead letters, and every ``commit_every`` messages
    (and whenever the topic is idle) flush the producer and then commit the consumer's offsets:
    at-least-once. Works with confluent-kafka's ``Consumer`` (``enable.auto.commit: false``) and
    ``Producer``. Outputs keep the input message's key. Runs for ever, or with ``max_messages``
    until that many messages were consumed or a poll waited ``poll_timeout`` for nothing;
    returns the counts."""
    configured = spec.build()
    counts = dict.fromkeys(("messages", "requests", "dead_letters", "filtered", "skipped"), 0)
    undelivered: list[Any] = []
    uncommitted = 0

    def delivered(error: Any, _message: Any) -> None:
        if error is not None:
            undelivered.append(error)

    def send(topic: str, record: Mapping[str, Any], key: bytes | None) -> None:
        producer.produce(topic, json.dumps(record).encode(), key=key, on_delivery=delivered)

    def commit() -> None:
        nonlocal uncommitted
        if uncommitted == 0:
            return
        remaining = producer.flush(flush_timeout)
        if remaining or undelivered:
            raise DeliveryError(
                f"{remaining} outputs still queued and {len(undelivered)} rejected "
                f"(first: {undelivered[0] if undelivered else 'timeout'}); offsets not committed"
            )
        consumer.commit(asynchronous=False)
        uncommitted = 0

    while max_messages is None or counts["messages"] < max_messages:
        message = consumer.poll(poll_timeout)
        if message is None:
            commit()
            if max_messages is None:
                continue
            break
        if message.error():  # a broker or partition notice, not a record
            continue
        counts["messages"] += 1
        uncommitted += 1
        key = message.key()
        raw = message.value() or b""
        source = _source(message)
        try:
            event: Any = json.loads(raw)
        except (ValueError, RecursionError) as exc:  # not JSON, not UTF-8, or nested too deep
            send(dead_letter_topic, {**_not_json(raw, exc), "source": source}, key)
            counts["dead_letters"] += 1
        else:
            for outcome in configured.process(event):
                if isinstance(outcome, Request):
                    send(requests_topic, outcome.to_dict(reveal_secrets=True), key)
                    counts["requests"] += 1
                elif isinstance(outcome, Failed):
                    send(dead_letter_topic, {**dead_letter(event, outcome), "source": source}, key)
                    counts["dead_letters"] += 1
                else:
                    counts[outcome.kind] += 1
        if uncommitted >= commit_every:
            commit()
    commit()
    return counts


def _source(message: Message) -> dict[str, Any]:
    return {"topic": message.topic(), "partition": message.partition(), "offset": message.offset()}


def _not_json(raw: bytes, exc: Exception) -> dict[str, Any]:
    """The dead-letter record of a message that is not JSON (same keys as :func:`dead_letter`)."""
    event = raw.decode("utf-8", "replace")
    return {
        "event": event,
        "subscription": None,
        "action": None,
        "reason": f"not JSON: {exc}",
        "problems": [],
    }
