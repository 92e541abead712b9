from __future__ import annotations

from collections import Counter

from actions.samples import load_sample_events
from actions.spec import CALL_TYPES, check_event


def test_every_sample_event_is_valid() -> None:
    for index, event in enumerate(load_sample_events()):
        assert check_event(event) == (), (index, event.get("event"))


def test_stream_covers_the_spec_and_platforms() -> None:
    events = load_sample_events()
    assert set(Counter(e["type"] for e in events)) == set(CALL_TYPES)
    names = {e.get("event") for e in events}
    for name in (
        "Application Installed",
        "Application Opened",
        "Install Attributed",
        "Deep Link Opened",
        "Products Searched",
        "Product Viewed",
        "Product Added",
        "Checkout Started",
        "Order Completed",
        "Order Refunded",
    ):
        assert name in names
    platforms = {
        (e["context"].get("device", {}).get("type"), e["context"].get("os", {}).get("name"))
        for e in events
    }
    assert ("ios", "iOS") in platforms
    assert ("android", "Android") in platforms
    assert (None, "iPadOS") in platforms
    assert (None, None) in platforms  # web
    assert len({e["messageId"] for e in events}) == len(events)
    assert max(len(e.get("properties", {}).get("products", [])) for e in events) >= 40
    assert any(e["integrations"].get("All") is False for e in events)
