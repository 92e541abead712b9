from __future__ import annotations

from pathlib import Path

import pytest

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
