"""Atomic file writing: a temporary file in the same folder, then a rename.

A crash, or a second run writing the same file at once, leaves the old file or the new one,
never half of one. The ledger, the X length cache, the metrics snapshots and the local
channels (outbox, feed) all write through here.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TypeVar

V = TypeVar("V")


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
