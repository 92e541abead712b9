"""The shipped sample stream: a realistic day of Segment Spec events from a shopping app.

The stream (``events.jsonl``) has iOS, iPadOS, Android and web users going through install,
attribution, identify/alias, search, product, cart, checkout and order events, lifecycle and push
events, a 40-product order, events in several currencies and scripts, events whose
``integrations`` turn a destination off, and mobile events without device identifiers.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from actions._resources import samples_dir


def sample_events_path() -> Path:
    """The path of the shipped ``events.jsonl``."""
    return samples_dir() / "events.jsonl"


def load_sample_events() -> list[dict[str, Any]]:
    """The shipped sample events, freshly parsed (callers may mutate them)."""
    with sample_events_path().open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]
