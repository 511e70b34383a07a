"""Links as each platform finds them, and UTM tags only on the brand's own: published to a
real Bluesky PDS and a real Mastodon server (mastodon-mock) from a real bare git remote.

* Bluesky's app links a domain written without ``https://`` (``lumengrain.studio/prices``),
  but a link in a record is clickable only through a facet, whose ``index`` is "UTF-8 byte
  offsets, end exclusive" and whose ``uri`` is a full URI (atproto lexicon
  ``app.bsky.richtext.facet``; shared/platforms.md, Bluesky).
* Mastodon links only addresses with a scheme: a bare domain stays plain text, untagged.
* UTM parameters go on the brand's own domains (``links.own_domains``, or the domain of its
  ``website`` when the list is empty), never on a newspaper's article.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from builders.posts import HELLO, channels, post
from builders.remotes import ledger_record
from builders.runs import pushing
from builders.workspaces import published
from peers.bluesky import Account, BlueskyPDS
from peers.mastodon import MastodonServer

from tidings.errors import PublishError
from tidings.jobs.publish import Options, publish

NOW = datetime(2026, 12, 10, 8, 5, tzinfo=UTC)  # 09:05 in Berlin
BLUESKY = {"handle": "BLUESKY_HANDLE", "app_password": "BLUESKY_APP_PASSWORD", "pds": "BLUESKY_PDS"}
MASTODON = {"base_url": "MASTODON_BASE_URL", "access_token": "MASTODON_ACCESS_TOKEN"}
CHANNELS = channels(
    bluesky={"platform": "bluesky", "credentials": BLUESKY},
    mastodon={"platform": "mastodon", "credentials": MASTODON},
)
LINK_FACET = "app.bsky.richtext.facet#link"


def shown(server: MastodonServer) -> str:
    """The text of the account's one status as readers see it (its HTML without tags)."""
    (status,) = server.statuses()
    return html.unescape(re.sub(r"<[^>]+>", "", status["content"]))


def brand(**links: object) -> str:
    """The base fixture's brand, with a website and UTM tagging on."""
    data: dict[str, object] = {
        "name": "Test Studio",
        "timezone": "Europe/Berlin",
        "website": "https://lumengrain.example",
        "links": {"utm": {"enabled": True, "medium": "social"}, **links},
    }
    return yaml.safe_dump(data, sort_keys=False)


@pytest.fixture
def repo(tmp_path: Path) -> Callable[..., tuple[Path, Path]]:
    def build(channel: str, text: str, brand_yaml: str | None = None) -> tuple[Path, Path]:
        files = {
            "brand/channels.yaml": CHANNELS,
            "brand/brand.yaml": brand_yaml or brand(),
            HELLO: post(channel, parts=(text,), media=()),
        }
        return published(tmp_path, files)

    return build


def bluesky_options(pds: BlueskyPDS, account: Account) -> Options:
    env = {
        "BLUESKY_HANDLE": account.handle,
        "BLUESKY_APP_PASSWORD": account.password,
        "BLUESKY_PDS": pds.url,
    }
    return Options(now=NOW, push=True, env=env, sleep=[].append)


def test_a_bare_domain_is_a_clickable_link_on_bluesky_with_byte_offsets(
    repo: Callable[..., tuple[Path, Path]], pds: BlueskyPDS, bluesky_account: Account
) -> None:
    # "für" and "—" put multi-byte characters before the links: code points ≠ bytes.
    # lumengrain.studio has a real top-level domain (twitter-text finds it); the brand's own
    # lumengrain.example does not, and is a link because the brand names it as its own.
    remote, work = repo(
        "bluesky",
        "Preise für 2027 — alles auf lumengrain.studio/prices, Termine: lumengrain.example/book."
        " Bis bald!",
        brand(own_domains=["lumengrain.studio", "lumengrain.example"]),
    )
    report = publish(work, bluesky_options(pds, bluesky_account))
    assert report.ok, report.outcomes
    ((record,),) = [[p["value"] for p in pds.list_records(bluesky_account.did)]]
    text = record["text"].encode("utf-8")
    facets = [f for f in record["facets"] if f["features"][0]["$type"] == LINK_FACET]
    found = [
        (
            text[f["index"]["byteStart"] : f["index"]["byteEnd"]].decode("utf-8"),
            f["features"][0]["uri"],
        )
        for f in facets
    ]
    assert [shown.split("?")[0].rstrip("…") for shown, _ in found] == [
        "lumengrain.studio/prices",
        "lumengrain.example/book",
    ]
    assert [uri.split("?")[0] for _, uri in found] == [
        "https://lumengrain.studio/prices",
        "https://lumengrain.example/book",
    ]
    assert all("utm_source=bluesky" in uri for _, uri in found)  # the brand's own: tagged
    assert record["text"].endswith(". Bis bald!")  # the full stop is not part of the link
    assert ledger_record(remote, "bluesky")["state"] == "published"


def test_a_bare_domain_stays_plain_text_on_mastodon(
    repo: Callable[..., tuple[Path, Path]], mastodon: MastodonServer
) -> None:
    text = "All prices on lumengrain.example/prices, and https://lumengrain.example/book to book."
    _, work = repo("mastodon", text)
    report = publish(work, pushing(NOW, mastodon.env()))
    assert report.ok, report.outcomes
    content = shown(mastodon)
    assert "lumengrain.example/prices, and" in content  # not rewritten, not tagged
    assert "https://lumengrain.example/book?utm_source=mastodon&utm_medium=social" in content


def test_utm_tags_go_only_on_the_brands_own_domains(
    repo: Callable[..., tuple[Path, Path]], mastodon: MastodonServer
) -> None:
    own = ["lumengrain.example", "lumengrain.studio"]
    text = (
        "Read https://news.example.org/leipzig/2026/studio-opens about us,"
        " book at https://shop.lumengrain.studio/book"
        " or https://lumengrain.example/prices"
        " (not https://lumengrain.studio.evil.example/x nor https://notlumengrain.example/y"
        " nor https://lumengrain.example@evil.example/z)"
    )
    _, work = repo("mastodon", text, brand(own_domains=own))
    report = publish(work, pushing(NOW, mastodon.env()))
    assert report.ok, report.outcomes
    content = shown(mastodon)
    tagged = "?utm_source=mastodon&utm_medium=social"
    assert f"https://shop.lumengrain.studio/book{tagged}" in content
    assert f"https://lumengrain.example/prices{tagged}" in content
    assert "https://news.example.org/leipzig/2026/studio-opens about" in content
    assert "https://lumengrain.studio.evil.example/x nor" in content
    assert "https://notlumengrain.example/y nor" in content
    assert "https://lumengrain.example@evil.example/z)" in content  # its host is evil.example


def test_without_own_domains_the_websites_domain_is_the_brands_own(
    repo: Callable[..., tuple[Path, Path]], mastodon: MastodonServer
) -> None:
    text = "New prices: https://www.lumengrain.example/prices, as https://news.example.org/a says"
    _, work = repo("mastodon", text)
    report = publish(work, pushing(NOW, mastodon.env()))
    assert report.ok, report.outcomes
    content = shown(mastodon)
    assert "https://www.lumengrain.example/prices?utm_source=mastodon&utm_medium=social," in content
    assert "https://news.example.org/a says" in content


def test_an_address_in_own_domains_is_refused_naming_file_line_and_field(
    repo: Callable[..., tuple[Path, Path]], mastodon: MastodonServer
) -> None:
    bad = brand(own_domains=["lumengrain.example", "https://lumengrain.example/shop"])
    _, work = repo("mastodon", "New prices: https://lumengrain.example/prices", bad)
    with pytest.raises(PublishError) as caught:
        publish(work, pushing(NOW, mastodon.env()))
    message = str(caught.value)
    assert "brand/brand.yaml:10:" in message and "links.own_domains[1]" in message
    assert "a domain alone, such as lumengrain.example" in message
    assert mastodon.statuses() == []  # nothing sent
