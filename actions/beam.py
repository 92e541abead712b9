"""Apache Beam: ``events | ActionsTransform(spec)`` (install ``actions[beam]``).

The destination travels as plain data (:class:`actions.pipelines.DestinationSpec`) and is
compiled once per worker in the DoFn's ``setup()``. Requests go to the main output (``requests``)
as dicts; failed events go to the ``dead_letter`` output as serialisable records; filtered and
skipped events are counted with Beam metrics (namespace ``actions``), so every input is
accounted for: ``events == delivered + filtered + skipped + failed``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from actions.errors import ActionsError
from actions.pipelines import DestinationSpec, dead_letter

try:
    import apache_beam as beam
    from apache_beam.metrics import Metrics
    from apache_beam.pvalue import TaggedOutput
except ImportError as exc:  # pragma: no cover - exercised when Beam is absent
    raise ActionsError("Apache Beam is not installed: pip install 'actions[beam]'") from exc

REQUESTS = "requests"
DEAD_LETTER = "dead_letter"
NAMESPACE = "actions"
COUNTERS = ("events", "delivered", "filtered", "skipped", "failed", "requests")


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


__all__ = [
    "COUNTERS",
    "DEAD_LETTER",
    "NAMESPACE",
    "REQUESTS",
    "ActionsTransform",
    "DestinationSpec",
    "ProcessEvents",
]
