"""Deterministic realistic events for benchmarks, derived from the shipped sample stream."""

from __future__ import annotations

import copy
import random
import time
import uuid
from collections.abc import Callable
from typing import Any

from actions.samples import load_sample_events


def load_events(n: int, seed: int = 7) -> list[dict[str, Any]]:
    """``n`` events: copies of the sample events with fresh ids, shifted timestamps and
    varied amounts, in a shuffled but reproducible order."""
    rng = random.Random(seed)
    samples = load_sample_events()
    out: list[dict[str, Any]] = []
    while len(out) < n:
        base = rng.choice(samples)
        event = copy.deepcopy(base)
        event["messageId"] = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        suffix = rng.randrange(10_000)
        if "userId" in event:
            event["userId"] = f"{event['userId']}_{suffix}"
        props = event.get("properties")
        if isinstance(props, dict) and isinstance(props.get("revenue"), int | float):
            props["revenue"] = round(props["revenue"] * rng.uniform(0.5, 2.0), 2)
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
