"""Brand guidelines that depend on the channel: hashtags per platform, required disclosure.

Both read the text each channel receives (its variant, or the shared body). Channels that
share the body and miss the same disclosure are reported once, naming them all.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from tidings.check.codes import default_severity
from tidings.core.platforms import PLATFORMS
from tidings.diagnostics import Diagnostic
from tidings.workspace.model import Post, Workspace

_HASHTAG = re.compile(r"(?<![\w&#])#(\w+)")


def _disclosure_pattern(text: str) -> re.Pattern[str]:
    """``text`` as a whole word or tag, any case: ``#ad`` is not found in ``#adventure``."""
    start = r"(?<![\w#])" if re.match(r"[\w#]", text) else ""
    end = r"(?!\w)" if re.search(r"\w$", text) else ""
    return re.compile(start + re.escape(text) + end, re.IGNORECASE)


def _hashtags(post: Post, ws: Workspace, caps: Mapping[str, int]) -> Iterator[Diagnostic]:
    code = "brand.hashtags-platform"
    for cid in post.channels:
        channel = ws.channels.get(cid)
        cap = caps.get(channel.platform) if channel else None
        if cap is None:
            continue
        parts = post.parts_for(cid)
        for index, part in enumerate(parts):
            tags = _HASHTAG.findall(part.text)
            if len(tags) <= cap:
                continue
            where = f"part {index + 1}" if len(parts) > 1 else "the text"
            yield Diagnostic(
                post.path,
                part.line,
                1,
                default_severity(code),
                code,
                f"{where} has {len(tags)} hashtags on {cid}; the brand allows {cap} on "
                f"{channel.platform if channel else cid}",
                f"keep the {cap} that people search for, in a `{cid}` variant "
                "(brand.yaml hashtags.per_platform)",
                cid,
            )


def _disclosure(
    post: Post, ws: Workspace, tags: set[str], texts: list[str]
) -> Iterator[Diagnostic]:
    why = sorted(tags.intersection(post.tags))
    if not why or not texts:
        return
    patterns = [_disclosure_pattern(t) for t in texts]
    missing: dict[int, list[str]] = {}  # line of the first part -> channels without it
    for cid in post.channels:
        if cid not in ws.channels:
            continue
        parts = post.parts_for(cid)
        if parts and not any(p.search(parts[0].text) for p in patterns):
            missing.setdefault(parts[0].line, []).append(cid)
    shown = " or ".join(f"“{t}”" for t in texts)
    code = "brand.disclosure"
    for line, channels in missing.items():
        yield Diagnostic(
            post.path,
            line,
            1,
            default_severity(code),
            code,
            f"the post is tagged `{why[0]}` but {', '.join(channels)} get no {shown} "
            "in the first part",
            f"write {shown} in the first part of the text (and in every variant): people "
            "must see it is an ad before they read on",
            channels[0] if len(channels) == 1 else None,
        )


def check(ws: Workspace) -> Iterator[Diagnostic]:
    if ws.brand is None:
        return
    caps = {name: row.hashtag_cap for name, row in PLATFORMS.items() if row.hashtag_cap}
    caps.update(ws.brand.hashtags.per_platform)
    disclosure = ws.brand.disclosure
    tags = set(disclosure.tags) if disclosure else set()
    texts = list(disclosure.texts) if disclosure else []
    for post in ws.posts.values():
        yield from _hashtags(post, ws, caps)
        yield from _disclosure(post, ws, tags, texts)
