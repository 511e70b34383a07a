"""The brand's emoji cap (`emoji.max`, code `brand.emoji`) counts emoji as readers see them:
one per emoji sequence, as Unicode defines them (UTS #51 "Unicode Emoji", section 1.4.6 and
the data file emoji-zwj-sequences.txt):

* ED-14 emoji flag sequence: a pair of regional indicators, 🇩🇪 (DE), is one flag.
* ED-14c emoji keycap sequence: [0-9#*] FE0F 20E3, 1️⃣, is one keycap.
* ED-13 emoji modifier sequence: 👍🏽 (thumbs up, medium skin tone) is one emoji.
* ED-16 emoji ZWJ sequence: 👨‍👩‍👧 "family: man, woman, girl" (emoji-zwj-sequences.txt) is
  one emoji, five code points joined by ZERO WIDTH JOINER.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from builders.posts import HELLO, post

from tidings.check.runner import check_workspace

FAMILY = "\N{MAN}\u200d\N{WOMAN}\u200d\N{GIRL}"
FLAG = "\N{REGIONAL INDICATOR SYMBOL LETTER D}\N{REGIONAL INDICATOR SYMBOL LETTER E}"
KEYCAP = "1\ufe0f\u20e3"
THUMBS = "\N{THUMBS UP SIGN}\N{EMOJI MODIFIER FITZPATRICK TYPE-4}"
GRIN = "\N{GRINNING FACE}"


def emoji_findings(make_workspace: Callable[..., Path], text: str, cap: int) -> list[str]:
    brand = f"name: Test Studio\ntimezone: Europe/Berlin\nemoji:\n  max: {cap}\n"
    root = make_workspace(
        {HELLO: post("mastodon", parts=(text,), media=()), "brand/brand.yaml": brand}
    )
    return [d.message for d in check_workspace(root).diagnostics if d.code == "brand.emoji"]


@pytest.mark.parametrize(
    ("text", "count"),
    [
        (f"We moved {FAMILY}", 1),  # ED-16: one family, not three people
        (f"Frohe Weihnachten {FLAG}", 1),  # ED-14: one flag, not zero
        (f"Step {KEYCAP} of our tips", 1),  # ED-14c
        (f"Thanks {THUMBS}", 1),  # ED-13
        (f"{FLAG}{FLAG}{FLAG} trip", 3),
        (f"{FAMILY} {FLAG} {KEYCAP} {THUMBS} {GRIN}", 5),
        ("No emoji at all, © 2026", 1),  # © is Extended_Pictographic: counted, as before
    ],
    ids=["family", "flag", "keycap", "skin-tone", "three-flags", "one-of-each", "copyright"],
)
def test_each_emoji_sequence_counts_once(
    make_workspace: Callable[..., Path], text: str, count: int
) -> None:
    assert emoji_findings(make_workspace, text, count) == []  # exactly at the cap: fine
    twice = f"{text}\n\n{text}"  # one over a cap of `count` (the schema's least cap is 1)
    (message,) = emoji_findings(make_workspace, twice, count * 2 - 1)
    assert message == f"the text has {count * 2} emoji; the brand allows {count * 2 - 1}"
