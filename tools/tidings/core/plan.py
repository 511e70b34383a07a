"""What goes out when: the (post, channel) jobs around a moment ``now``.

Pure: takes a Workspace and the time, returns jobs. The publisher acts on the ``due`` ones.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from tidings.core.evergreen import AHEAD, recorded, schedule
from tidings.workspace.layout import split_ledger_id
from tidings.workspace.ledger import ChannelRecord, LedgerState
from tidings.workspace.model import Post, Workspace


class JobState(StrEnum):
    DUE = "due"
    UPCOMING = "upcoming"
    MISSED = "missed"
    DONE = "done"
    PENDING = "pending"
    BLOCKED = "blocked"
    DRAFT = "draft"
    FAILED = "failed"


@dataclass(frozen=True)
class Job:
    post: Post
    channel: str
    at: datetime
    state: JobState
    note: str = ""
    ledger_id: str = ""
    """The ledger entry this job is recorded in: the post id, or its id before a rename; for
    an evergreen send, ``<post id>@<slot time>``."""
    evergreen: bool = False
    """An evergreen post filling a posting slot (see :mod:`tidings.core.evergreen`)."""
    rotation: int | None = None
    """An evergreen send: which of the post's bodies ``post`` carries (its parts are that
    body already)."""

    @property
    def first_line(self) -> str:
        parts = self.post.parts_for(self.channel)
        text = parts[0].text if parts else ""
        return text.split("\n", 1)[0]


def orphaned_entries(ws: Workspace) -> list[str]:
    """Ledger ids whose post file no longer exists (an evergreen send's: its post's)."""
    return sorted(pid for pid in ws.ledger if not _has_post(ws, pid))


def _has_post(ws: Workspace, ledger_id: str) -> bool:
    """Whether the entry's post file exists: a send's post may have been renamed since."""
    pid, slot = split_ledger_id(ledger_id)
    return pid in ws.post_files or (slot is not None and _follow(ws.renamed, pid) in ws.post_files)


def renames(ws: Workspace) -> dict[str, str]:
    """New post id → old post id, for published posts whose file was moved.

    The one rename rule (the publisher, ``tidings plan``, ``check``, ``review`` and the site
    all use it): a post is the post of an orphaned ledger entry when git's history shows its
    path was renamed from that entry's path, directly or through a chain of renames
    (``ws.renamed``, oldest first). The planner records its jobs in the old entry. Equal text
    alone never makes two files one post: a new post whose body equals a deleted one is new.
    A post that already has a ledger entry of its own is never taken for another.
    """
    return follow_renames(ws.renamed, orphaned_entries(ws), ws.posts.keys(), ws.ledger.keys())


def follow_renames(
    pairs: Sequence[tuple[str, str]],
    orphans: Iterable[str],
    posts: Collection[str],
    recorded: Collection[str],
) -> dict[str, str]:
    """New id → old id: each of ``orphans`` followed through ``pairs`` ((old, new) renames,
    oldest first) to where it lives now, when that is one of ``posts`` with no record of its
    own in ``recorded``. When two orphans end at the same post, the first (sorted) wins."""
    out: dict[str, str] = {}
    for old in sorted(orphans):
        current = _follow(pairs, old)
        if current != old and current in posts and current not in recorded:
            out.setdefault(current, old)
    return out


def rename_sources(pairs: Sequence[tuple[str, str]], post_id: str) -> set[str]:
    """Every id that ``pairs`` ((old, new) renames, oldest first) lead to ``post_id``: the
    ids the post had before, followed the same way as in :func:`follow_renames`."""
    return {old for old, _ in pairs if old != post_id and _follow(pairs, old) == post_id}


def _follow(pairs: Sequence[tuple[str, str]], start: str) -> str:
    current = start
    for before, after in pairs:
        if before == current:
            current = after
    return current


def _hours(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:g} h" if hours >= 1 else f"{delta.total_seconds() / 60:g} min"


def _state(
    ws: Workspace,
    post: Post,
    record: ChannelRecord | None,
    at: datetime,
    now: datetime,
    late: timedelta,
    blocked: Collection[str],
) -> tuple[JobState, str]:
    """Where one (post, channel) job at ``at`` stands, from its ledger record and the post."""
    if record is not None and record.is_final:
        return JobState.DONE, record.state.value
    if record is not None and record.state is LedgerState.PENDING:
        return JobState.PENDING, "pending: reconciled on the next run"
    if record is not None and record.state is LedgerState.UNKNOWN:
        return JobState.PENDING, "unknown: run `tidings resolve`"
    if (
        record is not None
        and record.state.is_retryable
        and (not record.retry or record.attempts >= ws.settings.max_attempts)
    ):
        return JobState.FAILED, f"failed: {record.error or 'see the ledger'}"
    if post.draft:
        return JobState.DRAFT, "draft"
    if post.retract:
        return JobState.DRAFT, "retract: true (never sent)"
    if post.id in blocked:
        return JobState.BLOCKED, "checks fail"
    if at > now:
        return JobState.UPCOMING, ""
    if now - at > late:
        return JobState.MISSED, f"over {_hours(late)} late"
    if post.expires is not None and post.expires <= now:
        return JobState.MISSED, "expired before it went out"
    retrying = record is not None and record.state.is_retryable
    return JobState.DUE, "retry after a failure" if retrying else ""


def _evergreen(
    ws: Workspace, now: datetime, horizon: datetime, late: timedelta, blocked: Collection[str]
) -> Iterator[Job]:
    """The evergreen queue's jobs: the sends the ledger records (each settled like any job),
    then the free slots from the lateness window's start to ``horizon`` (at most
    :data:`~tidings.core.evergreen.AHEAD` ahead), filled as
    :func:`tidings.core.evergreen.schedule` decides. A slot older than the lateness window
    is never filled late: it is left out, not recorded missed."""
    for send in recorded(ws):
        post = ws.posts.get(send.post_id)
        if post is None or send.at > horizon or send.record is None:
            continue  # a send whose post is gone: `ledger.orphan` reports it
        state, note = _state(ws, post, send.record, send.at, now, late, blocked)
        rotated = post.rotated(send.rotation)
        yield Job(rotated, send.channel, send.at, state, note, send.ledger_id, True, send.rotation)
    for send in schedule(ws, now - late, min(horizon, now + AHEAD), blocked):
        post = ws.posts[send.post_id]
        state, note = _state(ws, post, None, send.at, now, late, blocked)
        note = note or f"evergreen: {send.slot}"
        rotated = post.rotated(send.rotation)
        yield Job(rotated, send.channel, send.at, state, note, send.ledger_id, True, send.rotation)


def plan(
    ws: Workspace,
    now: datetime,
    *,
    days: float = 7,
    blocked: Collection[str] = frozenset(),
    lateness: timedelta | None = None,
    everything_past: bool = False,
) -> list[Job]:
    """Jobs up to ``now + days``, sorted by time.

    Past jobs older than ``days`` are left out unless ``everything_past`` (the publisher
    needs every job whose time has come). ``blocked`` holds post ids whose checks fail: they
    are listed, never due. ``lateness`` overrides the workspace's lateness window.

    A reply without ``at`` is due at ``now`` whenever it is planned: the publisher runs on
    the default branch (and on every push to it), so it goes out as soon as it is merged,
    and it is never "missed" for lateness (an answer approved late is still an answer).
    """
    horizon = now + timedelta(days=days)
    late = ws.settings.lateness if lateness is None else lateness
    oldest = None if everything_past else now - timedelta(days=days)
    moved = renames(ws)
    jobs: list[Job] = []

    def add(job: Job) -> None:
        if (
            oldest is not None
            and job.at < oldest
            and job.state not in {JobState.PENDING, JobState.FAILED}
        ):
            return
        jobs.append(job)

    for post in ws.posts.values():
        ledger_id = post.id if post.id in ws.ledger else moved.get(post.id, post.id)
        entry = ws.ledger.get(ledger_id)
        for channel in post.channels:
            at = post.when(channel)
            if at is None and post.is_reply:
                at = now  # a reply without `at` goes out as soon as it is merged
            if at is None or at > horizon:
                continue
            record = entry.channels.get(channel) if entry else None
            state, note = _state(ws, post, record, at, now, late, blocked)
            add(Job(post, channel, at, state, note, ledger_id))
    for job in _evergreen(ws, now, horizon, late, blocked):
        add(job)
    jobs.sort(key=lambda j: (j.at, j.channel, j.post.id))
    return jobs
