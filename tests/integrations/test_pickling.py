"""The pickling contract: every shipped pack, configured, round-trips through pickle and
cloudpickle and behaves the same afterwards."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cloudpickle
import pytest

import actions
from actions._resources import pack_slugs
from actions.pipelines import DestinationSpec
from actions.samples import load_sample_events

SHIPPED = pack_slugs()
EVENTS: list[Any] = [*load_sample_events(), None, {"type": "track"}, {"type": "nope"}]


def _outcomes(configured: actions.ConfiguredDestination) -> list[list[dict[str, Any]]]:
    return [[o.to_dict(reveal_secrets=True) for o in configured.process(e)] for e in EVENTS]


def test_every_shipped_pack_is_covered() -> None:
    assert {"adjust", "branch", "kochava"} <= set(SHIPPED)


@pytest.mark.parametrize("pack", SHIPPED)
@pytest.mark.parametrize("dumps", [pickle.dumps, cloudpickle.dumps], ids=["pickle", "cloudpickle"])
def test_configured_pack_round_trips(pack: str, dumps: Callable[[Any], bytes]) -> None:
    destination = actions.load_destination(pack)
    configured = actions.configure(destination, destination.sample_settings())
    before = _outcomes(configured)
    clone = pickle.loads(dumps(configured))
    assert _outcomes(clone) == before
    assert {o["kind"] for each in before for o in each} >= {"request", "filtered", "failed"}


def test_spec_is_plain_data_and_builds_the_same_destination() -> None:
    spec = DestinationSpec.for_pack("branch")
    clone = pickle.loads(pickle.dumps(spec))
    assert clone == spec
    event = load_sample_events()[10]
    assert [o.to_dict() for o in clone.build().process(event)] == [
        o.to_dict() for o in spec.build().process(event)
    ]


def test_spec_from_a_config_file_behaves_like_the_config(adjust_config: Path) -> None:
    config = adjust_config
    spec = pickle.loads(pickle.dumps(DestinationSpec.from_config(config)))
    built, loaded = spec.build(), actions.load_config(config)
    outcomes = [[o.to_dict() for o in built.process(e)] for e in load_sample_events()]
    assert outcomes == [[o.to_dict() for o in loaded.process(e)] for e in load_sample_events()]
    assert any(o["kind"] == "request" for each in outcomes for o in each)
    assert any(o.get("filter") == "no screens" for each in outcomes for o in each)


def test_spec_carries_the_spec_check(adjust_config: Path) -> None:
    config = adjust_config
    config.write_text("spec_check: full\n" + config.read_text(encoding="utf-8"), encoding="utf-8")
    spec = pickle.loads(pickle.dumps(DestinationSpec.from_config(config)))
    assert spec.spec_check == "full"
    assert spec.build().spec_check == "full"
    assert actions.load_config(config).spec_check == "full"
    assert DestinationSpec.for_pack("adjust").build().spec_check == "read"


def test_spec_from_a_broken_config_fails_where_the_pipeline_is_built(adjust_config: Path) -> None:
    config = adjust_config
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace('type = "screen"', 'type = = "screen"'), encoding="utf-8")
    with pytest.raises(actions.ActionsError):
        DestinationSpec.from_config(config)
