"""`tidings site deploy` against a real bare remote: the site at the root of gh-pages keeps
the pull-request previews beside it, a preview goes into pr-N/ only, a closed pull request's
preview is removed, a lost race is rebuilt on the new tip, the checkout is never touched,
and a site holding a symbolic link is refused."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from builders.remotes import clone, git
from builders.workspaces import published

from tidings.errors import UsageError
from tidings.jobs.deploy import deploy

TIDINGS = str(Path(sys.executable).parent / "tidings")


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, Path]:
    return published(tmp_path)


def site(tmp_path: Path, name: str, files: dict[str, str]) -> Path:
    root = tmp_path / name
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def tree(remote: Path, branch: str = "gh-pages") -> dict[str, str]:
    names = git(remote, "ls-tree", "-r", "--name-only", branch).split()
    return {name: git(remote, "show", f"{branch}:{name}") for name in names}


def commits(remote: Path, branch: str = "gh-pages") -> int:
    return len(git(remote, "rev-list", branch).split())


def test_root_and_previews_live_side_by_side(repo: tuple[Path, Path], tmp_path: Path) -> None:
    remote, work = repo
    head = git(work, "rev-parse", "HEAD")
    v1 = site(tmp_path, "v1", {"index.html": "home v1", "old.html": "gone soon"})
    result = deploy(work, v1)
    assert result.commit and result.files == 2 and result.where == "/"
    assert tree(remote) == {".nojekyll": "", "index.html": "home v1", "old.html": "gone soon"}

    preview = site(tmp_path, "p4", {"index.html": "preview 4", "posts/a/index.html": "post a"})
    assert deploy(work, preview, prefix="pr-4").where == "pr-4/"
    v2 = site(tmp_path, "v2", {"index.html": "home v2", "pr-ideas/index.html": "not a preview"})
    deploy(work, v2)
    assert tree(remote) == {
        ".nojekyll": "",
        "index.html": "home v2",
        "pr-ideas/index.html": "not a preview",
        "pr-4/index.html": "preview 4",
        "pr-4/posts/a/index.html": "post a",
    }
    again = deploy(work, v2)
    assert again.commit is None and commits(remote) == 3

    removed = deploy(work, None, prefix="pr-4", remove=True)
    assert removed.commit and "pr-4/index.html" not in tree(remote)
    assert deploy(work, None, prefix="pr-4", remove=True).commit is None
    assert git(work, "rev-parse", "HEAD") == head
    assert git(work, "status", "--porcelain") == ""
    assert git(remote, "log", "-1", "--format=%s", "gh-pages").strip() == "Remove the preview pr-4/"


def test_a_lost_race_is_rebuilt_on_the_new_tip(repo: tuple[Path, Path], tmp_path: Path) -> None:
    remote, work = repo
    deploy(work, site(tmp_path, "v1", {"index.html": "v1"}))
    before = git(remote, "rev-parse", "gh-pages").strip()
    other = clone(remote, tmp_path / "other")
    deploy(other, site(tmp_path, "p9", {"index.html": "preview 9"}), prefix="pr-9")
    theirs = git(remote, "rev-parse", "gh-pages").strip()
    git(remote, "update-ref", "refs/heads/gh-pages", before)
    # another deploy lands while this one is building: the first push is refused
    hook = remote / "hooks" / "pre-receive"
    hook.write_text(
        "#!/bin/sh\n"
        "if [ ! -e raced ]; then touch raced;"
        " env -u GIT_QUARANTINE_PATH -u GIT_OBJECT_DIRECTORY -u GIT_ALTERNATE_OBJECT_DIRECTORIES"
        f" git update-ref refs/heads/gh-pages {theirs}; exit 1; fi\n"
    )
    hook.chmod(0o755)
    result = deploy(work, site(tmp_path, "v2", {"index.html": "v2"}))
    assert result.tries == 2
    assert tree(remote) == {".nojekyll": "", "index.html": "v2", "pr-9/index.html": "preview 9"}
    assert git(remote, "rev-parse", "gh-pages^").strip() == theirs


def test_untrusted_sites_and_names_are_refused(repo: tuple[Path, Path], tmp_path: Path) -> None:
    _, work = repo
    evil = site(tmp_path, "evil", {"index.html": "hi"})
    (evil / "token").symlink_to(Path.home() / ".git-credentials")
    with pytest.raises(UsageError, match="symbolic link"):
        deploy(work, evil, prefix="pr-5")
    ok = site(tmp_path, "ok", {"index.html": "hi"})
    for prefix in ("pr-0", "pr-5/../..", "../pr-5", "pr-5x", "docs"):
        with pytest.raises(UsageError, match="pr-<number>"):
            deploy(work, ok, prefix=prefix)
    with pytest.raises(UsageError, match="--remove needs --prefix"):
        deploy(work, None, remove=True)
    with pytest.raises(UsageError, match="branch name"):
        deploy(work, ok, branch="--upload-pack=evil")
    with pytest.raises(UsageError, match="not a folder"):
        deploy(work, tmp_path / "nothing")


def test_cli_deploys_and_removes_a_preview(repo: tuple[Path, Path], tmp_path: Path) -> None:
    remote, work = repo
    built = site(tmp_path, "built", {"index.html": "preview 12"})

    def tidings(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [TIDINGS, *args],
            cwd=work,
            env={**os.environ, "GIT_CONFIG_GLOBAL": "/dev/null"},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    proc = tidings("site", "deploy", "--dir", str(built), "--prefix", "pr-12")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("gh-pages pr-12/: deployed 1 files")
    assert tree(remote) == {".nojekyll": "", "pr-12/index.html": "preview 12"}
    proc = tidings("site", "deploy", "--prefix", "pr-12", "--remove")
    assert proc.returncode == 0 and "removed pr-12/" in proc.stdout
    assert tree(remote) == {".nojekyll": ""}
    bad = tidings("site", "deploy", "--dir", str(built), "--prefix", "pr-12; rm -rf ~")
    assert bad.returncode == 2 and "is not pr-<number>" in bad.stderr
