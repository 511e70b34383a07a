"""Load a repository into a :class:`Workspace`, collecting every problem as a diagnostic.

Each file is read and parsed once. A file that cannot be read or that breaks its schema
produces diagnostics and no object (so later checks do not pile up follow-on errors), but a
post file is always remembered in ``Workspace.post_files`` so the ledger never mistakes a
broken post for a deleted one.
"""

from __future__ import annotations

import contextlib
import gc
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tidings.diagnostics import Diagnostic, Pos, Severity
from tidings.errors import InboxError
from tidings.processes import quick_pickle, run_spans
from tidings.workspace import filecache, layout
from tidings.workspace.formats import require_format
from tidings.workspace.inbox import Triage, item_urls, triage_entries
from tidings.workspace.ledger import LedgerEntry, read_entry
from tidings.workspace.model import (
    BioLink,
    Blackout,
    Brand,
    Cadence,
    CadenceLimits,
    Calendar,
    Campaign,
    Channel,
    Competitor,
    CompetitorAccount,
    Disclosure,
    Goal,
    Hashtags,
    Idea,
    InboxSettings,
    KeyDate,
    Limits,
    Listening,
    MediaRef,
    Part,
    Post,
    ProfileSettings,
    QuietHours,
    SavedReply,
    Settings,
    Slot,
    Source,
    Utm,
    Variant,
    Voice,
    Words,
    Workspace,
)
from tidings.workspace.sourcefiles import (
    FileProblem,
    FrontMatterSplit,
    content_hash,
    read_text,
    split_front_matter,
    split_thread,
)
from tidings.workspace.timeparse import TimeProblem, parse_date, parse_duration, parse_when
from tidings.workspace.validation import fast_validator, is_valid, validate
from tidings.workspace.yamlsource import Path as YamlPath
from tidings.workspace.yamlsource import YamlDoc, YamlProblem, parse_yaml

T = TypeVar("T")

DEFAULT_LIMITS = Limits()


@dataclass
class Collector:
    """Diagnostics gathered while loading."""

    items: list[Diagnostic] = field(default_factory=list)

    def extend(self, ds: Iterable[Diagnostic]) -> None:
        self.items.extend(ds)

    def error(
        self, path: str, pos: Pos, code: str, message: str, suggestion: str | None = None
    ) -> None:
        self.items.append(Diagnostic.at(path, pos, Severity.ERROR, code, message, suggestion))

    def warn(
        self, path: str, pos: Pos, code: str, message: str, suggestion: str | None = None
    ) -> None:
        self.items.append(Diagnostic.at(path, pos, Severity.WARNING, code, message, suggestion))


# ---------------------------------------------------------------- reading one file


@quick_pickle
@dataclass(frozen=True, slots=True)
class _Origin:
    """A loaded file's text, found again for a position (see ``YamlDoc.origin``): the loader
    keeps neither node trees nor tables of positions, only this (the workspace's root, the
    file's path, a digest of the text it read). A file that is no longer that text gives
    None: a position then falls back to the document's first line rather than a wrong one."""

    root: Path
    rel: str
    digest: str
    front: bool  # a Markdown file's front matter, else the whole YAML file
    known: tuple[int, ...] = ()
    """Where a post's ``at`` and ``channels`` values are (line and column of each, 0 when
    absent), the positions most findings ask for (a busy day, the same text everywhere):
    from :func:`_marks`, so asking for them parses nothing."""

    def position(self, path: YamlPath, key: bool) -> Pos | None:
        """A position known without parsing (see :attr:`known`), else None."""
        if key or len(path) != 1 or len(self.known) != len(_KNOWN) * 2:
            return None
        try:
            at = _KNOWN.index(str(path[0])) * 2
        except ValueError:
            return None
        line, column = self.known[at], self.known[at + 1]
        return Pos(line, column) if line > 0 and column > 0 else None

    def yaml_text(self) -> str | None:
        try:  # bounded, as every read is: a larger file gives the first line
            text = read_text(self.root / self.rel, _REREAD_BYTES)
        except FileProblem:
            return None
        if filecache.text_digest(text) != self.digest:
            return None
        return split_front_matter(text).front_matter if self.front else text


_KNOWN = ("at", "channels")
_REREAD_BYTES = 64 * 1024 * 1024  # far past the default limits (256 KB a post, 1 MB of YAML)


def _light(
    doc: YamlDoc, root: Path, rel: str, digest: str, front: bool, marks: Any = None
) -> YamlDoc:
    """``doc`` as the loader keeps it: data, no node tree, its positions found from the file
    (those of ``at`` and ``channels`` from ``marks``, see :func:`_marks`)."""
    known: tuple[int, ...] = ()
    if isinstance(marks, dict):
        found = [marks.get(k) or (0, 0) for k in _KNOWN]
        if all(isinstance(f, list | tuple) and len(f) == 2 for f in found):
            flat = tuple(n for f in found for n in f)
            known = flat if all(type(n) is int for n in flat) else ()
    origin = _Origin(root, rel, digest, front, known)
    return YamlDoc(doc.data, None, doc.line_offset, doc.duplicates, origin, doc.plain)


def _parse(rel: str, out: Collector, what: str, parse: Callable[[], T]) -> T | None:
    """Run ``parse``; an unreadable file or bad YAML becomes one diagnostic and None."""
    try:
        return parse()
    except FileProblem as p:
        out.error(rel, p.pos, p.code, p.message, p.suggestion)
    except YamlProblem as p:
        out.error(rel, p.pos, p.code, f"{what}: {p.message}", p.suggestion)
    return None


def _read_yaml(
    root: Path,
    rel: str,
    kind: str,
    out: Collector,
    *,
    optional: bool = False,
    limits: Limits = DEFAULT_LIMITS,
) -> YamlDoc | None:
    """Parse and schema-check a YAML file; None (with diagnostics) when unusable."""
    full = os.path.join(root, rel)
    if optional and not os.path.exists(full):
        return None
    cached = _cached(root, rel, kind)
    if cached is not None:
        return cached[0]
    text = _parse(rel, out, "not valid YAML", lambda: read_text(full, limits.yaml_bytes))
    if text is None:
        return None
    digest = filecache.text_digest(text)
    cached = _cached(root, rel, kind, text, digest)
    if cached is not None:
        return cached[0]
    info = _stat_before(rel)
    doc = _parse(rel, out, "not valid YAML", lambda: parse_yaml(text))
    if doc is None:
        return None
    problems = validate(kind, doc, rel)
    out.extend(problems)
    if problems:
        return None
    _keep(rel, kind, info, digest, doc)
    return _light(doc, root, rel, digest, front=False)


# The per-file cache (see filecache.py): a file loaded without any problem is kept, and
# taken back while it is unchanged instead of being parsed and checked again.


def _cached(
    root: Path, rel: str, kind: str, text: str | None = None, digest: str | None = None
) -> tuple[YamlDoc, str | None, int, Any, Any] | None:
    """``rel`` as it was loaded before: by its size and time, or given ``text`` (and its
    ``digest``) by its text (then checked against the schema again: such an entry may come
    from elsewhere)."""
    cache = filecache.active()
    if cache is None:
        return None
    entry = cache.get(rel, kind, text, digest)
    if entry is None or (text is not None and not is_valid(kind, entry.data)):
        return None
    front = entry.body is not None
    return (
        _light(
            YamlDoc(entry.data, None, entry.line_offset, plain=True),
            root,
            rel,
            entry.digest,
            front,
            entry.marks,
        ),
        entry.body,
        entry.body_line,
        entry.derived,
        entry.marks,
    )


def _stat_before(rel: str) -> Any:
    cache = filecache.active()
    return cache.stat(rel) if cache is not None else None


def _keep(
    rel: str,
    kind: str,
    info: Any,
    digest: str,
    doc: YamlDoc,
    body: str | None = None,
    line: int = 0,
    marks: Any = None,
) -> None:
    cache = filecache.active()
    if cache is not None and not doc.duplicates and doc.plain:  # plain: JSON keeps it as is
        entry = filecache.Entry(doc.data, digest, doc.line_offset, body, line, marks=marks)
        cache.put(rel, kind, info, entry)


def _read_required(
    root: Path, rel: str, kind: str, out: Collector, create: str, limits: Limits = DEFAULT_LIMITS
) -> YamlDoc | None:
    """:func:`_read_yaml` for a file every repository has: when it is missing, an error
    that says how to ``create`` it (once: not also the reader's "file not found")."""
    if not (root / rel).exists():
        out.error(rel, Pos(), "file.missing", f"{rel} is missing", create)
        return None
    return _read_yaml(root, rel, kind, out, limits=limits)


def _read_instant(
    value: Any,
    tz: tzinfo,
    src: Source,
    keys: tuple[str | int, ...],
    out: Collector,
    *,
    end_of_day: bool = False,
) -> datetime | None:
    """A date or time written in a file, as an instant; a problem is reported at ``keys``."""
    try:
        return parse_when(str(value), tz, end_of_day=end_of_day).instant
    except TimeProblem as p:
        out.error(src.path, src.pos(*keys), p.code, p.message, p.suggestion)
        return None


def _date(value: Any, src: Source, keys: tuple[str | int, ...], out: Collector) -> date | None:
    try:
        return parse_date(str(value))
    except TimeProblem as p:
        out.error(src.path, src.pos(*keys), p.code, p.message, p.suggestion)
        return None


def _interned(items: Iterable[Any]) -> tuple[Any, ...]:
    """``items`` as a tuple, its texts interned: channel ids, tags and campaigns repeat across
    thousands of posts, and one copy of each is enough."""
    try:
        return tuple(map(sys.intern, items))
    except TypeError:  # not all text (the schema decides what is reported)
        return tuple(sys.intern(i) if type(i) is str else i for i in items)


def _media(items: Any, src: Source, keys: tuple[str | int, ...]) -> tuple[MediaRef, ...]:
    return tuple(
        MediaRef(str(m["file"]), m.get("alt"), Source(src.path, src.doc, (*keys, i)))
        for i, m in enumerate(items or ())
    )


# ---------------------------------------------------------------- one kind each


def load_settings(root: Path, out: Collector) -> Settings:
    doc = _read_yaml(root, layout.MARKER, "workspace", out)
    if doc is None or not isinstance(doc.data, dict):
        return Settings()
    data = doc.data
    publish = data.get("publish") or {}
    lateness = Settings().lateness
    if "lateness" in publish:
        try:
            lateness = parse_duration(publish["lateness"])
        except TimeProblem as p:
            out.error(
                layout.MARKER, doc.pos(("publish", "lateness")), p.code, p.message, p.suggestion
            )
    interval = Settings().interval
    if "interval" in publish:
        try:
            interval = parse_duration(publish["interval"])
        except TimeProblem as p:
            out.error(
                layout.MARKER, doc.pos(("publish", "interval")), p.code, p.message, p.suggestion
            )
    return Settings(
        lateness=lateness,
        interval=interval,
        max_attempts=int(publish.get("max_attempts", 5)),
        metrics_window_days=int((data.get("metrics") or {}).get("window_days", 90)),
        site_url=(data.get("site") or {}).get("url"),
        limits=_limits_setting(data.get("limits") or {}),
    )


def _limits_setting(data: dict[str, Any]) -> Limits:
    """tidings.yaml ``limits`` (kilobytes, already checked by the schema) in bytes."""
    default = Limits()
    return Limits(
        post_bytes=int(data.get("post_kb", default.post_bytes // 1024)) * 1024,
        yaml_bytes=int(data.get("yaml_kb", default.yaml_bytes // 1024)) * 1024,
    )


def load_brand(root: Path, out: Collector, limits: Limits = DEFAULT_LIMITS) -> Brand | None:
    doc = _read_required(
        root,
        layout.BRAND,
        "brand",
        out,
        "create it with at least `name:` and `timezone:` (e.g. Europe/Berlin)",
        limits,
    )
    if doc is None:
        return None
    data = doc.data
    try:
        tz: tzinfo = ZoneInfo(data["timezone"])
    except (ZoneInfoNotFoundError, ValueError):
        out.error(
            layout.BRAND,
            doc.pos(("timezone",)),
            "brand.timezone",
            f"unknown timezone {data['timezone']!r}",
            "use an IANA name such as Europe/Berlin or America/New_York",
        )
        return None
    return Brand(
        name=data["name"],
        timezone=tz,
        language=data.get("language", "en"),
        source=Source(layout.BRAND, doc),
        website=data.get("website"),
        voice=_voice(data.get("voice") or {}),
        words=_words(data.get("words") or {}),
        max_grade=(data.get("reading_level") or {}).get("max_grade"),
        hashtags=_hashtags(data.get("hashtags") or {}),
        max_emoji=(data.get("emoji") or {}).get("max"),
        disclosure=_disclosure(data.get("disclosure")),
        utm=_utm(((data.get("links") or {}).get("utm")) or {}),
        own_domains=_own_domains(data.get("links") or {}, data.get("website")),
        alt_text=data.get("alt_text", "required"),
        cadence=_cadence(data.get("cadence") or {}),
        inbox=_inbox(data.get("inbox") or {}),
        profile=_profile(data.get("profile") or {}, data["name"], data.get("website")),
        evergreen_min_gap=_min_gap((data.get("evergreen") or {}).get("min_gap")),
        listening=_listening(data.get("listening") or {}),
        severity_overrides=dict(data.get("rules") or {}),
        bio_links=tuple(
            BioLink(str(item["label"]), str(item["url"])) for item in data.get("bio_links") or ()
        ),
    )


# brand.yaml's sections, already checked against brand.schema.json, as typed values


def _voice(data: dict[str, Any]) -> Voice:
    return Voice(data.get("summary"), tuple(data.get("do") or ()), tuple(data.get("dont") or ()))


def _words(data: dict[str, Any]) -> Words:
    return Words(
        banned=tuple(data.get("banned") or ()),
        preferred=dict(data.get("preferred") or {}),
        buzzwords=tuple(data.get("buzzwords") or ()),
    )


def _hashtags(data: dict[str, Any]) -> Hashtags:
    return Hashtags(
        max=data.get("max"),
        required=tuple(data.get("required") or ()),
        banned=tuple(data.get("banned") or ()),
        per_platform=dict(data.get("per_platform") or {}),
    )


def _disclosure(data: dict[str, Any] | None) -> Disclosure | None:
    if not data:
        return None
    text = data.get("text")
    texts = (text,) if isinstance(text, str) else tuple(str(t) for t in text or ())
    return Disclosure(tuple(str(t) for t in data.get("tags") or ()), texts)


def _utm(data: dict[str, Any]) -> Utm:
    return Utm(bool(data.get("enabled", False)), str(data.get("medium", "social")))


def _own_domains(links: dict[str, Any], website: object) -> tuple[str, ...]:
    """``links.own_domains``, or the website's domain; lower case, ``www.`` left off."""
    listed = [str(d) for d in links.get("own_domains") or ()]
    if not listed and isinstance(website, str):
        listed = [urlsplit(website).hostname or ""]
    return tuple(d.rstrip(".").lower().removeprefix("www.") for d in listed if d)


def _quiet_hours(value: object) -> QuietHours | None:
    """``{from, to}`` as clock times; None for ``false`` or when they are equal (no quiet)."""
    if not isinstance(value, dict):
        return None
    start, end = time.fromisoformat(value["from"]), time.fromisoformat(value["to"])
    return QuietHours(start, end) if start != end else None


def _min_gap(value: str | None) -> timedelta | None:
    try:
        return parse_duration(value) if value is not None else None
    except TimeProblem:  # the schema reports it
        return None


def _limits(data: dict[str, Any], own: dict[str, Any]) -> CadenceLimits:
    """Brand-wide cadence ``data`` with one channel's ``own`` keys taking precedence."""
    merged = {**data, **own}
    return CadenceLimits(
        quiet_hours=_quiet_hours(merged.get("quiet_hours")),
        min_gap=_min_gap(merged.get("min_gap")),
        max_per_day=merged.get("max_per_day"),
        min_per_week=merged.get("min_per_week"),
    )


def _inbox(data: dict[str, Any]) -> InboxSettings:
    days = data.get("keep_text_days")
    return InboxSettings(
        keep_text=data.get("keep_text") is True,
        keep_text_days=int(days) if days is not None else None,
        respond_within=_min_gap(data.get("respond_within")),
    )


def _profile(data: dict[str, Any], name: str, website: str | None) -> ProfileSettings:
    return ProfileSettings(
        name=data.get("name") or name,
        bio=data.get("bio"),
        bios=dict(data.get("bios") or {}),
        link=data.get("link") or website,
    )


def _listening(data: dict[str, Any]) -> Listening:
    return Listening(
        keywords=tuple(dict.fromkeys(str(k).strip() for k in data.get("keywords") or ())),
        hashtags=tuple(dict.fromkeys(str(h).lstrip("#") for h in data.get("hashtags") or ())),
    )


def _cadence(data: dict[str, Any]) -> Cadence:
    channels = data.get("channels") or {}
    return Cadence(
        limits=_limits(data, {}),
        channels={cid: _limits(data, own or {}) for cid, own in channels.items()},
    )


def load_channels(
    root: Path, out: Collector, limits: Limits = DEFAULT_LIMITS
) -> dict[str, Channel]:
    doc = _read_required(
        root,
        layout.CHANNELS,
        "channels",
        out,
        "create it with a `channels:` mapping (see the file formats page)",
        limits,
    )
    if doc is None:
        return {}
    channels: dict[str, Channel] = {}
    for cid, c in doc.data["channels"].items():
        channels[cid] = Channel(
            id=cid,
            platform=c["platform"],
            source=Source(layout.CHANNELS, doc, ("channels", cid)),
            account=c.get("account"),
            credentials=dict(c.get("credentials") or {}),
            max_characters=c.get("max_characters"),
            utm=c.get("utm", True),
            color=c.get("color"),
            media_base_url=c.get("media_base_url"),
            path=c.get("path"),
            default=c.get("default", False),
        )
    return channels


def load_calendar(
    root: Path, rel: str, tz: tzinfo, out: Collector, limits: Limits = DEFAULT_LIMITS
) -> Calendar | None:
    doc = _read_yaml(root, rel, "calendar", out, limits=limits)
    if doc is None:
        return None
    data = doc.data or {}
    campaigns: list[Campaign] = []
    for i, c in enumerate(data.get("campaigns") or ()):
        src = Source(rel, doc, ("campaigns", i))
        start, end = _date(c["start"], src, ("start",), out), _date(c["end"], src, ("end",), out)
        if start and end:
            campaigns.append(
                Campaign(c["id"], c["name"], start, end, src, c.get("description"), c.get("color"))
            )
    key_dates: list[KeyDate] = []
    for i, k in enumerate(data.get("key_dates") or ()):
        src = Source(rel, doc, ("key_dates", i))
        day = _date(k["date"], src, ("date",), out)
        if day:
            key_dates.append(KeyDate(day, k["name"], src, k.get("note")))
    blackouts: list[Blackout] = []
    for i, b in enumerate(data.get("blackouts") or ()):
        src = Source(rel, doc, ("blackouts", i))
        start_at = _read_instant(b["start"], tz, src, ("start",), out)
        end_at = _read_instant(b["end"], tz, src, ("end",), out, end_of_day=True)
        if start_at and end_at:
            blackouts.append(
                Blackout(start_at, end_at, b["reason"], src, tuple(b.get("channels") or ()))
            )
    slots: list[Slot] = []
    for i, s in enumerate(data.get("slots") or ()):
        src = Source(rel, doc, ("slots", i))
        slots.append(
            Slot(
                s["name"],
                tuple(s["days"]),
                time.fromisoformat(s["time"]),
                src,
                tuple(s.get("channels") or ()),
            )
        )
    return Calendar(rel, tuple(campaigns), tuple(key_dates), tuple(blackouts), tuple(slots))


def _front_matter(
    root: Path, rel: str, kind: str, out: Collector, limits: Limits
) -> tuple[YamlDoc, str, int, Any, Any] | None:
    """A Markdown file's front matter, body and body's first line, what the loader derived
    from them before (None unless kept: see :func:`_derive`), and the lines of its further
    bodies and a few values (:func:`_marks`)."""
    cached = _cached(root, rel, kind)
    if cached is not None and cached[1] is not None:
        return cached[0], cached[1], cached[2], cached[3], cached[4]
    info = _stat_before(rel)
    full = os.path.join(root, rel)  # text: 12,000 Path joins take 0.04 s, these 0.01 s
    text = _parse(rel, out, "", lambda: read_text(full, limits.post_bytes, "post_kb"))
    if text is None:
        return None
    digest = filecache.text_digest(text)
    cached = _cached(root, rel, kind, text, digest)
    if cached is not None and cached[1] is not None:
        return cached[0], cached[1], cached[2], cached[3], cached[4]

    def parse() -> tuple[YamlDoc, FrontMatterSplit]:
        split = split_front_matter(text)
        return parse_yaml(split.front_matter, split.fm_line_offset), split

    parsed = _parse(rel, out, "the front matter is not valid YAML", parse)
    if parsed is None:
        return None
    doc, split = parsed
    if doc.data is None:
        doc = YamlDoc({}, None, split.fm_line_offset, plain=True)
    problems = validate(kind, doc, rel)
    out.extend(problems)
    if problems:
        return None
    marks = _marks(doc)
    _keep(rel, kind, info, digest, doc, split.body, split.body_line, marks)
    light = _light(doc, root, rel, digest, True, marks)
    return light, split.body, split.body_line, None, marks


def _marks(doc: YamlDoc) -> Any:
    """Where a post's further bodies start (each variant's ``body``, each of ``rotations``)
    and where its ``at`` and ``channels`` are, from the node tree while it is at hand, as
    ``{"variants": {channel: line}, "rotations": [line, ...], "at": [line, column],
    "channels": [line, column]}``. Kept in the file's cache entry, so a post taken back by
    its text (a fresh clone with CI's cache) numbers those lines without parsing, and with
    the loaded post (``_Origin.known``), so the findings that ask for them parse nothing."""
    data: dict[str, Any] = doc.data if isinstance(doc.data, dict) else {}
    variants: dict[str, Any] = data.get("variants") or {}
    rotations: list[Any] = data.get("rotations") or []
    if not isinstance(variants, dict) or not isinstance(rotations, list):
        return None
    found = {
        "variants": {
            str(cid): doc.pos(("variants", cid, "body")).line
            for cid, v in variants.items()
            if isinstance(v, dict) and "body" in v
        },
        "rotations": [doc.pos(("rotations", i)).line for i in range(len(rotations))],
    }
    for key in _KNOWN:
        if key in data:
            pos = doc.pos((key,))
            found[key] = [pos.line, pos.column]
    return found


def _marked(marks: Any, doc: YamlDoc, path: tuple[str | int, ...]) -> int:
    """The line :func:`_marks` kept for ``path``, else the document's own answer."""
    with contextlib.suppress(KeyError, IndexError, TypeError):
        line = marks[path[0]][path[1]]
        if type(line) is int:
            return line
    return doc.pos(path).line


def _thread(body: str, line: int, rel: str, out: Collector) -> tuple[Part, ...]:
    parts, lone = split_thread(body, line)
    for sep in lone:
        out.warn(
            rel,
            Pos(sep.line, 1),
            "thread.separator",
            "this `---` touches text, so it does not split the thread and is published as text",
            "put a blank line before and after `---` to start a new part, or remove it",
        )
    if len(parts) > 1:
        for part in parts:
            if not part.text:
                out.error(
                    rel,
                    Pos(part.line, 1),
                    "thread.empty-part",
                    "this thread part is empty",
                    "remove the extra `---` line or write the part",
                )
    return parts


def load_post(
    root: Path, rel: str, tz: tzinfo, out: Collector, limits: Limits = DEFAULT_LIMITS
) -> Post | None:
    loaded = _front_matter(root, rel, "post", out, limits)
    if loaded is None:
        return None
    doc, body, body_line, derived, marks = loaded
    data = doc.data
    doc = doc.without_data()  # the post keeps what it read, and positions, not the raw data
    src = Source(rel, doc)
    if derived is not None:
        post = _rebuilt_post(rel, data, src, body, derived, tz)
        if post is not None:
            return post
    before = len(out.items)
    parts = _thread(body, body_line, rel, out)
    at = _read_instant(data["at"], tz, src, ("at",), out) if "at" in data else None
    if at is not None and parse_when(str(data["at"]), tz).date_only:
        out.error(
            rel,
            src.pos("at"),
            "date.no-time",
            f"`at: {data['at']}` has no time of day",
            f"write the time it should go out, e.g. `at: {data['at']} 09:00`",
        )
        at = None
    expires = (
        _read_instant(data["expires"], tz, src, ("expires",), out) if "expires" in data else None
    )
    variants: dict[str, Variant] = {}
    bodies = data.get("rotations") or any(
        "body" in v for v in (data.get("variants") or {}).values()
    )
    # the lines of the bodies: kept from the parse, else (an old entry) parsed once again
    lines = doc if marks is not None or not bodies else doc.with_node()
    for cid, v in (data.get("variants") or {}).items():
        vsrc = Source(rel, doc, ("variants", cid))
        vparts = None
        if "body" in v:
            vline = _marked(marks, lines, ("variants", cid, "body"))
            vparts = _thread(str(v["body"]), vline, rel, out)
        vat = _read_instant(v["at"], tz, vsrc, ("at",), out) if "at" in v else None
        vmedia = _media(v["media"], src, ("variants", cid, "media")) if "media" in v else None
        vopts = v.get("options") if isinstance(v.get("options"), dict) else {}
        (cid,) = _interned((cid,))
        variants[cid] = Variant(cid, vsrc, vparts, vat, vmedia, dict(vopts))
    rotations = tuple(
        _thread(str(body), _marked(marks, lines, ("rotations", i)), rel, out)
        for i, body in enumerate(data.get("rotations") or ())
    )
    if any(d.severity is Severity.ERROR and d.code.startswith("date.") for d in out.items[before:]):
        # An unusable time: the post is built unscheduled (no `at` anywhere, so it can never go
        # out at the wrong hour, nor at the post's time for a variant whose own time is broken),
        # and the other rules still report the rest of what is wrong with it.
        at = None
        variants = {cid: replace(v, at=None) for cid, v in variants.items()}
    post = _post(rel, data, src, parts, content_hash(parts), at, expires, variants, rotations)
    if len(out.items) == before:  # nothing to report: what was worked out here is kept
        _derive(rel, post, tz, body, data)
    return post


def _post(
    rel: str,
    data: dict[str, Any],
    src: Source,
    parts: tuple[Part, ...],
    digest: str,
    at: datetime | None,
    expires: datetime | None,
    variants: dict[str, Variant],
    rotations: tuple[tuple[Part, ...], ...],
) -> Post:
    return Post(
        id=layout.post_id(rel),
        title=data["title"],
        source=src,
        channels=_interned(data["channels"]),
        parts=parts,
        content_hash=digest,
        at=at,
        campaign=_interned((data.get("campaign"),))[0],
        tags=_interned(data.get("tags") or ()),
        media=_media(data.get("media"), src, ("media",)),
        expires=expires,
        draft=bool(data.get("draft", False)),
        retract=data.get("retract", False) is True,
        link_card=data["link_card"] if isinstance(data.get("link_card"), bool) else None,
        link=str(data["link"]) if data.get("link") else None,
        variants=variants,
        evergreen=data.get("evergreen", False) is True,
        rotations=rotations,
    )


# What load_post works out from a post file that has nothing to report (its thread parts and
# their hash, its times in the brand's zone) is kept with the file's cache entry and taken
# back while the entry is (the file, tidings.yaml and brand/ unchanged: the zone with them).


class _NotKept(Exception):
    """A value that is not kept (a time with an offset of its own): worked out each time."""


def _derive(rel: str, post: Post, tz: tzinfo, body: str, data: dict[str, Any]) -> None:
    cache = filecache.active()
    if cache is None:
        return
    vdata = data.get("variants") or {}
    rotations = data.get("rotations") or ()
    try:
        value = [
            _parts_kept(post.parts, body),
            post.content_hash,
            _instant_kept(post.at, tz),
            _instant_kept(post.expires, tz),
            {
                cid: [
                    _instant_kept(v.at, tz),
                    None if v.parts is None else _parts_kept(v.parts, str(vdata[cid]["body"])),
                ]
                for cid, v in post.variants.items()
            },
            [_parts_kept(r, str(text)) for r, text in zip(post.rotations, rotations, strict=True)],
        ]
    except _NotKept:
        return
    cache.derive(rel, value)


def _parts_kept(parts: tuple[Part, ...], source: str) -> list[Any]:
    """Each part as where its text is in ``source`` (the text it was split from) and its
    line: ``[start, end, line]``, the text not written twice."""
    kept: list[Any] = []
    for part in parts:
        start = source.find(part.text)
        if start < 0:
            raise _NotKept
        kept.append([start, start + len(part.text), part.line])
    return kept


def _instant_kept(moment: datetime | None, tz: tzinfo) -> str | None:
    """``z`` and the wall time in the brand's zone ``tz``, or ``u`` and the time in UTC."""
    if moment is None:
        return None
    if moment.fold == 0 and moment.tzinfo is tz:
        return "z" + moment.replace(tzinfo=None).isoformat()
    if moment.fold == 0 and moment.tzinfo is UTC:
        return "u" + moment.replace(tzinfo=None).isoformat()
    raise _NotKept


def _parts_taken(value: Any, source: str) -> tuple[Part, ...]:
    parts = tuple(Part(source[start:end], line) for start, end, line in value)
    if not all(type(p.line) is int for p in parts) or not all(
        type(start) is int and type(end) is int for start, end, _ in value
    ):
        raise TypeError("not a part")
    return parts


def _instant_taken(value: Any, tz: tzinfo) -> datetime | None:
    if value is None:
        return None
    naive = datetime.fromisoformat(value[1:])
    if naive.tzinfo is not None:
        raise ValueError("not a wall time")
    if value[0] == "u":
        return naive.replace(tzinfo=UTC)
    if value[0] != "z":
        raise ValueError("not a kept time")
    moment = naive.replace(tzinfo=tz)
    if moment.utcoffset() != moment.replace(fold=1).utcoffset():  # the zone's rules changed
        raise ValueError("an ambiguous or skipped wall time")
    return moment


def _rebuilt_post(
    rel: str, data: dict[str, Any], src: Source, body: str, derived: Any, tz: tzinfo
) -> Post | None:
    """The post :func:`_derive` kept for this file; None when the kept value is unusable
    (then the post is worked out again)."""
    try:
        parts, digest, at, expires, kept_variants, rotations = derived
        variants: dict[str, Variant] = {}
        for cid, v in (data.get("variants") or {}).items():
            vat, vparts = kept_variants[cid]
            vmedia = _media(v["media"], src, ("variants", cid, "media")) if "media" in v else None
            vopts = v.get("options") if isinstance(v.get("options"), dict) else {}
            (cid,) = _interned((cid,))
            variants[cid] = Variant(
                cid,
                Source(rel, src.doc, ("variants", cid)),
                None if vparts is None else _parts_taken(vparts, str(v["body"])),
                _instant_taken(vat, tz),
                vmedia,
                dict(vopts),
            )
        if len(kept_variants) != len(variants) or type(digest) is not str:
            return None
        return _post(
            rel,
            data,
            src,
            _parts_taken(parts, body),
            digest,
            _instant_taken(at, tz),
            _instant_taken(expires, tz),
            variants,
            tuple(
                _parts_taken(r, str(text))
                for r, text in zip(rotations, data.get("rotations") or (), strict=True)
            ),
        )
    except (ValueError, TypeError, KeyError, IndexError):
        return None


def load_saved_replies(
    root: Path, out: Collector, limits: Limits = DEFAULT_LIMITS
) -> dict[str, SavedReply]:
    """``brand/replies.yaml`` (optional): the brand's saved replies by name."""
    doc = _read_yaml(root, layout.SAVED_REPLIES, "replies", out, optional=True, limits=limits)
    if doc is None:
        return {}
    saved: dict[str, SavedReply] = {}
    for name, item in (doc.data.get("replies") or {}).items():
        src = Source(layout.SAVED_REPLIES, doc, ("replies", name))
        body_line = src.pos("body").line
        text = str(item["body"]).strip()
        saved[name] = SavedReply(
            name=name,
            parts=(Part(text, body_line),),
            source=src,
            channels=tuple(item.get("channels") or ()),
            description=item.get("description"),
        )
    return saved


def load_reply(
    root: Path,
    rel: str,
    tz: tzinfo,
    out: Collector,
    saved: dict[str, SavedReply],
    limits: Limits = DEFAULT_LIMITS,
) -> Post | None:
    """A reply file (``content/replies/<slug>.md``) as a :class:`Post` with ``in_reply_to``.

    Its ``channels`` are those the file names (at most one) or none: the URL implies the
    channel, which ``tidings.core.replies`` works out from the platform table. Without
    ``at`` it is due as soon as it is merged (see ``core.plan``). With ``saved:`` and an
    empty body, the body is the saved reply's."""
    loaded = _front_matter(root, rel, "reply", out, limits)
    if loaded is None:
        return None
    doc, body, body_line, _, _ = loaded
    data = doc.data
    src = Source(rel, doc.without_data())
    parts = _thread(body, body_line, rel, out)
    name = data.get("saved")
    if name is not None:
        if body.strip():
            out.error(
                rel,
                src.pos("saved"),
                "reply.saved",
                f"this reply has both `saved: {name}` and a body of its own",
                "remove the body to send the saved reply, or remove `saved:` to send the body",
            )
        elif name not in saved:
            known = ", ".join(sorted(saved)) or "none yet"
            out.error(
                rel,
                src.pos("saved"),
                "reply.saved",
                f"no saved reply `{name}` in {layout.SAVED_REPLIES} (known: {known})",
                f"write its name as in {layout.SAVED_REPLIES}, or add it there",
            )
        else:
            line = src.pos("saved").line
            parts = tuple(Part(p.text, line) for p in saved[name].parts)
    elif not body.strip():
        out.error(
            rel,
            Pos(body_line, 1),
            "reply.empty",
            "this reply has no text",
            "write the answer below the front matter, or name a saved reply with `saved: NAME`",
        )
    at = _read_instant(data["at"], tz, src, ("at",), out) if "at" in data else None
    if at is not None and parse_when(str(data["at"]), tz).date_only:
        out.error(
            rel,
            src.pos("at"),
            "date.no-time",
            f"`at: {data['at']}` has no time of day",
            f"write the time it should go out, e.g. `at: {data['at']} 09:00`, or leave `at` "
            "out to send it as soon as it is merged",
        )
        at = None
    pid = layout.post_id(rel)
    return Post(
        id=pid,
        title=str(data.get("title") or pid.rsplit("/", 1)[-1]),
        source=src,
        channels=tuple(data.get("channels") or ()),
        parts=parts,
        content_hash=content_hash(parts),
        at=at,
        draft=bool(data.get("draft", False)),
        retract=data.get("retract", False) is True,
        in_reply_to=str(data["in_reply_to"]),
        saved=name,
    )


def load_idea(root: Path, rel: str, out: Collector, limits: Limits = DEFAULT_LIMITS) -> Idea | None:
    loaded = _front_matter(root, rel, "idea", out, limits)
    if loaded is None:
        return None
    doc, body, _, _, _ = loaded
    data = doc.data
    src = Source(rel, doc)
    created = _date(data["created"], src, ("created",), out) if "created" in data else None
    return Idea(
        id=rel.rsplit("/", 1)[-1][: -len(".md")],
        title=data["title"],
        status=data["status"],
        source=src,
        reason=data.get("reason"),
        tags=tuple(data.get("tags") or ()),
        created=created,
        post=data.get("post"),
        body=body.strip(),
    )


def load_goals(root: Path, out: Collector, limits: Limits = DEFAULT_LIMITS) -> tuple[Goal, ...]:
    doc = _read_yaml(root, layout.GOALS, "goals", out, optional=True, limits=limits)
    if doc is None:
        return ()
    goals = []
    for i, g in enumerate(doc.data.get("goals") or ()):
        src = Source(layout.GOALS, doc, ("goals", i))
        by = _date(g["by"], src, ("by",), out)
        if by:
            goals.append(
                Goal(
                    g["id"],
                    g["metric"],
                    float(g["target"]),
                    by,
                    src,
                    g.get("channel"),
                    g.get("description"),
                )
            )
    return tuple(goals)


def load_competitors(
    root: Path, out: Collector, limits: Limits = DEFAULT_LIMITS
) -> tuple[Competitor, ...]:
    doc = _read_yaml(root, layout.COMPETITORS, "competitors", out, optional=True, limits=limits)
    if doc is None:
        return ()
    return tuple(
        Competitor(
            c["name"],
            tuple(CompetitorAccount(a["platform"], a["handle"]) for a in c["accounts"]),
            Source(layout.COMPETITORS, doc, ("competitors", i)),
        )
        for i, c in enumerate(doc.data.get("competitors") or ())
    )


def load_ledger_entry(
    root: Path, rel: str, out: Collector, limits: Limits = DEFAULT_LIMITS
) -> LedgerEntry | None:
    doc = _read_yaml(root, rel, "ledger", out, limits=limits)
    if doc is None:
        return None
    entry = read_entry(rel, doc)
    pid = layout.ledger_post_id(rel)
    if doc.data["post"] != pid:
        out.error(
            rel,
            doc.pos(("post",)),
            "ledger.mismatch",
            f"this ledger file is for {pid!r} but says post: {doc.data['post']!r}",
            "ledger files are written by CI; restore this file from git history",
        )
    return entry


# ---------------------------------------------------------------- the whole workspace


def _triage(
    root: Path, out: Collector, limits: Limits
) -> tuple[tuple[Triage, ...], frozenset[str] | None]:
    """``content/inbox.yaml`` and, when it lists anything, the addresses ``inbox/`` records
    (None when a file there does not read: the run that writes them reports it)."""
    doc = _read_yaml(root, layout.TRIAGE, "triage", out, optional=True, limits=limits)
    entries = triage_entries(doc) if doc is not None else ()
    if not entries:
        return entries, None
    try:
        return entries, item_urls(root)
    except InboxError:
        return entries, None


def _load_many(items: Iterable[str], load: Callable[[str], T | None]) -> list[T]:
    return [obj for obj in (load(rel) for rel in items) if obj is not None]


PARALLEL_POSTS = 400
"""Fewer files of a kind to parse than this (posts, ledger files) are loaded in one process
(and fewer posts to check are checked in one, see :mod:`tidings.check.runner`): forking and
sending the results back would cost more than it saves."""


SHARE_WHEN_READ = 0.5
"""The share of files a load must read (and parse, or take back by their text, see
:meth:`~tidings.workspace.filecache.FileCache.to_read`) from which it is shared out: below
it, most files are taken back from the cache unread, which a worker would not do faster
than the time it takes to send their posts back."""


def _load_shared(
    rels: list[str],
    load: Callable[[str, Collector], T | None],
    out: Collector,
    jobs: int,
    what: str,
    kind: str,
    before: Callable[[], None] | None = None,
) -> list[T]:
    """``load(rel, out)`` for each of ``rels``, in order (what could not be loaded left
    out); with ``jobs`` above 1 and many files that must be read (not in the file cache, or
    changed in size or time since, as in a fresh clone with a restored cache), in that many
    processes: this one loads the first spans of them while forked workers load the others
    (see :func:`~tidings.processes.run_spans`), and send back what they loaded (``what``:
    "posts"), their diagnostics and their cache lines.
    The result, and the file cache, are the same, in the same order, either way. ``kind``:
    the files' schema, compiled once here, not once per worker. ``before``: other work for
    this process while the workers start, called only when they are forked (this process
    then takes fewer spans)."""
    cache = filecache.active()
    if (
        jobs <= 1
        or len(rels) < PARALLEL_POSTS
        or (cache is not None and cache.to_read(rels) < SHARE_WHEN_READ)
    ):
        return _load_many(rels, lambda rel: load(rel, out))
    fast_validator(kind)
    if cache is not None:
        cache.before_fork()
    parent = os.getpid()
    # the workers' cache lines, on disk until taken in, removed below whatever happens
    spools = tempfile.mkdtemp(prefix="tidings-load-") if cache is not None else ""

    def share(start: int, end: int) -> tuple[list[str], list[T | None], list[Diagnostic], Any]:
        mine = rels[start:end]
        if os.getpid() == parent:  # this process's share: straight into out and the cache
            return [], [load(rel, out) for rel in mine], [], None
        if cache is not None:
            cache.private(spools)
        found = Collector()
        loaded = [load(rel, found) for rel in mine]
        return mine, loaded, found.items, cache.taken() if cache is not None else None

    try:
        results, _ = run_spans(
            share, len(rels), jobs, f"loading the {what}", here=True, before=before, collect=False
        )
        done: list[T] = []
        for result in results:
            mine, loaded, found, spooled = result  # type: ignore[misc]
            done.extend(x for x in loaded if x is not None)
            out.extend(found)
            if cache is not None:
                cache.adopt(mine, spooled)
        return done
    finally:
        if spools:
            shutil.rmtree(spools, ignore_errors=True)


Prepare = Callable[[Brand | None, Mapping[str, Channel]], None]
"""What a caller of :func:`load_workspace` has this process do while forked workers load the
posts, given the brand and the channels (loaded first)."""


def load_workspace(
    root: Path,
    *,
    only_posts: Iterable[str] | None = None,
    cache: bool = False,
    jobs: int = 1,
    prepare: Prepare | None = None,
) -> tuple[Workspace, list[Diagnostic]]:
    """Load everything under ``root``.

    With ``only_posts`` (repository-relative paths of posts and ideas), only those posts and
    ideas are parsed; brand, channels, calendars and ledger are always loaded because
    checking one post needs them. ``Workspace.partial`` then says so. With ``cache``, files
    unchanged since an earlier load are taken from ``build/cache/files.json`` instead of
    being parsed again (see :mod:`tidings.workspace.filecache`): the same result, faster.
    ``prepare`` is called only when the posts are loaded by forked workers, while they are
    (the check has this process get ready for its rules meanwhile).
    """
    gc_was_on = gc.isenabled()
    gc.disable()  # loading makes many objects and no cycles; collection passes only cost time
    try:
        with filecache.session(root, enabled=cache, prune=only_posts is None):
            return _load_workspace(root, only_posts, jobs, prepare)
    finally:
        gc.freeze()  # the workspace lives until the command ends: keep it out of later passes
        if gc_was_on:
            gc.enable()


def _load_workspace(
    root: Path, only_posts: Iterable[str] | None, jobs: int = 1, prepare: Prepare | None = None
) -> tuple[Workspace, list[Diagnostic]]:
    require_format(root)  # a newer repository is one clear error, not a field-by-field list
    out = Collector()
    settings = load_settings(root, out)
    limits = settings.limits
    brand = load_brand(root, out, limits)
    tz: tzinfo = brand.timezone if brand else UTC
    channels = load_channels(root, out, limits)
    calendars = _load_many(
        layout.walk(root, layout.CALENDARS, (".yaml", ".yml")),
        lambda rel: load_calendar(root, rel, tz, out, limits),
    )

    saved = load_saved_replies(root, out, limits)
    all_posts = list(layout.walk(root, layout.POSTS, (".md",)))
    all_replies = list(layout.walk(root, layout.REPLIES, (".md",)))
    for rel in all_posts:
        if layout.post_id(rel).startswith(layout.REPLY_PREFIX):
            out.error(
                rel,
                Pos(),
                "ids.reserved",
                f"posts cannot live under {layout.POSTS}/replies/: that name is kept for "
                f"replies ({layout.REPLIES}/)",
                f"move the post to another folder under {layout.POSTS}/",
            )
    all_posts = [r for r in all_posts if not layout.post_id(r).startswith(layout.REPLY_PREFIX)]
    all_ideas = list(layout.walk(root, layout.IDEAS, (".md",)))
    selected = set(only_posts) if only_posts is not None else None
    post_rels = all_posts if selected is None else [p for p in all_posts if p in selected]
    reply_rels = all_replies if selected is None else [p for p in all_replies if p in selected]
    idea_rels = all_ideas if selected is None else [p for p in all_ideas if p in selected]

    posts = {
        p.id: p
        for p in _load_shared(
            post_rels,
            lambda rel, found: load_post(root, rel, tz, found, limits),
            out,
            jobs,
            "posts",
            "post",
            (lambda: prepare(brand, channels)) if prepare is not None else None,
        )
    }
    posts.update(
        (p.id, p)
        for p in _load_many(reply_rels, lambda rel: load_reply(root, rel, tz, out, saved, limits))
    )
    ideas = {i.id: i for i in _load_many(idea_rels, lambda rel: load_idea(root, rel, out, limits))}
    post_files = frozenset(layout.post_id(rel) for rel in (*all_posts, *all_replies))

    ledger_rels = list(layout.walk(root, layout.LEDGER, (".yaml",)))
    if selected is not None:
        # one post's check needs its own ledger entry and the entries whose post is gone
        wanted = {layout.ledger_path(layout.post_id(p)) for p in (*post_rels, *reply_rels)}
        ledger_rels = [
            r for r in ledger_rels if r in wanted or layout.ledger_post_id(r) not in post_files
        ]
    ledger = {
        e.post_id: e
        for e in _load_shared(
            ledger_rels,
            lambda rel, found: load_ledger_entry(root, rel, found, limits),
            out,
            jobs,
            "ledger",
            "ledger",
        )
    }

    triage, inbox_urls = _triage(root, out, limits)
    unreadable = set()
    if not channels:
        unreadable.add("channels")
    if len(calendars) < len(list(layout.walk(root, layout.CALENDARS, (".yaml", ".yml")))):
        unreadable.add("calendars")
    ws = Workspace(
        root=root,
        settings=settings,
        brand=brand,
        channels=channels,
        posts=posts,
        calendars=tuple(calendars),
        ideas=ideas,
        goals=load_goals(root, out, limits),
        competitors=load_competitors(root, out, limits),
        saved_replies=saved,
        ledger=ledger,
        triage=triage,
        inbox_urls=inbox_urls,
        post_files=post_files,
        partial=selected is not None,
        unreadable=frozenset(unreadable),
    )
    return ws, out.items
