"""Cost per evaluation of compiled FQL triggers against hand-written predicates.

Run: python benchmarks/bench_fql.py [events]
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _events import load_events, measure

from actions import fql

Predicate = Callable[[dict[str, Any]], bool]


def _get(event: dict[str, Any], *keys: str) -> Any:
    value: Any = event
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _num(value: Any) -> bool:
    return type(value) in (int, float)


TRIGGERS: list[tuple[str, Predicate]] = [
    ('type = "track"', lambda e: e.get("type") == "track"),
    ('type = "identify"', lambda e: e.get("type") == "identify"),
    (
        'type = "track" and event = "Order Completed"',
        lambda e: e.get("type") == "track" and e.get("event") == "Order Completed",
    ),
    ("type in ['track', 'screen']", lambda e: e.get("type") in ("track", "screen")),
    (
        'event in ["Product Added", "Product Viewed", "Order Completed"]',
        lambda e: e.get("event") in ("Product Added", "Product Viewed", "Order Completed"),
    ),
    (
        "properties.revenue >= 100",
        lambda e: (
            _num(_get(e, "properties", "revenue")) and _get(e, "properties", "revenue") >= 100
        ),
    ),
    (
        'type = "track" and properties.revenue > 0 and properties.currency = "USD"',
        lambda e: (
            e.get("type") == "track"
            and _num(r := _get(e, "properties", "revenue"))
            and r > 0
            and _get(e, "properties", "currency") == "USD"
        ),
    ),
    ("userId != null", lambda e: e.get("userId") is not None),
    ("context.device.type = 'ios'", lambda e: _get(e, "context", "device", "type") == "ios"),
    (
        "context.device.adTrackingEnabled = true",
        lambda e: _get(e, "context", "device", "adTrackingEnabled") is True,
    ),
    (
        "match(event, 'Product*')",
        lambda e: isinstance(v := e.get("event"), str) and v.startswith("Product"),
    ),
    (
        '!contains(context.library.name, "js")',
        lambda e: not (isinstance(v := _get(e, "context", "library", "name"), str) and "js" in v),
    ),
    (
        "lowercase(context.os.name) in ['ios', 'ipados', 'tvos', 'watchos']",
        lambda e: (
            isinstance(v := _get(e, "context", "os", "name"), str)
            and v.lower() in ("ios", "ipados", "tvos", "watchos")
        ),
    ),
    (
        'type = "track" and (event = "Order Completed" or event = "Order Refunded")',
        lambda e: (
            e.get("type") == "track" and e.get("event") in ("Order Completed", "Order Refunded")
        ),
    ),
    ("integrations.Adjust != false", lambda e: _get(e, "integrations", "Adjust") is not False),
    (
        "length(properties.products) > 10",
        lambda e: isinstance(p := _get(e, "properties", "products"), list) and len(p) > 10,
    ),
    (
        'type = "screen" and name = "Home"',
        lambda e: e.get("type") == "screen" and e.get("name") == "Home",
    ),
    (
        "context.campaign.source != null and type = 'track'",
        lambda e: _get(e, "context", "campaign", "source") is not None and e.get("type") == "track",
    ),
    (
        "!(type = 'identify' or type = 'group')",
        lambda e: e.get("type") not in ("identify", "group"),
    ),
    (
        "traits.plan = 'free' or context.traits.plan = 'free'",
        lambda e: (
            _get(e, "traits", "plan") == "free" or _get(e, "context", "traits", "plan") == "free"
        ),
    ),
]


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    events = load_events(count)
    start = time.perf_counter()
    fql.compile("type = 'track'")  # builds the Lark parser, once per process
    print(f"parser built once per process: {(time.perf_counter() - start) * 1e3:.1f} ms\n")
    print(f"{'trigger':72s} {'compiled':>9s} {'hand':>7s} {'ratio':>6s} {'compile':>9s}")
    total_compiled = total_hand = 0.0
    ratios: list[float] = []
    for text, hand in TRIGGERS:
        compile_us = float("inf")
        for _ in range(20):  # best of 20 cold compiles (the cache cleared before each)
            fql.clear_cache()
            start = time.perf_counter()
            trigger = fql.compile(text)
            compile_us = min(compile_us, (time.perf_counter() - start) * 1e6)
        for event in events:
            assert trigger.matches(event) == bool(hand(event)), (text, event)
        # Interleaved passes, best of each: both sides see the same machine load.
        compiled_ns = hand_ns = float("inf")
        for _ in range(7):
            compiled_ns = min(compiled_ns, measure(trigger.matches, events, repeat=1) * 1000)
            hand_ns = min(hand_ns, measure(hand, events, repeat=1) * 1000)
        total_compiled += compiled_ns
        total_hand += hand_ns
        ratios.append(compiled_ns / hand_ns)
        shown = text if len(text) <= 70 else text[:67] + "..."
        print(
            f"{shown:72s} {compiled_ns:7.0f}ns {hand_ns:5.0f}ns "
            f"{compiled_ns / hand_ns:5.2f}x {compile_us:7.0f}µs"
        )
    print(
        f"\nall {len(TRIGGERS)} triggers over {count} events: compiled {total_compiled:.0f} ns, "
        f"hand-written {total_hand:.0f} ns per event; ratio {total_compiled / total_hand:.2f}x "
        "(aim <= 1.5x)"
    )
    ratios.sort()
    print(
        f"per trigger: median ratio {ratios[len(ratios) // 2]:.2f}x, "
        f"best {ratios[0]:.2f}x, worst {ratios[-1]:.2f}x"
    )


if __name__ == "__main__":
    main()
