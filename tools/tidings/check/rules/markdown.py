"""Markdown typed in a post's text: no network renders it, so readers would see the marks.

Each text (the body, and each variant's body) is parsed with markdown-it-py, only when it holds
a markdown-ish mark (``**``, ``__``, ``](``, a line starting with ``#``), so the check stays
fast; the parser is imported only then. Discord renders Markdown and is not warned about;
Slack gets its own markup (mrkdwn) as the alternative.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, NamedTuple

from tidings.check.codes import default_severity
from tidings.core.platforms import PLATFORMS, Markup, is_local
from tidings.diagnostics import Diagnostic
from tidings.workspace.model import Part, Post, Workspace

if TYPE_CHECKING:
    from markdown_it.token import Token

CODE = "post.markdown"
_MARKISH = re.compile(r"\*\*|__|\]\(|^ {0,3}#{1,6}(?:\s|$)", re.MULTILINE)


class Finding(NamedTuple):
    """One piece of Markdown in a text: its line in the text (0-based), what was typed, and
    the plain text and link behind it."""

    offset: int
    kind: str  # "heading", "bold", "link"
    typed: str
    text: str
    url: str


def _inline_text(children: list[Token], start: int, close: str) -> tuple[str, int]:
    """The plain text of the tokens from ``start`` up to the matching ``close`` token."""
    depth, i = 0, start
    out: list[str] = []
    while i < len(children):
        tok = children[i]
        if tok.type == close and depth == 0:
            return "".join(out), i
        if tok.nesting == 1:
            depth += 1
        elif tok.nesting == -1:
            depth -= 1
        out.append(tok.content if tok.type in ("text", "code_inline") else "")
        i += 1
    return "".join(out), i


def findings(text: str) -> list[Finding]:
    """The headings, bold text and links Markdown would make of ``text``."""
    if not _MARKISH.search(text):
        return []
    from markdown_it import MarkdownIt  # lazy: only for markdown-ish texts

    tokens = MarkdownIt("commonmark").parse(text)
    lines = text.split("\n")
    out: list[Finding] = []
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.map is not None:
            inline = tokens[index + 1]
            line = token.map[0]
            out.append(Finding(line, "heading", lines[line].strip(), inline.content, ""))
        if token.type != "inline" or not token.children or token.map is None:
            continue
        children = token.children
        for i, child in enumerate(children):
            if child.type == "strong_open":
                inner, _ = _inline_text(children, i + 1, "strong_close")
                typed = f"{child.markup}{inner}{child.markup}"
                out.append(Finding(_line_of(token, lines, typed), "bold", typed, inner, ""))
            elif child.type == "link_open" and child.markup != "autolink":
                inner, _ = _inline_text(children, i + 1, "link_close")
                url = str(child.attrs.get("href", ""))
                typed = f"[{inner}]({url})"
                out.append(Finding(_line_of(token, lines, f"[{inner}]"), "link", typed, inner, url))
    return out


def _line_of(block: Token, lines: list[str], needle: str) -> int:
    """The line of ``needle`` inside the block (its first line when not found as typed)."""
    assert block.map is not None
    for line in range(block.map[0], block.map[1]):
        if needle in lines[line]:
            return line
    return block.map[0]


def _advice(finding: Finding, slack: bool) -> str:
    if finding.kind == "link":
        advice = f"write the URL itself: “{finding.text} {finding.url}”"
        mine = f"<{finding.url}|{finding.text}>"
    elif finding.kind == "bold":
        advice = f"write it plain: “{finding.text}” (no network shows bold)"
        mine = f"*{finding.text}*"
    else:
        advice = f"write the heading as a plain line: “{finding.text}”"
        mine = f"*{finding.text}*"
    return advice + (f"; on Slack write `{mine}`" if slack else "")


def _check_parts(
    post: Post, parts: tuple[Part, ...], platforms: dict[str, str], channel: str | None
) -> Iterator[Diagnostic]:
    names = ", ".join(sorted(platforms))
    slack = any(_markup(p) is Markup.MRKDWN for p in platforms.values())
    labels = sorted({PLATFORMS[p].label for p in platforms.values() if p in PLATFORMS})
    for part in parts:
        for finding in findings(part.text):
            yield Diagnostic(
                post.path,
                part.line + finding.offset,
                1,
                default_severity(CODE),
                CODE,
                f"Markdown {finding.kind} “{finding.typed}” is sent as typed to {names}: "
                f"{' and '.join(labels)} show the marks, not the formatting",
                _advice(finding, slack),
                channel,
            )


def check(ws: Workspace) -> Iterator[Diagnostic]:
    for post in ws.posts.values():
        shared: dict[str, str] = {}
        for cid in post.channels:
            channel = ws.channels.get(cid)
            if channel is None or is_local(channel.platform):
                continue
            if _markup(channel.platform) is Markup.MARKDOWN:
                continue
            variant = post.variants.get(cid)
            if variant is not None and variant.parts is not None:
                yield from _check_parts(post, variant.parts, {cid: channel.platform}, cid)
            else:
                shared[cid] = channel.platform
        if shared:
            yield from _check_parts(post, post.parts, shared, None)


def _markup(platform: str) -> Markup:
    row = PLATFORMS.get(platform)
    return row.markup if row is not None else Markup.PLAIN
