"""The delivery dead letter: one JSON line per request given up."""

from __future__ import annotations

import threading
from typing import IO, Any

from actions.delivery.result import DeliveryResult
from actions.engine.outcomes import Request
from actions.jsonvalues import json_line_text


def delivery_record(
    request: Request,
    result: DeliveryResult,
    event: Any,
    *,
    destination: str | None = None,
    line: int | None = None,
) -> dict[str, Any]:
    """The dead letter line for a request given up: the event, its subscription, the request
    (secrets redacted), the last HTTP status and response excerpt, the attempts and reason.
    ``actions replay`` reads the event back."""
    record: dict[str, Any] = {"kind": "delivery"}
    if line is not None:
        record["line"] = line
    if destination is not None:
        record["destination"] = destination
    record.update(
        {
            "event": event,
            "subscription": request.subscription,
            "request": request.to_dict(),
            "http_status": result.http_status,
            "response": result.response,
            "attempts": result.attempts,
            "reason": result.reason,
        }
    )
    return record


class DeadLetter:
    """Appends JSON lines to an open text file, one whole line at a time (thread-safe), and
    flushes each, so that a killed run leaves only whole lines."""

    def __init__(self, handle: IO[str]) -> None:
        self.handle = handle
        self.count = 0
        self._lock = threading.Lock()

    def write(self, record: dict[str, Any]) -> None:
        text = json_line_text(record)
        with self._lock:
            self.handle.write(text)
            self.handle.flush()
            self.count += 1
