"""`tidings new post`"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import click

from tidings.cli.context import Context
from tidings.core.platforms import PLATFORMS
from tidings.errors import UsageError, WorkspaceError
from tidings.workspace.loader import Collector, load_brand, load_channels
from tidings.workspace.model import Channel
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
    path.write_text(post_skeleton(title, at, chosen), encoding="utf-8")
    click.echo(rel)
