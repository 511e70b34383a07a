"""The hyphenation patterns the reading level counts syllables with, kept between runs.

:mod:`tidings.core.readability` counts syllables with pyphen's en_US dictionary, and pyphen
reads it by parsing its 11,000 patterns one regular expression at a time: about 0.06 s,
a fifth of a one-file check (pre-commit's), paid by every check that measures a reading
level, whatever the post. The parsed table depends only on the dictionary file, so a check
keeps it in ``build/cache/hyphenation.txt``, stamped with its name, pyphen's release and
:data:`FORMAT`: one line a pattern, its letters, then where its values start and the
values as digits (``.ach4 0:0004``). Reading it back is one match of the whole text and one split;
a pattern's values are decoded only when a word looks it up (:class:`Table`). A missing,
stale or malformed file is simply ignored (the dictionary is parsed as before), and the
file is replaced atomically, as :mod:`tidings.workspace.lengthcache` does.
"""

from __future__ import annotations

import contextlib
import importlib.util
import re
from collections.abc import Iterator, Mapping
from pathlib import Path

from tidings.workspace.files import library_stamp, write_atomic

FILE = "build/cache/hyphenation.txt"
FORMAT = 1  # bump when what is kept changes

Pattern = tuple[int, tuple[int, ...]]
"""pyphen's value for a pattern's letters: where its values start, and the values."""

_LINES = re.compile(r"(?:\S+ \d+:\d+\n)+")

_root: Path | None = None
_new: tuple[Path, Mapping[str, Pattern]] | None = None


class Table(Mapping[str, Pattern]):
    """The kept table, read like pyphen's ``HyphDict.patterns`` (the reading level looks
    patterns up with ``get``): each decoded from its ``start:digits`` text the first time
    it is looked up."""

    def __init__(self, raw: dict[str, str]) -> None:
        self._raw = raw
        self._decoded: dict[str, Pattern] = {}

    def get(self, key: str, default: Pattern | None = None) -> Pattern | None:  # type: ignore[override]
        found = self._decoded.get(key)
        if found is None:
            text = self._raw.get(key)
            if text is None:
                return default
            start, _, values = text.partition(":")
            found = self._decoded[key] = (int(start), tuple(map(int, values)))
        return found

    def __getitem__(self, key: str) -> Pattern:
        found = self.get(key)
        if found is None:
            raise KeyError(key)
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)


def dictionary() -> Path | None:
    """pyphen's en_US dictionary file (``LANGUAGES["en_US"]``), found without importing
    pyphen; None when pyphen is not installed."""
    spec = importlib.util.find_spec("pyphen")
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent / "dictionaries" / "hyph_en_US.dic"


def _stamp(dictionary: Path) -> str:
    """The dictionary's name and pyphen's release (the dictionary ships with it)."""
    release = library_stamp(dictionary.parent.parent / "__init__.py", "pyphen")
    return f"{FORMAT}:{dictionary.name}:{release}"


def load(root: Path) -> None:
    """Let :func:`patterns` look in ``root``'s cache (read only when a reading level is
    measured)."""
    global _root
    _root = root


def patterns(dictionary: Path) -> Table | None:
    """The table parsed from ``dictionary`` by an earlier run, if kept and still current."""
    if _root is None:
        return None
    try:
        stamp, _, body = (_root / FILE).read_text(encoding="utf-8").partition("\n")
        if stamp != _stamp(dictionary) or _LINES.fullmatch(body) is None:
            return None
    except (OSError, ValueError):
        return None
    words = iter(body.split())
    return Table(dict(zip(words, words, strict=True)))


def remember(dictionary: Path, table: Mapping[str, Pattern]) -> None:
    """Keep the table just parsed from ``dictionary``, for :func:`save` to write (unless
    it holds what the format cannot: a value above 9, letters with a space)."""
    global _new
    if all(
        key.split() == [key] and all(0 <= v <= 9 for v in values)
        for key, (_, values) in table.items()
    ):
        _new = (dictionary, table)


def save(root: Path) -> None:
    """Write the table remembered since the last save, if any; never fails a run."""
    global _new
    if _new is None:
        return
    dictionary, table = _new
    lines = [
        f"{key} {start}:{''.join(map(str, values))}\n" for key, (start, values) in table.items()
    ]
    with contextlib.suppress(OSError):
        write_atomic(root / FILE, f"{_stamp(dictionary)}\n{''.join(lines)}", sync=False)
        _new = None


def clear() -> None:
    """Forget the root and anything remembered (tests)."""
    global _root, _new
    _root = _new = None
