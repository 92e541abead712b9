"""A local emulator of the partners' server-to-server endpoints, for delivery tests and benchmarks.

One HTTP/1.1 server on 127.0.0.1 (keep-alive, a thread per connection) answers like the partners:

- Adjust ``GET|POST /event`` (query or form parameters): 200 ``{"status":"OK"}``; errors as
  ``{"error": "Event request failed (<message>)"}`` with Adjust's documented messages.
- Kochava ``POST /track/json`` (JSON): 200 ``{"success":"1"}``; 400 for a malformed request.
- Branch ``POST /v2/event/standard`` and ``/v2/event/custom`` (JSON): 200
  ``{"branch_view_enabled":false}``; errors as ``{"error":{"message":...,"code":...}}``.
- ``POST /batch`` (not a partner: none of the three has a batch API): a JSON array of items (or an
  object holding it under ``items``/``payloads``/``events``/``batch``), answered with a status
  per item: 200 when all succeed, else 207 ``{"results":[{"index","status","error"?}]}``.

Every request is recorded (:class:`Received`) with a stable key for duplicate checks, and faults
are scripted per test: ``server.plan([Fault.status(429, retry_after=2), Fault.status(503) * 3,
Fault.timeout(5), Fault.reset()])`` or ``server.chaos(0.2, [Fault.status(503)], seed=1)``.

Standard library only, so that benchmarks can import it. Command line (serves until killed)::

    python tests/delivery/partners.py --port 0 [--fault 503x3] [--fault 429:retry=2] ...

prints the base URL on its first line. ``GET /_emulator/requests`` returns the record as JSON
(requests under ``/_emulator/`` are not recorded), ``POST /_emulator/reset`` clears it.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import json
import math
import random
import re
import socket
import struct
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

__all__ = ["Fault", "PartnerServer", "Received", "request_key", "strict_json"]

MAX_BODY = 8 * 1024 * 1024
"""The largest request body read (413 and the connection closed above it)."""
ADJUST_MAX_BODY = 1024 * 1024
"""Adjust answers 413 "Request size too large" above 1 MB."""
MAX_BATCH = 1000
"""The most items ``/batch`` takes (413 above it)."""

ADJUST_DEVICE_IDS = (
    "idfa",
    "gps_adid",
    "fire_adid",
    "oaid",
    "web_uuid",
    "idfv",
    "android_id",
    "adid",
    "imei",
    "meid",
    "win_naid",
    "win_hwid",
)
KOCHAVA_ACTIONS = ("event", "install")
BRANCH_STANDARD_EVENTS = frozenset(
    [
        "ADD_TO_CART",
        "ADD_TO_WISHLIST",
        "VIEW_CART",
        "INITIATE_PURCHASE",
        "ADD_PAYMENT_INFO",
        "CLICK_AD",
        "PURCHASE",
        "SPEND_CREDITS",
        "VIEW_AD",
        "SEARCH",
        "VIEW_ITEM",
        "VIEW_ITEMS",
        "RATE",
        "SHARE",
        "INITIATE_STREAM",
        "COMPLETE_STREAM",
        "COMPLETE_REGISTRATION",
        "COMPLETE_TUTORIAL",
        "ACHIEVE_LEVEL",
        "UNLOCK_ACHIEVEMENT",
        "INVITE",
        "LOGIN",
        "START_TRIAL",
        "SUBSCRIBE",
    ]
)
BRANCH_IDENTIFIERS = (
    "developer_identity",
    "browser_fingerprint_id",
    "idfa",
    "idfv",
    "aaid",
    "android_id",
)
_TOKEN = re.compile(r"[A-Za-z0-9]{1,64}")
_PARTNER_PATHS = {
    "/event": "adjust",
    "/track/json": "kochava",
    "/v2/event/standard": "branch",
    "/v2/event/custom": "branch",
    "/batch": "batch",
}
_BATCH_KEYS = ("items", "payloads", "events", "batch")


# --- requests as received ---------------------------------------------------------------------


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def strict_json(data: bytes | str) -> Any:
    """Parse JSON as the partners do: UTF-8, and no NaN, Infinity or -Infinity."""
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    return json.loads(text, parse_constant=_reject_constant)


def request_key(
    method: str,
    path: str,
    query: Sequence[tuple[str, str]],
    headers: Sequence[tuple[str, str]],
    body: bytes,
) -> str:
    """A stable key for one logical request: its ``Idempotency-Key`` header when it has one,
    else a hash of the method, path, query and body (JSON and form bodies in canonical form,
    so that key order does not matter)."""
    for name, value in headers:
        if name.lower() == "idempotency-key":
            return value
    canonical: bytes = body
    if body:
        try:
            canonical = json.dumps(strict_json(body), sort_keys=True).encode()
        except ValueError:
            try:
                pairs = parse_qsl(body.decode("ascii"), keep_blank_values=True, strict_parsing=True)
            except (ValueError, UnicodeDecodeError):
                pairs = []
            if pairs:
                canonical = repr(sorted(pairs)).encode()
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), repr(sorted(query)).encode(), canonical):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()[:32]


@dataclass(slots=True)
class Received:
    """One request as the emulator received it, and how it was answered.

    ``outcome``: ``"answered"`` (``status`` set), ``"held"`` (a timeout fault is holding it),
    ``"timeout"`` (held, then closed unanswered), ``"closed"`` (closed unanswered), ``"reset"``
    (reset unanswered). ``acknowledged``: answered 2xx and the answer was written (for ``/batch``,
    ``acked_items`` lists the keys of the items answered 2xx). ``attempt`` counts the earlier
    requests with the same key."""

    seq: int
    time: float
    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    headers: tuple[tuple[str, str], ...]
    body: bytes
    partner: str | None
    key: str
    attempt: int
    fault: str | None = None
    outcome: str = "pending"
    status: int | None = None
    answer: bytes = b""
    acknowledged: bool = False
    item_keys: tuple[str, ...] = ()
    acked_items: tuple[str, ...] = ()

    def header(self, name: str) -> str | None:
        lower = name.lower()
        for key, value in self.headers:
            if key.lower() == lower:
                return value
        return None

    def json(self) -> Any:
        return strict_json(self.body)

    @property
    def params(self) -> dict[str, str]:
        """Query and form parameters (the last value of a repeated name wins)."""
        params = dict(self.query)
        content_type = (self.header("Content-Type") or "").lower()
        if content_type.startswith("application/x-www-form-urlencoded"):
            params.update(parse_qsl(self.body.decode("utf-8", "replace"), keep_blank_values=True))
        return params

    def as_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "time": self.time,
            "method": self.method,
            "path": self.path,
            "query": [list(pair) for pair in self.query],
            "headers": [list(pair) for pair in self.headers],
            "body": base64.b64encode(self.body).decode(),
            "partner": self.partner,
            "key": self.key,
            "attempt": self.attempt,
            "fault": self.fault,
            "outcome": self.outcome,
            "status": self.status,
            "answer": self.answer.decode("utf-8", "replace"),
            "acknowledged": self.acknowledged,
            "item_keys": list(self.item_keys),
            "acked_items": list(self.acked_items),
        }


# --- faults -----------------------------------------------------------------------------------

Predicate = Callable[[Received], bool]


@dataclass(frozen=True, slots=True)
class Fault:
    """A scripted misbehaviour, used by the first ``times`` matching requests (``None``: all).

    Build with the class methods; ``fault * 3`` repeats it, ``fault.when(predicate)`` limits it to
    the requests the predicate accepts (a :class:`Received`), ``fault.always()`` never uses it up.
    """

    kind: str
    code: int = 0
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None
    seconds: float = 0.0
    retry_after_date: float | None = None
    fail_item: Callable[[int, Any], bool] | None = None
    item_status: int = 400
    item_error: str = "rejected"
    times: int | None = 1
    predicate: Predicate | None = None

    @classmethod
    def status(
        cls,
        code: int,
        *,
        retry_after: float | str | datetime | None = None,
        retry_after_date: float | None = None,
        body: bytes | str | dict[str, Any] | None = None,
        headers: Iterable[tuple[str, str]] = (),
    ) -> Fault:
        """Answer ``code`` without looking at the request. ``retry_after``: seconds (sent as
        an integer when whole), a text sent as-is, or a datetime (sent as an HTTP date);
        ``retry_after_date``: seconds from the moment of the answer, sent as an HTTP date
        (whole seconds). ``body``: default, the partner's error body for the status."""
        extra = list(headers)
        if retry_after is not None:
            extra.append(("Retry-After", _retry_after_text(retry_after)))
        data: bytes | None
        if body is None or isinstance(body, bytes):
            data = body
        elif isinstance(body, str):
            data = body.encode()
        else:
            data = json.dumps(body).encode()
        return cls(
            "status",
            code=code,
            headers=tuple(extra),
            body=data,
            retry_after_date=retry_after_date,
        )

    @classmethod
    def timeout(cls, seconds: float) -> Fault:
        """Read the request, hold the connection ``seconds`` (longer than the client's read
        timeout), then close it unanswered."""
        return cls("timeout", seconds=seconds)

    @classmethod
    def reset(cls) -> Fault:
        """Read the request, then reset the connection (RST, SO_LINGER 0) without answering."""
        return cls("reset")

    @classmethod
    def close(cls) -> Fault:
        """Read the request, then close the connection (FIN) without answering."""
        return cls("close")

    @classmethod
    def slow(cls, seconds: float) -> Fault:
        """Answer as the partner would, ``seconds`` late."""
        return cls("slow", seconds=seconds)

    @classmethod
    def items(
        cls,
        fail: Callable[[int, Any], bool] | Iterable[int],
        *,
        status: int = 400,
        error: str = "rejected",
    ) -> Fault:
        """For ``/batch``: answer ``status`` (with ``error``) for the items ``fail`` picks, a
        predicate of (index, item) or a set of indexes, and 200 for the others (207 overall)."""
        if callable(fail):
            chosen: Callable[[int, Any], bool] = fail
        else:
            indexes = frozenset(fail)

            def chosen(index: int, _item: Any) -> bool:
                return index in indexes

        return cls(
            "items",
            fail_item=chosen,
            item_status=status,
            item_error=error,
            predicate=lambda r: r.partner == "batch",
        )

    def __mul__(self, times: int) -> Fault:
        return replace(self, times=None if self.times is None else self.times * times)

    __rmul__ = __mul__

    def when(self, predicate: Predicate) -> Fault:
        return replace(self, predicate=predicate)

    def always(self) -> Fault:
        return replace(self, times=None)

    @classmethod
    def parse(cls, spec: str) -> Fault:
        """A fault from text (for the command line): ``503``, ``503x3``, ``429:retry=2``,
        ``429:retry-date=2``, ``timeout:5``, ``slow:0.5``, ``reset``, ``close``; a ``xN``
        suffix repeats it, ``x*`` makes it permanent."""
        times: int | None = 1
        match = re.fullmatch(r"(.+?)x(\d+|\*)", spec)
        if match:
            spec, count = match.groups()
            times = None if count == "*" else int(count)
        name, _, arg = spec.partition(":")
        fault: Fault
        if name.isdigit():
            if arg.startswith("retry="):
                fault = cls.status(int(name), retry_after=arg[6:])
            elif arg.startswith("retry-date="):
                fault = cls.status(int(name), retry_after_date=float(arg[11:]))
            elif arg:
                raise ValueError(f"unknown status fault option {arg!r}")
            else:
                fault = cls.status(int(name))
        elif name in ("timeout", "slow"):
            fault = getattr(cls, name)(float(arg))
        elif name in ("reset", "close") and not arg:
            fault = getattr(cls, name)()
        else:
            raise ValueError(f"unknown fault {spec!r}")
        return replace(fault, times=times)


def _retry_after_text(value: float | str | datetime) -> str:
    if isinstance(value, datetime):
        return format_datetime(value.astimezone(UTC), usegmt=True)
    if isinstance(value, str):
        return value
    return str(int(value)) if float(value).is_integer() else str(value)


@dataclass(slots=True)
class _Scheduled:
    fault: Fault
    remaining: int | None


@dataclass(slots=True)
class _Chaos:
    rate: float
    faults: tuple[Fault, ...]
    seed: int
    predicate: Predicate | None


@dataclass(slots=True)
class _Answer:
    status: int
    body: bytes
    headers: list[tuple[str, str]] = field(default_factory=list)
    item_results: list[int] | None = None


# --- the partners' answers ---------------------------------------------------------------------


def _adjust_error(status: int, message: str) -> _Answer:
    body = json.dumps({"error": f"Event request failed ({message})"}).encode()
    return _Answer(status, body)


def _kochava_error(status: int, message: str) -> _Answer:
    return _Answer(status, json.dumps({"success": "0", "error": message}).encode())


def _branch_error(status: int, message: str) -> _Answer:
    return _Answer(status, json.dumps({"error": {"message": message, "code": status}}).encode())


_DEFAULT_MESSAGES = {
    ("adjust", 500): "Internal error, contact support@adjust.com",
    ("branch", 429): "Rate Limit Reached",
}


def _error_body(partner: str | None, status: int) -> bytes:
    message = _DEFAULT_MESSAGES.get((partner or "", status))
    if message is None:
        try:
            message = HTTPStatus(status).phrase
        except ValueError:
            message = f"HTTP {status}"
    if partner == "adjust":
        return _adjust_error(status, message).body
    if partner == "kochava":
        return _kochava_error(status, message).body
    if partner == "branch":
        return _branch_error(status, message).body
    return json.dumps({"error": message}).encode()


class Partners:
    """What the emulated partners know; change the attributes in a test to check other answers.

    ``adjust_app_tokens``: the known app tokens (``None``: any well-formed token; else an unknown
    one is answered 404 "App token not found"). ``adjust_s2s_token``: the app's S2S security token
    (``None``: not checked); a missing or wrong ``Authorization: Bearer`` is answered 401 when
    ``adjust_s2s_enforced``, else accepted with 202 "Missing/Wrong authentication token".
    ``adjust_opted_out``: device ids answered 451. ``adjust_unknown_devices``: device ids answered
    404 "Device not found". ``adjust_unique_tokens``: event tokens counted once per device (a
    repeat is answered 400 "Ignoring event, earlier unique event tracked").
    ``branch_keys``: the known Branch keys (``None``: any ``key_live_``/``key_test_`` key; else an
    unknown one is answered 401)."""

    def __init__(self) -> None:
        self.adjust_app_tokens: set[str] | None = None
        self.adjust_s2s_token: str | None = None
        self.adjust_s2s_enforced = False
        self.adjust_opted_out: set[str] = set()
        self.adjust_unknown_devices: set[str] = set()
        self.adjust_unique_tokens: set[str] = set()
        self.branch_keys: set[str] | None = None
        self._unique_seen: set[tuple[str, str]] = set()
        self._lock = threading.Lock()

    def answer(self, received: Received) -> _Answer:
        if received.partner == "adjust":
            return self._adjust(received)
        if received.partner == "kochava":
            return self._kochava(received)
        if received.partner == "branch":
            return self._branch(received)
        if received.partner == "batch":
            return self._batch(received, None)
        return _Answer(404, json.dumps({"error": "Not Found"}).encode())

    # Adjust: https://dev.adjust.com/en/api/s2s-api/events (see the research note).
    def _adjust(self, r: Received) -> _Answer:
        if r.method not in ("GET", "POST"):
            return _Answer(405, b"", [("Allow", "GET, POST")])
        if len(r.body) > ADJUST_MAX_BODY:
            return _adjust_error(413, "Request size too large")
        params = r.params
        if params.get("s2s") != "1":
            return _adjust_error(400, "s2s parameter missing; server-to-server requests need s2s=1")
        app_token = params.get("app_token", "")
        if not _TOKEN.fullmatch(app_token):
            return _adjust_error(400, "Invalid app token")
        if self.adjust_app_tokens is not None and app_token not in self.adjust_app_tokens:
            return _adjust_error(404, "App token not found")
        accepted: _Answer | None = None
        if self.adjust_s2s_token is not None:
            authorization = r.header("Authorization")
            if authorization != f"Bearer {self.adjust_s2s_token}":
                missing = authorization is None
                if self.adjust_s2s_enforced:
                    return _adjust_error(401, "Failed to authorize request")
                message = "Missing" if missing else "Wrong"
                accepted = _Answer(202, f"{message} authentication token".encode())
        event_token = params.get("event_token", "")
        if not _TOKEN.fullmatch(event_token):
            return _adjust_error(400, "Invalid event token")
        for name in ("callback_params", "partner_params"):
            if name in params and not _flat_string_object(params[name]):
                return _adjust_error(400, f"Invalid {name.replace('_params', '')} parameters")
        if "revenue" in params and not _valid_revenue(params["revenue"]):
            return _adjust_error(400, "Invalid revenue")
        devices = [params[name] for name in ADJUST_DEVICE_IDS if params.get(name)]
        if not devices or all(d in self.adjust_unknown_devices for d in devices):
            return _adjust_error(404, "Device not found")
        if any(d in self.adjust_opted_out for d in devices):
            return _adjust_error(451, "Device is opted out")
        if event_token in self.adjust_unique_tokens:
            seen = (devices[0], event_token)
            with self._lock:
                repeat = seen in self._unique_seen
                self._unique_seen.add(seen)
            if repeat:
                return _adjust_error(400, "Ignoring event, earlier unique event tracked")
        return accepted or _Answer(200, b'{"status":"OK"}')

    # Kochava: https://support.kochava.com/server-to-server-integration/post-install-event-examples/
    def _kochava(self, r: Received) -> _Answer:
        if r.method != "POST":
            return _Answer(405, b"", [("Allow", "POST")])
        try:
            body = r.json()
        except ValueError:
            return _kochava_error(400, "the body is not valid JSON")
        if not isinstance(body, dict):
            return _kochava_error(400, "the body is not a JSON object")
        app_id = body.get("kochava_app_id")
        if not isinstance(app_id, str) or not app_id:
            return _kochava_error(400, "kochava_app_id is required")
        if body.get("action") not in KOCHAVA_ACTIONS:
            return _kochava_error(400, "action must be event or install")
        data = body.get("data")
        if not isinstance(data, dict):
            return _kochava_error(400, "data is required")
        if body["action"] == "event" and not _nonempty_string(data.get("event_name")):
            return _kochava_error(400, "data.event_name is required")
        device_ids = data.get("device_ids", {})
        if not isinstance(device_ids, dict):
            return _kochava_error(400, "data.device_ids must be an object")
        if not any(_nonempty_string(v) for v in device_ids.values()) and not _nonempty_string(
            body.get("kochava_device_id")
        ):
            return _kochava_error(400, "a device id is required")
        return _Answer(200, b'{"success":"1"}')

    # Branch: https://help.branch.io/developers-hub/reference/logevent
    def _branch(self, r: Received) -> _Answer:
        if r.method != "POST":
            return _Answer(405, b"", [("Allow", "POST")])
        try:
            body = r.json()
        except ValueError:
            return _branch_error(400, "Malformed JSON body")
        if not isinstance(body, dict):
            return _branch_error(400, "The body must be a JSON object")
        key = body.get("branch_key")
        if not isinstance(key, str) or not key:
            return _branch_error(400, "Invalid or missing app id, Branch key, or secret")
        if not key.startswith(("key_live_", "key_test_")) or (
            self.branch_keys is not None and key not in self.branch_keys
        ):
            return _branch_error(401, "Invalid or missing app id, Branch key, or secret")
        name = body.get("name")
        if not _nonempty_string(name):
            return _branch_error(400, "Event name is required")
        standard = r.path.endswith("/standard")
        if standard and name not in BRANCH_STANDARD_EVENTS:
            return _branch_error(400, f"{name} is not a standard event; use /v2/event/custom")
        user_data = body.get("user_data")
        if not isinstance(user_data, dict):
            return _branch_error(400, "user_data is required")
        if not any(_nonempty_string(user_data.get(k)) for k in BRANCH_IDENTIFIERS):
            return _branch_error(400, "user_data needs an identifier")
        for name_ in ("event_data", "custom_data"):
            if name_ in body and not isinstance(body[name_], dict):
                return _branch_error(400, f"{name_} must be an object")
        if "content_items" in body and not isinstance(body["content_items"], list):
            return _branch_error(400, "content_items must be a list")
        return _Answer(200, b'{"branch_view_enabled":false}')

    # The generic batch endpoint (no partner): a status per item.
    def _batch(self, r: Received, fault: Fault | None) -> _Answer:
        if r.method != "POST":
            return _Answer(405, b"", [("Allow", "POST")])
        try:
            body = r.json()
        except ValueError:
            return _Answer(400, b'{"error":"the body is not valid JSON"}')
        items = body
        if isinstance(body, dict):
            items = next((body[k] for k in _BATCH_KEYS if isinstance(body.get(k), list)), None)
        if not isinstance(items, list):
            return _Answer(400, b'{"error":"the body is not a list of items"}')
        if len(items) > MAX_BATCH:
            return _Answer(413, json.dumps({"error": f"more than {MAX_BATCH} items"}).encode())
        results: list[dict[str, Any]] = []
        statuses: list[int] = []
        for index, item in enumerate(items):
            status, error = 200, None
            if not isinstance(item, dict):
                status, error = 400, "the item is not an object"
            elif fault is not None and fault.fail_item is not None and fault.fail_item(index, item):
                status, error = fault.item_status, fault.item_error
            result: dict[str, Any] = {"index": index, "status": status}
            if error is not None:
                result["error"] = error
            results.append(result)
            statuses.append(status)
        overall = 200 if all(200 <= s < 300 for s in statuses) else 207
        answer = _Answer(overall, json.dumps({"results": results}).encode())
        answer.item_results = statuses
        return answer


def _nonempty_string(value: Any) -> bool:
    return isinstance(value, str) and bool(value)


def _flat_string_object(text: str) -> bool:
    try:
        value = strict_json(text)
    except ValueError:
        return False
    return isinstance(value, dict) and all(isinstance(v, str) for v in value.values())


def _valid_revenue(text: str) -> bool:
    try:
        value = float(text)
    except ValueError:
        return False
    return math.isfinite(value) and 0.001 <= value <= 100_000_000_000


def batch_item_keys(body: bytes) -> tuple[str, ...]:
    """The keys of a ``/batch`` request's items: an item's ``messageId``, ``message_id`` or ``id``
    when it has one, else a hash of the item."""
    try:
        value = strict_json(body)
    except ValueError:
        return ()
    if isinstance(value, dict):
        value = next((value[k] for k in _BATCH_KEYS if isinstance(value.get(k), list)), None)
    if not isinstance(value, list):
        return ()
    keys = []
    for item in value:
        found = None
        if isinstance(item, dict):
            found = next(
                (str(item[k]) for k in ("messageId", "message_id", "id") if k in item), None
            )
        if found is None:
            text = json.dumps(item, sort_keys=True).encode()
            found = hashlib.sha256(text).hexdigest()[:32]
        keys.append(found)
    return tuple(keys)


# --- the server ---------------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _HTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def handle_one_request(self) -> None:
        try:
            super().handle_one_request()
        except (ConnectionError, TimeoutError, OSError):
            self.close_connection = True

    def _serve(self) -> None:
        self.server.emulator._handle(self)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _serve

    def read_body(self) -> bytes | None:
        """The request body, or ``None`` when it is too large or malformed (the connection is
        then closed after the answer)."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            total = 0
            while True:
                line = self.rfile.readline(1024)
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                total += size
                if total > MAX_BODY:
                    return None
                chunks.append(self.rfile.read(size))
                self.rfile.readline(1024)
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0 or length > MAX_BODY:
            return None
        return self.rfile.read(length) if length else b""

    def write(self, status: int, body: bytes, headers: Sequence[tuple[str, str]] = ()) -> None:
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = ""
        lines = [f"HTTP/1.1 {status} {phrase}", f"Content-Length: {len(body)}"]
        if body:
            lines.append(
                "Content-Type: application/json"
                if body[:1] in b"{["
                else "Content-Type: text/plain"
            )
        lines.extend(f"{k}: {v}" for k, v in headers)
        if self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.wfile.write(head + (b"" if self.command == "HEAD" else body))


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 1024
    emulator: PartnerServer

    def process_request(self, request: Any, client_address: Any) -> None:
        self.emulator._opened(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        self.emulator._closed(request)
        super().shutdown_request(request)


class PartnerServer:
    """The emulator: ``with PartnerServer() as server: ... server.url ...``.

    Thread-safe: faults may be planned and the record read while requests are served."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        key: Callable[[str, str, Sequence[tuple[str, str]], Sequence[tuple[str, str]], bytes], str]
        | None = None,
    ) -> None:
        if host not in ("127.0.0.1", "localhost"):
            raise ValueError("the emulator listens on 127.0.0.1 only")
        self.partners = Partners()
        self._key = key or request_key
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._records: list[Received] = []
        self._attempts: Counter[str] = Counter()
        self._scheduled: list[_Scheduled] = []
        self._chaos: _Chaos | None = None
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._httpd = _HTTPServer(("127.0.0.1", port), _Handler, bind_and_activate=True)
        self._httpd.emulator = self
        self._thread: threading.Thread | None = None

    # lifecycle
    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> PartnerServer:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop accepting, wake held requests and close every open connection."""
        self._stopping.set()
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._thread = None
        self._httpd.server_close()
        with self._lock:
            connections = list(self._connections)
        for sock in connections:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def __enter__(self) -> PartnerServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def serve_forever(self) -> None:
        self._httpd.serve_forever(poll_interval=0.2)

    # faults
    def plan(self, faults: Iterable[Fault]) -> None:
        """Queue faults: each request uses the first queued fault whose predicate accepts it
        (in queue order), and a fault is used up after ``times`` requests."""
        with self._lock:
            self._scheduled.extend(_Scheduled(f, f.times) for f in faults)

    def chaos(
        self,
        rate: float,
        faults: Sequence[Fault] = (),
        *,
        seed: int = 0,
        when: Predicate | None = None,
    ) -> None:
        """Fail a ``rate`` share of the requests no planned fault took, with a fault drawn from
        ``faults`` (default: 500 and 503). The draw depends only on the seed, the request's key
        and its attempt, so a run is repeatable whatever the order of arrival. ``rate=0`` stops."""
        choices = tuple(faults) or (Fault.status(500), Fault.status(503))
        with self._lock:
            self._chaos = _Chaos(rate, choices, seed, when) if rate > 0 else None

    def clear_faults(self) -> None:
        with self._lock:
            self._scheduled.clear()
            self._chaos = None

    @property
    def pending_faults(self) -> int:
        """The planned uses left (permanent faults count once)."""
        with self._lock:
            return sum(s.remaining or 1 for s in self._scheduled)

    # the record
    @property
    def requests(self) -> list[Received]:
        with self._lock:
            return list(self._records)

    def received(self, *, path: str | None = None, partner: str | None = None) -> list[Received]:
        return [
            r
            for r in self.requests
            if (path is None or r.path == path) and (partner is None or r.partner == partner)
        ]

    def acknowledged(self) -> list[Received]:
        return [r for r in self.requests if r.acknowledged or r.acked_items]

    def ack_counts(self) -> Counter[str]:
        """How many times each key was acknowledged (for ``/batch``, each item's key)."""
        counts: Counter[str] = Counter()
        for r in self.requests:
            if r.partner == "batch":
                counts.update(r.acked_items)
            elif r.acknowledged:
                counts[r.key] += 1
        return counts

    def duplicates(self) -> dict[str, int]:
        """The keys acknowledged more than once (empty when nothing acknowledged was resent)."""
        return {k: n for k, n in self.ack_counts().items() if n > 1}

    def wait_for(self, count: int, timeout: float = 10.0) -> bool:
        """Wait until ``count`` requests have arrived; false when ``timeout`` passes first."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self._records) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._arrived.wait(left)
        return True

    def reset(self) -> None:
        """Forget the record, the faults and the partners' state."""
        with self._lock:
            self._records.clear()
            self._attempts.clear()
            self._scheduled.clear()
            self._chaos = None
        self.partners = Partners()

    # serving
    def _opened(self, sock: socket.socket) -> None:
        with self._lock:
            self._connections.add(sock)

    def _closed(self, sock: socket.socket) -> None:
        with self._lock:
            self._connections.discard(sock)

    def _pick_fault(self, received: Received) -> Fault | None:
        # called with the lock held
        for index, scheduled in enumerate(self._scheduled):
            predicate = scheduled.fault.predicate
            if predicate is not None and not predicate(received):
                continue
            if scheduled.remaining is not None:
                scheduled.remaining -= 1
                if scheduled.remaining <= 0:
                    del self._scheduled[index]
            return scheduled.fault
        chaos = self._chaos
        if chaos is not None and (chaos.predicate is None or chaos.predicate(received)):
            draw = random.Random(f"{chaos.seed}|{received.key}|{received.attempt}")
            if draw.random() < chaos.rate:
                return draw.choice(chaos.faults)
        return None

    def _handle(self, handler: _Handler) -> None:
        target = urlsplit(handler.path)
        path = target.path
        if path.startswith("/_emulator/"):
            self._control(handler, path)
            return
        body = handler.read_body()
        if body is None:
            handler.close_connection = True
            handler.write(413, b'{"error":"Request size too large"}')
            return
        query = tuple(parse_qsl(target.query, keep_blank_values=True))
        headers = tuple(handler.headers.items())
        key = self._key(handler.command, path, query, headers, body)
        partner = _PARTNER_PATHS.get(path)
        with self._lock:
            attempt = self._attempts[key]
            self._attempts[key] = attempt + 1
            received = Received(
                seq=len(self._records),
                time=time.time(),
                method=handler.command,
                path=path,
                query=query,
                headers=headers,
                body=body,
                partner=partner,
                key=key,
                attempt=attempt,
            )
            if partner == "batch":
                received.item_keys = batch_item_keys(body)
            fault = self._pick_fault(received)
            received.fault = fault.kind if fault is not None else None
            received.outcome = (
                "held" if fault is not None and fault.kind == "timeout" else "pending"
            )
            self._records.append(received)
            self._arrived.notify_all()
        if fault is not None and fault.kind in ("timeout", "reset", "close"):
            self._unanswered(handler, received, fault)
            return
        if fault is not None and fault.kind == "slow":
            self._stopping.wait(fault.seconds)
        if fault is not None and fault.kind == "status":
            headers_out = list(fault.headers)
            if fault.retry_after_date is not None:
                when = datetime.now(UTC) + timedelta(seconds=fault.retry_after_date)
                headers_out.append(("Retry-After", format_datetime(when, usegmt=True)))
            body_out = fault.body if fault.body is not None else _error_body(partner, fault.code)
            answer = _Answer(fault.code, body_out, headers_out)
        elif fault is not None and fault.kind == "items":
            answer = self.partners._batch(received, fault)
        else:
            answer = self.partners.answer(received)
        # The record is complete before the answer leaves, so that a client that has its answer
        # reads a record that says so; a failed write takes the acknowledgement back.
        received.status = answer.status
        received.answer = answer.body
        received.outcome = "answered"
        if 200 <= answer.status < 300:
            if answer.item_results is not None:
                received.acked_items = tuple(
                    k
                    for k, s in zip(received.item_keys, answer.item_results, strict=False)
                    if 200 <= s < 300
                )
            else:
                received.acknowledged = True
        try:
            handler.write(answer.status, answer.body, answer.headers)
        except OSError:
            received.outcome = "write failed"
            received.acknowledged = False
            received.acked_items = ()
            handler.close_connection = True

    def _unanswered(self, handler: _Handler, received: Received, fault: Fault) -> None:
        handler.close_connection = True
        if fault.kind == "timeout":
            self._stopping.wait(fault.seconds)
            received.outcome = "timeout"
            return
        if fault.kind == "close":
            received.outcome = "closed"
            return
        sock = handler.connection
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        received.outcome = "reset"
        handler.rfile.close()
        sock.close()

    def _control(self, handler: _Handler, path: str) -> None:
        handler.read_body()
        if path == "/_emulator/requests" and handler.command == "GET":
            body = json.dumps([r.as_dict() for r in self.requests]).encode()
            handler.write(200, body)
        elif path == "/_emulator/reset" and handler.command == "POST":
            self.reset()
            handler.write(200, b'{"status":"OK"}')
        else:
            handler.write(404, b'{"error":"Not Found"}')


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="0: any free port")
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="SPEC",
        help="a planned fault, in order: 503, 503x3, 429:retry=2, 429:retry-date=2, "
        "timeout:5, slow:0.5, reset, close (xN repeats, x* forever)",
    )
    parser.add_argument("--error-rate", type=float, default=0.0, help="share of 500/503 answers")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    server = PartnerServer(port=args.port)
    server.plan(Fault.parse(spec) for spec in args.fault)
    server.chaos(args.error_rate, seed=args.seed)
    print(server.url, flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
