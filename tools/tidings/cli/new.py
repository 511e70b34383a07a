"""`tidings new post` and `tidings new reply`"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime

import click

from tidings.check.rules.voice import NETWORK_CHANNELS_FOR_SAME_TEXT
from tidings.cli.context import Context
from tidings.core.newreply import quoted_text, reply_path, reply_skeleton
from tidings.core.platforms import PLATFORMS, is_local
from tidings.core.replies import TargetProblem, parse_target, reply_channel
from tidings.errors import UsageError, WorkspaceError
from tidings.workspace.loader import Collector, load_brand, load_channels
from tidings.workspace.model import Brand, Channel, Post, Source
from tidings.workspace.newpost import new_post_path, post_skeleton
from tidings.workspace.timeparse import TimeProblem, parse_when


def default_channels(known: Mapping[str, Channel]) -> tuple[list[str], list[str]]:
    """The channels a new post goes to when none are named, and the ones left out of them.

    Those marked ``default: true`` in brand/channels.yaml (every channel when none is
    marked), less the ones whose platform cannot publish text alone (Instagram): the
    skeleton has no image, and the check would refuse it there (``media.required``).
    """
    marked = [cid for cid, c in known.items() if c.default] or list(known)

    def needs_image(cid: str) -> bool:
        row = PLATFORMS.get(known[cid].platform)
        return row is not None and not row.local and row.media.needs_image

    return [c for c in marked if not needs_image(c)], [c for c in marked if needs_image(c)]


def _variant(
    chosen: list[str], known: Mapping[str, Channel], brand: Brand
) -> tuple[str, str] | None:
    """The channel whose `variants:` body the skeleton asks for: the last network channel,
    when the post goes to enough networks for ``brand.same-text`` to warn (and the brand has
    not turned that guideline off)."""
    networks = [c for c in chosen if not is_local(known[c].platform)]
    if len(networks) < NETWORK_CHANNELS_FOR_SAME_TEXT:
        return None
    if brand.severity_overrides.get("brand.same-text") == "off":
        return None
    return networks[-1], PLATFORMS[known[networks[-1]].platform].label


@click.group("new")
def command() -> None:
    """Create new files from a skeleton."""


@command.command("post")
@click.argument("title")
@click.option(
    "--at",
    "at",
    metavar="'YYYY-MM-DD HH:MM'",
    help="When it goes out, in the brand's timezone. Without it, the post is a draft.",
)
@click.option(
    "--channels",
    metavar="A,B",
    help="Comma-separated channel ids (default: the channels marked `default: true` in "
    "brand/channels.yaml).",
)
@click.option("--slug", help="File name without .md (default: from the title).")
@click.pass_obj
def post(obj: Context, title: str, at: str | None, channels: str | None, slug: str | None) -> None:
    """Write a new post skeleton and print its path.

    \b
    Examples:
      tidings new post "Holiday opening hours" --at "2026-12-20 09:00" --channels mastodon,bluesky
      tidings new post "Idea for spring"       # a draft, dated today
    """
    root = obj.root
    out = Collector()
    brand = load_brand(root, out)
    known = load_channels(root, out)
    if brand is None:
        raise WorkspaceError("brand/brand.yaml cannot be read", "run `tidings check` to see why")
    if at is not None:
        try:
            local = parse_when(at, brand.timezone).instant.astimezone(brand.timezone)
        except TimeProblem as p:
            raise UsageError(f"--at: {p.message}", p.suggestion) from None
        if parse_when(at, brand.timezone).date_only:
            raise UsageError(f"--at {at!r} has no time of day", f"write e.g. --at '{at} 09:00'")
    else:
        local = datetime.now(brand.timezone)
    if channels:
        chosen = [c.strip() for c in channels.split(",") if c.strip()]
    else:
        chosen, left_out = default_channels(known)
        for cid in left_out:
            click.echo(
                f"left out `{cid}`: {PLATFORMS[known[cid].platform].label} cannot publish text alone; "
                f"add an image under `media:` and `{cid}` to `channels:`",
                err=True,
            )
    unknown = [c for c in chosen if c not in known]
    if unknown or not chosen:
        raise UsageError(
            f"unknown channel(s): {', '.join(unknown) or '(none given)'}",
            f"known channels: {', '.join(known)}",
        )
    rel = new_post_path(root, title, local, slug)
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(post_skeleton(title, at, chosen, _variant(chosen, known, brand)), "utf-8")
    click.echo(rel)


@command.command("reply")
@click.argument("url")
@click.option(
    "--channel",
    metavar="ID",
    help="The channel that answers, when brand/channels.yaml has several on the URL's platform.",
)
@click.option("--slug", help="File name after the date, without .md (default: from the URL).")
@click.pass_obj
def reply(obj: Context, url: str, channel: str | None, slug: str | None) -> None:
    """Write a reply skeleton answering URL and print its path.

    The file is a draft; write the answer, remove `draft: true`, and open a pull request.
    The item's text is quoted in the file when the inbox records hold it.

    \b
    Examples:
      tidings new reply https://mastodon.social/@alice/112233445566778899
      tidings new reply https://bsky.app/profile/alice.bsky.social/post/3kabc2def3gh
    """
    root = obj.root
    out = Collector()
    brand = load_brand(root, out)
    known = load_channels(root, out)
    if brand is None:
        raise WorkspaceError("brand/brand.yaml cannot be read", "run `tidings check` to see why")
    target = parse_target(url)
    if isinstance(target, TargetProblem):
        raise UsageError(target.message, target.fix)
    probe = Post(
        id="replies/new",
        title="new",
        source=Source("new"),
        channels=(channel,) if channel else (),
        parts=(),
        content_hash="",
        in_reply_to=url,
    )
    chosen = reply_channel(probe, target, known)
    if isinstance(chosen, TargetProblem):
        raise UsageError(chosen.message, chosen.fix.replace("`channels: [ID]`", "--channel ID"))
    if slug is not None and not re.fullmatch(r"[a-z0-9][a-z0-9-]*", slug):
        raise UsageError(f"--slug {slug!r} is not a valid file name", "use a-z, 0-9 and '-'")
    rel = reply_path(root, target, datetime.now(brand.timezone), slug)
    path = root / rel
    if path.exists():
        raise UsageError(f"{rel} already exists", "pass --slug NAME")
    path.parent.mkdir(parents=True, exist_ok=True)
    several = sum(c.platform == target.platform for c in known.values()) > 1
    path.write_text(reply_skeleton(url, chosen, quoted_text(root, url), several), encoding="utf-8")
    click.echo(rel)
