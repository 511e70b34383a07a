"""Replies: which item a reply file answers, and on which channel.

    parse_target(url)              the platform and the ids a URL names (a ReplyTarget), or
                                   a TargetProblem saying why it names nothing we can answer
    reply_channel(post, target, channels)   the one channel that answers, or a problem
    resolve(ws)                    the workspace with every reply's channel filled in, and
                                   the diagnostics for those that have none
    load(root)                     ``load_workspace`` followed by ``resolve``

How a URL maps to a target is each platform's ``replies`` row in the platform table
(:class:`tidings.core.platforms.ReplyRoute`); this module only applies it. Pure: no network
(the adapters turn a target into the platform's own reference when they publish).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

from tidings.core.platforms import PLATFORMS, ReplyRoute
from tidings.diagnostics import Diagnostic, Severity
from tidings.workspace import layout
from tidings.workspace.loader import Prepare, load_workspace
from tidings.workspace.model import Channel, Post, Workspace

__all__ = [
    "ReplyTarget",
    "TargetProblem",
    "account_host",
    "load",
    "parse_target",
    "reply_channel",
    "resolve",
]


@dataclass(frozen=True)
class ReplyTarget:
    """The item a reply answers: its platform, its URL, and the ids the URL names (the
    named groups of the platform's ``ReplyRoute.paths``: ``status``, ``handle`` …)."""

    platform: str
    url: str
    host: str
    ids: Mapping[str, str] = field(default_factory=dict)

    def get(self, name: str) -> str | None:
        return self.ids.get(name) or None


@dataclass(frozen=True)
class TargetProblem:
    """Why a URL cannot be answered: ``code`` (``reply.url``, ``reply.unsupported``), the
    message, and what to do."""

    code: str
    message: str
    fix: str


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower().removeprefix("www.")


def _on(host: str, hosts: Iterable[str]) -> bool:
    return any(host == h or host.endswith("." + h) for h in hosts)


def _target(url: str) -> str:
    """What a route's patterns are matched against: the path, and the query when there is one."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _match(route: ReplyRoute, url: str) -> dict[str, str] | None:
    where = _target(url)
    for pattern in route.paths:
        m = re.fullmatch(pattern, where)
        if m is not None:
            return {k: v for k, v in m.groupdict().items() if v}
    return None


def parse_target(url: str) -> ReplyTarget | TargetProblem:
    """The target ``url`` names. A URL on a platform's own hosts must match one of its
    paths; any other host is taken for a Mastodon instance when the path is a status's."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return TargetProblem(
            "reply.url",
            f"`{url}` is not a web address",
            "copy the public URL of the comment or post from the browser (https://…)",
        )
    host = _host(url)
    for row in PLATFORMS.values():
        route = row.replies
        if route is None or not route.hosts or not _on(host, route.hosts):
            continue
        ids = _match(route, url)
        if ids is not None and not route.sends:
            return TargetProblem(
                "reply.unsupported",
                f"tidings cannot publish replies on {row.label} yet (it would send {route.how})",
                f"answer it in the {row.label} app",
            )
        if ids is not None:
            return ReplyTarget(row.name, url, host, ids)
        for pattern, why in route.refuse:
            if re.fullmatch(pattern, _target(url)):
                return TargetProblem("reply.unsupported", why, f"e.g. {route.hint}")
        return TargetProblem(
            "reply.url",
            f"`{url}` is on {row.label} but is not the address of a post or comment",
            f"open the item on {row.label} and copy its own URL, which looks like {route.hint}",
        )
    for row in PLATFORMS.values():  # any other host: a fediverse instance
        route = row.replies
        if route is None or route.hosts:
            continue
        ids = _match(route, url)
        if ids is not None:
            return ReplyTarget(row.name, url, host, ids)
    hints = "; ".join(
        f"{row.label}: {row.replies.hint}" for row in PLATFORMS.values() if row.replies
    )
    return TargetProblem(
        "reply.url",
        f"`{url}` is not the address of a post or comment on a network tidings publishes to",
        f"copy the item's own URL; they look like this: {hints}",
    )


def account_host(channel: Channel) -> str | None:
    """A Mastodon channel's instance, from ``account: "@user@instance"``."""
    account = (channel.account or "").strip()
    if account.count("@") >= 1 and "@" in account.lstrip("@"):
        return account.lstrip("@").rsplit("@", 1)[1].lower()
    return None


def _account_name(channel: Channel) -> str:
    return (channel.account or "").strip().lstrip("@").split("@", 1)[0].lower()


def _own(channel: Channel, target: ReplyTarget) -> bool:
    """Whether ``channel`` is the account the URL is on: the instance for Mastodon, the
    author's handle elsewhere (a reply in the brand's own thread)."""
    if channel.platform == "mastodon":
        return account_host(channel) == target.host
    author = (target.get("handle") or target.get("user") or "").lstrip("@").lower()
    return bool(author) and author == _account_name(channel)


def reply_channel(
    post: Post, target: ReplyTarget, channels: Mapping[str, Channel]
) -> str | TargetProblem:
    """The channel that answers ``target``: the one the reply names, or the one channel on
    the URL's platform (the one whose account or instance the URL is on, when several)."""
    row = PLATFORMS[target.platform]
    on_platform = [c for c in channels.values() if c.platform == target.platform]
    if post.channels:
        cid = post.channels[0]
        chosen = channels.get(cid)
        if chosen is None:
            return TargetProblem(
                "reply.channel",
                f"no channel `{cid}` in brand/channels.yaml",
                "name one of: " + (", ".join(c.id for c in on_platform) or "(none)"),
            )
        if chosen.platform != target.platform:
            return TargetProblem(
                "reply.channel",
                f"`{cid}` is a {PLATFORMS[chosen.platform].label} channel, but the URL is on "
                f"{row.label}",
                "remove `channels:` (the URL decides), or name a "
                f"{row.label} channel: " + (", ".join(c.id for c in on_platform) or "(none)"),
            )
        return cid
    if not on_platform:
        return TargetProblem(
            "reply.channel",
            f"the URL is on {row.label}, and brand/channels.yaml has no {row.label} channel",
            f"answer it in the {row.label} app, or add the brand's {row.label} account to "
            "brand/channels.yaml",
        )
    if len(on_platform) == 1:
        return on_platform[0].id
    own = [c for c in on_platform if _own(c, target)]
    if len(own) == 1:
        return own[0].id
    return TargetProblem(
        "reply.channel",
        f"brand/channels.yaml has {len(on_platform)} {row.label} channels "
        f"({', '.join(c.id for c in on_platform)}) and the URL does not say which answers",
        "name the one that answers: `channels: [ID]`",
    )


def _diag(post: Post, key: str, problem: TargetProblem) -> Diagnostic:
    return Diagnostic.at(
        post.path,
        post.source.pos(key),
        Severity.ERROR,
        problem.code,
        problem.message,
        problem.fix,
    )


def resolve(ws: Workspace) -> tuple[Workspace, list[Diagnostic]]:
    """Every reply with its channel filled in; a reply whose URL names nothing we can answer,
    or no channel, keeps no channel (so it is never planned) and gets an error."""
    if not any(p.is_reply for p in ws.posts.values()):
        return ws, []
    diags: list[Diagnostic] = []
    posts = dict(ws.posts)
    for pid, post in ws.posts.items():
        if post.in_reply_to is None:
            continue
        target = parse_target(post.in_reply_to)
        if isinstance(target, TargetProblem):
            diags.append(_diag(post, "in_reply_to", target))
            posts[pid] = replace(post, channels=())
            continue
        if "channels" in ws.unreadable:
            continue
        cid = reply_channel(post, target, ws.channels)
        if isinstance(cid, TargetProblem):
            key = "channels" if post.channels else "in_reply_to"
            diags.append(_diag(post, key, cid))
            posts[pid] = replace(post, channels=())
            continue
        saved = ws.saved_replies.get(post.saved or "")
        if saved is not None and saved.channels and cid not in saved.channels:
            diags.append(
                _diag(
                    post,
                    "saved",
                    TargetProblem(
                        "reply.saved",
                        f"the saved reply `{saved.name}` is for {', '.join(saved.channels)}, "
                        f"and this reply goes to {cid}",
                        f"pick a saved reply meant for {cid}, or add {cid} to its `channels` "
                        f"in {layout.SAVED_REPLIES}",
                    ),
                )
            )
        posts[pid] = replace(post, channels=(cid,))
    return replace(ws, posts=posts), diags


def load(
    root: Path,
    *,
    only_posts: Iterable[str] | None = None,
    cache: bool = False,
    jobs: int = 1,
    prepare: Prepare | None = None,
) -> tuple[Workspace, list[Diagnostic]]:
    """:func:`tidings.workspace.loader.load_workspace`, with every reply's channel resolved."""
    ws, diags = load_workspace(root, only_posts=only_posts, cache=cache, jobs=jobs, prepare=prepare)
    ws, more = resolve(ws)
    return ws, [*diags, *more]
