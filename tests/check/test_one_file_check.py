"""`tidings check FILE` (what pre-commit runs) reports exactly what the full check reports
about that file: every finding on it, its ledger file, the calendars and the shared brand
files, and every finding on another file that involves it (a cadence clash, seen from the
named post). Some rules run on the named posts alone to save time (``NAMED_ONLY``); this
holds them to the full check's result, over every fixture case and the example brand, for
every post, reply and idea, with and without the per-file cache."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tidings.check.runner import (
    CheckResult,
    _apply_overrides,
    _involving,
    _is_content,
    check_workspace,
)
from tidings.diagnostics import Diagnostic
from tidings.workspace import lengthcache

FIXTURES = Path(__file__).parents[1] / "fixtures"
REPO = Path(__file__).resolve().parents[2]
CASES = [f"{kind}/{p.name}" for kind in ("invalid", "valid") for p in (FIXTURES / kind).iterdir()]
# Before the fixtures' and the example's first posts: empty slots and late posts are found.
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=ZoneInfo("Europe/Berlin"))


def _content(root: Path) -> list[str]:
    return sorted(
        rel
        for p in (root / "content").rglob("*.md")
        if _is_content(rel := p.relative_to(root).as_posix())
    )


def _expected(full: CheckResult, rel: str) -> list[Diagnostic]:
    """What the full check ``full`` found involving ``rel``, as a check of ``rel`` reports it."""
    involving = _apply_overrides(full.workspace, _involving(full.diagnostics, {rel}))
    return sorted(involving, key=Diagnostic.sort_key)


def _assert_same(root: Path, files: list[str]) -> int:
    """Every one-file check equals the full check's findings involving that file; returns
    how many findings the one-file checks reported in all."""
    found = 0
    for now, late in ((None, False), (NOW, False), (NOW, True)):
        shutil.rmtree(root / "build", ignore_errors=True)
        lengthcache.clear()
        full = check_workspace(root, (), now, (), late)  # no cache: the same for every file
        for rel in files:
            want = _expected(full, rel)
            for cache in (False, True, True):  # without, then cold, then warm
                got = check_workspace(root, (str(root / rel),), now, (), late, cache=cache)
                assert list(got.diagnostics) == want, (rel, now, late, cache)
            found += len(want)
    return found


@pytest.mark.parametrize("case", CASES)
def test_one_file_equals_the_full_check_involving_it(
    case: str, make_workspace: Callable[..., Path]
) -> None:
    root = make_workspace(FIXTURES / case)
    _assert_same(root, _content(root))


def test_one_file_on_the_example_brand(tmp_path: Path) -> None:
    root = tmp_path / "example"
    for name in ("brand", "content", "metrics"):
        shutil.copytree(REPO / name, root / name)
    shutil.copyfile(REPO / "tidings.yaml", root / "tidings.yaml")
    files = _content(root)
    assert len(files) > 20
    assert _assert_same(root, files) > 0


@pytest.mark.parametrize(
    ("case", "code"),
    [("cadence", "cadence.max-per-day"), ("quiet-hours", "cadence.min-gap")],
)
def test_cross_post_findings_are_among_those_compared(
    case: str, code: str, make_workspace: Callable[..., Path]
) -> None:
    """The comparison covers findings that involve more than the named file: a cadence
    clash is found by a check of each post in it (on the later post, and from ``also`` on
    the earlier ones)."""
    root = make_workspace(FIXTURES / "invalid" / case)
    seen_on = {
        rel
        for rel in _content(root)
        for d in check_workspace(root, (str(root / rel),), NOW, (), True).diagnostics
        if d.code == code
    }
    assert len(seen_on) >= 2, seen_on
