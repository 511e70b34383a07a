"""The hook in .pre-commit-hooks.yaml, run the way pre-commit runs it.

pre-commit itself would build an environment from PyPI (no network in tests), so this reads
the manifest and runs its `entry` on the files its `files` pattern selects, with the
installed console script, from the root of a content repository.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import yaml

REPO = Path(__file__).parents[2]


def _hook() -> dict[str, object]:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    (hook,) = [h for h in hooks if h["id"] == "tidings-check"]
    return dict(hook)


def _run_hook(root: Path, changed: list[str]) -> subprocess.CompletedProcess[str]:
    hook = _hook()
    pattern = re.compile(str(hook["files"]))
    files = [f for f in changed if pattern.search(f)]
    entry = shlex.split(str(hook["entry"]))
    exe = str(Path(sys.executable).parent / entry[0])
    return subprocess.run(
        [exe, *entry[1:], "--format", "json", *files],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )


def test_hook_selects_content_files_only() -> None:
    pattern = re.compile(str(_hook()["files"]))
    assert pattern.search("content/posts/2026/12/a.md")
    assert pattern.search("brand/channels.yaml")
    assert pattern.search("tidings.yaml")
    assert not pattern.search("tools/tidings/workspace/loader.py")
    assert not pattern.search("README.md")


def test_hook_fails_a_commit_with_a_broken_post(make_workspace: Callable[..., Path]) -> None:
    bad = "---\ntitle: x\nat: 2026-12-10 09:00\nchannels: [mastodn]\n---\nHi\n"
    root = make_workspace({"content/posts/2026/12/bad.md": bad})
    proc = _run_hook(root, ["content/posts/2026/12/bad.md", "README.md"])
    assert proc.returncode == 1
    assert [d["code"] for d in json.loads(proc.stdout)] == ["ref.channel"]


def test_hook_passes_a_good_commit(make_workspace: Callable[..., Path]) -> None:
    root = make_workspace()
    proc = _run_hook(root, ["content/posts/2026/12/hello.md", "content/media/dot.png"])
    assert (proc.returncode, json.loads(proc.stdout)) == (0, [])
