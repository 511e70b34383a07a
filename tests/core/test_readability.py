"""tidings.core.readability gives exactly textstat 0.7.3's Flesch-Kincaid grade, without importing
textstat (and pkg_resources with it) on every check."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest
import textstat

from tidings.core import readability
from tidings.core.readability import flesch_kincaid_grade
from tidings.workspace import hyphencache

EXAMPLE = Path(__file__).parents[2]
SAMPLES = [
    "",
    "Hi.",
    "Yes! No? Maybe.",
    "We close at 2pm on the 24th and open again on the 27th.",
    "Singer-songwriter's portraits, aren't they? Mr. Smith's 3.5 hours... well.",
    "Ünïcödé wörds: naïve café façade, résumé — déjà vu!",
    "One two three four five six seven eight nine ten eleven twelve thirteen fourteen",
    "A\n\nB\n\nextraordinarily incomprehensible characteristically unbelievable sentences.",
    "-5 degrees. #winter @studio https://lumengrain.example/a?b=c 🎄🎁",
]


def _posts() -> list[str]:
    texts = []
    for path in sorted((EXAMPLE / "content" / "posts").rglob("*.md")):
        texts.append(path.read_text(encoding="utf-8").split("---\n", 2)[-1])
    return texts


@pytest.mark.parametrize("text", SAMPLES + _posts())
def test_the_grade_equals_textstats(text: str) -> None:
    assert flesch_kincaid_grade(text) == textstat.flesch_kincaid_grade(text)


def test_random_texts_grade_like_textstat() -> None:
    rng = random.Random(5)
    vocabulary = [
        "the",
        "a",
        "studio",
        "portrait",
        "wedding",
        "light",
        "photography",
        "incredible",
        "golden",
        "hour.",
        "sessions!",
        "why?",
        "book",
        "now,",
        "Leipzig;",
        "vouchers:",
        "gifts",
        "—",
        "elegant",
        "unforgettable",
        "memories",
    ]
    for _ in range(300):
        text = " ".join(rng.choice(vocabulary) for _ in range(rng.randint(1, 60)))
        assert flesch_kincaid_grade(text) == textstat.flesch_kincaid_grade(text), text


@pytest.fixture
def fresh_dictionary() -> Iterator[None]:
    """Each use builds the table again, as a new process does."""

    def forget() -> None:
        readability._table.cache_clear()
        readability._points.clear()
        hyphencache.clear()

    forget()
    yield
    forget()


def _vocabulary() -> list[str]:
    text = " ".join([*SAMPLES, *_posts()]).lower()
    words = set(readability._PUNCTUATION.sub("", text).split())
    return sorted(words | {"İstanbul".lower(), "ﬁnancial", "straße", "a", "ab", "abc", "x" * 40})


def test_each_word_has_pyphens_points(fresh_dictionary: None) -> None:
    """Word by word, the points counted here are pyphen's own ``Pyphen.positions``."""
    import pyphen

    dictionary = pyphen.Pyphen(lang="en_US")
    words = _vocabulary()
    assert len(words) > 500
    for word in words:
        assert readability._hyphenation_points(word) == len(dictionary.positions(word)), word


def test_patterns_kept_by_one_run_grade_the_same_in_the_next(
    tmp_path: Path, fresh_dictionary: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first run parses pyphen's dictionary and keeps the table; the next reads the table
    back (pyphen parses nothing) and grades every sample and example post as textstat does."""
    import pyphen

    hyphencache.load(tmp_path)
    parsed, longest = readability._table()
    hyphencache.save(tmp_path)
    assert (tmp_path / hyphencache.FILE).is_file()
    parsed = dict(parsed)

    readability._table.cache_clear()
    readability._points.clear()
    hyphencache.load(tmp_path)

    def parse(*args: object) -> None:
        raise AssertionError("the dictionary was parsed again")

    monkeypatch.setattr(pyphen.HyphDict, "__init__", parse)
    read_back, longest_again = readability._table()
    assert isinstance(read_back, hyphencache.Table)
    assert dict(read_back) == parsed and longest_again == longest
    for text in SAMPLES + _posts():
        assert flesch_kincaid_grade(text) == textstat.flesch_kincaid_grade(text)


@pytest.mark.parametrize(
    "kept",
    ["0:other\n.ach4 0:0004\n", "", "{not the format", "STAMP\n.a 0:x\n", "STAMP\n.a 0:1\n.b\n"],
)
def test_a_stale_or_broken_table_is_parsed_again(
    kept: str, tmp_path: Path, fresh_dictionary: None
) -> None:
    dictionary = hyphencache.dictionary()
    assert dictionary is not None and dictionary.is_file()
    stamp = hyphencache._stamp(dictionary)
    (tmp_path / hyphencache.FILE).parent.mkdir(parents=True)
    (tmp_path / hyphencache.FILE).write_text(kept.replace("STAMP", stamp), encoding="utf-8")
    hyphencache.load(tmp_path)
    assert hyphencache.patterns(dictionary) is None
    assert flesch_kincaid_grade(SAMPLES[4]) == textstat.flesch_kincaid_grade(SAMPLES[4])


def test_the_dictionary_is_the_one_pyphen_reads() -> None:
    import pyphen

    assert hyphencache.dictionary() == pyphen.LANGUAGES["en_US"]
