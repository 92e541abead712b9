"""The delivery ledger: an SQLite file of the requests the partner has answered for good
(acknowledged, or refused as the pack says to drop), keyed by an identity computed from the
input, so that a run started again over the same input sends none of them again."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS answered (
    key TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    http_status INTEGER,
    at REAL NOT NULL
) WITHOUT ROWID
"""


def request_key(
    destination: str, event: Any, subscription: str, index: int, occurrence: int = 0
) -> str:
    """A request's identity, the same in every run over the same input: the destination's
    slug, the event's ``messageId`` (or, without one, the whole event and how many identical
    events came before it, ``occurrence``), the subscription and the request's position among
    the requests that subscription made of the event (``index``: 0 but for batches). Not the
    URL or body: ``--endpoint`` and time-dependent values must not make an acknowledged request
    look new."""
    message_id = event.get("messageId") if isinstance(event, dict) else None
    identity: list[Any]
    if isinstance(message_id, str) and message_id:
        identity = ["m", message_id]
    else:
        identity = ["e", _canonical(event), occurrence]
    text = json.dumps([destination, *identity, subscription, index], ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def event_digest(event: Any) -> str:
    """A short digest of an event without ``messageId`` (to count identical events)."""
    return hashlib.sha256(_canonical(event).encode("utf-8", "surrogatepass")).hexdigest()


def _canonical(event: Any) -> str:
    return json.dumps(event, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


DEFERRED_LIMIT = 1024
"""The most answers left uncommitted by ``record(..., commit=False)``."""


class Ledger:
    """An SQLite file in WAL mode. ``record`` commits every ``group`` answers (1: each one).
    Durable against a killed process (``kill -9``) at any point: what was committed is there
    on restart; with ``group`` > 1, up to ``group - 1`` answers are not, and those requests are
    sent again. Thread-safe."""

    def __init__(self, path: str | Path, *, group: int = 1) -> None:
        self.path = Path(path)
        self.group = max(1, group)
        self._connection = sqlite3.connect(
            str(self.path), check_same_thread=False, isolation_level=None
        )
        self._connection.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode: a commit survives the process being killed (it is in the WAL
        # file); only a power loss can take the last commits back.
        self._connection.execute("PRAGMA synchronous=NORMAL")
        self._connection.execute(_SCHEMA)
        self._lock = threading.Lock()
        self._pending: dict[str, tuple[str, str, int | None, float]] = {}  # not yet written

    def answered(self, key: str) -> tuple[str, int | None] | None:
        """``(status, http_status)`` when an earlier answer is recorded for ``key``."""
        with self._lock:
            waiting = self._pending.get(key)
            if waiting is not None:
                return waiting[1], waiting[2]
            row = self._connection.execute(
                "SELECT status, http_status FROM answered WHERE key = ?", (key,)
            ).fetchone()
        return None if row is None else (str(row[0]), row[1])

    def record(
        self, key: str, status: str, http_status: int | None, *, commit: bool = True
    ) -> None:
        """Record ``key``'s answer. ``commit=False``: leave the commit to ``flush()`` (the
        asynchronous sender commits once per pass of its event loop), or to the answer that
        makes ``DEFERRED_LIMIT`` uncommitted."""
        with self._lock:
            self._pending[key] = (key, status, http_status, time.time())
            if len(self._pending) >= (self.group if commit else max(self.group, DEFERRED_LIMIT)):
                self._write()

    def _write(self) -> None:
        """Write and commit the pending answers in one transaction (under the lock)."""
        self._connection.execute("BEGIN")
        self._connection.executemany(
            "INSERT OR REPLACE INTO answered VALUES (?, ?, ?, ?)", self._pending.values()
        )
        self._connection.execute("COMMIT")
        self._pending.clear()

    def flush(self) -> None:
        with self._lock:
            if self._pending:
                self._write()

    def count(self) -> int:
        with self._lock:
            return int(self._connection.execute("SELECT count(*) FROM answered").fetchone()[0])

    def close(self) -> None:
        self.flush()
        with self._lock:
            self._connection.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
