"""What processing one event gives: a request, or a structured reason why not."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, ClassVar, Literal

import attrs

from actions._repr import attrs_repr
from actions.errors import format_path


@attrs.frozen
class Problem:
    """One thing wrong with an event or its payload: the field path and what is wrong."""

    __repr__ = attrs_repr

    path: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message}


SECRET_PLACEHOLDER = "***"
"""What stands in for each secret setting's value in everything shown (see docs/engine.md)."""

SECRET_NOTE = "the value comes from a secret setting and is not shown"
"""The message of a problem whose text depends on a secret setting's value."""


@attrs.frozen(repr=False, slots=False)
class Request:
    """An HTTP request for the destination.

    Its repr and ``to_dict()`` show the request as it is *shown*: the same request built from
    the same event with every secret setting's value replaced by ``***`` (so a value derived
    from a secret, however encoded, is never in it, and no other value is touched);
    ``to_dict(reveal_secrets=True)`` gives the request to send. The shown form is made on
    first use by ``redactor`` (``None`` when the destination has no secret set: the request is
    shown as it is)."""

    subscription: str
    action: str
    method: str
    url: str
    headers: dict[str, str]
    query: dict[str, str]
    body: str | None
    encoding: str
    payload: dict[str, Any]
    redactor: Callable[[Request], Request] | None = attrs.field(default=None, eq=False)
    """Builds the shown form of this request from its ``source`` and the shape of its
    payload; it never sees a secret's value."""
    source: Any = attrs.field(default=None, eq=False)
    """What the shown form is built from (the event; for a batch request, its requests)."""
    kind: ClassVar[Literal["request"]] = "request"

    @property
    def shown(self) -> Request:
        """The request as shown: built with ``***`` for every secret setting (itself when
        the destination has no secret set). Made once, on first use."""
        cached: Request | None = self.__dict__.get("_shown")
        if cached is None:
            if self.redactor is None:
                return self
            try:
                cached = self.redactor(self)
            except Exception:  # nothing that could be trusted to show: only the method
                cached = masked(self)
            object.__setattr__(self, "_shown", cached)
        return cached

    def __getstate__(self) -> dict[str, Any]:
        """Pickled with its shown form made, and without what makes it (a function of the
        configured destination, and the event)."""
        state = dict(self.__dict__)
        if self.redactor is not None:
            state["_shown"] = self.shown
        state["redactor"] = state["source"] = None
        return state

    def to_dict(self, *, reveal_secrets: bool = False, payload: bool = False) -> dict[str, Any]:
        this = self if reveal_secrets else self.shown
        data: dict[str, Any] = {
            "kind": this.kind,
            "subscription": this.subscription,
            "action": this.action,
            "method": this.method,
            "url": this.url,
            "headers": dict(this.headers),
            "query": dict(this.query),
            "body": this.body,
        }
        if payload:
            data["payload"] = this.payload
        return data

    def __repr__(self) -> str:
        shown = self.shown
        return (
            f"Request(subscription={shown.subscription!r}, action={shown.action!r}, "
            f"method={shown.method!r}, url={shown.url!r}, body={shown.body!r})"
        )


def masked(request: Request) -> Request:
    """A request shown with nothing but its method, subscription and action: every other part
    is ``***`` (when its shown form cannot be built)."""
    return Request(
        request.subscription,
        request.action,
        request.method,
        SECRET_PLACEHOLDER,
        dict.fromkeys(request.headers, SECRET_PLACEHOLDER),
        {SECRET_PLACEHOLDER: SECRET_PLACEHOLDER} if request.query else {},
        None if request.body is None else SECRET_PLACEHOLDER,
        request.encoding,
        {},
    )


@attrs.frozen
class Filtered:
    """No enabled subscription matched, or a destination filter dropped the event."""

    __repr__ = attrs_repr

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

    __repr__ = attrs_repr

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

    __repr__ = attrs_repr

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

    __repr__ = attrs_repr

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
