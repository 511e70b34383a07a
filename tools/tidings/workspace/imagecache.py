"""What each image's header said, kept between runs while the file is unchanged.

The media rule reads every image a checked post names, and the profiles rule the brand's
profile images, each check (:func:`tidings.workspace.images.inspect`); reading the first one
imports Pillow: about 0.03 s, a tenth of a one-file check (pre-commit's), for files that
rarely change when a post's text does. A readable image's
:class:`~tidings.workspace.images.ImageInfo` depends only on its bytes and on Pillow, so a
check keeps it in ``build/cache/images.json`` under the file's path with its size and
modification time (as :mod:`tidings.workspace.filecache` trusts them), stamped with
:data:`FORMAT`, the installed Pillow's release and a digest of ``images.py``. The
next run takes it back while the file's size and time match, and only then: any other
file, and every unreadable one (its message is read again), is inspected as before. A
missing, stale or malformed cache is ignored; it is replaced atomically, as
:mod:`tidings.workspace.lengthcache` does.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
from pathlib import Path

from tidings.workspace import images
from tidings.workspace.files import library_stamp, merge_new, source_stamp, write_atomic
from tidings.workspace.images import ImageInfo, Unreadable

FILE = "build/cache/images.json"
FORMAT = 1  # bump when ImageInfo's fields change

_known: dict[str, list[object]] = {}
_root: Path | None = None
_new = False


def _stamp() -> str:
    """Which Pillow (its release) and which images.py (a digest) read the kept headers."""
    spec = importlib.util.find_spec("PIL")  # finds it without importing it
    if spec is None or spec.origin is None:
        return "missing"
    return f"{FORMAT}:{library_stamp(spec.origin, 'pillow')}:{source_stamp(images.__file__)}"


def _info(row: list[object]) -> ImageInfo | None:
    """The ImageInfo a kept row describes; None when it does not read as one."""
    fmt, width, height, size, mode, animated, alpha, orientation, gps = row
    ints, flags = (width, height, size, orientation), (animated, alpha, gps)
    if not (
        fmt in images.READABLE
        and isinstance(mode, str)
        and all(type(n) is int for n in ints)
        and all(type(b) is bool for b in flags)
    ):
        return None
    return ImageInfo(fmt, width, height, size, mode, animated, alpha, orientation, gps)  # type: ignore[arg-type]


def inspect(path: Path, rel: str) -> ImageInfo | Unreadable:
    """:func:`tidings.workspace.images.inspect`, from what an earlier run read of the same
    file (same size, same time) when there is that."""
    try:
        st = os.stat(path)
    except OSError:
        return images.inspect(path, rel)
    row = _known.get(rel)
    if isinstance(row, list) and len(row) == 11 and row[:2] == [st.st_size, st.st_mtime_ns]:
        with contextlib.suppress(ValueError, TypeError):
            kept = _info(row[2:])
            if kept is not None:
                return kept
    found = images.inspect(path, rel)
    if isinstance(found, ImageInfo) and found.size == st.st_size:
        remember(rel, st.st_size, st.st_mtime_ns, found)
    return found


def remember(rel: str, size: int, mtime_ns: int, info: ImageInfo) -> None:
    global _new
    _known[rel] = [
        size,
        mtime_ns,
        info.format,
        info.width,
        info.height,
        info.size,
        info.mode,
        info.animated,
        info.alpha,
        info.orientation,
        info.gps,
    ]
    _new = True


def load(root: Path) -> None:
    """Take the headers ``root``'s earlier runs kept (when read by this Pillow); what was
    read in another workspace is forgotten (paths are relative to the root)."""
    global _root
    if root != _root:
        clear()
        _root = root
    try:
        data = json.loads((root / FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if not isinstance(data, dict) or data.get("stamp") != _stamp():
        return
    kept = data.get("images")
    if isinstance(kept, dict):
        for rel, row in kept.items():
            if isinstance(rel, str) and isinstance(row, list):
                _known.setdefault(rel, row)


def save(root: Path) -> None:
    """Write what is known when something new was read; never fails a run."""
    global _new
    if not _new:
        return
    body = json.dumps({"stamp": _stamp(), "images": _known}, separators=(",", ":"))
    with contextlib.suppress(OSError):
        write_atomic(root / FILE, body, sync=False)
        _new = False


def changes() -> dict[str, list[object]] | None:
    """What a worker process read (every header it knows), for :func:`take` in the process
    that forked it; None when nothing was new."""
    return dict(_known) if _new else None


def take(found: dict[str, list[object]] | None) -> None:
    """Add what a worker read (:func:`changes`), to be saved with the rest."""
    global _new
    _new = merge_new(_known, found) or _new


def clear() -> None:
    """Forget everything in memory (tests)."""
    global _new, _root
    _known.clear()
    _new, _root = False, None
