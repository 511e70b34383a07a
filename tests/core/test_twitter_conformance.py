"""twitter-text's own conformance suite (a copy of shared/conformance, Apache-2.0) for X."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from twitter_text import parse_tweet

from tidings.core.textlength import x_weighted

SUITE = Path(__file__).parents[1] / "fixtures" / "conformance" / "twitter-text-validate.yml"
SECTIONS = ("WeightedTweetsWithDiscountedEmojiCounterTest", "UnicodeDirectionalMarkerCounterTest")


def _cases() -> list[Any]:
    tests = yaml.safe_load(SUITE.read_text(encoding="utf-8"))["tests"]
    return [
        pytest.param(case, id=f"{section}: {case['description']}")
        for section in SECTIONS
        for case in tests[section]
    ]


CASES = _cases()


def test_both_v3_sections_are_present() -> None:
    assert len(CASES) == 24


@pytest.mark.parametrize("case", CASES)
def test_conformance(case: dict[str, Any]) -> None:
    result = parse_tweet(case["text"])
    for key, expected in case["expected"].items():
        assert getattr(result, key) == expected, key
    assert x_weighted(case["text"]) == case["expected"]["weightedLength"]
