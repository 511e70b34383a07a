"""`tidings site build` and `tidings site serve`: MkDocs with the workspace's mkdocs.yml,
or, in a content repository without one, a default configuration (mkdocs-material, search,
the tidings plugin) written to ``build/site-config/mkdocs.yml``."""

from __future__ import annotations

import errno
import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from markupsafe import escape

from tidings.errors import SiteError, UsageError
from tidings.workspace.loader import Collector, load_brand

if TYPE_CHECKING:
    from tidings.check.runner import CheckResult

CONFIG = "mkdocs.yml"
FALLBACK = "build/site-config"
DEFAULT_OUT = "build/site"
MARKER = ".tidings-site"
"""Written into every site build's folder: a later build may empty a folder holding it
(MkDocs removes the old site first, but keeps dot files)."""
SOURCES = ("content", "brand", "ledger", "metrics", "inbox", "site", ".git", ".github", "tools")
"""Workspace folders a site is never built into, even empty or holding a marker."""
GENERATED_NAV = [
    {"Home": "index.md"},
    {"Calendar": "calendar/index.md"},
    {"Posts": "posts/index.md"},
    {"Campaigns": "campaigns/index.md"},
    {"Brand guidelines": "brand.md"},
    {"Idea bank": "ideas.md"},
    {"Ledger": "ledger.md"},
    {"Dashboards": "dashboards/index.md"},
    {"Reports": "reports/index.md"},
    {"Inbox": "community/index.md"},
    {"What each check means": "checks.md"},
]


@dataclass(frozen=True)
class BuildResult:
    out: Path
    config: Path
    pages: int
    seconds: float
    workers: int = 1
    """The most processes that built pages at once (1: no workers)."""


def config_path(root: Path) -> Path:
    """``mkdocs.yml`` at the root, else a default configuration written for this workspace."""
    own = root / CONFIG
    if own.is_file():
        return own
    folder = root / FALLBACK
    docs = root / "site"
    if not docs.is_dir():
        docs = folder / "docs"
        docs.mkdir(parents=True, exist_ok=True)
    brand = load_brand(root, Collector())
    name = str(escape(brand.name)) if brand else "tidings"  # themes print site_name unescaped
    guide = [p.name for p in sorted(docs.glob("*.md")) if p.name not in {"index.md", "checks.md"}]
    config = {
        "site_name": name,
        "docs_dir": str(docs.resolve()),
        "use_directory_urls": True,
        "theme": {"name": "material", "font": False},
        "plugins": ["search", {"tidings": {"root": str(root.resolve())}}],
        "nav": [*GENERATED_NAV, *([{"Guide": guide}] if guide else [])],
    }
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / CONFIG
    path.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")  # JSON is YAML
    return path


def _quiet_mkdocs() -> None:
    """MkDocs logs every step at INFO; people see its warnings and errors only."""
    logger = logging.getLogger("mkdocs")
    logger.setLevel(logging.WARNING)
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("mkdocs %(levelname)s: %(message)s"))
        logger.addHandler(handler)
        logger.propagate = False


def check_out(root: Path, out: Path) -> None:
    """Raise UsageError unless ``out`` may be emptied and filled with the site: it is new or
    empty, a previous build (it holds the marker), or the default ``build/site``; never the
    workspace, a folder above it, or one of its source folders."""
    here, target = root.resolve(), out.resolve()
    if target == here or target in here.parents:
        raise UsageError(
            f"--out {out}: this is the workspace (or a folder above it); building the site "
            "there would delete it",
            f"build into a folder of its own, e.g. --out {DEFAULT_OUT}",
        )
    for name in SOURCES:
        source = here / name
        if target == source or source in target.parents:
            raise UsageError(
                f"--out {out}: this is inside the workspace's `{name}` folder, which building "
                "the site would overwrite",
                f"build into a folder of its own, e.g. --out {DEFAULT_OUT}",
            )
    if not target.exists():
        return
    if not target.is_dir():
        raise UsageError(f"--out {out}: this is a file, not a folder", "name a folder")
    if (target / MARKER).is_file() or target == here / DEFAULT_OUT:
        return
    if any(target.iterdir()):
        raise UsageError(
            f"--out {out}: the folder is not empty and is not a previous site build (it has "
            f"no {MARKER} file), so building would delete what it holds",
            "name a new or empty folder, or delete this one's content yourself if it is "
            "an old build",
        )


def _said_again(record: logging.LogRecord) -> bool:
    """Drops MkDocs' log line for the plugin's own failure: :func:`build_site` raises it
    as a :class:`SiteError`, with its hint, which the command prints once."""
    return not record.getMessage().startswith("tidings plugin: ")


def build_site(
    root: Path,
    out: Path,
    now: datetime | None = None,
    site_url: str | None = None,
    checked: CheckResult | None = None,
    jobs: int | None = None,
) -> BuildResult:
    """Build the preview site of ``root`` into ``out``, which :func:`check_out` accepts;
    leaves the marker there so the next build may replace it. ``checked``: the check of
    ``root`` when the caller made it already (the workspace is then not read again).
    ``jobs``: worker processes for the pages (None: the plugin's ``jobs`` setting, else
    one per CPU; 1: none, every page built in this process)."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    from tidings.site.plugin import TidingsPlugin

    started = time.perf_counter()
    check_out(root, out)
    _quiet_mkdocs()
    path = config_path(root)
    try:
        config = load_config(config_file=str(path), site_dir=str(out.resolve()))
    except MkDocsException as exc:
        raise SiteError(f"{path}: {exc}", "fix the MkDocs configuration") from None
    plugin = config.plugins.get("tidings")
    if not isinstance(plugin, TidingsPlugin):
        raise UsageError(
            f"{path} does not use the tidings plugin", "add `- tidings` under `plugins:`"
        )
    plugin.now = now
    plugin.checked = checked
    del checked  # the plugin lets go of it once the pages are built
    if jobs is not None:
        plugin.jobs = jobs
    if site_url is not None:
        plugin.config.site_url = site_url
    said = logging.getLogger("mkdocs.commands.build")
    said.addFilter(_said_again)
    try:
        build(config)
    except MkDocsException as exc:
        if plugin.failure is not None:  # the plugin's own message, not MkDocs' "Aborted"
            raise SiteError(
                f"building the site failed: {plugin.failure.message}", plugin.failure.hint
            ) from None
        raise SiteError(f"building the site failed: {exc}") from None
    finally:
        said.removeFilter(_said_again)
    (out / MARKER).write_text(
        "Written by `tidings site build`: this folder holds a site build, which the next\n"
        "build may delete and replace.\n",
        encoding="utf-8",
    )
    return BuildResult(out, path, plugin.pages_built, time.perf_counter() - started, plugin.workers)


def serve_site(root: Path, address: str, now: datetime | None = None) -> None:
    """Serve the site with live reload; rebuilds when content, brand or ledger change.
    ``now`` pins the moment every rebuild counts from, as ``build_site``'s does."""
    from mkdocs.commands.serve import serve
    from mkdocs.exceptions import MkDocsException

    from tidings.site.plugin import TidingsPlugin

    _quiet_mkdocs()
    logging.getLogger("mkdocs").setLevel(logging.INFO)  # serve says where it listens
    path = config_path(root)
    watch = [
        str(root / p)
        for p in ("content", "brand", "ledger", "metrics", "inbox", "tidings.yaml", "build/feed")
    ]
    TidingsPlugin.pinned_now = now
    try:
        serve(
            config_file=str(path),
            watch=[w for w in watch if Path(w).exists()],
            dev_addr=address,
        )
    except MkDocsException as exc:
        raise SiteError(f"serving the site failed: {exc}") from None
    except OSError as exc:
        if exc.errno not in (errno.EADDRINUSE, errno.EACCES, errno.EADDRNOTAVAIL):
            raise
        raise SiteError(_unusable_address(address, exc.errno)) from None
    finally:
        TidingsPlugin.pinned_now = None


def _unusable_address(address: str, code: int | None) -> str:
    """What to say when ``address`` cannot be listened on, and what to do instead."""
    host, _, port = address.rpartition(":")
    other = f"{host or '127.0.0.1'}:{int(port) + 1 if port.isdigit() else 8001}"
    if code == errno.EADDRINUSE:
        why = f"the port {port} is taken (another server is listening on {address})"
    elif code == errno.EACCES:
        why = f"listening on port {port} needs privileges this user lacks"
    else:
        why = f"{host} is not an address of this machine"
    return f"cannot serve the site on {address}: {why}; serve elsewhere with `--addr {other}`"
