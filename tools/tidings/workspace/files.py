"""Atomic file writing, and the stamps and digests of the files kept in ``build/cache/``.

Writing goes to a temporary file in the same folder, then a rename: a crash, or a second
run writing the same file at once, leaves the old file or the new one, never half of one.
The ledger, the caches, the metrics snapshots and the local channels (outbox, feed) all
write through here. A kept file is stamped with what made it (a library's release, every
release installed, a module's bytes, a time zone's rules), never with files' times, which a
fresh install or checkout changes; :func:`summed` and :func:`checked` let a damaged one be
seen.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
import tempfile
import zoneinfo
from collections.abc import Sequence
from datetime import tzinfo
from importlib import resources
from pathlib import Path
from typing import TypeVar

V = TypeVar("V")


def library_stamp(origin: str | os.PathLike[str], dist: str) -> str:
    """Which release of the installed distribution ``dist`` a cache was made with, for the
    package whose file is ``origin``: the version in the name of its ``.dist-info`` folder
    beside the package. Never the files' times: a fresh install (each CI run makes its
    environment anew) gives the same release new times, and a cache CI restored would never
    be used. Falls back to the file's size and time where no such folder is found."""
    package = Path(origin).parent
    site = package.parent
    prefix = dist.replace("-", "_").lower() + "-"
    try:
        found = sorted(
            name[len(prefix) : -len(".dist-info")]
            for name in os.listdir(site)
            if name.lower().startswith(prefix) and name.lower().endswith(".dist-info")
        )
        if found:  # (two left side by side by an upgrade: both named)
            return f"{dist}=={','.join(found)}"
        st = os.stat(origin)
    except OSError:
        return f"{dist}:missing"
    return f"{dist}:{st.st_size}:{st.st_mtime_ns}"


def releases_stamp(folders: Sequence[str | os.PathLike[str]] | None = None) -> str:
    """Every distribution installed where this Python finds packages (``folders``, by
    default each folder of ``sys.path``), by the names of their ``.dist-info`` and
    ``.egg-info`` entries (a wheel's, a system package's), digested: for the caches of what
    files parsed to and what the rules found, which depend on many libraries (PyYAML, the
    schema validator, twitter-text, pyphen, regex…). A cache restored from before an
    upgrade of any of them is then not taken. A directory listing a folder, made once a
    process."""
    global _releases
    if folders is None and _releases is not None:
        return _releases
    names: list[str] = []
    for folder in dict.fromkeys(sys.path if folders is None else folders):
        try:
            listed = os.listdir(folder or ".")
        except OSError:  # not a folder (a zip), or gone
            continue
        names += (n for n in listed if n.endswith((".dist-info", ".egg-info")))
    stamp = hashlib.blake2b("\n".join(sorted(names)).encode(), digest_size=8).hexdigest()
    if folders is None:
        _releases = stamp
    return stamp


_releases: str | None = None


def zone_stamp(tz: tzinfo) -> str:
    """The time zone ``tz`` by its name and its rules: a digest of its TZif file, found as
    :mod:`zoneinfo` finds it (the ``TZPATH`` folders, then the tzdata package). A zone's
    rules change with a tz database update (a country ends daylight saving time), its name
    does not; what was worked out in local days under the old rules is then not taken."""
    key = getattr(tz, "key", None)
    if not isinstance(key, str):
        return str(tz)
    data: bytes | None = None
    for folder in zoneinfo.TZPATH:
        with contextlib.suppress(OSError):
            data = Path(folder, key).read_bytes()
            break
    if data is None:
        try:
            data = resources.files("tzdata.zoneinfo").joinpath(*key.split("/")).read_bytes()
        except (ImportError, OSError):
            return key
    return f"{key}:{hashlib.blake2b(data, digest_size=8).hexdigest()}"


def summed(text: str) -> str:
    """``text`` under a first line holding its digest, for a kept file whose damage (a cut,
    a flipped bit) must be seen: :func:`checked` reads it back."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest() + "\n" + text


def checked(data: bytes) -> str:
    """The text :func:`summed` wrote; ValueError when the digest does not match."""
    head, _, body = data.partition(b"\n")
    if hashlib.blake2b(body, digest_size=16).hexdigest().encode() != head:
        raise ValueError("the kept file is damaged")
    return body.decode("utf-8")


def source_stamp(path: str | os.PathLike[str]) -> str:
    """A digest of a source file's bytes (a module of ours a cache depends on): the same in
    every checkout of the same code, whatever the files' times."""
    return hashlib.blake2b(Path(path).read_bytes(), digest_size=8).hexdigest()


def merge_new(known: dict[str, V], found: dict[str, V] | None) -> bool:
    """Add to the kept values ``known`` what a worker process ``found`` (its own copy of them,
    see :mod:`tidings.processes`); whether any was new, so that the cache is written."""
    new = False
    for key, value in (found or {}).items():
        if known.get(key) != value:
            known[key] = value
            new = True
    return new


def write_atomic(path: Path, text: str, *, sync: bool = True) -> None:
    """Replace ``path`` with ``text`` (UTF-8, ``\\n`` line ends) in one rename; ``sync``
    flushes it to the disk first, so the rename never points at missing data."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            if sync:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
