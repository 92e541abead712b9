"""Per destination limits: a token bucket for the request rate (with a burst). Concurrency is a
semaphore in each sender."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class TokenBucket:
    """``rate`` tokens per second, ``burst`` at most in the bucket (which starts full).
    ``reserve()`` takes one token and says how long to wait before using it: tokens are
    reserved in order, so waiters never starve and the rate holds over any window
    (at most ``burst + rate * t`` requests in ``t`` seconds). ``rate`` 0: no limit.
    ``hold(seconds)`` pauses every request, whatever the rate.
    Thread-safe; usable from asyncio (the caller sleeps)."""

    def __init__(
        self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self.burst = max(1, burst)
        self._clock = clock
        self._tokens = float(self.burst)
        self._at = clock()
        self._until = 0.0
        self._lock = threading.Lock()

    def reserve(self) -> float:
        with self._lock:
            now = self._clock()
            held = max(0.0, self._until - now)
            if self.rate <= 0:
                return held
            self._tokens = min(float(self.burst), self._tokens + (now - self._at) * self.rate)
            self._at = now
            self._tokens -= 1.0
            return max(held, 0.0 if self._tokens >= 0 else -self._tokens / self.rate)

    def hold(self, seconds: float) -> None:
        """Start no request for ``seconds`` from now (a partner's ``Retry-After``)."""
        with self._lock:
            self._until = max(self._until, self._clock() + seconds)
