"""The pickling contract: every shipped pack, configured, round-trips through pickle and
cloudpickle and behaves the same afterwards."""

from __future__ import annotations

import pickle

import cloudpickle
import pytest

import actions
from actions.pipelines import DestinationSpec
from actions.samples import load_sample_events


@pytest.mark.parametrize("pack", ["adjust", "kochava", "branch"])
@pytest.mark.parametrize("dumps", [pickle.dumps, cloudpickle.dumps], ids=["pickle", "cloudpickle"])
def test_configured_pack_round_trips(pack: str, dumps: object) -> None:
    destination = actions.load_destination(pack)
    configured = destination.configure(destination.sample_settings())
    clone = pickle.loads(dumps(configured))  # type: ignore[operator]
    events = load_sample_events()
    assert [[o.to_dict() for o in clone.process(e)] for e in events] == [
        [o.to_dict() for o in configured.process(e)] for e in events
    ]


def test_spec_is_plain_data_and_builds_the_same_destination() -> None:
    spec = DestinationSpec.for_pack("branch")
    clone = pickle.loads(pickle.dumps(spec))
    assert clone == spec
    event = load_sample_events()[10]
    assert [o.to_dict() for o in clone.build().process(event)] == [
        o.to_dict() for o in spec.build().process(event)
    ]
