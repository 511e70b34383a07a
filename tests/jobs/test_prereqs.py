"""`make test` checks what it needs before it starts (issue 16, item 17): Chromium, Node.js
and npm, and a C++ compiler, each missing one named with how to install it; the README
lists them."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
NEEDED = ("Chromium", "Node.js", "npm", "C++ compiler", "pdftoppm")


def _bin_with(tmp: Path, *tools: str) -> Path:
    """A folder of links to ``tools`` only, to use as PATH."""
    folder = tmp / "bin"
    folder.mkdir()
    for tool in tools:
        found = shutil.which(tool)
        if found:
            (folder / tool).symlink_to(found)
    return folder


def _prereqs(path: Path, chromium: str) -> subprocess.CompletedProcess[str]:
    make = shutil.which("make")
    assert make
    env = {**os.environ, "PATH": str(path)}
    return subprocess.run(
        [make, "--no-print-directory", "prereqs", f"CHROMIUM={chromium}"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_readme_names_every_prerequisite() -> None:
    readme = (REPO / "README.md").read_text()
    quick = readme[readme.index("## Quickstart") : readme.index("## A tour")]
    for name in NEEDED:
        assert name in quick, name
    assert "make prereqs" in quick


def test_make_test_checks_prerequisites_first() -> None:
    makefile = (REPO / "Makefile").read_text()
    line = next(x for x in makefile.splitlines() if x.startswith("test:"))
    assert line.split(":", 1)[1].split()[0] == "prereqs"


def test_each_missing_tool_gets_one_clear_message(tmp_path: Path) -> None:
    if not shutil.which("make"):
        pytest.skip("make is not installed")
    path = _bin_with(tmp_path, "sh", "make")  # no node, npm, c++, pdftoppm here
    result = _prereqs(path, str(tmp_path / "no-chromium"))
    assert result.returncode != 0
    out = result.stdout + result.stderr
    for name in NEEDED:
        assert sum(line.startswith(f"missing: {name}") for line in out.splitlines()) == 1, out
    assert "apt-get install" in out
    assert "Traceback" not in out


def test_nothing_is_reported_when_everything_is_there(tmp_path: Path) -> None:
    tools = ("sh", "make", "node", "npm", "c++", "pdftoppm")
    if not all(shutil.which(t) for t in tools) or not Path("/usr/bin/chromium").exists():
        pytest.skip("this machine lacks a prerequisite")
    result = _prereqs(_bin_with(tmp_path, *tools), "/usr/bin/chromium")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "missing" not in result.stdout + result.stderr
