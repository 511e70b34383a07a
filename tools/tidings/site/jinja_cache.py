"""Compiled templates kept between builds.

Jinja compiles every template to Python before its first use: our page templates and
mkdocs-material's (``main.html`` and the partials it includes, ``404.html``,
``sitemap.xml``), about 0.1 s of every build, the same each time. A bytecode cache in the
workspace's ``build/cache/jinja/<Jinja's release>/`` keeps the compiled code; Jinja keys
each entry by the template's name and a checksum of its source, so an edited or upgraded
template is compiled again. The first build in a fresh checkout (CI) still compiles
everything; a rebuild (``tidings site serve`` makes a new theme environment for each) or a
second build does not.
"""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path

import jinja2
import jinja2.bccache

CACHE = "build/cache/jinja"


class _Cache(jinja2.FileSystemBytecodeCache):
    """A cache that can never fail a build: a folder gone or read-only means no caching."""

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def folder(root: Path) -> Path:
    """Where this Jinja release keeps its compiled templates: code compiled by another
    release (a cache CI restored from before an upgrade) is never loaded, since Jinja's own
    mark on it changes only with its bytecode format, not with every change to what the
    compiled code calls."""
    return root / CACHE / jinja2.__version__


def bytecode_cache(root: Path) -> jinja2.BytecodeCache | None:
    """The workspace's template cache, or None when its folder cannot be made. Another
    release's folder is removed when this one's is first made."""
    mine = folder(root)
    try:
        if not mine.is_dir():
            shutil.rmtree(root / CACHE, ignore_errors=True)
        mine.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return _Cache(str(mine))


def attach(env: jinja2.Environment, root: Path) -> None:
    if env.bytecode_cache is None:
        env.bytecode_cache = bytecode_cache(root)
