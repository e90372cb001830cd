"""Both cores for CPU-bound work: forked worker processes, each given a share of the items.

Rendering is pure Python, so threads would take turns; processes do not. Forking (no spawn,
no pickled jobs) lets each worker start with the parent's memory as it is: the loaded site,
the compiled templates. Each worker sends back only its (small) results through a pipe. Small
jobs stay in the parent: a fork costs more than they take.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import traceback
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")
B = TypeVar("B")
A = TypeVar("A")

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
    """`task` applied to chunks of `items` on every core, one result per chunk (in no set
    order: callers merge them).

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
    of one byte from a pipe is atomic, so each chunk goes to exactly one process."""
    chunks = shares(items, min(255, (children + 1) * CHUNKS_PER_PROCESS))
    queue, queue_in = os.pipe()
    os.write(queue_in, bytes(range(len(chunks))))
    os.close(queue_in)  # every chunk is queued: an empty queue reads as its end
    try:
        workers = [_fork(_take_chunks, (task, chunks, queue, yielding)) for _ in range(children)]
        try:
            result = first()
            mine = _take_chunks((task, chunks, queue, False))
        finally:
            done: list[tuple[int, R]] = _collect(workers)  # waited for even if this one failed
    finally:
        os.close(queue)
    return result, [value for _, value in sorted([*mine, *done], key=_chunk_number)]


def _take_chunks(
    job: tuple[Callable[[list[T]], R], list[list[T]], int, bool],
) -> list[tuple[int, R]]:
    """(chunk number, result) of each chunk this process took from the queue."""
    task, chunks, queue, yielding = job
    if yielding:
        with contextlib.suppress(OSError):
            os.nice(5)
    done: list[tuple[int, R]] = []
    while number := os.read(queue, 1):
        done.append((number[0], task(chunks[number[0]])))
    return done


def _chunk_number(done: tuple[int, object]) -> int:
    return done[0]


_Worker = tuple[int, int, bool]
"""A forked worker: its pid, the file it writes its result to, whether that is a file in
memory (else a pipe)."""


def _fork(task: Callable[[A], R], argument: A) -> _Worker:
    """A worker returning `task(argument)`."""
    try:
        # A file in memory: the worker writes its result at once, and this process reads it
        # in one copy (through a pipe, 40 MB of documents came 64 KB at a time: 75 ms).
        result = os.memfd_create("cmrsite-worker-result")
    except (AttributeError, OSError):  # not on Linux
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the worker
            os.close(read_end)
            _run_child(task, argument, write_end)
        os.close(write_end)
        return pid, read_end, False
    pid = os.fork()
    if pid == 0:
        _run_child(task, argument, result)
    return pid, result, True


def _collect(children: list[_Worker]) -> list[R]:
    """The workers' results, concatenated in their order; a failure in any is raised here."""
    results: list[R] = []
    failure: str | None = None
    for worker in children:
        payload = _result_of(*worker)
        try:
            ok, value = pickle.loads(payload)
        except (pickle.UnpicklingError, EOFError, ValueError):
            ok, value = False, "a worker process ended without a result"
        if ok:
            results.extend(value)
        else:
            failure = failure or str(value)
    if failure is not None:
        raise RuntimeError(f"a worker process failed:\n{failure}")
    return results


def _result_of(pid: int, result: int, in_memory: bool) -> bytes:
    """What the worker `pid` wrote, once it has ended."""
    if not in_memory:  # a pipe: read as the worker writes, to its end
        with os.fdopen(result, "rb") as pipe:
            payload = pipe.read()
        os.waitpid(pid, 0)
        return payload
    os.waitpid(pid, 0)
    try:
        size = os.fstat(result).st_size
        payload = os.pread(result, size, 0)  # all of it, in one copy
        while 0 < len(payload) < size:  # a short read
            more = os.pread(result, size - len(payload), len(payload))
            if not more:
                break
            payload += more
        return payload
    finally:
        os.close(result)


def _run_child(task: Callable[[A], R], argument: A, write_end: int) -> None:
    code = 0
    try:
        try:
            payload = pickle.dumps((True, task(argument)), protocol=pickle.HIGHEST_PROTOCOL)
        except BaseException:
            payload = pickle.dumps((False, traceback.format_exc()))
            code = 1
        with os.fdopen(write_end, "wb") as pipe:
            pipe.write(payload)
    finally:
        # No atexit handlers, no flushing of the parent's buffers: os._exit, not sys.exit.
        os._exit(code)
