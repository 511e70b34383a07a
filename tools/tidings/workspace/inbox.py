"""The community inbox record: what people said to the brand, one file per channel and month.

Everything the inbox knows lives here, in one home (as the ledger's facts live in
:mod:`tidings.workspace.ledger`):

- :class:`InboxKind` and :class:`InboxStatus`, the kinds of item and the states one is in;
- :class:`InboxItem`, one reply, mention, quote or comment, frozen and typed (times aware,
  in UTC); its first-response time is derived (``answered_at - at``);
- :class:`Cursor`, where a channel's next run starts reading (a since-id, a platform
  cursor, or the newest arrival seen);
- :class:`Triage`, one line of ``content/inbox.yaml``: the file people own, where they mark
  an item ``no-reply-needed`` and sign it (``inbox/`` is written by CI only);
- the one reader (:func:`read_channel`, :func:`read_all`, :func:`read_triage`) and the one
  writer (:func:`write_channel`).

Files::

    inbox/<channel>/<YYYY-MM>.yaml    items that arrived that month (UTC), oldest first
    inbox/<channel>/cursor.yaml       where the next run starts, and when a run last changed it

Output is stable: items are sorted by arrival then id, keys are written in one order, so a
run that learns nothing new rewrites nothing (the files stay byte-identical and no commit
is made). People's words are theirs: ``text`` is written only when ``brand.yaml``
``inbox.keep_text`` is true, and dropped ``keep_text_days`` after arrival; direct messages
never reach this module. Schema: ``schemas/inbox.schema.json`` (and ``triage.schema.json``
for ``content/inbox.yaml``).

This module reads and writes; the decisions (merging a run's arrivals, detecting answers,
applying triage, dropping old text) are :mod:`tidings.core.inbox`'s.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from tidings.errors import InboxError
from tidings.redaction import redact
from tidings.workspace import layout
from tidings.workspace.files import write_atomic
from tidings.workspace.timeparse import TimeProblem, parse_when, utc_stamp
from tidings.workspace.validation import validate
from tidings.workspace.yamlsource import Source, YamlDoc, YamlProblem, parse_yaml

__all__ = [
    "CURSOR",
    "Cursor",
    "InboxItem",
    "InboxKind",
    "InboxStatus",
    "Triage",
    "cursor_path",
    "dump_cursor",
    "dump_month",
    "item_urls",
    "month_path",
    "read_all",
    "read_channel",
    "read_triage",
    "triage_entries",
    "write_channel",
]

HEADER = (
    "# Written by `tidings inbox`; do not edit by hand.\n"
    "# Mark an item no-reply-needed in content/inbox.yaml. `git log inbox/` is the audit trail.\n"
)
CURSOR = "cursor.yaml"
_HINT = "inbox files are written by `tidings inbox`; restore the file from git history"


class InboxKind(StrEnum):
    """What an item is, written as its value (``kind: reply``)."""

    REPLY = "reply"
    """A reply to one of the brand's posts (Mastodon, Bluesky, X, Threads)."""
    MENTION = "mention"
    """A public post naming the brand's account that replies to none of its posts."""
    QUOTE = "quote"
    """A post quoting one of the brand's posts (Bluesky)."""
    COMMENT = "comment"
    """A comment on one of the brand's posts (Instagram, Facebook, LinkedIn)."""


class InboxStatus(StrEnum):
    """Where an item stands, written as its value (``status: answered``)."""

    NEW = "new"
    """Nobody has answered it on the platform, and nobody marked it no-reply-needed."""
    ANSWERED = "answered"
    """The brand's account replied to it on the platform (detected, never declared):
    ``answered_at`` and ``answered_by`` (the reply's address) say when and with what."""
    NO_REPLY_NEEDED = "no-reply-needed"
    """A person marked it so in ``content/inbox.yaml`` (``by`` says who)."""


@dataclass(frozen=True)
class InboxItem:
    """One thing people said to the brand on one channel."""

    platform: str
    channel: str
    """The channel's name in ``brand/channels.yaml``."""
    id: str
    """The platform's own id of the item (a status id, an ``at://`` URI, a comment id)."""
    url: str | None
    author: str
    """The author's handle as the platform shows it (``@name@host``, ``name.bsky.social``)."""
    at: datetime
    """When it arrived (aware, UTC)."""
    kind: InboxKind
    answers: str | None = None
    """The id of our post (``2026/12/hello``) it replies to, comments on or quotes, when it
    does so to a post the ledger records as sent on this channel."""
    status: InboxStatus = InboxStatus.NEW
    answered_at: datetime | None = None
    answered_by: str | None = None
    """The address (or, when the platform gives none, the id) of the brand's reply."""
    by: str | None = None
    """Who marked it ``no-reply-needed``."""
    note: str | None = None
    """Why, as they wrote it in ``content/inbox.yaml``."""
    text: str | None = None
    """The item's words: only while ``inbox.keep_text`` keeps them."""

    @property
    def first_response(self) -> timedelta | None:
        """From arrival to the brand's reply; None while it is not answered."""
        if self.status is not InboxStatus.ANSWERED or self.answered_at is None:
            return None
        return self.answered_at - self.at

    @property
    def month(self) -> str:
        """``YYYY-MM`` of its arrival in UTC: the file it is kept in."""
        return self.at.astimezone(UTC).strftime("%Y-%m")

    @property
    def key(self) -> tuple[datetime, str]:
        """Its place in a file: by arrival, then id."""
        return (self.at, self.id)


@dataclass(frozen=True)
class Cursor:
    """Where a channel's next run starts reading, in the platform's own terms: Mastodon's
    newest notification id (``min_id``), X's newest mention id (``since_id``), Bluesky's
    newest ``indexedAt`` seen (its cursor pages backwards), or while a backlog is read
    across runs the open sweep (:class:`tidings.core.inbox.Sweep`); on the comment
    platforms :class:`tidings.core.inbox.Resume`. ``last_run``: when a run last changed
    this channel's record (a run that finds nothing new writes nothing)."""

    channel: str
    platform: str
    position: str | None = None
    last_run: datetime | None = None


@dataclass(frozen=True)
class Triage:
    """One entry of ``content/inbox.yaml``: a person marks the item at ``url`` as needing no
    reply, and signs it."""

    url: str
    status: InboxStatus
    by: str
    source: Source
    note: str | None = None


# ---------------------------------------------------------------- paths


def channel_folder(channel: str) -> str:
    return f"{layout.INBOX}/{channel}"


def month_path(channel: str, month: str) -> str:
    """``inbox/<channel>/<YYYY-MM>.yaml``."""
    return f"{channel_folder(channel)}/{month}.yaml"


def cursor_path(channel: str) -> str:
    return f"{channel_folder(channel)}/{CURSOR}"


# ---------------------------------------------------------------- writing


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar(
        "tag:yaml.org,2002:str", value, style="|" if "\n" in value else None
    )


_Dumper.add_representer(str, _str)


def _yaml(data: Mapping[str, Any]) -> str:
    return HEADER + yaml.dump(
        dict(data), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100
    )


def _item_data(item: InboxItem) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": item.id,
        "url": item.url,
        "author": item.author,
        "at": utc_stamp(item.at),
        "kind": str(item.kind),
        "answers": item.answers,
        "status": str(item.status),
    }
    if item.answered_at is not None:
        data["answered_at"] = utc_stamp(item.answered_at)
    if item.answered_by is not None:
        data["answered_by"] = item.answered_by
    if item.by is not None:
        data["by"] = item.by
    if item.note is not None:
        data["note"] = item.note
    if item.text is not None:
        data["text"] = redact(item.text)
    return data


@cache
def _unsafe() -> re.Pattern[str]:
    """What a YAML reader refuses raw, or reads as a line break (NEL, LS, PS): escaped.
    Compiled when an inbox file is first written (its character class takes 0.01 s to
    compile, which every command would otherwise pay at start-up, a check included)."""
    return re.compile(
        "[^\x09\x0a\x0d\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
    )


def _scalar(value: Any) -> str:
    """One value as YAML: ``null``, or a double-quoted string (JSON's quoting, which YAML
    reads back exactly)."""
    if value is None:
        return "null"
    quoted = json.dumps(str(value), ensure_ascii=False)
    return _unsafe().sub(
        lambda m: f"\\u{ord(m.group()):04x}" if ord(m.group()) < 0x10000 else m.group(), quoted
    )


def dump_month(channel: str, platform: str, month: str, items: Iterable[InboxItem]) -> str:
    """A month file's text: the items sorted by arrival then id, every value on one line
    (written directly: a month of a busy channel holds thousands of items, and a YAML
    emitter takes seconds for what this does in milliseconds)."""
    lines = [
        HEADER.rstrip("\n"),
        f"channel: {_scalar(channel)}",
        f"platform: {_scalar(platform)}",
        f"month: {_scalar(month)}",
    ]
    ordered = sorted(items, key=lambda i: i.key)
    if not ordered:
        lines.append("items: []")
    else:
        lines.append("items:")
        for item in ordered:
            for n, (key, value) in enumerate(_item_data(item).items()):
                lines.append(f"{'- ' if n == 0 else '  '}{key}: {_scalar(value)}")
    return "\n".join(lines) + "\n"


def dump_cursor(cursor: Cursor) -> str:
    return _yaml(
        {
            "channel": cursor.channel,
            "platform": cursor.platform,
            "position": cursor.position,
            "last_run": utc_stamp(cursor.last_run) if cursor.last_run else None,
        }
    )


def write_channel(
    root: Path, channel: str, platform: str, items: Iterable[InboxItem], cursor: Cursor
) -> list[str]:
    """Write a channel's whole record: a file per month with items, and the cursor. Only
    files whose text changes are written (atomically); returns their repository paths.
    The cursor is written only when a month file changed or its position moved, so a run
    that learns nothing new writes nothing."""
    months: dict[str, list[InboxItem]] = {}
    for item in items:
        months.setdefault(item.month, []).append(item)
    written: list[str] = []
    for month in sorted(months):
        rel = month_path(channel, month)
        if _replace(root / rel, dump_month(channel, platform, month, months[month])):
            written.append(rel)
    rel = cursor_path(channel)
    old = _old_cursor(root, rel, channel, platform)
    moved = written or old is None or old.position != cursor.position
    if moved and _replace(root / rel, dump_cursor(cursor)):
        written.append(rel)
    return written


def _old_cursor(root: Path, rel: str, channel: str, platform: str) -> Cursor | None:
    try:
        return read_cursor(root, channel, platform)
    except InboxError:
        return None


def _replace(path: Path, text: str) -> bool:
    try:
        if path.read_text(encoding="utf-8") == text:
            return False
    except FileNotFoundError:
        pass
    write_atomic(path, text)
    return True


# ---------------------------------------------------------------- reading


def _doc(root: Path, rel: str, kind: str) -> YamlDoc | None:
    try:
        text = (root / rel).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    hint = _HINT if kind == "inbox" else "fix the line named, then run `tidings check`"
    try:
        doc = parse_yaml(text)
    except YamlProblem as problem:
        raise InboxError(f"{rel}:{problem.pos.line}: {problem.message}", hint) from None
    problems = validate(kind, doc, rel)
    if problems:
        first = problems[0]
        raise InboxError(f"{rel}:{first.line}: {first.message}", first.suggestion or hint)
    return doc


def _instant(value: Any, rel: str, doc: YamlDoc, keys: tuple[str | int, ...]) -> datetime:
    try:
        return parse_when(str(value), UTC).instant.astimezone(UTC)
    except TimeProblem as problem:
        line = doc.pos(keys).line
        raise InboxError(f"{rel}:{line}: {problem.message}", _HINT) from None


def read_cursor(root: Path, channel: str, platform: str) -> Cursor:
    """The channel's cursor; an empty one when it has none yet. Raises InboxError."""
    rel = cursor_path(channel)
    doc = _doc(root, rel, "inbox")
    if doc is None:
        return Cursor(channel, platform)
    data = doc.data
    if "position" not in data:
        raise InboxError(f"{rel}:1: this is not a cursor file (it has no position)", _HINT)
    last = data.get("last_run")
    position = data.get("position")
    return Cursor(
        channel,
        platform,
        None if position is None else str(position),
        None if last is None else _instant(last, rel, doc, ("last_run",)),
    )


def read_channel(root: Path, channel: str) -> list[InboxItem]:
    """Every item recorded for ``channel``, oldest first. Raises InboxError naming the file
    and line of the first thing that does not read."""
    folder = root / channel_folder(channel)
    if not folder.is_dir():
        return []
    items: list[InboxItem] = []
    for path in sorted(folder.glob("*.yaml")):
        if path.name == CURSOR:
            continue
        rel = f"{channel_folder(channel)}/{path.name}"
        doc = _doc(root, rel, "inbox")
        if doc is None:
            continue
        data = doc.data
        if "items" not in data:
            raise InboxError(f"{rel}:1: this is not a month of the inbox (it has no items)", _HINT)
        platform = str(data.get("platform", ""))
        for n, raw in enumerate(data.get("items") or ()):
            items.append(_item(raw, platform, channel, rel, doc, n))
    return sorted(items, key=lambda i: i.key)


def _item(
    raw: Mapping[str, Any], platform: str, channel: str, rel: str, doc: YamlDoc, n: int
) -> InboxItem:
    def when(key: str) -> datetime | None:
        value = raw.get(key)
        return None if value is None else _instant(value, rel, doc, ("items", n, key))

    at = when("at")
    assert at is not None  # the schema requires it
    return InboxItem(
        platform=platform,
        channel=channel,
        id=str(raw["id"]),
        url=raw.get("url"),
        author=str(raw["author"]),
        at=at,
        kind=InboxKind(raw["kind"]),
        answers=raw.get("answers"),
        status=InboxStatus(raw.get("status", "new")),
        answered_at=when("answered_at"),
        answered_by=raw.get("answered_by"),
        by=raw.get("by"),
        note=raw.get("note"),
        text=raw.get("text"),
    )


def read_all(root: Path) -> dict[str, list[InboxItem]]:
    """Every channel's items, by channel name (the folders under ``inbox/``)."""
    base = root / layout.INBOX
    if not base.is_dir():
        return {}
    return {
        folder.name: read_channel(root, folder.name)
        for folder in sorted(base.iterdir())
        if folder.is_dir() and not folder.name.startswith((".", "_"))  # _listening: not a channel
    }


def read_triage(root: Path) -> tuple[Triage, ...]:
    """The entries of ``content/inbox.yaml`` (none when it does not exist). Raises
    InboxError naming the line of the first problem."""
    doc = _doc(root, layout.TRIAGE, "triage")
    return () if doc is None else triage_entries(doc)


def triage_entries(doc: YamlDoc) -> tuple[Triage, ...]:
    """The entries of ``content/inbox.yaml``, parsed into ``doc`` and valid against
    ``triage.schema.json``."""
    out: list[Triage] = []
    for n, raw in enumerate(doc.data or ()):
        out.append(
            Triage(
                url=str(raw["url"]),
                status=InboxStatus(raw["status"]),
                by=str(raw["by"]),
                source=Source(layout.TRIAGE, doc, (n,)),
                note=None if raw.get("note") is None else str(raw["note"]),
            )
        )
    return tuple(out)


def item_urls(root: Path) -> frozenset[str]:
    """The address of every recorded item, of every channel. Raises InboxError."""
    return frozenset(i.url for items in read_all(root).values() for i in items if i.url)
