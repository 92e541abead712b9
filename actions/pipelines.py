"""Running the engine inside data pipelines: a plain-data description of a configured
destination (cheap to ship to workers), and engine-agnostic building blocks for partitions and
message loops. See docs/pipelines.md; the Apache Beam transform is in :mod:`actions.beam`."""

from __future__ import annotations

import concurrent.futures
import json
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import attrs

from actions._repr import attrs_repr
from actions.delivery.deadletter import delivery_record
from actions.delivery.ledger import request_key
from actions.delivery.result import DeliveryResult
from actions.destinations.loading import (
    DefinitionError,
    load_destination,
    load_destination_text,
    resolve,
)
from actions.engine.config import is_environment_form
from actions.engine.configfile import load_config
from actions.engine.configure import configure
from actions.engine.engine import ConfiguredDestination, SpecCheck
from actions.engine.outcomes import Failed, Outcome, Request
from actions.errors import ActionsError
from actions.yamlsource import load_yaml

if TYPE_CHECKING:
    from actions.delivery.sender import Sender


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
        return configure(
            destination,
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
    requests_topic: str | None = None,
    dead_letter_topic: str,
    sender: Sender | None = None,
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
    returns the counts.

    With ``sender`` (an :class:`actions.delivery.Sender`), each request is delivered instead, on
    ``concurrency`` threads (at most ``4 × concurrency`` requests waiting), and the counts add
    ``delivered``, ``dropped`` and ``dead_lettered`` (their sum is ``requests``). A request given
    up goes to ``dead_letter_topic`` as its delivery dead letter (secrets redacted) with its
    ``source``; ``requests_topic``, when given, receives each request as shown (secrets
    ``***``) with its ``delivery``. Offsets are committed only once every request of the
    messages consumed so far has ended (delivered, dropped, or dead-lettered and flushed)."""
    if sender is None and requests_topic is None:
        raise ActionsError("kafka_loop needs a requests_topic, or a sender to deliver requests")
    configured = spec.build()
    slug = configured.destination.slug
    counts = dict.fromkeys(("messages", "requests", "dead_letters", "filtered", "skipped"), 0)
    if sender is not None:
        counts.update(dict.fromkeys(("delivered", "dropped", "dead_lettered"), 0))
    undelivered: list[Any] = []
    uncommitted = 0
    pool = (
        None
        if sender is None
        else concurrent.futures.ThreadPoolExecutor(sender.settings.concurrency, "actions-deliver")
    )
    window = 0 if sender is None else 4 * sender.settings.concurrency
    in_flight: deque[_InFlight] = deque()

    def delivered(error: Any, _message: Any) -> None:
        if error is not None:
            undelivered.append(error)

    def send(topic: str, record: Mapping[str, Any], key: bytes | None) -> None:
        producer.produce(topic, json.dumps(record).encode(), key=key, on_delivery=delivered)

    def settle(entry: _InFlight) -> None:
        """A request's delivery has ended (or is waited for): count it, produce its records."""
        result = entry.future.result()
        counts["dead_lettered" if result.status == "dead-lettered" else result.status] += 1
        if requests_topic is not None:
            shown = {**entry.request.to_dict(), "delivery": result.to_dict()}
            send(requests_topic, {**shown, "source": entry.source}, entry.key)
        if result.status == "dead-lettered":
            record = delivery_record(entry.request, result, entry.event, destination=slug)
            send(dead_letter_topic, {**record, "source": entry.source}, entry.key)
            counts["dead_letters"] += 1

    def commit() -> None:
        nonlocal uncommitted
        if uncommitted == 0:
            return
        while in_flight:  # every request of the messages consumed so far ends first
            settle(in_flight.popleft())
        remaining = producer.flush(flush_timeout)
        if remaining or undelivered:
            raise DeliveryError(
                f"{remaining} outputs still queued and {len(undelivered)} rejected "
                f"(first: {undelivered[0] if undelivered else 'timeout'}); offsets not committed"
            )
        consumer.commit(asynchronous=False)
        uncommitted = 0

    try:
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
            except (ValueError, RecursionError) as exc:  # not JSON, not UTF-8, or too deep
                send(dead_letter_topic, {**_not_json(raw, exc), "source": source}, key)
                counts["dead_letters"] += 1
            else:
                index: dict[str, int] = {}
                for outcome in configured.process(event):
                    if isinstance(outcome, Request):
                        counts["requests"] += 1
                        if pool is None or sender is None:  # produce it, to be sent elsewhere
                            topic = requests_topic or ""  # set without a sender (checked above)
                            send(topic, outcome.to_dict(reveal_secrets=True), key)
                            continue
                        position = index[outcome.subscription] = (
                            index.get(outcome.subscription, -1) + 1
                        )
                        identity = request_key(slug, event, outcome.subscription, position)
                        while len(in_flight) >= window:
                            settle(in_flight.popleft())
                        future = pool.submit(sender.send, outcome, identity)
                        in_flight.append(_InFlight(future, outcome, event, source, key))
                    elif isinstance(outcome, Failed):
                        record = dead_letter(event, outcome)
                        send(dead_letter_topic, {**record, "source": source}, key)
                        counts["dead_letters"] += 1
                    else:
                        counts[outcome.kind] += 1
            while in_flight and in_flight[0].future.done():
                settle(in_flight.popleft())
            if uncommitted >= commit_every:
                commit()
        commit()
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    return counts


@attrs.frozen
class _InFlight:
    """A request being delivered by ``kafka_loop``, with what its records need."""

    __repr__ = attrs_repr

    future: concurrent.futures.Future[DeliveryResult]
    request: Request
    event: Any
    source: dict[str, Any]
    key: bytes | None


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
