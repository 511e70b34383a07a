"""The evergreen queue: which ``evergreen: true`` post fills which free posting slot.

Pure: slots × evergreen posts × what the ledger says was sent when → an assignment. The
same files and ledger give the same assignment on every run and every machine.

The rules, per channel, slot by slot in time order:

- A slot is free when no dated post (not a draft) goes to the channel that local day, it is
  outside every blackout, and the ledger holds no send of any post for it (a slot is filled
  once: what the ledger records for it stands, whatever the files say now).
- Into a free slot goes the evergreen post naming the channel that was least recently sent
  there (never sent comes first; ties by post id), among those whose sends on the channel,
  before and after, are all at least ``evergreen.min_gap`` away. When none is, the slot
  stays empty.
- Each send carries the post's next body (the file's own, then each of ``rotations`` in
  turn), counted from the body its previous send on the channel carried, so a repeat is
  never word for word the last one sent when the post has two or more bodies.

A send is recorded in the ledger under its own id, ``<post id>@<slot time in UTC>``
(:func:`tidings.workspace.layout.slot_ledger_id`), before it goes out; the body it carries
is recorded with it (``rotation``), so a rerun, a reconciliation or an edit of the post's
``rotations`` never changes what that send is.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from tidings.core.slots import dated_days, occurrences
from tidings.workspace.layout import slot_ledger_id, split_ledger_id
from tidings.workspace.ledger import ChannelRecord, LedgerState
from tidings.workspace.model import Post, Workspace

AHEAD = timedelta(weeks=4)
"""How far ahead ``tidings plan`` and the site show the queue's choices (at most): the
slots further out depend on what goes out before them, and the calendar needs an end."""


@dataclass(frozen=True)
class Send:
    """One evergreen post in one slot on one channel."""

    post_id: str
    channel: str
    at: datetime
    rotation: int
    ledger_id: str
    slot: str = ""
    """The slot's name (empty for a recorded send whose slot is no longer in a calendar)."""
    record: ChannelRecord | None = None
    """The ledger's record of it, when the slot was already claimed."""


def _counts(record: ChannelRecord) -> bool:
    """Whether a recorded send counts as sent for rotation and the gap: it is, may be, or
    will be retried online. A ``missed`` slot holds the slot but sent nothing."""
    return record.state.may_be_online or record.state is LedgerState.FAILED


def _follow(pairs: Collection[tuple[str, str]], start: str) -> str:
    current = start
    for before, after in pairs:
        if before == current:
            current = after
    return current


def recorded(ws: Workspace) -> list[Send]:
    """Every evergreen send the ledger holds, with its post's id as it is now (after any
    rename git's history shows), sorted by time, channel and post."""
    out: list[Send] = []
    for lid, entry in ws.ledger.items():
        pid, at = split_ledger_id(lid)
        if at is None:
            continue
        pid = _follow(ws.renamed, pid)
        for channel, record in entry.channels.items():
            out.append(Send(pid, channel, at, record.rotation or 0, lid, record=record))
    out.sort(key=lambda s: (s.at, s.channel, s.post_id))
    return out


def evergreen_posts(ws: Workspace, skip: Collection[str] = ()) -> list[Post]:
    """The posts the queue may choose from: evergreen, not drafts, not retracted, not in
    ``skip`` (posts whose checks fail), sorted by id."""
    return sorted(
        (
            p
            for p in ws.posts.values()
            if p.evergreen and not p.draft and not p.retract and p.id not in skip
        ),
        key=lambda p: p.id,
    )


def schedule(
    ws: Workspace, start: datetime, end: datetime, skip: Collection[str] = ()
) -> list[Send]:
    """The sends the queue makes into the free slots in [start, end), sorted by time and
    channel. Recorded sends are history here, never repeated: see the module docstring."""
    if ws.brand is None:
        return []
    tz = ws.brand.timezone
    posts = evergreen_posts(ws, skip)
    if not posts:
        return []
    gap = ws.brand.evergreen_min_gap
    history: dict[tuple[str, str], list[tuple[datetime, int]]] = {}
    held: set[tuple[str, datetime]] = set()
    for send in recorded(ws):
        held.add((send.channel, send.at))
        if send.record is not None and _counts(send.record):
            history.setdefault((send.channel, send.post_id), []).append((send.at, send.rotation))
    dated = dated_days(ws, tz)
    out: list[Send] = []
    for occ in occurrences(ws, start, end, tz):
        if (occ.channel, occ.at) in held or (occ.channel, occ.at.date()) in dated:
            continue
        best: tuple[tuple[int, datetime, str], Post, int] | None = None
        for post in posts:
            if occ.channel not in post.channels:
                continue
            if post.expires is not None and post.expires <= occ.at:
                continue
            sends = history.get((occ.channel, post.id), [])
            if gap is not None and any(abs(occ.at - t) < gap for t, _ in sends):
                continue
            before = [s for s in sends if s[0] < occ.at]
            last = max(before, default=None)
            key = (0, occ.at, post.id) if last is None else (1, last[0], post.id)
            rotation = 0 if last is None else (last[1] + 1) % post.bodies
            if best is None or key < best[0]:
                best = (key, post, rotation)
        if best is None:
            continue
        _, post, rotation = best
        held.add((occ.channel, occ.at))
        history.setdefault((occ.channel, post.id), []).append((occ.at, rotation))
        out.append(
            Send(post.id, occ.channel, occ.at, rotation, slot_ledger_id(post.id, occ.at), occ.name)
        )
    return out


def sends_of(ws: Workspace, post_id: str) -> Iterator[Send]:
    """The recorded sends of one evergreen post (its ledger ids ``<post id>@…``)."""
    return (s for s in recorded(ws) if s.post_id == post_id)
