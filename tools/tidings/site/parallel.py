"""Site work split over forked worker processes (see :mod:`tidings.processes`).

A site build is many independent pages: each post page is built from the same loaded
workspace, and MkDocs renders each page through the theme on its own. :func:`in_spans` runs
them in worker processes forked from this one, results in the serial order, so what is
built is the same, byte for byte, whatever ``jobs`` is; a page that fails or a worker that
dies becomes a :class:`SiteError` that names it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from tidings.errors import SiteError, WorkerStopped
from tidings.processes import (
    SPANS_PER_JOB,
    Failed,
    ItemFailed,
    default_jobs,
    parallel_possible,
    run_spans,
)

__all__ = ["ItemFailed", "default_jobs", "in_spans", "parallel_possible"]

T = TypeVar("T")


def in_spans(
    task: Callable[[int, int], T],
    n: int,
    jobs: int,
    what: str,
    doing: str = "building its page",
    per_job: int = SPANS_PER_JOB,
) -> tuple[Sequence[T], int]:
    """``[task(a, b) for (a, b) in spans of range(n)]``, in up to ``jobs`` forked workers,
    and how many processes ran them (1: this one). ``task`` raises :class:`ItemFailed` for an
    item it cannot build; that becomes a :class:`SiteError` naming the item, raised after
    every worker has stopped. ``what``: what the items are, for messages ("post pages");
    ``doing``: what failed for an item ("building its page"); ``per_job``: spans a worker
    gets, on average (each span's result is a message to the parent)."""
    try:
        results, workers = run_spans(task, n, jobs, f"building {what}", per_job=per_job)
    except WorkerStopped as stopped:
        raise SiteError(
            stopped.message, "build again with `--jobs 1` to build every page in one process"
        ) from None
    done: list[T] = []
    for result in results:
        if isinstance(result, Failed):
            raise SiteError(f"{result.where}: {doing} failed ({result.why})")
        done.append(result)
    return done, workers
