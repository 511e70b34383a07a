"""`tidings site build --jobs N`: pages built in forked workers are the same, byte for byte,
as one process builds them, and a worker's failure is reported by file, with no traceback
and no half-written site.

The builds run as child processes: a build forks its workers only from a single-threaded
process (pytest with xdist is not one), and each build says how many processes it used,
so a "parallel" build that quietly ran serially fails the test."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from builders.workspaces import copy_example

NOW = "2026-12-20 09:00"


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_example(tmp_path_factory.mktemp("example"))


def _build(root: Path, out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "tidings", "--root", str(root), "site", "build", "--offline"]
    cmd += ["--out", str(out), "--now", NOW, *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600)


def _files(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.mark.parametrize("root_config", [True, False], ids=["mkdocs.yml", "default-config"])
def test_parallel_build_is_byte_identical_to_serial(
    example: Path, tmp_path: Path, root_config: bool
) -> None:
    root = example
    if not root_config:  # the configuration tidings writes when the workspace has none
        root = tmp_path / "ws"
        shutil.copytree(example, root, ignore=shutil.ignore_patterns("mkdocs.yml", "build"))
    serial = _build(root, tmp_path / "serial", "--jobs", "1")
    assert serial.returncode == 0, serial.stdout + serial.stderr
    assert "processes" not in serial.stdout
    parallel = _build(root, tmp_path / "parallel", "--jobs", "2")
    assert parallel.returncode == 0, parallel.stdout + parallel.stderr
    assert ", 2 processes)" in parallel.stdout
    one, two = _files(tmp_path / "serial"), _files(tmp_path / "parallel")
    assert sorted(one) == sorted(two)
    assert len([f for f in one if f.endswith(".html")]) > 60
    assert "search/search_index.json" in one
    assert [f for f in one if one[f] != two[f]] == []
    assert b'id="metrics"' in one["posts/2026/12/st-nicholas-day/index.html"]


FAILING = """\
import os, sys
from pathlib import Path

import {module} as target
from tidings.errors import TidingsError
from tidings.site.build import build_site

parent = os.getpid()
original = target.{name}


def failing(*args, **kwargs):
    if os.getpid() != parent and {condition}:
        {failure}
    return original(*args, **kwargs)


target.{name} = failing
out = Path(sys.argv[2])
try:
    build_site(Path(sys.argv[1]), out, jobs=2)
except TidingsError as exc:
    print("ERROR", exc)
print("HTML", sum(1 for _ in out.rglob("*.html")) if out.exists() else 0)
"""


@pytest.mark.parametrize(
    ("module", "name", "condition", "failure", "expected"),
    [
        (  # building a post page, in a worker
            "tidings.site.pages",
            "post_view",
            "args[1].id == '2026/12/tip-christmas-table'",
            "raise ValueError('no such colour')",
            "content/posts/2026/12/tip-christmas-table.md: building its page failed "
            "(ValueError: no such colour)",
        ),
        (  # MkDocs rendering a page through the theme, in a worker
            "mkdocs.commands.build",
            "_build_page",
            "args[0].file.src_uri == 'posts/2026/12/tip-christmas-table.md'",
            "raise KeyError('nav')",
            "posts/2026/12/tip-christmas-table.md: building its page failed (KeyError: 'nav')",
        ),
        (  # reading a part of the metrics history, in a worker
            "tidings.metrics.snapshots",
            "parse_snapshot",
            "args[1] == 'metrics/2026/12/2026-12-05.json'",
            "raise OSError('disk on fire')",
            "metrics/2026/12/2026-12-05.json: reading the snapshot failed (OSError: disk on fire)",
        ),
        (  # a worker killed outright
            "mkdocs.commands.build",
            "_build_page",
            "args[0].file.src_uri == 'posts/2026/12/tip-christmas-table.md'",
            "os._exit(9)",
            "a worker process building pages stopped before it finished",
        ),
    ],
    ids=["post-page", "theme", "history", "killed"],
)
def test_a_failing_worker_names_the_page_and_leaves_no_site(
    example: Path,
    tmp_path: Path,
    module: str,
    name: str,
    condition: str,
    failure: str,
    expected: str,
) -> None:
    script = FAILING.format(module=module, name=name, condition=condition, failure=failure)
    out = tmp_path / "out"
    root = tmp_path / "ws"  # nothing kept from another build: the history is read in workers
    shutil.copytree(example, root, ignore=shutil.ignore_patterns("build"))
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script), str(root), str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    assert expected in proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr
    assert proc.stdout.rstrip().endswith("HTML 0")  # nothing half-written
    left = [p.name for p in root.glob("build/site-data/metrics.csv*")]
    assert left in ([], ["metrics.csv"])  # no part, no half-written table of this build


def test_a_bad_snapshot_is_reported_alike_read_in_parts_or_not(
    example: Path, tmp_path: Path
) -> None:
    root = tmp_path / "ws"
    shutil.copytree(example, root, ignore=shutil.ignore_patterns("build"))
    (root / "metrics/2026/12/2026-12-20.json").write_text('{"version": 1, "date": ', "utf-8")
    serial = _build(root, tmp_path / "serial", "--jobs", "1")
    parallel = _build(root, tmp_path / "parallel", "--jobs", "2")
    for done in (serial, parallel):
        assert done.returncode != 0
        assert "metrics/2026/12/2026-12-20.json: not valid JSON" in done.stdout + done.stderr
        assert "Traceback" not in done.stdout + done.stderr
    assert serial.stdout + serial.stderr == parallel.stdout + parallel.stderr
    assert [p.name for p in root.glob("build/site-data/metrics.csv*")] == []  # no part, no table
