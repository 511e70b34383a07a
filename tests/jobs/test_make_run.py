"""`make run` on a fresh clone (issue 16, item 16): the example passes its own check with no
warning, and the demo publishes what is due at DEMO_NOW to the outbox and the feed. A second
run sends nothing new and says why."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from builders.remotes import git

REPO = Path(__file__).resolve().parents[2]
VENV = Path(sys.prefix)


def _clone(tmp_path: Path) -> Path:
    """The working tree's example as a fresh clone has it: committed, no build/, no ledger."""
    root = tmp_path / "clone"
    for name in ("brand", "content", "metrics"):
        shutil.copytree(REPO / name, root / name)
    for name in ("Makefile", "tidings.yaml"):
        shutil.copyfile(REPO / name, root / name)
    git(root, "init", "--quiet", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "--quiet", "-m", "example")
    return root


def _make_run(root: Path) -> subprocess.CompletedProcess[str]:
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    tidings = VENV / "bin" / "tidings"
    return subprocess.run(  # -o: this test's .venv counts as installed, never rebuilt here
        [make, "--no-print-directory", "run", f"VENV={VENV}", "-o", str(tidings)],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def test_make_run_publishes_the_example_on_a_fresh_clone(tmp_path: Path) -> None:
    root = _clone(tmp_path)
    first = _make_run(root)
    out = first.stdout + first.stderr
    assert first.returncode == 0, out
    assert "0 errors, 0 warnings" in out and "same-text" not in out
    assert "Nothing was due" not in out
    # 13 dated posts on outbox and feed (2 expired before they were due), and the evergreen
    # portrait tips in the 6 free Tuesday and Friday slots of the --lateness 60d window
    assert "4 missed, 38 published" in out, out
    assert out.count("evergreen, slot") == 12, out
    demo = root / "build" / "demo"
    sent = sorted(
        p.relative_to(demo / "build/outbox").as_posix() for p in demo.glob("build/outbox/**/*.json")
    )
    assert "2026/12/christmas-eve-thank-you.json" in sent and len(sent) == 19, sent
    # each send of an evergreen post is its own file: the tip for the slot on Tue 27 Oct 09:00
    assert "evergreen/portrait-prep-bring-a-friend@20261027T0800Z.json" in sent, sent
    assert len([s for s in sent if s.startswith("evergreen/")]) == 6, sent
    feed = (demo / "build/feed/atom.xml").read_text(encoding="utf-8")
    assert feed.count("<entry>") == 19
    assert not (root / "ledger").exists()  # the checkout is untouched

    again = _make_run(root)
    out = again.stdout + again.stderr
    assert again.returncode == 0, out
    assert "left from an earlier run" in out and "make clean" in out
    assert "Nothing was due" in out
