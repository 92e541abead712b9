"""Delivery: send a destination's requests as its pack says (limits, retries, timeouts),
record what the partner answered in a ledger, and dead-letter what is given up. See
docs/delivery.md."""

from typing import TYPE_CHECKING, Any

from actions.delivery.deadletter import DeadLetter, delivery_record
from actions.delivery.ledger import Ledger, request_key
from actions.delivery.limits import TokenBucket
from actions.delivery.policy import Decision, RetryPolicy, parse_retry_after
from actions.delivery.result import EXCERPT_LIMIT, DeliveryResult, DeliveryStatus
from actions.destinations.delivery import DeliverySettings

if TYPE_CHECKING:
    from actions.delivery.batching import Batcher
    from actions.delivery.sender import AsyncSender, Sender


def __getattr__(name: str) -> Any:
    # The senders import aiohttp: only when used, so that the command line starts fast.
    if name in ("AsyncSender", "Sender"):
        from actions.delivery import sender

        return getattr(sender, name)
    if name == "Batcher":
        from actions.delivery.batching import Batcher

        return Batcher
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "EXCERPT_LIMIT",
    "AsyncSender",
    "Batcher",
    "DeadLetter",
    "Decision",
    "DeliveryResult",
    "DeliverySettings",
    "DeliveryStatus",
    "Ledger",
    "RetryPolicy",
    "Sender",
    "TokenBucket",
    "delivery_record",
    "parse_retry_after",
    "request_key",
]
