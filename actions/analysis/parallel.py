"""Diff and profile a stream of JSON lines over several processes (``--jobs N``).

The parent reads the stream in blocks of :data:`CHUNK_BYTES`, cut after the last line ending of
each, and hands each chunk of whole lines, as bytes with the number of the lines before it, to
one of N worker processes. Each worker holds the configured destinations (given when it starts:
inherited where processes fork, pickled otherwise, which configures them again from their text)
and its own :class:`~actions.analysis.diff.Differ` (where processes fork, one prepared by the
parent before they start, so that a destination for the work both sides share is configured
once, not once per worker) or :class:`~actions.analysis.profile.Profiler`;
it reads the chunk's lines with the reader it is given (the one ``actions diff`` and ``profile``
read with, so a line reads exactly as it does in one process), runs them and sends back the
chunk's counts (a tally). The parent merges the tallies in the order of the chunks, so the
report is the one a single process gives: the same counts, the same examples in the same order.

Memory stays flat: at most :data:`IN_FLIGHT` chunks per worker are sent and not yet merged, each
at most :data:`CHUNK_BYTES` plus the reader's longest line (``max_line_bytes`` plus 4 bytes, and
one block of :data:`CHUNK_BYTES`: a longer line is dropped by the parent, counted as a line that
cannot be read, as the reader would); a tally holds at most one entry per line of its chunk.

A worker that stops (killed, out of memory, a crash) is an error, :class:`WorkerStopped`, not a
hang; every other per-event failure is an outcome, as in one process.
"""

from __future__ import annotations

import gc
import io
import multiprocessing
import os
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import IO, Any, Protocol

from actions.analysis.diff import Differ, DiffTally
from actions.analysis.profile import Profiler, Tally
from actions.engine.engine import ConfiguredDestination
from actions.errors import ActionsError

CHUNK_BYTES = 1 << 20
"""Bytes of lines a worker gets at a time (1 MiB: about 800 events of 1.3 kB)."""
IN_FLIGHT = 2
"""Chunks per worker sent and not yet merged: one running, one waiting."""
MAX_LINE_BYTES = 1 << 20
"""The longest line kept by default (what ``actions diff`` and ``profile`` read)."""
AUTO_BYTES = 8 << 20
"""The size of a file from which ``--jobs auto`` uses every core (8 MiB: about 6,000 events of
1.3 kB, a third of a second of work, against some 50 ms to start the workers)."""


class Line(Protocol):
    """What the reader gives for a line: its number and its event, or its error."""

    @property
    def number(self) -> int: ...
    @property
    def event(self) -> Any: ...
    @property
    def error(self) -> str | None: ...


Read = Callable[[IO[bytes]], Iterable[Line]]
"""Reads the lines of a stream of bytes, numbered from 1 (picklable, to reach the workers)."""


class WorkerStopped(ActionsError):
    """A worker process stopped before it sent back its counts."""


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def auto_jobs(source: str | None) -> int:
    """The jobs ``--jobs auto`` gives for a source: every core for a regular file of at least
    :data:`AUTO_BYTES`, else one (standard input, the sample events, a small file)."""
    if source in (None, "", "-"):
        return 1
    try:
        size = os.stat(source).st_size
    except OSError:
        return 1  # opening it gives the error
    return cores() if size >= AUTO_BYTES else 1


def diff_lines(
    old: ConfiguredDestination,
    new: ConfiguredDestination,
    handle: IO[bytes],
    read: Read,
    *,
    jobs: int = 1,
    max_line_bytes: int = MAX_LINE_BYTES,
) -> Differ:
    """A :class:`Differ` of ``old`` and ``new`` over the lines of ``handle`` read by ``read``
    (a line that cannot be read is counted as ``unreadable``), in ``jobs`` processes;
    ``max_line_bytes`` is at least the longest line ``read`` reads."""
    differ = Differ(old, new)
    if jobs <= 1:
        for line in read(handle):
            if line.error is not None:
                differ.unreadable += 1
            else:
                differ.add(line.number, line.event)
        return differ
    # Forked workers inherit a differ prepared here (its shared destination configured once,
    # not once per worker); spawned ones prepare their own.
    context = _context()
    prepared = None
    if context.get_start_method() == "fork":
        prepared = Differ(old, new)
        prepared.prepare()
    job = ("diff", old, new, prepared)
    for tally in _run(job, handle, read, jobs, max_line_bytes, context):
        assert isinstance(tally, DiffTally)
        differ.merge(tally)
    return differ


def profile_lines(
    configured: ConfiguredDestination,
    handle: IO[bytes],
    read: Read,
    *,
    jobs: int = 1,
    max_line_bytes: int = MAX_LINE_BYTES,
) -> Profiler:
    """A :class:`Profiler` of ``configured`` over the lines of ``handle`` read by ``read`` (a
    line that cannot be read is counted as ``unreadable``), in ``jobs`` processes;
    ``max_line_bytes`` is at least the longest line ``read`` reads."""
    profiler = Profiler(configured)
    if jobs <= 1:
        for line in read(handle):
            if line.error is not None:
                profiler.unreadable += 1
            else:
                profiler.add(line.event)
        return profiler
    for tally in _run(("profile", configured), handle, read, jobs, max_line_bytes, _context()):
        assert isinstance(tally, Tally)
        profiler.merge(tally)
    return profiler


# -- the parent ------------------------------------------------------------------------------


def chunks(handle: IO[bytes], limit: int, size: int) -> Iterator[tuple[int, bytes]]:
    """Runs of whole lines of ``handle``, each with the number of lines before it, of about
    ``size`` bytes; a line longer than ``limit`` + 4 bytes (over any reader's limit of
    ``limit``, a byte-order mark included) is not kept: it gives ``(number, b"")``, its number
    alone, for the parent to count as a line that cannot be read."""
    before = 0  # lines before ``rest``
    rest = b""
    while True:
        block = handle.read(size)
        if not block:
            break
        data = rest + block if rest else block
        cut = data.rfind(b"\n") + 1
        if cut:
            yield before, data[:cut]
            before += data.count(b"\n", 0, cut)
            data = data[cut:]
        if len(data) > limit + 4:  # a line too long to keep: drop it up to its end
            yield before, b""
            before += 1
            after = _drain(handle, size)
            while after is None:
                after = _drain(handle, size)
            data = after
        rest = data
    if rest:
        yield before, rest


def _drain(handle: IO[bytes], size: int) -> bytes | None:
    """What follows the end of the line being dropped in the next block (empty at the end of
    the stream), or None when the block has no line ending."""
    block = handle.read(size)
    if not block:
        return b""
    end = block.find(b"\n")
    return None if end < 0 else block[end + 1 :]


def _context() -> Any:
    """Fork on Linux when this process runs no other thread (a fork copies only the calling
    thread: a lock another one held would stay held), spawn otherwise (macOS's system
    libraries are not safe to fork either)."""
    if sys.platform.startswith("linux") and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _run(
    job: tuple[Any, ...], handle: IO[bytes], read: Read, jobs: int, limit: int, context: Any
) -> Iterator[DiffTally | Tally]:
    """The tallies of the chunks of ``handle``, in order, counted by ``jobs`` workers started
    in ``context``."""
    pool = ProcessPoolExecutor(
        max_workers=jobs, mp_context=context, initializer=_start, initargs=(job, read)
    )
    pending: deque[Future[DiffTally | Tally]] = deque()
    skipped = 0
    # Until the workers start (at the first chunk): forked ones would otherwise each copy every
    # page of this process's objects that their garbage collector walks (what the caller holds).
    # A caller that froze objects itself keeps them as it left them.
    frozen = gc.get_freeze_count() == 0
    if frozen:
        gc.freeze()
    try:
        for before, data in chunks(handle, limit, CHUNK_BYTES):
            if not data:
                skipped += 1
                continue
            pending.append(pool.submit(_work, before, data))
            if frozen:
                gc.unfreeze()
                frozen = False
            if len(pending) >= IN_FLIGHT * jobs:
                yield _result(pending.popleft())
        while pending:
            yield _result(pending.popleft())
    finally:
        if frozen:
            gc.unfreeze()
        pool.shutdown(wait=True, cancel_futures=True)
    if skipped:
        yield _unreadable(job[0], skipped)


def _result(future: Future[DiffTally | Tally]) -> DiffTally | Tally:
    try:
        return future.result()
    except BrokenProcessPool as exc:
        raise WorkerStopped(
            "a worker process stopped before it finished its lines (it was killed, ran out of "
            f"memory or crashed: {exc}); run again with --jobs 1 to use one process"
        ) from exc


def _unreadable(kind: str, count: int) -> DiffTally | Tally:
    if kind == "diff":
        return DiffTally(0, 0, count, {})
    tally = Tally()
    tally.unreadable = count
    return tally


# -- a worker --------------------------------------------------------------------------------


class _Worker:
    """A worker's differ or profiler, made once (a diff may configure a destination for the
    work both sides share), and its reader."""

    def __init__(self, job: tuple[Any, ...], read: Read) -> None:
        self.read = read
        if job[0] == "diff":
            self.owner: Differ | Profiler = job[3] or Differ(job[1], job[2])
            self.add: Callable[[int, Any], Any] = self.owner.add
        else:
            profiler = self.owner = Profiler(job[1], fold_every=1 << 62)  # never folds
            self.add = lambda _, event: profiler.add(event)

    def work(self, before: int, data: bytes) -> DiffTally | Tally:
        """The tally of one chunk: its lines numbered after the ``before`` lines of the stream
        before it. A chunk after the first is read after an empty line, so that its first
        line is not the stream's first (only that one may start with a byte-order mark)."""
        add, owner = self.add, self.owner
        if before:
            data, before = b"\n" + data, before - 1
        for line in self.read(io.BytesIO(data)):
            if line.error is not None:
                owner.unreadable += 1
            else:
                add(line.number + before, line.event)
        return owner.take()


_worker: _Worker | None = None


def _start(job: tuple[Any, ...], read: Read) -> None:
    global _worker
    _worker = _Worker(job, read)


def _work(before: int, data: bytes) -> DiffTally | Tally:
    assert _worker is not None
    return _worker.work(before, data)
