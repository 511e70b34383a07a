"""Images on every channel: readable, described, how many, and what each platform accepts.

Each file is inspected once per check run, from its header (``tidings.workspace.images``); each image
is then assessed for each channel's platform against one table of limits
(each row's ``media`` in ``tidings.core.platforms``). What tidings will convert or resize is an info naming the
rendition; what no rendition can fix (shape, an animation too big) is an error.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from tidings.check.codes import diagnostic_at
from tidings.check.rules.references import media_problem
from tidings.core.platforms import PLATFORMS
from tidings.diagnostics import Diagnostic, Severity
from tidings.workspace.model import MediaRef, Post, Workspace

if TYPE_CHECKING:
    from tidings.workspace.images import ImageInfo, Unreadable


def all_refs(post: Post) -> list[MediaRef]:
    return list(post.media) + [m for v in post.variants.values() for m in v.media or ()]


def _media_keys(post: Post, cid: str) -> tuple[str | int, ...]:
    variant = post.variants.get(cid)
    return ("variants", cid, "media") if variant and variant.media is not None else ("media",)


def check(ws: Workspace) -> Iterator[Diagnostic]:
    # Runs even when no post has an image: a platform that needs one (Instagram) must say so.
    from tidings.core.media import Assessment, assess  # Pillow is imported only to convert
    from tidings.workspace.imagecache import inspect  # kept headers first, then Pillow's
    from tidings.workspace.images import ImageInfo, Unreadable

    seen: dict[str, ImageInfo | Unreadable | None] = {}
    verdicts: dict[tuple[str, str], Assessment] = {}

    def look(ref: MediaRef) -> ImageInfo | Unreadable | None:
        """The file's header, once per run; None when a ref.* rule already reports it."""
        if ref.file not in seen:
            bad = media_problem(ws.root, ref)
            seen[ref.file] = None if bad else inspect(ws.root / ref.file, ref.file)
        return seen[ref.file]

    policy = ws.brand.alt_text if ws.brand else "required"
    alt_severity = Severity.WARNING if policy == "recommended" else None
    for post in ws.posts.values():
        for ref in all_refs(post):
            info = look(ref)
            if isinstance(info, Unreadable):
                yield diagnostic_at(
                    ref.source, ("file",), "media.unreadable", info.message, info.suggestion
                )
            if policy != "optional" and not (ref.alt or "").strip():
                yield diagnostic_at(
                    ref.source,
                    (),
                    "media.alt-missing",
                    f"`{ref.file}` has no alt text: people using screen readers hear nothing",
                    "add `alt:` describing what the image shows and says, in a sentence or two",
                    severity=alt_severity,
                )
        for cid in post.channels:
            channel = ws.channels.get(cid)
            row = PLATFORMS.get(channel.platform) if channel is not None else None
            if channel is None or row is None or row.local:
                continue
            spec = row.media
            media = post.media_for(cid)
            keys = _media_keys(post, cid)
            if not media:
                if spec.needs_image and not post.is_reply:  # a reply is a comment: text only
                    yield diagnostic_at(
                        post.source,
                        ("channels", post.channels.index(cid)),
                        "media.required",
                        f"{row.label} cannot publish text alone, and this post has no image for {cid}",
                        f"add an image under `media:`, or take `{cid}` out of `channels:`",
                        cid,
                    )
                continue
            if spec.public_url and not channel.media_base_url:
                yield diagnostic_at(
                    post.source,
                    keys,
                    "media.public-url",
                    f"{row.label} fetches images from a public address, and channel `{cid}` "
                    "has no `media_base_url`",
                    f"set `media_base_url` for `{cid}` in brand/channels.yaml (where the site "
                    "serves media)",
                    cid,
                )
            if spec.max_images is not None and len(media) > spec.max_images:
                yield diagnostic_at(
                    post.source,
                    keys,
                    "media.count",
                    f"{len(media)} images on {cid}; {row.label} takes at most {spec.max_images}",
                    f"keep the best {spec.max_images}, or give `{cid}` its own `media:` in a variant",
                    cid,
                )
            infos = [(ref, look(ref)) for ref in media]
            readable = [(ref, i) for ref, i in infos if isinstance(i, ImageInfo)]
            if spec.one_animated and len(media) > 1 and any(i.animated for _, i in readable):
                yield diagnostic_at(
                    post.source,
                    keys,
                    "media.count",
                    f"an animated GIF goes to {row.label} alone: it takes 4 photos or 1 animated "
                    f"GIF, and this post has {len(media)} images",
                    f"give `{cid}` its own `media:` in a variant with the GIF or the photos",
                    cid,
                )
            for ref, info in readable:
                alt = (ref.alt or "").strip()
                if spec.alt_max is not None and len(alt) > spec.alt_max:
                    yield diagnostic_at(
                        ref.source,
                        ("alt",),
                        "media.alt-length",
                        f"the alt text of `{ref.file}` is {len(alt):,} characters; "
                        f"{row.label} takes {spec.alt_max:,}",
                        f"shorten it by {len(alt) - spec.alt_max:,} characters, or give `{cid}` "
                        "its own `media:` in a variant",
                        cid,
                    )
                key = (ref.file, channel.platform)
                verdict = verdicts.get(key) or verdicts.setdefault(key, assess(info, row))
                for misfit in verdict.misfits:
                    yield diagnostic_at(
                        ref.source,
                        ("file",),
                        misfit.code,
                        f"`{ref.file}` on {cid}: {misfit.message}",
                        misfit.suggestion,
                        cid,
                    )
                if verdict.first_frame_only:
                    yield diagnostic_at(
                        ref.source,
                        ("file",),
                        "media.animated",
                        f"`{ref.file}` is animated, and {row.label} shows only its first frame",
                        f"use a still image for `{cid}` (a variant's `media:`), or accept the "
                        "first frame",
                        cid,
                    )
                r = verdict.rendition
                if r is not None and not verdict.misfits:
                    yield diagnostic_at(
                        ref.source,
                        ("file",),
                        "media.rendition",
                        f"`{ref.file}` will be sent as {r.describe()} for {row.label}"
                        + ("" if cid == channel.platform else f" (channel `{cid}`)")
                        + ": "
                        + "; ".join(r.reasons),
                        "nothing to do; to control the result, save the image that way yourself",
                        cid,
                    )
