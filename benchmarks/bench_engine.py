"""End-to-end engine cost per event, against a hand-written function doing the same trigger
checks, mapping and request building; and the cost as subscriptions grow from 10 to 1,000.

Run: python benchmarks/bench_engine.py [events]
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _events import load_events, measure, measure_interleaved

import actions
from actions.destinations.loading import load_destination_text
from actions.spec import check_event

PACK = Path(__file__).resolve().parent / "packs" / "attribution"
SETTINGS = {"app_token": "tok"}
NAMES = [
    "Order Completed",
    "Product Added",
    "Product Viewed",
    "Checkout Started",
    "Signed Up",
    "Products Searched",
    "Cart Viewed",
    "Subscription Started",
    "Spend Credits",
    "Level Completed",
]


def subscriptions(count: int) -> list[dict[str, Any]]:
    out = []
    for index in range(count):
        name = NAMES[index % len(NAMES)] if index < len(NAMES) else f"Custom Event {index}"
        out.append(
            {
                "name": f"s{index}",
                "action": "event",
                "trigger": f'type = "track" and event = "{name}"',
            }
        )
    return out


def stdlib_json(payload: dict[str, Any]) -> str:
    """Compact JSON with the standard library, UTF-8 kept as is."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)


def fast_json(payload: dict[str, Any]) -> str:
    """Compact JSON with the fastest encoder there is for Python (orjson), as text like the
    engine's bodies."""
    return orjson.dumps(payload).decode()


def hand_written(
    count: int, encode: Callable[[dict[str, Any]], str] = fast_json
) -> Callable[[dict[str, Any]], list[dict[str, Any]]]:
    """The engine's work written out by hand for this pack, its body encoded by ``encode``."""
    wanted: dict[str, list[str]] = {}
    for sub in subscriptions(count):
        event_name = sub["trigger"].split('event = "')[1][:-1]
        wanted.setdefault(event_name, []).append(sub["name"])

    def run(event: dict[str, Any]) -> list[dict[str, Any]]:
        if not isinstance(event, dict) or event.get("type") != "track":
            return []
        names = wanted.get(event.get("event"))  # type: ignore[arg-type]
        if not names:
            return []
        context = event.get("context") or {}
        device = context.get("device") or {}
        props = event.get("properties") or {}
        payload: dict[str, Any] = {"event_name": event["event"]}
        device_id = device.get("advertisingId") or device.get("id")
        if device_id is not None:
            payload["device_id"] = device_id
        os_name = (context.get("os") or {}).get("name")
        if isinstance(os_name, str):
            payload["platform"] = os_name.lower()
        revenue = props.get("revenue")
        if revenue is not None:
            payload["revenue"] = float(revenue) if isinstance(revenue, str) else revenue
        for key, value in (
            ("currency", props.get("currency")),
            ("ip", context.get("ip")),
            ("sent_at", event.get("timestamp")),
        ):
            if value is not None:
                payload[key] = value
        if "device_id" not in payload:
            return [{"kind": "skipped"} for _ in names]
        body = encode(payload)
        headers = {"X-App-Token": SETTINGS["app_token"], "Content-Type": "application/json"}
        return [
            {
                "kind": "request",
                "url": "https://attribution.example/event",
                "headers": headers,
                "body": body,
                "subscription": name,
            }
            for name in names
        ]

    return run


_CALL_TYPES = frozenset({"track", "identify", "page", "screen", "group", "alias"})
_REQUIRED = {"track": "event", "group": "groupId", "alias": "previousId"}


def hand_written_checked(
    count: int, encode: Callable[[dict[str, Any]], str] = fast_json
) -> Callable[[Any], list[dict[str, Any]]]:
    """The hand-written function with the checks the engine makes, written out inline as a
    careful engineer would: the envelope (a dict, a known type, an identity, the type's required
    field a string, ``integrations`` flags), then for a matching event the Spec types of the
    fields its mapping reads, and the payload's types. What no engine that keeps those checks
    can cost less than, whatever it generates: the floor under the engine's ratio."""
    run = hand_written(count, encode)

    def checked(event: Any) -> list[dict[str, Any]]:
        if type(event) is not dict:
            return [{"kind": "failed"}]
        get = event.get
        call = get("type")
        if type(call) is not str or call not in _CALL_TYPES:
            return [{"kind": "failed"}]
        user = get("userId")
        if not (type(user) is str and user):
            anonymous = get("anonymousId")
            if not (type(anonymous) is str and anonymous):
                return [{"kind": "failed"}]
        integrations = get("integrations")
        if integrations is not None:
            if type(integrations) is not dict:
                return [{"kind": "failed"}]
            for flag in integrations.values():
                if type(flag) is not bool and type(flag) is not dict:
                    return [{"kind": "failed"}]
        required = _REQUIRED.get(call)
        if required is not None and type(get(required)) is not str:
            return [{"kind": "failed"}]
        if call != "track":
            return []
        context = get("context")
        if context is not None:
            if type(context) is not dict:
                return [{"kind": "failed"}]
            device = context.get("device")
            if device is not None:
                if type(device) is not dict:
                    return [{"kind": "failed"}]
                for key in ("advertisingId", "id"):
                    value = device.get(key)
                    if value is not None and type(value) is not str:
                        return [{"kind": "failed"}]
            os_ = context.get("os")
            if os_ is not None:
                if type(os_) is not dict:
                    return [{"kind": "failed"}]
                name = os_.get("name")
                if name is not None and type(name) is not str:
                    return [{"kind": "failed"}]
            ip = context.get("ip")
            if ip is not None and type(ip) is not str:
                return [{"kind": "failed"}]
        properties = get("properties")
        if properties is not None:
            if type(properties) is not dict:
                return [{"kind": "failed"}]
            revenue = properties.get("revenue")
            if revenue is not None and type(revenue) not in (int, float, str):
                return [{"kind": "failed"}]
            currency = properties.get("currency")
            if currency is not None and type(currency) is not str:
                return [{"kind": "failed"}]
        timestamp = get("timestamp")
        if timestamp is not None and type(timestamp) is not str:
            return [{"kind": "failed"}]
        return run(event)

    return checked


def with_spec_check(
    run: Callable[[dict[str, Any]], list[dict[str, Any]]],
) -> Callable[[Any], list[dict[str, Any]]]:
    """The hand-written function behind the same Spec check as the engine's, so both do the
    same work: an invalid event gives no request."""

    def checked(event: Any) -> list[dict[str, Any]]:
        if check_event(event):
            return [{"kind": "failed"}]
        return run(event)

    return checked


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    events = load_events(count)
    destination = actions.load_destination(PACK)
    engine = actions.configure(destination, SETTINGS, subscriptions(20))
    full = actions.configure(destination, SETTINGS, subscriptions(20), spec_check="full")
    # The same with the token a secret setting: requests are shown with *** for it.
    secret_text = destination.text.replace("required: true}", "required: true, secret: true}")
    secret = actions.configure(load_destination_text(secret_text), SETTINGS, subscriptions(20))
    hand = hand_written(20)
    hand_stdlib = hand_written(20, stdlib_json)
    hand_checked = hand_written_checked(20)
    for event in events:
        got = [o.to_dict() for o in engine.process(event) if o.kind == "request"]
        want = [o for o in hand(event) if o["kind"] == "request"]
        assert [g["body"] for g in got] == [w["body"] for w in want], event
        also = [o for o in hand_checked(event) if o["kind"] == "request"]
        assert [g["body"] for g in got] == [w["body"] for w in also], event
        assert [o.to_dict() for o in full.process(event)] == [
            o.to_dict() for o in engine.process(event)
        ]
    us = measure_interleaved(
        {
            "engine": engine.process,
            "secret": secret.process,
            "hand": hand,
            "hand-stdlib": hand_stdlib,
            "hand-checked": hand_checked,
            "full": full.process,
            "checked": with_spec_check(hand),
            "spec": check_event,
        },
        events,
    )
    print(f"events: {count}, subscriptions: 20 (best of 7 interleaved passes)")
    print(
        f"engine                       {us['engine']:7.2f} µs/event (envelope and fields read "
        "checked, triggers, mapping, coercion, validation, request, counts)"
    )
    print(
        f"hand-written                 {us['hand']:7.2f} µs/event (triggers, mapping, request; "
        "the body by orjson)"
    )
    print(f"ratio engine / hand-written: {us['engine'] / us['hand']:7.2f}x (aim <= 1.5x)")
    print(
        f"hand-written, stdlib json    {us['hand-stdlib']:7.2f} µs/event (the body by json.dumps)"
    )
    print(f"ratio engine / that:         {us['engine'] / us['hand-stdlib']:7.2f}x")
    print(
        f"hand-written, checked        {us['hand-checked']:7.2f} µs/event (and the engine's "
        "checks, inline: the floor)"
    )
    print(f"ratio that / hand-written:   {us['hand-checked'] / us['hand']:7.2f}x")
    print(f"ratio engine / that:         {us['engine'] / us['hand-checked']:7.2f}x")
    print(f"engine, app_token secret     {us['secret']:7.2f} µs/event (requests built, not shown)")
    print()
    print(f"engine, spec_check='full'    {us['full']:7.2f} µs/event (every event fully checked)")
    print(f"hand-written + Spec check    {us['checked']:7.2f} µs/event (the same work as 'full')")
    print(f"  of which the Spec check    {us['spec']:7.2f} µs/event (actions.spec.check_event)")
    print(f"ratio 'full' / hand + check: {us['full'] / us['checked']:7.2f}x")
    print()
    costs = {}
    for size in (10, 100, 1000):
        configured = actions.configure(destination, SETTINGS, subscriptions(size))
        costs[size] = measure(configured.process, events)
        print(f"{size:5d} subscriptions: {costs[size]:7.2f} µs/event")
    print(f"1,000 / 10 subscriptions: {costs[1000] / costs[10]:.2f}x (aim <= 3x)")


if __name__ == "__main__":
    main()
