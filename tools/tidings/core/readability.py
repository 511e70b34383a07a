"""The Flesch-Kincaid grade level, exactly as textstat 0.7.3 computes it.

textstat's ``flesch_kincaid_grade`` is three counts and a formula: words (punctuation
removed, split on white space), sentences (runs ending in ``.!?``; runs of two words or
fewer are not counted) and syllables (pyphen's en_US hyphenation points + 1 a word). Importing
textstat also imports ``pkg_resources`` for word lists this grade never reads, which costs
more than all the reading-level checks of a thousand posts, so the counts are made here with
textstat's own pyphen dictionary (pyphen is textstat's dependency, pinned with it): its
patterns, parsed by pyphen once and then kept (:mod:`tidings.workspace.hyphencache`), read
by Liang's algorithm as pyphen reads them.
``tests/test_readability.py`` checks the result equals textstat's.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from functools import cache

from tidings.workspace import hyphencache

_PUNCTUATION = re.compile(r"[^\w\s]")
_SENTENCE = re.compile(r"\b[^.!?]+[.!?]*")


@cache
def _table() -> tuple[Mapping[str, hyphencache.Pattern], int]:
    """pyphen's en_US patterns (letters → where the values start, the values) and the length
    of the longest: from the cache of an earlier run when there is one
    (:mod:`tidings.workspace.hyphencache`), without importing pyphen (whose import lists
    every dictionary it ships); else as pyphen parses them, kept for the next run."""
    path = hyphencache.dictionary()
    table = hyphencache.patterns(path) if path is not None else None
    if table is None:
        from pyphen import Pyphen  # type: ignore[import-untyped]

        table = Pyphen(lang="en_US").hd.patterns
        if path is not None:
            hyphencache.remember(path, table)
    return table, max(map(len, table))


def ready() -> None:
    """Have the hyphenation patterns at hand now, before worker processes are forked that
    will measure reading levels: parsed once here when no earlier run kept them (about
    0.1 s), rather than once in each worker."""
    _table()


_points: dict[str, int] = {}


def _hyphenation_points(word: str) -> int:
    """How many places pyphen hyphenates ``word`` at, as ``Pyphen(lang="en_US")
    .positions(word)`` counts them (at least two letters each side): Liang's patterns, each
    matching run of the dotted lowercase word raising the values under it, an odd value
    being a point."""
    known = _points.get(word)
    if known is not None:
        return known
    table, longest = _table()
    dotted = f".{word.lower()}."
    values = [0] * (len(dotted) + 1)
    for i in range(len(dotted) - 1):
        for j in range(i + 1, min(i + longest, len(dotted)) + 1):
            found = table.get(dotted[i:j])
            if found is None:
                continue
            start, digits = found
            for k, value in enumerate(digits, i + start):
                if k < len(values) and value > values[k]:
                    values[k] = value
    last = len(word) - 2
    count = _points[word] = sum(1 for i, v in enumerate(values) if v % 2 and 2 <= i - 1 <= last)
    return count


def _round(number: float, points: int) -> float:
    """textstat's rounding: half away from zero."""
    p = 10.0**points  # textstat multiplies by the int 10**points: the same float result
    return float(math.floor(number * p + math.copysign(0.5, number))) / p


def _words(text: str) -> int:
    return len(_PUNCTUATION.sub("", text).split())


def _syllables(text: str) -> int:
    words = _PUNCTUATION.sub("", text.lower()).split()
    points = _points.get  # words repeat: most are known (a look-up, not a call each)
    total = len(words)
    for word in words:
        known = points(word)
        total += known if known is not None else _hyphenation_points(word)
    return total


def flesch_kincaid_grade(text: str) -> float:
    words = _words(text)
    sentences = _SENTENCE.findall(text)
    counted = max(1, len(sentences) - sum(1 for s in sentences if _words(s) <= 2))
    sentence_length = _round(words / counted, 1)
    syllables_per_word = _round(_syllables(text) / words, 1) if words else 0.0
    return _round(0.39 * sentence_length + 11.8 * syllables_per_word - 15.59, 1)
