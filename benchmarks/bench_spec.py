"""Cost per call of the Spec check (``actions.spec.check_event``) on sample events, and of the
JSON Schema validator it explains invalid events with.

Run: python benchmarks/bench_spec.py [calls]
"""

from __future__ import annotations

import sys
import time
import timeit
from collections.abc import Callable
from typing import Any

from actions.samples import load_sample_events
from actions.spec import _validator, check_event


def _first(events: list[dict[str, Any]], test: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    return next(event for event in events if test(event))


def _os(event: dict[str, Any]) -> Any:
    return (event.get("context", {}).get("os") or {}).get("name")


def main() -> None:
    calls = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    events = load_sample_events()
    page = _first(events, lambda e: e["type"] == "page")
    ios_order = _first(events, lambda e: e.get("event") == "Order Completed" and _os(e) == "iOS")
    products = _first(events, lambda e: len(e.get("properties", {}).get("products", ())) >= 40)
    invalid = {**ios_order, "userId": 7, "context": {**ios_order["context"], "ip": 1}}
    assert not check_event(page)
    assert not check_event(ios_order)
    assert not check_event(products)
    assert check_event(invalid)
    validator = _validator()
    cases: list[tuple[str, Callable[[], object], int]] = [
        ("web page call", lambda: check_event(page), calls),
        ("iOS Order Completed, full mobile context", lambda: check_event(ios_order), calls),
        (
            f"Order Completed with {len(products['properties']['products'])} products",
            lambda: check_event(products),
            calls,
        ),
        (
            "invalid event (explained by the JSON Schema validator)",
            lambda: check_event(invalid),
            calls // 100,
        ),
        (
            "JSON Schema is_valid on the iOS event, for comparison",
            lambda: validator.is_valid(ios_order),
            calls // 100,
        ),
    ]
    print("per check_event call, best of 5 timeit repeats, CPU time of this process")
    for name, call, number in cases:
        timer = time.process_time  # on a shared machine, less load-dependent than the wall clock
        best = min(timeit.repeat(call, number=number, repeat=5, timer=timer)) / number
        print(f"{name:58s} {best * 1e6:9.1f} µs")


if __name__ == "__main__":
    main()
