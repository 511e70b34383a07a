"""`tidings check --jobs N`: many posts not in the cache are parsed, and the rules about one
post run, in forked worker processes (issue 20). What a check reports, and every file it
writes to `build/cache/`, is the same byte for byte whatever the number of processes; a
worker that dies is one clear error, with nothing half-written.

The workspace is the example brand with its posts copied nine times over (past the
threshold at which workers are forked) and broken posts at the start and at the end of the
walk, so that the first process's share and a worker's share both hold every kind of
finding: bad YAML, a schema error, a thread separator touching text, a date without a
time, a missing image.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable
from hashlib import sha256
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from PIL import Image

from tidings.check import rules as rules_pkg
from tidings.check.runner import check_workspace
from tidings.cli.main import cli
from tidings.workspace import hyphencache, imagecache, lengthcache, loader

REPO = Path(__file__).resolve().parents[2]
COPIES = 9
CACHES = ("files.json", "rules.json", "x-lengths.json", "images.json", "hyphenation.txt")

BROKEN = {
    "bad-yaml.md": "---\ntitle: [unclosed\nchannels: [mastodon]\n---\nText.\n",
    "no-channels.md": "---\ntitle: No channels\nat: 2027-03-01 09:00\n---\nText.\n",
    "separator.md": (
        "---\ntitle: A separator\nat: 2027-03-02 09:00\nchannels: [mastodon]\n---\n"
        "First part.\n---\nSecond part, touching.\n"
    ),
    "date-only.md": "---\ntitle: A day\nat: 2027-03-03\nchannels: [mastodon]\n---\nText.\n",
    "no-image.md": (
        "---\ntitle: No image\nat: 2027-03-04 09:00\nchannels: [mastodon]\nmedia:\n"
        "  - file: content/media/missing.jpg\n    alt: Nothing here\n---\nText.\n"
    ),
}


def _own(folder: str) -> str:
    """A post only this folder has: an X text and an image no other post names, so that
    what the worker measures and reads (X lengths, the image's header) is its own, and
    must reach the caches through the process that forked it."""
    return (
        f"---\ntitle: Only in {folder}\nat: 2027-03-05 09:00\nchannels: [x]\nmedia:\n"
        f"  - file: content/media/{folder}.png\n    alt: A grey square for {folder}\n---\n"
        f"A text written for {folder} alone, so that its X length is measured once.\n"
    )


def _example(root: Path) -> Path:
    for name in ("brand", "content"):
        shutil.copytree(REPO / name, root / name)
    shutil.copyfile(REPO / "tidings.yaml", root / "tidings.yaml")
    posts = root / "content" / "posts"
    originals = [p for p in posts.rglob("*.md")]
    for n in range(COPIES):
        for path in originals:
            target = posts / f"copy-{n}" / path.relative_to(posts)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    for folder in ("0-first", "zz-last"):  # the first process's share, and the last worker's
        (posts / folder).mkdir(parents=True, exist_ok=True)
        for name, text in BROKEN.items():
            (posts / folder / name).write_text(text, encoding="utf-8")
        (posts / folder / "own.md").write_text(_own(folder), encoding="utf-8")
        Image.new("RGB", (1200, 1200), (128, 128, 128)).save(root / f"content/media/{folder}.png")
    ledger = root / "ledger"
    for path in sorted(posts.rglob("*.md")):
        pid = path.relative_to(posts).with_suffix("").as_posix()
        (ledger / pid).parent.mkdir(parents=True, exist_ok=True)
        (ledger / f"{pid}.yaml").write_text(_entry(pid), encoding="utf-8")
    (ledger / "0-first/bad-yaml.yaml").write_text("post: [unclosed\n", encoding="utf-8")
    (ledger / "zz-last/separator.yaml").write_text(_entry("zz-last/other"), encoding="utf-8")
    assert len(list(posts.rglob("*.md"))) >= loader.PARALLEL_POSTS
    assert len(list(ledger.rglob("*.yaml"))) >= loader.PARALLEL_POSTS
    return root


def _entry(pid: str) -> str:
    """A ledger file saying the post went out on Mastodon (loaded, as the posts are, in
    several processes: there are as many)."""
    return (
        f"post: {pid}\nchannels:\n  mastodon:\n    state: published\n"
        f"    attempt_key: 2026-01-05T09:00:00Z/mastodon/{sha256(pid.encode()).hexdigest()[:16]}\n"
        "    attempts: 1\n    updated: 2026-01-05T09:00:05Z\n"
        "    published_at: 2026-01-05T09:00:05Z\n    parts:\n"
        '      - id: "1"\n        url: "https://social.example/@studio/1"\n    error: null\n'
    )


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _example(tmp_path_factory.mktemp("many") / "ws")


def _copy(example: Path, where: Path) -> Path:
    """A copy, every file an hour old: a file changed in the last seconds is kept in the
    file cache by its text alone (see filecache.RACY_NS), so the two copies' caches would
    differ by when each was checked."""
    shutil.copytree(example, where, ignore=shutil.ignore_patterns("build"))
    past = 1_700_000_000
    for path in where.rglob("*"):
        if path.is_file():
            os.utime(path, (past, past))
    return where


def _tidings(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "GITHUB_ACTIONS")}
    return subprocess.run(
        [sys.executable, "-m", "tidings", "--root", str(root), "check", "--format", "json", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


@pytest.mark.parametrize("cache", ["--no-cache", "--cache"])
def test_two_processes_report_and_write_what_one_does(
    example: Path, tmp_path: Path, cache: str
) -> None:
    one = _copy(example, tmp_path / "one")
    two = _copy(example, tmp_path / "two")
    serial = _tidings(one, cache, "--jobs", "1")
    parallel = _tidings(two, cache, "--jobs", "2")
    assert serial.returncode == 1, serial.stderr  # the broken posts are errors
    assert (parallel.returncode, parallel.stdout, parallel.stderr) == (
        serial.returncode,
        serial.stdout,
        serial.stderr,
    )
    for name in ("bad-yaml.md", "no-channels.md", "separator.md", "date-only.md", "no-image"):
        for folder in ("0-first", "zz-last"):
            assert f'"content/posts/{folder}/{name}' in parallel.stdout
    assert '"ledger/0-first/bad-yaml.yaml"' in parallel.stdout
    assert '"ledger/zz-last/separator.yaml"' in parallel.stdout
    if cache == "--no-cache":
        return
    kept = (two / "build/cache/images.json").read_text("utf-8")
    assert "content/media/zz-last.png" in kept  # read by a worker, kept by the parent
    for name in CACHES:  # every cache, as one process writes it: nothing lost or doubled
        assert (two / "build/cache" / name).read_bytes() == (
            one / "build/cache" / name
        ).read_bytes(), name
    warm = _tidings(two, "--jobs", "2")  # and what the workers kept is taken back as it is
    assert warm.stdout == serial.stdout


def test_a_check_of_one_file_with_a_cold_cache_in_two_processes(
    example: Path, tmp_path: Path
) -> None:
    """What pre-commit runs first in a fresh clone: the whole workspace parsed, one file
    reported."""
    one = _copy(example, tmp_path / "one")
    two = _copy(example, tmp_path / "two")
    named = "content/posts/zz-last/date-only.md"
    serial = _tidings(one, "--jobs", "1", str(one / named))
    parallel = _tidings(two, "--jobs", "2", str(two / named))
    assert serial.returncode == 1 and named in serial.stdout
    assert (parallel.returncode, parallel.stdout) == (serial.returncode, serial.stdout)


def _fresh_memory() -> None:
    """What a new process starts with: no lengths, hyphenation table or headers known."""
    lengthcache.clear()
    hyphencache.clear()
    imagecache.clear()


def test_workers_are_forked_only_when_asked_and_worth_it(example: Path, tmp_path: Path) -> None:
    root = _copy(example, tmp_path / "ws")
    _fresh_memory()
    before = _children_cpu()
    serial = check_workspace(root, jobs=1)
    assert _children_cpu() == before  # one process: no child ran
    _fresh_memory()
    parallel = check_workspace(root, jobs=2)
    assert _children_cpu() > before  # the workers ran, and used CPU time
    assert parallel.diagnostics == serial.diagnostics
    assert sorted(parallel.workspace.posts) == sorted(serial.workspace.posts)

    few = tmp_path / "few"
    for name in ("brand", "content"):
        shutil.copytree(REPO / name, few / name)
    shutil.copyfile(REPO / "tidings.yaml", few / "tidings.yaml")
    before = _children_cpu()
    check_workspace(few, jobs=8)  # the example's 50 posts: forking would cost more
    assert _children_cpu() == before


def _dies_on(rel: str, real: Callable[..., Any]) -> Callable[..., Any]:
    parent = os.getpid()

    def load(*args: Any, **kwargs: Any) -> Any:
        if os.getpid() != parent and rel in args:
            os.kill(os.getpid(), signal.SIGKILL)  # as the kernel's out-of-memory killer does
        return real(*args, **kwargs)

    return load


def test_a_worker_killed_while_loading_is_one_clear_error_and_writes_nothing(
    example: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _copy(example, tmp_path / "ws")
    scratch = tmp_path / "tmp"  # where the workers spool their cache lines
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    monkeypatch.setattr(
        loader, "load_post", _dies_on("content/posts/zz-last/separator.md", loader.load_post)
    )
    result = CliRunner().invoke(cli, ["--root", str(root), "check", "--jobs", "2"])
    assert result.exit_code == 2, result.output
    assert "a worker process loading the posts stopped before it finished" in result.output
    assert "--jobs 1" in result.output
    assert "Traceback" not in result.output
    assert not (root / "build/cache/files.json").exists()  # no half-written cache
    assert not (root / "build/cache/rules.json").exists()
    assert list(scratch.iterdir()) == []  # nor the workers' spools left behind


def test_a_worker_killed_while_checking_is_one_clear_error_and_writes_nothing(
    example: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _copy(example, tmp_path / "ws")
    parent = os.getpid()
    real = rules_pkg.RULES["voice"]

    def voice(ws: Any) -> Any:
        if os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)
        return real(ws)

    monkeypatch.setitem(rules_pkg.RULES, "voice", voice)
    result = CliRunner().invoke(cli, ["--root", str(root), "check", "--jobs", "2"])
    assert result.exit_code == 2, result.output
    assert "a worker process checking the posts stopped before it finished" in result.output
    assert "Traceback" not in result.output
    assert not (root / "build/cache/rules.json").exists()
    monkeypatch.undo()
    again = _tidings(root, "--jobs", "2")  # the next run is whole
    assert again.returncode == 1 and '"content/posts/zz-last/separator.md"' in again.stdout
