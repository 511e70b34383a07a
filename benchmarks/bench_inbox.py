"""Benchmark the inbox collection: 5,000 items across 3 channels, counting requests.

    python benchmarks/bench_inbox.py [--items 5000] [--seed 0]

One ``tidings inbox`` run (``collect_inbox``, no commit) over a workspace with a Mastodon,
a Bluesky and an X channel, each answered by a small in-process server (an
``httpx.MockTransport``) that holds a third of the items and pages them as the platform
does: Mastodon 40 notifications a page (``min_id``, ``Link`` header), Bluesky 100 a page
(``cursor``), X 100 a page (``since_id``, ``pagination_token``). The brand has answered
one item in ten on each platform.

Printed per channel: the items recorded, the requests made, and the requests the listing
itself needs, ceil(items / page size), next to the fixed ones (logging in or reading the
account, one page of the account's own posts). Then a second run, which must add nothing
and change no file. Last, the Inbox page of the preview site is built from that record
(``build_inbox``: reading every month file, the numbers, three charts with their tables,
the page's HTML), timed. The exit status is non-zero when a count or the rerun is wrong.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

ME_MASTODON = "1"
ME_DID = "did:plc:brand"
ME_X = "1500000000000000001"


def stamp(moment: datetime, ms: bool = False) -> str:
    text = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return text + (".000Z" if ms else "Z")


class Servers:
    """The three platforms, in memory."""

    def __init__(self, items: int, now: datetime, seed: int) -> None:
        rng = random.Random(seed)
        share = [items // 3 + (1 if i < items % 3 else 0) for i in range(3)]
        self.counts = dict(zip(("mastodon", "bluesky", "x"), share, strict=True))
        start = now - timedelta(days=6)
        span = 6 * 24 * 3600

        def times(n: int) -> list[datetime]:
            return sorted(start + timedelta(seconds=rng.randrange(span)) for _ in range(n))

        self.mastodon = [
            {"id": str(10_000 + i), "at": at, "reply": i % 10 == 0}
            for i, at in enumerate(times(share[0]))
        ]
        self.bluesky = [
            {"uri": f"at://did:plc:fan{i % 97}/app.bsky.feed.post/{i:013d}", "at": at}
            for i, at in enumerate(times(share[1]))
        ]
        self.x = [
            {"id": str(1_870_000_000_000_000_000 + i), "at": at}
            for i, at in enumerate(times(share[2]))
        ]
        self.listing = {"mastodon": 0, "bluesky": 0, "x": 0}
        """Requests for the listing itself (notifications / listNotifications / mentions)."""

    # -- Mastodon ---------------------------------------------------------------------

    def mastodon_handle(self, request: httpx.Request) -> httpx.Response:
        path, q = request.url.path, parse_qs(urlsplit(str(request.url)).query)
        if path == "/api/v1/accounts/verify_credentials":
            return httpx.Response(200, json={"id": ME_MASTODON, "acct": "brand"})
        if path == "/api/v1/notifications":
            self.listing["mastodon"] += 1
            limit = min(int(q.get("limit", ["40"])[0]), 40)
            low = int(q.get("min_id", ["0"])[0])
            above = [n for n in self.mastodon if int(n["id"]) > low][:limit]
            body = [
                {
                    "id": n["id"],
                    "type": "mention",
                    "created_at": stamp(n["at"], True),
                    "account": {"id": "9", "acct": f"fan{n['id']}@example.social"},
                    "status": {
                        "id": n["id"],
                        "url": f"https://example.social/@fan/{n['id']}",
                        "created_at": stamp(n["at"], True),
                        "visibility": "public",
                        "in_reply_to_id": None,
                        "in_reply_to_account_id": None,
                        "account": {"id": "9", "acct": f"fan{n['id']}@example.social"},
                        "content": "<p>hello</p>",
                    },
                }
                for n in reversed(above)
            ]
            headers = {}
            if above:
                base = "https://mastodon.test/api/v1/notifications"
                headers["Link"] = f'<{base}?min_id={above[-1]["id"]}>; rel="prev"'
            return httpx.Response(200, json=body, headers=headers)
        if path.startswith("/api/v1/accounts/") and path.endswith("/statuses"):
            below = int(q.get("max_id", [str(10**9)])[0])
            replies = [
                {
                    "id": str(90_000 + i),
                    "url": f"https://example.social/@brand/{90_000 + i}",
                    "created_at": stamp(n["at"] + timedelta(minutes=30), True),
                    "in_reply_to_id": n["id"],
                }
                for i, n in enumerate(self.mastodon)
                if n["reply"] and 90_000 + i < below
            ][::-1][: int(q.get("limit", ["40"])[0])]
            return httpx.Response(200, json=replies)
        return httpx.Response(404, json={"error": "not here"})

    # -- Bluesky ----------------------------------------------------------------------

    def bluesky_handle(self, request: httpx.Request) -> httpx.Response:
        nsid = request.url.path.removeprefix("/xrpc/")
        q = parse_qs(urlsplit(str(request.url)).query)
        if nsid == "com.atproto.server.createSession":
            return httpx.Response(
                200,
                json={
                    "did": ME_DID,
                    "handle": "brand.test",
                    "accessJwt": "eyJhbGciOi.access.jwt",
                    "refreshJwt": "eyJhbGciOi.refresh.jwt",
                },
            )
        if nsid == "app.bsky.notification.listNotifications":
            self.listing["bluesky"] += 1
            ordered = self.bluesky[::-1]
            start = int(q.get("cursor", ["0"])[0])
            limit = int(q.get("limit", ["50"])[0])
            page = ordered[start : start + limit]
            body: dict[str, Any] = {
                "notifications": [
                    {
                        "uri": n["uri"],
                        "cid": "bafy",
                        "author": {"did": "did:plc:fan", "handle": "fan.test"},
                        "reason": "mention",
                        "record": {"text": "hi", "createdAt": stamp(n["at"], True)},
                        "isRead": False,
                        "indexedAt": stamp(n["at"], True),
                    }
                    for n in page
                ]
            }
            if start + limit < len(ordered):
                body["cursor"] = str(start + limit)
            return httpx.Response(200, json=body)
        if nsid == "com.atproto.repo.listRecords":
            records = [
                {
                    "uri": f"at://{ME_DID}/app.bsky.feed.post/r{i:09d}",
                    "value": {
                        "text": "thanks",
                        "createdAt": stamp(n["at"] + timedelta(minutes=20), True),
                        "reply": {"parent": {"uri": n["uri"]}, "root": {"uri": n["uri"]}},
                    },
                }
                for i, n in enumerate(self.bluesky)
                if i % 10 == 0
            ][::-1]
            start = int(q.get("cursor", ["0"])[0])
            page: dict[str, Any] = {"records": records[start : start + 100]}
            if start + 100 < len(records):
                page["cursor"] = str(start + 100)
            return httpx.Response(200, json=page)
        return httpx.Response(501, json={"error": "MethodNotImplemented"})

    # -- X ----------------------------------------------------------------------------

    def x_handle(self, request: httpx.Request) -> httpx.Response:
        path, q = request.url.path, parse_qs(urlsplit(str(request.url)).query)
        if path == "/2/users/me":
            return httpx.Response(200, json={"data": {"id": ME_X, "username": "brand"}})
        if path.endswith("/mentions"):
            self.listing["x"] += 1
            since = int(q.get("since_id", ["0"])[0])
            found = [m for m in self.x[::-1] if int(m["id"]) > since]
            start = int(q.get("pagination_token", ["0"])[0])
            size = int(q.get("max_results", ["10"])[0])
            page = found[start : start + size]
            meta: dict[str, Any] = {"result_count": len(page)}
            if start + size < len(found):
                meta["next_token"] = str(start + size)
            data = [
                {
                    "id": m["id"],
                    "text": "@brand hi",
                    "created_at": stamp(m["at"], True),
                    "author_id": "42",
                }
                for m in page
            ]
            return httpx.Response(
                200,
                json={
                    "data": data,
                    "meta": meta,
                    "includes": {"users": [{"id": "42", "username": "fan"}]},
                },
            )
        if path.endswith("/tweets"):
            data = [
                {
                    "id": str(1_880_000_000_000_000_000 + i),
                    "created_at": stamp(m["at"] + timedelta(minutes=10), True),
                    "referenced_tweets": [{"type": "replied_to", "id": m["id"]}],
                }
                for i, m in enumerate(self.x)
                if i % 10 == 0
            ][::-1]
            start = int(q.get("pagination_token", ["0"])[0])
            meta = {"result_count": len(data[start : start + 100])}
            if start + 100 < len(data):
                meta["next_token"] = str(start + 100)
            return httpx.Response(200, json={"data": data[start : start + 100], "meta": meta})
        return httpx.Response(404, json={"title": "Not Found"})

    def transport(self) -> httpx.MockTransport:
        def route(request: httpx.Request) -> httpx.Response:
            host = request.url.host
            if host == "mastodon.test":
                return self.mastodon_handle(request)
            if host == "bluesky.test":
                return self.bluesky_handle(request)
            return self.x_handle(request)

        return httpx.MockTransport(route)


CHANNELS = """channels:
  mastodon:
    platform: mastodon
    credentials: {base_url: MASTODON_BASE_URL, access_token: MASTODON_ACCESS_TOKEN}
  bluesky:
    platform: bluesky
    credentials: {handle: BLUESKY_HANDLE, app_password: BLUESKY_APP_PASSWORD, pds: BLUESKY_PDS}
  x:
    platform: x
    credentials:
      api_key: X_API_KEY
      api_secret: X_API_SECRET
      access_token: X_ACCESS_TOKEN
      access_token_secret: X_ACCESS_TOKEN_SECRET
      api_base: X_API_BASE
"""
ENV = {
    "MASTODON_BASE_URL": "https://mastodon.test",
    "MASTODON_ACCESS_TOKEN": "bench-mastodon-token",
    "BLUESKY_HANDLE": "brand.test",
    "BLUESKY_APP_PASSWORD": "bench-app-password",
    "BLUESKY_PDS": "https://bluesky.test",
    "X_API_KEY": "bench-x-key",
    "X_API_SECRET": "bench-x-secret",
    "X_ACCESS_TOKEN": "bench-x-token",
    "X_ACCESS_TOKEN_SECRET": "bench-x-token-secret",
    "X_API_BASE": "https://x.test",
}
PAGE = {"mastodon": 40, "bluesky": 100, "x": 100}


def inbox_page(root: Path, now: datetime) -> tuple[float, int]:
    """Seconds to build the Inbox page from the record (the page's own work: reading
    ``inbox/``, the numbers, the charts and the HTML), and how many items it lists waiting."""
    from tidings.site.data import SiteData
    from tidings.site.inbox_page import build_inbox
    from tidings.site.links import Linker
    from tidings.site.templates import render_template
    from tidings.workspace.inbox import read_all
    from tidings.workspace.loader import load_workspace

    ws, _ = load_workspace(root)
    data = SiteData(ws, (), (), now, inbox=lambda: read_all(root))
    started = time.perf_counter()
    (page,) = build_inbox(data)[:1]
    html = render_template(
        page.template, link=Linker(page.src), chips={}, tz=data.tz, **page.context
    )
    took = time.perf_counter() - started
    assert "Waiting for an answer" in html
    return took, int(page.context["waiting_total"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    from tidings.jobs.inbox import Options, collect_inbox

    now = datetime.now(UTC).replace(microsecond=0)
    servers = Servers(args.items, now, args.seed)
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "brand").mkdir()
        (root / "tidings.yaml").write_text("version: 1\n")
        (root / "brand/brand.yaml").write_text("name: Bench\ntimezone: Europe/Berlin\n")
        (root / "brand/channels.yaml").write_text(CHANNELS)
        opts = Options(
            now=now, commit=False, env=ENV, transport=servers.transport(), sleep=lambda s: None
        )
        started = time.perf_counter()
        report = collect_inbox(root, opts)
        first = time.perf_counter() - started
        print(f"{args.items} items across 3 channels, collected in {first:.2f} s\n")
        print(
            f"{'channel':<10}{'items':>7}{'answered':>10}{'requests':>10}{'listing':>9}  ceil(items/page)"
        )
        for outcome in report.channels:
            n = servers.counts[outcome.channel]
            need = math.ceil(n / PAGE[outcome.channel])
            listing = servers.listing[outcome.channel]
            answered = math.ceil(n / 10)
            ok = (
                outcome.state == "ok"
                and outcome.added == n
                and listing == need
                and outcome.answered == answered
            )
            failed |= not ok
            print(
                f"{outcome.channel:<10}{outcome.added:>7}{outcome.answered:>10}"
                f"{outcome.requests:>10}{listing:>9}  ceil({n}/{PAGE[outcome.channel]}) = {need}"
                + ("" if ok else f"  <- WRONG ({outcome.state} {outcome.detail})")
            )
        files = {p: p.read_bytes() for p in sorted((root / "inbox").rglob("*.yaml"))}
        started = time.perf_counter()
        again = collect_inbox(root, opts)
        second = time.perf_counter() - started
        same = files == {p: p.read_bytes() for p in sorted((root / "inbox").rglob("*.yaml"))}
        added = sum(c.added for c in again.channels)
        print(
            f"\nrerun: {added} added, files {'byte-identical' if same else 'CHANGED'}, "
            f"{second:.2f} s, {sum(c.requests for c in again.channels)} requests"
        )
        failed |= added != 0 or not same
        page_s, waiting = inbox_page(root, now)
        print(f"\nInbox page: {waiting} waiting, built in {page_s:.2f} s")
        print(
            json.dumps(
                {
                    "items": args.items,
                    "first_s": round(first, 3),
                    "rerun_s": round(second, 3),
                    "inbox_page_s": round(page_s, 3),
                }
            )
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
