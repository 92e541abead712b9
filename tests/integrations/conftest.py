from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# The partner emulator (tests/delivery/partners.py), for the recipes that deliver.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "delivery"))

from partners import PartnerServer

CONFIG = """\
destination: adjust
settings: {app_token: 4w565xzmb54d, event_tokens: {Order Completed: f2e728}}
filters:
  - name: no screens
    drop: 'type = "screen"'
subscriptions:
  - name: Orders
    action: send_event
    trigger: 'type = "track" and event = "Order Completed"'
"""


@pytest.fixture
def adjust_config(tmp_path: Path) -> Path:
    """A config file: the Adjust pack with one destination filter and one subscription."""
    config = tmp_path / "adjust.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    return config


@pytest.fixture
def partners() -> Iterator[PartnerServer]:
    """The partner emulator on 127.0.0.1, as in tests/delivery (a real HTTP server)."""
    with PartnerServer() as server:
        yield server
    assert server.errors == [], f"the partner emulator raised: {server.errors!r}"
