"""The Beam delivery transform on the DirectRunner against the partner emulator (a real HTTP
server on 127.0.0.1): every request accounted for, dead letters redacted, counters right."""

from __future__ import annotations

import copy
import json
import pickle
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import apache_beam as beam
import cloudpickle
from apache_beam.metrics.metric import MetricsFilter
from apache_beam.testing.test_pipeline import TestPipeline as BeamTestPipeline
from apache_beam.testing.util import assert_that, equal_to
from apache_beam.transforms.window import GlobalWindow
from apache_beam.utils.timestamp import Timestamp
from partners import Fault, PartnerServer

import actions
from actions.beam import (
    DELIVERY_NAMESPACE,
    NAMESPACE,
    DeliverEvents,
    DeliverEventsFn,
)
from actions.delivery import RetryPolicy
from actions.pipelines import DestinationSpec
from actions.samples import load_sample_events

FAST = RetryPolicy(max_attempts=4, max_elapsed=30.0, base=0.01, cap=0.05)
# No timeout fault here: a generous read timeout, so that a loaded machine does not make an
# answered request look lost (it would be sent again: at least once).
QUICK = {"rate": 0, "concurrency": 4, "read_timeout": 10.0}
SECRET = "s2s-secret-never-shown"
SETTINGS = {
    "app_token": "4w565xzmb54d",
    "event_tokens": {"Order Completed": "f2e728", "Product Viewed": "a1b2c3"},
    "s2s_token": SECRET,
}
BAD: list[Any] = [None, {"type": "track", "userId": 3}]


def _events(count: int) -> list[Any]:
    """``count`` distinct Order Completed events, then the sample stream, then bad events."""
    base = next(e for e in load_sample_events() if e.get("event") == "Order Completed")
    made = []
    for n in range(count):
        event = copy.deepcopy(base)
        event["messageId"] = f"beam-{n}"
        event["properties"]["order_id"] = f"order-{n}"
        made.append(event)
    return [*made, *load_sample_events(), *BAD]


def _expected(spec: DestinationSpec, events: list[Any]) -> Counter[str]:
    configured = spec.build()
    return Counter(o.kind for e in events for o in configured.process(e))


def _counter(result: Any, namespace: str, name: str) -> int:
    found = result.metrics().query(MetricsFilter().with_namespace(namespace).with_name(name))
    return sum(c.committed for c in found["counters"])


def _run(
    spec: DestinationSpec, events: list[Any], url: str, out: Path, **options: Any
) -> tuple[Any, list[Any], list[Any]]:
    """Run the transform; return the result and the two outputs (written as JSON lines)."""
    pipeline = BeamTestPipeline()
    outputs = (
        pipeline
        | beam.Create(events, reshuffle=False)
        | DeliverEvents(spec, QUICK, endpoint=url, policy=FAST, **options)
    )
    (
        outputs.results
        | "results" >> beam.Map(json.dumps)
        | "write results" >> beam.io.WriteToText(str(out / "results"), shard_name_template="")
    )
    (
        outputs.dead_letter
        | "dead" >> beam.Map(json.dumps)
        | "write dead" >> beam.io.WriteToText(str(out / "dead"), shard_name_template="")
    )
    result = pipeline.run()
    result.wait_until_finish()

    def read(name: str) -> list[Any]:
        return [json.loads(line) for line in (out / name).read_text().splitlines()]

    return result, read("results"), read("dead")


def test_every_request_is_delivered_once(partners: PartnerServer, tmp_path: Path) -> None:
    spec = DestinationSpec.for_pack("adjust", SETTINGS)
    events = _events(30)
    kinds = _expected(spec, events)
    result, results, dead = _run(spec, events, partners.url, tmp_path)
    assert len(results) == kinds["request"] > 30
    assert Counter(r["delivery"]["status"] for r in results) == {"delivered": kinds["request"]}
    assert len(partners.acknowledged()) == kinds["request"]
    assert partners.duplicates() == {}
    assert len(dead) == kinds["failed"] >= 2  # the engine's failures, on the same output
    assert _counter(result, NAMESPACE, "requests") == kinds["request"]
    assert _counter(result, DELIVERY_NAMESPACE, "delivered") == kinds["request"]
    assert _counter(result, NAMESPACE, "events") == len(events)
    # Results are shown, never sent: the secret is not in them, but it reached the partner.
    assert SECRET not in json.dumps(results)
    assert all(r.header("Authorization") == f"Bearer {SECRET}" for r in partners.acknowledged())


def test_under_faults_every_request_is_accounted_for(
    partners: PartnerServer, tmp_path: Path
) -> None:
    spec = DestinationSpec.for_pack("adjust", SETTINGS)
    events = _events(60)
    kinds = _expected(spec, events)
    # A 429 with Retry-After, a burst of 503s, chaos (503, 500, reset, a 503 echoing what the
    # partner received), and one request never accepted.
    partners.plan([Fault.status(429, retry_after=1), Fault.status(503) * 6])
    echo = Fault.status(503, body=f"we got {SECRET}")
    partners.plan([echo.always().when(lambda r: b"order-7" in r.body)])
    partners.chaos(0.3, [Fault.status(503), Fault.status(500), Fault.reset(), echo], seed=11)
    result, results, dead = _run(spec, events, partners.url, tmp_path)
    statuses = Counter(r["delivery"]["status"] for r in results)
    assert sum(statuses.values()) == kinds["request"]
    assert statuses["delivered"] > 0
    assert statuses["dead-lettered"] >= 1  # order-7, at least
    for name in ("delivered", "dropped", "dead-lettered"):
        assert _counter(result, DELIVERY_NAMESPACE, name) == statuses[name], name
    assert _counter(result, DELIVERY_NAMESPACE, "retried") == sum(
        r["delivery"]["attempts"] > 1 for r in results
    )
    given_up = [d for d in dead if d.get("kind") == "delivery"]
    assert len(given_up) == statuses["dead-lettered"]
    assert len(dead) - len(given_up) == kinds["failed"]
    assert {d["destination"] for d in given_up} == {"adjust"}
    assert all(d["attempts"] == FAST.max_attempts for d in given_up)
    assert all(d["event"]["messageId"] for d in given_up)  # replayable: the event is kept
    (seven,) = [d for d in given_up if d["event"]["messageId"] == "beam-7"]
    assert seven["response"] == "we got ***"  # the echoed secret is redacted
    assert SECRET not in json.dumps(dead)
    assert SECRET not in json.dumps(results)
    assert len(partners.ack_counts()) == statuses["delivered"]
    assert partners.duplicates() == {}
    # The dead letter replays with the command line: once the partner is back, all delivered.
    partners.clear_faults()
    config = tmp_path / "adjust.yaml"
    config.write_text(json.dumps({"destination": "adjust", "settings": SETTINGS}), "utf-8")
    replay = subprocess.run(
        [
            sys.executable,
            "-m",
            "actions",
            "replay",
            str(tmp_path / "dead"),
            "--config",
            str(config),
            "--send",
            "--endpoint",
            partners.url,
            "--quiet",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert replay.returncode == 0, replay.stderr
    sent = [json.loads(line) for line in replay.stdout.splitlines()]
    assert Counter(r["kind"] for r in sent) == {"request": len(given_up), "failed": kinds["failed"]}
    assert len(partners.ack_counts()) == kinds["request"]
    assert partners.duplicates() == {}


def test_a_ledger_makes_a_rerun_send_nothing_answered(
    partners: PartnerServer, tmp_path: Path
) -> None:
    spec = DestinationSpec.for_pack("adjust", SETTINGS)
    events = _events(10)
    ledger = str(tmp_path / "sent.sqlite")
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    _, first, _ = _run(spec, events, partners.url, tmp_path / "one", ledger=ledger)
    sent = len(partners.requests)
    result, again, _ = _run(spec, events, partners.url, tmp_path / "two", ledger=ledger)
    assert len(partners.requests) == sent  # a bundle run again re-sends nothing answered
    assert len(again) == len(first)
    assert all(r["delivery"]["from_ledger"] for r in again)
    assert _counter(result, DELIVERY_NAMESPACE, "from_ledger") == len(again)


def test_the_dofn_ships_plain_data_and_makes_its_sender_in_setup(
    partners: PartnerServer,
) -> None:
    spec = DestinationSpec.for_pack("adjust", SETTINGS)
    do_fn = DeliverEventsFn(spec, QUICK, endpoint=partners.url, policy=FAST)
    shipped = pickle.loads(cloudpickle.dumps(do_fn))
    assert shipped.sender is None
    assert shipped.configured is None
    assert shipped.pool is None
    shipped.setup()
    try:
        shipped.start_bundle()
        event = _events(1)[0]
        # As Beam calls it; the result comes from process (if the request ended by then) or
        # from finish_bundle, in the element's window.
        early = list(shipped.process(event, Timestamp(0), GlobalWindow()))
        late = list(shipped.finish_bundle())
        assert all(list(w.windows) == [GlobalWindow()] for w in late)
        outputs = early + [w.value for w in late]
        assert [r["delivery"]["status"] for r in outputs] == ["delivered"]
    finally:
        shipped.teardown()
    assert shipped.sender is None
    assert shipped.pool is None


def test_requests_with_secrets_pickle_with_their_shown_form() -> None:
    destination = actions.load_destination("adjust")
    configured = actions.configure(destination, SETTINGS)
    event = _events(1)[0]
    (request,) = [o for o in configured.process(event) if isinstance(o, actions.Request)]
    clone = pickle.loads(cloudpickle.dumps(request))
    assert clone.to_dict(reveal_secrets=True) == request.to_dict(reveal_secrets=True)
    assert clone.to_dict() == request.to_dict()
    assert SECRET not in json.dumps(clone.to_dict())


def test_requests_cross_a_beam_stage_boundary_with_their_shown_form() -> None:
    spec = DestinationSpec.for_pack("adjust", SETTINGS)
    events = _events(3)[:3]  # three orders, one request each
    configured = spec.build()
    want = [
        o.to_dict() for e in events for o in configured.process(e) if isinstance(o, actions.Request)
    ]

    def requests(event: Any) -> list[actions.Request]:
        built = spec.build()  # on the worker; the Request objects then cross a shuffle
        return [o for o in built.process(event) if isinstance(o, actions.Request)]

    pipeline = BeamTestPipeline()
    shown = (
        pipeline
        | beam.Create(events)
        | beam.FlatMap(requests)
        | beam.Reshuffle()
        | beam.Map(lambda r: (r.to_dict(), r.to_dict(reveal_secrets=True)["headers"]))
    )
    assert_that(
        shown,
        equal_to([(w, {**w["headers"], "Authorization": f"Bearer {SECRET}"}) for w in want]),
    )
    pipeline.run().wait_until_finish()
    assert len(want) == 3
    assert all(w["headers"]["Authorization"] == "Bearer ***" for w in want)
