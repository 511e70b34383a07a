"""The hyphenation patterns the reading level counts syllables with, kept between runs.

:mod:`tidings.core.readability` counts syllables with pyphen's en_US dictionary, and pyphen
reads it by parsing its 11,000 patterns one regular expression at a time: about 0.06 s,
a fifth of a one-file check (pre-commit's), paid by every check that measures a reading
level, whatever the post. The parsed table depends only on the dictionary file, so a check
keeps it in ``build/cache/hyphenation.json``, stamped with that file's size and time and
:data:`FORMAT`, and reads it back as JSON in a fraction of the time. A missing, stale or
unreadable file is simply ignored (the dictionary is parsed as before), and the file is
replaced atomically, as :mod:`tidings.workspace.lengthcache` does.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

from tidings.workspace.files import write_atomic

FILE = "build/cache/hyphenation.json"
FORMAT = 1  # bump when what is kept changes

Patterns = dict[str, tuple[int, tuple[int, ...]]]
"""pyphen's table: a pattern's letters → (where its values start, the values)."""

_root: Path | None = None
_new: tuple[Path, Patterns] | None = None


def _stamp(dictionary: Path) -> str:
    st = os.stat(dictionary)
    return f"{FORMAT}:{dictionary.name}:{st.st_size}:{st.st_mtime_ns}"


def load(root: Path) -> None:
    """Let :func:`patterns` look in ``root``'s cache (read only when a reading level is
    measured)."""
    global _root
    _root = root


def patterns(dictionary: Path) -> Patterns | None:
    """The table parsed from ``dictionary`` by an earlier run, if kept and still current."""
    if _root is None:
        return None
    try:
        data = json.loads((_root / FILE).read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("stamp") != _stamp(dictionary):
            return None
        table: Patterns = {}
        for key, (start, values) in data["patterns"].items():
            if not (isinstance(start, int) and all(isinstance(v, int) for v in values)):
                return None
            table[key] = (start, tuple(values))
        return table or None
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None


def remember(dictionary: Path, table: Patterns) -> None:
    """Keep the table just parsed from ``dictionary``, for :func:`save` to write."""
    global _new
    _new = (dictionary, table)


def save(root: Path) -> None:
    """Write the table remembered since the last save, if any; never fails a run."""
    global _new
    if _new is None:
        return
    dictionary, table = _new
    with contextlib.suppress(OSError):
        body = {"stamp": _stamp(dictionary), "patterns": table}
        write_atomic(root / FILE, json.dumps(body, separators=(",", ":")), sync=False)
        _new = None


def clear() -> None:
    """Forget the root and anything remembered (tests)."""
    global _root, _new
    _root = _new = None
