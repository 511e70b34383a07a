"""The listening record: public mentions of the brand's keywords and hashtags, counted.

Files (written by ``tidings inbox``, CI only, like the rest of ``inbox/``)::

    inbox/_listening/<channel>/<YYYY-MM>.yaml   counts per term per day (UTC) that month
    inbox/_listening/<channel>/latest.yaml      per term: where the next run asks from, and
                                                the newest matches (address, author, time)

``_listening`` cannot be a channel's name (channel ids start with a letter or digit), so
:func:`tidings.workspace.inbox.read_all` never takes it for one. No match's words are
written unless brand.yaml ``inbox.keep_text`` keeps them (:mod:`tidings.core.listening`
decides). Output is stable (sorted, one order of keys), so a run that hears nothing new
rewrites nothing. Schema: ``schemas/listening.schema.json``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from tidings.errors import InboxError
from tidings.workspace import layout
from tidings.workspace.files import write_atomic
from tidings.workspace.inbox import HEADER, _scalar
from tidings.workspace.timeparse import TimeProblem, parse_when, utc_stamp
from tidings.workspace.validation import validate
from tidings.workspace.yamlsource import YamlProblem, parse_yaml

__all__ = [
    "FOLDER",
    "ListeningRecord",
    "Match",
    "read_listening",
    "write_listening",
]

FOLDER = f"{layout.INBOX}/_listening"
LATEST_FILE = "latest.yaml"
_HINT = "listening files are written by `tidings inbox`; restore the file from git history"


@dataclass(frozen=True)
class Match:
    """One public post that matched a term."""

    id: str
    url: str | None
    author: str
    at: datetime
    """When it was posted (aware, UTC)."""
    text: str | None = None
    """Its words: only while ``inbox.keep_text`` keeps them."""


@dataclass(frozen=True)
class ListeningRecord:
    """One channel's listening record."""

    channel: str
    platform: str
    counts: Mapping[tuple[str, date], int] = field(default_factory=dict)
    """(term, UTC day) → matches that day."""
    latest: Mapping[str, tuple[Match, ...]] = field(default_factory=dict)
    """term → its newest matches, newest first."""
    positions: Mapping[str, str] = field(default_factory=dict)
    """term → where the next run asks from (a status id, an ``indexedAt``)."""


def _folder(channel: str) -> str:
    return f"{FOLDER}/{channel}"


def _replace(path: Path, text: str) -> bool:
    try:
        if path.read_text(encoding="utf-8") == text:
            return False
    except FileNotFoundError:
        pass
    write_atomic(path, text)
    return True


def dump_month(record: ListeningRecord, month: str) -> str:
    rows = sorted((t, d, n) for (t, d), n in record.counts.items() if f"{d:%Y-%m}" == month)
    lines = [
        HEADER.rstrip("\n"),
        f"channel: {_scalar(record.channel)}",
        f"platform: {_scalar(record.platform)}",
        f"month: {_scalar(month)}",
        "counts:" if rows else "counts: []",
    ]
    for term, day, n in rows:
        lines += [f"- term: {_scalar(term)}", f"  day: {_scalar(day.isoformat())}", f"  count: {n}"]
    return "\n".join(lines) + "\n"


def dump_latest(record: ListeningRecord) -> str:
    lines = [
        HEADER.rstrip("\n"),
        f"channel: {_scalar(record.channel)}",
        f"platform: {_scalar(record.platform)}",
    ]
    terms = sorted(set(record.positions) | set(record.latest))
    lines.append("terms:" if terms else "terms: []")
    for term in terms:
        lines += [f"- term: {_scalar(term)}", f"  position: {_scalar(record.positions.get(term))}"]
        matches = record.latest.get(term, ())
        lines.append("  latest:" if matches else "  latest: []")
        for m in matches:
            lines += [
                f"  - id: {_scalar(m.id)}",
                f"    url: {_scalar(m.url)}",
                f"    author: {_scalar(m.author)}",
                f"    at: {_scalar(utc_stamp(m.at))}",
            ]
            if m.text is not None:
                lines.append(f"    text: {_scalar(m.text)}")
    return "\n".join(lines) + "\n"


def write_listening(root: Path, record: ListeningRecord) -> list[str]:
    """Write the channel's listening files whose text changes; their repository paths."""
    written = []
    months = sorted({f"{d:%Y-%m}" for _, d in record.counts})
    for month in months:
        rel = f"{_folder(record.channel)}/{month}.yaml"
        if _replace(root / rel, dump_month(record, month)):
            written.append(rel)
    rel = f"{_folder(record.channel)}/{LATEST_FILE}"
    if _replace(root / rel, dump_latest(record)):
        written.append(rel)
    return written


def _load(root: Path, rel: str) -> dict[str, Any]:
    text = (root / rel).read_text(encoding="utf-8")
    try:
        doc = parse_yaml(text)
    except YamlProblem as problem:
        raise InboxError(f"{rel}:{problem.pos.line}: {problem.message}", _HINT) from None
    problems = validate("listening", doc, rel)
    if problems:
        raise InboxError(f"{rel}:{problems[0].line}: {problems[0].message}", _HINT)
    data: dict[str, Any] = doc.data
    return data


def _instant(value: str, rel: str) -> datetime:
    try:
        return parse_when(value, UTC).instant.astimezone(UTC)
    except TimeProblem as problem:
        raise InboxError(f"{rel}: {problem.message}", _HINT) from None


def read_listening(root: Path, channel: str, platform: str) -> ListeningRecord:
    """The channel's listening record (empty when it has none). Raises InboxError naming
    the file and line of the first thing that does not read."""
    folder = root / _folder(channel)
    if not folder.is_dir():
        return ListeningRecord(channel, platform)
    counts: dict[tuple[str, date], int] = {}
    latest: dict[str, tuple[Match, ...]] = {}
    positions: dict[str, str] = {}
    for path in sorted(folder.glob("*.yaml")):
        rel = f"{_folder(channel)}/{path.name}"
        data = _load(root, rel)
        if path.name == LATEST_FILE:
            for entry in data.get("terms") or ():
                term = str(entry["term"])
                if entry.get("position") is not None:
                    positions[term] = str(entry["position"])
                latest[term] = tuple(
                    Match(
                        str(m["id"]),
                        m.get("url"),
                        str(m["author"]),
                        _instant(str(m["at"]), rel),
                        m.get("text"),
                    )
                    for m in entry.get("latest") or ()
                )
        else:
            for row in data.get("counts") or ():
                counts[str(row["term"]), date.fromisoformat(str(row["day"]))] = int(row["count"])
    return ListeningRecord(channel, platform, counts, latest, positions)


def read_all_listening(root: Path) -> dict[str, ListeningRecord]:
    """Every channel's listening record, by channel (the folders under ``inbox/_listening``)."""
    base = root / FOLDER
    if not base.is_dir():
        return {}
    out = {}
    for folder in sorted(base.iterdir()):
        if folder.is_dir() and not folder.name.startswith("."):
            platform = ""
            latest = folder / LATEST_FILE
            if latest.is_file():
                platform = str(_load(root, f"{_folder(folder.name)}/{LATEST_FILE}")["platform"])
            out[folder.name] = read_listening(root, folder.name, platform)
    return out
