"""tidings.processes: work shared out among forked worker processes (the check's loading
and rules, the site's pages), results in the serial order."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tidings.processes import Failed, ItemFailed, run_spans, spans


def test_spans_cover_the_range_in_order_and_near_equal() -> None:
    assert spans(10, 3) == [(0, 4), (4, 7), (7, 10)]
    assert spans(2, 8) == [(0, 1), (1, 2)]
    assert spans(0, 4) == []


ORDER = """
import os, sys
from tidings.processes import run_spans
results, workers = run_spans(
    lambda a, b: [(x, os.getpid()) for x in range(a, b)], 1000, 3, "counting",
    here=sys.argv[1] == "here",
)
items = [x for part in results for x, _ in part]
pids = {pid for part in results for _, pid in part}
print(workers, items == list(range(1000)), os.getpid() in pids, len(pids - {os.getpid()}) > 0)
"""


@pytest.mark.parametrize("here", ["here", "workers"])
def test_results_come_back_in_the_serial_order_whatever_the_processes(here: str) -> None:
    """In a fresh interpreter: workers are forked only from a process with one thread, and
    an earlier test in this one may have left a thread running."""
    done = subprocess.run(
        [sys.executable, "-c", ORDER, here], capture_output=True, text=True, timeout=60, check=True
    )
    # made in order, by workers (and with "here" by this process too, its share first)
    assert done.stdout.split() == ["3", "True", str(here == "here"), "True"]


def test_an_item_that_fails_comes_back_named() -> None:
    def task(a: int, b: int) -> int:
        if a <= 7 < b:
            raise ItemFailed("item-7", ValueError("no"))
        return b - a

    results, _ = run_spans(task, 20, 2, "counting", here=True)
    assert Failed("item-7", "ValueError: no") in results
