"""Where LinkedIn, Instagram and Facebook fold a long text behind "see more".

The feeds cut a post's text after a number of characters or a number of lines, whichever
comes first, and show a "more" link. None of the three publishes an exact rule for its own
feed; this models what the sources say, as exactly as they allow:

* **Instagram** (its own Help Centre, "Why doesn't my entire caption display in feed?",
  https://help.instagram.com/1643471055915254): "only the first three lines of a caption will
  be displayed"; "If you want your entire caption to display in feed, we recommend ... 125
  characters or fewer." So: 3 lines, 125 characters.
* **LinkedIn** (John Espirian, '"See more" breakpoints on LinkedIn posts', Sept. 2024, and the
  character counters that quote ~210 characters, e.g. web-3-apps.com's "LinkedIn post
  length"): organic posts show 3 lines on desktop and mobile alike, about 210 characters;
  "an organic post will show only a 2-line preview if line 3 is blank". So: 3 lines (2 when
  the third is blank), 210 characters.
* **Facebook** (posthell.com and socialk.it's Facebook character counters, boldlytype.com's
  "Facebook post character limit"): about 477 characters on desktop, earlier on mobile. No
  source gives a line count, so no line rule is modelled.

How the rule counts:

* characters are **grapheme clusters**, what a reader sees as one character: an emoji made
  of several code points (👩‍👩‍👧, a flag, a skin tone) is one, and is never split;
* a **line** is a line of the text as written, ended by a line break; an empty line is a line
  too (it takes a line of the preview). A line long enough to wrap on screen is one line here:
  the character limit stands in for wrapping;
* a fold never cuts a **word** in half: the feeds wrap and clamp text between words, so a
  character cut moves back to the end of the last whole word before it (a single "word"
  longer than the whole limit, such as a long URL, is cut at the limit);
* nothing is folded when what would be hidden is only white space.

Where the platforms differ from this model (the app's font, the screen's width, a device's
magnification) the real fold can come a little earlier; the preview shows the latest point
at which every source agrees the text is still visible.

The numbers are each platform's ``fold`` in the platform table (``tidings.core.platforms``).
"""

from __future__ import annotations

import regex

from tidings.core.platforms import Fold

_GRAPHEME = regex.compile(r"\X")


def _line_cut(text: str, fold: Fold) -> int | None:
    """The index of the line break after the last line shown, if more lines follow."""
    if fold.lines is None:
        return None
    ends: list[int] = []
    pos = -1
    while len(ends) < fold.lines:
        pos = text.find("\n", pos + 1)
        if pos < 0:
            return None  # the text has no more lines than are shown
        ends.append(pos)
    cut = ends[-1]
    if fold.blank_last_line_shortens and len(ends) > 1 and not text[ends[-2] + 1 : cut].strip():
        cut = ends[-2]
    return cut


def _character_cut(text: str, fold: Fold) -> int | None:
    """The end of the last whole word within ``fold.characters`` graphemes, if the text is
    longer than that."""
    if text.isascii():
        if len(text) <= fold.characters:
            return None
        limit = fold.characters
    else:
        bounds = [m.end() for m in _GRAPHEME.finditer(text)]
        if len(bounds) <= fold.characters:
            return None
        limit = bounds[fold.characters - 1] if fold.characters else 0
    if text[limit].isspace():  # the limit falls between words
        return len(text[:limit].rstrip())
    space = max(text.rfind(" ", 0, limit), text.rfind("\n", 0, limit), text.rfind("\t", 0, limit))
    if space < 0 or not text[:space].strip():
        return limit  # one word longer than the limit
    return len(text[:space].rstrip())


def fold_at(text: str, fold: Fold) -> int | None:
    """The code-point index where ``fold`` cuts ``text`` (everything from there on is behind
    "see more"), or None when it all shows."""
    cuts = [c for c in (_line_cut(text, fold), _character_cut(text, fold)) if c is not None]
    if not cuts:
        return None
    cut = min(cuts)
    return cut if text[cut:].strip() else None
