"""Deterministic realistic events for benchmarks, derived from the shipped sample stream."""

from __future__ import annotations

import copy
import random
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from actions.samples import load_sample_events

_USERS = 500
"""Synthetic users per run: events of one user share its ids, as in a real stream."""


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _shift(stamp: object, delta: timedelta) -> object:
    if not isinstance(stamp, str):
        return stamp
    moved = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC) + delta
    return moved.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moved.microsecond // 1000:03d}Z"


def _scale(values: dict[str, Any], keys: tuple[str, ...], factor: float) -> None:
    for key in keys:
        value = values.get(key)
        if type(value) is float or type(value) is int:
            values[key] = round(value * factor, 2)


def load_events(n: int, seed: int = 7) -> list[dict[str, Any]]:
    """``n`` events: deep copies of the sample events (so every call type, event name and
    platform of the stream appears) with fresh message ids, per-user ids and device ids,
    timestamps shifted by up to a day and order amounts scaled, in a reproducible order."""
    rng = random.Random(seed)
    samples = load_sample_events()
    users = [
        {
            "userId": f"u_{rng.randrange(10**6):06d}",
            "anonymousId": _uuid(rng),
            "id": _uuid(rng).upper(),
            "advertisingId": _uuid(rng).upper(),
        }
        for _ in range(_USERS)
    ]
    shifts = [timedelta(milliseconds=rng.randrange(86_400_000)) for _ in range(_USERS)]
    out: list[dict[str, Any]] = []
    for _ in range(n):
        event = copy.deepcopy(rng.choice(samples))
        number = rng.randrange(_USERS)
        user = users[number]
        event["messageId"] = _uuid(rng)
        for key in ("userId", "anonymousId"):
            if key in event:
                event[key] = user[key]
        if event.get("type") == "alias":
            event["previousId"] = user["anonymousId"]
        for key in ("timestamp", "sentAt", "receivedAt"):
            if key in event:
                event[key] = _shift(event[key], shifts[number])
        device = event.get("context", {}).get("device")
        if isinstance(device, dict):
            for key in ("id", "advertisingId"):
                if key in device:
                    device[key] = user[key]
        props = event.get("properties")
        if isinstance(props, dict):
            factor = rng.uniform(0.5, 2.0)
            _scale(props, ("revenue", "total", "subtotal", "value", "price"), factor)
            for product in props.get("products", ()):
                if isinstance(product, dict):
                    _scale(product, ("price",), factor)
        out.append(event)
    return out


def measure(function: Callable[[Any], Any], events: list[Any], repeat: int = 5) -> float:
    """Microseconds per event: the best of ``repeat`` passes over ``events``."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for event in events:
            function(event)
        best = min(best, time.perf_counter() - start)
    return best / len(events) * 1e6


def measure_interleaved(
    functions: dict[str, Callable[[Any], Any]], events: list[Any], passes: int = 7
) -> dict[str, float]:
    """Microseconds per event for each function: the best of ``passes`` passes, the functions
    taking turns pass by pass, so that all of them see the same machine load."""
    best = dict.fromkeys(functions, float("inf"))
    for _ in range(passes):
        for name, function in functions.items():
            best[name] = min(best[name], measure(function, events, repeat=1))
    return best
