"""The inbox's decisions, pure: what a run adds, what is answered, what text is kept.

The record's types (:class:`~tidings.workspace.inbox.InboxItem`, its kinds and statuses,
the cursor) live with its reader and writer in :mod:`tidings.workspace.inbox`, as the
ledger's do (``workspace`` is below ``core``, so the types cannot live here). What crosses
from a platform to the run is defined here:

- :class:`Arrival`: one item as a platform's inbox reader saw it (with ``parent``, the
  platform id of what it replies to or quotes, from which ``answers`` is found);
- :class:`Reply`: a post by the brand's own account that replies to something (the
  platform's id of its parent, when it was made, its address): what makes an item
  *answered*, whoever wrote it (the platform's app, a teammate, or tidings);
- :class:`Reading`: what one run read from one channel, and where the next run starts.

Then the steps of a run over one channel, each a function of values: :func:`our_parts`
(which platform ids are our posts, from the ledger), :func:`merge` (new arrivals in,
nothing twice), :func:`mark_answered`, :func:`apply_triage` and :func:`keep_text`. Time is
a parameter (``now``), never read here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from tidings.workspace.inbox import InboxItem, InboxKind, InboxStatus, Triage
from tidings.workspace.ledger import LedgerEntry
from tidings.workspace.model import InboxSettings

__all__ = [
    "RECHECK",
    "Arrival",
    "Reading",
    "Reply",
    "Resume",
    "Sweep",
    "apply_triage",
    "keep_text",
    "mark_answered",
    "merge",
    "our_parts",
    "overdue",
    "pending",
]

RECHECK = timedelta(days=14)
"""How long after its arrival a ``new`` item is looked at again for a reply by the brand:
beyond this, an unanswered item stays ``new`` (a late answer is not looked for, so each run
reads a bounded stretch of the account's own posts)."""


@dataclass(frozen=True)
class Arrival:
    """One reply, mention, quote or comment as a platform's reader saw it."""

    id: str
    url: str | None
    author: str
    at: datetime
    kind: InboxKind
    parent: str | None = None
    """The platform id of the post it replies to, comments on or quotes (None for a plain
    mention): ``answers`` is the post of ours with that id."""
    text: str | None = None


@dataclass(frozen=True)
class Reply:
    """A post by the brand's own account replying to ``parent`` (a platform id)."""

    parent: str
    at: datetime
    url: str


@dataclass(frozen=True)
class Reading:
    """What one run read from one channel: the arrivals (any order; the run sorts), where
    the next run starts, whether the listing's end was reached (False when the page bound
    ran out first: the next run goes on from ``position``)."""

    arrivals: tuple[Arrival, ...]
    position: str | None
    complete: bool = True


@dataclass(frozen=True)
class Sweep:
    """Where a listing that runs newest first (Bluesky's notifications, X's mentions) stands
    between runs, so that a backlog larger than one run's page bound is read to its end
    across runs, without a gap and without reading anything twice.

    ``reach`` is the newest position a finished sweep saw: a sweep reads down to it and
    stops. When the page bound runs out first, the sweep stays open: ``resume`` is the
    platform's cursor of the next older page, ``top`` the newest position the sweep saw.
    The next run goes on from ``resume`` down to ``reach`` (what arrived meanwhile, newer
    than ``top``, waits for the sweep after); only when it gets there does ``top`` become
    the new ``reach``. In the cursor file a closed sweep is ``reach`` alone (what earlier
    versions wrote), an open one a JSON object."""

    reach: str | None = None
    top: str | None = None
    resume: str | None = None

    @classmethod
    def read(cls, position: str | None) -> Sweep:
        if not position or not position.startswith("{"):
            return cls(reach=position)
        try:
            data = json.loads(position)
        except ValueError:
            return cls()
        if not isinstance(data, dict):
            return cls()
        values = [data.get(k) for k in ("reach", "top", "resume")]
        reach, top, resume = (v if isinstance(v, str) and v else None for v in values)
        return cls(reach=reach, top=top, resume=resume)

    @property
    def position(self) -> str | None:
        """What the cursor file holds."""
        if self.resume is None:
            return self.reach
        data = {"reach": self.reach, "top": self.top, "resume": self.resume}
        return json.dumps(data, sort_keys=True, separators=(",", ":"))

    def after(self, newest: str | None, resume: str | None) -> Sweep:
        """Where the listing stands after one run read it from :attr:`resume` (or from its
        first page): ``newest`` is the newest position this run saw (used when it began a
        sweep), ``resume`` the cursor of the next older page when the bound ran out (None:
        the sweep reached :attr:`reach` or the listing's end)."""
        top = self.top if self.resume is not None else (newest or self.reach)
        if resume is None:
            return Sweep(reach=top)
        return Sweep(reach=self.reach, top=top, resume=resume)


@dataclass(frozen=True)
class Resume:
    """Where the readers that list the comments under each of our recent posts (Instagram,
    Facebook, Threads, LinkedIn) stand between runs: ``newest``, the newest comment seen
    (for the record), and ``posts``, for each post whose comments were cut off by the page
    bound, the platform's cursor of the next page, from which the next run goes on (so a
    post with more comments than one run reads is read to its end, across runs)."""

    newest: str | None = None
    posts: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls, position: str | None) -> Resume:
        if not position or not position.startswith("{"):
            return cls(newest=position)
        try:
            data = json.loads(position)
        except ValueError:
            return cls()
        if not isinstance(data, dict):
            return cls()
        newest = data.get("newest")
        posts = data.get("posts")
        return cls(
            newest=newest if isinstance(newest, str) else None,
            posts={
                str(k): str(v) for k, v in (posts.items() if isinstance(posts, dict) else ()) if v
            },
        )

    @property
    def position(self) -> str | None:
        if not self.posts:
            return self.newest
        data = {"newest": self.newest, "posts": dict(sorted(self.posts.items()))}
        return json.dumps(data, sort_keys=True, separators=(",", ":"))


def our_parts(ledger: Mapping[str, LedgerEntry], channel: str) -> dict[str, str]:
    """Every platform id (and address) of a part the ledger records as sent on
    ``channel``, mapped to its post id: an item whose ``parent`` is one of them answers
    that post (a reply to the second part of a thread answers the thread's post)."""
    found: dict[str, str] = {}
    for pid in sorted(ledger):
        record = ledger[pid].channels.get(channel)
        if record is None:
            continue
        for part in record.parts:  # published, or retracted since: a reply still answers it
            found[part.id] = pid
            if part.url:
                found[part.url] = pid
    return found


def merge(
    items: Iterable[InboxItem],
    arrivals: Iterable[Arrival],
    *,
    platform: str,
    channel: str,
    ours: Mapping[str, str],
) -> tuple[list[InboxItem], int]:
    """The channel's items with the arrivals not yet recorded added as ``new`` (an id
    already recorded is never added again, nor changed), sorted; and how many were added.
    Text is carried here and dropped by :func:`keep_text`."""
    known = {item.id: item for item in items}
    added = 0
    for arrival in arrivals:
        if arrival.id in known:
            continue
        known[arrival.id] = InboxItem(
            platform=platform,
            channel=channel,
            id=arrival.id,
            url=arrival.url,
            author=arrival.author,
            at=arrival.at,
            kind=arrival.kind,
            answers=ours.get(arrival.parent) if arrival.parent else None,
            text=arrival.text,
        )
        added += 1
    return sorted(known.values(), key=lambda i: i.key), added


def pending(items: Iterable[InboxItem], now: datetime) -> list[InboxItem]:
    """The items whose answer is still looked for: not answered, and arrived within
    :data:`RECHECK` of ``now``."""
    since = now - RECHECK
    return [i for i in items if i.status is not InboxStatus.ANSWERED and i.at >= since]


def overdue(items: Iterable[InboxItem], within: timedelta | None, now: datetime) -> int:
    """How many items are still ``new`` longer after arrival than the brand's target
    (``brand.yaml`` ``inbox.respond_within``); 0 when it sets none."""
    if within is None:
        return 0
    return sum(1 for i in items if i.status is InboxStatus.NEW and now - i.at > within)


def mark_answered(
    items: Iterable[InboxItem], replies: Iterable[Reply]
) -> tuple[list[InboxItem], int]:
    """Items the brand replied to become ``answered``, with the earliest such reply's time
    and address (a detected reply wins over a ``no-reply-needed`` mark). Returns the items
    and how many changed."""
    first: dict[str, Reply] = {}
    for reply in replies:
        best = first.get(reply.parent)
        if best is None or (reply.at, reply.url) < (best.at, best.url):
            first[reply.parent] = reply
    out: list[InboxItem] = []
    changed = 0
    for item in items:
        answer = first.get(item.id)
        if answer is not None and item.status is not InboxStatus.ANSWERED:
            item = replace(
                item,
                status=InboxStatus.ANSWERED,
                answered_at=max(answer.at, item.at),
                answered_by=answer.url,
                by=None,
                note=None,
            )
            changed += 1
        out.append(item)
    return out, changed


def apply_triage(items: Iterable[InboxItem], triage: Sequence[Triage]) -> list[InboxItem]:
    """``content/inbox.yaml`` applied: an item listed there (by its address) and not
    answered is ``no-reply-needed`` with who said so and why; one marked so before and no
    longer listed is ``new`` again (the file people own is the truth for it)."""
    marks = {t.url: t for t in triage}
    out: list[InboxItem] = []
    for item in items:
        mark = marks.get(item.url) if item.url else None
        if item.status is InboxStatus.ANSWERED:
            out.append(item)
        elif mark is not None:
            out.append(replace(item, status=mark.status, by=mark.by, note=mark.note))
        elif item.status is InboxStatus.NO_REPLY_NEEDED:
            out.append(replace(item, status=InboxStatus.NEW, by=None, note=None))
        else:
            out.append(item)
    return out


def keep_text(
    items: Iterable[InboxItem], settings: InboxSettings, now: datetime
) -> list[InboxItem]:
    """Each item's text kept only as brand.yaml ``inbox`` allows: never without
    ``keep_text``; with it, until ``keep_text_days`` after arrival."""
    out: list[InboxItem] = []
    for item in items:
        if item.text is not None and not _may_keep(item, settings, now):
            item = replace(item, text=None)
        out.append(item)
    return out


def _may_keep(item: InboxItem, settings: InboxSettings, now: datetime) -> bool:
    if not settings.keep_text:
        return False
    if settings.keep_text_days is None:
        return True
    return now < item.at + timedelta(days=settings.keep_text_days)
