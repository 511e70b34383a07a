"""Real git repositories for tests: a bare remote on disk and clones of it."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import yaml

ENV = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.com",
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(cwd: Path, *args: str) -> str:
    import os

    env = {**os.environ, **ENV}
    proc = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {proc.stderr}")
    return proc.stdout


def make_remote(workspace: Path, remote: Path) -> Path:
    """Commit ``workspace`` as main and make ``remote`` a bare repository holding it."""
    git(workspace, "init", "--quiet", "--initial-branch=main")
    git(workspace, "add", "-A")
    git(workspace, "commit", "--quiet", "-m", "initial content")
    git(workspace.parent, "clone", "--quiet", "--bare", str(workspace), str(remote))
    return remote


def clone(remote: Path, target: Path) -> Path:
    git(remote.parent, "clone", "--quiet", str(remote), str(target))
    return target


def remote_file(remote: Path, path: str) -> str | None:
    proc = subprocess.run(
        ["git", "--git-dir", str(remote), "show", f"main:{path}"], capture_output=True, text=True
    )
    return proc.stdout if proc.returncode == 0 else None


def remote_log(remote: Path) -> list[str]:
    return git(remote, "log", "--format=%s", "main").splitlines()


def ledger_record(remote: Path, channel: str, post: str = "2026/12/hello") -> dict[str, Any]:
    """``channel``'s record in ``post``'s ledger file as the remote's ``main`` holds it (the
    usual post by default); the test fails if the file is not there."""
    text = remote_file(remote, f"ledger/{post}.yaml")
    assert text is not None, f"the remote has no ledger/{post}.yaml"
    return dict(yaml.safe_load(text)["channels"][channel])
