"""A batch-capable action's ``batch:`` block: the batch request and how a partner's answer
gives a status per item. Imported when a pack with a batch is loaded (or a batch is sent)."""

from __future__ import annotations

import json
from typing import Any

import attrs

from actions._repr import attrs_repr
from actions.destinations.request import RequestSpec


@attrs.frozen
class ItemResults:
    """How a partner's answer to a batch request gives a status per item (a batch's
    ``items:`` block): the list of results at ``path`` (keys from the answer's top, ``()``:
    the answer is the list), each result an object whose ``status`` key holds the item's HTTP
    status code, its ``index`` key (when given) the item's position in the batch (else its
    position in the list), and its ``reason`` key (when given) the partner's message. Each
    status is classified by the destination's ``responses:`` rules, the message as the body."""

    __repr__ = attrs_repr

    path: tuple[str, ...]
    status: str = "status"
    index: str | None = None
    reason: str | None = None

    def read(self, body: str, count: int) -> list[tuple[int | None, str]]:
        """For each of ``count`` items sent, its status (None when the answer gives none) and
        the partner's message (or why no status could be read)."""
        try:
            found: Any = json.loads(body)
        except (ValueError, RecursionError):
            return [(None, "the answer's per-item results are not readable JSON")] * count
        for key in self.path:
            found = found.get(key) if isinstance(found, dict) else None
        if not isinstance(found, list):
            where = "$" + "".join(f".{k}" for k in self.path)
            return [(None, f"the answer has no list of per-item results at {where}")] * count
        read: list[tuple[int | None, str]] = [(None, "no status for the item in the answer")]
        read *= count
        for position, entry in enumerate(found[:count]):
            if not isinstance(entry, dict):
                continue
            index = entry.get(self.index, -1) if self.index is not None else position
            if type(index) is not int or not 0 <= index < count:
                continue
            status = entry.get(self.status)
            if isinstance(status, str) and len(status) == 3 and status.isascii():
                status = int(status) if status.isdigit() else None
            if type(status) is not int or not 100 <= status <= 599:
                continue
            message = entry.get(self.reason) if self.reason is not None else None
            read[index] = (status, message[:200] if isinstance(message, str) else "")
        return read


@attrs.frozen
class BatchSpec:
    __repr__ = attrs_repr

    max_size: int
    request: RequestSpec
    items: ItemResults | None = None


__all__ = ["BatchSpec", "ItemResults"]
