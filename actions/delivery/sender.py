"""Send requests to the partner as its pack says: limits, retries, timeouts, ledger. An
``AsyncSender`` for asyncio on aiohttp, and a synchronous, thread-safe ``Sender`` that runs one
on an event loop thread. aiohttp, not httpx: at concurrency 16 and 64 httpx's asynchronous
connection pool spends most of its time rescanning its connections (docs/performance.md)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiohttp

from actions.delivery.ledger import Ledger
from actions.delivery.limits import TokenBucket
from actions.delivery.policy import RETRY_AFTER_STATUSES, RetryPolicy, parse_retry_after
from actions.delivery.redaction import redact, secret_parts
from actions.delivery.result import EXCERPT_LIMIT, DeliveryResult, DeliveryStatus
from actions.destinations.batch import ItemResults
from actions.destinations.delivery import DeliverySettings
from actions.destinations.model import ITEM_RESULTS_LIMIT, Destination
from actions.engine.outcomes import Request
from actions.errors import ActionsError

BODY_LIMIT = 64 * 1024
"""The most of a response body read for the pack's ``body_contains`` rules (bytes)."""


def _endpoint_parts(endpoint: str | None) -> tuple[str, str] | None:
    if endpoint is None:
        return None
    parts = urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ActionsError(f"endpoint must be an http(s) URL with a host, not {endpoint!r}")
    return parts.scheme, parts.netloc


def _target(url: str, endpoint: tuple[str, str] | None) -> str:
    if endpoint is None:
        return url
    parts = urlsplit(url)
    return urlunsplit((endpoint[0], endpoint[1], parts.path, parts.query, parts.fragment))


class _Core:
    """What both senders share: settings, limits, policy, ledger, and judging each answer."""

    def __init__(
        self,
        destination: Destination,
        delivery: DeliverySettings | Mapping[str, Any] | None,
        endpoint: str | None,
        ledger: Ledger | None,
        policy: RetryPolicy | None,
    ) -> None:
        base = destination.delivery
        if isinstance(delivery, DeliverySettings):
            base = delivery
        elif delivery is not None:
            base = base.with_overrides(delivery)
        self.settings = base
        self.destination = destination
        self.endpoint = _endpoint_parts(endpoint)
        self.ledger = ledger
        self.bucket = TokenBucket(base.rate, base.burst)
        self.policy = policy or RetryPolicy(base.max_attempts, base.max_elapsed)
        self.deferred: Callable[[], None] | None = None
        """Called after an answer is recorded uncommitted (None: each record commits)."""

    def known(self, key: str | None) -> DeliveryResult | None:
        if key is None or self.ledger is None:
            return None
        found = self.ledger.answered(key)
        if found is None:
            return None
        status: DeliveryStatus = "dropped" if found[0] == "dropped" else "delivered"
        return DeliveryResult(
            status, 0, found[1], "answered in an earlier run (ledger)", 0.0, from_ledger=True
        )

    def arguments(
        self, request: Request
    ) -> tuple[str, str, dict[str, str] | None, dict[str, str], bytes | None]:
        """Method, URL, query, headers and body to send (the body encoded once)."""
        return (
            request.method,
            _target(request.url, self.endpoint),
            request.query or None,
            request.headers,
            None if request.body is None else request.body.encode("utf-8"),
        )

    def final(
        self,
        request: Request,
        key: str | None,
        status: DeliveryStatus,
        attempt: int,
        http_status: int | None,
        reason: str | None,
        started: float,
        body: str | None,
    ) -> DeliveryResult:
        if key is not None and self.ledger is not None and status != "dead-lettered":
            if self.deferred is None:
                self.ledger.record(key, status, http_status)
            else:
                self.ledger.record(key, status, http_status, commit=False)
                self.deferred()
        if status == "delivered":  # the common case: nothing to redact
            return DeliveryResult(status, attempt, http_status, None, time.monotonic() - started)
        parts = secret_parts(request)
        if reason is not None:
            reason = redact(reason, parts) or "(not shown: it may hold a secret)"
        return DeliveryResult(
            status,
            attempt,
            http_status,
            reason,
            time.monotonic() - started,
            None if body is None else redact(body[:EXCERPT_LIMIT], parts),
        )


class _Attempt:
    """The judgement of one try: a final result, or how long to wait before the next."""

    __slots__ = ("result", "wait")

    def __init__(self, result: DeliveryResult | None, wait: float = 0.0) -> None:
        self.result = result
        self.wait = wait


def _judge(
    core: _Core,
    request: Request,
    key: str | None,
    attempt: int,
    started: float,
    response: tuple[int, Mapping[str, str], str] | None,
    error: Exception | None,
) -> _Attempt:
    if response is not None:
        status, headers, body = response
        verdict = core.destination.classify_response(status, body)
        if verdict.kind == "success":
            return _Attempt(
                core.final(request, key, "delivered", attempt, status, None, started, body)
            )
        if verdict.kind == "drop":
            reason = verdict.reason or f"HTTP {status}"
            return _Attempt(
                core.final(request, key, "dropped", attempt, status, reason, started, body)
            )
        what = verdict.reason or f"HTTP {status}"
        what = f"HTTP {status}: {what}" if not what.startswith("HTTP") else what
        retry_after = None
        if status in RETRY_AFTER_STATUSES:
            retry_after = parse_retry_after(headers.get("retry-after"))
            if retry_after:  # the partner asks the whole destination to wait
                core.bucket.hold(retry_after)
        http_status: int | None = status
        last_body: str | None = body
    else:
        what = _describe(error)
        retry_after, http_status, last_body = None, None, None
        if not isinstance(error, _RETRYABLE_ERRORS):  # the request itself cannot be sent
            return _Attempt(
                core.final(request, key, "dead-lettered", attempt, None, what, started, None)
            )
    decision = core.policy.after_failure(attempt, time.monotonic() - started, retry_after, what)
    if decision.retry:
        return _Attempt(None, decision.wait)
    return _Attempt(
        core.final(
            request, key, "dead-lettered", attempt, http_status, decision.reason, started, last_body
        )
    )


def _describe(error: Exception | None) -> str:
    if isinstance(error, aiohttp.ConnectionTimeoutError):
        return "connect timeout"
    if isinstance(error, aiohttp.SocketTimeoutError):
        return "read timeout"
    if isinstance(error, TimeoutError):
        return "timeout"
    detail = (str(error) or type(error).__name__)[:200]
    if isinstance(error, _RETRYABLE_ERRORS):
        return f"connection error: {detail}"
    return f"cannot send the request ({type(error).__name__}): {detail}"


# Retried: the network or the partner failed (refused, reset, closed, timed out, an answer cut
# short or malformed). Not retried (dead-lettered at once): the request itself cannot be sent
# (an invalid URL or header, an unsupported scheme).
_RETRYABLE_ERRORS = (
    aiohttp.ClientConnectionError,
    aiohttp.ClientPayloadError,
    aiohttp.ClientResponseError,
    TimeoutError,
)


async def _read(
    answer: aiohttp.ClientResponse, limit: int = BODY_LIMIT
) -> tuple[int, Mapping[str, str], str]:
    """The status, headers and body (at most ``limit`` bytes read) of a streamed answer; an
    answer not read to its end closes its connection."""
    data = bytearray()
    while len(data) < limit:
        chunk = await answer.content.read(limit - len(data))
        if not chunk:
            break
        data += chunk
    if not answer.content.at_eof():
        answer.close()
    return answer.status, answer.headers, data.decode("utf-8", "replace")


def _as_item(
    core: _Core, request: Request, key: str | None, whole: DeliveryResult, started: float
) -> DeliveryResult:
    """An item's result when its batch was answered as a whole."""
    return core.final(
        request,
        key,
        whole.status,
        whole.attempts,
        whole.http_status,
        whole.reason,
        started,
        whole.response,
    )


class AsyncSender:
    """Deliver requests from asyncio: ``await send(request, key)``. Up to ``concurrency``
    sends run at once (more wait), under the destination's rate limit. Use it as an async
    context manager, or ``await aclose()``. ``key`` (see ``ledger.request_key``) makes the
    ledger skip what an earlier run had answered."""

    def __init__(
        self,
        destination: Destination | Any,
        delivery: DeliverySettings | Mapping[str, Any] | None = None,
        *,
        endpoint: str | None = None,
        ledger: Ledger | None = None,
        policy: RetryPolicy | None = None,
    ) -> None:
        target = getattr(destination, "destination", destination)
        self._core = _Core(target, delivery, endpoint, ledger, policy)
        self.settings = self._core.settings
        self._slots = asyncio.Semaphore(self.settings.concurrency)
        self._session: aiohttp.ClientSession | None = None  # made in the loop, on first use
        self._commit_due = False
        if ledger is not None:
            self._core.deferred = self._commit_soon

    def _commit_soon(self) -> None:
        """Commit the ledger once per pass of the event loop, not once per answer: a killed
        process loses at most the answers of one pass (no more than were in flight), which
        are sent again on restart."""
        if not self._commit_due:
            self._commit_due = True
            asyncio.get_running_loop().call_soon(self._commit)

    def _commit(self) -> None:
        self._commit_due = False
        if self._core.ledger is not None:
            self._core.ledger.flush()

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None:
            settings = self.settings
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=settings.concurrency, limit_per_host=0),
                timeout=aiohttp.ClientTimeout(
                    total=None,
                    connect=None,
                    sock_connect=settings.connect_timeout,
                    sock_read=settings.read_timeout,
                ),
                skip_auto_headers=("Content-Type",),  # only the pack's headers say what is sent
                auto_decompress=True,
            )
        return self._session

    async def _exchange(
        self, request: Request, limit: int = BODY_LIMIT
    ) -> tuple[tuple[int, Mapping[str, str], str] | None, Exception | None]:
        """One try: the answer (status, headers, body read up to ``limit``) or the error."""
        method, url, params, headers, content = self._core.arguments(request)
        try:
            async with self._open().request(
                method, url, params=params, headers=headers, data=content, allow_redirects=False
            ) as answer:
                return await _read(answer, limit), None
        except Exception as exc:  # judged by the caller: never raised out of send
            return None, exc

    async def send(self, request: Request, key: str | None = None) -> DeliveryResult:
        core = self._core
        known = core.known(key)
        if known is not None:
            return known
        async with self._slots:
            started = time.monotonic()
            attempt = 0
            while True:
                attempt += 1
                wait = core.bucket.reserve()
                if wait > 0:
                    await asyncio.sleep(wait)
                response, error = await self._exchange(request)
                judged = _judge(core, request, key, attempt, started, response, error)
                if judged.result is not None:
                    return judged.result
                await asyncio.sleep(judged.wait)

    async def send_batch(
        self,
        requests: Sequence[Request],
        keys: Sequence[str | None],
        build: Callable[[list[Request]], Request],
        items: ItemResults | None = None,
    ) -> list[DeliveryResult]:
        """Deliver ``requests`` (of one batch action) as batch requests that ``build`` makes
        (``ConfiguredDestination.batch_request``): one result each, in order, each recorded
        in the ledger under its key. When the partner answers a status per item (``items``),
        only the items it did not take are sent again, in a new batch of what is left; a
        whole-batch failure retries every item left. Retries follow the retry policy, counted
        per batch: an item's ``attempts`` is how many batches it was sent in."""
        core = self._core
        results: list[DeliveryResult | None] = [core.known(key) for key in keys]
        left = [i for i, found in enumerate(results) if found is None]
        limit = BODY_LIMIT if items is None else ITEM_RESULTS_LIMIT
        async with self._slots:
            started = time.monotonic()
            attempt = 0
            while left:
                attempt += 1
                wait = core.bucket.reserve()
                if wait > 0:
                    await asyncio.sleep(wait)
                try:
                    batch = build([requests[i] for i in left])
                except ActionsError as exc:  # the pack cannot make this batch: not retried
                    for i in left:
                        results[i] = core.final(
                            requests[i],
                            keys[i],
                            "dead-lettered",
                            attempt,
                            None,
                            f"cannot build the batch request: {exc}",
                            started,
                            None,
                        )
                    break
                response, error = await self._exchange(batch, limit)
                verdict = (
                    core.destination.classify_response(response[0], response[2])
                    if response is not None
                    else None
                )
                if verdict is None or verdict.kind != "success" or items is None:
                    # judged as a whole: its items are read one by one only on a success
                    whole = _judge(core, batch, None, attempt, started, response, error)
                    if whole.result is None:
                        await asyncio.sleep(whole.wait)
                        continue
                    for i in left:
                        results[i] = _as_item(core, requests[i], keys[i], whole.result, started)
                    break
                assert response is not None
                status, _, body = response
                again: list[int] = []
                why: dict[int, tuple[int, str, str]] = {}  # each item left: status, what, body
                for i, (item_status, message) in zip(
                    left, items.read(body, len(left)), strict=True
                ):
                    if item_status is None:
                        again.append(i)
                        why[i] = (status, f"HTTP {status}: {message}", body)
                        continue
                    judged = core.destination.classify_response(item_status, message)
                    reason = judged.reason or message or f"HTTP {item_status}"
                    if judged.kind == "success":
                        results[i] = core.final(
                            requests[i],
                            keys[i],
                            "delivered",
                            attempt,
                            item_status,
                            None,
                            started,
                            None,
                        )
                    elif judged.kind == "drop":
                        results[i] = core.final(
                            requests[i],
                            keys[i],
                            "dropped",
                            attempt,
                            item_status,
                            reason,
                            started,
                            message,
                        )
                    else:
                        again.append(i)
                        why[i] = (item_status, f"item HTTP {item_status}: {reason}", message)
                left = again
                if not left:
                    break
                what = why[left[0]][1]
                decision = core.policy.after_failure(
                    attempt, time.monotonic() - started, None, what
                )
                if not decision.retry:
                    given_up = decision.reason[len(what) :]  # "; gave up after ..."
                    for i in left:
                        item_status, item_what, excerpt = why[i]
                        results[i] = core.final(
                            requests[i],
                            keys[i],
                            "dead-lettered",
                            attempt,
                            item_status,
                            item_what + given_up,
                            started,
                            excerpt,
                        )
                    break
                await asyncio.sleep(decision.wait)
        done = [r for r in results if r is not None]
        assert len(done) == len(requests)
        return done

    async def aclose(self) -> None:
        if self._core.ledger is not None:
            self._core.ledger.flush()
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> AsyncSender:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


class Sender:
    """Deliver requests synchronously: ``send(request, key)`` blocks until the request is
    delivered, dropped or given up. Thread-safe: up to ``concurrency`` threads send at once
    (more wait), and the rate limit holds across all of them. It runs an ``AsyncSender`` on an
    event loop in a thread of its own (one connection pool for every calling thread); close it
    (or use it as a context manager) to stop that thread."""

    def __init__(
        self,
        destination: Destination | Any,
        delivery: DeliverySettings | Mapping[str, Any] | None = None,
        *,
        endpoint: str | None = None,
        ledger: Ledger | None = None,
        policy: RetryPolicy | None = None,
    ) -> None:
        self._sender = AsyncSender(
            destination, delivery, endpoint=endpoint, ledger=ledger, policy=policy
        )
        self.settings = self._sender.settings
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="actions-sender", daemon=True
        )
        self._thread.start()

    def send(self, request: Request, key: str | None = None) -> DeliveryResult:
        if self._loop.is_closed():
            raise ActionsError("this sender is closed")
        running = asyncio.run_coroutine_threadsafe(self._sender.send(request, key), self._loop)
        return running.result()

    def close(self) -> None:
        if self._loop.is_closed():
            return
        asyncio.run_coroutine_threadsafe(self._sender.aclose(), self._loop).result()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()

    def __enter__(self) -> Sender:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
