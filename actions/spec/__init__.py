"""The Segment Spec: what a well-formed event looks like, and a check for it.

One declarative table (:data:`FIELDS`) describes the common fields and each call type. From it
come both the published JSON Schema (:func:`event_schema`, draft-07) and a fast checker that
walks only the fields an event has. Valid events are proven valid by the fast checker alone;
when it finds a problem, the JSON Schema validator (built once per process) explains it.
The two are checked against each other by the tests.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator, Mapping
from functools import cache
from typing import Any

import attrs
import jsonschema

from actions.errors import DataPath
from actions.jsonvalues import type_name

CALL_TYPES = ("track", "identify", "page", "screen", "group", "alias")


_CONTEXT: dict[str, Any] = {
    "active": "boolean",
    "app": {"name": "string", "version": "string", "build": "string", "namespace": "string"},
    "campaign": {
        "name": "string",
        "source": "string",
        "medium": "string",
        "term": "string",
        "content": "string",
    },
    "device": {
        "id": "string",
        "advertisingId": "string",
        "adTrackingEnabled": "boolean",
        "manufacturer": "string",
        "model": "string",
        "name": "string",
        "type": "string",
        "token": "string",
    },
    "ip": "string",
    "library": {"name": "string", "version": "string"},
    "locale": "string",
    "location": {
        "city": "string",
        "country": "string",
        "latitude": "number",
        "longitude": "number",
        "speed": "number",
    },
    "network": {
        "bluetooth": "boolean",
        "carrier": "string",
        "cellular": "boolean",
        "wifi": "boolean",
    },
    "os": {"name": "string", "version": "string"},
    "page": {
        "path": "string",
        "referrer": "string",
        "search": "string",
        "title": "string",
        "url": "string",
    },
    "referrer": "object",
    "screen": {"density": "number", "height": "number", "width": "number"},
    "groupId": "string",
    "timezone": "string",
    "traits": "object",
    "userAgent": "string",
}

COMMON: dict[str, Any] = {
    "type": "string",
    "messageId": "string",
    "userId": "string|null",
    "anonymousId": "string|null",
    "timestamp": "string",
    "originalTimestamp": "string",
    "sentAt": "string",
    "receivedAt": "string",
    "version": "string|number",
    "context": _CONTEXT,
    "integrations": "object",
}

PER_TYPE: dict[str, dict[str, Any]] = {
    "track": {"event": "string", "properties": "object"},
    "identify": {"traits": "object"},
    "page": {"name": "string", "category": "string", "properties": "object"},
    "screen": {"name": "string", "category": "string", "properties": "object"},
    "group": {"groupId": "string|number", "traits": "object"},
    "alias": {"previousId": "string|number"},
}

REQUIRED: dict[str, tuple[str, ...]] = {
    "track": ("event",),
    "identify": (),
    "page": (),
    "screen": (),
    "group": ("groupId",),
    "alias": ("previousId", "userId"),
}

# Documented properties/traits, for "did you mean" suggestions (not enforced: the Spec is open).
_DOCUMENTED_PROPERTIES = [
    "description",
    "browser_fingerprint_id",
    "credits",
    "plan",
    "period",
    "trial",
    "revenue",
    "currency",
    "value",
    "total",
    "subtotal",
    "shipping",
    "tax",
    "discount",
    "coupon",
    "coupon_id",
    "coupon_name",
    "order_id",
    "checkout_id",
    "cart_id",
    "affiliation",
    "products",
    "product_id",
    "sku",
    "category",
    "name",
    "brand",
    "variant",
    "price",
    "quantity",
    "position",
    "url",
    "image_url",
    "query",
    "list_id",
    "promotion_id",
    "creative",
    "wishlist_id",
    "wishlist_name",
    "path",
    "referrer",
    "search",
    "title",
    "version",
    "build",
    "from_background",
    "referring_application",
    "previous_version",
    "previous_build",
    "provider",
    "campaign",
]
_DOCUMENTED_TRAITS = [
    "address",
    "age",
    "avatar",
    "birthday",
    "company",
    "createdAt",
    "description",
    "email",
    "firstName",
    "gender",
    "id",
    "lastName",
    "name",
    "phone",
    "title",
    "username",
    "website",
    "plan",
    "industry",
    "employees",
]


@attrs.frozen
class EventProblem:
    """Why an event is not a valid Segment Spec event."""

    path: DataPath
    message: str

    def to_dict(self) -> dict[str, object]:
        from actions.errors import format_path

        return {"path": format_path(self.path), "message": self.message}


def _kind_schema(kind: Any) -> dict[str, Any]:
    if isinstance(kind, dict):
        return {"type": "object", "properties": {k: _kind_schema(v) for k, v in kind.items()}}
    names = {"string|null": ["string", "null"], "string|number": ["string", "number"]}
    return {"type": names.get(kind, kind)}


@cache
def event_schema() -> dict[str, Any]:
    """The Segment Spec as a draft-07 JSON Schema (open to unknown fields, strict on known ones)."""
    variants = []
    for call in CALL_TYPES:
        variants.append(
            {
                "if": {"properties": {"type": {"const": call}}, "required": ["type"]},
                "then": {
                    "properties": {k: _kind_schema(v) for k, v in PER_TYPE[call].items()},
                    "required": list(REQUIRED[call]),
                },
            }
        )
    identity = {
        "anyOf": [
            {"properties": {"userId": {"type": "string", "minLength": 1}}, "required": ["userId"]},
            {
                "properties": {"anonymousId": {"type": "string", "minLength": 1}},
                "required": ["anonymousId"],
            },
        ]
    }
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": "https://actions.example/schemas/segment-event.schema.json",
        "title": "Segment Spec event",
        "type": "object",
        "required": ["type"],
        "properties": {
            **{k: _kind_schema(v) for k, v in COMMON.items()},
            "type": {"type": "string", "enum": list(CALL_TYPES)},
            "integrations": {
                "type": "object",
                "additionalProperties": {"type": ["boolean", "object"]},
            },
        },
        "allOf": [identity, *variants],
    }


@cache
def _validator() -> jsonschema.protocols.Validator:
    cls = jsonschema.validators.validator_for(event_schema())
    return cls(event_schema())


_EXACT_TYPES: dict[str, frozenset[type]] = {
    "string": frozenset({str}),
    "number": frozenset({int, float}),
    "boolean": frozenset({bool}),
    "object": frozenset({dict}),
    "array": frozenset({list}),
    "string|null": frozenset({str, type(None)}),
    "string|number": frozenset({str, int, float}),
}


def _compile_table(table: Mapping[str, Any]) -> Callable[[dict[str, Any]], bool]:
    """A checker for one level of the table: only the keys an event has are looked at, and
    scalar keys are checked inline (no call per key)."""
    scalars = {k: _EXACT_TYPES[v] for k, v in table.items() if not isinstance(v, dict)}
    nested = {k: _compile_table(v) for k, v in table.items() if isinstance(v, dict)}

    def check(data: dict[str, Any]) -> bool:
        for key, value in data.items():
            allowed = scalars.get(key)
            if allowed is not None:
                if type(value) not in allowed:
                    return False
            elif key in nested and (type(value) is not dict or not nested[key](value)):
                return False
        return True

    return check


_CHECK_COMMON = _compile_table(COMMON)
_CHECK_TYPE = {call: _compile_table(table) for call, table in PER_TYPE.items()}


def _fast_valid(event: dict[str, Any]) -> bool:
    call = event.get("type")
    if type(call) is not str or call not in _CHECK_TYPE:
        return False
    user, anon = event.get("userId"), event.get("anonymousId")
    if not ((type(user) is str and user) or (type(anon) is str and anon)):
        return False
    integrations = event.get("integrations")
    if integrations is not None:
        if type(integrations) is not dict:
            return False
        for flag in integrations.values():
            if type(flag) is not bool and type(flag) is not dict:
                return False
    for required in REQUIRED[call]:
        if required not in event:
            return False
    return _CHECK_COMMON(event) and _CHECK_TYPE[call](event)


def _message(error: jsonschema.ValidationError) -> str:
    validator = error.validator
    where = "".join(f".{p}" if isinstance(p, str) else f"[{p}]" for p in error.absolute_path)
    field = where.lstrip(".") or "the event"
    if validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else "a field"
        return f"missing required field '{missing}'"
    if validator == "type":
        expected = error.validator_value
        expected_text = " or ".join(expected) if isinstance(expected, list) else expected
        return f"{field} must be {expected_text}, not {type_name(error.instance)}"
    if validator == "enum":
        allowed = error.validator_value if isinstance(error.validator_value, list) else []
        return f"{field} must be one of {', '.join(map(str, allowed))}"
    if validator == "minLength":
        return f"{field} must not be empty"
    return error.message


def _problems(event: dict[str, Any]) -> Iterator[EventProblem]:
    errors = list(_validator().iter_errors(event))
    identity_failed = False
    seen: set[DataPath] = set()
    for error in errors:
        if error.validator == "anyOf" and not error.absolute_path:
            identity_failed = True
            continue
        for leaf in _leaves(error):
            path = tuple(leaf.absolute_path)
            if leaf.validator == "required":
                missing = leaf.message.split("'")[1] if "'" in leaf.message else ""
                path = (*path, missing) if missing else path
            seen.add(path)
            yield EventProblem(path, _message(leaf))
    if identity_failed and not seen & {("userId",), ("anonymousId",)}:
        yield EventProblem(
            ("userId",),
            "every event needs a userId or an anonymousId (a non-empty string)",
        )


def _leaves(error: jsonschema.ValidationError) -> Iterator[jsonschema.ValidationError]:
    if error.validator in ("allOf", "if") and error.context:
        for sub in error.context:
            yield from _leaves(sub)
    else:
        yield error


def check_event(event: object) -> tuple[EventProblem, ...]:
    """The problems that make ``event`` an invalid Segment Spec event (empty when valid)."""
    if not isinstance(event, dict):
        return (EventProblem((), f"an event must be a JSON object, not {type_name(event)}"),)
    if _fast_valid(event):
        return ()
    problems = tuple(dict.fromkeys(_problems(event)))
    if problems:
        return problems
    return (EventProblem((), "the event does not match the Segment Spec"),)


def _known_paths() -> frozenset[str]:
    paths: set[str] = set()

    def add(prefix: str, table: Mapping[str, Any]) -> None:
        for key, kind in table.items():
            path = f"{prefix}{key}"
            paths.add(path)
            if isinstance(kind, dict):
                add(f"{path}.", kind)

    add("", COMMON)
    for table in PER_TYPE.values():
        add("", table)
    paths.update(f"properties.{name}" for name in _DOCUMENTED_PROPERTIES)
    paths.update(f"traits.{name}" for name in _DOCUMENTED_TRAITS)
    paths.update(f"context.traits.{name}" for name in _DOCUMENTED_TRAITS)
    # Documented by the mobile specs and the partners' guides (Apple Search Ads attribution, ATT).
    paths.update(
        f"context.{name}"
        for name in (
            "campaign.provider",
            "campaign.ad_group",
            "campaign.ad_creative",
            "campaign.click_date",
            "campaign.conversion_date",
            "campaign.id",
            "campaign.ad_group_id",
            "device.trackingStatus",
        )
    )
    return frozenset(paths)


KNOWN_PATHS: frozenset[str] = _known_paths()
"""Every documented Spec field path (``properties.revenue``, ``context.device.advertisingId``)."""


def suggest(path: str) -> str | None:
    """A documented path close to ``path`` ("did you mean"), or None when ``path`` is known or
    nothing is close."""
    if path in KNOWN_PATHS:
        return None
    head = path.split(".", 1)[0]
    candidates = [p for p in KNOWN_PATHS if p.split(".", 1)[0] == head] or list(KNOWN_PATHS)
    close = difflib.get_close_matches(path, candidates, n=1, cutoff=0.8)
    return close[0] if close else None


__all__ = [
    "CALL_TYPES",
    "KNOWN_PATHS",
    "EventProblem",
    "check_event",
    "event_schema",
    "suggest",
]
