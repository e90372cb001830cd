"""Both cores for CPU-bound work: forked worker processes, taking chunks of the items in turn.

Rendering is pure Python, so threads would take turns; processes do not. Forking (no spawn,
no pickled jobs) lets each worker start with the parent's memory as it is: the loaded site,
the compiled templates. Each worker sends back only the results of its chunks, through a file
in memory. Small jobs stay in the parent: a fork costs more than they take.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import struct
import tempfile
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")
B = TypeVar("B")

MIN_ITEMS_PER_WORKER = 48
"""Below this many items per worker, running serially is faster than forking."""


def worker_count() -> int:
    """CPUs this process may use; `CMRSITE_JOBS` overrides (1 = never fork)."""
    configured = os.environ.get("CMRSITE_JOBS", "")
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def shares(items: Sequence[T], count: int) -> list[list[T]]:
    """`count` interleaved shares (items 0, n, 2n... go to the first): similar work in each."""
    return [list(items[start::count]) for start in range(count)]


CHUNKS_PER_PROCESS = 4
"""Work is cut into this many chunks per process, taken one at a time by whichever process
is free: a process slowed by another job on its core, or by heavier items, takes fewer."""


def fork_map(
    task: Callable[[list[T]], R], items: Sequence[T], workers: int | None = None
) -> list[R]:
    """`task` applied to chunks of `items` on every core: one result per chunk, in the order
    of the chunks (interleaved shares of `items`: callers merge them).

    This process works too (so a progress display in it keeps moving), on the chunks it takes;
    their results need no pickling. An exception in a worker is raised again here, with the
    worker's traceback.
    """
    count = min(worker_count() if workers is None else workers, len(items) // MIN_ITEMS_PER_WORKER)
    if count <= 1 or not hasattr(os, "fork"):
        return [task(list(items))]
    return _shared_work(task, items, count - 1, lambda: None)[1]


def fork_map_beside(
    task: Callable[[list[T]], R],
    items: Sequence[T],
    beside: Callable[[], B],
    children: int | None = None,
) -> tuple[B, list[R]]:
    """`beside()` in this process while `children` workers apply `task` to chunks of `items`;
    then this process takes the chunks left. By default one worker per CPU, for a `beside` as
    long as a worker's part; fewer for a short one, so that the CPUs are not shared by more
    processes than they can run. Small jobs run one after the other here."""
    cpus = worker_count()
    count = min(cpus if children is None else children, len(items) // MIN_ITEMS_PER_WORKER)
    if count < 1 or cpus < 2 or not hasattr(os, "fork"):
        result = beside()
        return result, [task(list(items))]
    return _shared_work(task, items, count, beside, yielding=count >= cpus)


def _shared_work(
    task: Callable[[list[T]], R],
    items: Sequence[T],
    children: int,
    first: Callable[[], B],
    yielding: bool = False,
) -> tuple[B, list[R]]:
    """`children` workers and this process (after `first()`) take chunks of `items` in turn
    from a queue, until none is left. `yielding` workers run at a lower priority: when they
    are as many as the CPUs, `first()` (parsing the records) is what all wait for, and it
    runs as fast as alone (at 10,000 editions, 0.7 s instead of 1.1 s).

    The queue is a pipe holding one byte per chunk, written before any worker starts: a read
    of one byte from a pipe is atomic, so each chunk goes to exactly one process. A worker
    sends each chunk's result as soon as it is done (see `_Outbox`), and this process reads
    them between its own chunks: when the queue is empty, little is left to read."""
    chunks = shares(items, min(255, (children + 1) * CHUNKS_PER_PROCESS))
    queue, queue_in = os.pipe()
    os.write(queue_in, bytes(range(len(chunks))))
    os.close(queue_in)  # every chunk is queued: an empty queue reads as its end
    done: dict[int, R] = {}
    inboxes: list[_Inbox] = []
    try:
        for _ in range(children):
            inboxes.append(_start_worker(task, chunks, queue, yielding))
        try:
            result = first()
            while number := os.read(queue, 1):
                done[number[0]] = task(chunks[number[0]])
                for inbox in inboxes:
                    inbox.read(done)
        finally:
            failures = [failure for inbox in inboxes if (failure := inbox.finish(done))]
    finally:
        os.close(queue)
    if failures:
        raise RuntimeError(f"a worker process failed:\n{failures[0]}")
    if len(done) != len(chunks):
        raise RuntimeError("a worker process ended without a result")
    return result, [done[number] for number in range(len(chunks))]


_NOTICE = struct.Struct("<QQ")
"""Where a result starts in its worker's file, and its size: what a worker writes to its
notice pipe once the result is in the file (a write this small to a pipe is atomic)."""


class _Outbox:
    """Where a worker writes each chunk's result (pickled): a file in memory (or on disk
    where there is none), one result after the other, each announced on a pipe once it is
    whole."""

    def __init__(self, file: int, notices: int) -> None:
        self.file, self.notices = file, notices
        self.end = 0

    def send(self, record: object) -> None:
        data = pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL)
        _write_all(self.file, data, self.end)
        os.write(self.notices, _NOTICE.pack(self.end, len(data)))
        self.end += len(data)


class _Inbox:
    """The parent's side of a worker's `_Outbox`."""

    def __init__(self, pid: int, file: int, notices: int) -> None:
        self.pid, self.file, self.notices = pid, file, notices
        self.unread = b""
        """Part of a notice read from the pipe, the rest still to come."""
        self.failure: str | None = None

    def read(self, done: dict[int, Any], wait: bool = False) -> None:
        """Every result announced since the last read, into `done` by chunk number; with
        `wait`, until the worker has closed its pipe (it has ended)."""
        os.set_blocking(self.notices, wait)
        while True:
            try:
                news = os.read(self.notices, 64 * _NOTICE.size)
            except BlockingIOError:
                return
            if not news:
                return
            news = self.unread + news
            whole = len(news) - len(news) % _NOTICE.size
            self.unread = news[whole:]
            for start, size in _NOTICE.iter_unpack(news[:whole]):
                number, ok, value = pickle.loads(_read_all(self.file, size, start))
                if ok:
                    done[number] = value
                else:
                    self.failure = self.failure or str(value)

    def finish(self, done: dict[int, Any]) -> str | None:
        """Read the rest until the worker ends, then wait for it; its failure, if any."""
        try:
            self.read(done, wait=True)
            os.waitpid(self.pid, 0)
        finally:
            os.close(self.file)
            os.close(self.notices)
        return self.failure


def _start_worker(
    task: Callable[[list[T]], R], chunks: list[list[T]], queue: int, yielding: bool
) -> _Inbox:
    """A worker process taking chunks from `queue` until it is empty."""
    file = _result_file()
    notices, notices_in = os.pipe()
    pid = os.fork()
    if pid == 0:  # the worker
        code = 0
        try:
            os.close(notices)
            if yielding:
                with contextlib.suppress(OSError):
                    os.nice(5)
            outbox = _Outbox(file, notices_in)
            while number := os.read(queue, 1):
                try:
                    outbox.send((number[0], True, task(chunks[number[0]])))
                except BaseException:
                    import traceback  # loaded only by a failure

                    outbox.send((number[0], False, traceback.format_exc()))
                    code = 1
                    break
        finally:
            # No atexit handlers, no flushing of the parent's buffers: os._exit, not sys.exit.
            os._exit(code)
    os.close(notices_in)  # the pipe then ends when the worker does
    return _Inbox(pid, file, notices)


def _result_file() -> int:
    """A file for a worker's results: in memory where the system has them (Linux)."""
    with contextlib.suppress(AttributeError, OSError):
        return os.memfd_create("cmrsite-worker-results")
    with tempfile.TemporaryFile() as file:
        return os.dup(file.fileno())  # the file lives on (unnamed) while this stays open


def _write_all(file: int, data: bytes, offset: int) -> None:
    view = memoryview(data)
    while view:
        written = os.pwrite(file, view, offset)
        view, offset = view[written:], offset + written


def _read_all(file: int, size: int, offset: int) -> bytes:
    data = os.pread(file, size, offset)  # all of it, in one copy
    while len(data) < size:  # a short read
        more = os.pread(file, size - len(data), offset + len(data))
        if not more:
            raise EOFError("a worker's result was cut short")
        data += more
    return data
