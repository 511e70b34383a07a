"""tidings.processes: work shared out among forked worker processes (the check's loading
and rules, the site's pages), results in the serial order."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import pickle
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tidings.processes import QUICK, Failed, ItemFailed, run_spans, spans

REPO = Path(__file__).resolve().parents[1]


def _python(script: str, *args: str) -> str:
    """What ``script`` prints, run in a fresh interpreter (workers are forked only from a
    process with one thread, and an earlier test in this one may have left one running)."""
    done = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_spans_cover_the_range_in_order_and_near_equal() -> None:
    assert spans(10, 3) == [(0, 4), (4, 7), (7, 10)]
    assert spans(2, 8) == [(0, 1), (1, 2)]
    assert spans(0, 4) == []


ORDER = """
import os, sys, time
from tidings.processes import run_spans

def task(a, b):
    time.sleep(0.002 * (b - a))  # each span takes a while: every process gets some
    return [(x, os.getpid()) for x in range(a, b)]

results, workers = run_spans(task, 1000, 3, "counting", here=sys.argv[1] == "here")
items = [x for part in results for x, _ in part]
pids = [pid for part in results for _, pid in part]
mine = [x for x, pid in zip(items, pids) if pid == os.getpid()]
print(workers, items == list(range(1000)), mine == list(range(len(mine))) and len(mine) > 0,
      len(set(pids) - {os.getpid()}) > 0)
"""


@pytest.mark.parametrize("here", ["here", "workers"])
def test_results_come_back_in_the_serial_order_whatever_the_processes(here: str) -> None:
    # made in order, by workers (and with "here" by this process too: the first items)
    assert _python(ORDER, here).split() == ["3", "True", str(here == "here"), "True"]


BEFORE = """
import os, sys, time
from tidings.processes import run_spans

calls = []
def task(a, b):
    time.sleep(0.001 * (b - a))
    return [(x, os.getpid()) for x in range(a, b)]

def before():
    calls.append(os.getpid())
    time.sleep(float(sys.argv[2]))  # busy with other work while the workers begin

results, workers = run_spans(task, 1000, int(sys.argv[1]), "counting", here=True, before=before)
items = [x for part in results for x, _ in part]
mine = sum(pid == os.getpid() for part in results for _, pid in part)
print(workers, items == list(range(1000)), calls == [os.getpid()], mine)
"""


@pytest.mark.parametrize("jobs", [1, 2])
def test_work_done_first_here_leaves_more_spans_to_the_workers(jobs: int) -> None:
    """``before`` runs once, in this process, in one process too; meanwhile the workers take
    spans from the back, so this one takes fewer (1 s of work shared: about half each
    without it; with 1.5 s of other work first, this process gets well under half, even if
    the worker is slow to start)."""
    workers, in_order, once, mine = _python(BEFORE, str(jobs), "1.5").split()
    assert (workers, in_order, once) == (str(jobs), "True", "True")
    if jobs == 1:
        assert mine == "1000"
    else:
        assert int(mine) < 400, mine  # an equal share would be 500


INTERRUPTED = """
import os, signal, sys, time
# as an interactive shell has it (a shell's background jobs, e.g. under nohup or CI, ignore it)
signal.signal(signal.SIGINT, signal.default_int_handler)
from tidings.processes import run_spans

signal.signal(signal.SIGALRM, lambda *_: os.killpg(os.getpgid(0), signal.SIGINT))
signal.setitimer(signal.ITIMER_REAL, 1.0)  # Ctrl-C in a second, to every process of the group
try:
    run_spans(lambda a, b: time.sleep(60), 16, 3, "sleeping", here=sys.argv[1] == "here")
except KeyboardInterrupt:
    print("interrupted")
    sys.exit(130)
print("not interrupted")
"""


@pytest.mark.parametrize("here", ["here", "workers"])
def test_ctrl_c_ends_every_worker_at_once_and_quietly(here: str) -> None:
    """Every worker at work (and those whose work is still queued) ends when Ctrl-C comes:
    the caller gets KeyboardInterrupt within seconds, not after the work, and no worker
    prints a traceback or outlives it."""
    run = subprocess.Popen(
        [sys.executable, "-c", INTERRUPTED, here],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, which the SIGINT goes to
    )
    try:
        out, err = run.communicate(timeout=30)  # the tasks would take minutes
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(run.pid, signal.SIGKILL)
    assert (run.returncode, out, err) == (130, "interrupted\n", "")
    with pytest.raises(ProcessLookupError):  # no worker left behind
        os.killpg(run.pid, 0)


def test_an_item_that_fails_comes_back_named() -> None:
    def task(a: int, b: int) -> int:
        if a <= 7 < b:
            raise ItemFailed("item-7", ValueError("no"))
        return b - a

    results, _ = run_spans(task, 20, 2, "counting", here=True)
    assert Failed("item-7", "ValueError: no") in results


def test_classes_pickled_quickly_are_made_by_their_constructor_alone() -> None:
    """quick_pickle sends a class as its constructor and its fields' values: right only
    while the constructor takes every field and does nothing else."""
    import tidings.workspace.loader  # noqa: F401 - registers the classes it and its model use

    assert {c.__name__ for c in QUICK} >= {"Post", "Variant", "LedgerEntry", "YamlDoc"}
    for cls in QUICK:
        assert all(f.init for f in dataclasses.fields(cls)), cls
        assert not hasattr(cls, "__post_init__"), cls


def test_loaded_posts_and_ledger_entries_come_back_whole_from_a_worker(
    make_workspace: Callable[..., Path],
) -> None:
    from tidings.workspace.loader import load_workspace

    root = make_workspace(REPO / "tests/fixtures/invalid/ledger-orphan")
    for name in ("content", "brand"):  # the example's posts, beside the fixture's ledger
        shutil.copytree(REPO / name, root / name, dirs_exist_ok=True)
    shutil.copyfile(REPO / "tidings.yaml", root / "tidings.yaml")
    ws, _ = load_workspace(root)
    posts, ledger = list(ws.posts.values()), list(ws.ledger.values())
    assert len(posts) > 40 and ledger
    back_posts, back_ledger = pickle.loads(pickle.dumps((posts, ledger)))
    assert back_posts == posts and back_ledger == ledger
    for before, after in zip(posts, back_posts, strict=True):  # fields equality leaves out
        assert after.source.doc == before.source.doc
        assert after.source.doc.origin == before.source.doc.origin
        assert after.source.pos("at") == before.source.pos("at")
        assert [v.source for v in after.variants.values()] == [
            v.source for v in before.variants.values()
        ]


DIES_HOLDING_THE_LOCK = """
import os, signal, time
from tidings import processes
from tidings.errors import WorkerStopped

parent = os.getpid()

def task(a, b):
    if os.getpid() != parent:  # a worker killed (the OOM killer) while it holds the lock
        processes.claims.lock.acquire()
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(0.01)
    return b - a

try:
    processes.run_spans(task, 100, 2, "counting", here=True)
except WorkerStopped as exc:
    print("stopped:", exc)
"""


def test_a_worker_killed_holding_the_claims_lock_is_a_clear_error_not_a_hang() -> None:
    said = _python(DIES_HOLDING_THE_LOCK)
    assert said.startswith("stopped:") and "counting" in said, said


NESTED = """
from tidings.processes import run_spans

def task(a, b):
    return list(range(a, b))

inner = []
results, _ = run_spans(
    task, 100, 2, "outer", here=True,
    before=lambda: inner.append(run_spans(task, 30, 2, "inner", here=True)[0]),
)
print([x for part in results for x in part] == list(range(100)),
      [x for part in inner[0] for x in part] == list(range(30)))
"""


def test_a_run_inside_another_leaves_the_outer_one_whole() -> None:
    """``before`` (or a task here) may itself share work out: the outer run's spans and
    their claims are put back when the inner one ends."""
    assert _python(NESTED).split() == ["True", "True"]


A_WORKER_DIES = """
import os, signal, time
from tidings import processes
from tidings.errors import WorkerStopped

parent = os.getpid()
done_here = []

def task(a, b):
    if os.getpid() != parent:
        os.kill(os.getpid(), signal.SIGKILL)  # the OOM killer, at the worker's first span
    time.sleep(0.05)
    done_here.append(a)
    return b - a

try:
    processes.run_spans(task, 64, 2, "counting", here=True)
except WorkerStopped:
    print("stopped after", len(done_here), "of 32 spans here")
"""


def test_a_worker_that_dies_is_reported_at_once_not_after_all_the_work() -> None:
    words = _python(A_WORKER_DIES).split()
    assert words[:2] == ["stopped", "after"], words
    assert int(words[2]) < 16, words  # not the workers' spans too, one after the other


MANY = """
import os
from tidings.processes import most_jobs, run_spans

results, workers = run_spans(lambda a, b: [os.getpid()] * (b - a), 200, 1000, "counting")
pids = {pid for part in results for pid in part}
print(workers, len(pids), most_jobs(), sum(len(part) for part in results))
"""


def test_a_thousand_jobs_asked_fork_no_more_than_the_limit() -> None:
    """``--jobs 1000`` must not fork a thousand copies of a process holding the workspace:
    at most 8 or the CPUs available, whichever is more."""
    workers, pids, limit, items = map(int, _python(MANY).split())
    assert limit == max(8, len(os.sched_getaffinity(0)))
    assert workers == limit and pids <= limit and items == 200
