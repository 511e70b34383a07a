"""What the rules about one post alone found on each post, kept between checks.

A full check renders every text of every post for every channel (lengths, links, hashtags,
the brand's voice, images): most of a warm check's time, for posts that did not change.
The findings of the rules about one post alone (``PER_POST``, and those on the further
bodies of an evergreen post) depend on that post, the shared configuration and the images
it uses; they are kept in ``build/cache/rules.json``, one line a post, under a key made of:

* the post: a digest of its file's text, so any edit of it changes it;
* the engine: the package version and every module and schema of the package, digested;
* the configuration: ``tidings.yaml`` and every file in ``brand/`` (brand, channels, ...),
  digested as :mod:`tidings.workspace.filecache` does;
* each image the post names: a digest of its bytes (kept with its size and modification
  time, and read again when either changed), whether it is a link and to where, or that it
  is missing: a replaced image is assessed again, an image merely checked out again is not.

Anything else is a miss: the rules run on the posts that missed, in one pass, and their
findings are kept. Safe to delete; written atomically; read only by ``tidings check``
without ``--no-cache``. The report is the same with or without it: tests compare them.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, BinaryIO

import tidings
from tidings.diagnostics import Diagnostic, Severity
from tidings.workspace import filecache
from tidings.workspace.files import releases_stamp
from tidings.workspace.model import Post

FILE = "build/cache/rules.json"
FORMAT = 2  # bump when what an entry holds, or its key, changes


@dataclass
class Found:
    """What the rules about one post alone found on one post."""

    rules: dict[str, list[Diagnostic]] = field(default_factory=dict)
    """By rule name (rules that found nothing left out), in the order the rule reported
    them."""
    rotations: list[tuple[int, str, list[Diagnostic]]] = field(default_factory=list)
    """On an evergreen post's further bodies: (body index, rule name, findings)."""


def _engine_digest() -> str:
    """The package version, and every module and schema the rules about one post read
    with: the checks, the core they render and measure with, the loader that builds the
    post, the schemas."""
    h = hashlib.blake2b(f"{FORMAT}:{tidings.__version__}".encode(), digest_size=16)
    base = str(resources.files("tidings"))
    for top in ("check", "core", "workspace", "schemas", "diagnostics.py"):
        found = [top] if top.endswith(".py") else []
        for folder, dirs, files in os.walk(os.path.join(base, top)):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            rel = os.path.relpath(folder, base)
            found += [os.path.join(rel, f) for f in sorted(files) if f.endswith((".py", ".json"))]
        for name in found:
            h.update(name.encode() + b"\0")
            with open(os.path.join(base, name), "rb") as fh:
                h.update(fh.read())
    return h.hexdigest()


def post_key(post: Post, media: Iterable[str]) -> str:
    """The key of ``post``'s findings: the post as loaded, and what ``media`` (the
    :meth:`RuleCache.image` of each image it names) says of its images.

    A post is what its file's text makes of it under the configuration and the engine (both
    in the cache's stamp), so the digest of the text the loader read stands for it (and for
    its lines); a post without one (not read from a file) is keyed by all its fields."""
    doc = post.source.doc
    digest = doc.origin.digest if doc.origin is not None else None
    seed = f"{post.path}\0{doc.line_offset}\0{digest}" if digest else repr(post)
    h = hashlib.blake2b(seed.encode("utf-8", "surrogatepass"), digest_size=16)
    for item in sorted(set(media)):
        h.update(b"\0" + item.encode("utf-8", "surrogatepass"))
    return h.hexdigest()


IMAGES = ""
"""The entry of the table of images (no post file has an empty path): path → [size,
modification time, digest of the bytes]."""


def _file_digest(path: Path) -> str:
    h = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 16), b""):
            h.update(block)
    return h.hexdigest()


def _encode(d: Diagnostic) -> list[Any]:
    return [d.path, d.line, d.column, d.severity.value, d.code, d.message, d.suggestion, d.channel]


def _decode(raw: list[Any]) -> Diagnostic:
    path, line, column, severity, code, message, suggestion, channel = raw
    if not (
        isinstance(path, str)
        and type(line) is int
        and type(column) is int
        and isinstance(code, str)
        and isinstance(message, str)
        and (suggestion is None or isinstance(suggestion, str))
        and (channel is None or isinstance(channel, str))
    ):
        raise ValueError("not a diagnostic")
    return Diagnostic(path, line, column, Severity(severity), code, message, suggestion, channel)


def cacheable(found: Found) -> bool:
    """Whether JSON keeps every finding as it is (no finding seen from other files)."""
    every = [d for ds in found.rules.values() for d in ds]
    every += [d for _, _, ds in found.rotations for d in ds]
    return all(not d.also for d in every)


class RuleCache:
    """The kept findings of one workspace, as read at the start of a check."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.stamp = f"{_engine_digest()}:{filecache.config_digest(root)}:{releases_stamp()}"
        self.seen: set[str] = set()
        self.changed = False
        self._old: BinaryIO | None = None
        self._new: BinaryIO | None = None
        self.lines: dict[str, int] = {}
        """Where each post's line is, as in :class:`tidings.workspace.filecache.FileCache`:
        from 0 in the file as read, below 0 in the spool of new lines."""
        with contextlib.suppress(OSError):
            self._old = (root / FILE).open("rb")
            self.lines = filecache.index_lines(self._old, self.stamp)
        if self.lines and filecache.committed(root, FILE):
            self.lines = {}
        self._images: dict[str, Any] = {}
        self._images_changed = False
        self._memo: dict[str, str] = {}
        with contextlib.suppress(OSError, ValueError, TypeError, KeyError, IndexError):
            line = self._line(IMAGES)
            table = json.loads(line)[1] if line else {}
            self._images = table if isinstance(table, dict) else {}

    def image(self, rel: str) -> str:
        """What the findings on a post that names the image ``rel`` depend on: its path,
        whether it is a link and to where, and a digest of its bytes (read again only when
        its size or modification time changed: a fresh clone reads each image once)."""
        if rel in self._memo:
            return self._memo[rel]
        self._memo[rel] = found = self._image(rel)
        return found

    def _image(self, rel: str) -> str:
        full = self.root / rel
        try:
            link = os.path.realpath(full) if os.path.islink(full) else ""
            info = os.stat(full)
        except (OSError, ValueError):
            return f"{rel}\0-"
        if not stat.S_ISREG(info.st_mode):
            return f"{rel}\0{info.st_mode}"
        known = self._images.get(rel)
        if isinstance(known, list) and known[:2] == [info.st_size, info.st_mtime_ns]:
            digest = str(known[2])
        else:
            try:
                digest = _file_digest(full)
            except OSError:
                return f"{rel}\0-"
            self._images[rel] = [info.st_size, info.st_mtime_ns, digest]
            self._images_changed = True
        return f"{rel}\0{link}\0{digest}"

    def _line(self, rel: str) -> bytes | None:
        at = self.lines.get(rel)
        fh = self._old if at is None or at >= 0 else self._new
        if at is None or fh is None:
            return None
        fh.seek(at if at >= 0 else -1 - at)
        return fh.readline()

    def get(self, rel: str, key: str) -> Found | None:
        """The findings kept for the post file ``rel`` under ``key``; None on any doubt."""
        self.seen.add(rel)
        try:
            line = self._line(rel)
            if line is None:
                return None
            _, kept, rules, rotations = json.loads(line)
            if kept != key or not isinstance(rules, dict) or not isinstance(rotations, list):
                return None
            return Found(
                {str(name): [_decode(d) for d in ds] for name, ds in rules.items() if ds},
                [(int(i), str(name), [_decode(d) for d in ds]) for i, name, ds in rotations],
            )
        except (OSError, ValueError, TypeError, KeyError, IndexError, RecursionError):
            return None

    def put(self, rel: str, key: str, found: Found) -> None:
        self.seen.add(rel)
        rules = {name: [_encode(d) for d in ds] for name, ds in found.rules.items()}
        rotations = [[i, name, [_encode(d) for d in ds]] for i, name, ds in found.rotations]
        line = json.dumps([rel, key, rules, rotations], separators=(",", ":"), ensure_ascii=False)
        self._spool(rel, line)

    def _spool(self, rel: str, line: str) -> None:
        if self._new is None:
            self._new = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        at = self._new.seek(0, os.SEEK_END)
        self._new.write(line.encode("utf-8", "surrogatepass") + b"\n")
        self.lines[rel] = -1 - at
        self.changed = True

    def save(self, *, prune: bool) -> None:
        """Write the entries when something changed (with ``prune``, only the posts this run
        looked at); never fails a check."""
        if prune and set(self._images) - set(self._memo):  # images no post names any more
            self._images = {k: v for k, v in self._images.items() if k in self._memo}
            self._images_changed = True
        if self._images_changed:
            line = json.dumps([IMAGES, self._images], separators=(",", ":"), ensure_ascii=False)
            self._spool(IMAGES, line)
        self.seen.add(IMAGES)
        if prune:
            gone = set(self.lines) - self.seen
            for rel in gone:
                del self.lines[rel]
            self.changed = self.changed or bool(gone)
        try:
            if self.changed:
                with contextlib.suppress(OSError, ValueError):
                    lines = (self._line(rel) for rel in list(self.lines))
                    filecache.write_lines(self.root / FILE, self.stamp, (x for x in lines if x))
                    self.changed = False
        finally:
            self.close()

    def close(self) -> None:
        for fh in (self._old, self._new):
            if fh is not None:
                fh.close()
        self._old = self._new = None
