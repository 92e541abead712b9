"""Requests to deliver, built by the shipped packs from the sample events."""

from __future__ import annotations

import copy
import json
from typing import Any

from scripted_server import Answer, Received, Server, serving

import actions
from actions.engine.outcomes import Request
from actions.samples import sample_events_path

__all__ = ["Answer", "Received", "Server", "events", "requests", "serving"]


def events(count: int) -> list[dict[str, Any]]:
    """``count`` distinct track events (each its own messageId and properties)."""
    base = next(
        e
        for e in map(json.loads, sample_events_path().read_text(encoding="utf-8").splitlines())
        if e.get("type") == "track" and e.get("event") == "Order Completed"
    )
    out = []
    for n in range(count):
        event = copy.deepcopy(base)
        event["messageId"] = f"message-{n}"
        event["properties"]["order_id"] = f"order-{n}"
        out.append(event)
    return out


def requests(pack: str, count: int) -> list[Request]:
    destination = actions.load_destination(pack)
    configured = actions.configure(destination, destination.sample_settings())
    built = []
    for event in events(count):
        for outcome in configured.process(event):
            if isinstance(outcome, Request):
                built.append(outcome)
    assert len(built) == count
    return built
