"""Site work split over forked worker processes, results in the serial order.

A site build is many independent pages: each post page is built from the same loaded
workspace, and MkDocs renders each page through the theme on its own. :func:`in_spans` runs
``task(start, end)`` over consecutive spans of ``range(n)`` in ``jobs`` processes forked
from this one, so every worker starts with the workspace (and the theme, the navigation)
already in memory, shared copy-on-write, and nothing is pickled on the way in; the results
come back in span order, so what is built is the same, byte for byte, whatever ``jobs`` is.

Where ``fork`` does not exist (Windows, or macOS's default spawn semantics matter) or
``jobs`` is 1, the spans run here, one after the other, through the same code.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, TypeVar

from tidings.errors import SiteError, TidingsError

MAX_JOBS = 8
"""The default never forks more workers than this, however many CPUs there are."""

SPANS_PER_JOB = 4
"""Spans a worker gets, on average: small enough that one slow span does not leave the
other workers idle at the end, large enough that each span's result is one message."""

T = TypeVar("T")


def available_cpus() -> int:
    """The CPUs this process may run on (its affinity, which containers and ``taskset``
    narrow), else the machine's count."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def parallel_possible() -> bool:
    """Forking is possible and safe: this process runs one thread (a fork copies only the
    calling thread, and a lock another thread holds, as ``mkdocs serve``'s server may, would
    stay locked in the child forever)."""
    return can_fork() and threading.active_count() == 1


def default_jobs() -> int:
    """Workers a build uses when not told: one per available CPU, at most :data:`MAX_JOBS`,
    and 1 (no worker processes) where processes cannot be forked."""
    return min(available_cpus(), MAX_JOBS) if can_fork() else 1


class ItemFailed(Exception):
    """Raised by a task for the item it could not build: ``where`` names it (a file)."""

    def __init__(self, where: str, cause: BaseException) -> None:
        why = str(cause) if isinstance(cause, TidingsError) else f"{type(cause).__name__}: {cause}"
        super().__init__(where, why)
        self.where = where
        self.why = why


@dataclass(frozen=True)
class _Failed:
    where: str
    why: str


_TASK: Callable[[int, int], Any] | None = None  # set in the parent just before forking


def _run(span: tuple[int, int]) -> Any:
    """One span, in a worker (or here when serial): a failure comes back as a value, so
    the parent reports it by name and no traceback crosses the process boundary."""
    assert _TASK is not None
    try:
        return _TASK(*span)
    except ItemFailed as exc:
        return _Failed(exc.where, exc.why)


def spans(n: int, parts: int) -> list[tuple[int, int]]:
    """``range(n)`` cut into at most ``parts`` consecutive spans of near-equal length."""
    parts = max(1, min(parts, n))
    size, extra = divmod(n, parts)
    out, start = [], 0
    for i in range(parts):
        end = start + size + (1 if i < extra else 0)
        out.append((start, end))
        start = end
    return [s for s in out if s[0] < s[1]]


def in_spans(
    task: Callable[[int, int], T],
    n: int,
    jobs: int,
    what: str,
    doing: str = "building its page",
    per_job: int = SPANS_PER_JOB,
) -> tuple[Sequence[T], int]:
    """``[task(a, b) for (a, b) in spans of range(n)]``, in up to ``jobs`` forked workers,
    and how many processes ran them (1: this one). ``task`` raises :class:`ItemFailed` for an item it cannot build; that
    becomes a :class:`SiteError` naming the item, raised after every worker has stopped.
    ``what``: what the items are, for messages ("post pages"); ``doing``: what failed for
    an item ("building its page"); ``per_job``: spans a worker gets, on average (each
    span's result is a message to the parent)."""
    global _TASK
    if n == 0:
        return [], 1
    workers = min(jobs, n) if parallel_possible() else 1
    parts = spans(n, workers * per_job if workers > 1 else 1)
    previous, _TASK = _TASK, task
    try:
        if workers <= 1:
            results = [_run(span) for span in parts]
        else:
            gc.collect()
            gc.freeze()  # the workers' view of these objects stays shared, not copied
            try:
                with ProcessPoolExecutor(
                    max_workers=workers, mp_context=multiprocessing.get_context("fork")
                ) as pool:
                    results = list(pool.map(_run, parts))
            except BrokenProcessPool:
                raise SiteError(
                    f"a worker process building {what} stopped before it finished "
                    "(killed, or out of memory?)",
                    "build again with `--jobs 1` to build every page in one process",
                ) from None
            finally:
                gc.unfreeze()
    finally:
        _TASK = previous
    for result in results:
        if isinstance(result, _Failed):
            raise SiteError(f"{result.where}: {doing} failed ({result.why})")
    return results, max(1, workers)
