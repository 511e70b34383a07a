"""Read the public accounts of ``brand/competitors.yaml``, without credentials.

For each account, two requests: its profile (followers) and its most recent posts of its
own (reposts, boosts and replies left out), from which a reading is made: how many posts
were read, posts a week over the time they cover (from the oldest read to now) and their
median engagement (likes + reposts + replies + quotes, the reported ones).

* Mastodon, on the account's own server: ``GET /api/v1/accounts/lookup?acct=<user>``, then
  ``GET /api/v1/accounts/:id/statuses?exclude_reblogs=true&exclude_replies=true&limit=40``.
  The handle is ``@user@server`` (read over https) or the profile address
  ``https://server/@user``.
* Bluesky, on the public AppView (or the one the brand's Bluesky channel names):
  ``app.bsky.actor.getProfile`` and ``app.bsky.feed.getAuthorFeed`` with
  ``filter=posts_no_replies`` (reposts, which carry a ``reason``, are left out).

An account that cannot be read is a ``failed`` reading with the reason; the others are
still read. The reading itself is made by :func:`tidings.metrics.competitors.summarize` (pure); this module only talks HTTP through a
:class:`~tidings.platforms.base.Caller`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from tidings.errors import PlatformError
from tidings.metrics.competitors import summarize
from tidings.metrics.counts import count
from tidings.metrics.snapshots import CompetitorReading
from tidings.platforms.http import Caller
from tidings.workspace.model import Competitor

__all__ = [
    "BLUESKY_LIMIT",
    "MASTODON_LIMIT",
    "mastodon_account",
    "read_competitors",
    "summarize",
]

MASTODON_LIMIT = 40  # the most statuses Mastodon gives in one request
BLUESKY_LIMIT = 50


class HandleError(ValueError):
    pass


def mastodon_account(handle: str) -> tuple[str, str]:
    """(server base URL, user name) of ``@user@server`` or ``https://server/@user``."""
    text = handle.strip()
    if text.startswith(("https://", "http://")):
        split = urlsplit(text)
        user = split.path.strip("/").removeprefix("@")
        if split.netloc and user and "/" not in user:
            return f"{split.scheme}://{split.netloc}", user
    else:
        user, _, server = text.removeprefix("@").partition("@")
        if user and server and "/" not in server and "@" not in server:
            return f"https://{server}", user
    raise HandleError(
        f"{handle!r} is not a Mastodon handle: write @user@server or https://server/@user"
    )


def _json(caller: Caller, url: str, what: str, params: Mapping[str, Any]) -> Any:
    response = caller.call("GET", url, safe=True, what=what, ok=(200,), params=params)
    try:
        return response.json()
    except ValueError:
        raise PlatformError(f"{what}: the answer is not JSON", retryable=False) from None


def _iso_instant(value: object) -> datetime | None:
    """An ISO 8601 text with an offset as an aware instant; None for anything else."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _read_mastodon(caller: Caller, c: Competitor, handle: str, now: datetime) -> CompetitorReading:
    base, user = mastodon_account(handle)
    account = _json(caller, f"{base}/api/v1/accounts/lookup", f"look up {handle}", {"acct": user})
    if not isinstance(account, dict) or not isinstance(account.get("id"), str):
        raise PlatformError(f"look up {handle}: no account in the answer", retryable=False)
    statuses = _json(
        caller,
        f"{base}/api/v1/accounts/{account['id']}/statuses",
        f"read the posts of {handle}",
        {"exclude_reblogs": "true", "exclude_replies": "true", "limit": MASTODON_LIMIT},
    )
    posts = []
    for s in statuses if isinstance(statuses, list) else ():
        when = _iso_instant(s.get("created_at")) if isinstance(s, dict) else None
        if when is None or s.get("reblog") or s.get("in_reply_to_id"):
            continue
        names = ("favourites_count", "reblogs_count", "replies_count", "quotes_count")
        posts.append((when, [count(s.get(n)) for n in names]))
    followers = count(account.get("followers_count"))
    return summarize(c.name, "mastodon", handle, followers, posts, now)


def _read_bluesky(
    caller: Caller, appview: str, c: Competitor, handle: str, now: datetime
) -> CompetitorReading:
    actor = handle.strip().removeprefix("@")
    base = appview.rstrip("/")
    profile = _json(
        caller,
        f"{base}/xrpc/app.bsky.actor.getProfile",
        f"read the profile of {handle}",
        {"actor": actor},
    )
    feed = _json(
        caller,
        f"{base}/xrpc/app.bsky.feed.getAuthorFeed",
        f"read the posts of {handle}",
        {"actor": actor, "filter": "posts_no_replies", "limit": BLUESKY_LIMIT},
    )
    posts = []
    items = feed.get("feed") if isinstance(feed, dict) else None
    for item in items if isinstance(items, list) else ():
        post = item.get("post") if isinstance(item, dict) else None
        if not isinstance(post, dict) or item.get("reason") is not None:
            continue  # a repost of someone else's post
        found = post.get("record")
        record: dict[str, Any] = found if isinstance(found, dict) else {}
        if record.get("reply"):
            continue
        when = _iso_instant(record.get("createdAt")) or _iso_instant(post.get("indexedAt"))
        if when is None:
            continue
        names = ("likeCount", "repostCount", "replyCount", "quoteCount")
        posts.append((when, [count(post.get(n)) for n in names]))
    followers = count(profile.get("followersCount")) if isinstance(profile, dict) else None
    return summarize(c.name, "bluesky", handle, followers, posts, now)


def read_competitors(
    competitors: Iterable[Competitor], caller: Caller, now: datetime, appview: str
) -> tuple[CompetitorReading, ...]:
    """One reading per account, in file order; failures are readings too."""
    out = []
    for c in competitors:
        for account in c.accounts:
            try:
                if account.platform == "mastodon":
                    reading = _read_mastodon(caller, c, account.handle, now)
                elif account.platform == "bluesky":
                    reading = _read_bluesky(caller, appview, c, account.handle, now)
                else:
                    raise HandleError(f"reading {account.platform} accounts is not supported")
            except (PlatformError, HandleError) as exc:
                reading = CompetitorReading(
                    c.name, account.platform, account.handle, "failed", error=str(exc)
                )
            out.append(reading)
    return tuple(out)
