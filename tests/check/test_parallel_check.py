"""`tidings check --jobs N`: when many posts and ledger files must be read (no cache, a new
engine, a fresh clone with or without CI's cache), they are loaded, and the rules about one
post run, in forked worker processes (issue 20). What a check reports, and every file it
writes to `build/cache/`, is the same byte for byte whatever the number of processes; a
worker that dies is one clear error, with nothing half-written.

The workspace is the example brand with its posts copied nine times over, a ledger file
for each (past the threshold at which workers are forked), and broken files at the start
and at the end of the walk, so that the first process's share and a worker's share both
hold every kind of finding: bad YAML, a schema error, a thread separator touching text, a
date without a time, a missing image, a ledger file naming another post.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
from hashlib import sha256
from pathlib import Path

import pytest
from PIL import Image

from tidings.workspace import loader

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


def _copy(example: Path, where: Path, when: int = 1_700_000_000) -> Path:
    """A copy (its ``build/cache/`` included), every file dated ``when`` (long past): a file
    changed in the last seconds is kept in the file cache by its text alone (see
    filecache.RACY_NS), so two copies' caches would differ by when each was checked."""
    shutil.copytree(example, where)
    for path in where.rglob("*"):
        if path.is_file() and "build" not in path.relative_to(where).parts:
            os.utime(path, (when, when))
    return where


@pytest.fixture(scope="module")
def checked(example: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example with the cache a check in one process left: copied and dated anew, it is
    a fresh clone with a cache restored by CI (every file read again, taken back by its
    text)."""
    root = _copy(example, tmp_path_factory.mktemp("checked") / "ws")
    assert _tidings(root, "--jobs", "1").returncode == 1
    return root


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


@pytest.mark.parametrize("mode", ["--no-cache", "cold", "restored"])
def test_two_processes_report_and_write_what_one_does(
    example: Path, checked: Path, tmp_path: Path, mode: str
) -> None:
    source, when = (checked, 1_750_000_000) if mode == "restored" else (example, 1_700_000_000)
    one = _copy(source, tmp_path / "one", when)
    two = _copy(source, tmp_path / "two", when)
    cache = "--no-cache" if mode == "--no-cache" else "--cache"
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
    if mode == "--no-cache":
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


# The tests below run in a fresh interpreter: a worker is forked only from a process with
# one thread (see processes.parallel_possible), and an earlier test in this one may have left
# a thread running (a server of its own), which would quietly keep everything here.

WORKERS_RAN = """
import resource, sys
from pathlib import Path
from tidings.check.runner import check_workspace
check_workspace(Path(sys.argv[1]), jobs=int(sys.argv[2]), cache=sys.argv[3] == "cache")
used = resource.getrusage(resource.RUSAGE_CHILDREN)
print(used.ru_utime + used.ru_stime > 0)
"""


def _workers_ran(root: Path, jobs: int, cache: bool = False) -> bool:
    """Whether a check of ``root`` ran any child process (a worker that used CPU time)."""
    done = subprocess.run(
        [sys.executable, "-c", WORKERS_RAN, str(root), str(jobs), "cache" if cache else "-"],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return {"True": True, "False": False}[done.stdout.strip()]


def test_workers_are_forked_only_when_asked_and_worth_it(
    example: Path, checked: Path, tmp_path: Path
) -> None:
    root = _copy(example, tmp_path / "ws")
    assert not _workers_ran(root, jobs=1)  # one process: no child ran
    assert _workers_ran(root, jobs=2)

    few = tmp_path / "few"  # the example's 50 posts: forking would cost more
    for name in ("brand", "content"):
        shutil.copytree(REPO / name, few / name)
    shutil.copyfile(REPO / "tidings.yaml", few / "tidings.yaml")
    assert not _workers_ran(few, jobs=8)

    warm = _copy(checked, tmp_path / "warm")  # dated as when checked: taken back unread
    assert not _workers_ran(warm, jobs=2, cache=True)
    restored = _copy(checked, tmp_path / "restored", 1_750_000_000)  # every file read again
    assert _workers_ran(restored, jobs=2, cache=True)


CHECK_IN_TWO = """
from tidings.cli.main import main

sys.argv = ["tidings", "--root", root, "check", *extra, "--jobs", "2"]
main()
"""
"""The end of each script below: a check in two processes, as the command line runs it
(``root``, the ``extra`` options and the script's patches set by then)."""

KILLED = (
    """
import os, signal, sys
from tidings.check import rules
from tidings.workspace import loader

parent = os.getpid()
root, doing, victim = sys.argv[1:4]
extra = []
real_load, real_voice = loader.load_post, rules.RULES["voice"]


def load_post(*args, **kwargs):  # a worker killed, as the out-of-memory killer does
    if doing == "loading" and os.getpid() != parent and victim in args:
        os.kill(os.getpid(), signal.SIGKILL)
    return real_load(*args, **kwargs)


def voice(ws):
    if doing == "checking" and os.getpid() != parent:
        os.kill(os.getpid(), signal.SIGKILL)
    return real_voice(ws)


loader.load_post, rules.RULES["voice"] = load_post, voice
"""
    + CHECK_IN_TWO
)


@pytest.mark.parametrize("doing", ["loading", "checking"])
def test_a_worker_killed_is_one_clear_error_and_writes_nothing(
    example: Path, tmp_path: Path, doing: str
) -> None:
    root = _copy(example, tmp_path / "ws")
    scratch = tmp_path / "tmp"  # where the workers spool their cache lines
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch)}
    done = subprocess.run(
        [sys.executable, "-c", KILLED, str(root), doing, "content/posts/zz-last/separator.md"],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=False,
    )
    said = done.stdout + done.stderr
    assert done.returncode == 2, said
    assert f"a worker process {doing} the posts stopped before it finished" in said
    assert "--jobs 1" in said
    assert "Traceback" not in said
    assert not (root / "build/cache/rules.json").exists()  # no half-written cache
    if doing == "loading":
        assert not (root / "build/cache/files.json").exists()
        assert list(scratch.iterdir()) == []  # nor the workers' spools left behind
    again = _tidings(root, "--jobs", "2")  # the next run is whole
    assert again.returncode == 1 and '"content/posts/zz-last/separator.md"' in again.stdout


INTERRUPTED = (
    """
import os, signal, sys, time
# as an interactive shell has it (a shell's background jobs, e.g. under nohup or CI, ignore it)
signal.signal(signal.SIGINT, signal.default_int_handler)
from tidings.check import rules
from tidings.workspace import loader

parent = os.getpid()
root, when = sys.argv[1:3]
extra = []
real_load, real_voice = loader.load_post, rules.RULES["voice"]


def ctrl_c():  # what a terminal does on Ctrl-C: SIGINT to every process of the foreground group
    os.killpg(os.getpgid(0), signal.SIGINT)
    time.sleep(60)  # interrupted at once, or the test's timeout says it was not


def load_post(*args, **kwargs):  # in this process or a worker: whichever loads it
    if when == "loading" and "content/posts/0-first/own.md" in args:
        ctrl_c()
    return real_load(*args, **kwargs)


def voice(ws):
    if os.getpid() != parent:
        if when == "a worker is checking":
            time.sleep(60)  # still at work when the interrupt comes
        return real_voice(ws)
    if when == "a worker is checking":
        time.sleep(1)
    elif when == "the workers are idle":
        time.sleep(4)  # the worker has finished its share and waits for more
    ctrl_c()
    return real_voice(ws)


loader.load_post, rules.RULES["voice"] = load_post, voice
"""
    + CHECK_IN_TWO
)


@pytest.mark.parametrize("when", ["loading", "a worker is checking", "the workers are idle"])
def test_ctrl_c_stops_every_process_quietly_and_writes_no_rule_cache(
    example: Path, tmp_path: Path, when: str
) -> None:
    root = _copy(example, tmp_path / "ws")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch)}
    run = subprocess.Popen(
        [sys.executable, "-c", INTERRUPTED, str(root), when],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,  # its own process group: the SIGINT reaches it and its workers only
    )
    try:
        out, err = run.communicate(timeout=45)  # a process sleeping out its minute is a failure
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(run.pid, signal.SIGKILL)
    said = out + err
    assert run.returncode == 130, said
    assert err.strip() == "interrupted", said  # one line: no worker's traceback
    with pytest.raises(ProcessLookupError):  # no worker left running
        os.killpg(run.pid, 0)
    assert not (root / "build/cache/rules.json").exists()
    if when == "loading":  # the files' cache is written once every file is loaded, whole
        assert not (root / "build/cache/files.json").exists()
    assert list(scratch.iterdir()) == []
    again = _tidings(root, "--jobs", "2")  # the next run is whole
    assert again.returncode == 1 and '"content/posts/zz-last/separator.md"' in again.stdout


CANNOT_FORK = (
    """
import errno, os, sys
extra = ["--format", "json"]
import _multiprocessing

root, missing = sys.argv[1:3]


class NoSemaphores(_multiprocessing.SemLock):  # as where /dev/shm is missing (some sandboxes)
    def __new__(cls, *args, **kwargs):
        raise OSError(errno.ENOSYS, "Function not implemented")


def no_fork():  # as at a process limit, or out of memory
    raise BlockingIOError(errno.EAGAIN, "Resource temporarily unavailable")


if missing == "semaphores":
    _multiprocessing.SemLock = NoSemaphores
else:
    os.fork = no_fork
"""
    + CHECK_IN_TWO
)


@pytest.mark.parametrize("missing", ["semaphores", "fork"])
def test_where_no_worker_can_be_made_the_check_runs_in_one_process(
    example: Path, tmp_path: Path, missing: str
) -> None:
    one = _copy(example, tmp_path / "one")
    two = _copy(example, tmp_path / "two")
    serial = _tidings(one, "--jobs", "1")
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "GITHUB_ACTIONS")}
    done = subprocess.run(
        [sys.executable, "-c", CANNOT_FORK, str(two), missing],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert (done.returncode, done.stdout, done.stderr) == (
        serial.returncode,
        serial.stdout,
        serial.stderr,
    )
    for name in CACHES:
        assert (two / "build/cache" / name).read_bytes() == (
            one / "build/cache" / name
        ).read_bytes(), name
