"""Bluesky link cards through the publisher, against the real PDS and a page server on
127.0.0.1: the record carries the page's title, description and a thumb blob (downscaled when
the page's image is too big), the ledger records what was fetched, a page that cannot be read
gives the text card and the post still goes out, and a third party's page is never fetched
unless the post opts in."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from builders.posts import HELLO, channels, post
from builders.remotes import ledger_record
from builders.workspaces import published
from fakes.pages import OG_DESCRIPTION, OG_TITLE, PageServer, small_png
from peers.bluesky import Account, BlueskyPDS

from tidings.jobs.publish import Options, publish
from tidings.platforms.linkcard import ALLOW_PRIVATE_ENV

NOW = datetime(2026, 12, 10, 8, 5, tzinfo=UTC)
CHANNELS = channels(
    bluesky={
        "platform": "bluesky",
        "credentials": {
            "handle": "BLUESKY_HANDLE",
            "app_password": "BLUESKY_APP_PASSWORD",
            "pds": "BLUESKY_PDS",
        },
    }
)


@pytest.fixture
def site() -> Iterator[PageServer]:
    with PageServer() as server:
        yield server


Publish = Callable[..., tuple[Path, list[dict[str, object]]]]


@pytest.fixture
def send(tmp_path: Path, pds: BlueskyPDS, bluesky_account: Account) -> Publish:
    """Publish a one-part Bluesky post with ``text`` (and front matter ``front``); the remote
    and the records the PDS then holds."""

    def run(text: str, **front: object) -> tuple[Path, list[dict[str, object]]]:
        files = {
            "brand/channels.yaml": CHANNELS,
            HELLO: post("bluesky", parts=(text,), media=(), **front),
        }
        remote, work = published(tmp_path, files)
        env = {
            "BLUESKY_HANDLE": bluesky_account.handle,
            "BLUESKY_APP_PASSWORD": bluesky_account.password,
            "BLUESKY_PDS": pds.url,
            ALLOW_PRIVATE_ENV: "1",
        }
        report = publish(work, Options(now=NOW, push=True, env=env, sleep=[].append))
        assert report.ok, report.outcomes
        return remote, [r["value"] for r in pds.list_records(bluesky_account.did)]

    return run


def external(record: dict[str, object]) -> dict[str, object]:
    embed = record["embed"]
    assert isinstance(embed, dict) and embed["$type"] == "app.bsky.embed.external"
    return dict(embed["external"])


def test_the_card_has_the_pages_title_description_and_a_thumb_blob(
    send: Publish, site: PageServer, pds: BlueskyPDS, bluesky_account: Account
) -> None:
    remote, (record,) = send(f"New vouchers: {site.url}/og?utm_source=x", link_card="true")
    card = external(record)
    assert card["uri"] == f"{site.url}/og?utm_source=x"
    assert (card["title"], card["description"]) == (OG_TITLE, OG_DESCRIPTION)
    thumb = card["thumb"]
    assert isinstance(thumb, dict) and thumb["mimeType"] == "image/png"
    blob = httpx.get(
        f"{pds.url}/xrpc/com.atproto.sync.getBlob",
        params={"did": bluesky_account.did, "cid": thumb["ref"]["$link"]},
    )
    assert blob.status_code == 200 and blob.content == small_png()  # the page's own image
    assert site.seen == ["/og", "/img/small.png"]  # fetched without the UTM tags
    assert ledger_record(remote, "bluesky")["link_card"] == {
        "url": f"{site.url}/og?utm_source=x",
        "title": OG_TITLE,
        "description": OG_DESCRIPTION,
        "page": f"{site.url}/og",
        "thumb": True,
    }


def test_an_image_too_big_for_a_thumb_is_sent_downscaled(send: Publish, site: PageServer) -> None:
    _, (record,) = send(f"Prints: {site.url}/big-image", link_card="true")
    thumb = external(record)["thumb"]
    assert isinstance(thumb, dict)
    assert thumb["mimeType"] == "image/jpeg" and int(thumb["size"]) <= 1_000_000


def test_a_page_without_open_graph_gives_its_title_and_meta_description(
    send: Publish, site: PageServer
) -> None:
    _, (record,) = send(f"Hours: {site.url}/plain", link_card="true")
    card = external(record)
    assert card["title"] == "Opening hours – Lumengrain"
    assert card["description"] == "Open Tuesday to Saturday, 10 to 18."
    assert "thumb" not in card


@pytest.mark.parametrize(
    ("path", "problem"),
    [
        ("/missing", "404 Not Found"),
        ("/huge", "too big (over 1,000,000 bytes)"),
        ("/json", "not a web page (application/json)"),
        ("/down", "redirected off the site, to 127.0.0.2"),
    ],
)
def test_a_page_that_cannot_be_read_gives_the_text_card_and_the_post_goes_out(
    send: Publish, site: PageServer, path: str, problem: str
) -> None:
    site.redirect("/down", "ftp://127.0.0.2/og")  # even with the opt-in: not http(s)
    remote, (record,) = send(f"See {site.url}{path}", link_card="true")
    card = external(record)
    assert card["title"] == record["text"][4:]  # type: ignore[index]  # the link as shown
    assert card["description"] == "" and "thumb" not in card
    recorded = ledger_record(remote, "bluesky")
    assert recorded["state"] == "published"
    assert recorded["link_card"]["problem"] == problem and recorded["link_card"]["page"] is None


def test_with_the_opt_in_a_redirect_to_another_site_is_followed(
    send: Publish, site: PageServer
) -> None:
    """A link the post opts in to may be fetched wherever it is, so the page it redirects
    to (a short link's target, say) gives the card, as on Bluesky's own app."""
    with PageServer() as elsewhere:
        site.redirect("/short", elsewhere.url + "/og")
        remote, (record,) = send(f"Read it: {site.url}/short", link_card="true")
        assert (external(record)["title"], elsewhere.seen[0]) == (OG_TITLE, "/og")
        assert ledger_record(remote, "bluesky")["link_card"]["page"] == elsewhere.url + "/og"


def test_a_third_party_page_is_not_fetched_without_the_opt_in(
    send: Publish, site: PageServer
) -> None:
    remote, (record,) = send(f"A nice review: {site.url}/og")
    assert site.seen == []
    assert external(record)["description"] == ""
    assert "problem" not in ledger_record(remote, "bluesky")["link_card"]


def test_link_card_false_never_fetches(send: Publish, site: PageServer) -> None:
    send(f"See {site.url}/og", link_card="false")
    assert site.seen == []
