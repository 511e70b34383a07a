"""References between files: channels, campaigns, media files and posts must exist."""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from tidings.check.codes import diagnostic_at
from tidings.diagnostics import Diagnostic
from tidings.workspace.layout import post_path
from tidings.workspace.model import MediaRef, Source, Workspace


def _did_you_mean(word: str, options: Iterable[str], what: str) -> str:
    opts = sorted(options)
    close = difflib.get_close_matches(word, opts, n=1, cutoff=0.6)
    if close:
        return f"did you mean `{close[0]}`?"
    return f"known {what}: {', '.join(opts)}" if opts else f"define {what} first"


def _channel_refs(
    ws: Workspace, names: Iterable[str], src: Source, key: str
) -> Iterator[Diagnostic]:
    if "channels" in ws.unreadable:
        return
    for i, name in enumerate(names):
        if name not in ws.channels:
            yield diagnostic_at(
                src,
                (key, i),
                "ref.channel",
                f"unknown channel `{name}`",
                _did_you_mean(name, ws.channels, "channels in brand/channels.yaml"),
                name,
            )


def media_problem(root: Path, ref: MediaRef) -> tuple[str, str, str] | None:
    """(code, message, suggestion) when a media path is unusable, else None."""
    rel = ref.file
    if rel.startswith(("/", "\\")) or os.path.isabs(rel) or ".." in Path(rel).parts:
        return (
            "ref.media-outside",
            f"media path `{rel}` leaves the repository",
            "write a path from the repository root, e.g. content/media/2026/photo.jpg",
        )
    full = root / rel
    try:
        real = full.resolve(strict=True)
    except (FileNotFoundError, RuntimeError, OSError):
        folder = full.parent
        near = (
            difflib.get_close_matches(full.name, os.listdir(folder), n=1) if folder.is_dir() else []
        )
        hint = (
            f"did you mean `{Path(rel).parent.as_posix()}/{near[0]}`?"
            if near
            else "add the file or fix the path (paths start at the repository root)"
        )
        return ("ref.media", f"media file `{rel}` does not exist", hint)
    if not real.is_relative_to(root.resolve()):
        return (
            "ref.media-outside",
            f"media file `{rel}` is a link to a file outside the repository",
            "copy the image into content/media/ instead of linking to it",
        )
    if not real.is_file():
        return ("ref.media", f"media path `{rel}` is not a file", "point `file:` at an image file")
    return None


def check(ws: Workspace) -> Iterator[Diagnostic]:
    campaigns = ws.campaigns
    media_seen: dict[str, tuple[str, str, str] | None] = {}
    for post in ws.posts.values():
        src = post.source
        yield from _channel_refs(ws, post.channels, src, "channels")
        for cid in post.variants:
            if "channels" in ws.unreadable:
                continue
            if cid not in ws.channels:
                code = "ref.channel"
                message = f"variant for unknown channel `{cid}`"
                hint = _did_you_mean(cid, ws.channels, "channels")
            elif cid not in post.channels:
                code = "ref.variant-channel"
                message = f"a variant is written for `{cid}` but the post does not go to `{cid}`"
                hint = f"add `{cid}` to `channels:` or remove the variant"
            else:
                continue
            yield diagnostic_at(src, ("variants", cid), code, message, hint, cid)
        if (
            post.campaign is not None
            and post.campaign not in campaigns
            and "calendars" not in ws.unreadable
        ):
            yield diagnostic_at(
                src,
                ("campaign",),
                "ref.campaign",
                f"unknown campaign `{post.campaign}`",
                _did_you_mean(post.campaign, campaigns, "campaigns in content/calendars/"),
            )
        refs = list(post.media) + [m for v in post.variants.values() for m in v.media or ()]
        for ref in refs:
            if ref.file not in media_seen:  # many posts share an image: look at each once
                media_seen[ref.file] = media_problem(ws.root, ref)
            problem = media_seen[ref.file]
            if problem:
                code, message, suggestion = problem
                yield diagnostic_at(ref.source, ("file",), code, message, suggestion)
    for cal in ws.calendars:
        for b in cal.blackouts:
            yield from _channel_refs(ws, b.channels, b.source, "channels")
        for s in cal.slots:
            yield from _channel_refs(ws, s.channels, s.source, "channels")
    for g in ws.goals:
        if (
            g.channel is not None
            and g.channel not in ws.channels
            and "channels" not in ws.unreadable
        ):
            yield diagnostic_at(
                g.source,
                ("channel",),
                "ref.channel",
                f"unknown channel `{g.channel}`",
                _did_you_mean(g.channel, ws.channels, "channels"),
                g.channel,
            )
    for idea in ws.ideas.values():
        if idea.post is not None and idea.post not in ws.post_files:
            yield diagnostic_at(
                idea.source,
                ("post",),
                "ref.post",
                f"no post `{idea.post}` (expected {post_path(idea.post)})",
                _did_you_mean(idea.post, ws.post_files, "posts"),
            )
