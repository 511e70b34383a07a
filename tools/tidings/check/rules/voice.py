"""Brand guidelines from brand.yaml, on the text each channel receives.

Every finding teaches: it names the word, the count or the grade, the brand's limit, and
what to write instead. Severities can be changed per code under `rules:` in brand.yaml.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from tidings.check.codes import default_severity
from tidings.core.platforms import is_local
from tidings.core.readability import flesch_kincaid_grade
from tidings.core.textlength import emoji_sequences
from tidings.diagnostics import Diagnostic
from tidings.workspace.model import Part, Post, Workspace

_HASHTAG = re.compile(r"(?<![\w&#])#(\w+)")
_STRIP = re.compile(r"https?://\S+|[#@][\w.@-]+")
_SHOUT = re.compile(r"\b[A-Z]{4,}\b")
NETWORK_CHANNELS_FOR_SAME_TEXT = 3
MAX_EXCLAMATIONS = 2
MIN_WORDS_FOR_GRADE = 20


def _texts(post: Post) -> Iterator[tuple[str | None, Part, int, int]]:
    """(channel or None for the shared body, part, index, total) for every distinct text."""
    for index, part in enumerate(post.parts):
        yield None, part, index, len(post.parts)
    for cid, variant in post.variants.items():
        for index, part in enumerate(variant.parts or ()):
            yield cid, part, index, len(variant.parts or ())


def _diag(
    post: Post, line: int, code: str, message: str, suggestion: str, channel: str | None
) -> Diagnostic:
    return Diagnostic(
        post.path, line, 1, default_severity(code), code, message, suggestion, channel
    )


def _word_pattern(word: str) -> re.Pattern[str]:
    """Whole word or phrase, any case, with a plural `s`/`es`."""
    body = r"\s+".join(re.escape(w) for w in word.split())
    return re.compile(rf"(?<!\w){body}(?:e?s)?(?!\w)", re.IGNORECASE)


def _prose(text: str) -> str:
    return _STRIP.sub("", text)


def check(ws: Workspace) -> Iterator[Diagnostic]:
    if ws.brand is None:
        return
    brand = ws.brand
    words = brand.words
    # (code, pattern, message template for the match, suggestion) per listed word or phrase
    word_rules = (
        [
            (
                "brand.banned-word",
                _word_pattern(w),
                "“{}” is on the brand's banned list",
                f"rephrase without “{w}” (brand/brand.yaml words.banned)",
            )
            for w in words.banned
        ]
        + [
            (
                "brand.preferred-word",
                _word_pattern(w),
                f"the brand writes “{instead}”, not “{{}}”",
                f"write “{instead}”",
            )
            for w, instead in words.preferred.items()
        ]
        + [
            (
                "brand.buzzword",
                _word_pattern(w),
                "“{}” is on the brand's buzzword list",
                f"say what “{w}” means here, in plain words (brand/brand.yaml words.buzzwords)",
            )
            for w in words.buzzwords
        ]
    )
    # one pass finds whether a text holds any listed word; only then is each asked where
    # (the same matches in the same order; one scan of most texts, not one per listed word)
    any_word = (
        re.compile("|".join(f"(?:{p.pattern})" for _, p, _, _ in word_rules), re.IGNORECASE)
        if word_rules
        else None
    )
    max_grade = brand.max_grade
    max_tags = brand.hashtags.max
    banned_tags = {t.lstrip("#").lower() for t in brand.hashtags.banned}
    max_emoji = brand.max_emoji
    grade_limit = float(max_grade) if max_grade is not None else 0.0
    for post in ws.posts.values():
        for channel, part, index, total in _texts(post):
            text = part.text
            where = f"part {index + 1}" if total > 1 else "the text"
            listed = word_rules if any_word is not None and any_word.search(text) else ()
            for code, pattern, message, suggestion in listed:
                for m in pattern.finditer(text):
                    line = part.line + text[: m.start()].count("\n")
                    yield _diag(
                        post, line, code, message.replace("{}", m.group(0), 1), suggestion, channel
                    )
            hashtags = _HASHTAG.findall(text)
            if max_tags is not None and len(hashtags) > max_tags:
                yield _diag(
                    post,
                    part.line,
                    "brand.hashtags",
                    f"{where} has {len(hashtags)} hashtags; the brand allows {max_tags}",
                    "keep the one or two that people search for",
                    channel,
                )
            for tag in hashtags:
                if tag.lower() in banned_tags:
                    yield _diag(
                        post,
                        part.line,
                        "brand.hashtags",
                        f"#{tag} is on the brand's banned hashtag list",
                        "remove it",
                        channel,
                    )
                elif len(tag) >= 12 and tag.islower():
                    yield _diag(
                        post,
                        part.line,
                        "brand.hashtag-case",
                        f"#{tag} is hard for screen readers to say",
                        f"write each word with a capital, e.g. #{tag[:1].upper()}{tag[1:]} → #CamelCase",
                        channel,
                    )
            emoji = len(emoji_sequences(text))  # a family or a flag is one emoji
            if max_emoji is not None and emoji > max_emoji:
                yield _diag(
                    post,
                    part.line,
                    "brand.emoji",
                    f"{where} has {emoji} emoji; the brand allows {max_emoji}",
                    "keep the emoji that add meaning",
                    channel,
                )
            if text.count("!") > MAX_EXCLAMATIONS:
                yield _diag(
                    post,
                    part.line,
                    "brand.exclamation",
                    f"{where} has {text.count('!')} exclamation marks",
                    f"keep at most {MAX_EXCLAMATIONS}; let the words carry the energy",
                    channel,
                )
            prose = _prose(text)
            shouting = _SHOUT.findall(prose)
            if shouting:
                yield _diag(
                    post,
                    part.line,
                    "brand.shouting",
                    f"ALL-CAPS reads as shouting: {', '.join(shouting[:3])}",
                    "write it in normal case (screen readers may spell capitals out)",
                    channel,
                )
            if max_grade is not None and len(prose.split()) >= MIN_WORDS_FOR_GRADE:
                grade = flesch_kincaid_grade(prose)  # textstat 0.7.3's, without its imports
                if grade > grade_limit:
                    yield _diag(
                        post,
                        part.line,
                        "brand.reading-level",
                        f"{where} reads at grade {grade:.1f}; the brand aims for {max_grade} or lower",
                        "use shorter sentences and everyday words",
                        channel,
                    )
        networks = [
            c for c in post.channels if c in ws.channels and not is_local(ws.channels[c].platform)
        ]
        with_own_text = {c for c, v in post.variants.items() if v.parts is not None}
        same = [c for c in networks if c not in with_own_text]
        if (
            len(same) >= NETWORK_CHANNELS_FOR_SAME_TEXT
            and len(post.parts) == 1
            and not with_own_text
        ):
            yield _diag(
                post,
                post.source.pos("channels").line,
                "brand.same-text",
                f"the same text goes to {len(same)} networks ({', '.join(same)})",
                "each network has its own voice: write a `variants:` body for at least one",
                None,
            )
