"""Declarative requests: method, URL and header templates, query and body mappings, evaluated
against the validated payload (and the settings through ``$settings.`` paths)."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any, NamedTuple
from urllib.parse import quote

import attrs

from actions import mapping
from actions._repr import attrs_repr
from actions.errors import DataPath
from actions.jsonvalues import compact_json, writes_cleanly
from actions.language import BUILTIN, Language
from actions.mapping import MISSING, CompiledMapping
from actions.mapping.catalog import BUILTIN_DIRECTIVES
from actions.mapping.ir import Array, Call, Const, Node, Object, Path
from actions.mapping.values import to_text
from actions.yamlsource import SourceMap


class BuiltRequest(NamedTuple):
    """The parts of one request (a tuple: built for every request, so kept cheap)."""

    method: str
    url: str
    headers: dict[str, str]
    query: dict[str, str]
    body: str | None
    encoding: str


def _compile_url(text: str, source: SourceMap | None, path: DataPath) -> Any:
    # Validate like any @template (errors located in the file), then render with encoding.
    mapping.compile({"@template": text}, source=source, base_path=path)
    return _url_template(text)


def _templated(value: Any) -> Any:
    """Strings in URLs and headers are templates."""
    return {"@template": value} if isinstance(value, str) else value


def _reads_settings_only(value: Any) -> bool:
    """A header value that is a literal, or a template whose placeholders all read settings."""
    from actions.mapping.template import parse_template

    if isinstance(value, str):
        return all(path.settings for path in parse_template(value)[1])
    return isinstance(value, int | float | bool) or value is None


_PLAIN_FORM_TEXT = re.compile(r"[A-Za-z0-9_.~-]*")
"""Text ``urlencode`` writes as it is (its always-safe characters): most keys and values."""


_ALWAYS_SAFE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~")
_FORM_BYTES = {
    byte: chr(byte) if byte in _ALWAYS_SAFE else "+" if byte == 0x20 else f"%{byte:02X}"
    for byte in range(256)
}
"""What ``quote_plus`` writes for each byte of a text's UTF-8 form (a dict: ``str.translate``
looks a dict up faster than a tuple)."""


# Long text is percent-encoded three bytes per input byte, by bytes.translate (C, a table
# look-up a byte): per byte, its first, second and third output characters, NUL where it has
# none (a safe byte is one character, a space "+", any other "%XX"); interleaved, then the NULs
# dropped. A NUL byte of the text is "%00": no NUL is ever output.
_FIRST = bytes(b if b in _ALWAYS_SAFE else 0x2B if b == 0x20 else 0x25 for b in range(256))
_HEX = b"0123456789ABCDEF"
_SECOND = bytes(0 if b in _ALWAYS_SAFE or b == 0x20 else _HEX[b >> 4] for b in range(256))
_THIRD = bytes(0 if b in _ALWAYS_SAFE or b == 0x20 else _HEX[b & 15] for b in range(256))
_INTERLEAVED_FROM = 40
"""Text of this many UTF-8 bytes or more is encoded by the interleaved tables (about 5x faster
on a 900-byte JSON value; below it, one str.translate costs less than their seven calls)."""


def quote_form(text: str) -> str:
    """``urllib.parse.quote_plus(text)``, to the character, without a Python call per byte: a
    short text in one ``str.translate`` over its UTF-8 bytes (each read as the character of
    that number), a long one by three ``bytes.translate`` interleaved. A lone surrogate raises
    UnicodeEncodeError, as there."""
    data = text.encode("utf-8")
    size = len(data)
    if size < _INTERLEAVED_FROM:
        return data.decode("latin-1").translate(_FORM_BYTES)
    out = bytearray(3 * size)
    out[0::3] = data.translate(_FIRST)
    out[1::3] = data.translate(_SECOND)
    out[2::3] = data.translate(_THIRD)
    return out.translate(None, b"\0").decode("ascii")


def form_body(values: Mapping[str, Any], keys: Mapping[str, str]) -> str:
    """A form body of an object's values, as ``urllib.parse.urlencode`` writes each key and value
    that is not None (a value that is not text as :func:`form_value` writes it), to the
    character: text of only always-safe characters (a field's name, a token, an id) as it is,
    the rest by :func:`quote_form`; in one loop (the per-request path). ``keys``: keys known
    before (a body mapping's), already encoded."""
    plain = _PLAIN_FORM_TEXT.fullmatch
    known = keys.get
    parts = []
    for key, value in values.items():
        if value is None:
            continue
        text = value if type(value) is str else form_value(value)
        name = known(key) or (key if plain(key) else quote_form(key))
        parts.append(f"{name}={text if plain(text) else quote_form(text)}")
    return "&".join(parts)


def _form_keys(value: Any) -> dict[str, str]:
    """The keys of a body mapping that is an object (no directive), each as a form writes it."""
    if not isinstance(value, dict) or any(str(k).startswith("@") for k in value):
        return {}
    keys = {}
    for key in value:
        with contextlib.suppress(UnicodeEncodeError):  # a lone surrogate: left to each request
            keys[key] = quote_form(key)
    return keys


def form_value(value: Any) -> str:
    """A value as form text: scalars as text, objects and lists as compact JSON."""
    if isinstance(value, dict | list):
        return compact_json(value)
    return to_text(value)


def _url_template(text: str) -> Any:
    """A URL template: each placeholder's value is percent-encoded (a value never changes the
    URL's structure); the literal parts are used as written."""
    from actions.mapping.paths import compile_path
    from actions.mapping.template import parse_template

    parts, paths = parse_template(text)
    if not paths:
        url = parts[0]
        return lambda payload, settings: url
    readers = tuple(compile_path(p) for p in paths)
    plain = _PLAIN_FORM_TEXT.fullmatch  # what quote writes as it is (most values: a word, an id)

    def render(payload: Any, settings: Mapping[str, Any]) -> str:
        out = [parts[0]]
        for reader, tail in zip(readers, parts[1:], strict=True):
            text = to_text(reader(payload, settings, []))
            out.append(text if plain(text) else quote(text, safe=""))
            out.append(tail)
        return "".join(out)

    return render


@attrs.frozen
class RequestSpec:
    __repr__ = attrs_repr

    method: str
    url: Any = attrs.field(repr=False)
    headers: CompiledMapping
    query: CompiledMapping
    body: CompiledMapping | None
    encoding: str
    body_is_payload: bool = False
    """The body is the whole payload (the default): no mapping to apply."""
    headers_read_settings_only: bool = False
    """Every header is a literal or a template over settings: rendered once per configuration."""
    url_reads_settings_only: bool = False
    """The URL is a literal or a template over settings: rendered once per configuration."""
    form_keys: Mapping[str, str] = attrs.field(factory=dict, repr=False)
    """A form body's keys, encoded once: those of its mapping when it is an object."""

    @classmethod
    def compile(
        cls,
        raw: Mapping[str, Any],
        *,
        source: SourceMap | None,
        path: DataPath,
        env: Language = BUILTIN,
    ) -> RequestSpec:
        """The request part of an action, its templates and mappings compiled in ``env``."""

        def compile_mapping(value: Any, base_path: DataPath) -> CompiledMapping:
            return mapping.compile(
                value,
                source=source,
                base_path=base_path,
                directives=env.directives,
                functions=env.functions,
            )

        body = raw.get("body") or {}
        encoding = body.get("encoding", "json")
        value = body.get("value", {"@path": "$."})
        return cls(
            method=raw.get("method", "POST"),
            url=_compile_url(raw["url"], source, (*path, "url")),
            headers=compile_mapping(
                {k: _templated(v) for k, v in (raw.get("headers") or {}).items()},
                (*path, "headers"),
            ),
            query=compile_mapping(raw.get("query") or {}, (*path, "query")),
            body=None if encoding == "none" else compile_mapping(value, (*path, "body", "value")),
            encoding=encoding,
            body_is_payload=value in ({"@path": "$."}, {"@path": "."}, {"@path": ""}),
            headers_read_settings_only=all(
                _reads_settings_only(v) for v in (raw.get("headers") or {}).values()
            ),
            url_reads_settings_only=_reads_settings_only(raw["url"]),
            form_keys=_form_keys(value) if encoding == "form" else {},
        )

    def bind(self, settings: Mapping[str, Any]) -> Callable[[Any], BuiltRequest]:
        """:meth:`build` for one configuration's settings. What cannot change per event is done
        here, once: headers that read only settings are rendered, and a JSON request whose
        body is the whole payload and which has no query gets a builder of its own. (When
        its URL reads only settings too, :meth:`json_parts` gives every part but the body.)"""
        headers = self._fixed_headers(settings)
        if headers is None:
            return partial(self.build, settings=settings)
        if not self._whole_payload_as_json():
            return partial(self.build, settings=settings, fixed_headers=headers)
        headers.setdefault("Content-Type", _JSON)
        method, url, encoding = self.method, self.url, self.encoding

        def build_json(payload: Any) -> BuiltRequest:
            return BuiltRequest(
                method, url(payload, settings), headers.copy(), {}, compact_json(payload), encoding
            )

        return build_json

    def json_parts(
        self, settings: Mapping[str, Any]
    ) -> tuple[str, str, dict[str, str], str] | None:
        """For a request that is the whole payload as compact JSON, with no query, and whose
        URL and headers read only settings: its method, URL, headers and encoding, rendered
        once for these settings (else None). Per event, only the body changes:
        ``compact_json(payload)``. Give each request a copy of the headers."""
        if not self.url_reads_settings_only or not self._whole_payload_as_json():
            return None
        headers = self._fixed_headers(settings)
        if headers is None:
            return None
        headers.setdefault("Content-Type", _JSON)
        return self.method, self.url(None, settings), headers, self.encoding

    def _whole_payload_as_json(self) -> bool:
        return not self.query.mapping and self.body_is_payload and self.encoding == "json"

    def _fixed_headers(self, settings: Mapping[str, Any]) -> dict[str, str] | None:
        """The headers rendered for these settings, when they read nothing else (else None)."""
        if not self.headers.mapping:
            return {}
        if not self.headers_read_settings_only:
            return None
        values = self.headers.apply(None, settings)
        if not isinstance(values, dict):  # left to each request (and its failure handling)
            return None
        return {k: to_text(v) for k, v in values.items() if v is not None}

    def _headers(self, data: Any, settings: Mapping[str, Any]) -> dict[str, str]:
        if not self.headers.mapping:
            return {}
        values = self.headers.apply(data, settings)
        return {k: to_text(v) for k, v in values.items() if v is not None}

    def build(
        self,
        data: Any,
        settings: Mapping[str, Any],
        fixed_headers: Mapping[str, str] | None = None,
        write_body: bool = True,
    ) -> BuiltRequest:
        """The request for ``data`` (the payload). ``write_body`` False leaves its body
        unwritten (None; the headers as they are with it): see :meth:`bind_unwritten`."""
        url = self.url(data, settings)
        headers = (
            dict(fixed_headers) if fixed_headers is not None else self._headers(data, settings)
        )
        query = (
            {k: form_value(v) for k, v in self.query.apply(data, settings).items() if v is not None}
            if self.query.mapping
            else {}
        )
        body_text: str | None = None
        if self.body is not None:
            if write_body:
                body = data if self.body_is_payload else self.body.apply(data, settings)
                if self.encoding == "form":
                    body_text = form_body(body if isinstance(body, dict) else {}, self.form_keys)
                else:
                    body_text = compact_json(None if body is MISSING else body)
            headers.setdefault("Content-Type", _CONTENT_TYPES.get(self.encoding, _JSON))
        return BuiltRequest(self.method, url, headers, query, body_text, self.encoding)

    def bind_unwritten(self, settings: Mapping[str, Any]) -> Callable[[Any], BuiltRequest]:
        """:meth:`bind`'s builder with the body left unwritten (``body`` None, the headers as
        they are with it), for a caller that needs the body of few requests (``actions diff``
        and ``profile``; :meth:`bind_body` writes it), and fails what :meth:`bind`'s fails,
        with the same error. The body is left out only when writing it cannot fail: its
        mapping only moves values (paths, constants, objects, arrays, ``@if``: see
        :func:`moves_values`) and the payload holds only values every encoder writes
        (:func:`~actions.jsonvalues.writes_cleanly`); otherwise it is written, then dropped."""
        full = self.bind(settings)
        if self.body is None:
            return full  # no body to leave out
        if not moves_values(self.body.node, settings):

            def written_then_dropped(payload: Any) -> BuiltRequest:
                return full(payload)._replace(body=None)

            return written_then_dropped
        fixed = self._fixed_headers(settings)
        head = partial(self.build, settings=settings, fixed_headers=fixed, write_body=False)

        def unwritten(payload: Any) -> BuiltRequest:
            if writes_cleanly(payload):
                return head(payload)
            return full(payload)._replace(body=None)

        return unwritten

    def bind_body(self, settings: Mapping[str, Any]) -> Callable[[Any], str | None]:
        """The body text :meth:`bind`'s builder writes for a payload (None for no body); it
        raises where that builder fails."""
        if self.body is None:
            return lambda _payload: None
        full = self.bind(settings)
        return lambda payload: full(payload).body


_JSON = "application/json"
_CONTENT_TYPES = {"form": "application/x-www-form-urlencoded"}
"""The Content-Type a body is sent with, by encoding (JSON for any other)."""


def moves_values(node: Node, settings: Mapping[str, Any]) -> bool:
    """Whether a mapping's output is made only of values it reads (from the data, or settings
    that :func:`~actions.jsonvalues.writes_cleanly`) and of constants that do: paths, constants,
    objects, arrays and the built-in ``@if`` (whose conditions give no value). Then, over data
    that writes cleanly, its output does too."""
    if isinstance(node, Const):
        return node.value is MISSING or writes_cleanly(node.value)
    if isinstance(node, Object):
        return all(moves_values(f.node, settings) for f in node.fields)
    if isinstance(node, Array):
        return all(moves_values(i.node, settings) for i in node.items)
    if isinstance(node, Path):
        return not node.parsed.settings or writes_cleanly(dict(settings))
    if isinstance(node, Call) and BUILTIN_DIRECTIVES.get("@if") is node.directive:
        return all(
            node.args.get(option, MISSING) is MISSING or moves_values(node.args[option], settings)
            for option in ("then", "else")
        )
    return False
