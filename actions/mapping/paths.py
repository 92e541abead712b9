"""Paths into the event (``$.properties.revenue``) or the settings (``$settings.event_tokens``).

Simple paths compile to direct lookups over a pre-split tuple of keys. Paths that need JSONPath
(wildcards, filters, slices, recursive descent) are parsed once by jsonpath-ng and give the list
of every match. Nothing reaches language internals: only dict keys and list positions.
"""

from __future__ import annotations

import re
from typing import Any

import attrs

from actions._repr import attrs_repr
from actions.errors import ActionsError
from actions.mapping.values import MISSING, Evaluator, Failures, Settings

SETTINGS_PREFIX = "$settings"
WHOLE_DATA = "$."
"""The path of the whole data (what a reader that may read anything is said to read)."""

_SEGMENT = re.compile(
    r"""
    \[\s*(?P<index>-?\d+)\s*\]            # [0] or [-1]
  | \[\s*'(?P<sq>(?:[^'\\]|\\.)*)'\s*\]    # ['key with spaces']
  | \[\s*"(?P<dq>(?:[^"\\]|\\.)*)"\s*\]    # ["key"]
  | \.?(?P<key>[^.\[\]]+)                  # .key or key
  | (?P<dot>\.)
    """,
    re.VERBOSE,
)
# _SEGMENT is read at one place at a time, and its alternatives start with different characters
# and repeat disjoint ones: linear (tests/test_linear_time.py).


def _needs_jsonpath(body: str) -> bool:
    """Whether a path uses JSONPath: ``*``, ``..``, a filter ``[?``, a slice ``[..:..]`` or a
    union ``[1,``. What ``\\*|\\.\\.|\\[\\s*\\?|\\[[^\\]]*:[^\\]]*\\]|\\[\\s*\\d+\\s*,`` finds, in
    one pass (that regular expression reads to the end after every ``[`` of ``"[" * n``)."""
    if "*" in body or ".." in body:
        return True
    size = len(body)
    close = colon = -1  # the first "]" and ":" at or after the last place looked from
    start = body.find("[")
    while start >= 0:
        i = start + 1
        while i < size and body[i].isspace():
            i += 1
        if body.startswith("?", i):
            return True
        j = i
        while j < size and body[j].isdecimal():
            j += 1
        if j > i:
            while j < size and body[j].isspace():
                j += 1
            if body.startswith(",", j):
                return True
        if close <= start:  # (size: no "]" after any later "[" either)
            close = body.find("]", start + 1)
            close = size if close < 0 else close
        if colon <= start:
            colon = body.find(":", start + 1)
            colon = size if colon < 0 else colon
        if colon < close < size:
            return True
        start = body.find("[", start + 1)
    return False


class PathSyntaxError(ActionsError, ValueError):
    """A path that cannot be read; the message says why."""


@attrs.frozen
class ParsedPath:
    """A path split at compile time. ``keys`` elements are ``str`` (dict key) or ``int`` (list
    position, or the dict key of the same digits); ``jsonpath`` is set for JSONPath paths."""

    __repr__ = attrs_repr

    text: str
    settings: bool
    keys: tuple[str | int, ...]
    jsonpath: Any = attrs.field(default=None, eq=False)


def parse_path(text: str) -> ParsedPath:
    """Split a path. ``$.`` is stripped only as a prefix; ``$settings.`` reads the settings; a
    ``$`` anywhere else is an ordinary key character; ``""``, ``"."`` and ``"$."`` are the root."""
    settings = False
    body = text
    if body == SETTINGS_PREFIX or body.startswith((SETTINGS_PREFIX + ".", SETTINGS_PREFIX + "[")):
        settings = True
        body = body[len(SETTINGS_PREFIX) :]
        body = body[1:] if body.startswith(".") else body
    elif body.startswith("$.."):
        return ParsedPath(text, settings, (), _parse_jsonpath(body[1:]))
    elif body.startswith("$."):
        body = body[2:]
    elif body.startswith("$["):
        body = body[1:]
    if body in ("", "."):
        return ParsedPath(text, settings, ())
    if _needs_jsonpath(body):
        return ParsedPath(text, settings, (), _parse_jsonpath(body))
    keys: list[str | int] = []
    position = 0
    while position < len(body):
        match = _SEGMENT.match(body, position)
        if match is None or match.end() == position:
            raise PathSyntaxError(f"cannot read path {text!r} at character {position + 1}")
        if match.group("dot") is not None:
            raise PathSyntaxError(f"empty key in path {text!r} at character {position + 1}")
        if match.group("index") is not None:
            keys.append(int(match.group("index")))
        elif match.group("key") is not None:
            key = match.group("key")
            keys.append(int(key) if key.isdigit() else key)
        else:
            quoted = match.group("sq") if match.group("sq") is not None else match.group("dq")
            keys.append(re.sub(r"\\(.)", r"\1", quoted))
        position = match.end()
    return ParsedPath(text, settings, tuple(keys))


def _parse_jsonpath(body: str) -> Any:
    from jsonpath_ng.exceptions import JsonPathLexerError, JsonPathParserError
    from jsonpath_ng.ext.parser import parse as jsonpath_parse

    try:
        return jsonpath_parse("$" + body if body.startswith(("[", ".")) else "$." + body)
    except (JsonPathLexerError, JsonPathParserError, Exception) as exc:
        raise PathSyntaxError(f"invalid JSONPath {body!r}: {exc}") from None


_get = dict.get
"""``dict.get`` itself: reads the keys of a dict (or a dict subclass) and raises TypeError for
anything else, so no other type's ``get`` (or any attribute) is ever reached."""

EMPTY_DATA: dict[str, Any] = {}
"""The stand-in for a missing, null, false, 0 or "" intermediate of a path: it has no keys.
Shared and never written to, never returned."""


def _step(value: Any, key: str | int) -> Any:
    if isinstance(value, dict):
        return _get(value, str(key) if isinstance(key, int) else key, MISSING)
    if isinstance(value, list) and isinstance(key, int):
        try:
            return value[key]
        except IndexError:
            return MISSING
    return MISSING


def lookup(root: Any, keys: tuple[str | int, ...]) -> Any:
    """The value at ``keys`` under ``root``, or MISSING."""
    value = root
    for key in keys:
        value = _step(value, key)
        if value is MISSING:
            return MISSING
    return value


def compile_path(path: ParsedPath) -> Evaluator:
    """An evaluator reading ``path`` from the root data (or the settings)."""
    if path.jsonpath is not None:
        return _compile_jsonpath(path)
    keys = path.keys
    if path.settings:
        return lambda root, settings, failures: lookup(settings, keys)
    if not keys:
        return lambda root, settings, failures: root
    text_keys = tuple(k for k in keys if isinstance(k, str))
    if len(text_keys) == len(keys):
        return string_keys_reader(text_keys)
    return lambda root, settings, failures: lookup(root, keys)


def read_path(path: ParsedPath, root: Any, settings: Settings) -> Any:
    """The value at ``path`` in ``root`` (or in ``settings``), or MISSING: what the reader
    :func:`compile_path` makes gives, the plain way."""
    data = settings if path.settings else root
    if path.jsonpath is not None:
        return _find(path.jsonpath, data)
    return lookup(data, path.keys)


def string_keys_reader(keys: tuple[str, ...]) -> Evaluator:
    """An evaluator reading a path of string keys: the same value as :func:`lookup`, as a chain
    of ``dict.get`` calls. A missing or falsy intermediate (null, false, 0, "", empty) becomes
    an empty dict, so the chain goes on to MISSING; any other non-dict intermediate (a list, a
    string, a number, true) makes ``dict.get`` raise TypeError, which means MISSING too (as
    does any other error from a value that is not JSON, such as one whose truth cannot be
    taken)."""
    get = _get
    empty = EMPTY_DATA
    if len(keys) == 1:
        (k1,) = keys

        def get1(root: Any, settings: Settings, failures: Failures) -> Any:
            try:
                return get(root, k1, MISSING)
            except Exception:
                return MISSING

        return get1
    if len(keys) == 2:
        k1, k2 = keys

        def get2(root: Any, settings: Settings, failures: Failures) -> Any:
            try:
                return get(get(root, k1) or empty, k2, MISSING)
            except Exception:
                return MISSING

        return get2
    if len(keys) == 3:
        k1, k2, k3 = keys

        def get3(root: Any, settings: Settings, failures: Failures) -> Any:
            try:
                return get(get(get(root, k1) or empty, k2) or empty, k3, MISSING)
            except Exception:
                return MISSING

        return get3
    *inner, last = keys

    def get_many(root: Any, settings: Settings, failures: Failures) -> Any:
        value = root
        try:
            for key in inner:
                value = get(value, key) or empty
            return get(value, last, MISSING)
        except Exception:
            return MISSING

    return get_many


def _find(expression: Any, data: Any) -> Any:
    """Every match of a JSONPath, as a list; MISSING when the data is not an object or list."""
    if not isinstance(data, dict | list):
        return MISSING
    try:
        return [match.value for match in expression.find(data)]
    except Exception:
        return MISSING


def _compile_jsonpath(path: ParsedPath) -> Evaluator:
    expression = path.jsonpath
    if path.settings:
        return lambda root, settings, failures: _find(expression, settings)
    return lambda root, settings, failures: _find(expression, root)


def read_keys(text: str) -> tuple[str | int, ...] | None:
    """The keys of the event a path text reads (None for a settings path; ``()``, the whole
    event, for a path that does not parse). A JSONPath reads everything under its plain prefix
    (``$.properties.products[*].sku``: ``("properties",)``; ``$..sku``: the whole event)."""
    try:
        parsed = parse_path(text)
    except PathSyntaxError:
        return ()
    if parsed.settings:
        return None
    if parsed.jsonpath is None:
        return parsed.keys
    body = text[2:] if text.startswith("$.") else text
    prefix: list[str | int] = []
    for part in body.split("."):
        if not part or not part.replace("_", "").replace("-", "").isalnum():
            break
        prefix.append(part)
    return tuple(prefix)


def path_text(keys: tuple[str | int, ...]) -> str:
    """The path text that reads ``keys`` (``("a", "b c", 0)``: ``$.a['b c'][0]``)."""
    out = ["$"]
    for key in keys:
        if isinstance(key, int):
            out.append(f"[{key}]")
        elif key and re.fullmatch(r"[^.\[\]'\\\s]+", key) and not key.isdigit():
            out.append(f".{key}")
        else:
            escaped = key.replace("\\", "\\\\").replace("'", "\\'")
            out.append(f"['{escaped}']")
    return "".join(out) if keys else WHOLE_DATA
