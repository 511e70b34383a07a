"""Issue 17's end-to-end story, against a real Mastodon API (mastodon-mock) and a real bare
git remote, each step the command a workflow or a person runs:

1. a post is published (``tidings publish --push``);
2. two people reply to it and a third mentions the brand;
3. ``tidings inbox --push`` records three new items;
4. a pull request is merged: a reply file (``content/replies/``, ``in_reply_to`` the first
   reply's address) and ``content/inbox.yaml`` marking the mention no-reply-needed;
5. ``tidings publish --push`` sends the reply, threaded under the item;
6. the next ``tidings inbox --push`` marks that item answered, its first-response time
   the server's own times apart, and the mention no-reply-needed;
7. another run adds and changes nothing (no byte, no commit);
8. the built Inbox page shows exactly one unanswered item (the second reply) with its age.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from builders import workspaces
from builders.posts import HELLO, post, reply
from builders.remotes import git, remote_log
from click.testing import CliRunner
from peers.mastodon import MastodonServer
from test_inbox import MASTODON, fan

from tidings.cli.main import cli
from tidings.site import build_pages, collect
from tidings.site.inbox_page import INBOX_PAGE
from tidings.workspace.inbox import InboxStatus, read_channel

BERLIN = ZoneInfo("Europe/Berlin")
BRAND = "name: Test Studio\ntimezone: Europe/Berlin\ninbox:\n  respond_within: 24h\n"


def instant(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone(UTC)


class Waiting(HTMLParser):
    """The text of each waiting item (``li.td-inbox-item``) on the Inbox page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.items: list[str] = []
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "li" and "td-inbox-item" in (dict(attrs).get("class") or ""):
            self.items.append("")
            self._depth = 1
        elif tag == "li" and self._depth:
            self._depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "li" and self._depth:
            self._depth -= 1

    def handle_data(self, data: str) -> None:
        if self._depth:
            self.items[-1] += data


def test_published_replied_mentioned_answered_by_a_reviewed_file_and_shown(
    tmp_path: Path, mastodon: MastodonServer
) -> None:
    due = datetime.now(BERLIN) - timedelta(minutes=30)  # the servers run on the clock
    remote, work = workspaces.published(
        tmp_path,
        {
            "brand/channels.yaml": MASTODON,
            "brand/brand.yaml": BRAND,
            HELLO: post("mastodon", at=f"{due:%Y-%m-%d %H:%M}"),
        },
    )
    cli_env = mastodon.env()
    runner = CliRunner(env=cli_env)

    def tidings(*args: str) -> str:
        result = runner.invoke(cli, ["--root", str(work), *args])
        assert result.exit_code == 0, result.output
        assert mastodon.token not in result.output
        return result.output

    # 1. the post goes out
    tidings("publish", "--push")
    ledger = yaml.safe_load((work / "ledger/2026/12/hello.yaml").read_text())
    root_id = ledger["channels"]["mastodon"]["parts"][0]["id"]

    # 2. two replies and a mention, by other accounts through the server's API
    ann, bob, cat = fan(mastodon), fan(mastodon), fan(mastodon)
    first = ann.say("@testuser Lovely, see you there", in_reply_to_id=root_id)
    second = bob.say("@testuser Is it open on Sunday?", in_reply_to_id=root_id)
    mention = cat.say("Had tea at @testuser today")

    # 3. the inbox run records three new items
    out = tidings("inbox", "--push")
    assert "committed and pushed" in out
    items = {i.id: i for i in read_channel(work, "mastodon")}
    assert set(items) == {first["id"], second["id"], mention["id"]}
    assert all(i.status is InboxStatus.NEW for i in items.values())
    assert remote_log(remote)[0].startswith("inbox: 3 new item(s), 0 answered")

    # 4. a person's pull request, merged: a reply to the first, the mention needs none
    (work / "content/replies").mkdir(parents=True, exist_ok=True)
    (work / "content/replies/see-you.md").write_text(
        reply(first["url"], "Looking forward to it!"), encoding="utf-8"
    )
    (work / "content/inbox.yaml").write_text(
        f"- url: {mention['url']}\n  status: no-reply-needed\n  by: maria\n  note: just tea\n",
        encoding="utf-8",
    )
    tidings("check")
    git(work, "add", "content")
    git(work, "commit", "-qm", "Reply to ann; the mention needs no reply")
    git(work, "push", "-q")

    # 5. the publisher sends the reply, threaded under the item, once
    tidings("publish", "--push")
    answers = [s for s in mastodon.statuses() if s.get("in_reply_to_id") == first["id"]]
    assert len(answers) == 1 and "Looking forward to it!" in answers[0]["content"]
    answer = answers[0]

    # 6. the next inbox run notices the answer, with the server's own times
    tidings("inbox", "--push")
    items = {i.id: i for i in read_channel(work, "mastodon")}
    done = items[first["id"]]
    assert done.status is InboxStatus.ANSWERED
    assert done.answered_by == answer["url"]
    took = instant(answer["created_at"]).replace(microsecond=0) - instant(
        first["created_at"]
    ).replace(microsecond=0)
    assert done.first_response == took and took >= timedelta(0)
    assert (items[mention["id"]].status, items[mention["id"]].by) == (
        InboxStatus.NO_REPLY_NEEDED,
        "maria",
    )
    assert items[second["id"]].status is InboxStatus.NEW

    # 7. a second run adds nothing: no byte changes, no commit
    before = {p: p.read_bytes() for p in sorted((work / "inbox").rglob("*.yaml"))}
    log = remote_log(remote)
    out = tidings("inbox", "--push")
    assert "Nothing new" in out
    assert {p: p.read_bytes() for p in sorted((work / "inbox").rglob("*.yaml"))} == before
    assert remote_log(remote) == log

    # 8. the Inbox page: one unanswered item, the second reply, with its age
    waiting_since = items[second["id"]].at
    build_at = waiting_since + timedelta(hours=3, minutes=10)
    pages = {p.src_uri: p.html for p in build_pages(collect(work, build_at)).pages}
    page = Waiting()
    page.feed(pages[INBOX_PAGE])
    assert len(page.items) == 1, page.items
    (only,) = page.items
    assert f"@{bob.acct}" in only and "waiting 3 h 10 min" in only
    assert f"tidings new reply {second['url']}" in only
    assert "3 items recorded" in pages[INBOX_PAGE]
    # answered in time: 1 of 1 known (the other is younger than the target)
    assert "(1 of 1)" in pages[INBOX_PAGE]
