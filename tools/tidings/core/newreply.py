"""`tidings new reply URL`: a reply skeleton, valid for `tidings check` at once.

The file is ``content/replies/<YYYY-MM-DD>-<slug>.md`` (today in the brand's timezone; the
slug from the platform, the author and the item's id). When the inbox (``inbox/<channel>/
<YYYY-MM>.yaml``, written by ``tidings inbox``) holds the item, by its ``url``, with its
``text``, the text is quoted in a YAML comment, so the person answering sees it in the file
and reviewers see it in the pull request. The inbox may be absent or keep no text
(``inbox.keep_text: false``): then the skeleton says where to read the item.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from tidings.core.replies import ReplyTarget
from tidings.workspace import layout

INBOX = "inbox"
"""Where ``tidings inbox`` writes its records: ``inbox/<channel>/<YYYY-MM>.yaml``."""


def _slug(target: ReplyTarget) -> str:
    who = target.get("handle") or target.get("user") or target.get("page") or ""
    item = (
        target.get("comment")
        or target.get("status")
        or target.get("tweet")
        or target.get("rkey")
        or target.get("media")
        or target.get("code")
        or target.get("message")
        or target.get("ts")
        or target.get("post")
        or (target.get("urn") or "").rsplit(":", 1)[-1]
        or ""
    )
    words = [target.platform, who.split(".")[0].lstrip("@"), item[-8:]]
    slug = re.sub(r"[^a-z0-9]+", "-", "-".join(w for w in words if w).lower()).strip("-")
    return slug[:60].rstrip("-") or "reply"


def reply_path(root: Path, target: ReplyTarget, local: datetime, slug: str | None) -> str:
    name = f"{local:%Y-%m-%d}-{slug or _slug(target)}"
    return f"{layout.REPLIES}/{name}.md"


def _items(data: Any) -> Iterator[dict[str, Any]]:
    """Every mapping in an inbox file that has a ``url`` (whatever the file's layout)."""
    if isinstance(data, dict):
        if isinstance(data.get("url"), str):
            yield data
        for value in data.values():
            yield from _items(value)
    elif isinstance(data, list):
        for value in data:
            yield from _items(value)


def quoted_text(root: Path, url: str) -> str | None:
    """The item's ``text`` from the inbox records, if they hold it; unreadable files are
    skipped (the skeleton does not need them)."""
    base = root / INBOX
    if not base.is_dir():
        return None
    for path in sorted(base.rglob("*.yaml"), reverse=True):  # the newest month first
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            continue
        for item in _items(data):
            if item.get("url") == url and isinstance(item.get("text"), str):
                return str(item["text"])
    return None


def reply_skeleton(url: str, channel: str, quoted: str | None, channels_named: bool) -> str:
    lines = ["---", f"in_reply_to: {url}"]
    if channels_named:
        lines.append(f"channels: [{channel}]")
    lines.append("draft: true    # remove this line when the answer is ready")
    if quoted is not None:
        lines.append("# They wrote:")
        lines += [f"#   {line}" if line else "#" for line in quoted.splitlines()]
    else:
        lines.append(f"# Read what they wrote at {url}")
    lines += ["---", "Write the reply here.", ""]
    return "\n".join(lines)
