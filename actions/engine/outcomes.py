"""What processing one event gives: a request, or a structured reason why not."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar, Literal

import attrs

from actions.errors import format_path


@attrs.frozen
class Problem:
    """One thing wrong with an event or its payload: the field path and what is wrong."""

    path: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message}


def redact_text(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret value replaced by ``***``."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def _redact(value: Any, secrets: Iterable[str]) -> Any:
    if isinstance(value, str):
        return redact_text(value, secrets)
    if isinstance(value, dict):
        return {k: _redact(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact(v, secrets) for v in value]
    return value


@attrs.frozen(repr=False, slots=False)
class Request:
    """An HTTP request for the destination. Secret setting values are redacted from its repr
    and from ``to_dict()`` unless ``reveal_secrets=True``."""

    subscription: str
    action: str
    method: str
    url: str
    headers: dict[str, str]
    query: dict[str, str]
    body: str | None
    encoding: str
    payload: dict[str, Any]
    secrets: tuple[str, ...] = attrs.field(default=(), eq=False)
    kind: ClassVar[Literal["request"]] = "request"

    def to_dict(self, *, reveal_secrets: bool = False, payload: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "kind": self.kind,
            "subscription": self.subscription,
            "action": self.action,
            "method": self.method,
            "url": self.url,
            "headers": dict(self.headers),
            "query": dict(self.query),
            "body": self.body,
        }
        if payload:
            data["payload"] = self.payload
        return data if reveal_secrets else _redact(data, self.secrets)

    def __repr__(self) -> str:
        shown = self.to_dict()
        return (
            f"Request(subscription={shown['subscription']!r}, action={shown['action']!r}, "
            f"method={shown['method']!r}, url={shown['url']!r}, body={shown['body']!r})"
        )


@attrs.frozen
class Filtered:
    """No enabled subscription matched, or a destination filter dropped the event."""

    reason: str
    filter: str | None = None
    kind: ClassVar[Literal["filtered"]] = "filtered"
    subscription: ClassVar[None] = None
    """No subscription: a filtered event matched none, or a destination filter dropped it."""

    def to_dict(self, **_: Any) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind, "reason": self.reason}
        if self.filter is not None:
            data["filter"] = self.filter
        return data


@attrs.frozen
class Skipped:
    """The event cannot be sent (with the reason): a subscription's skip rule, or (with no
    subscription) the event's ``integrations`` object turning this destination off."""

    subscription: str | None
    action: str | None
    reason: str
    kind: ClassVar[Literal["skipped"]] = "skipped"

    def to_dict(self, **_: Any) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "subscription": self.subscription,
            "action": self.action,
            "reason": self.reason,
        }


@attrs.frozen
class Failed:
    """The event, or the payload made from it, is invalid: every problem with its path."""

    problems: tuple[Problem, ...]
    subscription: str | None = None
    action: str | None = None
    kind: ClassVar[Literal["failed"]] = "failed"

    @property
    def reason(self) -> str:
        return "; ".join(f"{p.path}: {p.message}" for p in self.problems)

    def to_dict(self, **_: Any) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind}
        if self.subscription is not None:
            data["subscription"] = self.subscription
            data["action"] = self.action
        data["problems"] = [p.to_dict() for p in self.problems]
        return data


Outcome = Request | Filtered | Skipped | Failed


def problem(path: tuple[Any, ...], message: str, root: str = "$") -> Problem:
    text = format_path(path)
    return Problem(root + text[1:] if root != "$" else text, message)


@attrs.frozen
class EventResult:
    """One input event and its outcomes, for streams."""

    index: int
    event: Any
    outcomes: tuple[Outcome, ...]

    @property
    def status(self) -> str:
        """``delivered`` (at least one request), else ``failed``, ``skipped`` or ``filtered``."""
        return status_of(self.outcomes)


def status_of(outcomes: Iterable[Outcome]) -> str:
    kinds = {o.kind for o in outcomes}
    if "request" in kinds:
        return "delivered"
    for kind in ("failed", "skipped"):
        if kind in kinds:
            return kind
    return "filtered"
