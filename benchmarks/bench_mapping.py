"""Cost per event of a realistic mobile-attribution mapping: compiled vs hand-written vs naive.

Run: python benchmarks/bench_mapping.py [events] [repetitions]
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _events import load_events, measure

from actions.mapping import DEFAULT_BACKEND, compile

MAPPING: dict[str, Any] = {
    "event_name": {"@path": "$.event"},
    "idfa": {"@path": "$.context.device.advertisingId"},
    "device_id": {"@coalesce": [{"@path": "$.context.device.id"}, {"@path": "$.anonymousId"}]},
    "platform": {"@case": {"operator": "lower", "value": {"@path": "$.context.os.name"}}},
    "user": {"@coalesce": [{"@path": "$.userId"}, {"@path": "$.anonymousId"}]},
    "ip": {"@path": "$.context.ip"},
    "ua": {"@path": "$.context.userAgent"},
    "app": {"name": {"@path": "$.context.app.name"}, "version": {"@path": "$.context.app.version"}},
    "label": {"@template": "{{event}} via {{context.library.name}}"},
    "slug": {"@replace": {"pattern": " ", "replacement": "_", "value": {"@path": "$.event"}}},
    "revenue": {"@path": "$.properties.revenue"},
    "currency": {"@coalesce": [{"@path": "$.properties.currency"}, "USD"]},
    "campaign": {"@flatten": {"value": {"@path": "$.context.campaign"}, "separator": "_"}},
    "items": {
        "@arrayPath": [
            "$.properties.products",
            {
                "sku": {"@path": "$.sku"},
                "price": {"@path": "$.price"},
                "qty": {"@path": "$.quantity"},
            },
        ]
    },
    "sent_at": {"@path": "$.timestamp"},
}

_MISSING = object()


def _get(data: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, dict):
            return _MISSING
        data = data.get(key, _MISSING)
        if data is _MISSING:
            return _MISSING
    return data


def hand_written(event: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    ctx = event.get("context")
    ctx = ctx if isinstance(ctx, dict) else {}
    props = event.get("properties")
    props = props if isinstance(props, dict) else {}
    device = ctx.get("device") if isinstance(ctx.get("device"), dict) else {}
    name = event.get("event", _MISSING)
    if name is not _MISSING:
        out["event_name"] = name
    if "advertisingId" in device:
        out["idfa"] = device["advertisingId"]
    device_id = device.get("id")
    if device_id is None:
        device_id = event.get("anonymousId", _MISSING)
    if device_id is not _MISSING:
        out["device_id"] = device_id
    os_name = _get(ctx, "os", "name")
    if os_name is not _MISSING:
        out["platform"] = os_name.lower() if isinstance(os_name, str) else os_name
    user = event.get("userId")
    if user is None:
        user = event.get("anonymousId", _MISSING)
    if user is not _MISSING:
        out["user"] = user
    if "ip" in ctx:
        out["ip"] = ctx["ip"]
    if "userAgent" in ctx:
        out["ua"] = ctx["userAgent"]
    app: dict[str, Any] = {}
    app_name = _get(ctx, "app", "name")
    if app_name is not _MISSING:
        app["name"] = app_name
    app_version = _get(ctx, "app", "version")
    if app_version is not _MISSING:
        app["version"] = app_version
    out["app"] = app
    library = _get(ctx, "library", "name")
    out["label"] = (
        f"{name if isinstance(name, str) else ''} via {library if isinstance(library, str) else ''}"
    )
    if isinstance(name, str):
        out["slug"] = name.replace(" ", "_")
    if "revenue" in props:
        out["revenue"] = props["revenue"]
    currency = props.get("currency")
    out["currency"] = "USD" if currency is None else currency
    campaign = ctx.get("campaign", _MISSING)
    if isinstance(campaign, dict):
        out["campaign"] = dict(campaign)
    elif campaign is not _MISSING:
        out["campaign"] = campaign
    products = props.get("products", _MISSING)
    if isinstance(products, list):
        items = []
        for product in products:
            item = {}
            if isinstance(product, dict):
                for src, dst in (("sku", "sku"), ("price", "price"), ("quantity", "qty")):
                    if src in product:
                        item[dst] = product[src]
            items.append(item)
        out["items"] = items
    elif products is not _MISSING:
        out["items"] = products
    if "timestamp" in event:
        out["sent_at"] = event["timestamp"]
    return out


def naive_jsonpath(event: dict[str, Any], cache: dict[str, Any]) -> dict[str, Any]:
    """Every @path resolved by jsonpath-ng at run time (parsed per call, the naive way)."""
    from jsonpath_ng import parse

    def get(path: str) -> Any:
        matches = parse(path).find(event)
        return matches[0].value if matches else _MISSING

    out = {}
    for key in (
        "event",
        "context.device.advertisingId",
        "context.ip",
        "context.userAgent",
        "properties.revenue",
        "timestamp",
        "context.os.name",
        "userId",
    ):
        value = get("$." + key)
        if value is not _MISSING:
            out[key] = value
    return out


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    repetitions = int(sys.argv[2]) if len(sys.argv) > 2 else 9
    events = load_events(count)
    sides = {
        "closures": compile(MAPPING, backend="closures").apply,
        "source": compile(MAPPING, backend="source").apply,
        "hand": hand_written,
    }
    for event in events:
        for name in ("closures", "source"):
            assert sides[name](event) == hand_written(event), (name, event)
    # Interleaved repetitions: every side takes one pass in turn, so all see the same load;
    # medians over the repetitions, and the median of each repetition's ratio.
    passes: dict[str, list[float]] = {name: [] for name in sides}
    for _ in range(repetitions):
        for name, function in sides.items():
            passes[name].append(measure(function, events, repeat=1))
    us = {name: statistics.median(figures) for name, figures in passes.items()}
    ratio = {
        name: statistics.median(
            ours / hand for ours, hand in zip(passes[name], passes["hand"], strict=True)
        )
        for name in ("closures", "source")
    }
    naive_us = measure(lambda e: naive_jsonpath(e, {}), events[: max(1, count // 10)])
    compile_ms = {}
    for backend in ("closures", "source"):
        start = time.perf_counter()
        for _ in range(100):
            compile(MAPPING, backend=backend)
        compile_ms[backend] = (time.perf_counter() - start) / 100 * 1e3
    print(f"events: {count}, fields: {len(MAPPING)} (medians of {repetitions} interleaved passes)")
    print(f"compiled mapping, closures  {us['closures']:8.2f} µs/event")
    print(f"compiled mapping, source    {us['source']:8.2f} µs/event")
    print(f"hand-written                {us['hand']:8.2f} µs/event")
    print(f"naive jsonpath-ng           {naive_us:8.2f} µs/event (8 paths only)")
    print(f"ratio closures / hand-written: {ratio['closures']:.2f}x (aim <= 1.5x)")
    print(f"ratio source / hand-written:   {ratio['source']:.2f}x (aim <= 1.15x)")
    print(f"ratio naive / {DEFAULT_BACKEND} (the default): {naive_us / us[DEFAULT_BACKEND]:.1f}x")
    print(
        f"compile time per mapping: {compile_ms['closures']:.2f} ms (closures), "
        f"{compile_ms['source']:.2f} ms (source)"
    )


if __name__ == "__main__":
    main()
