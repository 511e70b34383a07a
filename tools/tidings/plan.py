"""What goes out when: the (post, channel) jobs around a moment ``now``.

Pure: takes a Workspace and the time, returns jobs. The publisher acts on the ``due`` ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from .model import Post, Workspace
from .publication import renames


class JobState(StrEnum):
    DUE = "due"
    UPCOMING = "upcoming"
    MISSED = "missed"
    DONE = "done"
    PENDING = "pending"
    BLOCKED = "blocked"
    DRAFT = "draft"


@dataclass(frozen=True)
class Job:
    post: Post
    channel: str
    at: datetime
    state: JobState
    note: str = ""

    @property
    def first_line(self) -> str:
        parts = self.post.parts_for(self.channel)
        text = parts[0].text if parts else ""
        return text.split("\n", 1)[0]


def _hours(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:g} h" if hours >= 1 else f"{delta.total_seconds() / 60:g} min"


def plan(
    ws: Workspace, now: datetime, *, days: float = 7, blocked: frozenset[str] = frozenset()
) -> list[Job]:
    """Jobs from ``now - lateness`` to ``now + days``, sorted by time.

    ``blocked`` holds post ids whose checks fail: they are listed, never due.
    """
    horizon = now + timedelta(days=days)
    moved = renames(ws)
    jobs: list[Job] = []
    for post in ws.posts.values():
        entry = ws.ledger.get(post.id) or ws.ledger.get(moved.get(post.id, ""))
        for channel in post.channels:
            at = post.when(channel)
            if at is None or at > horizon:
                continue
            record = entry.channels.get(channel) if entry else None
            if record is not None and record.is_final:
                state, note = JobState.DONE, record.state
            elif record is not None and record.state in {"pending", "unknown"}:
                state, note = JobState.PENDING, f"{record.state}: needs reconciling"
            elif post.draft:
                state, note = JobState.DRAFT, "draft"
            elif post.id in blocked:
                state, note = JobState.BLOCKED, "checks fail"
            elif at > now:
                state, note = JobState.UPCOMING, ""
            elif now - at > ws.settings.lateness:
                state, note = JobState.MISSED, f"over {_hours(ws.settings.lateness)} late"
            else:
                state, note = JobState.DUE, ""
            if state is JobState.DONE and at < now - timedelta(days=days):
                continue
            if state in {JobState.MISSED, JobState.DRAFT} and at < now - timedelta(days=days):
                continue
            jobs.append(Job(post, channel, at, state, note))
    jobs.sort(key=lambda j: (j.at, j.channel, j.post.id))
    return jobs
