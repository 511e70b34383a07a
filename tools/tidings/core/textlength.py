"""How each platform counts text, and where a too-long text gets cut.

Pure functions over rendered text. X uses twitter-text's own v3 rules (twitter-text-parser);
Mastodon and Bluesky count grapheme clusters with the `regex` module's ``\\X``; Threads counts
characters but each emoji as its UTF-8 bytes (Meta: "Emojis are counted as the number of UTF-8
bytes"). An emoji is one whole emoji sequence (a family, a flag, a keycap, a skin tone), found
as a grapheme cluster that holds an emoji code point (:func:`emoji_sequences`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from tidings.core.platforms import PLATFORMS, Counter
from tidings.core.render import URL, RenderedPart, find_urls
from tidings.workspace import lengthcache

if TYPE_CHECKING:
    import regex


@cache
def _grapheme() -> regex.Pattern[str]:
    """A grapheme cluster (UAX #29's extended clusters). ``regex`` is imported when a text
    that is not ASCII is first measured: 0.016 s that a check of ASCII texts, or a warm
    one, never pays."""
    import regex

    return regex.compile(r"\X")


@cache
def _emoji_code_point() -> regex.Pattern[str]:
    """What makes a grapheme cluster an emoji: a pictograph (UTS #51's Extended_Pictographic,
    which sequences with ZWJ, skin tones and tags build on), a regional indicator (flags are
    pairs of them) or the combining keycap (``1️⃣``)."""
    import regex

    return regex.compile(r"[\p{Extended_Pictographic}\p{Regional_Indicator}\u20E3]")


_MASTODON_MENTION = re.compile(r"(?<![\w@])(@[A-Za-z0-9_]+)@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
MASTODON_URL_LENGTH = 23
X_URL_LENGTH = 23


def graphemes(text: str) -> int:
    if text.isascii():  # in ASCII only CR LF forms a cluster of two
        return len(text) - text.count("\r\n")
    return len(_grapheme().findall(text))


def utf8_bytes(text: str) -> int:
    return len(text.encode("utf-8"))


def emoji_sequences(text: str) -> list[str]:
    """Every emoji in ``text``, each whole sequence once: a family (``👨‍👩‍👧``, five code points
    joined by ZWJ), a flag (two regional indicators), a keycap or an emoji with a skin tone
    is one emoji, as readers see it (Unicode's extended grapheme clusters, UAX #29)."""
    if text.isascii():  # no ASCII character is an emoji
        return []
    emoji = _emoji_code_point()
    return [g for g in _grapheme().findall(text) if emoji.search(g)]


def threads_length(text: str) -> int:
    """Threads' length: each character counts one, each emoji sequence its UTF-8 bytes
    (developers.facebook.com/documentation/threads/posts, "Limitations")."""
    if text.isascii():
        return len(text)
    emoji = _emoji_code_point()
    return sum(utf8_bytes(g) if emoji.search(g) else len(g) for g in _grapheme().findall(text))


def ready_for(platforms: Iterable[str]) -> None:
    """Before worker processes are forked that will measure texts on ``platforms``: when one
    counts as X does and no lengths are kept from earlier runs (a first check), import
    twitter-text now (0.3-0.5 s), so that the workers share this import rather than each
    paying for its own."""
    if not lengthcache.known() and any(
        limit.count is x_weighted for platform in set(platforms) for limit in text_limits(platform)
    ):
        import twitter_text  # noqa: F401


def x_weighted(text: str) -> int:
    """X's weighted length. ASCII text (most posts) has no emoji, no weight-2 characters and
    nothing to normalise, so only its URLs (found by twitter-text's own extractor) change the
    count; everything else goes through twitter-text's full parser, which is ~50x slower."""
    known = lengthcache.get(text)  # measured by an earlier run: no twitter-text import
    if known is not None:
        return known
    # twitter-text takes ~0.15 s to import: only pay it when a new text goes to X
    from twitter_text import parse_tweet
    from twitter_text.extract_urls import extract_urls_with_indices

    if text.isascii():
        urls = extract_urls_with_indices(text)
        length = len(text) + sum(
            int(X_URL_LENGTH - (u["indices"][1] - u["indices"][0])) for u in urls
        )
    else:
        length = int(parse_tweet(text).weightedLength)
    lengthcache.put(text, length)
    return length


def mastodon_length(text: str) -> int:
    """Graphemes, each URL as 23, `@user@domain` as `@user` (Mastodon's StatusLengthValidator)."""
    text = _MASTODON_MENTION.sub(r"\1", text)
    placeholder = "x" * MASTODON_URL_LENGTH
    return graphemes(URL.sub(placeholder, text))


def code_points(text: str) -> int:
    return len(text)


def utf16_units(text: str) -> int:
    """UTF-16 code units, as Telegram's Bot API counts (a character outside the BMP, most
    emoji, counts 2)."""
    return len(text) if text.isascii() else len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True)
class TextLimit:
    """One measure of one platform: a counter and its maximum."""

    name: str  # what is counted, for messages
    count: Callable[[str], int]
    maximum: int


_COUNTERS: dict[Counter, tuple[str, Callable[[str], int]]] = {
    Counter.X_WEIGHTED: ("weighted characters", x_weighted),
    Counter.GRAPHEMES: ("graphemes", graphemes),
    Counter.UTF8_BYTES: ("UTF-8 bytes", utf8_bytes),
    Counter.MASTODON: ("characters", mastodon_length),
    Counter.CODE_POINTS: ("characters", code_points),
    Counter.THREADS: ("characters", threads_length),
    Counter.UTF16: ("UTF-16 code units", utf16_units),
}
"""Each counter of the platform table: its name in messages and its function."""


def text_limits(platform: str, max_characters: int | None = None) -> tuple[TextLimit, ...]:
    """The limits a single part of text must meet on ``platform`` (its row's ``text``;
    ``max_characters`` replaces a per-channel maximum)."""
    row = PLATFORMS.get(platform)
    limits = []
    for rule in row.text if row else ():
        name, count = _COUNTERS[rule.counter]
        maximum = (max_characters or rule.maximum) if rule.per_channel else rule.maximum
        limits.append(TextLimit(name, count, maximum))
    return tuple(limits)


def cut_point(text: str, limit: TextLimit) -> int:
    """The longest grapheme-aligned prefix length (code points) that fits ``limit``."""
    bounds = [m.end() for m in _grapheme().finditer(text)]
    lo, hi = 0, len(bounds)  # number of graphemes that fit
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if limit.count(text[: bounds[mid - 1]]) <= limit.maximum:
            lo = mid
        else:
            hi = mid - 1
    return bounds[lo - 1] if lo else 0


def link_count(part: RenderedPart) -> int:
    """The distinct links of a part (Threads: "all unique URLs found in the text field are
    counted as links"); ``part.links`` as render found them, or the https:// addresses of a
    text whose links render did not keep (LinkedIn's escaped text)."""
    if part.links:
        return len({link.url for link in part.links})
    return len({url for _, _, url in find_urls(part.text)})
