"""JSON Schemas (draft-07) of the pack format and the config format. They drive validation of
every loaded file (errors located in the YAML) and ``actions schema`` prints them for editors."""

from __future__ import annotations

from typing import Any

_DRAFT = "http://json-schema.org/draft-07/schema#"
_FQL = {"type": "string", "minLength": 1, "description": "an FQL trigger"}
_MAPPING: dict[str, Any] = {"description": "a mapping value (see docs/mapping.md)"}
_EXTENSIONS: dict[str, Any] = {"^x-": {}}

SETTING_TYPES = ["string", "number", "integer", "boolean", "object"]
FIELD_TYPES = ["string", "text", "number", "integer", "boolean", "datetime", "object"]
PII_KINDS = ["email", "phone", "name", "address", "birthday", "ip", "id", "other"]
FORMATS = ["date-time", "date", "email", "uri", "ipv4", "ipv6", "uuid", "currency"]

ENV_NAME_PATTERN = "^[A-Za-z_][A-Za-z0-9_]*$"
ENVIRONMENT: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["env"],
    "properties": {
        "env": {
            "type": "string",
            "pattern": ENV_NAME_PATTERN,
            "description": "the environment variable that holds the value, read where the "
            "destination is configured (see docs/format.md)",
        }
    },
}
"""A setting's value given as the name of an environment variable: ``{env: NAME}``."""
_SETTING_VALUE: dict[str, Any] = {
    "description": "the setting's value, or {env: NAME}: the value of environment variable "
    "NAME, read where the destination is configured (for a setting that is not an object)",
    "if": {"type": "object", "required": ["env"], "maxProperties": 1},
    "then": ENVIRONMENT,
}

_SETTING = {
    "type": "object",
    "additionalProperties": False,
    "patternProperties": _EXTENSIONS,
    "required": ["type"],
    "properties": {
        "label": {"type": "string"},
        "description": {"type": "string"},
        "type": {"enum": SETTING_TYPES},
        "required": {"type": "boolean"},
        "secret": {"type": "boolean"},
        "default": {},
        "choices": {"type": "array", "minItems": 1},
        "values": {"enum": ["string", "number", "integer", "boolean"]},
        "unique_values": {"type": "boolean"},
    },
}

_CONDITION = {
    "type": "object",
    "additionalProperties": False,
    "required": ["field"],
    "properties": {
        "field": {"type": "string"},
        "is": {},
        "is_not": {},
        "present": {"type": "boolean"},
    },
}

_FIELD: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "patternProperties": _EXTENSIONS,
    "required": ["type"],
    "properties": {
        "label": {"type": "string"},
        "description": {"type": "string"},
        "type": {"enum": FIELD_TYPES},
        "required": {"oneOf": [{"type": "boolean"}, _CONDITION]},
        "multiple": {"type": "boolean"},
        "choices": {"type": "array", "minItems": 1},
        "format": {"enum": FORMATS},
        "allow_null": {"type": "boolean"},
        "minimum": {"type": "number"},
        "maximum": {"type": "number"},
        "properties": {"type": "object", "additionalProperties": {"$ref": "#/definitions/field"}},
        "additional_properties": {"type": "boolean"},
        "values": {"enum": ["string", "number", "integer", "boolean"]},
        "default": _MAPPING,
        "invalid": {"enum": ["fail", "drop"]},
        "pii": {
            "enum": PII_KINDS,
            "description": "the personal data the field holds (see docs/privacy.md)",
        },
        "hashed": {
            "type": "boolean",
            "description": "the partner wants the value hashed: lint rule pii-unhashed",
        },
    },
}

_REQUEST = {
    "type": "object",
    "additionalProperties": False,
    "required": ["url"],
    "properties": {
        "method": {"enum": ["GET", "POST", "PUT", "PATCH", "DELETE"]},
        "url": {"type": "string", "minLength": 1},
        "headers": {"type": "object"},
        "query": _MAPPING,
        "body": {
            "type": "object",
            "additionalProperties": False,
            "properties": {"encoding": {"enum": ["json", "form", "none"]}, "value": _MAPPING},
        },
    },
}

_SKIP = {
    "type": "object",
    "additionalProperties": False,
    "required": ["reason"],
    "properties": {
        "when": _FQL,
        "missing": {"type": "array", "items": {"type": "string"}, "minItems": 1},
        "reason": {"type": "string", "minLength": 1},
    },
    "oneOf": [{"required": ["when"]}, {"required": ["missing"]}],
}

_ACTION = {
    "type": "object",
    "additionalProperties": False,
    "patternProperties": _EXTENSIONS,
    "required": ["title", "fields", "request"],
    "properties": {
        "title": {"type": "string"},
        "description": {"type": "string"},
        "default_trigger": _FQL,
        "fields": {
            "type": "object",
            # A mapping key that starts with @ is a directive, so no field's name can.
            "propertyNames": {"pattern": "^[^@]"},
            "additionalProperties": {"$ref": "#/definitions/field"},
        },
        "skip": {"type": "array", "items": _SKIP},
        "request": _REQUEST,
        "batch": {
            "type": "object",
            "additionalProperties": False,
            "required": ["max_size", "request"],
            "properties": {
                "max_size": {"type": "integer", "minimum": 1},
                "request": _REQUEST,
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["path"],
                    "description": "how the partner's answer gives a status per item (see "
                    "docs/format.md, Batch request)",
                    "properties": {
                        "path": {
                            "type": "string",
                            "pattern": "^\\$(\\.[A-Za-z0-9_-]+)*$",
                            "description": "the list of per-item results: $ or $.key.key",
                        },
                        "status": {"type": "string", "minLength": 1},
                        "index": {"type": "string", "minLength": 1},
                        "reason": {"type": "string", "minLength": 1},
                    },
                },
            },
        },
    },
}

_SUBSCRIPTION = {
    "type": "object",
    "additionalProperties": False,
    "required": ["action"],
    "properties": {
        "name": {"type": "string"},
        "action": {"type": "string"},
        "trigger": _FQL,
        "mapping": {"type": "object"},
        "enabled": {"type": "boolean"},
    },
}

_DELIVERY = {
    "type": "object",
    "additionalProperties": False,
    "description": "how requests are delivered (see docs/delivery.md); each name overrides the "
    "default, and a config's delivery block and the command line override the pack's",
    "properties": {
        "concurrency": {
            "type": "integer",
            "minimum": 1,
            "description": "requests in flight at most",
        },
        "rate": {
            "type": "number",
            "minimum": 0,
            "description": "requests per second at most (0: no limit)",
        },
        "burst": {
            "type": "integer",
            "minimum": 1,
            "description": "requests sent at once after a quiet period, at most",
        },
        "max_attempts": {
            "type": "integer",
            "minimum": 1,
            "description": "tries per request, the first included",
        },
        "max_elapsed": {
            "type": "number",
            "exclusiveMinimum": 0,
            "description": "seconds from the first try after which a request is given up",
        },
        "connect_timeout": {"type": "number", "exclusiveMinimum": 0, "description": "seconds"},
        "read_timeout": {"type": "number", "exclusiveMinimum": 0, "description": "seconds"},
        "max_wait": {
            "type": "number",
            "minimum": 0,
            "description": "seconds a batch action's request waits for its batch to fill",
        },
    },
}

_STATUS = {"oneOf": [{"type": "integer"}, {"type": "string", "pattern": "^[1-5]xx$"}]}

DESTINATION_SCHEMA: dict[str, Any] = {
    "$schema": _DRAFT,
    "$id": "https://actions.example/schemas/destination.schema.json",
    "title": "actions destination (pack)",
    "type": "object",
    "additionalProperties": False,
    "patternProperties": _EXTENSIONS,
    "required": ["name", "slug", "actions"],
    "definitions": {"field": _FIELD},
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "slug": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]*$"},
        "description": {"type": "string"},
        "homepage": {"type": "string"},
        "settings": {"type": "object", "additionalProperties": _SETTING},
        "actions": {"type": "object", "minProperties": 1, "additionalProperties": _ACTION},
        "presets": {"type": "array", "items": _SUBSCRIPTION},
        "responses": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["status", "outcome"],
                "properties": {
                    "status": {"oneOf": [_STATUS, {"type": "array", "items": _STATUS}]},
                    "outcome": {"enum": ["success", "retry", "drop"]},
                    "reason": {"type": "string"},
                    "body_contains": {"type": "string"},
                },
            },
        },
        "delivery": _DELIVERY,
        "inbound": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "additionalProperties": False,
                "required": ["mapping"],
                "properties": {"description": {"type": "string"}, "mapping": _MAPPING},
            },
        },
    },
}

_FIELD_FILTER = {
    "type": "object",
    "additionalProperties": False,
    "minProperties": 1,
    "properties": {
        part: {"type": "array", "items": {"type": "string"}}
        for part in ("properties", "traits", "context")
    },
}

_CONSENT = {
    "type": "object",
    "additionalProperties": False,
    "required": ["categories"],
    "description": "the consent categories this destination needs, read from "
    "context.consent.categoryPreferences (see docs/privacy.md)",
    "properties": {
        "categories": {
            "type": "array",
            "minItems": 1,
            "items": {"type": "string", "minLength": 1},
        },
        "require": {"enum": ["all", "any"], "default": "all"},
        "absent": {
            "enum": ["filter", "allow"],
            "default": "filter",
            "description": "an event without a consent object: filtered, or allowed",
        },
    },
}
_SUPPRESS = {
    "description": "suppression list files (one userId, anonymousId, email or SHA-256 hex per "
    "line), relative to the config (see docs/privacy.md)",
    "oneOf": [
        {"type": "string", "minLength": 1},
        {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 1}},
    ],
}
_SAMPLE = {
    "type": "object",
    "additionalProperties": False,
    "required": ["percent"],
    "description": "keep this percentage of events, the same ones every time: by a stable "
    "hash of the value at `by` (the same user is always in or always out)",
    "properties": {
        "percent": {"type": "number", "minimum": 0, "maximum": 100},
        "by": {"enum": ["userId", "anonymousId", "messageId"], "default": "messageId"},
    },
}

CONFIG_SCHEMA: dict[str, Any] = {
    "$schema": _DRAFT,
    "$id": "https://actions.example/schemas/config.schema.json",
    "title": "actions subscription config",
    "type": "object",
    "additionalProperties": False,
    "patternProperties": _EXTENSIONS,
    "required": ["destination"],
    "properties": {
        "destination": {"type": "string", "minLength": 1},
        "settings": {"type": "object", "additionalProperties": _SETTING_VALUE},
        "spec_check": {
            "enum": ["read", "full"],
            "default": "read",
            "description": "read: every event's envelope and the documented fields each matching "
            "subscription reads; full: every documented field of every event, first",
        },
        "filters": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "name": {"type": "string"},
                    "if": _FQL,
                    "drop": _FQL,
                    "keep": _FQL,
                    "drop_fields": _FIELD_FILTER,
                    "allow_fields": _FIELD_FILTER,
                    "sample": _SAMPLE,
                },
                "oneOf": [
                    {"required": ["drop"]},
                    {"required": ["keep"]},
                    {"required": ["drop_fields"]},
                    {"required": ["allow_fields"]},
                    {"required": ["sample"]},
                ],
            },
        },
        "filter_order": {
            "enum": ["config", "segment"],
            "default": "config",
            "description": "config: filters apply in the order written; segment: in Segment's "
            "order, by kind (sample, drop and keep, drop_fields, allow_fields)",
        },
        "subscriptions": {"type": "array", "items": _SUBSCRIPTION},
        "delivery": _DELIVERY,
        "consent": _CONSENT,
        "suppress": _SUPPRESS,
    },
}


_SUBSET = {
    "type": "object",
    "description": "these keys with these values (nested objects: a subset)",
}

_ASSERTION: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "description": "holds when one outcome (of `subscription`, when given) has every part given",
    "properties": {
        "subscription": {"type": ["string", "null"]},
        "none": {
            "const": True,
            "description": "the subscription gives no outcome for the event",
        },
        "kind": {"enum": ["request", "filtered", "skipped", "failed"]},
        "reason": {"type": "string"},
        "filter": {"type": "string"},
        "method": {"type": "string"},
        "url": {"type": "string"},
        "body": {"description": "the body (parsed from JSON or a form): a subset, or the text"},
        "query": _SUBSET,
        "headers": _SUBSET,
        "payload": _SUBSET,
        "at": {
            "type": "object",
            "description": "values at dotted paths of the outcome (payload.revenue, body.idfa)",
        },
        "where": {"type": "string", "minLength": 1, "description": "an FQL condition"},
    },
}

FIXTURES_SCHEMA: dict[str, Any] = {
    "$schema": _DRAFT,
    "$id": "https://actions.example/schemas/fixtures.schema.json",
    "title": "actions fixtures (actions test)",
    "type": "object",
    "additionalProperties": False,
    "required": ["cases"],
    "properties": {
        "destination": {
            "type": "string",
            "description": "a pack slug or a path relative to this file",
        },
        "config": {
            "type": "string",
            "description": "a config file (relative to this file) to test instead of a pack",
        },
        "settings": {"type": "object", "description": "merged over the pack's sample settings"},
        "subscriptions": {"type": "array", "items": _SUBSCRIPTION},
        "filters": {"type": "array", "items": {"type": "object"}},
        "cases": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["event"],
                "anyOf": [{"required": ["expected"]}, {"required": ["assert"]}],
                "properties": {
                    "name": {"type": "string"},
                    "description": {"type": "string"},
                    "event": {},
                    "expected": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["kind"],
                            "properties": {
                                "kind": {"enum": ["request", "filtered", "skipped", "failed"]}
                            },
                        },
                    },
                    "assert": {"type": "array", "items": _ASSERTION},
                },
            },
        },
    },
}

_SETTING_JSON_TYPES = {
    "string": "string",
    "number": "number",
    "integer": "integer",
    "boolean": "boolean",
    "object": "object",
}


def settings_schema(slug: str, settings: Any) -> dict[str, Any]:
    """The JSON Schema of one destination's settings (from its setting specs)."""
    properties: dict[str, Any] = {}
    for name, spec in settings.items():
        value: dict[str, Any] = {"type": _SETTING_JSON_TYPES[spec.type]}
        schema: dict[str, Any] = {}
        if spec.label or spec.description:
            schema["description"] = " - ".join(p for p in (spec.label, spec.description) if p)
        if spec.choices:
            value["enum"] = list(spec.choices)
        if spec.values:
            value["additionalProperties"] = {"type": _SETTING_JSON_TYPES[spec.values]}
        if spec.has_default:
            schema["default"] = spec.default
        if spec.secret:
            schema["writeOnly"] = True
        if spec.type == "object":
            schema.update(value)
        else:  # the value, or the environment variable that holds it
            schema["anyOf"] = [value, {"$ref": "#/definitions/environment"}]
        properties[name] = schema
    return {
        "$schema": _DRAFT,
        "title": f"settings of the {slug} destination",
        "type": "object",
        "additionalProperties": False,
        "required": [name for name, spec in settings.items() if spec.required],
        "properties": properties,
        "definitions": {"environment": ENVIRONMENT},
    }
