"""Tidy tables from the snapshot history: one row per (snapshot, post, channel).

:func:`post_rows` joins each reading with what the post says about itself today (campaign,
tags, type), so a post tagged later is counted under its new tag everywhere.
:func:`follower_rows` is followers per (snapshot, channel). :func:`write_csv` writes the
post rows for spreadsheets (``tidings metrics export --format csv``). Everything here is
pure and deterministic: rows are sorted by date, post, channel.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from operator import attrgetter
from typing import NamedTuple, TextIO

from tidings.core.render import find_urls
from tidings.metrics.snapshots import MEASURES, Snapshot
from tidings.workspace.model import Post, Workspace

__all__ = [
    "CSV_COLUMNS",
    "POST_TYPES",
    "CsvWriter",
    "FollowerRow",
    "MetricRow",
    "RowMaker",
    "follower_rows",
    "iter_post_rows",
    "post_rows",
    "post_type",
    "write_csv",
]

POST_TYPES = ("thread", "image", "link", "text")
"""A post's type on a channel, the first that applies: more than one part, an image, a link
in the text, else text."""

CSV_COLUMNS = (
    "date",
    "post",
    "channel",
    "platform",
    "published_at",
    "campaign",
    "tags",
    "type",
    *MEASURES,
    "followers",
)


class MetricRow(NamedTuple):
    """One post on one channel in one snapshot. Counts are None when not reported; campaign,
    tags and type are empty/None when the post file is gone."""

    date: date
    post: str
    channel: str
    platform: str
    published_at: datetime | None
    campaign: str | None
    tags: tuple[str, ...]
    type: str | None
    likes: int | None
    reposts: int | None
    replies: int | None
    quotes: int | None
    views: int | None
    followers: int | None
    """The channel's followers in the same snapshot."""

    @property
    def engagement(self) -> int | None:
        """likes + reposts + replies + quotes, the reported ones; None when none is reported."""
        counts = [c for c in (self.likes, self.reposts, self.replies, self.quotes) if c is not None]
        return sum(counts) if counts else None


class FollowerRow(NamedTuple):
    date: date
    channel: str
    platform: str
    followers: int | None


def post_type(post: Post, channel: str) -> str:
    """``thread``, ``image``, ``link`` or ``text``: what ``channel`` gets of ``post``."""
    parts = post.parts_for(channel)
    if len(parts) > 1:
        return "thread"
    if post.media_for(channel):
        return "image"
    if any(find_urls(part.text) for part in parts):
        return "link"
    return "text"


def _posts_by_ledger_id(ws: Workspace) -> dict[str, Post]:
    """Posts by the id the ledger knows them under (a renamed post by its content hash)."""
    found = dict(ws.posts)
    by_hash = {p.content_hash: p for p in ws.posts.values()}
    for pid, entry in ws.ledger.items():
        if pid not in found and entry.content_hash in by_hash:
            found[pid] = by_hash[entry.content_hash]
    return found


def post_rows(ws: Workspace, snapshots: Sequence[Snapshot]) -> list[MetricRow]:
    """Every post reading with numbers, joined with its post; sorted by date, post, channel."""
    return list(iter_post_rows(ws, snapshots))


def iter_post_rows(ws: Workspace, snapshots: Sequence[Snapshot]) -> Iterator[MetricRow]:
    """:func:`post_rows` one snapshot at a time, for a single pass that keeps few rows."""
    maker = RowMaker(ws)
    for snapshot in sorted(snapshots, key=attrgetter("day")):
        yield from maker.rows(snapshot)


class RowMaker:
    """The tidy rows of one snapshot at a time (for a history read file by file), each post
    looked up and typed once."""

    def __init__(self, ws: Workspace) -> None:
        self._posts = _posts_by_ledger_id(ws)
        self._types: dict[tuple[str, str], str | None] = {}

    def type_every_post(self) -> None:
        """Type every post on each of its channels now (before forking processes that
        each read a part of the history: done once, shared)."""
        for pid, post in self._posts.items():
            for cid in post.channels:
                if (pid, cid) not in self._types:
                    self._types[pid, cid] = post_type(post, cid)

    def agrees(self, row: MetricRow) -> bool:
        """Whether ``row``'s post facts (campaign, tags, type) are those a row made now would
        have: a row made by an earlier run, whose posts may have changed since."""
        post = self._posts.get(row.post)
        if post is None:
            return row.campaign is None and row.tags == () and row.type is None
        key = (row.post, row.channel)
        kind = self._types.get(key, "")
        if kind == "":
            kind = self._types[key] = post_type(post, row.channel)
        return row.campaign == post.campaign and row.tags == post.tags and row.type == kind

    def rows(self, snapshot: Snapshot) -> list[MetricRow]:
        """The snapshot's rows, sorted by post and channel."""
        posts, types = self._posts, self._types
        day = snapshot.day
        batch: list[MetricRow] = []
        for cid, channel in snapshot.channels.items():
            followers = channel.followers
            platform = channel.platform
            for reading in channel.posts:
                counts = reading.counts
                if counts is None:
                    continue
                pid = reading.post
                post = posts.get(pid)
                key = (pid, cid)
                kind = types.get(key, "")
                if kind == "":
                    kind = types[key] = post_type(post, cid) if post is not None else None
                batch.append(
                    MetricRow(
                        day,
                        pid,
                        cid,
                        platform,
                        reading.published_at,
                        post.campaign if post is not None else None,
                        post.tags if post is not None else (),
                        kind,
                        counts.likes,
                        counts.reposts,
                        counts.replies,
                        counts.quotes,
                        counts.views,
                        followers,
                    )
                )
        batch.sort(key=_BY_POST_AND_CHANNEL)
        return batch


_BY_POST_AND_CHANNEL = attrgetter("post", "channel")


def follower_rows(snapshots: Iterable[Snapshot]) -> list[FollowerRow]:
    """Followers per (snapshot, channel) for every channel that reported them."""
    rows = [
        FollowerRow(snapshot.day, cid, channel.platform, channel.followers)
        for snapshot in snapshots
        for cid, channel in snapshot.channels.items()
        if channel.account is not None
    ]
    rows.sort(key=lambda r: (r.date, r.channel))
    return rows


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, tuple):
        return ";".join(str(v) for v in value)
    return str(value)


def csv_record(row: MetricRow) -> Mapping[str, str]:
    return {column: _cell(getattr(row, column)) for column in CSV_COLUMNS}


class CsvWriter:
    """Writes the header, then one row at a time: :func:`write_csv` for callers that make
    the rows in a loop of their own. Same cells as :func:`csv_record`, faster: a history
    has hundreds of thousands of rows, and a post's time and tags recur in each of them."""

    def __init__(self, out: TextIO, *, header: bool = True) -> None:
        self._writer = csv.writer(out, lineterminator="\n")  # None is an empty cell
        if header:  # without: a part of a table written in parts, joined after its header
            self._writer.writerow(CSV_COLUMNS)
        self._stamps: dict[datetime, str] = {}
        self._tags: dict[tuple[str, ...], str] = {(): ""}
        self._day: date | None = None
        self._day_text = ""
        self.rows = 0

    def write(self, r: MetricRow) -> None:
        self.write_many((r,))

    def write_many(self, rows: Sequence[MetricRow]) -> None:
        """Several rows (a snapshot's) in one call of the csv module."""
        stamps, tag_cells = self._stamps, self._tags
        out = []
        for r in rows:
            if r.date is not self._day:
                self._day, self._day_text = r.date, r.date.isoformat()
            at = r.published_at
            stamp = ""
            if at is not None:
                stamp = stamps.get(at, "")
                if not stamp:
                    stamp = stamps[at] = _cell(at)
            tags = tag_cells.get(r.tags)
            if tags is None:
                tags = tag_cells[r.tags] = _cell(r.tags)
            out.append(
                (
                    self._day_text,
                    r.post,
                    r.channel,
                    r.platform,
                    stamp,
                    r.campaign,
                    tags,
                    r.type,
                    r.likes,
                    r.reposts,
                    r.replies,
                    r.quotes,
                    r.views,
                    r.followers,
                )
            )
        self._writer.writerows(out)
        self.rows += len(out)


def write_csv(rows: Iterable[MetricRow], out: TextIO) -> int:
    """Write a header and ``rows``; empty cells are numbers the platform does not report.
    Tags are joined with ``;``. Returns the number of rows written."""
    writer = CsvWriter(out)
    for row in rows:
        writer.write(row)
    return writer.rows


# ---------------------------------------------------------------- kept between builds


BIG = 2**53
"""Above any count a platform reports, and where floats stop holding every whole number: a
kept count at or over it is not one of ours."""


def is_count(value: object) -> bool:
    """A kept count: null, or a whole number from 0 below :data:`BIG`."""
    return value is None or (type(value) is int and 0 <= value < BIG)


class RowCodec:
    """Rows as JSON lists, each distinct row once, referred to by its place: the state of a
    history read once, kept between site builds (:mod:`tidings.site.historycache`)."""

    def __init__(self) -> None:
        self._places: dict[int, int] = {}
        self.cells: list[list[object]] = []

    def place(self, row: MetricRow) -> int:
        """Where ``row`` is in :attr:`cells` (added the first time it is seen)."""
        at = self._places.get(id(row))
        if at is None:
            at = self._places[id(row)] = len(self.cells)
            published = row.published_at
            self.cells.append(
                [
                    row.date.toordinal(),
                    row.post,
                    row.channel,
                    row.platform,
                    published.isoformat() if published is not None else None,
                    row.campaign,
                    list(row.tags),
                    row.type,
                    row.likes,
                    row.reposts,
                    row.replies,
                    row.quotes,
                    row.views,
                    row.followers,
                ]
            )
        return at


def rows_from_cells(cells: Sequence[Sequence[object]]) -> list[MetricRow]:
    """The rows :class:`RowCodec` wrote. Raises ValueError (or TypeError) when a row does
    not read as one."""
    days: dict[object, date] = {}
    stamps: dict[object, datetime | None] = {None: None}
    out: list[MetricRow] = []
    for c in cells:
        ordinal, post, channel, platform, at, campaign, tags, kind, *counts = c
        if not (type(post) is str and type(channel) is str and type(platform) is str):
            raise ValueError("a row's post, channel and platform are text")
        if not (campaign is None or type(campaign) is str) or not (
            kind is None or type(kind) is str
        ):
            raise ValueError("a row's campaign and type are text or null")
        if len(counts) != 6 or not all(is_count(n) for n in counts):
            raise ValueError("a row's counts are whole numbers or null")
        if not isinstance(tags, list) or not all(type(t) is str for t in tags):
            raise ValueError("a row's tags are text")
        day = days.get(ordinal)
        if day is None:
            if type(ordinal) is not int:
                raise ValueError("a row's date is a day number")
            day = days[ordinal] = date.fromordinal(ordinal)
        if at in stamps:
            published = stamps[at]
        else:
            if type(at) is not str:
                raise ValueError("a row's publication time is text or null")
            published = stamps[at] = datetime.fromisoformat(at)
        out.append(
            MetricRow(day, post, channel, platform, published, campaign, tuple(tags), kind, *counts)  # type: ignore[arg-type]
        )
    return out


def follower_cells(rows: Iterable[FollowerRow]) -> list[list[object]]:
    return [[r.date.toordinal(), r.channel, r.platform, r.followers] for r in rows]


def followers_from_cells(cells: Sequence[Sequence[object]]) -> list[FollowerRow]:
    out = []
    for ordinal, channel, platform, followers in cells:
        if type(ordinal) is not int or type(channel) is not str or type(platform) is not str:
            raise ValueError("a follower row's day, channel and platform")
        if not is_count(followers):
            raise ValueError("a follower count is a whole number or null")
        out.append(FollowerRow(date.fromordinal(ordinal), channel, platform, followers))  # type: ignore[arg-type]
    return out
