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
    """Each use builds the dictionary again, as a new process does."""
    import pyphen

    def forget() -> None:
        readability._dictionary.cache_clear()
        pyphen.hdcache.clear()
        hyphencache.clear()

    forget()
    yield
    forget()


def test_patterns_kept_by_one_run_grade_the_same_in_the_next(
    tmp_path: Path, fresh_dictionary: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first run parses pyphen's dictionary and keeps the table; the next reads the table
    back (without parsing) and grades every sample and example post as textstat does."""
    import pyphen

    hyphencache.load(tmp_path)
    parsed = readability._dictionary()
    hyphencache.save(tmp_path)
    assert (tmp_path / hyphencache.FILE).is_file()
    parsed_patterns = dict(parsed.hd.patterns)

    readability._dictionary.cache_clear()
    pyphen.hdcache.clear()
    hyphencache.load(tmp_path)

    def parse(*args: object) -> None:
        raise AssertionError("the dictionary was parsed again")

    monkeypatch.setattr(pyphen.HyphDict, "__init__", parse)
    read_back = readability._dictionary()
    assert read_back.hd is not parsed.hd and dict(read_back.hd.patterns) == parsed_patterns
    for text in SAMPLES + _posts():
        assert flesch_kincaid_grade(text) == textstat.flesch_kincaid_grade(text)


@pytest.mark.parametrize(
    "kept",
    ["0:other\n.ach4 0:0004\n", "", "{not the format", "STAMP\n.a 0:x\n", "STAMP\n.a 0:1\n.b\n"],
)
def test_a_stale_or_broken_table_is_parsed_again(
    kept: str, tmp_path: Path, fresh_dictionary: None
) -> None:
    (tmp_path / hyphencache.FILE).parent.mkdir(parents=True)
    stamp = hyphencache._stamp(readability_dictionary_path())
    (tmp_path / hyphencache.FILE).write_text(kept.replace("STAMP", stamp), encoding="utf-8")
    hyphencache.load(tmp_path)
    assert hyphencache.patterns(readability_dictionary_path()) is None
    assert flesch_kincaid_grade(SAMPLES[4]) == textstat.flesch_kincaid_grade(SAMPLES[4])


def readability_dictionary_path() -> Path:
    import pyphen

    path: Path = pyphen.LANGUAGES["en_US"]
    return path
