"""What Threads counts, written from Meta's own words, and held to both sides: the checker
(`tidings check`) and the fake Threads API (tests/fakes/threads.py) must agree with the
documentation, so a text the checker passes is a text Threads takes.

The sentences each case comes from (developers.facebook.com/documentation/threads/posts,
"Limitations", and …/threads/create-posts/text-attachments, "How links are counted"):

* LIMIT: "Text posts are limited to 500 characters."
* EMOJI: "Emojis are counted as the number of UTF-8 bytes."
* LINKS: "Threads posts containing more than 5 links will fail to post during the media
  creation step […] with the error code: THREADS_API__LINK_LIMIT_EXCEEDED."
* UNIQUE: "All unique URLs found in the text field are counted as links."
* BARE: "If the text field contains only www.facebook.com, and the link_attachment_url is
  also www.facebook.com, this counts as 1 link." (a domain without a scheme is a link)
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from builders.posts import HELLO, channels, post
from fakes.threads import ThreadsFake

from tidings.check.runner import check_workspace
from tidings.core.render import RenderedPart
from tidings.platforms import connect
from tidings.platforms.base import Caller, Outgoing, PlatformError
from tidings.workspace.model import Channel, Source

CREDENTIALS = {"user_id": "THREADS_USER_ID", "access_token": "THREADS_ACCESS_TOKEN"}
CHANNEL = Channel("threads", "threads", Source("brand/channels.yaml"), credentials=CREDENTIALS)
NOW = datetime(2026, 12, 10, 8, 5, tzinfo=UTC)

GRIN = "\N{GRINNING FACE}"  # U+1F600: 4 UTF-8 bytes
FAMILY = "\N{MAN}\u200d\N{WOMAN}\u200d\N{GIRL}"  # one emoji, 4+3+4+3+4 = 18 UTF-8 bytes
FLAG = "\N{REGIONAL INDICATOR SYMBOL LETTER D}\N{REGIONAL INDICATOR SYMBOL LETTER E}"  # 8 bytes

# (text, what Threads counts, the sentence it comes from)
CASES = [
    ("a" * 500, 500, "LIMIT: 500 letters are 500 characters, the most a post may have"),
    ("a" * 501, 501, "LIMIT: one letter more is refused"),
    ("a" * 481 + GRIN * 8, 513, "EMOJI: 8 emoji of 4 bytes each count 32, not 8"),
    ("a" * 468 + GRIN * 8, 500, "EMOJI: 468 letters + 8 four-byte emoji are exactly 500"),
    ("a" * 482 + FAMILY, 500, "EMOJI: a family emoji is its 18 UTF-8 bytes"),
    ("a" * 493 + FLAG, 501, "EMOJI: a flag is its two regional indicators, 8 bytes"),
    (
        "é" * 500,
        500,
        "LIMIT: a letter is one character, whatever its bytes (only emoji count bytes)",
    ),
]


def env(fake: ThreadsFake) -> dict[str, str]:
    return {
        "THREADS_USER_ID": fake.user_id,
        "THREADS_ACCESS_TOKEN": fake.token,
        "THREADS_API_BASE": "http://threads.test/v1.0",
    }


def send(fake: ThreadsFake, text: str) -> None:
    caller = Caller(httpx.Client(transport=fake.transport()), sleep=[].append)
    adapter = connect(CHANNEL, env(fake), caller.client, caller)
    outgoing = Outgoing(
        post_id="2026/12/hello",
        channel="threads",
        parts=(RenderedPart(text, 1),),
        media=(),
        key="20261210T080500Z-abcdef0123",
        started=NOW,
    )
    adapter.publish_part(outgoing, 0, [])


def checked(make_workspace: Callable[..., Path], text: str) -> list[tuple[str, str]]:
    """(code, message) of the Threads length and link findings for one Threads post."""
    root = make_workspace(
        {
            "brand/channels.yaml": channels(
                threads={"platform": "threads", "credentials": CREDENTIALS}
            ),
            HELLO: post("threads", parts=(text,), media=()),
        }
    )
    return [
        (d.code, d.message)
        for d in check_workspace(root).diagnostics
        if d.code in ("length.threads", "links.threads")
    ]


@pytest.mark.parametrize(("text", "counted", "source"), CASES, ids=[c[2] for c in CASES])
def test_the_fake_counts_as_the_documentation_says(text: str, counted: int, source: str) -> None:
    fake = ThreadsFake()
    if counted <= 500:
        send(fake, text)
        assert fake.texts() == [text]
    else:
        with pytest.raises(PlatformError, match="500 characters"):
            send(fake, text)
        assert fake.texts() == []


@pytest.mark.parametrize(("text", "counted", "source"), CASES, ids=[c[2] for c in CASES])
def test_the_checker_counts_as_the_documentation_says(
    make_workspace: Callable[..., Path], text: str, counted: int, source: str
) -> None:
    found = checked(make_workspace, text)
    if counted <= 500:
        assert found == []
    else:
        ((code, message),) = found
        assert code == "length.threads" and f"is {counted} characters" in message


SIX_LINKS = (
    "Our prices: https://lumengrain.example/prices, www.facebook.com/lumengrain,"
    " lumengrain.studio/book, instagram.com/lumengrain, threads.com/@lumengrain"
    " and example.org/press"
)


def test_bare_domains_count_toward_the_five_links() -> None:
    """LINKS and BARE: six links, five of them written without https://, are refused."""
    with pytest.raises(PlatformError, match="5 links"):
        send(ThreadsFake(), SIX_LINKS)


def test_the_checker_counts_bare_domains_toward_the_five_links(
    make_workspace: Callable[..., Path],
) -> None:
    """LINKS and BARE, on the checker's side: `links.threads` before anything is sent."""
    ((code, message),) = checked(make_workspace, SIX_LINKS)
    assert code == "links.threads" and message.startswith("6 links")


def test_the_same_link_twice_counts_once(make_workspace: Callable[..., Path]) -> None:
    """UNIQUE: five different links, one of them twice, is five links; Threads takes it."""
    text = SIX_LINKS.replace("example.org/press", "lumengrain.studio/book")
    assert checked(make_workspace, text) == []
    fake = ThreadsFake()
    send(fake, text)
    assert fake.texts() == [text]
