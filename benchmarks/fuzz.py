"""Fuzz the library with hostile input for a number of minutes, then print what went wrong.

    python benchmarks/fuzz.py --minutes 3 --seed 1 --out /tmp/findings
    python benchmarks/fuzz.py --replay /tmp/findings/stalls-api-5ebfc243-0022.json

Three targets, one input case at a time (see docs/fuzzing.md):

- ``api``: ``actions.configure(load_destination(slug), settings, subscriptions, filters)``,
  then ``.process(event)``
  for the shipped packs and a fuzz pack with every field type and format, with random triggers,
  mappings and filters, on the sample events mutated with hostile values.
- ``loader``: ``load_yaml``, ``load_destination_text`` and ``load_config`` on mutated pack and
  config YAML (aliases, bad bytes, deep nesting, huge documents within the size limit).
- ``cli``: ``actions run`` (and ``actions explain``) in a subprocess, on generated JSON-lines
  files with hostile lines.

Each case runs in a worker process with a memory limit; a case that does not answer in time is
killed. The table counts inputs tried, crashes (an exception that is not an ``ActionsError``, an
``internal error`` outcome, or exit code 3), events lost, invalid requests, secrets seen in
redacted output, and stalls (one input over a second). Each finding is saved as a JSON case
under ``--out`` that ``--replay`` runs again.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import json
import math
import multiprocessing
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STALL_SECONDS = 1.0  # one input (an event, a document, a file's lines beyond start-up) over this
KILL_SECONDS = 3.0  # a case that has not answered by then is killed (and is a stall)
CLI_KILL_SECONDS = 30.0
MEMORY_LIMIT = 2 * 1024**3  # address space of a worker; MemoryError beyond it is a crash
MAX_SAVED_PER_KIND = 5  # findings saved per (column, signature)

COLUMNS = ("inputs", "crashes", "lost", "invalid", "secrets", "stalls")
PACKS = ("adjust", "branch", "kochava", "fuzz")

# Secret values: distinctive ones (also looked for upper- and lower-cased), ones whose
# percent-encoding and JSON escaping differ from the raw text, and short ones.
DISTINCTIVE_SECRETS = (
    "fzSecretQ7x9Lm2Vb8Kd",
    'fz s3cr/t"&=+%é\\ü',
    "fz-Tok_\u00e5\u00df\u2603-41d0e5",
    "fz<tok>&'#?",
)
SHORT_SECRETS = ("q7", '~"', "%Q", "Ø&")
SECRET_SETTINGS = {"adjust": "s2s_token", "branch": "branch_secret", "fuzz": "token"}

# A pack with every field type and format, a secret, a JSON and a form body, and a batch.
FUZZ_PACK = ROOT / "benchmarks" / "packs" / "fuzz" / "destination.yaml"


# -- values that travel between processes and into finding files --------------------------------
#
# A case is plain JSON. Values JSON cannot carry are tagged: {"$float": "nan"}, {"$int": "123..."}
# (any number of digits), {"$deep": [depth, "list" | "dict", leaf]} (built without recursion).


def decode(value: Any) -> Any:
    """A case's tagged JSON value as the Python value it stands for."""
    if isinstance(value, dict):
        if len(value) == 1:
            (key, inner), *_ = value.items()
            if key == "$float":
                return float(inner)
            if key == "$int":
                return _big_int(inner)
            if key == "$deep":
                depth, kind, leaf = inner
                out = decode(leaf)
                for _ in range(depth):
                    out = [out] if kind == "list" else {"a": out}
                return out
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


def _big_int(digits: str) -> int:
    negative = digits.startswith("-")
    digits = digits.lstrip("-")
    out = 0
    for start in range(0, len(digits), 1000):  # below the int-from-text digit limit
        chunk = digits[start : start + 1000]
        out = out * 10 ** len(chunk) + int(chunk)
    return -out if negative else out


# -- hostile values ------------------------------------------------------------------------------


def hostile_string(rng: random.Random) -> str:
    n = rng.choice((10, 100, 1_000, 3_000, 8_000, 20_000))
    pick = rng.randrange(24)
    if pick == 0:
        return "1" * n + "x"  # number coercion: a long digit run that is not a number
    if pick == 1:
        return " " * n + "1" * n + "." + "1" * n + "e"
    if pick == 2:
        return "a@" + "." * n + "@"  # the e-mail check
    if pick == 3:
        return "a" * n  # against globs like *a*a*a*b
    if pick == 4:
        return rng.choice(
            ("NaN", "nan", "Infinity", "-Infinity", "inf", "1e999", "-1e999", "1e-999")
        )
    if pick == 5:
        return rng.choice(("\ud800", "x\udfffy", "\udc80\udc80", "a\ud83d"))  # lone surrogates
    if pick == 6:
        return "9" * rng.choice((301, 1_000, 4_301, 10_000))
    if pick == 7:
        return rng.choice(
            ("\x00", "\ufeff", "\u2028", "\u202e", "\r\nX-Injected: 1", "a\rb", "\t\v\f")
        )
    if pick == 8:
        return rng.choice(
            ("{{$settings.token}}", "{{$settings.s2s_token}}", "{{{$.}}}", "{{", "}}")
        )
    if pick == 9:
        return rng.choice(("@path", "$.", "$settings.", "../../etc/passwd", "%s%n", "${jndi:x}"))
    if pick == 10:
        return "*a" * rng.randrange(2, 12) + "*b"
    if pick == 11:
        return "ア" * n
    if pick == 12:
        return "%" + "%25" * (n // 3)
    if pick == 13:
        return "[" * min(n, 5_000) + "]" * min(n, 5_000)
    if pick == 14:
        return rng.choice(
            ("2026-13-45T99:99:99Z", "0000-00-00", "9999-12-31T23:59:59.999999+14:00")
        )
    if pick == 15:
        return rng.choice(("1" * n, "-" + "1" * n, "0." + "0" * n + "1", "1e" + "9" * 8))
    if pick == 16:
        return "a@b." + "c" * n
    if pick == 17:
        return "x" * rng.choice((1_000_000, 2_000_000))
    if pick == 18:
        return "".join(chr(rng.randrange(0x20, 0x2FFF)) for _ in range(rng.randrange(1, 40)))
    if pick == 19:
        return rng.choice(("true", "false", "null", "TRUE", "0", "-0", "1.0", "5e-324"))
    if pick == 20:
        return rng.choice(("ios", "android", "IOS", "Android", "iPadOS"))
    if pick == 21:
        return rng.choice(("Order Completed", "Product Added", "Signed Up", "Checkout Started"))
    if pick == 22:
        return "\\" * n
    return "".join(rng.choice("ab.*?[]\\-!^ ") for _ in range(rng.randrange(1, 30)))


def hostile_value(rng: random.Random, depth: int = 0) -> Any:
    pick = rng.randrange(16)
    if pick < 6:
        return hostile_string(rng)
    if pick == 6:
        return {"$float": rng.choice(("nan", "inf", "-inf"))}
    if pick == 7:
        return {"$int": rng.choice(("-", "")) + "9" * rng.choice((20, 400, 4_301, 10_000))}
    if pick == 8:
        return rng.choice((2**63, -(2**63), 2**64, 1e308, -0.0, 5e-324, 0, -1))
    if pick == 9:
        return {
            "$deep": [rng.choice((50, 900, 1_100, 5_000, 100_000)), rng.choice(("list", "dict")), 1]
        }
    if pick == 10:
        return rng.choice((True, False, None, [], {}))
    if pick == 11 and depth < 3:
        return [hostile_value(rng, depth + 1) for _ in range(rng.randrange(0, 4))]
    if pick == 12 and depth < 3:
        return {hostile_key(rng): hostile_value(rng, depth + 1) for _ in range(rng.randrange(0, 4))}
    if pick == 13:
        return {f"k{i}": i for i in range(rng.choice((1_000, 20_000)))}
    if pick == 14:
        return list(range(rng.choice((1_000, 20_000))))
    return rng.choice((1.5, 49.9, -3, 10**15, 0.001))


def hostile_key(rng: random.Random) -> str:
    return rng.choice(
        ("revenue", "", "a.b", "$", "@path", "*", "[0]", "\ud800", "k" * 5_000, "0", "é")
    )


# -- events --------------------------------------------------------------------------------------

EVENT_PATHS = (
    ("type",),
    ("event",),
    ("userId",),
    ("anonymousId",),
    ("timestamp",),
    ("messageId",),
    ("properties",),
    ("properties", "revenue"),
    ("properties", "currency"),
    ("properties", "quantity"),
    ("properties", "flag"),
    ("properties", "day"),
    ("properties", "tags"),
    ("properties", "description"),
    ("properties", "products"),
    ("properties", "products", 0, "price"),
    ("properties", "browser_fingerprint_id"),
    ("properties", "order_id"),
    ("context",),
    ("context", "ip"),
    ("context", "userAgent"),
    ("context", "traits", "email"),
    ("context", "page", "url"),
    ("context", "device"),
    ("context", "device", "type"),
    ("context", "device", "id"),
    ("context", "device", "advertisingId"),
    ("context", "device", "adTrackingEnabled"),
    ("context", "os", "name"),
    ("context", "os", "version"),
    ("context", "screen", "density"),
    ("integrations",),
    ("integrations", "Adjust"),
    ("integrations", "All"),
    ("traits",),
)


def set_path(event: Any, path: tuple[Any, ...], value: Any) -> None:
    node = event
    for key in path[:-1]:
        if isinstance(node, dict):
            if not isinstance(node.get(key), dict | list):
                node[key] = {}
            node = node[key]
        elif isinstance(node, list) and isinstance(key, int) and key < len(node):
            node = node[key]
        else:
            return
    last = path[-1]
    if isinstance(node, dict) or (
        isinstance(node, list) and isinstance(last, int) and last < len(node)
    ):
        node[last] = value


def mutate_event(rng: random.Random, event: Any) -> Any:
    pick = rng.randrange(20)
    if pick == 0:
        return hostile_value(rng)  # not an object, or anything
    if pick == 1 and isinstance(event, dict) and event:
        del event[rng.choice(list(event))]
        return event
    if pick == 2:
        return {
            "$deep": [rng.choice((900, 1_100, 5_000, 100_000)), rng.choice(("list", "dict")), event]
        }
    if isinstance(event, dict):
        set_path(event, rng.choice(EVENT_PATHS), hostile_value(rng))
    return event


# Where a hostile value hurts most: each path with the values aimed at what reads it.
TARGETED: tuple[tuple[tuple[Any, ...], Callable[[int], Any]], ...] = (
    (("properties", "revenue"), lambda n: "1" * n + "x"),  # number coercion, number()
    (("properties", "revenue"), lambda n: " " * n + "1" * n + "e"),
    (("properties", "quantity"), lambda n: "1" * n + "x"),  # integer coercion
    (("context", "traits", "email"), lambda n: "a@" + "." * n + "@"),  # the e-mail format
    (("context", "traits", "email"), lambda n: "a@" + "a." * n + "@"),
    (("event",), lambda n: "a" * n),  # against globs like *a*a*a*b
    (("context", "os", "name"), lambda n: "a" * n),
    (("context", "page", "url"), lambda n: "a:" + "a:" * n + " "),  # the URI format
    (("properties", "revenue"), lambda n: {"$float": "inf"}),
    (("properties", "revenue"), lambda n: "Infinity"),
    (("properties", "revenue"), lambda n: {"$float": "nan"}),
    (("properties", "revenue"), lambda n: {"$int": "9" * (n + 4_301)}),
    (("properties", "description"), lambda n: '{"a": NaN}'),  # @json decode
    (("timestamp",), lambda n: "9" * n),
)


def make_event(rng: random.Random, samples: list[dict[str, Any]]) -> Any:
    event: Any = json.loads(json.dumps(rng.choice(samples)))
    if rng.random() < 0.4 and isinstance(event, dict):
        path, value = rng.choice(TARGETED)
        if path == ("properties", "revenue") and rng.random() < 0.5:
            event["event"] = "Order Completed"  # an event with an Adjust token
            event.setdefault("context", {}).setdefault("device", {}).update(type="ios", id="d1")
        set_path(event, path, value(rng.choice((100, 2_000, 5_000, 20_000))))
        return event
    for _ in range(rng.choice((0, 1, 1, 2, 3, 5))):
        event = mutate_event(rng, event)
    return event


# -- triggers, mappings, filters -----------------------------------------------------------------

FQL_FIELDS = (
    "type",
    "event",
    "userId",
    "properties.revenue",
    "properties.currency",
    "properties.quantity",
    "context.device.type",
    "context.os.name",
    "context.traits.email",
    "properties.products.0.price",
    "properties.a\\.b",
    "integrations.All",
)


def fql_literal(rng: random.Random) -> str:
    pick = rng.randrange(7)
    if pick == 0:
        return json.dumps(rng.choice(("track", "identify", "Order Completed", "ios", "")))
    if pick == 1:
        return rng.choice(
            ("0", "-2", "1.5", ".5", "1e3", "15e-1", "1e308", "9" * 300, "9" * 301, "1e999")
        )
    if pick == 2:
        return rng.choice(("true", "false", "null"))
    if pick == 3:
        return "['track', 'identify', 1, null]"
    if pick == 4:
        text = hostile_string(rng)[:12_000].replace("\\", "\\\\").replace("'", "\\'")
        return "'" + text + "'"
    return json.dumps(rng.choice(("Signed Up", "Product Added", "a" * 50)))


def fql_atom(rng: random.Random, depth: int) -> str:
    pick = rng.randrange(14)
    name = rng.choice(FQL_FIELDS)
    if pick == 0:
        return f"match(event, '{'*a' * rng.randrange(2, 9)}*b')"
    if pick == 1:
        glob = rng.choice(("*", "Order*", "[a-z]*", "[!a]?*", "*[z-a]", "\\\\*"))
        return f"match({name}, '{glob}')"
    if pick == 2:
        return f"number({name}) {rng.choice(('>', '>=', '<', '='))} {fql_literal(rng)}"
    if pick == 3:
        return f"contains({name}, {fql_literal(rng)})"
    if pick == 4:
        return f"length({name}) > {rng.randrange(0, 100)}"
    if pick == 5:
        func = rng.choice(
            ("lowercase", "uppercase", "snakecase", "kebabcase", "titlecase", "string")
        )
        return f"{func}({name}) = {fql_literal(rng)}"
    if pick == 6:
        return f"typeof({name}) = '{rng.choice(('string', 'number', 'list', 'object', 'null'))}'"
    if pick == 7:
        right = fql_literal(rng) if rng.random() < 0.3 else "[1, 2, 'a']"
        return f"{name} in {right}"
    if pick == 8 and depth < 6:
        return "!(" + fql_expr(rng, depth + 1) + ")"
    if pick == 9:
        return "(" * 70 + "type = 'track'" + ")" * 70  # deeper than the parser allows
    if pick == 10:
        return f"bool({name})"
    return f"{name} {rng.choice(('=', '!=', '<', '<=', '>', '>='))} {fql_literal(rng)}"


def fql_expr(rng: random.Random, depth: int = 0) -> str:
    parts = [fql_atom(rng, depth) for _ in range(rng.randrange(1, 4))]
    out = parts[0]
    for part in parts[1:]:
        out = f"{out} {rng.choice(('and', 'or'))} {part}"
    if rng.random() < 0.2:
        out = "(" + out + ")"
    if rng.random() < 0.02:
        out = out + " and " * 5 + "x"  # a syntax error
    return out


def mapping_value(rng: random.Random, secret_key: str | None, depth: int = 0) -> Any:
    source = rng.choice(
        (
            "$.properties.revenue",
            "$.properties",
            "$.event",
            "$.context.traits.email",
            "$.properties.description",
            "$.",
            "$.properties.products",
            "$.properties.missing",
        )
    )
    if secret_key and rng.random() < 0.35:
        source = f"$settings.{secret_key}"
    leaf: Any = {"@path": source}
    pick = rng.randrange(18)
    if depth > 2 or pick < 3:
        return leaf
    inner = mapping_value(rng, secret_key, depth + 1)
    if pick == 3:
        return {"@template": rng.choice(("x{{", "{{{")) + source + rng.choice(("}}y", "}}}"))}
    if pick == 4:
        return {"@case": {"operator": rng.choice(("upper", "lower")), "value": inner}}
    if pick == 5:
        to = rng.choice(("string", "number", "integer", "boolean", "unix_seconds", "iso8601"))
        return {"@convert": {"to": to, "value": inner, "each": rng.random() < 0.3}}
    if pick == 6:
        return {"@json": {"mode": rng.choice(("encode", "decode")), "value": inner}}
    if pick == 7:
        return {"@coalesce": [inner, hostile_string(rng)[:200]]}
    if pick == 8:
        return {"@if": {"when": fql_expr(rng), "then": inner, "else": {"@literal": "x"}}}
    if pick == 9:
        return {
            "@replace": {
                "value": inner,
                "pattern": rng.choice(("a", "s", "%", "")),
                "replacement": "%25",
            }
        }
    if pick == 10:
        return {"@flatten": {"value": inner, "separator": rng.choice((".", "", "/"))}}
    if pick == 11:
        return {"@merge": {"objects": [inner, {"k": inner}]}}
    if pick == 12:
        return {
            "@lookup": {
                "value": inner,
                "table": {"$settings.tokens": 1}
                if rng.random() < 0.5
                else {"@path": "$settings.tokens"},
            }
        }
    if pick == 13:
        return {"@arrayPath": ["$.properties.products", {"p": {"@path": "$.price"}, "s": inner}]}
    if pick == 14:
        return {"@excludeWhenNull": inner}
    if pick == 15:
        return {"@transform": {"apply": {"v": inner}, "mapping": {"@path": "$.v"}}}
    if pick == 16:
        return rng.choice(({"$float": "nan"}, {"$float": "inf"}, 10**30, "NaN", None))
    return {"@template": hostile_string(rng)[:9_000]}


def secret_mapping(rng: random.Random, secret_key: str) -> Any:
    """A secret setting, as it is or derived, for a field that goes out (a header, the URL, a
    JSON or form body) or shows in ``explain``."""
    leaf = {"@path": f"$settings.{secret_key}"}
    return rng.choice(
        (
            leaf,
            {"@template": f"id-{{{{$settings.{secret_key}}}}}"},
            {"@case": {"operator": "upper", "value": leaf}},
            {"@json": {"mode": "encode", "value": leaf}},
            {"@replace": {"value": leaf, "pattern": "fz", "replacement": "zf"}},
            {"@merge": {"objects": [{"s": leaf}]}},
        )
    )


def make_subscriptions(
    rng: random.Random, pack: str, actions: dict[str, list[str]]
) -> list[Any] | None:
    if rng.random() < 0.25:
        return None  # the pack's presets
    secret_key = SECRET_SETTINGS.get(pack)
    out = []
    for i in range(rng.randrange(1, 4)):
        action = rng.choice(sorted(actions))
        fields = actions[action]
        mapping = {
            rng.choice(fields): mapping_value(rng, secret_key) for _ in range(rng.randrange(0, 4))
        }
        if secret_key and rng.random() < 0.5:
            mapping[rng.choice(fields)] = secret_mapping(rng, secret_key)
        sub: dict[str, Any] = {"name": f"S{i}", "action": action, "trigger": fql_expr(rng)}
        if rng.random() < 0.5:
            sub["trigger"] = rng.choice(('type = "track"', "match(event, '*a*a*a*a*a*b')"))
        if mapping:
            sub["mapping"] = mapping
        out.append(sub)
    if secret_key and rng.random() < 0.5:
        # one subscription that matches track events and sends a secret in a plain text field
        action = rng.choice(sorted(text_fields(pack)))
        field_ = rng.choice(text_fields(pack)[action])
        mapping = {field_: secret_mapping(rng, secret_key)}
        out.append(
            {"name": "Leak", "action": action, "trigger": 'type = "track"', "mapping": mapping}
        )
    return out


def make_filters(rng: random.Random) -> list[Any] | None:
    if rng.random() < 0.7:
        return None
    out: list[Any] = []
    for i in range(rng.randrange(1, 3)):
        pick = rng.randrange(4)
        filt: dict[str, Any] = {"name": f"F{i}"}
        if pick == 0:
            filt["drop"] = fql_expr(rng)
        elif pick == 1:
            filt["keep"] = fql_expr(rng)
        elif pick == 2:
            filt["drop_fields"] = {"properties": ["revenue", "description"], "context": ["ip"]}
        else:
            filt["allow_fields"] = {"properties": ["revenue", "currency", "products"]}
        if rng.random() < 0.3:
            filt["if"] = fql_expr(rng)
        out.append(filt)
    return out


def pick_secret(rng: random.Random) -> str:
    return rng.choice(DISTINCTIVE_SECRETS + SHORT_SECRETS)


def secret_forms(secret: str) -> dict[str, str]:
    """The ways a secret can show: raw, percent-encoded, JSON-escaped, and changed case."""
    forms = {
        "raw": secret,
        "percent-encoded": urllib.parse.quote(secret, safe=""),
        "percent-encoded (+)": urllib.parse.quote_plus(secret),
        "percent-encoded (path)": urllib.parse.quote(secret),
        "JSON-escaped": json.dumps(secret)[1:-1],
        "JSON-escaped (ASCII)": json.dumps(secret, ensure_ascii=True)[1:-1],
        "JSON-escaped (UTF-8)": json.dumps(secret, ensure_ascii=False)[1:-1],
    }
    if secret in DISTINCTIVE_SECRETS:
        forms["upper-cased"] = secret.upper()
        forms["lower-cased"] = secret.lower()
    return forms


def mentions_secret(value: Any, secrets: list[str]) -> bool:
    """Whether generated input already holds a secret in some form (then it is not a leak)."""
    text = json.dumps(value, ensure_ascii=False)
    text = text + json.dumps(value)
    return any(form.lower() in text.lower() for s in secrets for form in secret_forms(s).values())


# -- case generation -----------------------------------------------------------------------------


def sample_settings(pack: str) -> dict[str, Any]:
    return json.loads(_sample_settings(pack))


@cache
def _sample_settings(pack: str) -> str:
    if pack == "fuzz":
        return json.dumps({"region": "eu"})
    import yaml

    text = (ROOT / "mappings" / pack / "settings.sample.yaml").read_text(encoding="utf-8")
    return json.dumps(yaml.safe_load(text))


@cache
def pack_fields(pack: str) -> dict[str, list[str]]:
    from actions.destinations.loading import load_destination

    dest = load_destination(FUZZ_PACK if pack == "fuzz" else pack)
    return {key: [f.name for f in action.fields] for key, action in dest.actions.items()}


@cache
def text_fields(pack: str) -> dict[str, list[str]]:
    """Per action, the string fields without choices or a format: any text passes them."""
    from actions.destinations.loading import load_destination

    dest = load_destination(FUZZ_PACK if pack == "fuzz" else pack)
    out = {}
    for key, action in dest.actions.items():
        names = [
            f.name
            for f in action.fields
            if f.type == "string" and not f.choices and not f.format and not f.multiple
        ]
        if names:
            out[key] = names
    return out


def make_api_case(rng: random.Random, samples: list[dict[str, Any]]) -> dict[str, Any]:
    pack = rng.choice(PACKS)
    settings = sample_settings(pack)
    secrets = []
    if pack in SECRET_SETTINGS:
        secret = pick_secret(rng)
        settings[SECRET_SETTINGS[pack]] = secret
        secrets.append(secret)
    if rng.random() < 0.1:
        key = rng.choice(sorted(settings))
        settings[key] = hostile_value(rng)
    events = []
    for _ in range(rng.randrange(1, 9)):
        event = make_event(rng, samples)
        if not mentions_secret(event, secrets):
            events.append(event)
    return {
        "target": "api",
        "pack": pack,
        "settings": settings,
        "subscriptions": make_subscriptions(rng, pack, pack_fields(pack)),
        "filters": make_filters(rng),
        "spec_check": rng.choice(("read", "read", "full")),
        "events": events,
        "secrets": secrets,
        "batch": rng.random() < 0.3,
        "pickle": rng.random() < 0.1,
    }


def _bomb(levels: int, width: int) -> str:
    lines = [f"x-l0: &l0 [{', '.join(['lol'] * width)}]"]
    for i in range(1, levels):
        lines.append(f"x-l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * width)}]")
    return "\n".join(lines) + "\n"


def mutate_yaml(rng: random.Random, text: str) -> str | bytes:
    """A pack or config's text, changed line by line or byte by byte, or grown (aliases, depth)."""
    pick = rng.randrange(13)
    if pick == 0:
        return text + _bomb(rng.choice((3, 4, 5, 9)), rng.choice((9, 10)))
    if pick == 1:
        depth = rng.choice((100, 1_000, 10_000, 100_000))
        return text + "x-deep: " + "[" * depth + "]" * depth + "\n"
    if pick == 2:
        depth = rng.choice((100, 500, 2_000))
        return (
            text
            + "x-deep:\n"
            + "".join(" " * (i + 1) + f"k{i}:\n" for i in range(depth))
            + " " * (depth + 1)
            + "v\n"
        )
    if pick == 3:
        return text + "x-big: " + "a" * rng.choice((1_000_000, 4_900_000, 5_000_001)) + "\n"
    if pick == 4:
        return (
            text
            + "x-keys:\n"
            + "".join(f"  k{i}: {i}\n" for i in range(rng.choice((10_000, 100_000))))
        )
    if pick == 5:
        data = bytearray(text.encode("utf-8", "surrogatepass"))
        for _ in range(rng.randrange(1, 4)):
            data[rng.randrange(len(data))] = rng.choice((0xFF, 0xC3, 0x80, 0x00, 0xED))
        return bytes(data)
    if pick == 6:
        return (
            "\ufeff" + text
            if rng.random() < 0.5
            else b"\xef\xbb\xbf\xef\xbb\xbf" + text.encode("utf-8", "surrogatepass")
        )
    if pick == 7:
        lines = text.splitlines(keepends=True)
        i = rng.randrange(len(lines))
        choice = rng.randrange(3)
        if choice == 0:
            del lines[i]
        elif choice == 1:
            lines.insert(i, lines[rng.randrange(len(lines))])
        else:
            lines[i] = " " * rng.randrange(1, 5) + lines[i]
        return "".join(lines)
    if pick == 8:
        return text[: rng.randrange(len(text))]
    if pick == 9:
        tag = rng.choice(
            (
                "!!python/object/apply:os.system ['true']",
                "!!binary aGk=",
                "!!set {a, b}",
                "!!timestamp 2001-12-14",
                "!custom x",
                "!!float .nan",
                "!!int 0x" + "f" * 400,
            )
        )
        return text + f"x-tag: {tag}\n"
    if pick == 10:
        return text + "x-a: &a {k: v}\nx-b: {<<: [*a, *a, *a], k2: *a}\nx-r: &r [1, *undefined]\n"
    if pick == 11:
        return text.replace("\n", "\r\n") if rng.random() < 0.5 else text.replace("\n", "\r")
    return text + f"x-long: {'y' * rng.choice((100_000, 2_000_000))}\n"


def mutate_structure(rng: random.Random, text: str) -> str:
    """Parse a (trusted) document, replace one value with a hostile one, write it back."""
    import yaml

    try:
        data = yaml.safe_load(text)
    except (yaml.YAMLError, RecursionError, MemoryError):
        return text
    if not isinstance(data, dict):
        return text
    paths = list(_yaml_paths(data))
    path = rng.choice(paths)
    value = decode(hostile_value(rng)) if rng.random() < 0.6 else hostile_string(rng)[:5_000]
    if isinstance(value, float) and math.isnan(value):
        value = ".nan"
    _replace(data, path, value)
    try:
        return yaml.safe_dump(data, allow_unicode=rng.random() < 0.5, sort_keys=False, width=10**9)
    except (yaml.YAMLError, RecursionError, ValueError):
        return text


def _yaml_paths(data: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if prefix:
        yield prefix
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _yaml_paths(value, (*prefix, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _yaml_paths(value, (*prefix, i))


def _replace(data: Any, path: tuple[Any, ...], value: Any) -> None:
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value


def config_text(pack: str, settings: dict[str, Any], subscriptions: list[Any] | None) -> str:
    import yaml

    data: dict[str, Any] = {"destination": pack, "settings": decode(settings)}
    if subscriptions is not None:
        data["subscriptions"] = decode(subscriptions)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=10**9)


def make_loader_case(rng: random.Random) -> dict[str, Any]:
    kind = rng.choice(("destination", "destination", "config", "yaml"))
    secrets: list[str] = []
    if kind == "config":
        pack = rng.choice(("adjust", "branch"))
        settings = sample_settings(pack)
        secret = pick_secret(rng)
        settings[SECRET_SETTINGS[pack]] = secret
        secrets.append(secret)
        subs = make_subscriptions(rng, pack, pack_fields(pack))
        try:
            base = config_text(pack, settings, subs)
        except ValueError:
            base = config_text(pack, settings, None)
    else:
        pack = rng.choice(PACKS)
        path = FUZZ_PACK if pack == "fuzz" else ROOT / "mappings" / pack / "destination.yaml"
        base = path.read_text(encoding="utf-8")
    text: str | bytes = mutate_structure(rng, base) if rng.random() < 0.4 else base
    for _ in range(rng.choice((0, 1, 1, 2, 3))):
        text = mutate_yaml(
            rng, text if isinstance(text, str) else text.decode("utf-8", "surrogateescape")
        )
    data = text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass")
    return {
        "target": "loader",
        "kind": kind,
        "bytes": base64.b64encode(data).decode(),
        "secrets": secrets,
    }


def hostile_line(rng: random.Random, samples: list[dict[str, Any]]) -> bytes:
    sample = json.dumps(rng.choice(samples))
    pick = rng.randrange(22)
    if pick == 0:
        return b"\xff\xfe" + sample.encode()
    if pick == 1:
        data = bytearray(sample.encode())
        data[rng.randrange(len(data))] = rng.choice((0xFF, 0xC0, 0x80, 0xED))
        return bytes(data)
    if pick == 2:
        return b"\xef\xbb\xbf" + sample.encode()  # a BOM
    if pick == 3:
        depth = rng.choice((1_000, 100_000, 1_000_000))
        return b"[" * depth + b"]" * depth
    if pick == 4:
        digits = "9" * rng.choice((400, 4_301, 100_000))
        return (
            '{"type": "track", "event": "Order Completed", "userId": "u", '
            '"properties": {"revenue": ' + digits + "}}"
        ).encode()
    if pick == 5:
        return sample.replace('"track"', '"\\ud800"').replace('"u_', '"\\udfff').encode()
    if pick == 6:
        token = rng.choice(("NaN", "Infinity", "-Infinity"))
        return (
            '{"type": "track", "event": "Order Completed", "userId": "u", '
            '"context": {"device": {"type": "ios", "id": "d"}}, "properties": {"revenue": '
            + token
            + "}}"
        ).encode()
    if pick == 7:
        return (
            '{"type": "track", "event": "x", "userId": "u", "properties": {"p": "'
            + "x" * rng.choice((100_000, 3_000_000))
            + '"}}'
        ).encode()
    if pick == 8:
        return rng.choice(
            (b"1", b'"text"', b"[]", b"null", b"true", b"[1, 2]", b"{}", b"-0", b"1e999")
        )
    if pick == 9:
        return b""  # a blank line
    if pick == 10:
        return rng.choice((b"   ", b"\t", b"\x0c", b"\x1c", "\u2028".encode(), "\u00a0".encode()))
    if pick == 11:
        return sample.replace(", ", ",\r ", 1).encode()  # \r is JSON whitespace
    if pick == 12:
        return sample.encode() + b"\x00"
    if pick == 13:
        return b"{not json"
    if pick == 14:
        return sample.replace('"type": "track"', '"type": "track", "type": "track"').encode()
    if pick == 15:
        return sample[:-1].encode() + b", }"
    if pick == 16:
        event = make_event(rng, samples)
        with contextlib.suppress(ValueError, RecursionError):
            return json.dumps(decode(event)).encode()
        return sample.encode()
    if pick == 17:
        event = json.loads(sample)
        set_path(event, rng.choice(EVENT_PATHS), hostile_string(rng))
        return json.dumps(event).encode("utf-8", "surrogatepass")
    if pick == 18:
        return sample.encode("utf-16")
    return sample.encode()


def make_cli_case(rng: random.Random, samples: list[dict[str, Any]]) -> dict[str, Any]:
    pack = rng.choice(("adjust", "branch", "kochava"))
    settings = sample_settings(pack)
    secrets: list[str] = []
    subs = None
    if pack in SECRET_SETTINGS:
        secret = pick_secret(rng)
        settings[SECRET_SETTINGS[pack]] = secret
        secrets.append(secret)
        if rng.random() < 0.6:
            fields = text_fields(pack)
            action = sorted(fields)[0]
            target = rng.choice([f for f in fields[action] if f not in ("app_token", "branch_key")])
            value = secret_mapping(rng, SECRET_SETTINGS[pack])
            subs = [
                {
                    "name": "Leaky",
                    "action": action,
                    "trigger": 'type = "track"',
                    "mapping": {target: value},
                }
            ]
    lines = [
        hostile_line(rng, samples)
        if rng.random() < 0.4
        else json.dumps(rng.choice(samples)).encode()
        for _ in range(rng.randrange(1, 12))
    ]
    lines = [
        line for line in lines if not mentions_secret(line.decode("utf-8", "replace"), secrets)
    ]
    try:
        config = config_text(pack, settings, subs)
    except ValueError:
        config = config_text(pack, settings, None)
    return {
        "target": "cli",
        "config": config,
        "lines": base64.b64encode(b"\n".join(lines) + rng.choice((b"\n", b"", b"\r\n"))).decode(),
        "explain": rng.random() < 0.3,
        "secrets": secrets,
    }


# -- running a case (in the worker) --------------------------------------------------------------


@dataclass
class Report:
    inputs: int = 0
    findings: list[tuple[str, str, str]] = field(default_factory=list)  # column, signature, detail
    slowest: float = 0.0
    slowest_index: int = -1  # the api event that took longest
    outcomes: Counter[str] = field(default_factory=Counter)  # what the inputs gave, for coverage

    def add(self, column: str, signature: str, detail: str) -> None:
        self.findings.append((column, signature, detail[:4_000]))


def _crash_signature(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    inside = [f for f in frames if "/actions/" in f.filename]
    where = f"{Path(inside[-1].filename).name}:{inside[-1].name}" if inside else "?"
    return f"{type(exc).__name__} in {where}"


def _strict_json(text: str) -> Any:
    def reject(token: str) -> Any:
        raise ValueError(f"{token} is not JSON")

    return json.loads(text, parse_constant=reject)


NON_FINITE = {"nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"}


def check_request(report: Report, where: str, record: dict[str, Any], encoding: str | None) -> None:
    """The request as sent must be valid. A form or query value spelled like NaN or Infinity,
    or a form value that starts like JSON, is one only when it is not text the payload holds as
    a string: `idfa=inf` or `user={{x}}` from a string field is that text (the event's or a
    mapping literal's); a number field holding NaN or Infinity is a float in the payload,
    checked here."""
    strings: set[str] = set()
    stack = [record.get("payload")]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            strings.add(item)
        elif isinstance(item, float) and not math.isfinite(item):
            report.add("invalid", f"{where}: payload has {item}", repr(item))
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    texts = {text.strip().lower() for text in strings} & NON_FINITE
    body = record.get("body")
    if isinstance(body, str) and body:
        if encoding == "json" or (encoding is None and body[:1] in "[{"):
            try:
                _strict_json(body)
            except ValueError as exc:
                report.add(
                    "invalid", f"{where}: JSON body not strict JSON", f"{exc}: {body[:300]!r}"
                )
        elif encoding == "form" or encoding is None:
            for key, value in urllib.parse.parse_qsl(body, keep_blank_values=True):
                if value.strip().lower() in NON_FINITE - texts:
                    report.add("invalid", f"{where}: form body has {value}", f"{key}={value}")
                elif value[:1] in "[{" and value not in strings:
                    try:
                        _strict_json(value)
                    except ValueError:
                        report.add(
                            "invalid",
                            f"{where}: form field JSON not strict",
                            f"{key}={value[:300]}",
                        )
    for key, value in (record.get("query") or {}).items():
        if isinstance(value, str) and value.strip().lower() in NON_FINITE - texts:
            report.add("invalid", f"{where}: query has {value}", f"{key}={value}")
    for key, value in (record.get("headers") or {}).items():
        if any(c in f"{key}{value}" for c in "\r\n\x00"):
            report.add("invalid", f"{where}: header with CR, LF or NUL", f"{key}: {value[:300]!r}")
    url = record.get("url") or ""
    if any(c.isspace() or ord(c) < 0x20 or c in '"<>\\^`{|}' for c in url):
        report.add(
            "invalid", f"{where}: URL with spaces, controls or unsafe characters", repr(url[:300])
        )


def check_secrets(report: Report, where: str, text: str, secrets: list[str]) -> None:
    for secret in secrets:
        for form, shown in secret_forms(secret).items():
            if shown and shown in text:
                short = "short" if secret in SHORT_SECRETS else "distinctive"
                at = text.index(shown)
                report.add(
                    "secrets",
                    f"{where}: {short} secret {form}",
                    repr(text[max(0, at - 80) : at + 80]),
                )
                return


_DESTINATIONS: dict[str, Any] = {}


def destination(pack: str) -> Any:
    from actions.destinations.loading import load_destination

    if pack not in _DESTINATIONS:
        _DESTINATIONS[pack] = load_destination(FUZZ_PACK if pack == "fuzz" else pack)
    return _DESTINATIONS[pack]


def run_api(case: dict[str, Any], report: Report) -> None:
    import pickle

    import actions
    from actions.errors import ActionsError

    secrets = case["secrets"]
    dest = destination(case["pack"])
    report.inputs += 1
    try:
        configured = actions.configure(
            dest,
            decode(case["settings"]),
            decode(case["subscriptions"]),
            decode(case["filters"]),
            spec_check=case["spec_check"],
        )
    except ActionsError as exc:
        check_secrets(report, "configure error", str(exc), secrets)
        return
    except Exception as exc:
        report.add("crashes", f"configure: {_crash_signature(exc)}", traceback.format_exc())
        return
    if case.get("pickle"):
        try:
            configured = pickle.loads(pickle.dumps(configured))
        except Exception as exc:
            report.add("crashes", f"pickle: {_crash_signature(exc)}", traceback.format_exc())
    check_secrets(report, "repr(configured)", repr(configured), secrets)
    check_secrets(report, "settings_view", repr(configured.settings_view), secrets)
    events = [decode(e) for e in case["events"]]
    for index, event in enumerate(events):
        if CURRENT is not None:
            CURRENT.value = index  # the parent names this event if the case is killed
        report.inputs += 1
        start = time.process_time()
        try:
            outcomes = configured.process(event)
        except BaseException as exc:
            report.add("crashes", f"process: {_crash_signature(exc)}", traceback.format_exc())
            continue
        elapsed = time.process_time() - start
        if elapsed > report.slowest:
            report.slowest, report.slowest_index = elapsed, index
        if not outcomes:
            report.add("lost", "process gave no outcome", repr(event)[:500])
        for outcome in outcomes:
            report.outcomes[outcome.kind] += 1
            try:
                data = outcome.to_dict()
                shown = repr(outcome) + _text(data) + _text(outcome.to_dict(payload=True))
            except Exception as exc:
                report.add("crashes", f"to_dict: {_crash_signature(exc)}", traceback.format_exc())
                continue
            if outcome.kind == "failed":
                for problem in outcome.problems:
                    if "internal error" in problem.message:
                        report.add(
                            "crashes",
                            "internal error outcome: " + problem.message.split(":")[1].strip(),
                            problem.message[:2_000],
                        )
            if outcome.kind == "request":
                check_request(report, "request", outcome.to_dict(payload=True), outcome.encoding)
            check_secrets(report, f"{outcome.kind} outcome", shown, secrets)
    counts = configured.counts
    if (
        counts.events != len(events)
        or counts.events != counts.delivered + counts.filtered + counts.skipped + counts.failed
    ):
        report.add("lost", "counts do not add up", f"{len(events)} events, {counts}")
    check_secrets(report, "counts", json.dumps(counts.to_dict()), secrets)
    if case.get("batch"):
        if CURRENT is not None:
            CURRENT.value = -2
        try:
            batch = configured.process_batch(events)
        except Exception as exc:
            report.add("crashes", f"process_batch: {_crash_signature(exc)}", traceback.format_exc())
            return
        for request in batch.requests:
            data = request.to_dict()
            check_request(report, "batch request", request.to_dict(payload=True), request.encoding)
            check_secrets(report, "batch request", repr(request) + _text(data), secrets)


def _text(data: Any) -> str:
    """Every string in redacted output (keys and values), one a line: where a secret would show.
    Walked without recursion and without turning numbers into text."""
    out: list[str] = []
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict):
            out.extend(k for k in item if isinstance(k, str))
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
    return "\n".join(out)


def run_loader(case: dict[str, Any], report: Report) -> None:
    from actions.destinations.loading import load_destination_text
    from actions.engine.configfile import load_config
    from actions.errors import ActionsError
    from actions.yamlsource import load_yaml

    data = base64.b64decode(case["bytes"])
    report.inputs += 1
    kind = case["kind"]
    try:
        if kind == "config":
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / "config.yaml"
                path.write_bytes(data)
                configured = load_config(path)
                check_secrets(report, "repr(loaded config)", repr(configured), case["secrets"])
        else:
            text = data.decode("utf-8", "surrogateescape")
            if kind == "yaml":
                loaded = load_yaml(text, "fuzz.yaml")
                for problem in loaded.problems:
                    check_secrets(report, "load_yaml problem", str(problem), case["secrets"])
            else:
                load_destination_text(text, "fuzz.yaml")
    except ActionsError as exc:
        check_secrets(report, f"{kind} error", str(exc), case["secrets"])
    except BaseException as exc:
        report.add("crashes", f"load {kind}: {_crash_signature(exc)}", traceback.format_exc())


def _expected_lines(data: bytes) -> set[int]:
    """The line numbers ``actions run`` must report: every line that is not blank. Blank is
    ASCII whitespace only, as ``actions run`` reads it (docs/cli.md): a line of U+00A0, U+2028
    or ``\x1c`` is not JSON, so it is a failed outcome, not a line passed over."""
    return {number for number, line in enumerate(data.split(b"\n"), start=1) if line.strip()}


def run_cli(case: dict[str, Any], report: Report, baseline: float) -> None:
    data = base64.b64decode(case["lines"])
    secrets = case["secrets"]
    with tempfile.TemporaryDirectory() as folder:
        where = Path(folder)
        (where / "config.yaml").write_text(case["config"], encoding="utf-8")
        (where / "events.jsonl").write_bytes(data)
        command = [
            sys.executable,
            "-m",
            "actions",
            "run",
            "config.yaml",
            "events.jsonl",
            "--dead-letter",
            "dead.jsonl",
        ]
        expected = _expected_lines(data)
        report.inputs += max(1, len(expected))
        start = _children_cpu()
        try:
            run = subprocess.run(
                command,
                cwd=where,
                capture_output=True,
                timeout=CLI_KILL_SECONDS,
                env=_cli_env(),
                preexec_fn=_limit_memory,
            )
        except subprocess.TimeoutExpired:
            report.add(
                "stalls", "actions run: killed after the time limit", f"{CLI_KILL_SECONDS} s"
            )
            return
        elapsed = _children_cpu() - start
        if elapsed > baseline + STALL_SECONDS:
            report.add(
                "stalls",
                f"actions run: slower than start-up + 1 s ({stall_hint(case)})",
                f"{elapsed:.2f} s (start-up {baseline:.2f} s)",
            )
        stdout = run.stdout.decode("utf-8", "replace")
        stderr = run.stderr.decode("utf-8", "replace")
        dead = (
            (where / "dead.jsonl").read_bytes().decode("utf-8", "replace")
            if (where / "dead.jsonl").exists()
            else ""
        )
        for name, text in (("stdout", stdout), ("stderr", stderr), ("dead letters", dead)):
            check_secrets(report, f"actions run {name}", text, secrets)
        if run.returncode == 1 and not stdout:
            return  # the generated config was rejected: its message is checked for secrets
        if run.returncode == 3 or "Traceback" in stderr:
            report.add("crashes", "actions run: " + _last_line(stderr), stderr[-2_000:])
        elif run.returncode != 0:
            report.add("lost", "actions run stopped: " + _last_line(stderr), stderr[-2_000:])
        seen: set[int] = set()
        for line in stdout.splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                report.add("invalid", "actions run: output line is not JSON", line[:300])
                continue
            if isinstance(record.get("line"), int):
                seen.add(record["line"])
                report.outcomes[str(record.get("kind"))] += 1
            if record.get("kind") == "request":
                check_request(report, "actions run request", record, None)
        missing = expected - seen
        if missing:
            report.add(
                "lost",
                "actions run: input lines without an outcome",
                f"lines {sorted(missing)[:20]} of {len(expected)}",
            )
        if seen - expected:
            report.add(
                "lost",
                "actions run: outcome line numbers that are not input lines",
                f"lines {sorted(seen - expected)[:20]}",
            )
        if case.get("explain"):
            lines = [line for line in data.split(b"\n") if b'"type": "track"' in line]
            if lines:
                (where / "event.json").write_bytes(lines[-1])
                try:
                    run = subprocess.run(
                        [sys.executable, "-m", "actions", "explain", "config.yaml", "event.json"],
                        cwd=where,
                        capture_output=True,
                        timeout=CLI_KILL_SECONDS,
                        env=_cli_env(),
                        preexec_fn=_limit_memory,
                    )
                except subprocess.TimeoutExpired:
                    report.add(
                        "stalls",
                        "actions explain: killed after the time limit",
                        f"{CLI_KILL_SECONDS} s",
                    )
                    return
                stderr = run.stderr.decode("utf-8", "replace")
                if run.returncode == 3 or "Traceback" in stderr:
                    report.add("crashes", "actions explain: " + _last_line(stderr), stderr[-2_000:])
                for name, text in (
                    ("stdout", run.stdout.decode("utf-8", "replace")),
                    ("stderr", stderr),
                ):
                    check_secrets(report, f"actions explain {name}", text, secrets)


def _children_cpu() -> float:
    """CPU seconds used by the finished subprocesses of this process: what a command costs,
    whatever else the machine is doing."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _last_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    last = lines[-1] if lines else "(no message)"
    return (
        last.split(":", 3)[2].strip() if last.startswith("actions: internal error") else last[:80]
    )


def _cli_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONPATH"] = str(ROOT)
    env["LC_ALL"] = "C.UTF-8"
    return env


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run_case(case: dict[str, Any], baseline: float) -> Report:
    report = Report()
    try:
        if case["target"] == "api":
            run_api(case, report)
        elif case["target"] == "loader":
            run_loader(case, report)
        else:
            run_cli(case, report, baseline)
    except BaseException as exc:  # the harness's own checks must not stop the run
        report.add(
            "crashes", f"harness or library: {_crash_signature(exc)}", traceback.format_exc()
        )
    return report


CURRENT: Any = None  # in a worker: the index of the api event under way (shared with the parent)


def worker(conn: Any, baseline: float, current: Any) -> None:
    global CURRENT
    CURRENT = current
    _limit_memory()
    while True:
        case = conn.recv()
        if case is None:
            return
        start = time.process_time()  # CPU time: a busy machine does not make a case slow
        report = run_case(case, baseline)
        conn.send((report, time.process_time() - start))


class Runner:
    """One worker process at a time; a case that does not answer in time kills it."""

    def __init__(self, baseline: float) -> None:
        self.baseline = baseline
        self.context = multiprocessing.get_context("fork")
        self.process: Any = None
        self.conn: Any = None
        self.current: Any = self.context.Value("i", -1)

    def start(self) -> None:
        parent, child = self.context.Pipe()
        self.process = self.context.Process(
            target=worker, args=(child, self.baseline, self.current), daemon=True
        )
        self.process.start()
        self.conn = parent

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.join()
            self.process = None

    def run(self, case: dict[str, Any]) -> tuple[Report, float]:
        if self.process is None or not self.process.is_alive():
            self.start()
        limit = kill_limit(case)
        start = time.perf_counter()
        self.current.value = -1
        try:
            self.conn.send(case)
            if self.conn.poll(limit):
                report, elapsed = self.conn.recv()
                return report, elapsed
        except (EOFError, OSError):
            code = self.process.exitcode
            self.stop()
            report = Report(inputs=1)
            report.add("crashes", "the worker died", f"exit code {code}")
            return report, time.perf_counter() - start
        self.stop()
        report = Report(inputs=1)
        index = self.current.value
        what = {-1: "the configuration", -2: "process_batch"}.get(index, f"event {index}")
        signature = f"killed after {limit:.0f} s: {stall_signature(case, max(index, -1))}"
        report.add("stalls", signature, f"no answer; {what} was under way")
        return report, time.perf_counter() - start


# -- the run -------------------------------------------------------------------------------------


def kill_limit(case: dict[str, Any]) -> float:
    """Wall-clock seconds a case may take before its worker is killed: KILL_SECONDS per
    configuration and per event (twice over with ``process_batch``), or the cli commands'."""
    if case["target"] == "cli":
        return CLI_KILL_SECONDS * 2 + 5
    events = len(case.get("events", ()))
    return KILL_SECONDS * (1 + events * (2 if case.get("batch") else 1))


def make_case(rng: random.Random, samples: list[dict[str, Any]]) -> dict[str, Any]:
    target = rng.choices(("api", "loader", "cli"), weights=(7, 3, 1))[0]
    if target == "api":
        return make_api_case(rng, samples)
    if target == "loader":
        return make_loader_case(rng)
    return make_cli_case(rng, samples)


def confirm_stalls(runner: Runner, case: dict[str, Any], report: Report, elapsed: float) -> None:
    """A stall counts only if the case stalls a second time: a slow case (CPU time), a killed
    one or a slow ``actions run`` is run again, and its stall findings are dropped unless the
    second run stalls too (another process may have held the memory or the disk)."""
    own = [f for f in report.findings if f[0] == "stalls"]
    if not own and not case_is_slow(report, elapsed, case):
        return
    again, elapsed_again = runner.run(case)
    if not (
        case_is_slow(again, elapsed_again, case) or any(f[0] == "stalls" for f in again.findings)
    ):
        report.findings = [f for f in report.findings if f[0] != "stalls"]
        return
    if not own:
        report.add(
            "stalls",
            f"over {STALL_SECONDS:.0f} s: {stall_signature(case, report.slowest_index)}",
            f"{max(report.slowest, again.slowest):.2f} s of CPU per input, "
            f"{elapsed:.2f} s for the case",
        )


def case_is_slow(report: Report, elapsed: float, case: dict[str, Any]) -> bool:
    if case["target"] == "cli":
        return False  # judged inside run_cli against the start-up time
    return report.slowest > STALL_SECONDS or elapsed > STALL_SECONDS * (
        1 + len(case.get("events", ()))
    )


def stall_hint(case: dict[str, Any], index: int = -1) -> str:
    """What in a slow case is likely to blame, from the hostile shapes the generator makes
    (``index``: the api event that was slow)."""
    if case["target"] == "loader":
        text = base64.b64decode(case["bytes"])
        if b"&l1 [" in text:
            return "aliases (billion laughs)"
        if b"[[[[[[[[" in text or b"x-deep:" in text:
            return "deep nesting"
        return "large document" if len(text) >= 100_000 else "document"
    if case["target"] == "cli":
        text = base64.b64decode(case["lines"]).decode("utf-8", "replace") + case["config"]
    elif index >= 0:
        setup = {k: v for k, v in case.items() if k != "events"}
        text = json.dumps(setup) + json.dumps(case["events"][index])
    else:
        text = json.dumps(case)
    hints = []
    if "1111111111111111111111x" in text or "1111111111e" in text:
        hints.append("long digit run (number coercion)")
    if "@......................" in text or "a.a.a.a.a.a.a.a.a.a.a.@" in text:
        hints.append("dots between @ (e-mail format)")
    if "*a*a*a" in text and "aaaaaaaaaaaaaaaaaaaa" in text:
        hints.append("glob with many stars (match)")
    if "a:a:a:a:a:a:a:a:a:a:" in text:
        hints.append("colons (URI format)")
    if '"$deep"' in text:
        hints.append("deep nesting")
    if "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" in text:
        hints.append("huge string")
    return ", ".join(hints) or "no known shape"


def stall_signature(case: dict[str, Any], index: int = -1) -> str:
    if case["target"] == "loader":
        size = len(base64.b64decode(case["bytes"]))
        bucket = (
            "under 100 kB"
            if size < 100_000
            else "under 1 MB"
            if size < 1_000_000
            else "1 MB or more"
        )
        return f"a {case['kind']} document {bucket}, {stall_hint(case)}"
    return stall_hint(case, index)


def save(
    out: Path,
    column: str,
    target: str,
    number: int,
    case: dict[str, Any],
    signature: str,
    detail: str,
) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha1(signature.encode()).hexdigest()[:8]
    path = out / f"{column}-{target}-{digest}-{number:04d}.json"
    record = {"column": column, "signature": signature, "detail": detail, "case": case}
    limit = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)
    try:
        path.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    finally:
        sys.set_int_max_str_digits(limit)
    if target == "cli":
        path.with_suffix(".jsonl").write_bytes(base64.b64decode(case["lines"]))
        path.with_suffix(".config.yaml").write_text(case["config"], encoding="utf-8")
    elif target == "loader":
        path.with_suffix(".yaml").write_bytes(base64.b64decode(case["bytes"]))
    return path


def measure_startup() -> float:
    """``actions run`` on one sample line: the CPU time a file takes before its events count."""
    with tempfile.TemporaryDirectory() as folder:
        events = Path(folder) / "events.jsonl"
        events.write_text(
            (ROOT / "actions" / "samples" / "events.jsonl")
            .read_text(encoding="utf-8")
            .splitlines()[0]
            + "\n",
            encoding="utf-8",
        )
        times = []
        for _ in range(3):
            start = _children_cpu()
            subprocess.run(
                [sys.executable, "-m", "actions", "run", "adjust", str(events), "--quiet"],
                capture_output=True,
                env=_cli_env(),
                check=True,
            )
            times.append(_children_cpu() - start)
    return sorted(times)[1]


def print_table(totals: dict[str, Counter[str]], elapsed: float) -> None:
    print(f"\nfuzzed for {elapsed / 60:.1f} minutes")
    print(f"| target | {' | '.join(COLUMNS)} |")
    print("|---" * (len(COLUMNS) + 1) + "|")
    every: Counter[str] = Counter()
    for target in ("api", "loader", "cli"):
        row = totals[target]
        every.update(row)
        print(f"| {target} | " + " | ".join(str(row[c]) for c in COLUMNS) + " |")
    print("| **all** | " + " | ".join(f"**{every[c]}**" for c in COLUMNS) + " |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=float, default=1.0, help="how long to run (default 1)")
    parser.add_argument("--seed", type=int, default=0, help="the random seed (default 0)")
    parser.add_argument(
        "--out",
        default=str(Path(tempfile.gettempdir()) / "actions-fuzz"),
        help="folder for findings (default: actions-fuzz in the temporary folder)",
    )
    parser.add_argument("--replay", nargs="*", metavar="FINDING", help="run saved findings again")
    parser.add_argument(
        "--targets", default="api,loader,cli", help="which targets to fuzz (default all)"
    )
    args = parser.parse_args(argv)

    baseline = measure_startup()
    runner = Runner(baseline)
    if args.replay:
        return replay(runner, [Path(p) for p in args.replay])

    from actions.samples import load_sample_events

    samples = load_sample_events()
    rng = random.Random(args.seed)
    targets = set(args.targets.split(","))
    out = Path(args.out)
    totals: dict[str, Counter[str]] = {t: Counter() for t in ("api", "loader", "cli")}
    outcomes: Counter[str] = Counter()
    kinds: dict[tuple[str, str], list[Any]] = {}
    start = time.perf_counter()
    deadline = start + args.minutes * 60
    number = 0
    print(
        f"fuzzing for {args.minutes} minutes, seed {args.seed}, findings in {out}/ "
        f"(actions run start-up: {baseline:.2f} s)"
    )
    while time.perf_counter() < deadline:
        try:
            case = make_case(rng, samples)
        except Exception:  # a defect of the generator: say so, and go on
            traceback.print_exc()
            continue
        if case["target"] not in targets:
            continue
        number += 1
        report, elapsed = runner.run(case)
        confirm_stalls(runner, case, report, elapsed)
        row = totals[case["target"]]
        row["inputs"] += report.inputs
        outcomes.update(report.outcomes)
        for column, signature, detail in report.findings:
            row[column] += 1
            key = (column, f"{case['target']}: {signature}")
            seen = kinds.setdefault(key, [0, None])
            seen[0] += 1
            if seen[0] <= MAX_SAVED_PER_KIND:
                path = save(out, column, case["target"], number, case, signature, detail)
                seen[1] = seen[1] or path
    runner.stop()
    print_table(totals, time.perf_counter() - start)
    shown = ", ".join(f"{kind} {count}" for kind, count in outcomes.most_common())
    print(f"\noutcomes of the api and cli inputs: {shown}")
    print(f"\n{len(kinds)} kinds of findings (count, first saved case):")
    for (column, signature), (count, path) in sorted(kinds.items()):
        print(f"  {column:8} {count:5}  {signature}  ->  {path}")
    return 1 if kinds else 0


def replay(runner: Runner, paths: list[Path]) -> int:
    found = 0
    limit = sys.get_int_max_str_digits()
    for path in paths:
        sys.set_int_max_str_digits(0)
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        finally:
            sys.set_int_max_str_digits(limit)
        report, elapsed = runner.run(record["case"])
        if case_is_slow(report, elapsed, record["case"]):
            report.add("stalls", f"one input over {STALL_SECONDS:.0f} s", f"{elapsed:.2f} s")
        print(
            f"{path}: {elapsed:.2f} s, {len(report.findings)} findings "
            f"(saved: {record['column']}: {record['signature']})"
        )
        for column, signature, detail in report.findings:
            found += 1
            print(f"  {column}: {signature}\n    " + detail.replace("\n", "\n    ")[:1_500])
    runner.stop()
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
