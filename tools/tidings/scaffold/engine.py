"""Which engine a brand repository pins: its version, where its wheel is, and its hash.

A brand repository installs tidings from its ``requirements.lock``: the engine's wheel by
URL with its SHA-256, and every dependency with theirs (``pip install --require-hashes``),
so a fix reaches it by a one-line change of that lock that pip checks bit for bit. The
pre-commit hook pins the engine's git repository by the commit the wheel was built from.

The wheel is found the way pip recorded it (``direct_url.json``, PEP 610): the URL this
engine was installed from and the wheel's hash. ``--engine-wheel`` names another (a local
file, hashed here, or a URL with ``#sha256=…``). The commit comes from ``_release.json``,
which ``make dist`` writes into the package it builds, or from a git checkout of the engine
(a development install).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path
from urllib.parse import unquote, urlsplit

from tidings import __version__
from tidings.errors import UsageError

__all__ = ["DEFAULT_REPOSITORY", "EngineSource", "engine_source"]

DEFAULT_REPOSITORY = "https://github.com/lumengrain/tidings"
"""The engine's git repository, for the pre-commit hook's ``repo:``."""

RELEASE_FILE = "_release.json"


@dataclass(frozen=True)
class EngineSource:
    """One engine release as a brand repository pins it."""

    version: str
    wheel_url: str
    sha256: str
    repository: str
    commit: str

    @property
    def local(self) -> bool:
        """The wheel is a file on this machine, which CI cannot fetch."""
        return self.wheel_url.startswith("file:")

    def requirement(self) -> str:
        """The lock's line for the engine (pip's direct reference with its hash)."""
        return f"tidings @ {self.wheel_url} \\\n    --hash=sha256:{self.sha256}"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _wheel(option: str | None) -> tuple[str, str]:
    """(URL, SHA-256) of the engine's wheel: ``option``, else how pip installed this one."""
    if option:
        if "://" not in option:
            path = Path(option).expanduser().resolve()
            if not path.is_file() or path.suffix != ".whl":
                raise UsageError(
                    f"--engine-wheel {option}: no wheel file there",
                    "pass a tidings-*.whl file, or its URL ending in #sha256=<its hash>",
                )
            return path.as_uri(), _sha256(path)
        url, _, fragment = option.partition("#sha256=")
        if len(fragment) != 64:
            raise UsageError(
                f"--engine-wheel {option}: a URL needs the wheel's hash",
                "append #sha256=<hash> (the release page lists it; `sha256sum` of the file)",
            )
        return url, fragment.lower()
    try:
        text = metadata.distribution("tidings").read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        text = None
    info = json.loads(text) if text else {}
    url = info.get("url", "")
    if "archive_info" in info and url.endswith(".whl"):
        archive = info["archive_info"]
        digest = (archive.get("hashes") or {}).get("sha256") or ""
        if not digest and str(archive.get("hash", "")).startswith("sha256="):
            digest = archive["hash"].removeprefix("sha256=")
        if not digest and url.startswith("file:"):
            local = Path(unquote(urlsplit(url).path))
            digest = _sha256(local) if local.is_file() else ""
        if digest:
            return url, digest
    raise UsageError(
        "this tidings was not installed from a wheel, so there is no wheel to pin",
        "pass --engine-wheel with the engine's wheel (a file, or a URL with #sha256=…); "
        "`make dist` in the engine's repository builds one",
    )


def _commit(option: str | None) -> str:
    if option:
        return option
    stamp = resources.files("tidings").joinpath(RELEASE_FILE)
    if stamp.is_file():
        commit = str(json.loads(stamp.read_text("utf-8")).get("commit", ""))
        if commit:
            return commit
    source = Path(str(resources.files("tidings")))
    if not (source.parent.name == "tools" and (source.parent.parent / "pyproject.toml").is_file()):
        source = Path()  # an installed package: whatever git repository holds it is not ours
    done = (
        None
        if source == Path()
        else subprocess.run(
            ["git", "-C", str(source), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
        )
    )
    if done is not None and done.returncode == 0 and done.stdout.strip():
        return done.stdout.strip()
    raise UsageError(
        "this tidings does not know the commit it was built from",
        "pass --engine-rev with the engine's full commit SHA (for the pre-commit hook's rev:)",
    )


def engine_source(
    wheel: str | None = None, repository: str | None = None, rev: str | None = None
) -> EngineSource:
    """This engine as a brand repository pins it; each option overrides what it would find."""
    url, digest = _wheel(wheel)
    return EngineSource(
        version=__version__,
        wheel_url=url,
        sha256=digest,
        repository=repository or DEFAULT_REPOSITORY,
        commit=_commit(rev),
    )
