"""tidings.processes: work shared out among forked worker processes (the check's loading
and rules, the site's pages), results in the serial order."""

from __future__ import annotations

import pytest

from tidings.processes import Failed, ItemFailed, run_spans, spans


def test_spans_cover_the_range_in_order_and_near_equal() -> None:
    assert spans(10, 3) == [(0, 4), (4, 7), (7, 10)]
    assert spans(2, 8) == [(0, 1), (1, 2)]
    assert spans(0, 4) == []


@pytest.mark.parametrize("here", [True, False])
def test_results_come_back_in_the_serial_order_whatever_the_processes(here: bool) -> None:
    results, workers = run_spans(lambda a, b: list(range(a, b)), 1000, 3, "counting", here=here)
    assert workers == 3
    assert [x for part in results for x in part] == list(range(1000))  # type: ignore[union-attr]


def test_an_item_that_fails_comes_back_named() -> None:
    def task(a: int, b: int) -> int:
        if a <= 7 < b:
            raise ItemFailed("item-7", ValueError("no"))
        return b - a

    results, _ = run_spans(task, 20, 2, "counting", here=True)
    assert Failed("item-7", "ValueError: no") in results
