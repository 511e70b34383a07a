"""tidings.core.readability gives exactly textstat 0.7.3's Flesch-Kincaid grade, without importing
textstat (and pkg_resources with it) on every check."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import textstat

from tidings.core.readability import flesch_kincaid_grade

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
