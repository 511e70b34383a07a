"""A 2xx answer to a create call that carries no usable id is *uncertain*, never retryable:
the post may be out, so the publisher reconciles it under the same attempt key and never
sends it blindly again (issue 14, item 5).

Mastodon runs against the real mastodon-mock behind a proxy that loses the answer's body (the
status is created, the client sees ``200 {}``), the way a misbehaving load balancer would.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import yaml
from builders.posts import post as post_text
from builders.remotes import remote_file
from builders.workspaces import published
from peers.bluesky import Account, BlueskyPDS
from peers.mastodon import MastodonServer

from tidings.jobs.publish import Options, publish

CHANNELS = """channels:
  mastodon:
    platform: mastodon
    credentials:
      base_url: MASTODON_BASE_URL
      access_token: MASTODON_ACCESS_TOKEN
"""

POST = post_text(
    "mastodon",
    title="Opening",
    at="2026-12-10 09:00",
    parts=("We open the new studio today.", "Come by for tea, 10:00 to 16:00."),
    media=(),
)

NOW = datetime(2026, 12, 10, 8, 5, tzinfo=UTC)  # 09:05 in Berlin


class BodyLosingProxy(httpx.BaseTransport):
    """Forwards every request to the real server; the answers to ``POST /api/v1/statuses``
    reach the client as ``200 {}`` (the status exists, its id is lost on the way)."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.keys: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if request.method == "POST" and request.url.path == "/api/v1/statuses":
            response.read()
            self.keys.append(request.headers.get("Idempotency-Key", ""))
            return httpx.Response(200, json={}, request=request)
        return response


def record(remote: Path) -> dict[str, Any]:
    text = remote_file(remote, "ledger/2026/12/hello.yaml")
    assert text is not None
    return dict(yaml.safe_load(text)["channels"]["mastodon"])


def at(moment: datetime) -> Callable[[], float]:
    return lambda: moment.timestamp()


def test_a_2xx_without_a_status_id_is_reconciled_not_posted_again(
    tmp_path: Path, mastodon: MastodonServer
) -> None:
    remote, work = published(
        tmp_path, {"brand/channels.yaml": CHANNELS, "content/posts/2026/12/hello.md": POST}
    )
    proxy = BodyLosingProxy()
    first = publish(
        work,
        Options(now=NOW, push=True, env=mastodon.env(), transport=proxy, clock=at(NOW)),
    )
    assert not first.ok
    rec = record(remote)
    assert rec["state"] == "pending", rec  # may be out: reconciled, never "failed"
    assert "no status id" in rec["error"]
    assert len(set(proxy.keys)) == 1 and proxy.keys[0] == f"{rec['attempt_key']}-0"
    assert len(mastodon.statuses()) == 1  # the replays under one key made one status

    later = NOW + timedelta(minutes=20)
    second = publish(later_work := work, Options(now=later, push=True, env=mastodon.env()))
    assert second.ok, second.outcomes
    statuses = mastodon.statuses()
    assert len(statuses) == 2, [s["content"] for s in statuses]  # part 1 once, part 2 once
    rec = record(remote)
    assert rec["state"] == "published" and rec["attempts"] == 1
    assert publish(later_work, Options(now=later, push=True, env=mastodon.env())).outcomes == []


BLUESKY = """channels:
  bluesky:
    platform: bluesky
    credentials:
      handle: BLUESKY_HANDLE
      app_password: BLUESKY_APP_PASSWORD
      pds: BLUESKY_PDS
"""


class GarblingProxy(httpx.BaseTransport):
    """Forwards every request to the real PDS; the answers to ``createRecord`` reach the
    client as a 200 whose body is not JSON (the record exists, its uri is lost)."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.creates = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if request.url.path.endswith("/com.atproto.repo.createRecord"):
            response.read()
            self.creates += 1
            return httpx.Response(200, text="<html>upstream reset</html>", request=request)
        return response


def test_a_bluesky_2xx_without_a_uri_is_found_by_its_record_key(
    tmp_path: Path, pds: BlueskyPDS, bluesky_account: Account
) -> None:
    remote, work = published(
        tmp_path,
        {
            "brand/channels.yaml": BLUESKY,
            "content/posts/2026/12/hello.md": POST.replace("[mastodon]", "[bluesky]"),
        },
    )
    env = {
        "BLUESKY_HANDLE": bluesky_account.handle,
        "BLUESKY_APP_PASSWORD": bluesky_account.password,
        "BLUESKY_PDS": pds.url,
    }
    proxy = GarblingProxy()
    report = publish(work, Options(now=NOW, push=True, env=env, transport=proxy))
    assert report.ok, report.outcomes
    assert proxy.creates == 2
    posts = pds.list_records(bluesky_account.did)
    assert len(posts) == 2
    text = remote_file(remote, "ledger/2026/12/hello.yaml")
    assert text is not None
    rec = yaml.safe_load(text)["channels"]["bluesky"]
    assert rec["state"] == "published"
    assert sorted(p["id"] for p in rec["parts"]) == sorted(p["uri"] for p in posts)
