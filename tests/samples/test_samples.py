from __future__ import annotations

import ipaddress
import json
import re
import uuid
from collections import defaultdict
from typing import Any

import pytest

from actions.samples import load_sample_events, sample_events_path
from actions.spec import CALL_TYPES, check_event

EVENTS = load_sample_events()

ECOMMERCE = (
    "Products Searched",
    "Product List Viewed",
    "Product Viewed",
    "Product Added",
    "Product Added to Wishlist",
    "Cart Viewed",
    "Checkout Started",
    "Order Completed",
    "Order Refunded",
    "Coupon Applied",
    "Promotion Viewed",
    "Product Reviewed",  # Branch RATE
    "Product Shared",  # Branch SHARE
    "Payment Info Entered",  # Branch ADD_PAYMENT_INFO
)
LIFECYCLE = (
    "Application Installed",
    "Application Opened",
    "Application Updated",
    "Application Backgrounded",
    "Deep Link Opened",
    "Push Notification Received",
    "Install Attributed",
)
CUSTOM = ("Signed Up", "Level Completed", "Subscription Started", "Spend Credits")
DOCUMENTATION_NETWORKS = [
    ipaddress.ip_network(net)
    for net in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32")
]
STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


def _device(event: dict[str, Any]) -> dict[str, Any]:
    device: dict[str, Any] = event["context"].get("device", {})
    return device


@pytest.mark.parametrize("index", range(len(EVENTS)))
def test_every_sample_event_is_valid(index: int) -> None:
    assert check_event(EVENTS[index]) == ()


def test_file_is_one_json_object_per_line() -> None:
    lines = sample_events_path().read_text(encoding="utf-8").splitlines()
    assert 60 <= len(lines) <= 80
    assert [json.loads(line) for line in lines] == EVENTS


def test_loading_returns_fresh_copies() -> None:
    first = load_sample_events()
    first[0]["type"] = "changed"
    assert load_sample_events()[0]["type"] == "track"


def test_every_call_type_and_listed_event() -> None:
    assert {e["type"] for e in EVENTS} == set(CALL_TYPES)
    names = {e.get("event") for e in EVENTS}
    for name in (*ECOMMERCE, *LIFECYCLE, *CUSTOM):
        assert name in names, name


def test_platforms() -> None:
    platforms = {(_device(e).get("type"), e["context"].get("os", {}).get("name")) for e in EVENTS}
    assert {("ios", "iOS"), ("android", "Android"), (None, "iPadOS"), (None, None)} <= platforms
    libraries = {e["context"]["library"]["name"] for e in EVENTS}
    assert libraries == {"analytics-ios", "analytics-android", "analytics.js"}
    for event in EVENTS:
        library = event["context"]["library"]["name"]
        device = _device(event)
        if library == "analytics.js":  # web: a user agent, no device ids
            assert "userAgent" in event["context"]
            assert not device
        if device.get("type") == "android" and "advertisingId" in device:
            assert re.fullmatch(
                r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", device["advertisingId"]
            )
            assert re.fullmatch(r"[0-9a-f]{16}", device["id"])  # android_id
        if device.get("type") == "ios" and "advertisingId" in device:
            assert device["advertisingId"] == device["advertisingId"].upper()  # IDFA
            assert device.get("trackingStatus") == "authorized"
    assert any(_device(e).get("trackingStatus") == "denied" for e in EVENTS)
    mobile = [e for e in EVENTS if e["context"]["library"]["name"] != "analytics.js"]
    assert any("id" not in _device(e) and "advertisingId" not in _device(e) for e in mobile)


def test_identities_and_sessions() -> None:
    assert len({e["messageId"] for e in EVENTS}) == len(EVENTS)
    for event in EVENTS:
        uuid.UUID(event["messageId"])
        uuid.UUID(event["anonymousId"])
        for key in ("timestamp", "sentAt", "receivedAt"):
            assert STAMP.fullmatch(event[key]), (key, event[key])
        assert event["timestamp"] <= event["sentAt"] <= event["receivedAt"]
    stamps = defaultdict(list)
    for event in EVENTS:
        stamps[event["anonymousId"]].append(event["timestamp"])
    for user_stamps in stamps.values():
        assert user_stamps == sorted(user_stamps)
    [alias] = [e for e in EVENTS if e["type"] == "alias"]
    assert alias["previousId"] == alias["anonymousId"]


def test_no_real_personal_data() -> None:
    text = sample_events_path().read_text(encoding="utf-8")
    for address in re.findall(r"[\w.+-]+@[\w.-]+", text):
        assert address.endswith("@example.com"), address
    ips = [ipaddress.ip_address(e["context"]["ip"]) for e in EVENTS]
    for ip in ips:
        assert any(ip in net for net in DOCUMENTATION_NETWORKS), ip
    assert any(ip.version == 6 for ip in ips)


def test_commerce_details() -> None:
    currencies = {e.get("properties", {}).get("currency") for e in EVENTS}
    assert {"USD", "EUR", "JPY"} <= currencies
    orders = [e for e in EVENTS if e.get("event") == "Order Completed"]
    assert max(len(e["properties"].get("products", [])) for e in orders) == 40
    names = [e["properties"]["name"] for e in EVENTS if "name" in e.get("properties", {})]
    names += [p["name"] for e in EVENTS for p in e.get("properties", {}).get("products", [])]
    assert any(re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", name) for name in names)  # Japanese
    assert any(re.search(r"[À-ÿ]", name) for name in names)  # accented
    [attributed, *_] = [e for e in EVENTS if e.get("event") == "Install Attributed"]
    assert {"source", "name"} <= set(attributed["context"]["campaign"])
    assert sum("browser_fingerprint_id" in e.get("properties", {}) for e in EVENTS) >= 2


def test_integrations() -> None:
    settings = [e["integrations"] for e in EVENTS]
    assert {"All": True} in settings
    assert any(s.get("Adjust") is False for s in settings)
    assert {"All": False, "Branch": True} in settings
