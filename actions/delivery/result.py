"""What delivering one request gave: delivered, dropped or dead-lettered, and how."""

from __future__ import annotations

from typing import Any, Literal

import attrs

from actions._repr import attrs_repr

DeliveryStatus = Literal["delivered", "dropped", "dead-lettered"]

EXCERPT_LIMIT = 1024
"""The longest response body excerpt kept (characters), for dead letters."""


@attrs.frozen
class DeliveryResult:
    """``delivered``: the partner acknowledged the request; ``dropped``: the partner refused it
    and the pack says not to retry (``reason`` is the pack's); ``dead-lettered``: given up
    (attempts or time exhausted). ``attempts`` is 0 when the ledger shows an earlier run had
    the request acknowledged (``from_ledger``). ``latency`` is seconds from the first try to
    the last answer, backoff included. ``response`` (not for ``delivered``) is the start of the
    last response body, at most ``EXCERPT_LIMIT`` characters, secrets redacted."""

    __repr__ = attrs_repr

    status: DeliveryStatus
    attempts: int
    http_status: int | None
    reason: str | None
    latency: float
    response: str | None = attrs.field(default=None, repr=False)
    from_ledger: bool = False

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "status": self.status,
            "attempts": self.attempts,
            "http_status": self.http_status,
            "reason": self.reason,
            "latency_ms": round(self.latency * 1000.0, 3),
        }
        if self.from_ledger:
            data["from_ledger"] = True
        return data
