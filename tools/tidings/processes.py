"""Work split over forked worker processes, results in the serial order.

Loading a large repository, checking its posts and building its site are many independent
items (files, posts, pages) worked on with the same shared state (the brand, the channels,
the loaded workspace, the theme). :func:`run_spans` runs ``task(start, end)`` over
consecutive spans of ``range(n)`` in processes forked from this one, so every worker starts
with that state already in memory, shared copy-on-write, and nothing is pickled on the way
in; the results come back in span order, so what is made is the same, byte for byte,
whatever the number of workers.

Where ``fork`` does not exist (Windows), another thread runs (a fork copies only the
calling thread), or ``jobs`` is 1, the spans run here, one after the other, through the same
code.
"""

from __future__ import annotations

import copyreg
import dataclasses
import gc
import operator
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from tidings.errors import TidingsError, WorkerStopped

MAX_JOBS = 8
"""The default never forks more workers than this, however many CPUs there are."""

SPANS_PER_JOB = 4
"""Spans a worker gets, on average: small enough that one slow span does not leave the
other workers idle at the end, large enough that each span's result is one message."""

CLAIMED_PER_JOB = 16
"""Spans a process, on average, where this process works too (``here``): each process
takes the next one free, so the finer they are, the closer all end together."""

T = TypeVar("T")


C = TypeVar("C", bound=type)


def quick_pickle(cls: C) -> C:
    """Pickle the slotted, frozen dataclass ``cls`` as its constructor and its fields'
    values, for the objects workers send back by the thousand (posts, ledger entries):
    ``dataclasses`` pickles a slotted class through ``fields()`` on every object, most of
    the time it takes to send a post back (5,000 posts: 0.23 s to pickle, 0.19 s to
    unpickle). Only for classes whose ``__init__`` takes every field and does nothing else
    (no ``__post_init__``, no ``init=False``): a test holds every decorated class to it."""
    names = tuple(f.name for f in dataclasses.fields(cls))
    get = operator.attrgetter(*names)
    if len(names) == 1:
        copyreg.pickle(cls, lambda obj: (cls, (get(obj),)))
    else:
        copyreg.pickle(cls, lambda obj: (cls, get(obj)))
    QUICK.append(cls)
    return cls


QUICK: list[type] = []
"""The classes :func:`quick_pickle` was given (for the test that holds them to it)."""


def available_cpus() -> int:
    """The CPUs this process may run on (its affinity, which containers and ``taskset``
    narrow), else the machine's count."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def can_fork() -> bool:
    """Whether worker processes can be forked here (not on Windows). Asked of the
    platform, so that a command that forks nothing never imports multiprocessing (0.02 s
    of every pre-commit run)."""
    return hasattr(os, "fork") and sys.platform != "win32"


def parallel_possible() -> bool:
    """Forking is possible and safe: this process runs one thread (a fork copies only the
    calling thread, and a lock another thread holds, as ``mkdocs serve``'s server may, would
    stay locked in the child forever)."""
    return can_fork() and threading.active_count() == 1


def most_jobs() -> int:
    """The most processes any work is shared among, whatever ``--jobs`` asks: 8 or the CPUs
    available, whichever is more. The work is all CPU: more processes than CPUs only share
    them, and each is a fork of a process holding the whole workspace (``--jobs 1000``
    would otherwise fork a thousand)."""
    return max(MAX_JOBS, available_cpus())


def default_jobs() -> int:
    """Workers a command uses when not told: one per available CPU, at most
    :data:`MAX_JOBS`, and 1 (no worker processes) where processes cannot be forked."""
    return min(available_cpus(), MAX_JOBS) if can_fork() else 1


class ItemFailed(Exception):
    """Raised by a task for the item it could not make: ``where`` names it (a file)."""

    def __init__(self, where: str, cause: BaseException) -> None:
        why = str(cause) if isinstance(cause, TidingsError) else f"{type(cause).__name__}: {cause}"
        super().__init__(where, why)
        self.where = where
        self.why = why


@dataclass(frozen=True)
class Failed:
    """A span's result when its task raised :class:`ItemFailed`: the item and why."""

    where: str
    why: str


_TASK: Callable[[int, int], Any] | None = None  # set in the parent just before forking


def _run(span: tuple[int, int]) -> Any:
    """One span, in a worker (or here): a failure comes back as a value, so the caller
    reports it by name and no traceback crosses the process boundary."""
    assert _TASK is not None
    try:
        return _TASK(*span)
    except ItemFailed as exc:
        return Failed(exc.where, exc.why)


class _Claims:
    """The spans of a :func:`run_spans` with ``here``, and which are taken: ``cursor`` holds
    the first span not taken from the front (by this process) and the last not taken from
    the back (by the workers), in memory shared with the workers, under ``lock``."""

    def __init__(self) -> None:
        self.lock: Any = None
        self.cursor: Any = None
        self.parts: list[tuple[int, int]] = []

    def saved(self) -> tuple[Any, Any, list[tuple[int, int]]]:
        """What a nested :func:`run_spans` (one called by ``before`` or a task here) puts
        back when it ends."""
        return self.lock, self.cursor, self.parts

    def restore(self, state: tuple[Any, Any, list[tuple[int, int]]]) -> None:
        self.lock, self.cursor, self.parts = state

    def next(self, *, front: bool, gone: Callable[[], bool] = lambda: False) -> int | None:
        """The index of the next span free at the front (or the back), now taken; None when
        every span is. ``gone``: whether a worker died, asked while the lock stays taken (a
        worker killed while holding it would otherwise leave this process waiting forever)."""
        while not self.lock.acquire(timeout=1.0):
            if gone():
                raise _WorkerGone
        try:
            first, last = self.cursor
            if first > last:
                return None
            if front:
                self.cursor[0] = first + 1
                return int(first)
            self.cursor[1] = last - 1
            return int(last)
        finally:
            self.lock.release()


class _WorkerGone(Exception):
    """A worker died holding the claims' lock."""


claims = _Claims()


def _claim_from_back() -> list[tuple[int, Any]]:
    """In a worker: the spans it takes from the back until none is left, each with its
    index."""
    done = []
    while (index := claims.next(front=False)) is not None:
        done.append((index, _run(claims.parts[index])))
    return done


def _deaf_to_ctrl_c() -> None:
    """In each worker, first: Ctrl-C (SIGINT, which a terminal sends to every process of the
    command) is left to the process that forked it, which stops the workers itself; a
    worker waiting for work would otherwise die printing a traceback."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _stop(pool: Any, workers: set[Any]) -> None:
    """Stop ``pool`` at once: its ``workers`` are ended and waited for (so that nothing they
    write outlives this call), then the work not started is dropped and the pool's own
    thread, which sees its workers gone, is waited for too (left running, it could race the
    interpreter's exit and print an error)."""
    for worker in workers:
        worker.terminate()
    for worker in workers:
        worker.join()
    pool.shutdown(wait=True, cancel_futures=True)


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


def run_spans(
    task: Callable[[int, int], T],
    n: int,
    jobs: int,
    doing: str,
    *,
    per_job: int = SPANS_PER_JOB,
    here: bool = False,
    before: Callable[[], None] | None = None,
    collect: bool = True,
) -> tuple[Sequence[T | Failed], int]:
    """``[task(a, b) for (a, b) in spans of range(n)]``, in up to ``jobs`` processes, and
    how many ran them (1: this one alone). A span whose task raised :class:`ItemFailed` gives
    :class:`Failed`; a worker that died raises :class:`~tidings.errors.WorkerStopped`, after
    every other worker has stopped, saying what it was ``doing`` ("loading the posts").
    Where no worker can be made (no working semaphores, no process forked), the spans run
    here: the same results, in one process.

    ``per_job``: spans a worker gets, on average (each span's result is a message to this
    process). With ``here``, this process is one of the ``jobs``, and its own results are
    never pickled (for work whose results are large: loaded posts): the range is cut into
    :data:`CLAIMED_PER_JOB` spans a process, this one takes spans from the front while the
    ``jobs - 1`` forked workers take them from the back, each the next one free, until they
    meet; so this process's spans are always the first ones, in order, and a process that
    is slower or busy with other work (``before``) simply takes fewer. ``before``: work
    this process does first, while the workers have started on the spans (called once,
    here, in one process too).
    ``collect``: a full collection before forking (the workers then start with no garbage
    to copy); not needed while collection is off and little garbage was made."""
    global _TASK
    if n == 0:
        return [], 1
    workers = min(jobs, n, most_jobs()) if parallel_possible() else 1
    per = CLAIMED_PER_JOB if here else per_job
    parts = spans(n, workers * per if workers > 1 else 1)
    previous, _TASK = _TASK, task
    outer = claims.saved()
    first = [before] if before is not None else []

    def alone() -> tuple[list[T | Failed], int]:  # every span here, in order
        while first:
            first.pop()()
        return [_run(span) for span in parts], 1

    try:
        if workers <= 1:
            return alone()
        if collect:
            gc.collect()
        import multiprocessing  # only when forking (see can_fork)
        from concurrent.futures import ProcessPoolExecutor
        from concurrent.futures.process import BrokenProcessPool

        frozen = gc.get_freeze_count()
        gc.freeze()  # the workers' view of these objects stays shared, not copied
        started = set(multiprocessing.active_children())
        context = multiprocessing.get_context("fork")
        try:
            try:
                if here:
                    claims.lock, claims.cursor = context.Lock(), context.RawArray("q", 2)
                    claims.cursor[:], claims.parts = [0, len(parts) - 1], parts
                pool = ProcessPoolExecutor(
                    max_workers=workers - 1 if here else workers,
                    mp_context=context,
                    initializer=_deaf_to_ctrl_c,
                )
            except (OSError, ImportError, NotImplementedError):  # no working semaphores
                return alone()
            with pool:
                try:
                    # the workers are forked at the first submit, with Ctrl-C held back until
                    # each has made itself deaf to it (a pending one reaches this process here)
                    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
                    later: list[Any] | None
                    try:
                        if here:
                            later = [pool.submit(_claim_from_back) for _ in range(workers - 1)]
                        else:
                            later = [pool.submit(_run, span) for span in parts]
                    except OSError:  # no process could be forked (a process limit, memory)
                        later = None
                        _stop(pool, set(multiprocessing.active_children()) - started)
                    finally:
                        signal.pthread_sigmask(signal.SIG_SETMASK, held)
                    if later is None:  # the same work, in this process alone
                        return alone()
                    if not here:
                        return [f.result() for f in later], workers
                    while first:
                        first.pop()()
                    mine = []
                    running = later

                    def gone() -> bool:  # a worker's task failed, or the worker died
                        return any(f.done() and f.exception() for f in running)

                    while (index := claims.next(front=True, gone=gone)) is not None:
                        mine.append(_run(parts[index]))
                        if gone():  # a worker failed or died: its error, now, not at the end
                            break
                    theirs = sorted(
                        (pair for f in later for pair in f.result()), key=operator.itemgetter(0)
                    )
                    return [*mine, *(result for _, result in theirs)], workers
                except BaseException:  # Ctrl-C, or an error here: stop now, not after the work
                    _stop(pool, set(multiprocessing.active_children()) - started)
                    raise
        except (BrokenProcessPool, _WorkerGone):
            raise WorkerStopped(doing) from None
        finally:
            if not frozen:  # what was frozen before (a loaded workspace) stays so
                gc.unfreeze()
    finally:
        _TASK = previous
        claims.restore(outer)
