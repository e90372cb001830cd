"""Both cores for CPU-bound work: forked worker processes, each given a share of the items.

Rendering is pure Python, so threads would take turns; processes do not. Forking (no spawn,
no pickled jobs) lets each worker start with the parent's memory as it is: the loaded site,
the compiled templates. Each worker sends back only its (small) results through a pipe. Small
jobs stay in the parent: a fork costs more than they take.
"""

from __future__ import annotations

import os
import pickle
import traceback
from collections.abc import Callable, Sequence
from typing import TypeVar

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


def fork_map(
    task: Callable[[list[T]], R], items: Sequence[T], workers: int | None = None
) -> list[R]:
    """`task` applied to shares of `items`, one share per process, results in share order.

    The parent runs the first share itself (so a progress display in it keeps moving). An
    exception in a worker is raised again in the parent, with the worker's traceback.
    """
    count = min(worker_count() if workers is None else workers, len(items) // MIN_ITEMS_PER_WORKER)
    if count <= 1 or not hasattr(os, "fork"):
        return [task(list(items))]
    parts = shares(items, count)
    children = [_fork(task, part) for part in parts[1:]]
    return [task(parts[0]), *_collect(children)]


def fork_map_beside(
    task: Callable[[list[T]], R], items: Sequence[T], beside: Callable[[], B]
) -> tuple[B, list[R]]:
    """`beside()` in this process while workers apply `task` to shares of `items` (one share
    per CPU: this process has its own work). Small jobs run one after the other here."""
    count = min(worker_count(), len(items) // MIN_ITEMS_PER_WORKER)
    if count < 1 or worker_count() < 2 or not hasattr(os, "fork"):
        result = beside()
        return result, [task(list(items))]
    children = [_fork(task, part) for part in shares(items, count)]
    result = beside()
    return result, _collect(children)


def _fork(task: Callable[[list[T]], R], part: list[T]) -> tuple[int, int]:
    """A worker applying `task` to `part`: (its pid, the read end of its pipe)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the worker
        os.close(read_end)
        _run_child(task, part, write_end)
    os.close(write_end)
    return pid, read_end


def _collect(children: list[tuple[int, int]]) -> list[R]:
    """The workers' results in their order; a failure in any is raised here."""
    results: list[R] = []
    failure: str | None = None
    for pid, read_end in children:
        with os.fdopen(read_end, "rb") as pipe:
            payload = pipe.read()
        os.waitpid(pid, 0)
        try:
            ok, value = pickle.loads(payload)
        except (pickle.UnpicklingError, EOFError, ValueError):
            ok, value = False, "a worker process ended without a result"
        if ok:
            results.append(value)
        else:
            failure = failure or str(value)
    if failure is not None:
        raise RuntimeError(f"a worker process failed:\n{failure}")
    return results


def _run_child(task: Callable[[list[T]], R], part: list[T], write_end: int) -> None:
    code = 0
    try:
        try:
            payload = pickle.dumps((True, task(part)), protocol=pickle.HIGHEST_PROTOCOL)
        except BaseException:
            payload = pickle.dumps((False, traceback.format_exc()))
            code = 1
        with os.fdopen(write_end, "wb") as pipe:
            pipe.write(payload)
    finally:
        # No atexit handlers, no flushing of the parent's buffers: os._exit, not sys.exit.
        os._exit(code)
