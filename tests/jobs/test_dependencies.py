"""What the jobs that hold the secrets install and import (issue 15 item 5).

The engine's runtime (check, plan, publish, metrics, resolve) is ``[project]
dependencies``; the preview site's stack (MkDocs, mkdocs-material, Jinja2, leather) is the
``site`` extra. The hashed locks in ``requirements/`` are compiled from pyproject.toml by
``make lock``; these tests fail when the two disagree, when a lock line has no hash, or
when the publish path imports the site stack.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest
import yaml
from builders.workspaces import published
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

REPO = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
SITE_STACK = {"mkdocs", "material", "jinja2", "markupsafe", "leather"}
SITE_DISTRIBUTIONS = {"mkdocs", "mkdocs-material", "jinja2", "markupsafe", "leather"}


def _requirements(specs: list[str]) -> dict[str, Requirement]:
    """Requirement strings by canonical name, leaving out the project's own extras."""
    reqs = (Requirement(spec) for spec in specs)
    return {canonicalize_name(r.name): r for r in reqs if canonicalize_name(r.name) != "tidings"}


RUNTIME = _requirements(PYPROJECT["project"]["dependencies"])
EXTRAS = PYPROJECT["project"]["optional-dependencies"]
SITE = _requirements(EXTRAS.get("site", []))
DEV = _requirements(EXTRAS["dev"])
BUILD = _requirements(PYPROJECT["build-system"]["requires"])
# each lock and the top-level requirements it is compiled from
LOCKS = {
    "publish.txt": {**RUNTIME, **BUILD},
    "site.txt": {**RUNTIME, **SITE, **BUILD},
    "dev.txt": {**RUNTIME, **SITE, **DEV, **BUILD},
}


def test_the_engine_runtime_leaves_the_site_stack_to_the_site_extra() -> None:
    assert not set(RUNTIME) & SITE_DISTRIBUTIONS, "the site stack belongs in the `site` extra"
    assert {"mkdocs", "mkdocs-material", "jinja2", "leather"} <= set(SITE)
    assert "tidings[site]" in EXTRAS["dev"], "`dev` installs the site stack too"
    assert {"httpx", "pillow", "click", "pyyaml"} <= set(RUNTIME)


def _lock(name: str) -> dict[str, tuple[str, list[str], list[str]]]:
    """A lock file as ``{name: (pinned version, hashes, where it comes from)}``."""
    entries: dict[str, tuple[str, list[str], list[str]]] = {}
    text = (REPO / "requirements" / name).read_text(encoding="utf-8")
    for block in re.split(r"\n(?=\S)", text):  # an entry: its line, hashes and via lines
        head = block.split("\\", 1)[0].strip()
        if not head or head.startswith("#"):
            continue
        match = re.fullmatch(r"([A-Za-z0-9._-]+)(?:\[[^\]]*\])?==(\S+)", head)
        assert match, f"requirements/{name}: {head!r} is not pinned with =="
        hashes = re.findall(r"--hash=sha256:([0-9a-f]{64})", block)
        assert hashes, f"requirements/{name}: {head} has no --hash"
        via = re.findall(r"^\s+#\s+(?:via\s+)?(\S.*)$", block, re.MULTILINE)
        entries[canonicalize_name(match[1])] = (match[2], hashes, via)
    return entries


@pytest.mark.parametrize("lock", sorted(LOCKS))
def test_each_lock_pins_by_hash_exactly_what_pyproject_asks_for(lock: str) -> None:
    entries = _lock(lock)
    wanted = LOCKS[lock]
    top = {n for n, (_, _, via) in entries.items() if any("pyproject.toml" in v for v in via)}
    top |= {
        n for n, (_, _, via) in entries.items() if any("requirements/build.in" in v for v in via)
    }
    assert top == set(wanted), (
        f"requirements/{lock} was compiled from other requirements than pyproject.toml's: "
        "run `make lock`"
    )
    for name, req in wanted.items():
        version = entries[name][0]
        assert req.specifier.contains(Version(version), prereleases=True), (
            f"requirements/{lock}: {name}=={version} does not satisfy {req}: run `make lock`"
        )


def test_the_publish_lock_holds_no_site_stack_and_the_site_lock_holds_the_publish_lock() -> None:
    publish, site, dev = _lock("publish.txt"), _lock("site.txt"), _lock("dev.txt")
    assert not set(publish) & SITE_DISTRIBUTIONS, "publish and metrics must not install the site"
    assert SITE_DISTRIBUTIONS <= set(site) <= set(dev)
    for name, (version, _, _) in publish.items():
        assert site[name][0] == dev[name][0] == version, f"{name} is pinned differently"


def test_make_install_and_the_workflows_install_from_the_locks_with_hashes() -> None:
    makefile = (REPO / "Makefile").read_text(encoding="utf-8").replace(" --quiet", "")
    assert "pip install --require-hashes -r requirements/dev.txt" in makefile
    assert "pip install --no-deps --no-build-isolation -e ." in makefile
    assert "'.[dev]'" not in makefile
    # the site stack only where a site is built; preview.yml deploys one and writes
    # comments with a write token, so it gets the slim set as publish and metrics do
    wanted = {"publish.yml": "publish", "metrics.yml": "publish", "check.yml": "site"}
    wanted |= {"pages.yml": "site", "preview.yml": "publish", "preview-cleanup.yml": "publish"}
    for workflow in sorted((REPO / ".github" / "workflows").glob("*.yml")):
        pips = [line.strip() for line in workflow.read_text().splitlines() if "pip " in line]
        for line in pips:
            assert "--require-hashes -r requirements/" in line or "--no-deps" in line, line
        if workflow.name in wanted:
            lock = f"requirements/{wanted[workflow.name]}.txt"
            assert any(f"--require-hashes -r {lock}" in line for line in pips), workflow.name
            assert any("pip install --no-deps --no-build-isolation ." in p for p in pips)


def test_only_the_site_imports_the_site_stack() -> None:
    """Every import in the package, lazy ones inside functions too: outside ``tidings/site/``
    only `tidings site build`/`serve` (cli/site.py) and `tidings report` (cli/report.py, the
    site's report page on its own) may reach the site stack."""
    package = REPO / "tools" / "tidings"
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(package).as_posix()
        if rel.startswith("site/") or rel in {"cli/site.py", "cli/report.py"}:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module]
            else:
                continue
            for name in names:
                assert name.partition(".")[0] not in SITE_STACK, f"{rel}:{node.lineno} {name}"
                assert not name.startswith("tidings.site"), f"{rel}:{node.lineno} {name}"


def test_counting_an_x_post_works_and_prints_nothing_with_the_locked_setuptools() -> None:
    """twitter-text-parser imports pkg_resources without declaring setuptools: the runtime
    pins a setuptools that still has it (82 removed it) and does not warn (80.9 does)."""
    code = "from tidings.core.textlength import x_weighted\nprint(x_weighted('Grüße 👋'))\n"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=_env(), timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", result.stderr
    assert result.stdout.strip().isdigit()


def test_dependabot_moves_the_locks_and_the_actions_weekly() -> None:
    config = yaml.safe_load((REPO / ".github" / "dependabot.yml").read_text(encoding="utf-8"))
    updates = {u["package-ecosystem"]: u for u in config["updates"]}
    assert set(updates) == {"pip", "github-actions"}
    assert updates["pip"]["directory"] == "/", "pyproject.toml and requirements/ are at the root"
    assert all(u["schedule"]["interval"] == "weekly" for u in updates.values())


# Run in a fresh interpreter: the publish path's imports, then `tidings publish` and
# `tidings metrics` themselves, then the modules that were loaded (written to a file).
PUBLISH_PATH = """
import atexit, importlib, json, pkgutil, sys
out = sys.argv.pop(1)
atexit.register(lambda: open(out, "w").write(json.dumps(sorted(sys.modules))))
import tidings.jobs.publish, tidings.cli.publish, tidings.jobs.collect_metrics
import tidings.jobs.resolve, tidings.cli.metrics, tidings.cli.resolve, tidings.platforms
for m in pkgutil.iter_modules(tidings.platforms.__path__, "tidings.platforms."):
    importlib.import_module(m.name)
from tidings.cli.main import cli
cli.main(sys.argv[1:], prog_name="tidings", standalone_mode=False)
"""

# A fresh interpreter in which the site stack is not installed (its imports fail as they
# do where only requirements/publish.txt was installed), then one command.
WITHOUT = """
import importlib.abc, sys
absent = set(sys.argv.pop(1).split(","))
class Absent(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in absent:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None
sys.meta_path.insert(0, Absent())
"""
RUN_TIDINGS = WITHOUT + "from tidings.cli.main import main\nsys.argv[0] = 'tidings'\nmain()\n"
RUN_MKDOCS = WITHOUT + "from mkdocs.__main__ import cli\ncli(prog_name='mkdocs')\n"


def _env() -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"CI", "GITHUB_ACTIONS"}}
    return {**clean, "GIT_CONFIG_GLOBAL": "/dev/null"}


def _run(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=120,
    )


POST = "---\ntitle: Opening\nat: 2026-12-10 09:00\nchannels: [outbox]\n---\nWe open today.\n"


def _work(tmp_path: Path) -> Path:
    """A content repository (the base fixture's channels) with one post due on the outbox."""
    return published(tmp_path, {"content/posts/2026/12/opening.md": POST})[1]


def test_publish_and_metrics_import_no_site_stack(tmp_path: Path) -> None:
    work = _work(tmp_path)
    for args in (
        ["publish", "--now", "2026-12-10 09:05", "--channel", "outbox"],
        ["metrics", "--now", "2026-12-10 18:00", "--no-commit"],
    ):
        out = tmp_path / "modules.json"
        result = _run(PUBLISH_PATH, str(out), "--root", str(work), *args)
        assert result.returncode == 0, result.stdout + result.stderr
        loaded = {name.partition(".")[0] for name in json.loads(out.read_text())}
        assert "tidings" in loaded and "httpx" in loaded
        assert not loaded & SITE_STACK, f"`tidings {args[0]}` imported {loaded & SITE_STACK}"
    assert (work / "build" / "outbox").is_dir(), "the post went out"


def test_publish_runs_where_the_site_stack_is_not_installed(tmp_path: Path) -> None:
    work = _work(tmp_path)
    absent = ",".join(sorted(SITE_STACK))
    for args in (
        ["check"],
        ["publish", "--now", "2026-12-10 09:05", "--channel", "outbox"],
        ["review", "--base", "HEAD"],
        ["plan", "--now", "2026-12-10 08:00"],
        ["metrics", "--now", "2026-12-10 18:00", "--no-commit"],
    ):
        result = _run(RUN_TIDINGS, absent, "--root", str(work), *args)
        assert result.returncode == 0, f"tidings {args[0]}: {result.stdout}{result.stderr}"
    assert (work / "build" / "outbox").is_dir(), "the post went out"
    site = tmp_path / "built"
    site.mkdir()
    (site / "index.html").write_text("<p>built elsewhere</p>", encoding="utf-8")
    deploy = ["site", "deploy", "--dir", str(site), "--branch", "gh-pages"]
    result = _run(RUN_TIDINGS, absent, "--root", str(work), *deploy)
    assert result.returncode == 0, f"tidings site deploy: {result.stdout}{result.stderr}"


@pytest.mark.parametrize("command", ["build", "serve"])
def test_the_site_without_the_extra_says_to_install_it(tmp_path: Path, command: str) -> None:
    work = _work(tmp_path)
    result = _run(RUN_TIDINGS, ",".join(sorted(SITE_STACK)), "--root", str(work), "site", command)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert "tidings[site]" in result.stderr and "requirements/site.txt" in result.stderr
    assert not (work / "build" / "site").exists()


def test_the_report_without_its_extras_says_what_to_install(tmp_path: Path) -> None:
    work = _work(tmp_path)
    out = tmp_path / "reports"
    args = ("--root", str(work), "report", "--month", "2026-12", "--out", str(out))
    result = _run(RUN_TIDINGS, ",".join(sorted(SITE_STACK)), *args)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert "tidings[site]" in result.stderr
    result = _run(RUN_TIDINGS, "playwright", *args, "--pdf")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert "needs Playwright" in result.stderr and "tidings[pdf]" in result.stderr
    assert not out.exists(), "nothing is written before the missing extra is named"


def test_the_mkdocs_plugin_without_the_extra_says_to_install_it(tmp_path: Path) -> None:
    work = _work(tmp_path)
    (work / "mkdocs.yml").write_text("site_name: x\nplugins:\n  - tidings\n", encoding="utf-8")
    (work / "docs").mkdir()
    config = str(work / "mkdocs.yml")
    result = _run(RUN_MKDOCS, "leather", "build", "-f", config, "-d", str(tmp_path / "out"))
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr
    assert "tidings[site]" in result.stderr and "leather" in result.stderr


CHECK_PATH = """
import atexit, json, sys
out = sys.argv.pop(1)
atexit.register(lambda: open(out, "w").write(json.dumps(sorted(sys.modules))))
from tidings.cli.main import main
sys.argv[0] = 'tidings'
main()
"""


def test_check_loads_only_what_check_needs(tmp_path: Path) -> None:
    """Subcommands load lazily: the pre-commit hook's `tidings check` never imports the HTTP
    client, the site stack, the publishing jobs, or Pillow when no post has an image."""
    work = _work(tmp_path)
    (work / "content" / "posts" / "2026" / "12" / "hello.md").unlink()  # the one with an image
    out = tmp_path / "modules.json"
    result = _run(CHECK_PATH, str(out), "--root", str(work), "check")
    assert result.returncode == 0, result.stdout + result.stderr
    modules = set(json.loads(out.read_text()))
    loaded = {name.partition(".")[0] for name in modules}
    assert "tidings" in loaded and "yaml" in loaded
    heavy = {"httpx", "PIL", *SITE_STACK} & loaded
    assert not heavy, f"`tidings check` imported {heavy}"
    forking = {"multiprocessing", "concurrent"} & loaded  # only a check that forks workers
    assert not forking, f"`tidings check` of a few posts imported {forking}"
    jobs = {m for m in modules if m.startswith(("tidings.platforms", "tidings.site"))}
    others = {f"tidings.cli.{name}" for name in ("publish", "metrics", "site", "retract")}
    assert not jobs and not others & modules, jobs | (others & modules)


def test_a_second_check_of_a_post_with_an_image_reads_the_kept_header(tmp_path: Path) -> None:
    """The pre-commit hook's check of a post whose image has not changed since the last check
    takes the image's header from build/cache/images.json: Pillow is not imported, and the
    report is the first check's."""
    work = _work(tmp_path)
    hello = "content/posts/2026/12/hello.md"  # the base fixture's post with an image
    reports, imported = [], []
    for run in ("first", "second"):
        out = tmp_path / f"modules-{run}.json"
        result = _run(CHECK_PATH, str(out), "--root", str(work), "check", "--format", "json", hello)
        assert result.returncode in (0, 1), result.stdout + result.stderr
        reports.append(result.stdout)
        imported.append("PIL" in {m.partition(".")[0] for m in json.loads(out.read_text())})
    assert imported == [True, False]
    assert reports[0] == reports[1] and json.loads(reports[0]) is not None


def test_a_warm_check_compiles_no_schema_and_reads_no_html_tables(tmp_path: Path) -> None:
    """A check that takes every file from build/cache/files.json parses none, so it neither
    imports fastjsonschema nor compiles a validator; one that parses a file does both. Neither
    loads the html module's entity table (only publishing's redaction needs it), and the
    warm one measures no text, so it imports neither `regex` nor twitter-text."""
    work = _work(tmp_path)
    an_hour_ago = time.time() - 3600  # else the files are too new to be known by their times
    for path in work.rglob("*"):
        if path.is_file() and ".git" not in path.parts:
            os.utime(path, (an_hour_ago, an_hour_ago))
    loaded = []
    for run in ("first", "second"):
        out = tmp_path / f"modules-{run}.json"
        result = _run(CHECK_PATH, str(out), "--root", str(work), "check", "--format", "json")
        assert result.returncode in (0, 1), result.stdout + result.stderr
        loaded.append(set(json.loads(out.read_text())))
    assert "fastjsonschema" in loaded[0] and "fastjsonschema" not in loaded[1]
    assert not {"html", "html.entities"} & (loaded[0] | loaded[1])
    # nor does it measure a text: `regex` (graphemes) and twitter-text stay unimported
    assert not {"regex", "twitter_text"} & loaded[1]
