"""The Beam transform on the DirectRunner: every input event accounted for across outputs."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import apache_beam as beam  # the beam extra: pip install -e '.[test,beam]'
import cloudpickle
import pytest
from apache_beam.metrics.metric import MetricsFilter
from apache_beam.testing.test_pipeline import TestPipeline as BeamTestPipeline
from apache_beam.testing.util import assert_that, equal_to

import actions
from actions._resources import pack_slugs
from actions.beam import NAMESPACE, ActionsTransform, ProcessEvents
from actions.pipelines import DestinationSpec
from actions.samples import load_sample_events

BAD: list[Any] = [None, 7, "text", {"type": "nope"}, {"type": "track", "userId": 3}]


def _expected(pack: str, events: list[Any]) -> tuple[list[str], int, dict[str, int]]:
    destination = actions.load_destination(pack)
    configured = actions.configure(destination, destination.sample_settings())
    requests: list[str] = []
    failed = 0
    for event in events:
        for outcome in configured.process(event):
            if isinstance(outcome, actions.Request):
                requests.append(str(outcome.to_dict(reveal_secrets=True)["body"]))
            elif isinstance(outcome, actions.Failed):
                failed += 1
    return sorted(requests), failed, configured.counts.to_dict()


def _counter(result: Any, name: str) -> int:
    found = result.metrics().query(MetricsFilter().with_namespace(NAMESPACE).with_name(name))[
        "counters"
    ]
    return sum(c.committed for c in found)


@pytest.mark.parametrize("pack", pack_slugs())
def test_every_event_is_accounted_for(pack: str) -> None:
    events: list[Any] = load_sample_events() + BAD
    want_requests, want_failed, counts = _expected(pack, events)
    pipeline = BeamTestPipeline()
    outputs = (
        pipeline
        | beam.Create(events, reshuffle=False)
        | ActionsTransform(DestinationSpec.for_pack(pack))
    )
    assert_that(
        outputs.requests | beam.Map(lambda r: str(r["body"])),
        equal_to(want_requests),
        label="requests",
    )
    assert_that(
        outputs.dead_letter | beam.Map(lambda d: sorted(d)),
        equal_to([["action", "event", "problems", "reason", "subscription"]] * want_failed),
        label="dead letters",
    )
    result = pipeline.run()
    result.wait_until_finish()
    assert _counter(result, "events") == len(events)
    total = sum(_counter(result, name) for name in ("delivered", "filtered", "skipped", "failed"))
    assert total == len(events)
    for name in ("delivered", "filtered", "skipped", "failed", "requests"):
        assert _counter(result, name) == counts[name], name


def test_a_config_file_with_a_filter(adjust_config: Path) -> None:
    config = adjust_config
    events: list[Any] = load_sample_events() + BAD
    configured = actions.load_config(config)
    for event in events:
        configured.process(event)
    counts = configured.counts.to_dict()
    pipeline = BeamTestPipeline()
    outputs = (
        pipeline
        | beam.Create(events, reshuffle=False)
        | ActionsTransform(DestinationSpec.from_config(config))
    )
    assert_that(
        outputs.dead_letter | beam.Map(lambda d: (d["subscription"], d["problems"][0]["path"])),
        equal_to([(None, "$")] * 3 + [(None, "$.type"), (None, "$.userId")]),
        label="dead letters",
    )
    result = pipeline.run()
    result.wait_until_finish()
    assert counts["filtered"] > 0
    for name in ("events", "delivered", "filtered", "skipped", "failed", "requests"):
        assert _counter(result, name) == counts[name], name


def test_the_dofn_ships_plain_data_and_compiles_in_setup() -> None:
    spec = DestinationSpec.for_pack("adjust")
    shipped = pickle.loads(cloudpickle.dumps(ProcessEvents(spec)))
    assert shipped.configured is None
    assert shipped.spec == spec
    shipped.setup()
    event = next(e for e in load_sample_events() if e.get("event") == "Order Completed")
    requests = list(shipped.process(event))
    assert requests
    assert [r["url"] for r in requests] == [
        o.to_dict(reveal_secrets=True)["url"] for o in spec.build().process(event)
    ]


def test_a_secret_from_the_environment_stays_out_of_the_job_graph(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    token = "s2s-token-on-the-workers"
    settings = {
        "app_token": "a1",
        "event_tokens": {"Order Completed": "t1"},
        "s2s_token": {"env": "ACTIONS_TEST_BEAM_S2S"},
    }
    spec = DestinationSpec.for_pack("adjust", settings)
    graph = cloudpickle.dumps(ActionsTransform(spec)) + cloudpickle.dumps(ProcessEvents(spec))
    assert b"ACTIONS_TEST_BEAM_S2S" in graph
    monkeypatch.setenv("ACTIONS_TEST_BEAM_S2S", token)  # the workers' environment
    assert token.encode() not in graph
    event = next(e for e in load_sample_events() if e.get("event") == "Order Completed")
    pipeline = BeamTestPipeline()
    outputs = pipeline | beam.Create([event]) | ActionsTransform(spec)
    assert_that(
        outputs.requests | beam.Map(lambda r: r["headers"]["Authorization"]),
        equal_to([f"Bearer {token}"]),
    )
    pipeline.run().wait_until_finish()
