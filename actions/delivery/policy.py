"""When to try a request again: exponential backoff with full jitter, a maximum number of
attempts and of total time, and the partner's ``Retry-After`` on 429 and 503."""

from __future__ import annotations

import email.utils
import random
from datetime import UTC, datetime

import attrs

from actions._repr import attrs_repr

RETRY_AFTER_STATUSES = frozenset({429, 503})


@attrs.frozen
class Decision:
    """After a retryable failure: ``retry`` after ``wait`` seconds, or ``give-up`` (``reason``)."""

    __repr__ = attrs_repr

    retry: bool
    wait: float = 0.0
    reason: str = ""


@attrs.frozen
class RetryPolicy:
    """Attempt ``n`` (1-based) that failed waits a uniform random time in
    ``[0, min(cap, base * 2 ** (n - 1))]`` (full jitter), or the partner's ``Retry-After`` when
    it gives one; a request is given up after ``max_attempts`` tries, or when the next try would
    start after ``max_elapsed`` seconds from the first."""

    __repr__ = attrs_repr

    max_attempts: int
    max_elapsed: float
    base: float = 0.25
    cap: float = 30.0
    rng: random.Random = attrs.field(factory=random.Random, eq=False, repr=False)

    def backoff(self, attempt: int) -> float:
        ceiling = min(self.cap, self.base * 2.0 ** min(attempt - 1, 60))
        return self.rng.uniform(0.0, ceiling)

    def after_failure(
        self, attempt: int, elapsed: float, retry_after: float | None, what: str
    ) -> Decision:
        """``attempt`` tries made, ``elapsed`` seconds since the first, ``what`` failed."""
        if attempt >= self.max_attempts:
            return Decision(False, reason=f"{what}; gave up after {attempt} attempts")
        wait = retry_after if retry_after is not None else self.backoff(attempt)
        if elapsed + wait > self.max_elapsed:
            why = f"Retry-After {retry_after:g}s goes past" if retry_after is not None else "past"
            return Decision(
                False,
                reason=f"{what}; gave up after {attempt} attempts ({why} "
                f"max_elapsed {self.max_elapsed:g}s)",
            )
        return Decision(True, wait)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delay-seconds or an HTTP date), or None
    when it is absent or unreadable. A date in the past gives 0."""
    if value is None:
        return None
    text = value.strip()
    if text.isascii() and text.isdigit():  # delay-seconds: ASCII digits only ("²" is a digit)
        return float(min(int(text[:12]), 10**9))
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
