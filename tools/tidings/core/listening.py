"""Listening's decisions, pure: what a run adds to the counts, which matches are kept.

brand.yaml ``listening`` names keywords and hashtags (:class:`~tidings.workspace.model.Listening`);
``tidings inbox`` asks each channel whose platform has a public search (Mastodon's tag
timelines and status search, Bluesky's ``searchPosts``) for the posts that match each term
since the term's position (:class:`Heard`), and records:

- counts per term per day (UTC), by month, so volume over time can be drawn;
- the newest :data:`LATEST` matches per term: their address, author and time, never their
  words unless ``inbox.keep_text`` keeps them (the same rule as the inbox's items).

A match is counted once: the position moves past it (a Mastodon status id, a Bluesky
``indexedAt``), and a match already among the kept ones is not counted again. The record's
types and its reader and writer are :mod:`tidings.workspace.listening`'s.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

from tidings.workspace.listening import ListeningRecord, Match
from tidings.workspace.model import InboxSettings

__all__ = ["LATEST", "Heard", "Tally", "keep_text", "tally", "volume"]

LATEST = 20
"""The newest matches kept per term (links, for the site's list)."""


@dataclass(frozen=True)
class Heard:
    """What one term's public search gave on one channel: the matches strictly newer than
    the position it was asked from (the reader's promise, in the platform's own order),
    and where the next run asks from."""

    matches: tuple[Match, ...]
    position: str | None
    complete: bool = True


@dataclass(frozen=True)
class Tally:
    """What one term's reading added: the matches counted (new ones only)."""

    term: str
    added: int


def tally(record: ListeningRecord, term: str, heard: Heard) -> tuple[ListeningRecord, Tally]:
    """``record`` with ``heard``'s new matches counted on their (UTC) day, the newest
    :data:`LATEST` kept, and the term's position moved. A match whose id the record already
    keeps is not counted again (the reader returns only what is newer than the position)."""
    kept = {m.id for m in record.latest.get(term, ())}
    fresh: list[Match] = []
    seen: set[str] = set()
    for match in heard.matches:
        if match.id in kept or match.id in seen:
            continue
        seen.add(match.id)
        fresh.append(match)
    counts = dict(record.counts)
    for match in fresh:
        key = (term, match.at.astimezone(UTC).date())
        counts[key] = counts.get(key, 0) + 1
    latest = dict(record.latest)
    newest = sorted(
        [*record.latest.get(term, ()), *fresh], key=lambda m: (m.at, m.id), reverse=True
    )
    latest[term] = tuple(newest[:LATEST])
    positions = dict(record.positions)
    if heard.position is not None:
        positions[term] = heard.position
    out = replace(record, counts=counts, latest=latest, positions=positions)
    return out, Tally(term, len(fresh))


def keep_text(record: ListeningRecord, settings: InboxSettings, now: datetime) -> ListeningRecord:
    """The matches' words dropped unless ``inbox.keep_text`` keeps them (and only for
    ``keep_text_days`` after the match was posted)."""

    def kept(m: Match) -> Match:
        if m.text is None:
            return m
        if settings.keep_text and (
            settings.keep_text_days is None or now < m.at + timedelta(days=settings.keep_text_days)
        ):
            return m
        return replace(m, text=None)

    return replace(
        record,
        latest={t: tuple(kept(m) for m in ms) for t, ms in record.latest.items()},
    )


def volume(
    counts: Mapping[tuple[str, date], int], terms: Iterable[str]
) -> dict[str, list[tuple[date, int]]]:
    """Per term (those named, in order), its count per day from its first to its last
    day with a match, days without one as 0."""
    out: dict[str, list[tuple[date, int]]] = {}
    for term in terms:
        days = {d: n for (t, d), n in counts.items() if t == term}
        if not days:
            continue
        first, last = min(days), max(days)
        out[term] = [
            (first + timedelta(days=i), days.get(first + timedelta(days=i), 0))
            for i in range((last - first).days + 1)
        ]
    return out
