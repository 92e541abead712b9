"""Cost per evaluation of compiled FQL triggers against hand-written predicates.

Two figures: each of 20 triggers compiled on its own against a hand-written predicate, and all
20 through ``fql.compile_many`` (one generated function) against one hand-written function doing
the same 20 tests (``hand_fused``), the two taking turns, medians of the repetitions.

Run: python benchmarks/bench_fql.py [events] [repetitions]
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _events import load_events, measure, measure_interleaved

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


_EMPTY: dict[str, Any] = {}
_NUMBER = (int, float)


def hand_fused(e: dict[str, Any]) -> tuple[bool, ...]:
    """The 20 tests of TRIGGERS in one function, written by hand: each field read once."""
    kind = e.get("type")
    name = e.get("event")
    properties = e.get("properties")
    if not isinstance(properties, dict):
        properties = _EMPTY
    context = e.get("context")
    if not isinstance(context, dict):
        context = _EMPTY
    device = context.get("device")
    if not isinstance(device, dict):
        device = _EMPTY
    library = context.get("library")
    library_name = library.get("name") if isinstance(library, dict) else None
    os = context.get("os")
    os_name = os.get("name") if isinstance(os, dict) else None
    campaign = context.get("campaign")
    source = campaign.get("source") if isinstance(campaign, dict) else None
    context_traits = context.get("traits")
    context_plan = context_traits.get("plan") if isinstance(context_traits, dict) else None
    traits = e.get("traits")
    plan = traits.get("plan") if isinstance(traits, dict) else None
    integrations = e.get("integrations")
    adjust = integrations.get("Adjust") if isinstance(integrations, dict) else None
    revenue = properties.get("revenue")
    has_revenue = type(revenue) in _NUMBER
    products = properties.get("products")
    track = kind == "track"
    return (
        track,
        kind == "identify",
        track and name == "Order Completed",
        kind in ("track", "screen"),
        name in ("Product Added", "Product Viewed", "Order Completed"),
        has_revenue and revenue >= 100,
        track and has_revenue and revenue > 0 and properties.get("currency") == "USD",
        e.get("userId") is not None,
        device.get("type") == "ios",
        device.get("adTrackingEnabled") is True,
        isinstance(name, str) and name.startswith("Product"),
        not (isinstance(library_name, str) and "js" in library_name),
        isinstance(os_name, str) and os_name.lower() in ("ios", "ipados", "tvos", "watchos"),
        track and name in ("Order Completed", "Order Refunded"),
        adjust is not False,
        isinstance(products, list) and len(products) > 10,
        kind == "screen" and e.get("name") == "Home",
        source is not None and track,
        kind not in ("identify", "group"),
        plan == "free" or context_plan == "free",
    )


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def many(events: list[dict[str, Any]], repetitions: int) -> None:
    """All 20 triggers in one call against the fused hand-written function."""
    compiled = fql.compile_many([text for text, _ in TRIGGERS])
    for event in events:
        assert compiled.matches(event) == hand_fused(event), event
    ours: list[float] = []
    hand: list[float] = []
    ratios: list[float] = []
    for _ in range(repetitions):  # each repetition: the best of 3 passes of each, taking turns
        best = measure_interleaved({"ours": compiled.matches, "hand": hand_fused}, events, passes=3)
        ours.append(best["ours"] * 1000)
        hand.append(best["hand"] * 1000)
        ratios.append(best["ours"] / best["hand"])
    print(
        f"\n20 triggers in one call, {len(events)} events, {repetitions} repetitions (medians): "
        f"compile_many {_median(ours):.0f} ns, one fused hand-written function "
        f"{_median(hand):.0f} ns per event; ratio {_median(ratios):.2f}x "
        f"(each repetition {min(ratios):.2f}x to {max(ratios):.2f}x; aim <= 1.1x)"
    )


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    repetitions = int(sys.argv[2]) if len(sys.argv) > 2 else 7
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
    many(events, repetitions)


if __name__ == "__main__":
    main()
