"""The few git operations the publisher needs, run with the real ``git`` command.

``push`` is the heart of the write-ahead rule: it lands local ledger commits on the remote,
fetching and rebasing when someone else pushed first, a bounded number of times. When a
rebase conflicts (another run wrote the same ledger file) it gives up on the local commits
and tells the caller, who re-reads the remote's ledger and decides again; nothing is
published on a claim that did not land.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from tidings.errors import GitError
from tidings.workspace import layout

IDENTITY = {
    "GIT_AUTHOR_NAME": "tidings",
    "GIT_AUTHOR_EMAIL": "tidings@users.noreply.github.com",
    "GIT_COMMITTER_NAME": "tidings",
    "GIT_COMMITTER_EMAIL": "tidings@users.noreply.github.com",
}


@dataclass(frozen=True)
class PushResult:
    landed: bool
    conflict: bool = False
    message: str = ""


def run_git(
    args: Sequence[str],
    cwd: Path,
    *,
    check: bool = True,
    stdin: str | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """Run ``git``; a failure is a GitError naming the command and git's own words."""
    full = dict(os.environ)
    # a configured identity wins; CI runners have none, so commits are by "tidings"
    for key, value in IDENTITY.items():
        full.setdefault(key, value)
    full["GIT_TERMINAL_PROMPT"] = "0"
    full.setdefault("GIT_EDITOR", "true")
    full.update(env or {})
    try:
        proc = subprocess.run(
            ["git", *args],
            cwd=cwd,
            env=full,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except FileNotFoundError:
        raise GitError("git is not installed", "install git and run again") from None
    except subprocess.TimeoutExpired:
        raise GitError(
            f"git {args[0]} took more than {timeout:g} seconds", "check the remote"
        ) from None
    if check and proc.returncode != 0:
        raise GitError(
            f"git {' '.join(args[:2])} failed: {(proc.stderr or proc.stdout).strip()[:500]}",
            "run the same git command by hand to see what is wrong",
        )
    return proc


class Repo:
    def __init__(self, root: Path, remote: str = "origin") -> None:
        self.root = root
        self.remote = remote
        self._branch: str | None = None

    def git(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return run_git(args, self.root, check=check)

    def is_repo(self) -> bool:
        return self.git("rev-parse", "--git-dir", check=False).returncode == 0

    @property
    def branch(self) -> str:
        if self._branch is None:
            out = self.git("rev-parse", "--abbrev-ref", "HEAD").stdout.strip()
            if out == "HEAD":
                raise GitError(
                    "the checkout is on a detached HEAD; publishing needs a branch",
                    "check out the default branch (actions/checkout does this on push and schedule)",
                )
            self._branch = out
        return self._branch

    def dirty(self, paths: Sequence[str] = ()) -> list[str]:
        """Changed or untracked files (under ``paths`` if given)."""
        out = self.git("status", "--porcelain", "--untracked-files=all", "--", *paths).stdout
        return [line[3:] for line in out.splitlines() if line]

    def commit(self, paths: Sequence[str], message: str) -> bool:
        """Commit exactly ``paths``; False when there was nothing to commit."""
        if not paths:
            return False
        self.git("add", "--", *paths)
        if self.git("diff", "--cached", "--quiet", "--", *paths, check=False).returncode == 0:
            return False
        self.git("commit", "--quiet", "--no-verify", "-m", message, "--", *paths)
        return True

    def sync(self, own: str | None = None) -> str:
        """Bring the branch up to date with the remote before deciding anything. Local
        commits the remote lacks (a run that died before its push) are rebased onto it when
        they only touch files under ``own`` (the job's own records); any other local commit
        stops the run rather than be pushed by it. When the rebase conflicts (another writer
        changed the same records since: a run that took the job over, or a person), the
        remote's records win and the local commits are kept on a branch for a person; the
        return value says so ("" when nothing was set aside)."""
        self.git("fetch", "--quiet", self.remote, self.branch)
        if self.git("merge", "--ff-only", "--quiet", "FETCH_HEAD", check=False).returncode == 0:
            return ""
        ahead = self.git("log", "--format=", "--name-only", "FETCH_HEAD..HEAD").stdout.split()
        if own is None or not all(path.startswith(own + "/") for path in ahead):
            others = sorted({p for p in ahead if own is None or not p.startswith(own + "/")})
            raise GitError(
                "the checkout has local commits the remote does not have: " + ", ".join(others[:5]),
                "push or drop them by hand; a job only carries its own records",
            )
        if self.git("rebase", "--quiet", "FETCH_HEAD", check=False).returncode == 0:
            return ""
        self.git("rebase", "--abort", check=False)
        kept = "tidings-set-aside-" + self.git("rev-parse", "--short", "HEAD").stdout.strip()
        self.git("branch", "--force", kept, "HEAD")
        self.git("reset", "--hard", "--quiet", "FETCH_HEAD")
        return (
            f"local commits under {own}/ conflicted with the remote's (another writer took "
            f"the same jobs over): the remote's records were kept, the local ones are on "
            f"branch {kept} of this checkout for a person to compare"
        )

    def ahead(self) -> bool:
        """Whether the branch has commits the remote's (as last fetched) does not."""
        out = self.git("rev-list", "--count", f"{self.remote}/{self.branch}..HEAD", check=False)
        return out.returncode == 0 and out.stdout.strip() not in ("", "0")

    def clear_stale_lock(self, older_than: float, now: float) -> bool:
        """Remove the index lock a killed git command left behind, if it is older than
        ``older_than`` seconds at ``now``; True when there was one."""
        rel = self.git("rev-parse", "--git-path", "index.lock").stdout.strip()
        lock = self.root / rel
        try:
            if now - lock.stat().st_mtime < older_than:
                return False
            lock.unlink()
        except FileNotFoundError:
            return False
        return True

    def push(self, tries: int = 5) -> PushResult:
        """Push the branch, rebasing local commits onto the remote when it moved."""
        last = ""
        for _ in range(tries):
            proc = self.git("push", "--quiet", self.remote, f"HEAD:{self.branch}", check=False)
            if proc.returncode == 0:
                return PushResult(True)
            last = (proc.stderr or proc.stdout).strip()
            fetch = self.git("fetch", "--quiet", self.remote, self.branch, check=False)
            if fetch.returncode != 0:
                last = (fetch.stderr or fetch.stdout).strip()
                continue
            rebase = self.git("rebase", "--quiet", "FETCH_HEAD", check=False)
            if rebase.returncode != 0:
                self.git("rebase", "--abort", check=False)
                return PushResult(False, conflict=True, message="another run changed the same file")
        return PushResult(False, message=last[:500])

    def reset_to_remote(self) -> None:
        """Drop local commits and take the remote's branch (after a conflicting rebase)."""
        self.git("fetch", "--quiet", self.remote, self.branch)
        self.git("reset", "--hard", "--quiet", "FETCH_HEAD")


def post_renames(
    root: Path, rev: str = "HEAD", *, strict: bool = False
) -> tuple[tuple[str, str], ...]:
    """Every rename of a post file in the history of ``rev``: ``(old id, new id)``, oldest
    first, as git's rename detection sees each commit (``git log -M --diff-filter=R``).

    This is what ``core.plan.renames`` decides from. Outside a git repository (or before the
    first commit) there is no history and so no rename. A shallow checkout lacks the history:
    with ``strict`` (the publisher) that is an error, since a renamed published post would be
    taken for a new one and sent again; otherwise only the history present is used.
    """
    probe = run_git(["rev-parse", "--is-shallow-repository"], root, check=False)
    if probe.returncode != 0:
        return ()
    if strict and probe.stdout.strip() == "true":
        raise GitError(
            "the checkout is shallow, so renamed posts cannot be told from new ones",
            "check out the whole history (actions/checkout with fetch-depth: 0)",
        )
    if run_git(["rev-parse", "--verify", "--quiet", rev], root, check=False).returncode != 0:
        return ()
    out = run_git(
        [
            "log",
            "--reverse",
            "-M",
            "--diff-filter=R",
            "--name-status",
            "-z",
            "--relative",
            "--format=",
            rev,
            "--",
            layout.POSTS,
            layout.REPLIES,
        ],
        root,
    ).stdout
    fields = out.split("\0")
    pairs: list[tuple[str, str]] = []
    i = 0
    while i < len(fields):
        status = fields[i].strip("\n")
        if status.startswith("R") and status[1:].isdigit() and i + 2 < len(fields):
            old, new = fields[i + 1], fields[i + 2]
            if _is_post(old) and _is_post(new):
                pairs.append((layout.post_id(old), layout.post_id(new)))
            i += 3
        else:
            i += 1
    return tuple(pairs)


def _is_post(path: str) -> bool:
    return layout.is_post_file(path)
