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
_LINK_IN_BIO = re.compile(r"\blinks?\s+in\s+(?:our\s+|the\s+)?bio\b", re.IGNORECASE)


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
    if row.links is LinkStyle.NOT_CLICKABLE:
        yield from _not_clickable(post, rendered, row.label)
    for part in rendered.parts:
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


def _not_clickable(post: Post, rendered: Rendered, label: str) -> Iterator[Diagnostic]:
    """A caption where links are not clickable (Instagram) sends readers to the link-in-bio
    page: the post names the page in ``link:`` and says “link in bio” instead of the URL."""
    platform, channel = rendered.platform, rendered.channel
    code = f"links.{platform}"
    fix_url = (
        f"write “link in bio” in an `{platform}` variant instead of the URL (`link:` "
        "already names the page the link-in-bio page opens)"
        if post.link
        else f"put the address in the front matter as `link: <url>` (the link-in-bio page "
        f"opens it) and write “link in bio” in an `{platform}` variant instead of the URL"
    )
    said = False
    for part in rendered.parts:
        if link_count(part):
            yield Diagnostic(
                post.path,
                part.line,
                1,
                default_severity(code),
                code,
                f"links in an {label} caption are not clickable ({channel})",
                fix_url,
                channel,
            )
        found = _LINK_IN_BIO.search(part.text)
        if found and not post.link and not said:
            said = True
            yield Diagnostic(
                post.path,
                part.line + part.text[: found.start()].count("\n"),
                1,
                default_severity(code),
                code,
                f"the {label} caption says “{found.group(0)}”, but the post names no `link:`, "
                f"so its picture on the link-in-bio page opens nothing of yours ({channel})",
                "add `link: https://…` to the front matter: the page the picture should open",
                channel,
            )


def check(ws: Workspace) -> Iterator[Diagnostic]:
    for post in ws.posts.values():
        for cid in post.channels:
            channel = ws.channels.get(cid)
            if channel is None:
                continue
            yield from check_rendered(post, render(post, channel, ws.brand), channel.max_characters)
