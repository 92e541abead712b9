"""Apache Beam: ``events | ActionsTransform(spec)`` and ``events | DeliverEvents(spec)``
(install ``actions[beam]``).

The destination travels as plain data (:class:`actions.pipelines.DestinationSpec`) and is
compiled once per worker in the DoFn's ``setup()``. ``ActionsTransform``: requests go to the main
output (``requests``) as dicts; failed events go to the ``dead_letter`` output as serialisable
records; filtered and skipped events are counted with Beam metrics (namespace ``actions``), so
every input is accounted for: ``events == delivered + filtered + skipped + failed``.
``DeliverEvents`` also sends each request (a :class:`actions.delivery.Sender` per DoFn instance)
and accounts for each: ``requests == delivered + dropped + dead-lettered`` (namespace
``actions.delivery``). See docs/pipelines.md and docs/delivery.md."""

from __future__ import annotations

import concurrent.futures
from collections import deque
from collections.abc import Iterator, Mapping
from typing import Any

import attrs

from actions._repr import attrs_repr
from actions.delivery.deadletter import delivery_record
from actions.delivery.ledger import Ledger, request_key
from actions.delivery.policy import RetryPolicy
from actions.delivery.result import DeliveryResult
from actions.engine.outcomes import Request
from actions.errors import ActionsError
from actions.pipelines import DestinationSpec, dead_letter

try:
    import apache_beam as beam
    from apache_beam.metrics import Metrics
    from apache_beam.pvalue import TaggedOutput
    from apache_beam.utils.windowed_value import WindowedValue
except ImportError as exc:  # pragma: no cover - exercised when Beam is absent
    raise ActionsError("Apache Beam is not installed: pip install 'actions[beam]'") from exc

REQUESTS = "requests"
RESULTS = "results"
DEAD_LETTER = "dead_letter"
NAMESPACE = "actions"
COUNTERS = ("events", "delivered", "filtered", "skipped", "failed", "requests")
DELIVERY_NAMESPACE = "actions.delivery"
DELIVERY_COUNTERS = ("delivered", "dropped", "dead-lettered", "retried", "from_ledger")


class ProcessEvents(beam.DoFn):  # type: ignore[misc]
    """The engine as a DoFn: compiled once per worker in ``setup()``, one element per event."""

    def __init__(self, spec: DestinationSpec, reveal_secrets: bool = True) -> None:
        super().__init__()
        self.spec = spec
        self.reveal_secrets = reveal_secrets
        self.configured: Any = None
        self.counters: dict[str, Any] = {}

    def setup(self) -> None:
        self.configured = self.spec.build()
        self.counters = {name: Metrics.counter(NAMESPACE, name) for name in COUNTERS}

    def process(self, event: Any) -> Iterator[Any]:
        outcomes = self.configured.process(event)
        kinds = {o.kind for o in outcomes}
        if "request" in kinds:
            status = "delivered"
        else:
            status = next((k for k in ("failed", "skipped") if k in kinds), "filtered")
        self.counters["events"].inc()
        self.counters[status].inc()
        for outcome in outcomes:
            if outcome.kind == "request":
                self.counters["requests"].inc()
                yield outcome.to_dict(reveal_secrets=self.reveal_secrets)
            elif outcome.kind == "failed":
                yield TaggedOutput(DEAD_LETTER, dead_letter(event, outcome))


class ActionsTransform(beam.PTransform):  # type: ignore[misc]
    """``events | ActionsTransform(spec)``: outputs ``requests`` (main) and ``dead_letter``."""

    def __init__(self, spec: DestinationSpec, reveal_secrets: bool = True) -> None:
        super().__init__()
        self.spec = spec
        self.reveal_secrets = reveal_secrets

    def expand(self, events: Any) -> Any:
        do_fn = ProcessEvents(self.spec, self.reveal_secrets)
        return events | "ProcessEvents" >> beam.ParDo(do_fn).with_outputs(
            DEAD_LETTER, main=REQUESTS
        )


@attrs.frozen
class _Pending:
    """A request being sent, with its event and where its element sits (for finish_bundle)."""

    __repr__ = attrs_repr

    timestamp: Any
    window: Any
    request: Request
    future: concurrent.futures.Future[DeliveryResult]
    event: Any


class DeliverEventsFn(beam.DoFn):  # type: ignore[misc]
    """Process events and deliver their requests, in one DoFn: the requests (and their secrets)
    never cross a stage boundary, and each request keeps its event (for its ledger key and its
    dead letter). One ``Sender`` per DoFn instance (made in ``setup()``, closed in
    ``teardown()``), sending on ``concurrency`` threads; at most ``4 × concurrency`` requests
    wait per bundle (an event waits for a slot), and every request has ended before its bundle
    finishes. Outputs (in the order requests end): ``results`` (the request as shown, secrets
    ``***``, with its ``delivery``), ``dead_letter`` (engine failures and requests given up,
    both redacted)."""

    def __init__(
        self,
        spec: DestinationSpec,
        delivery: Mapping[str, Any] | None = None,
        *,
        endpoint: str | None = None,
        ledger: str | None = None,
        policy: RetryPolicy | None = None,
    ) -> None:
        super().__init__()
        self.spec = spec
        self.delivery = None if delivery is None else dict(delivery)
        self.endpoint = endpoint
        self.ledger_path = ledger
        self.policy = policy
        self.configured: Any = None
        self.sender: Any = None
        self.ledger: Ledger | None = None
        self.pool: concurrent.futures.ThreadPoolExecutor | None = None
        self.pending: deque[_Pending] = deque()
        self.window = 0
        self.counters: dict[str, Any] = {}

    def setup(self) -> None:
        from actions.delivery.sender import Sender  # httpx: only on the workers that send

        self.configured = self.spec.build()
        self.ledger = None if self.ledger_path is None else Ledger(self.ledger_path)
        self.sender = Sender(
            self.configured,
            self.delivery,
            endpoint=self.endpoint,
            ledger=self.ledger,
            policy=self.policy,
        )
        concurrency = self.sender.settings.concurrency
        self.window = 4 * concurrency
        self.pool = concurrent.futures.ThreadPoolExecutor(concurrency, "actions-deliver")
        self.counters = {name: Metrics.counter(NAMESPACE, name) for name in COUNTERS}
        self.counters.update(
            {f"delivery.{n}": Metrics.counter(DELIVERY_NAMESPACE, n) for n in DELIVERY_COUNTERS}
        )

    def start_bundle(self) -> None:
        self.pending = deque()

    def process(
        self,
        event: Any,
        timestamp: Any = beam.DoFn.TimestampParam,
        window: Any = beam.DoFn.WindowParam,
    ) -> Iterator[Any]:
        assert self.pool is not None
        outcomes = self.configured.process(event)
        kinds = {o.kind for o in outcomes}
        if "request" in kinds:
            status = "delivered"
        else:
            status = next((k for k in ("failed", "skipped") if k in kinds), "filtered")
        self.counters["events"].inc()
        self.counters[status].inc()
        slug = self.configured.destination.slug
        index: dict[str, int] = {}
        for outcome in outcomes:
            if isinstance(outcome, Request):
                self.counters["requests"].inc()
                position = index[outcome.subscription] = index.get(outcome.subscription, -1) + 1
                # Occurrence 0: identical events without a messageId are one request to a
                # ledger (bundles cannot count them across workers).
                key = request_key(slug, event, outcome.subscription, position)
                while len(self.pending) >= self.window:
                    yield from self._outputs(self.pending.popleft())
                future = self.pool.submit(self.sender.send, outcome, key)
                self.pending.append(_Pending(timestamp, window, outcome, future, event))
            elif outcome.kind == "failed":
                yield TaggedOutput(DEAD_LETTER, dead_letter(event, outcome))
        while self.pending and self.pending[0].future.done():  # those ended, in order
            yield from self._outputs(self.pending.popleft())

    def finish_bundle(self) -> Iterator[Any]:
        # Every request of the bundle ends before the bundle does (Beam commits the bundle's
        # outputs and counters only then); outputs from here carry their element's window.
        while self.pending:
            entry = self.pending.popleft()
            for output in self._outputs(entry):
                if isinstance(output, TaggedOutput):
                    placed = WindowedValue(output.value, entry.timestamp, [entry.window])
                    yield TaggedOutput(output.tag, placed)
                else:
                    yield WindowedValue(output, entry.timestamp, [entry.window])

    def _outputs(self, entry: _Pending) -> Iterator[Any]:
        request, event = entry.request, entry.event
        result = entry.future.result()
        self.counters[f"delivery.{result.status}"].inc()
        if result.attempts > 1:
            self.counters["delivery.retried"].inc()
        if result.from_ledger:
            self.counters["delivery.from_ledger"].inc()
        record = request.to_dict()
        record["delivery"] = result.to_dict()
        yield record
        if result.status == "dead-lettered":
            slug = self.configured.destination.slug
            yield TaggedOutput(
                DEAD_LETTER, delivery_record(request, result, event, destination=slug)
            )

    def teardown(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
        if self.sender is not None:
            self.sender.close()
            self.sender = None
        if self.ledger is not None:
            self.ledger.close()
            self.ledger = None


class DeliverEvents(beam.PTransform):  # type: ignore[misc]
    """``events | DeliverEvents(spec, delivery, endpoint=..., ledger=...)``: process and
    deliver; outputs ``results`` (main) and ``dead_letter``. ``delivery``: overrides of the
    pack's delivery settings (``concurrency``, ``rate``, ...: per DoFn instance, so the
    partner sees up to the number of workers times them). ``ledger``: an SQLite file path
    opened by each DoFn instance (a worker's own: see docs/pipelines.md)."""

    def __init__(
        self,
        spec: DestinationSpec,
        delivery: Mapping[str, Any] | None = None,
        *,
        endpoint: str | None = None,
        ledger: str | None = None,
        policy: RetryPolicy | None = None,
    ) -> None:
        super().__init__()
        self.do_fn = DeliverEventsFn(
            spec, delivery, endpoint=endpoint, ledger=ledger, policy=policy
        )

    def expand(self, events: Any) -> Any:
        return events | "DeliverEvents" >> beam.ParDo(self.do_fn).with_outputs(
            DEAD_LETTER, main=RESULTS
        )


__all__ = [
    "COUNTERS",
    "DEAD_LETTER",
    "DELIVERY_COUNTERS",
    "DELIVERY_NAMESPACE",
    "NAMESPACE",
    "REQUESTS",
    "RESULTS",
    "ActionsTransform",
    "DeliverEvents",
    "DeliverEventsFn",
    "DestinationSpec",
    "ProcessEvents",
]
