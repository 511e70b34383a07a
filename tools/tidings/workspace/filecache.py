"""What each source file parsed to, kept between runs so that a second check is faster.

Reading, parsing and schema-checking every post and ledger file is most of a check of a
large repository, and between two checks (two commits, two pre-commit runs, a check and a
site build) nearly every file is the same. A loaded file that had no problem at all is kept
in ``build/cache/files.json``: its size and modification time, a digest of its text, and
what the loader made of it (the parsed data, and for a Markdown file its body and the
body's first line). No table of positions: a file asked for one (only files with a
diagnostic) is parsed again from its text, whose digest says it is still the text loaded;
only the lines a post's further bodies start on and where its ``at`` and ``channels`` are
(:attr:`Entry.marks`) are kept. The next run that finds the file with the same size and
modification time (or, after a fresh checkout, the same text) takes that instead of
parsing it again. For a post with nothing to report, the entry also keeps what
the loader built from it (:attr:`Entry.derived`: its thread parts as places in the body,
their hash, its times in the brand's zone), taken back only with an entry found by size
and time: the zone is the brand's, and any change in ``brand/`` empties the cache.

* Safe to delete: without the file every file is parsed, with the same result.
* Versioned: the file is used only by the same engine (:data:`FORMAT`, the package version,
  and a digest of its schemas and workspace modules) and the same configuration
  (``tidings.yaml`` and every file in ``brand/``, digested), else ignored whole.
* Never trusted blindly: it is JSON (nothing in it can run) with a checksum, anything of
  the wrong shape is a miss, and a cache file committed to git (one a pull request could
  bring past ``.gitignore``) is not used. An entry taken by its text (after a fresh clone,
  from a CI cache) has its data checked against the schema again (the fast validator, a
  fraction of parsing). An entry taken by size and time is one this engine wrote for that
  file on this machine: only someone who can already change the files can forge it.
  Files with any diagnostic are never kept: they are parsed every time.
* Written atomically when something changed, so two runs at once cannot corrupt it.

Only a run that asks for it (``load_workspace(cache=True)``: ``tidings check`` and the site
build) reads and writes the file.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, BinaryIO

import tidings
from tidings.workspace import layout
from tidings.workspace.files import releases_stamp

FILE = "build/cache/files.json"
RACY_NS = 2_000_000_000
ENTRY_LEN = 10  # [kind, size, mtime_ns, digest, line_offset, data, body, body_line, marks,
# derived]
DERIVED = 9
FORMAT = 4  # bump when what an entry holds, or how the loader reads it, changes


def text_digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


@dataclass(frozen=True, slots=True)
class Entry:
    """One file as the loader made it: front matter (or the whole YAML file) parsed."""

    data: Any
    digest: str  # of the file's text (text_digest)
    line_offset: int
    body: str | None = None  # a Markdown file's body after its front matter
    body_line: int = 0
    derived: Any = None
    """What the loader built from the rest, kept by :meth:`FileCache.derive` (a post's thread
    parts, hash and times), so that an unchanged file is not worked out again; only in an
    entry taken by size and time (this engine's, for this very file)."""
    marks: Any = None
    """Where a post's further bodies start and where its ``at`` and ``channels`` are
    (``loader._marks``): found without the node tree, also for an entry taken by its text
    (a wrong one only misplaces a line number)."""


def _engine_digest() -> str:
    """The package version, its schemas and the modules that read files, digested."""
    h = hashlib.blake2b(f"{FORMAT}:{tidings.__version__}".encode(), digest_size=16)
    package = resources.files("tidings")
    for folder in ("schemas", "workspace"):
        for item in sorted(package.joinpath(folder).iterdir(), key=lambda p: p.name):
            if item.name.endswith((".json", ".py")):
                h.update(item.name.encode())
                h.update(item.read_bytes())
    return h.hexdigest()


def config_digest(root: Path) -> str:
    """``tidings.yaml`` and every file directly in ``brand/``: what a file is read with."""
    h = hashlib.blake2b(digest_size=16)
    brand = root / Path(layout.BRAND).parent
    names = sorted(p.name for p in brand.iterdir()) if brand.is_dir() else []
    for rel in (layout.MARKER, *(f"{brand.name}/{n}" for n in names)):
        h.update(rel.encode() + b"\0")
        with contextlib.suppress(OSError):
            if (root / rel).is_file():
                h.update((root / rel).read_bytes())
        h.update(b"\0")
    return h.hexdigest()


class FileCache:
    """The entries of one workspace, as read at the start of a load."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._prefix = os.path.join(root, "")
        self.stamp = f"{_engine_digest()}:{config_digest(root)}:{releases_stamp()}"
        self.seen: set[str] = set()
        self.current: set[str] = set()
        """The files whose entry is the file as it is now: taken back or written this run."""
        self.changed = False
        self._old: BinaryIO | None = None
        self._new: BinaryIO | None = None
        self.lines: dict[str, int] = {}
        self._statted: tuple[str, os.stat_result | None] | None = None
        """The file :meth:`get` looked at last by its size and time, and what it found."""
        self._missed: tuple[str, list[Any]] | None = None
        """The entry :meth:`get` decoded last and found changed by size or time."""
        self._spools: str | None = None
        """In a worker process, the folder its spool is written in (see :meth:`private`)."""
        self._spool_path: str | None = None
        self._spool_end = 0
        """The spool's length: where its next line goes."""
        self._spool_at_end = True
        """Whether the spool's position is its end (no line was read since one was written)."""
        self._pending: tuple[str, list[Any]] | None = None
        """The entry added last, written to the spool when the next one is (or a line is
        read): the loader may still add what it built from it (:meth:`derive`)."""
        """Where each file's line is: from 0, where it starts in the cache file as read; below
        0, in the spool of new lines (``-1 - start``), a temporary file. A line is read
        again only when the loader asks for that file, or to write the cache out: the entries
        of a large repository, even as text, would be as much memory as its posts."""
        with contextlib.suppress(OSError):
            self._old = (root / FILE).open("rb")
            self.lines = index_lines(self._old, self.stamp)
        if self.lines and committed(root):
            self.lines = {}

    def _line(self, rel: str) -> bytes | None:
        self._flush()
        at = self.lines.get(rel)
        if at is None:
            return None
        if at >= 0:
            if self._old is None:
                return None
            if self._spools is not None:  # a worker: the offset is the parent's too
                return _line_at(self._old, at)
            self._old.seek(at)  # buffered: the entries are mostly read in the file's order
            return self._old.readline()
        if self._new is None:
            return None
        self._new.seek(-1 - at)
        self._spool_at_end = False
        return self._new.readline()

    def _add(self, rel: str, entry: list[Any]) -> None:
        """``rel``'s new entry, written to the spool once the next one is added (its parsed
        data is not held until the cache is written)."""
        self._flush()
        self._pending = (rel, entry)
        self.changed = True

    def _flush(self) -> None:
        if self._pending is None:
            return
        rel, entry = self._pending
        self._pending = None
        spool = self._spool()
        if not self._spool_at_end:  # a line was read from it since the last was written
            spool.seek(self._spool_end)
            self._spool_at_end = True
        line = _encode(rel, entry)
        spool.write(line)  # buffered: a system call for many lines (a seek would flush)
        self.lines[rel] = -1 - self._spool_end
        self._spool_end += len(line)

    # An entry is [kind, size, mtime_ns, digest, line_offset, data, body, body_line, marks,
    # derived].

    def stat(self, rel: str) -> os.stat_result | None:
        try:
            info = os.stat(self._prefix + rel)
        except OSError:
            return None
        return info if stat.S_ISREG(info.st_mode) else None

    def get(
        self, rel: str, kind: str, text: str | None = None, digest: str | None = None
    ) -> Entry | None:
        """The entry for ``rel`` when the file is unchanged: the same size and modification
        time, or (given the file's ``text``, and its ``digest`` if known) the same text. None
        on any doubt.

        The first is an entry this engine wrote for this very file (the file's digest says
        nothing was changed since); the caller checks the data of the second against its
        schema again, since it may come from elsewhere (a CI cache, a planted file)."""
        self.seen.add(rel)
        info: os.stat_result | None = None
        missed, self._missed = self._missed, None
        try:
            if missed is not None and missed[0] == rel and text is not None:
                raw = missed[1]  # decoded when its size or time did not match, just before
            else:
                line = self._line(rel)
                if line is None:
                    return None
                if text is None:
                    info = self.stat(rel)
                    self._statted = (rel, info)
                    if info is None:
                        return None
                raw = _decode(line.decode())[1]
        except (OSError, ValueError, TypeError, IndexError, KeyError, RecursionError):
            return None
        if not isinstance(raw, list) or len(raw) != ENTRY_LEN or raw[0] != kind:
            return None
        try:
            _, size, mtime, kept, offset, data, body, body_line, marks, derived = raw
            if text is None:
                if info is None or info.st_size != size or info.st_mtime_ns != mtime:
                    self._missed = (rel, raw)  # the caller may come back with the text
                    return None
            elif (digest or text_digest(text)) != kept:
                return None
            else:  # the same text with another time (a fresh checkout): note the new one
                # its size and time from before the text was read (when the caller looked
                # first): a change after the read then only makes the next run read it again
                statted = self._statted
                info = statted[1] if statted is not None and statted[0] == rel else self.stat(rel)
                if info is not None:
                    racy = info.st_mtime_ns >= time.time_ns() - RACY_NS  # as put() says
                    raw[1], raw[2] = -1 if racy else info.st_size, info.st_mtime_ns
                    derived = raw[DERIVED] = None  # it may come from elsewhere: worked out again
                    self._add(rel, raw)
                else:
                    derived = None
            if not (
                isinstance(kept, str)
                and isinstance(offset, int)
                and isinstance(body_line, int)
                and (body is None or isinstance(body, str))
            ):
                return None
            self.current.add(rel)
            return Entry(data, kept, offset, body, body_line, derived, marks)
        except (TypeError, ValueError):
            return None

    def put(
        self,
        rel: str,
        kind: str,
        info: os.stat_result | None,
        entry: Entry,
    ) -> None:
        """Keep what ``rel`` (with ``info`` from before reading) parsed to: data that JSON
        gives back as it is (the caller knows: ``YamlDoc.plain``)."""
        self.seen.add(rel)
        self.current.discard(rel)
        if info is None:
            return
        # A file changed in the last seconds may change again within the same tick of a
        # coarse file system clock, keeping its time and size: such an entry is taken by its
        # text only (size -1 never matches), as git does with "racily clean" files.
        racy = info.st_mtime_ns >= time.time_ns() - RACY_NS
        self._add(
            rel,
            [
                kind,
                -1 if racy else info.st_size,
                info.st_mtime_ns,
                entry.digest,
                entry.line_offset,
                entry.data,
                entry.body,
                entry.body_line,
                entry.marks,
                None,
            ],
        )
        self.current.add(rel)

    def derive(self, rel: str, value: Any) -> None:
        """Keep ``value`` with ``rel``'s entry (see :attr:`Entry.derived`): what the loader
        built from the entry taken back or written this run, for the file as it is now
        (lists, text, numbers and mappings with text keys: JSON keeps it as it is)."""
        if rel not in self.current or not isinstance(value, list):
            return
        if self._pending is not None and self._pending[0] == rel:  # not written yet
            self._pending[1][DERIVED] = value
            return
        else:
            try:
                line = self._line(rel)
                entry = _decode(line.decode())[1] if line is not None else None
            except (OSError, ValueError, TypeError, IndexError, KeyError, RecursionError):
                return
        if isinstance(entry, list) and len(entry) == ENTRY_LEN:
            entry[DERIVED] = value
            self._add(rel, entry)

    def to_read(self, rels: Sequence[str], sample: int = 16) -> float:
        """About what share of ``rels`` a load must read: those without an entry, or whose
        size or modification time is not their entry's (a fresh clone with a restored
        cache), judged from ``sample`` of them spread evenly (a stat and the first bytes
        of an entry each). Only a guess, for whether to share the work out."""
        if not rels:
            return 0.0
        picked = rels[:: max(1, len(rels) // sample)][:sample]
        unread = 0
        for rel in picked:
            at = self.lines.get(rel)
            if at is None or at < 0 or self._old is None:
                continue
            try:
                head = _KEPT_STAT.match(_line_at(self._old, at, 512))
                info = os.stat(self._prefix + rel)
            except (OSError, ValueError):
                continue
            if head is not None and (int(head[1]), int(head[2])) == (
                info.st_size,
                info.st_mtime_ns,
            ):
                unread += 1
        return 1 - unread / len(picked)

    def before_fork(self) -> None:
        """Write out what is buffered, before worker processes are forked: a buffer copied
        into a worker would otherwise be written to the shared spool a second time."""
        self._flush()
        if self._new is not None:
            self._new.flush()

    def private(self, spools: str) -> None:
        """Start afresh in a worker process forked from the loading one: entries go to a
        spool file of its own in the folder ``spools``, for :meth:`taken` to hand back.
        The parent's open files are shared with it, offsets and all: its spool is kept (a
        file object dropped here would be closed and flushed) and never touched, and the
        cache file as read is read only where it is (:func:`_line_at`), never moving its
        offset, so entries are taken back here as in the parent."""
        if self._new is not None:
            _INHERITED.append(self._new)
        self._new = None
        self._spools = spools
        self.lines = {rel: at for rel, at in self.lines.items() if at >= 0}
        self._pending = self._missed = self._statted = None
        self.changed = False

    def taken(self) -> tuple[str, list[tuple[str, int]]] | None:
        """In a worker (see :meth:`private`): its spool file, closed, and where in it the
        line of each path it wrote starts; None when it wrote none. The lines stay on disk:
        a large share's entries would be as much memory as its posts."""
        self._flush()
        if self._new is None or self._spool_path is None:
            return None
        self._new.close()
        self._new = None
        index = [(rel, -1 - at) for rel, at in self.lines.items() if at < 0]
        return self._spool_path, index

    def adopt(self, rels: Iterable[str], spooled: tuple[str, list[tuple[str, int]]] | None) -> None:
        """What a worker loaded: ``rels`` were looked at (kept when the cache is pruned),
        ``spooled`` (from :meth:`taken`) holds their entries: copied to this process's spool
        as it would have written them, then deleted."""
        self.seen.update(rels)
        if spooled is None:
            return
        path, index = spooled
        self._flush()
        spool = self._spool()
        base = spool.seek(self._spool_end)
        with open(path, "rb") as fh:
            shutil.copyfileobj(fh, spool)
        os.unlink(path)
        self._spool_end, self._spool_at_end = spool.tell(), True
        for rel, at in index:
            self.lines[rel] = -1 - (base + at)
        self.changed = self.changed or bool(index)

    def _spool(self) -> BinaryIO:
        """The spool of new lines, made when first needed: an anonymous temporary file,
        or in a worker a named one in its folder of spools (see :meth:`private`)."""
        if self._new is None:
            if self._spools is None:
                self._new = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
            else:
                fd, self._spool_path = tempfile.mkstemp(suffix=".spool", dir=self._spools)
                self._new = os.fdopen(fd, "w+b")
            self._spool_end, self._spool_at_end = 0, True
        return self._new

    def forget(self, rel: str) -> None:
        self.seen.add(rel)
        self.current.discard(rel)
        if self._pending is not None and self._pending[0] == rel:
            self._pending = None
        if self.lines.pop(rel, None) is not None:
            self.changed = True

    def save(self, *, prune: bool) -> None:
        """Write the entries when something changed (with ``prune``, only the files this run
        looked at); never fails a run."""
        with contextlib.suppress(OSError):
            self._flush()
        if prune:
            gone = set(self.lines) - self.seen
            for rel in gone:
                del self.lines[rel]
            self.changed = self.changed or bool(gone)
        try:
            if self.changed:
                with contextlib.suppress(OSError, ValueError):
                    lines = (self._line(rel) for rel in list(self.lines))
                    write_lines(self.root / FILE, self.stamp, (x for x in lines if x))
                    self.changed = False
        finally:
            self.close()

    def close(self) -> None:
        for fh in (self._old, self._new):
            if fh is not None:
                fh.close()
        self._old = self._new = None


def _line_at(fh: BinaryIO, at: int, most: int | None = None) -> bytes:
    """The line that starts at ``at`` in ``fh`` (or its first ``most`` bytes), read with
    ``os.pread``: the file's offset, which a worker process shares with the process it was
    forked from, is neither used nor moved (a worker reads the cache file only so; the
    loading process reads it through its buffer, a system call for many lines, not one
    each)."""
    fd = fh.fileno()
    size = most or 4096
    parts: list[bytes] = []
    while True:
        chunk = os.pread(fd, size, at)
        end = chunk.find(b"\n")
        if end >= 0:
            parts.append(chunk[: end + 1])
            break
        parts.append(chunk)
        if most is not None or len(chunk) < size:  # as much as asked for, or the file's end
            break
        at += len(chunk)
        size *= 2
    return b"".join(parts)


_KEPT_STAT = re.compile(rb'\["(?:[^"\\]|\\.)*",\["\w+",(-?\d+),(\d+),')
"""The start of an entry's line: its path, kind, and the file's size and modification
time as kept (see :meth:`FileCache.to_read`)."""

_INHERITED: list[BinaryIO] = []
"""In a worker process, the files it inherited from the process that forked it (see
:meth:`FileCache.private`): held until the worker ends, which closes them unflushed."""

_decode = json.JSONDecoder().decode
"""``json.loads`` of a text without its checks of the argument and its encoding (a line
of the cache file is UTF-8, as written): one call for every file a load takes back."""

_CONTROL = re.compile(rb"[\x00-\x1f]").search
"""A control character, which JSON text never holds raw (the whole line is decoded then)."""

HEAD = 255  # bytes of the first line, written last: {"stamp": …, "sum": …} padded with spaces


def _encode(rel: str, entry: list[Any]) -> bytes:
    """One file's line of the cache file, ``[path, entry]`` as JSON, with its newline."""
    return json.dumps([rel, entry], separators=(",", ":"), ensure_ascii=False).encode() + b"\n"


def write_entries(path: Path, stamp: str, entries: dict[str, list[Any]]) -> None:
    """The cache file of ``entries`` (path → entry)."""
    write_lines(path, stamp, (_encode(rel, entry) for rel, entry in entries.items()))


def write_lines(path: Path, stamp: str, lines: Iterable[bytes]) -> None:
    """The cache file: a header line (the stamp and a digest of the rest), then one JSON
    line ``[path, entry]`` a file, streamed (never the whole text in memory), replaced
    atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(b" " * HEAD + b"\n")
            digest = hashlib.blake2b(digest_size=16)
            for raw in lines:
                digest.update(raw)
                fh.write(raw)
            head = json.dumps({"stamp": stamp, "sum": digest.hexdigest()}).encode()
            fh.seek(0)
            fh.write(head.ljust(HEAD))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_entries(path: Path, stamp: str) -> dict[str, list[Any]]:
    """The entries of a cache file written with ``stamp`` (see :func:`index_lines`)."""
    entries: dict[str, list[Any]] = {}
    with contextlib.suppress(OSError), path.open("rb") as fh:
        for rel, offset in index_lines(fh, stamp).items():
            fh.seek(offset)
            with contextlib.suppress(ValueError, TypeError, KeyError, IndexError, RecursionError):
                entry = json.loads(fh.readline())[1]
                if isinstance(entry, list):
                    entries[rel] = entry
    return entries


def index_lines(fh: BinaryIO, stamp: str) -> dict[str, int]:
    """Where each file's line starts in the cache file ``fh``, by the file's path, when it
    was written with ``stamp``; empty when it is of another engine or configuration, cut
    short, changed by hand or not ours at all. Only the paths are decoded."""
    lines: dict[str, int] = {}
    try:
        head = fh.readline(HEAD + 1)
        header = json.loads(head)
        if not isinstance(header, dict) or header.get("stamp") != stamp:
            return {}
        offset = len(head)
        digest = hashlib.blake2b(digest_size=16)
        for raw in fh:
            digest.update(raw)
            end = raw.find(b'",', 2)  # [path, entry]: only the path is decoded now
            path = raw[2:end]
            if end > 0 and raw[:2] == b'["' and b"\\" not in path and not _CONTROL(path):
                rel = path.decode()  # no escape and no control character: the text itself
            else:
                rel = json.loads(raw)[0]
            if isinstance(rel, str):
                lines[rel] = offset
            offset += len(raw)
    except (OSError, ValueError, TypeError, KeyError, IndexError, RecursionError):
        return {}
    return lines if header.get("sum") == digest.hexdigest() else {}


def committed(root: Path, rel: str = FILE) -> bool:
    """Whether git tracks the cache file ``rel``: then it came with the content (a pull
    request can add it past ``.gitignore``), not from a run of the engine, and is not used."""
    if not (root / ".git").exists():
        return False
    try:
        found = subprocess.run(
            ["git", "ls-files", "-z", "--", rel],
            cwd=root,
            capture_output=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return bool(found.stdout)


_active: ContextVar[FileCache | None] = ContextVar("tidings_file_cache", default=None)


def active() -> FileCache | None:
    """The cache of the load in progress, if it asked for one."""
    return _active.get()


@contextlib.contextmanager
def session(root: Path, *, enabled: bool, prune: bool) -> Iterator[FileCache | None]:
    """Use the cache of ``root`` for the loads inside the block, then save it."""
    if not enabled:
        yield None
        return
    cache = FileCache(root)
    token = _active.set(cache)
    try:
        yield cache
    except BaseException:
        cache.close()
        raise
    finally:
        _active.reset(token)
    cache.save(prune=prune)
