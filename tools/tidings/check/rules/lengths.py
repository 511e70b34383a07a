"""Each platform's text rules, measured on exactly what `render` produces, part by part."""

from __future__ import annotations

import re
from collections.abc import Iterator

from tidings.check.codes import default_severity
from tidings.core.platforms import PLATFORMS, LinkStyle
from tidings.core.render import Rendered, render
from tidings.core.textlength import cut_point, link_count, text_limits
from tidings.diagnostics import Diagnostic
from tidings.workspace.model import Post, Workspace

_HASHTAG = re.compile(r"(?<![\w&])#\w+")


def _part_label(index: int, total: int) -> str:
    return f"part {index + 1} of {total}" if total > 1 else "the text"


def _fix(channel: str, from_variant: bool) -> str:
    if from_variant:
        return f"shorten the `{channel}` variant"
    return f"shorten it, split it into a thread with a `---` line, or write `variants: {{{channel}: {{body: …}}}}`"


def check_rendered(
    post: Post, rendered: Rendered, max_characters: int | None
) -> Iterator[Diagnostic]:
    platform, channel = rendered.platform, rendered.channel
    limits = text_limits(platform, max_characters)
    total = len(rendered.parts)
    for index, part in enumerate(rendered.parts):
        for limit in limits:
            used = limit.count(part.text)
            if used <= limit.maximum:
                continue
            cut = cut_point(part.text, limit)
            tail = part.text[max(0, cut - 30) : cut].replace("\n", " ")
            code = f"length.{platform}"
            yield Diagnostic(
                post.path,
                part.line + part.text[:cut].count("\n"),
                1,
                default_severity(code),
                code,
                f"{_part_label(index, total)} is {used} {limit.name} on {channel}, "
                f"{used - limit.maximum} over the limit of {limit.maximum}; the cut falls after “…{tail}”",
                "shorten it (or split it into a thread of replies with a `---` line)"
                if post.is_reply or post.id.startswith("saved/")
                else _fix(channel, rendered.from_variant),
                channel,
            )
    row = PLATFORMS.get(platform)
    if row is None:
        return
    if row.max_parts is not None and len(rendered.parts) > row.max_parts:
        code = f"parts.{platform}"
        yield Diagnostic(
            post.path,
            rendered.parts[row.max_parts].line,
            1,
            default_severity(code),
            code,
            f"{len(rendered.parts)} parts on {channel}; {row.label} takes "
            f"{row.max_parts} part{'s' if row.max_parts > 1 else ''} a post",
            f"write a `{channel}` variant without the `---` line: "
            f"`variants: {{{channel}: {{body: …}}}}`",
            channel,
        )
    caption = row.media.caption_max
    if caption is not None and rendered.media and rendered.parts and limits:
        first, limit = rendered.parts[0], limits[0]
        used = limit.count(first.text)
        if used > caption:
            code = f"length.{platform}"
            yield Diagnostic(
                post.path,
                first.line,
                1,
                default_severity(code),
                code,
                f"the caption (part 1, sent with the images) is {used} {limit.name} on "
                f"{channel}, {used - caption} over {row.label}'s caption limit of {caption}",
                "shorten the first part, or move its text to a second part (a reply)",
                channel,
            )
    if row.max_links is not None:
        links = sum(link_count(p) for p in rendered.parts)
        if links > row.max_links:
            code = f"links.{platform}"
            yield Diagnostic(
                post.path,
                rendered.parts[0].line,
                1,
                default_severity(code),
                code,
                f"{links} links on {channel}; {row.label} refuses posts with more than {row.max_links}",
                f"remove links or write a {row.label} variant",
                channel,
            )
    for part in rendered.parts:
        if row.links is LinkStyle.NOT_CLICKABLE and link_count(part):
            code = f"links.{platform}"
            yield Diagnostic(
                post.path,
                part.line,
                1,
                default_severity(code),
                code,
                f"links in an {row.label} caption are not clickable ({channel})",
                f"write “link in bio” in an `{platform}` variant instead of the URL",
                channel,
            )
        tags = len(_HASHTAG.findall(part.text)) if row.max_hashtags is not None else 0
        if row.max_hashtags is not None and tags > row.max_hashtags:
            code = f"hashtags.{platform}"
            yield Diagnostic(
                post.path,
                part.line,
                1,
                default_severity(code),
                code,
                f"{tags} hashtags on {channel}; {row.label} refuses more than {row.max_hashtags}",
                "keep the few that matter",
                channel,
            )


def check(ws: Workspace) -> Iterator[Diagnostic]:
    for post in ws.posts.values():
        for cid in post.channels:
            channel = ws.channels.get(cid)
            if channel is None:
                continue
            yield from check_rendered(post, render(post, channel, ws.brand), channel.max_characters)
