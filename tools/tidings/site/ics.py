"""``calendar.ics``: every scheduled post as one event (RFC 5545), for calendar apps.

One VEVENT per post that has a time and is not a draft. Its UID is derived from the post
id, so a subscribed calendar updates events in place; the description is the text each
channel receives (``render``), and the URL is the post's preview page when the site's
address is known. Lines are folded at 75 octets without splitting a UTF-8 character.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from tidings.site.data import SiteData
from tidings.site.links import absolute, page_url
from tidings.site.post_page import post_src
from tidings.workspace.model import Post

EVENT_LENGTH = timedelta(minutes=15)
PRODID = "-//tidings//preview site//EN"
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f]")  # control characters but the tab


def escape_text(value: str) -> str:
    """A TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma and newlines escaped."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    value = value.replace("\n", "\\n")
    return _CONTROL.sub("", value)


def fold(line: str) -> str:
    """A content line folded to at most 75 octets per physical line, CRLF-terminated."""
    if line.isascii():  # one octet per character: plain slicing
        if len(line) <= 75:
            return line + "\r\n"
        rest = [line[i : i + 74] for i in range(75, len(line), 74)]
        return "\r\n ".join([line[:75], *rest]) + "\r\n"
    out: list[str] = []
    current: list[str] = []
    size = 0
    for ch in line:
        width = len(ch.encode("utf-8"))
        if size + width > 75:
            out.append("".join(current))
            current, size = [" "], 1
        current.append(ch)
        size += width
    out.append("".join(current))
    return "\r\n".join(out) + "\r\n"


def _ics_time(instant: datetime) -> str:
    """An instant in iCalendar's UTC form: ``20261220T080000Z``."""
    return instant.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def uid(post_id: str) -> str:
    return hashlib.sha256(post_id.encode("utf-8")).hexdigest()[:32] + "@tidings"


def calendar_ics(data: SiteData, events: Sequence[str] | None = None) -> str:
    """The calendar. ``events``: :func:`ics_event` of each of ``data.posts_by_time``, when
    made already (the post pages' workers make them beside each page)."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(data.brand_name + ': posts')}",
    ]
    if events is None:
        events = [ics_event(data, post) for post in data.posts_by_time]
    return "".join(fold(line) for line in lines) + "".join(events) + fold("END:VCALENDAR")


def ics_event(data: SiteData, post: Post) -> str:
    """The post's VEVENT, folded; empty for a post without a time or a draft."""
    if post.at is None or post.draft:
        return ""
    texts = []
    times = []
    for cid in post.channels:
        channel = data.channels.get(cid)
        when = post.when(cid)
        if channel is None or when is None:
            continue
        times.append(when)
        rendered = data.rendered(post, channel)
        parts = "\n---\n".join(p.seen().text for p in rendered.parts)
        texts.append(f"{cid} ({data.local(when):%H:%M}):\n{parts}")
    start = min(times, default=post.at)
    url = absolute(data.site_url, page_url(post_src(post.id)))
    description = "\n\n".join(texts)
    if url is None:
        description += f"\n\nPreview: {page_url(post_src(post.id))}"
    lines = [
        "BEGIN:VEVENT",
        f"UID:{uid(post.id)}",
        f"DTSTAMP:{_ics_time(data.now)}",
        f"DTSTART:{_ics_time(start)}",
        f"DTEND:{_ics_time(max(times, default=start) + EVENT_LENGTH)}",
        f"SUMMARY:{escape_text(post.title)}",
        f"DESCRIPTION:{escape_text(description)}",
        f"CATEGORIES:{','.join(escape_text(c) for c in post.channels)}",
    ]
    if url is not None:
        lines.append(f"URL:{url}")
    lines.append("END:VEVENT")
    return "".join(fold(line) for line in lines)
