"""Batching: the requests of a batch action (one with a ``batch:`` block) are queued per
subscription and sent as one batch request when ``max_size`` are queued, or ``max_wait``
seconds after the first was queued, whichever comes first. Each request still gets its own
result (see ``AsyncSender.send_batch``: a partner's per-item statuses decide each)."""

from __future__ import annotations

import asyncio

from actions.delivery.result import DeliveryResult
from actions.delivery.sender import AsyncSender
from actions.engine.engine import ConfiguredDestination
from actions.engine.outcomes import Request

_Queued = tuple[Request, str | None, "asyncio.Future[DeliveryResult]"]


class _Group:
    __slots__ = ("queued", "timer")

    def __init__(self, timer: asyncio.TimerHandle) -> None:
        self.queued: list[_Queued] = []
        self.timer = timer


class Batcher:
    """``await batcher.send(request, key)`` from asyncio: a batch action's request waits for
    its batch (at most ``max_wait`` seconds, the ``delivery:`` block's by default) and is
    answered with its own result; any other request is sent alone by ``sender``.
    ``await flush()`` sends what is queued now (at the end of a stream); ``await aclose()``
    flushes and waits for every batch in flight."""

    def __init__(
        self,
        sender: AsyncSender,
        configured: ConfiguredDestination,
        max_wait: float | None = None,
    ) -> None:
        self.sender = sender
        self.configured = configured
        self.max_wait = sender.settings.max_wait if max_wait is None else max_wait
        if not self.max_wait >= 0:
            raise ValueError("max_wait must be 0 or more")
        self._groups: dict[str, _Group] = {}
        self._flights: set[asyncio.Task[None]] = set()

    def batches(self, request: Request) -> bool:
        """Whether ``request`` is of a batch action (and so waits for its batch)."""
        action = self.configured.destination.actions.get(request.action)
        return action is not None and action.batch is not None

    async def send(self, request: Request, key: str | None = None) -> DeliveryResult:
        action = self.configured.destination.actions.get(request.action)
        if action is None or action.batch is None:
            return await self.sender.send(request, key)
        loop = asyncio.get_running_loop()
        name = request.subscription
        group = self._groups.get(name)
        if group is None:
            group = self._groups[name] = _Group(loop.call_later(self.max_wait, self._flush, name))
        answered: asyncio.Future[DeliveryResult] = loop.create_future()
        group.queued.append((request, key, answered))
        if len(group.queued) >= action.batch.max_size:
            self._flush(name)
        return await answered

    def _flush(self, name: str) -> None:
        group = self._groups.pop(name, None)
        if group is None:
            return
        group.timer.cancel()
        flight = asyncio.get_running_loop().create_task(self._deliver(group.queued))
        self._flights.add(flight)
        flight.add_done_callback(self._flights.discard)

    async def _deliver(self, queued: list[_Queued]) -> None:
        first = queued[0][0]
        batch = self.configured.destination.actions[first.action].batch
        assert batch is not None
        try:
            results = await self.sender.send_batch(
                [r for r, _, _ in queued],
                [k for _, k, _ in queued],
                self.configured.batch_request,
                batch.items,
            )
        except BaseException as exc:  # handed to every request's caller
            for _, _, answered in queued:
                if not answered.done():
                    answered.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
            return
        for (_, _, answered), result in zip(queued, results, strict=True):
            if not answered.done():
                answered.set_result(result)

    async def flush(self) -> None:
        """Send every queued batch now (their callers get their results as they come)."""
        for name in list(self._groups):
            self._flush(name)

    async def aclose(self) -> None:
        await self.flush()
        while self._flights:
            await asyncio.gather(*self._flights, return_exceptions=True)
