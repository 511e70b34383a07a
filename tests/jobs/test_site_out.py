"""`tidings site build --out DIR` never wipes a folder that is not a previous build.

MkDocs empties its output folder before it writes the site, so `--out content` would delete
every post. A build leaves a marker file in its folder; a non-empty folder without one is
refused, and so are the workspace itself and its source folders, marker or not.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from builders.posts import HELLO
from builders.workspaces import build_workspace

MARKER = ".tidings-site"


def site_build(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`tidings site build` run from the workspace root, as people run it."""
    return subprocess.run(
        [sys.executable, "-m", "tidings", "--root", str(root), "site", "build", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=root,
    )


def files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


@pytest.mark.parametrize("forged_marker", [False, True])
def test_out_content_is_refused_and_nothing_is_deleted(tmp_path: Path, forged_marker: bool) -> None:
    root = build_workspace(tmp_path / "ws")
    if forged_marker:  # a marker committed among the posts does not make `content` a build
        (root / "content" / MARKER).write_text("x\n")
    before = files(root)
    done = site_build(root, "--out", "content")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    message = done.stdout + done.stderr
    assert "content" in message and "--out" in message
    assert files(root) == before  # the posts are all still there, byte for byte
    assert (root / HELLO).is_file()


def test_a_non_empty_folder_that_is_not_a_build_is_refused(tmp_path: Path) -> None:
    root = build_workspace(tmp_path / "ws")
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "plan.txt").write_text("keep me\n")
    done = site_build(root, "--out", str(notes))
    assert done.returncode == 2, done.stdout + done.stderr
    message = done.stdout + done.stderr
    assert str(notes) in message and "not empty" in message and "previous" in message
    assert files(notes) == {"plan.txt": b"keep me\n"}


def test_the_workspace_root_is_refused_even_with_a_marker(tmp_path: Path) -> None:
    root = build_workspace(tmp_path / "ws")
    (root / MARKER).write_text("x\n")
    before = files(root)
    done = site_build(root, "--out", str(root))
    assert done.returncode == 2, done.stdout + done.stderr
    assert files(root) == before


def test_a_new_folder_builds_and_a_previous_build_is_rebuilt(tmp_path: Path) -> None:
    root = build_workspace(tmp_path / "ws")
    public = tmp_path / "public"
    first = site_build(root, "--out", str(public))
    assert first.returncode == 0, first.stdout + first.stderr
    assert (public / MARKER).is_file() and (public / "index.html").is_file()
    (public / "stale.html").write_text("old page\n")
    again = site_build(root, "--out", str(public))
    assert again.returncode == 0, again.stdout + again.stderr
    assert not (public / "stale.html").exists()  # a previous build is replaced, as before
    assert (public / MARKER).is_file()


def test_the_default_folder_from_before_markers_still_builds(tmp_path: Path) -> None:
    root = build_workspace(tmp_path / "ws")
    old = root / "build" / "site"
    old.mkdir(parents=True)
    (old / "index.html").write_text("<p>an older build, without a marker</p>\n")
    done = site_build(root)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (old / MARKER).is_file()
