"""Put a built site into a GitHub Pages branch, beside the previews of pull requests.

GitHub Pages serves this repository's site from the ``gh-pages`` branch ("Deploy from a
branch"), not from an Actions deployment: an Actions deployment replaces the whole site
each time, and the previews of open pull requests must live next to the site, each in its
own ``pr-<N>/`` folder. So there are three moves, each one commit on the branch:

- the site at the root, keeping every ``pr-<N>/`` folder (``pages.yml``);
- a preview in ``pr-<N>/``, keeping everything else (``preview.yml``);
- removing ``pr-<N>/`` when the pull request closes (``preview-cleanup.yml``).

The commit is built with git's plumbing in a temporary index, from the branch as it is on
the remote now: the checkout, its working tree and its HEAD are never touched. When the
push is rejected because another deploy landed first, the commit is built again on the new
tip and pushed again, a bounded number of times (the way ``tidings.jobs.git`` pushes the
ledger). The files deployed are data, perhaps built from a fork's pull request: they are
copied as regular files, never run, and a symbolic link or anything else that is not a
plain file or folder is refused.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tidings.errors import GitError, UsageError
from tidings.jobs.git import run_git

PREVIEW = re.compile(r"^pr-[1-9][0-9]{0,9}$")
BRANCH = re.compile(r"^(?!-)(?!.*\.\.)[A-Za-z0-9._/-]{1,100}(?<![./])$")
NOJEKYLL = ".nojekyll"  # serve the files as they are: no Jekyll build on GitHub's side


@dataclass(frozen=True)
class DeployResult:
    branch: str
    where: str  # "/" or "pr-<N>/"
    commit: str | None  # None: the branch already held exactly this
    files: int
    tries: int


class _Git:
    def __init__(self, root: Path, index: Path) -> None:
        self.root = root
        self.index = index

    def __call__(
        self, *args: str, check: bool = True, stdin: str | None = None, cwd: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        return run_git(
            args,
            cwd or self.root,
            check=check,
            stdin=stdin,
            env={"GIT_INDEX_FILE": str(self.index)},
            timeout=300,
        )


def site_files(site: Path) -> list[Path]:
    """Every file of the site, after refusing anything that is not a plain file or folder."""
    if site.is_symlink() or not site.is_dir():
        raise UsageError(f"--dir {site}: not a folder", "build the site first: tidings site build")
    files: list[Path] = []
    for path in sorted(site.rglob("*")):
        rel = path.relative_to(site)
        if path.is_symlink():
            raise UsageError(f"{rel} in {site} is a symbolic link; a site holds plain files only")
        if ".git" in rel.parts:
            raise UsageError(f"{rel} in {site}: a site cannot hold a .git folder")
        if path.is_file():
            files.append(path)
        elif not path.is_dir():
            raise UsageError(f"{rel} in {site} is not a plain file")
    if not files:
        raise UsageError(f"--dir {site} is empty", "build the site first: tidings site build")
    return files


def deploy(
    root: Path,
    site: Path | None,
    *,
    branch: str = "gh-pages",
    prefix: str | None = None,
    remove: bool = False,
    remote: str = "origin",
    message: str | None = None,
    tries: int = 5,
) -> DeployResult:
    """Commit ``site`` (or the removal of ``prefix``) onto ``branch`` and push it."""
    if not BRANCH.match(branch):
        raise UsageError(f"--branch {branch!r} is not a branch name")
    if prefix is not None and not PREVIEW.match(prefix):
        raise UsageError(f"--prefix {prefix!r} is not pr-<number>", "for example --prefix pr-42")
    if remove and prefix is None:
        raise UsageError("--remove needs --prefix", "only a preview folder can be removed")
    if remove == (site is not None):
        raise UsageError("give --dir to deploy, or --remove to remove a preview")
    count = len(site_files(site)) if site is not None else 0
    where = f"{prefix}/" if prefix else "/"
    message = message or (
        f"Remove the preview {where}" if remove else f"Deploy the site to {where}"
    )
    with tempfile.TemporaryDirectory(prefix="tidings-deploy-") as tmp:
        git = _Git(root, Path(tmp) / "index")
        git_dir = git("rev-parse", "--absolute-git-dir").stdout.strip()
        last = ""
        for attempt in range(1, tries + 1):
            parent = _remote_tip(git, remote, branch)
            if remove and (parent is None or not _has_tree(git, parent, prefix or "")):
                return DeployResult(branch, where, None, 0, attempt)
            tree = _tree(git, git_dir, Path(tmp), site, parent, prefix)
            if parent is not None and git("rev-parse", f"{parent}^{{tree}}").stdout.strip() == tree:
                return DeployResult(branch, where, None, count, attempt)
            commit = git(
                "commit-tree", tree, *(["-p", parent] if parent else []), "-m", message
            ).stdout.strip()
            push = git("push", "--quiet", remote, f"{commit}:refs/heads/{branch}", check=False)
            if push.returncode == 0:
                return DeployResult(branch, where, commit, count, attempt)
            last = (push.stderr or push.stdout).strip()
        raise GitError(
            f"could not push {branch} after {tries} tries: {last[:500]}",
            "another deploy may be running; run this again",
        )


def _remote_tip(git: _Git, remote: str, branch: str) -> str | None:
    listed = git("ls-remote", "--heads", remote, f"refs/heads/{branch}").stdout.split()
    if not listed:
        return None
    git("fetch", "--quiet", "--no-tags", remote, f"refs/heads/{branch}")
    return git("rev-parse", "FETCH_HEAD^{commit}").stdout.strip()


def _has_tree(git: _Git, commit: str, path: str) -> bool:
    return git("cat-file", "-e", f"{commit}:{path}", check=False).returncode == 0


def _tree(
    git: _Git, git_dir: str, tmp: Path, site: Path | None, parent: str | None, prefix: str | None
) -> str:
    """The branch's new tree, built in the temporary index."""
    site_tree = _site_tree(git, git_dir, tmp, site) if site is not None else None
    if prefix is None:  # the site at the root, keeping the previews
        assert site_tree is not None
        git("read-tree", site_tree)
        if parent is not None:
            for line in git("ls-tree", parent).stdout.splitlines():
                meta, name = line.split("\t", 1)
                if meta.split()[1] == "tree" and PREVIEW.match(name):
                    git("rm", "--cached", "-r", "-q", "--ignore-unmatch", "--", name)
                    git("read-tree", f"--prefix={name}/", f"{parent}:{name}")
    else:  # one preview folder, keeping everything else
        if parent is not None:
            git("read-tree", parent)
        else:
            git("read-tree", "--empty")
        git("rm", "--cached", "-r", "-q", "--ignore-unmatch", "--", prefix)
        if site_tree is not None:
            git("read-tree", f"--prefix={prefix}/", site_tree)
    empty = git("hash-object", "-w", "--stdin", stdin="").stdout.strip()
    git("update-index", "--add", "--cacheinfo", f"100644,{empty},{NOJEKYLL}")
    return git("write-tree").stdout.strip()


def _site_tree(git: _Git, git_dir: str, tmp: Path, site: Path) -> str:
    """The folder as a git tree object, through an index of its own."""
    own = _Git(git.root, tmp / "site-index")
    base = ["--git-dir", git_dir, "--work-tree", str(site.resolve())]
    own(*base, "add", "--all", "--force", "--", ".", cwd=site.resolve())
    return own(*base, "write-tree", cwd=site.resolve()).stdout.strip()
