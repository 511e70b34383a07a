"""The Flesch-Kincaid grade level, exactly as textstat 0.7.3 computes it.

textstat's ``flesch_kincaid_grade`` is three counts and a formula: words (punctuation
removed, split on white space), sentences (runs ending in ``.!?``; runs of two words or
fewer are not counted) and syllables (pyphen's en_US hyphenation points + 1 a word). Importing
textstat also imports ``pkg_resources`` for word lists this grade never reads, which costs
more than all the reading-level checks of a thousand posts, so the counts are made here with
textstat's own pyphen dictionary (pyphen is textstat's dependency, pinned with it).
``tests/test_readability.py`` checks the result equals textstat's.
"""

from __future__ import annotations

import math
import re
from functools import cache, lru_cache
from typing import Any

_PUNCTUATION = re.compile(r"[^\w\s]")
_SENTENCE = re.compile(r"\b[^.!?]+[.!?]*")


@cache
def _dictionary() -> Any:
    from pyphen import Pyphen  # type: ignore[import-untyped]

    return Pyphen(lang="en_US")


def _round(number: float, points: int) -> float:
    """textstat's rounding: half away from zero."""
    p = 10.0**points  # textstat multiplies by the int 10**points: the same float result
    return float(math.floor(number * p + math.copysign(0.5, number))) / p


def _words(text: str) -> int:
    return len(_PUNCTUATION.sub("", text).split())


@lru_cache(maxsize=16384)
def _word_syllables(word: str) -> int:
    """A word's syllables as textstat counts them; the same words come back in post after
    post, and hyphenating one is most of a grade's cost."""
    return len(_dictionary().positions(word)) + 1


def _syllables(text: str) -> int:
    return sum(map(_word_syllables, _PUNCTUATION.sub("", text.lower()).split()))


def flesch_kincaid_grade(text: str) -> float:
    words = _words(text)
    sentences = _SENTENCE.findall(text)
    counted = max(1, len(sentences) - sum(1 for s in sentences if _words(s) <= 2))
    sentence_length = _round(words / counted, 1)
    syllables_per_word = _round(_syllables(text) / words, 1) if words else 0.0
    return _round(0.39 * sentence_length + 11.8 * syllables_per_word - 15.59, 1)
