from __future__ import annotations

import pytest

from tidings.core.textlength import (
    TextLimit,
    cut_point,
    graphemes,
    mastodon_length,
    text_limits,
    utf8_bytes,
    x_weighted,
)

FAMILY = "👨‍👩‍👧‍👦"  # one grapheme, 7 code points, 25 bytes
FLAG = "🇩🇪"  # one grapheme, 2 code points
COMBINING = "e\u0301"  # é as e + combining acute: one grapheme


@pytest.mark.parametrize(
    ("text", "expected"),
    [(FAMILY, 1), (FLAG, 1), (COMBINING * 3, 3), ("漢字かな", 4), ("a" + FAMILY + FLAG + "b", 4)],
)
def test_graphemes(text: str, expected: int) -> None:
    assert graphemes(text) == expected


def test_bytes() -> None:
    assert utf8_bytes(FAMILY) == 25
    assert utf8_bytes("漢") == 3


def test_mastodon_counts_urls_as_23_and_remote_mentions_as_local() -> None:
    url = "https://example.com/" + "a" * 100
    assert mastodon_length(f"see {url}") == 4 + 23
    assert mastodon_length("hi @anna@photog.social") == len("hi @anna")
    assert mastodon_length(FAMILY + FLAG) == 2


def test_x_weights() -> None:
    assert x_weighted("abc") == 3
    assert x_weighted("漢字") == 4
    assert x_weighted(FAMILY) == 2
    assert x_weighted("https://example.com/" + "a" * 100) == 23


def test_limits_per_platform() -> None:
    assert [lim.maximum for lim in text_limits("bluesky")] == [300, 3000]
    assert text_limits("mastodon", 1000)[0].maximum == 1000
    assert text_limits("outbox") == ()


def test_cut_never_splits_a_grapheme() -> None:
    limit = TextLimit("graphemes", graphemes, 3)
    text = "ab" + FAMILY + "cd"
    assert text[: cut_point(text, limit)] == "ab" + FAMILY
    assert cut_point("a", TextLimit("x", graphemes, 0)) == 0


ASCII_SAMPLES = [
    "",
    "plain text",
    "see example.com and https://a.b/c, ok",
    "Book: https://lumengrain.example/book?utm_source=x&utm_medium=social.",
    "two links http://test.co https://t.co/abc and www.example.org/path!",
    "emails a@b.com, @mention, #hashtag, $CASH, (https://example.com/(x))",
    "trailing http://example.com/. and ftp://no.example and 1.2.3.4",
    "x" * 300 + " https://example.com",
]


@pytest.mark.parametrize("text", ASCII_SAMPLES)
def test_x_ascii_fast_path_matches_twitter_text(text: str) -> None:
    from twitter_text import parse_tweet

    assert x_weighted(text) == parse_tweet(text).weightedLength


@pytest.mark.parametrize("text", ["", "abc", "a\r\nb", "\r\n\r\n", "tab\tand\nnewline"])
def test_ascii_graphemes_match_the_regex(text: str) -> None:
    import regex

    assert graphemes(text) == len(regex.findall(r"\X", text))
