"""Metrics snapshots: ``metrics/YYYY/MM/<date>.json``, one file per day, written by CI.

A snapshot holds what each channel's platform reported in one collection run
(``tidings metrics``): per published post the normalised counts (``likes``, ``reposts``,
``replies``, ``quotes``, ``views``) and the platform's own numbers under their own names
(``raw``), and per account the followers. A number the platform does not report is
``null``, never 0. A channel that could not be read says so (``state: failed`` and the
error); a channel without credentials or without metrics support is ``skipped``.

This module is the read side and is pure: :func:`load_snapshots` gives the history as
frozen dataclasses for the site's dashboards and for the CSV export
(:mod:`tidings.metrics.export`). :mod:`tidings.jobs.collect_metrics` writes snapshots.

The file keeps one post per line, so ``git diff metrics/`` shows which numbers moved.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import cache
from pathlib import Path
from sys import intern
from typing import Any, NamedTuple

from tidings.errors import MetricsError
from tidings.metrics.counts import AccountCounts, Counts
from tidings.workspace import layout
from tidings.workspace.timeparse import utc_stamp

__all__ = [
    "MEASURES",
    "VERSION",
    "ChannelReading",
    "CompetitorReading",
    "MetricsError",
    "PostReading",
    "Snapshot",
    "dump_snapshot",
    "iter_snapshots",
    "keep_readings",
    "load_snapshots",
    "parse_snapshot",
    "read_snapshots",
    "snapshot_files",
    "snapshot_path",
]

VERSION = 1
MEASURES = ("likes", "reposts", "replies", "quotes", "views")
"""The normalised per-post counts, in the order files and tables use."""
STATES = ("ok", "failed", "skipped")


class PostReading(NamedTuple):
    """One post on one channel in one snapshot. ``counts`` is None when the platform did not
    report on it (``error`` says why: deleted, hidden, …). A NamedTuple: a history holds
    hundreds of thousands of them."""

    post: str
    channel: str
    remote_id: str
    published_at: datetime | None
    counts: Counts | None
    error: str | None = None
    read_at: datetime | None = None
    """When ``counts`` were read, if by an earlier run than the snapshot's (kept readings)."""
    failed_at: datetime | None = None
    """When a later run failed to read the post again (``error`` says why); ``counts`` are
    the last good reading."""


@dataclass(frozen=True, slots=True)
class ChannelReading:
    """One channel in one snapshot. ``state`` is ``ok``, ``failed`` (``error`` says why; what
    was read before the failure is kept) or ``skipped`` (no credentials, no metrics support)."""

    channel: str
    platform: str
    state: str
    account: AccountCounts | None = None
    posts: tuple[PostReading, ...] = ()
    error: str | None = None
    read_at: datetime | None = None
    """When ``account`` was read, if by an earlier run than the snapshot's (kept reading)."""
    failed_at: datetime | None = None
    """When the run that failed or skipped this channel ran, if earlier readings are kept."""

    @property
    def followers(self) -> int | None:
        return self.account.followers if self.account is not None else None


class CompetitorReading(NamedTuple):
    """One public account of a competitor (``brand/competitors.yaml``) in one snapshot: its
    followers, how many of its own recent posts were read (no reposts, no replies), how often
    it posts and their median engagement. ``state`` is ``ok`` or ``failed`` (``error``)."""

    name: str
    platform: str
    handle: str
    state: str
    followers: int | None = None
    posts: int = 0
    posts_per_week: float | None = None
    median_engagement: float | None = None
    error: str | None = None
    read_at: datetime | None = None
    """Set on a reading kept from an earlier run the same day: when it was read."""
    failed_at: datetime | None = None
    """Set with ``read_at``: when the later run failed to read the account again."""


@dataclass(frozen=True)
class Snapshot:
    """One ``metrics/YYYY/MM/<date>.json``: ``day`` is the date in the brand's timezone."""

    day: date
    collected_at: datetime
    window_days: int
    channels: Mapping[str, ChannelReading] = field(default_factory=dict)
    path: str = ""
    competitors: tuple[CompetitorReading, ...] = ()

    @property
    def ok(self) -> bool:
        return all(c.state != "failed" for c in self.channels.values())

    def posts(self) -> Iterator[PostReading]:
        for cid in sorted(self.channels):
            yield from self.channels[cid].posts


def snapshot_path(day: date) -> str:
    """``metrics/2026/12/2026-12-20.json``"""
    return f"{layout.METRICS}/{day:%Y}/{day:%m}/{day.isoformat()}.json"


def keep_readings(new: Snapshot, old: Snapshot | None) -> Snapshot:
    """``new`` with the good readings of ``old`` (an earlier snapshot of the same day) that
    ``new`` could not make: the account and posts of a channel ``new`` failed or skipped,
    and the counts of a post ``new`` got none for. Kept readings carry ``read_at`` (when they
    were read) and ``failed_at`` (when ``new`` failed). ``new`` unchanged when ``old`` is
    None or of another day."""
    if old is None or old.day != new.day:
        return new
    channels = dict(new.channels)
    for cid, reading in new.channels.items():
        before = old.channels.get(cid)
        if before is not None:
            channels[cid] = _keep_channel(reading, before, old.collected_at, new.collected_at)
    competitors = _keep_competitors(new, old)
    return replace(new, channels=channels, competitors=competitors)


def _keep_competitors(new: Snapshot, old: Snapshot) -> tuple[CompetitorReading, ...]:
    """A competitor account the later run failed to read keeps the day's good reading,
    marked with when it was read and when the later run failed (its error says why)."""
    good = {(c.name, c.platform, c.handle): c for c in old.competitors if c.state == "ok"}
    out = []
    for c in new.competitors:
        kept = good.get((c.name, c.platform, c.handle)) if c.state == "failed" else None
        if kept is not None:
            c = kept._replace(
                error=c.error or "not read",
                read_at=kept.read_at or old.collected_at,
                failed_at=new.collected_at,
            )
        out.append(c)
    return tuple(out)


def _keep_channel(
    reading: ChannelReading, before: ChannelReading, then: datetime, now: datetime
) -> ChannelReading:
    good = {(p.post, p.remote_id): p for p in before.posts if p.counts is not None}
    posts: list[PostReading] = []
    seen: set[tuple[str, str]] = set()
    for post in reading.posts:
        key = (post.post, post.remote_id)
        seen.add(key)
        kept = good.get(key)
        if post.counts is None and kept is not None:
            post = kept._replace(
                error=post.error or "not reported", read_at=kept.read_at or then, failed_at=now
            )
        posts.append(post)
    if reading.state == "ok":
        return replace(reading, posts=tuple(posts))
    error = reading.error or reading.state
    for post in before.posts:
        key = (post.post, post.remote_id)
        if key in seen:
            continue
        if post.counts is not None:
            post = post._replace(error=error, read_at=post.read_at or then, failed_at=now)
        posts.append(post)
    account, read_at = reading.account, reading.read_at
    if account is None and before.account is not None:
        account, read_at = before.account, before.read_at or then
    kept_any = account is not reading.account or len(posts) > len(reading.posts)
    kept_any = kept_any or any(p.failed_at is not None for p in posts)
    return replace(
        reading,
        account=account,
        posts=tuple(posts),
        read_at=read_at,
        failed_at=now if kept_any else reading.failed_at,
    )


# ---------------------------------------------------------------- writing


def _line(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def _post_entry(reading: PostReading) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "post": reading.post,
        "remote_id": reading.remote_id,
        "published_at": utc_stamp(reading.published_at) if reading.published_at else None,
    }
    if reading.counts is None:
        entry["error"] = reading.error or "not reported"
    else:
        entry["metrics"] = {m: getattr(reading.counts, m) for m in MEASURES}
        entry["raw"] = dict(reading.counts.raw)
        if reading.failed_at is not None:
            entry["error"] = reading.error or "not reported"
    if reading.read_at is not None:
        entry["read_at"] = utc_stamp(reading.read_at)
    if reading.failed_at is not None:
        entry["failed_at"] = utc_stamp(reading.failed_at)
    return entry


def _competitor_entry(c: CompetitorReading) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": c.name,
        "platform": c.platform,
        "handle": c.handle,
        "state": c.state,
        "followers": c.followers,
        "posts": c.posts,
        "posts_per_week": c.posts_per_week,
        "median_engagement": c.median_engagement,
    }
    if c.error:
        entry["error"] = c.error
    if c.read_at is not None:
        entry["read_at"] = utc_stamp(c.read_at)
    if c.failed_at is not None:
        entry["failed_at"] = utc_stamp(c.failed_at)
    return entry


def _competitor_lines(snapshot: Snapshot) -> list[str]:
    if not snapshot.competitors:
        return []
    ordered = sorted(snapshot.competitors, key=lambda c: (c.name, c.platform, c.handle))
    lines = ",\n".join(f"    {_line(_competitor_entry(c))}" for c in ordered)
    return ['  "competitors": [', lines, "  ],"]


def dump_snapshot(snapshot: Snapshot) -> str:
    """The file's text: deterministic, channels and posts sorted, one post per line."""
    out = [
        "{",
        f'  "version": {VERSION},',
        f'  "date": "{snapshot.day.isoformat()}",',
        f'  "collected_at": "{utc_stamp(snapshot.collected_at)}",',
        f'  "window_days": {snapshot.window_days},',
        *_competitor_lines(snapshot),
    ]
    if not snapshot.channels:
        out += ['  "channels": {}', "}"]
        return "\n".join(out) + "\n"
    out.append('  "channels": {')
    names = sorted(snapshot.channels)
    for n, cid in enumerate(names):
        reading = snapshot.channels[cid]
        out.append(f"    {_line(cid)}: {{")
        out.append(f'      "platform": {_line(reading.platform)},')
        out.append(f'      "state": {_line(reading.state)},')
        if reading.error:
            out.append(f'      "error": {_line(reading.error)},')
        if reading.failed_at is not None:
            out.append(f'      "failed_at": {_line(utc_stamp(reading.failed_at))},')
        if reading.read_at is not None:
            out.append(f'      "read_at": {_line(utc_stamp(reading.read_at))},')
        account = (
            None
            if reading.account is None
            else {"followers": reading.account.followers, "raw": dict(reading.account.raw)}
        )
        out.append(f'      "account": {_line(account)},')
        posts = sorted(reading.posts, key=lambda p: (p.post, p.remote_id))
        if posts:
            out.append('      "posts": [')
            lines = [f"        {_line(_post_entry(p))}" for p in posts]
            out.append(",\n".join(lines))
            out.append("      ]")
        else:
            out.append('      "posts": []')
        out.append("    }" + ("," if n < len(names) - 1 else ""))
    out += ["  }", "}"]
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- reading


@cache
def _instant(value: str) -> datetime:
    """An instant as the files write it (cached: each post's time recurs in every file)."""
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


_EMPTY: Mapping[str, int | None] = {}


def _is_count(value: object) -> bool:
    return value is None or (type(value) is int and value >= 0)


def _readings(cid: str, entries: Sequence[Mapping[str, Any]], raw: bool) -> tuple[PostReading, ...]:
    out: list[PostReading] = []
    append = out.append
    for p in entries:
        m = p.get("metrics")
        counts = None
        if m is not None:
            values = (m["likes"], m["reposts"], m["replies"], m["quotes"], m["views"])
            for v in values:  # _is_count inline: 700,000 readings in a long history
                if v is not None and (type(v) is not int or v < 0):
                    raise ValueError(f"a count of {p['post']} on {cid} is not a whole number")
            counts = Counts(*values, (p.get("raw") or _EMPTY) if raw else _EMPTY)
        elif not isinstance(p["error"], str):
            raise ValueError(f"{p['post']} on {cid} has neither metrics nor an error")
        published = p["published_at"]
        read_at, failed_at = p.get("read_at"), p.get("failed_at")
        append(
            PostReading(
                intern(p["post"]),  # the same ids recur in every file: keep one copy
                cid,
                intern(p["remote_id"]),
                _instant(published) if published is not None else None,
                counts,
                p.get("error"),
                _instant(read_at) if read_at is not None else None,
                _instant(failed_at) if failed_at is not None else None,
            )
        )
    return tuple(out)


def _number(value: object) -> float | None:
    if value is None:
        return None
    if type(value) not in (int, float) or value < 0:  # type: ignore[operator]
        raise ValueError(f"{value!r} is not a number of zero or more")
    return float(value)  # type: ignore[arg-type]


def _competitor(c: Mapping[str, Any]) -> CompetitorReading:
    if c["state"] not in ("ok", "failed") or not _is_count(c["followers"]):
        raise ValueError(f"competitor {c['handle']}: bad state or followers")
    return CompetitorReading(
        c["name"],
        c["platform"],
        c["handle"],
        c["state"],
        c["followers"],
        int(c["posts"]),
        _number(c["posts_per_week"]),
        _number(c["median_engagement"]),
        c.get("error"),
        _instant(c["read_at"]) if c.get("read_at") is not None else None,
        _instant(c["failed_at"]) if c.get("failed_at") is not None else None,
    )


def _build(data: Mapping[str, Any], path: str, raw: bool) -> Snapshot:
    if data.get("version") != VERSION:
        raise ValueError(f"version must be {VERSION}")
    channels: dict[str, ChannelReading] = {}
    for cid, ch in data["channels"].items():
        account = ch["account"]
        if ch["state"] not in STATES:
            raise ValueError(f"channel {cid}: unknown state {ch['state']!r}")
        if account is not None and not _is_count(account["followers"]):
            raise ValueError(f"channel {cid}: followers is not a whole number")
        channels[cid] = ChannelReading(
            cid,
            ch["platform"],
            ch["state"],
            None
            if account is None
            else AccountCounts(account["followers"], account.get("raw") or _EMPTY),
            _readings(intern(cid), ch["posts"], raw),
            ch.get("error"),
            _instant(ch["read_at"]) if ch.get("read_at") is not None else None,
            _instant(ch["failed_at"]) if ch.get("failed_at") is not None else None,
        )
    competitors = tuple(_competitor(c) for c in data.get("competitors") or ())
    return Snapshot(
        competitors=competitors,
        day=date.fromisoformat(data["date"]),
        collected_at=datetime.fromisoformat(data["collected_at"].replace("Z", "+00:00")),
        window_days=int(data["window_days"]),
        channels=channels,
        path=path,
    )


def _explain(data: object) -> str | None:
    """The schema's first complaint about ``data``, or None when it has none."""
    from tidings.workspace.validation import validator

    errors = sorted(validator("metrics").iter_errors(data), key=lambda e: list(e.path))
    if not errors:
        return None
    where = "/".join(str(p) for p in errors[0].absolute_path) or "(top)"
    return f"{where}: {errors[0].message}"


def parse_snapshot(
    text: str, path: str = "", *, validate: bool = False, raw: bool = True
) -> Snapshot:
    """A snapshot from its file's text. Raises MetricsError naming ``path`` when the text is
    not a snapshot (files are written by CI: restore it from git history).

    Reading checks what it uses (structure, whole non-negative counts) at little cost;
    ``validate`` also checks the file against the whole schema first, which is slow.
    ``raw=False`` leaves out the platforms' own numbers (``Counts.raw`` is empty), which
    saves memory when only the normalised counts are needed."""
    hint = "snapshots are written by `tidings metrics`; restore the file from git history"
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise MetricsError(f"{path}: not valid JSON ({exc})", hint) from None
    if validate:
        problem = _explain(data)
        if problem:
            raise MetricsError(f"{path}: not a metrics snapshot: {problem}", hint)
    try:
        return _build(data, path, raw)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        problem = _explain(data) or f"{type(exc).__name__}: {exc}"
        raise MetricsError(f"{path}: not a metrics snapshot: {problem}", hint) from None


def snapshot_files(root: Path) -> list[str]:
    """Repository-relative paths of every snapshot, oldest first."""
    return sorted(layout.walk(root, layout.METRICS, (".json",)), key=lambda rel: Path(rel).name)


def load_snapshots(
    root: Path, *, since: date | None = None, validate: bool = False, raw: bool = True
) -> list[Snapshot]:
    """Every snapshot under ``root/metrics/``, oldest first (``since``: from that day on).
    ``validate`` and ``raw`` as in :func:`parse_snapshot`.

    Raises MetricsError naming the first file that is not a valid snapshot, or whose name
    does not match the date inside it.
    """
    gc_was_on = gc.isenabled()
    gc.disable()  # many small objects and no cycles: collection passes would only cost time
    try:
        return _load(root, since, validate, raw)
    finally:
        gc.freeze()  # the history lives as long as the command: keep it out of later passes
        if gc_was_on:
            gc.enable()


def _load(root: Path, since: date | None, validate: bool, raw: bool) -> list[Snapshot]:
    return list(_each(root, since, validate, raw))


def iter_snapshots(
    root: Path, *, since: date | None = None, validate: bool = False, raw: bool = True
) -> Iterator[Snapshot]:
    """:func:`load_snapshots` one file at a time, oldest first: a long history need not be
    in memory all at once. Raises MetricsError as it reaches a bad file."""
    return _each(root, since, validate, raw)


def _each(root: Path, since: date | None, validate: bool, raw: bool) -> Iterator[Snapshot]:
    rels = snapshot_files(root)
    if since is not None:
        rels = [rel for rel in rels if Path(rel).stem >= since.isoformat()]
    yield from read_snapshots(root, rels, validate=validate, raw=raw)


def read_snapshots(
    root: Path, rels: Sequence[str], *, validate: bool = False, raw: bool = True
) -> Iterator[Snapshot]:
    """The snapshots of ``rels`` (some of :func:`snapshot_files`, in their order) one file at
    a time: a part of the history, for reading it in parts. Raises MetricsError as it
    reaches a bad file."""
    for rel in rels:
        text = (root / rel).read_text(encoding="utf-8")
        snapshot = parse_snapshot(text, rel, validate=validate, raw=raw)
        if snapshot_path(snapshot.day) != rel:
            raise MetricsError(
                f"{rel}: holds the snapshot of {snapshot.day}, which belongs in "
                f"{snapshot_path(snapshot.day)}",
                "snapshots are written by `tidings metrics`; move it back or restore it",
            )
        yield snapshot


def readings(snapshots: Sequence[Snapshot]) -> Iterator[tuple[Snapshot, PostReading]]:
    """Every (snapshot, post reading), in snapshot order, then channel, then post."""
    for snapshot in snapshots:
        for reading in snapshot.posts():
            yield snapshot, reading
