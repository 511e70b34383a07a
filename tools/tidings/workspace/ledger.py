"""The ledger: ``ledger/<post-id>.yaml``, one file per post, one record per channel.

Everything tidings knows about what went out lives here, in one home:

- :class:`LedgerState`, the states a (post, channel) job is recorded in, with the facts
  about them (which are final, which are tried again);
- :class:`ChannelRecord` and :class:`LedgerEntry`, the frozen typed records of one job and
  of one post's file;
- the one reader (:func:`read_entry`, :func:`parse_entry` for text), used by the loader for plan, check, the site and
  metrics, and by the publisher and ``tidings resolve`` through :class:`LedgerBook`;
- the one writer, :meth:`LedgerBook.update`.

Only the publisher (and a person through ``tidings resolve``) writes here. Every change is
written atomically (see :mod:`tidings.workspace.files`), so a crash leaves the old file or
the new one, never half of one. Each state change is appended to the record's ``history``,
which together with ``git log ledger/`` is the audit trail. Secret values never reach a
file: notes and texts are redacted on the way in.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml

from tidings.errors import LedgerError
from tidings.processes import quick_pickle
from tidings.redaction import redact
from tidings.workspace import layout
from tidings.workspace.files import write_atomic
from tidings.workspace.linkcards import LinkCard, read_card
from tidings.workspace.timeparse import TimeProblem, parse_when, utc_stamp
from tidings.workspace.yamlsource import Source, YamlDoc, YamlProblem, parse_yaml

HEADER = (
    "# Written by `tidings publish`; do not edit by hand.\n"
    "# Settle a post that needs a person with `tidings resolve`. `git log ledger/` is the audit trail.\n"
)


class LedgerState(StrEnum):
    """The state of one (post, channel) job, written as its value (``state: published``)."""

    PENDING = "pending"
    """Claimed by a run and going out; a run that died leaves it for the next to reconcile."""
    PUBLISHED = "published"
    FAILED = "failed"
    """Rejected; sent again while ``retry`` holds and attempts remain."""
    MISSED = "missed"
    """Too late (or skipped by a person): never sent."""
    UNKNOWN = "unknown"
    """May or may not have gone out: a person settles it with ``tidings resolve``."""
    RETRACTED = "retracted"
    """Deleted from the platform after the post expired."""

    @property
    def is_final(self) -> bool:
        """Settled for good: the job is never acted on again."""
        return self in _FINAL

    @property
    def is_retryable(self) -> bool:
        """Sent again by a later run (while the record's ``retry`` and attempts allow)."""
        return self is LedgerState.FAILED

    @property
    def may_be_online(self) -> bool:
        """The post is, or may be, out on the platform."""
        return self in _MAY_BE_ONLINE


_FINAL = frozenset({LedgerState.PUBLISHED, LedgerState.MISSED, LedgerState.RETRACTED})
_MAY_BE_ONLINE = frozenset({LedgerState.PUBLISHED, LedgerState.PENDING, LedgerState.UNKNOWN})


@quick_pickle
@dataclass(frozen=True, slots=True)
class PublishedPart:
    """One part of a thread as the platform knows it: its id, address and (Bluesky) cid."""

    id: str
    url: str | None = None
    cid: str | None = None


@quick_pickle
@dataclass(frozen=True, slots=True)
class ChannelRecord:
    """The ledger's record of one (post, channel) job."""

    state: LedgerState
    source: Source
    attempt_key: str | None = None
    lease: str | None = None
    """While pending: the token of the run holding the job (renewed with ``updated``)."""
    attempts: int = 0
    retry: bool = True
    rotation: int | None = None
    """An evergreen send: which of the post's bodies it carries, fixed when it was claimed."""
    updated: datetime | None = None
    published_at: datetime | None = None
    parts: tuple[PublishedPart, ...] = ()
    error: str | None = None
    link_card: LinkCard | None = None
    """Bluesky: the link card that went out with the post (see :mod:`tidings.core.linkcard`)."""

    @property
    def is_final(self) -> bool:
        return self.state.is_final


@quick_pickle
@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """``ledger/<post-id>.yaml``: everything published for one post."""

    post_id: str
    source: Source
    channels: Mapping[str, ChannelRecord]
    content_hash: str | None = None


# ---------------------------------------------------------------- reading


def _instant(value: Any) -> datetime | None:
    if value is None:
        return None
    return parse_when(str(value), UTC).instant


def _parts(items: Iterable[Any] | None) -> tuple[PublishedPart, ...]:
    return tuple(
        PublishedPart(str(p["id"]), p.get("url"), p.get("cid"))
        for p in items or ()
        if isinstance(p, dict) and p.get("id")
    )


def read_record(data: Any, source: Source) -> ChannelRecord | None:
    """One channel's record from its YAML mapping; None when it does not read as one."""
    if not isinstance(data, dict):
        return None
    try:
        key = data.get("attempt_key")
        lease = data.get("lease")
        rotation = data.get("rotation")
        return ChannelRecord(
            state=LedgerState(str(data.get("state"))),
            source=source,
            attempt_key=None if key is None else str(key),
            lease=None if lease is None else str(lease),
            attempts=int(data.get("attempts", 0)),
            retry=data.get("retry", True) is not False,
            rotation=None if rotation is None else int(rotation),
            updated=_instant(data.get("updated")),
            published_at=_instant(data.get("published_at")),
            parts=_parts(data.get("parts")),
            error=data.get("error"),
            link_card=read_card(data.get("link_card")),
        )
    except (ValueError, TypeError, TimeProblem):
        return None


def read_entry(rel: str, doc: YamlDoc) -> LedgerEntry | None:
    """The entry of the ledger file ``rel`` (repository-relative), parsed into ``doc``;
    None when it is not a ledger file's shape. Records that do not read are left out; the
    loader checks the schema first, so there every record reads."""
    data = doc.data
    if not isinstance(data, dict) or not isinstance(data.get("channels"), dict):
        return None
    kept = doc.without_data()  # the entry holds what it read, and positions
    records: dict[str, ChannelRecord] = {}
    for cid, raw in data["channels"].items():
        record = read_record(raw, Source(rel, kept, ("channels", cid)))
        if record is not None:
            records[sys.intern(str(cid))] = record
    content_hash = data.get("content_hash")
    return LedgerEntry(
        layout.ledger_post_id(rel),
        Source(rel, kept),
        records,
        None if content_hash is None else str(content_hash),
    )


def parse_entry(rel: str, text: str) -> LedgerEntry | None:
    """The entry in ``text``, a ledger file's content (e.g. from ``git show``); None when
    it is not YAML or not a ledger file's shape."""
    try:
        return read_entry(rel, parse_yaml(text))
    except YamlProblem:
        return None


# ---------------------------------------------------------------- writing


class _Dumper(yaml.SafeDumper):
    """Writes ledger files; never an anchor or alias (tidings refuses them when reading)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def dump(data: Mapping[str, Any]) -> str:
    """A ledger file's text: the header, then ``data`` as YAML in the order given."""
    return HEADER + yaml.dump(
        dict(data), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100
    )


_ORDER = (
    "state",
    "attempt_key",
    "lease",
    "attempts",
    "retry",
    "rotation",
    "updated",
    "published_at",
    "parts",
    "link_card",
    "error",
    "history",
)
"""A record's keys in the order the file shows them: state, details, history last."""


class LedgerBook:
    """The ledger files of one workspace, read lazily and rewritten on every change.

    Reads give typed records (:meth:`entry`, :meth:`record`). The file's own mapping is
    kept to write it back, so a change touches only the keys it sets and the rest of the
    file stays exactly as it was.
    """

    def __init__(
        self, root: Path, env: Mapping[str, str] | None = None, *, sync: bool = True
    ) -> None:
        self.root = root
        self.env = env  # secret values in it never reach a ledger file
        self.sync = sync
        """Flush every file to the disk before its rename. The publisher does not: its
        truth is the commit on the remote (git does not flush its own objects either), and
        a rename is atomic for every process, so only an operating-system crash could
        leave a file that does not read, which stops every writer, naming it."""
        self._cache: dict[str, tuple[dict[str, Any], YamlDoc | None]] = {}
        self.touched: set[str] = set()

    def path(self, post_id: str) -> Path:
        return self.root / layout.ledger_path(post_id)

    def _data(self, post_id: str) -> dict[str, Any]:
        return self._load(post_id)[0]

    def _load(self, post_id: str) -> tuple[dict[str, Any], YamlDoc | None]:
        if post_id not in self._cache:
            self._cache[post_id] = self._read(post_id)
        return self._cache[post_id]

    def _read(self, post_id: str) -> tuple[dict[str, Any], YamlDoc | None]:
        """The file's mapping and parsed document; an empty entry when there is no file. A
        file that exists and does not read is a :class:`LedgerError`: writing it again from
        what could be read would erase its records."""
        rel = layout.ledger_path(post_id)
        path = self.path(post_id)
        if not path.is_file():
            return {"post": post_id, "channels": {}}, None
        try:
            doc = parse_yaml(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise _unreadable(rel, 1, str(exc)) from None
        except YamlProblem as problem:
            raise _unreadable(rel, problem.pos.line, problem.message) from None
        if not isinstance(doc.data, dict) or not isinstance(doc.data.get("channels"), dict):
            raise _unreadable(rel, 1, "it has no `channels:` mapping")
        for cid, raw in doc.data["channels"].items():
            source = Source(rel, doc, ("channels", str(cid)))
            if read_record(raw, source) is None:
                line = source.pos().line
                raise _unreadable(rel, line, f"the record of channel {cid!r} does not read")
        return doc.data, doc

    def entry(self, post_id: str) -> LedgerEntry | None:
        """The post's entry as the file says now (after this book's own changes)."""
        data, doc = self._load(post_id)
        return read_entry(layout.ledger_path(post_id), doc or YamlDoc(data))

    def record(self, post_id: str, channel: str) -> ChannelRecord | None:
        """One channel's record, or None when there is none (or it does not read)."""
        data, doc = self._load(post_id)
        raw = data["channels"].get(channel)
        source = Source(layout.ledger_path(post_id), doc or YamlDoc(data), ("channels", channel))
        return read_record(raw, source)

    def forget(self) -> None:
        """Drop cached entries (after git replaced the files on disk)."""
        self._cache.clear()

    def update(
        self,
        post_id: str,
        channel: str,
        now: datetime,
        *,
        state: LedgerState | None = None,
        note: str | None = None,
        content_hash: str | None = None,
        **fields: Any,
    ) -> ChannelRecord | None:
        """Change one channel's record and write the file. A new ``state`` is added to the
        history with ``note``; ``fields`` (attempt_key, attempts, parts, error, …) are set.
        Returns the record as written."""
        data = self._data(post_id)
        if content_hash and not data.get("content_hash"):
            # keep the key order readable: post, content_hash, channels
            data = {
                "post": data["post"],
                "content_hash": content_hash,
                "channels": data["channels"],
            }
        rec: dict[str, Any] = data["channels"].setdefault(channel, {})
        when = utc_stamp(now)
        history = rec.pop("history", [])
        if state is not None:
            value = LedgerState(state).value  # plain text, so YAML writes it as today
            rec["state"] = value
            item: dict[str, Any] = {"at": when, "state": value}
            if note:
                item["note"] = redact(note, self.env)
            history.append(item)
        for key, field_value in fields.items():
            if key == "parts":
                field_value = [_part(p) for p in field_value]
            elif isinstance(field_value, LinkCard):
                field_value = {
                    k: redact(v, self.env) if isinstance(v, str) else v
                    for k, v in field_value.as_record().items()
                }
            elif isinstance(field_value, str):
                field_value = redact(field_value, self.env)
            rec[key] = field_value
        rec["updated"] = when
        rec["history"] = history  # last, so the file reads top-down: state, details, history
        ordered = {k: rec[k] for k in _ORDER if k in rec}
        ordered.update({k: v for k, v in rec.items() if k not in ordered})
        data["channels"][channel] = ordered
        self._cache[post_id] = (data, None)  # positions of the old text no longer hold
        write_atomic(self.path(post_id), dump(data), sync=self.sync)
        self.touched.add(layout.ledger_path(post_id))
        return self.record(post_id, channel)


def without_unclaimed(text: str, committed: str | None) -> str | None:
    """``text``, a ledger file as an interrupted run left it, uncommitted, without the claims
    that never reached a commit: a ``pending`` record whose attempt key the committed file
    (``committed``; None when there is none) does not hold for that channel goes back to
    its committed record, or away. None when nothing is left (there was no committed file
    and every record was such a claim). A file that does not read is returned as it is."""
    try:
        doc = parse_yaml(text)
        old = parse_yaml(committed).data if committed is not None else None
    except YamlProblem:
        return text
    data = doc.data
    before: dict[str, Any] = old if isinstance(old, dict) else {}
    if not isinstance(data, dict) or not isinstance(data.get("channels"), dict):
        return text
    was_raw = before.get("channels")
    was: dict[str, Any] = was_raw if isinstance(was_raw, dict) else {}
    changed = False
    for cid, raw in list(data["channels"].items()):
        prior = was.get(cid)
        if not isinstance(raw, dict) or raw.get("state") != LedgerState.PENDING.value:
            continue
        if isinstance(prior, dict) and prior.get("attempt_key") == raw.get("attempt_key"):
            continue
        changed = True
        if prior is None:
            del data["channels"][cid]
        else:
            data["channels"][cid] = prior
    if not changed:
        return text
    if committed is not None and data == before:
        return committed
    if committed is None and not data["channels"]:
        return None
    return dump(data)


def _unreadable(rel: str, line: int, why: str) -> LedgerError:
    return LedgerError(
        f"{rel}:{line}: this ledger file cannot be read ({why}), so nothing writes to it",
        "restore it from git history (`git log -p -- " + rel + "`) or resolve the merge "
        "by hand, keeping every channel's record; then run again",
    )


def _part(part: PublishedPart | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(part, PublishedPart):
        out: dict[str, Any] = {"id": part.id, "url": part.url}
        if part.cid:
            out["cid"] = part.cid
        return out
    return dict(part)
