"""The account audit: what each channel's public profile says against brand.yaml, how often
it posted against the cadence, and where its engagement is going. Data and decisions only:
the profile readers are in the platform modules (``profile_reader``), the run that reads
and commits is :mod:`tidings.jobs.audit`.

    Profile            one account's public profile, as its platform shows it
    compare            Profile × brand.yaml ``profile`` × the platform's profile spec → findings
    cadence            published posts over the last 90 days (the ledger) against ``cadence``
    trend              engagement of the last 30 days' posts against the 30 days before
    Audit              one day's audit, ``metrics/audits/YYYY-MM-DD.yaml`` (dump / parse)

    keep_earlier       a same-day rerun: an unchanged reading keeps its ``read_at``; a failed one
                       keeps the day's good reading, marked with ``failed_at``

A profile read is stamped ``read_at``; a second run the same day that reads the same profile
keeps the first stamp, so it writes a byte-identical file and nothing is committed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

import yaml

from tidings.core.platforms import PLATFORMS
from tidings.core.profiles import Kind, Wanted, image_kind, image_problems
from tidings.errors import MetricsError
from tidings.metrics.export import post_rows
from tidings.metrics.snapshots import Snapshot
from tidings.workspace import layout
from tidings.workspace.images import ImageInfo
from tidings.workspace.ledger import LedgerState
from tidings.workspace.model import Brand, Workspace
from tidings.workspace.timeparse import utc_stamp

__all__ = [
    "AUDITS",
    "CADENCE_DAYS",
    "INACTIVE_DAYS",
    "TREND_DAYS",
    "Audit",
    "Cadence",
    "ChannelAudit",
    "Finding",
    "Image",
    "OwnImage",
    "Profile",
    "Trend",
    "audit_path",
    "brand_images",
    "cadence",
    "compare",
    "dump_audit",
    "keep_earlier",
    "last_posts",
    "load_audits",
    "parse_audit",
    "trend",
]

AUDITS = f"{layout.METRICS}/audits"
CADENCE_DAYS = 90
INACTIVE_DAYS = 30
TREND_DAYS = 30
FLAT = 0.10
"""A change in median-free average engagement within ±10 % is ``flat``."""


@dataclass(frozen=True)
class Image:
    """A profile image as the platform serves it: its address, and what it measured."""

    url: str
    info: ImageInfo | None = None
    problem: str | None = None
    """Why it could not be measured (not fetched, not an image); None when measured."""
    fingerprint: str | None = field(default=None, compare=False)
    """Its difference hash (:func:`tidings.workspace.images.fingerprint`), compared with the
    brand's own image; not written to the audit file."""


@dataclass(frozen=True)
class OwnImage:
    """One of the brand's profile images in ``brand/profiles/``, measured."""

    path: str
    width: int
    height: int
    fingerprint: str


@dataclass(frozen=True)
class Profile:
    """One account's public profile. ``None``: the platform does not expose that field."""

    display_name: str | None = None
    bio: str | None = None
    links: tuple[str, ...] = ()
    """Every address the profile shows (Mastodon's fields, links in the bio)."""
    avatar: Image | None = None
    banner: Image | None = None
    verified: bool | None = None
    locked: bool | None = None
    url: str | None = None
    not_exposed: tuple[str, ...] = ()
    """Fields the platform's API does not give (``bio``, ``link``, ``avatar``, ``banner``):
    the audit says so instead of reporting them missing."""


@dataclass(frozen=True)
class Finding:
    """One thing to fix on a profile: ``kind`` is ``mismatch``, ``missing`` or ``off-spec``."""

    field: str
    kind: str
    message: str
    expected: str | None = None
    found: str | None = None


@dataclass(frozen=True)
class Cadence:
    days: int
    published: int
    per_week: float
    target_per_week: int | None
    status: str
    """``ok``, ``below`` (fewer than the target) or ``no target``."""


@dataclass(frozen=True)
class Trend:
    direction: str
    """``up``, ``flat``, ``down``, or ``unknown`` (no numbers in one of the two periods)."""
    recent: float | None
    previous: float | None
    recent_posts: int
    previous_posts: int
    days: int = TREND_DAYS
    snapshot: str | None = None


@dataclass(frozen=True)
class ChannelAudit:
    channel: str
    platform: str
    state: str
    """``ok`` (profile read), ``failed`` (the platform failed), ``skipped`` (no reader or no
    credentials; cadence and trend are still audited)."""
    cadence: Cadence
    trend: Trend
    last_post: date | None = None
    inactive: bool = False
    profile: Profile | None = None
    findings: tuple[Finding, ...] = ()
    error: str | None = None
    read_at: datetime | None = None
    """When the profile was read (the first run of the day that read it as it is)."""
    failed_at: datetime | None = None
    """Set when a later run the same day failed to read the profile: the reading kept here
    is the earlier one (``read_at``), ``error`` says why the later run failed."""


@dataclass(frozen=True)
class Audit:
    day: date
    channels: Mapping[str, ChannelAudit] = field(default_factory=dict)

    @property
    def path(self) -> str:
        return audit_path(self.day)


def audit_path(day: date) -> str:
    return f"{AUDITS}/{day.isoformat()}.yaml"


# ---------------------------------------------------------------- the profile


_SPACE = re.compile(r"\s+")


def _norm(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def _norm_link(url: str) -> str:
    url = url.strip().lower()
    url = re.sub(r"^https?://", "", url).removeprefix("www.")
    return url.rstrip("/")


def brand_images(root: Path) -> dict[Kind, OwnImage]:
    """The brand's own profile picture and cover (``brand/profiles/avatar.*``, ``cover.*``,
    ``banner.*`` or ``header.*``), measured and fingerprinted; an unreadable one is left out
    (``tidings check`` reports it)."""
    from tidings.workspace.images import fingerprint, inspect_bytes

    folder = root / layout.PROFILES
    found: dict[Kind, OwnImage] = {}
    if not folder.is_dir():
        return found
    for path in sorted(folder.iterdir()):
        kind = image_kind(path.stem)
        if kind is None or kind in found or not path.is_file():
            continue
        rel = f"{layout.PROFILES}/{path.name}"
        data = path.read_bytes()
        info = inspect_bytes(data, rel)
        hashed = fingerprint(data)
        if isinstance(info, ImageInfo) and hashed is not None:
            width, height = info.shown
            found[kind] = OwnImage(rel, width, height, hashed)
    return found


def compare(
    profile: Profile,
    brand: Brand,
    platform: str,
    own: Mapping[Kind, OwnImage] | None = None,
) -> list[Finding]:
    """What ``profile`` gets wrong or leaves out against brand.yaml ``profile``, the
    platform's profile spec (the platform table's ``profile``, :mod:`tidings.core.profiles`)
    and the brand's own images (``own``, :func:`brand_images`): a live image that is not the
    same picture is a ``mismatch`` naming both sizes. A field the platform does not expose
    (None in the profile, or ``not_exposed``) is not a finding."""
    from tidings.workspace.images import same_picture

    own = own or {}
    wanted = brand.profile
    out: list[Finding] = []

    def text(name: str, expected: str | None, found: str | None) -> None:
        if found is None and expected is None:
            return
        if not found or not found.strip():
            out.append(Finding(name, "missing", f"the profile has no {name}", expected, None))
        elif expected is not None and _norm(found) != _norm(expected):
            out.append(
                Finding(
                    name,
                    "mismatch",
                    f"the {name} differs from brand.yaml's",
                    expected,
                    found,
                )
            )

    text("display name", wanted.name, profile.display_name)
    if "bio" not in profile.not_exposed:
        text("bio", wanted.bio_for(platform), profile.bio)
    if wanted.link is not None and "link" not in profile.not_exposed:
        shown = {_norm_link(link) for link in profile.links}
        if _norm_link(wanted.link) not in shown:
            kind = "mismatch" if profile.links else "missing"
            found = ", ".join(profile.links) or None
            message = (
                f"the profile does not link {wanted.link}"
                if profile.links
                else "the profile shows no link"
            )
            out.append(Finding("link", kind, message, wanted.link, found))
    row = PLATFORMS.get(platform)
    spec = row.profile if row is not None else None
    images: tuple[tuple[str, Kind, Image | None], ...] = (
        ("avatar", "avatar", profile.avatar),
        ("banner", "cover", profile.banner),
    )
    for name, kind, image in images:
        if name in profile.not_exposed:
            continue
        if image is None:
            out.append(Finding(name, "missing", f"the profile has no {name}"))
            continue
        if image.info is None:
            why = image.problem or "it could not be read"
            out.append(Finding(name, "off-spec", f"the {name} could not be measured: {why}"))
            continue
        mine = own.get(kind)
        if (
            mine is not None
            and image.fingerprint
            and not same_picture(mine.fingerprint, image.fingerprint)
        ):
            width, height = image.info.shown
            out.append(
                Finding(
                    name,
                    "mismatch",
                    f"the {name} is not the picture in {mine.path}",
                    f"{mine.path} ({mine.width}×{mine.height})",
                    f"{width}×{height}",
                )
            )
        if spec is None or row is None:
            continue
        # the platform re-encodes what it shows: only its shape and size can be judged
        for problem in image_problems(
            f"the {name}",
            image.info,
            kind,
            [Wanted(row.label, spec)],
            sizes=False,
        ):
            width, height = image.info.shown
            out.append(Finding(name, "off-spec", problem.message, None, f"{width}×{height}"))
    return out


# ---------------------------------------------------------------- the ledger and metrics


def _published(ws: Workspace) -> dict[str, list[datetime]]:
    found: dict[str, list[datetime]] = {}
    for entry in ws.ledger.values():
        for cid, rec in entry.channels.items():
            if rec.state is LedgerState.PUBLISHED and rec.published_at is not None:
                found.setdefault(cid, []).append(rec.published_at)
    return found


def last_posts(ws: Workspace) -> dict[str, datetime]:
    """Per channel, when its latest post (in the ledger) went out."""
    return {cid: max(times) for cid, times in _published(ws).items()}


def cadence(ws: Workspace, channel: str, now: datetime) -> Cadence:
    """Posts the ledger records as published on ``channel`` in the last :data:`CADENCE_DAYS`
    days, per week, against brand.yaml's ``min_per_week`` for it."""
    since = now - timedelta(days=CADENCE_DAYS)
    count = sum(since <= t <= now for t in _published(ws).get(channel, []))
    per_week = round(count / (CADENCE_DAYS / 7), 2)
    target = ws.brand.cadence.for_channel(channel).min_per_week if ws.brand else None
    status = "no target" if target is None else "ok" if per_week >= target else "below"
    return Cadence(CADENCE_DAYS, count, per_week, target, status)


def trend(ws: Workspace, snapshot: Snapshot | None, channel: str, now: datetime) -> Trend:
    """Average engagement (likes + reposts + replies + quotes, as the dashboards count it) of
    the posts published on ``channel`` in the last :data:`TREND_DAYS` days against those of
    the days before, read from ``snapshot`` (the latest one). Within ±10 % is ``flat``."""
    if snapshot is None:
        return Trend("unknown", None, None, 0, 0)
    recent: list[int] = []
    previous: list[int] = []
    cut, start = now - timedelta(days=TREND_DAYS), now - timedelta(days=2 * TREND_DAYS)
    for row in post_rows(ws, [snapshot]):
        if row.channel != channel or row.published_at is None or row.engagement is None:
            continue
        if cut < row.published_at <= now:
            recent.append(row.engagement)
        elif start < row.published_at <= cut:
            previous.append(row.engagement)
    new = round(sum(recent) / len(recent), 2) if recent else None
    old = round(sum(previous) / len(previous), 2) if previous else None
    where = snapshot.path or None
    if new is None or old is None:
        return Trend("unknown", new, old, len(recent), len(previous), snapshot=where)
    if old == 0:
        direction = "flat" if new == 0 else "up"
    else:
        change = (new - old) / old
        direction = "up" if change > FLAT else "down" if change < -FLAT else "flat"
    return Trend(direction, new, old, len(recent), len(previous), snapshot=where)


def inactive(last: datetime | None, now: datetime) -> bool:
    return last is None or now - last > timedelta(days=INACTIVE_DAYS)


def local_day(moment: datetime | None, tz: tzinfo) -> date | None:
    return moment.astimezone(tz).date() if moment is not None else None


# ---------------------------------------------------------------- the file


def _image_entry(image: Image | None) -> dict[str, Any] | None:
    if image is None:
        return None
    entry: dict[str, Any] = {"url": image.url}
    if image.info is not None:
        width, height = image.info.shown
        entry.update(width=width, height=height, format=image.info.format)
    if image.problem:
        entry["problem"] = image.problem
    return entry


def _profile_entry(p: Profile) -> dict[str, Any]:
    return {
        "display_name": p.display_name,
        "bio": p.bio,
        "links": list(p.links),
        "avatar": _image_entry(p.avatar),
        "banner": _image_entry(p.banner),
        "verified": p.verified,
        "locked": p.locked,
        "url": p.url,
        **({"not_exposed": list(p.not_exposed)} if p.not_exposed else {}),
    }


def _finding_entry(f: Finding) -> dict[str, Any]:
    entry: dict[str, Any] = {"field": f.field, "kind": f.kind, "message": f.message}
    if f.expected is not None:
        entry["expected"] = f.expected
    if f.found is not None:
        entry["found"] = f.found
    return entry


def _channel_entry(c: ChannelAudit) -> dict[str, Any]:
    entry: dict[str, Any] = {"platform": c.platform, "state": c.state}
    if c.error:
        entry["error"] = c.error
    if c.read_at is not None:
        entry["read_at"] = utc_stamp(c.read_at)
    if c.failed_at is not None:
        entry["failed_at"] = utc_stamp(c.failed_at)
    if c.profile is not None:
        entry["profile"] = _profile_entry(c.profile)
    entry["findings"] = [_finding_entry(f) for f in c.findings]
    entry["cadence"] = {
        "days": c.cadence.days,
        "published": c.cadence.published,
        "per_week": c.cadence.per_week,
        "target_per_week": c.cadence.target_per_week,
        "status": c.cadence.status,
    }
    entry["last_post"] = c.last_post.isoformat() if c.last_post else None
    entry["inactive"] = c.inactive
    entry["engagement"] = {
        "trend": c.trend.direction,
        "recent": c.trend.recent,
        "previous": c.trend.previous,
        "recent_posts": c.trend.recent_posts,
        "previous_posts": c.trend.previous_posts,
        "days": c.trend.days,
        "snapshot": c.trend.snapshot,
    }
    return entry


HEADER = "# Written by `tidings audit`; people never edit it (schemas/audit.schema.json).\n"


def dump_audit(audit: Audit) -> str:
    data = {
        "date": audit.day.isoformat(),
        "channels": {cid: _channel_entry(audit.channels[cid]) for cid in sorted(audit.channels)},
    }
    body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    return HEADER + body


def _image(data: Any) -> Image | None:
    if not isinstance(data, Mapping):
        return None
    info = None
    if data.get("width") and data.get("height"):
        info = ImageInfo(str(data.get("format") or "PNG"), data["width"], data["height"], 0, "RGB")
    return Image(str(data.get("url") or ""), info, data.get("problem"))


def parse_audit(text: str, path: str = "") -> Audit:
    """An audit file back as an :class:`Audit`; raises MetricsError naming ``path``."""
    from tidings.workspace.validation import validator

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise MetricsError(f"{path}: not YAML ({exc})", "restore it from git history") from exc
    errors = sorted(validator("audit").iter_errors(data), key=lambda e: list(e.path))
    if errors:
        where = "/".join(str(p) for p in errors[0].path) or "(top)"
        raise MetricsError(
            f"{path}: {where}: {errors[0].message}",
            "audits are written by `tidings audit`; restore it from git history",
        )
    channels: dict[str, ChannelAudit] = {}
    for cid, c in data["channels"].items():
        p = c.get("profile")
        profile = None
        if p is not None:
            profile = Profile(
                p.get("display_name"),
                p.get("bio"),
                tuple(p.get("links") or ()),
                _image(p.get("avatar")),
                _image(p.get("banner")),
                p.get("verified"),
                p.get("locked"),
                p.get("url"),
                tuple(p.get("not_exposed") or ()),
            )
        cad, eng = c["cadence"], c["engagement"]
        channels[cid] = ChannelAudit(
            cid,
            c["platform"],
            c["state"],
            Cadence(
                cad["days"],
                cad["published"],
                cad["per_week"],
                cad["target_per_week"],
                cad["status"],
            ),
            Trend(
                eng["trend"],
                eng["recent"],
                eng["previous"],
                eng["recent_posts"],
                eng["previous_posts"],
                eng["days"],
                eng.get("snapshot"),
            ),
            date.fromisoformat(c["last_post"]) if c.get("last_post") else None,
            bool(c.get("inactive")),
            profile,
            tuple(
                Finding(f["field"], f["kind"], f["message"], f.get("expected"), f.get("found"))
                for f in c.get("findings") or ()
            ),
            c.get("error"),
            _instant(c.get("read_at")),
            _instant(c.get("failed_at")),
        )
    return Audit(date.fromisoformat(str(data["date"])), channels)


def _instant(value: Any) -> datetime | None:
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def keep_earlier(new: Audit, old: Audit | None, now: datetime) -> Audit:
    """``new`` as a rerun of the day's ``old`` audit writes it: a channel whose profile reads
    as it did keeps its first ``read_at`` (so nothing changes); a channel this run failed to
    read keeps the day's good reading (profile and findings, with the new cadence and trend),
    marked ``failed_at`` (the first failure after it) with the new error."""
    if old is None or old.day != new.day:
        return new
    channels = dict(new.channels)
    for cid, c in new.channels.items():
        before = old.channels.get(cid)
        if before is None or before.profile is None or before.platform != c.platform:
            continue
        if c.state == "failed":
            channels[cid] = replace(
                c,
                state=before.state,
                profile=before.profile,
                findings=before.findings,
                read_at=before.read_at,
                failed_at=before.failed_at or now,
            )
        elif c.state == "ok" and _channel_entry(
            replace(c, read_at=before.read_at)
        ) == _channel_entry(before):
            channels[cid] = before
    return Audit(new.day, channels)


def audit_files(root: Path) -> list[str]:
    """Repository-relative paths of every audit, oldest first."""
    folder = root / AUDITS
    if not folder.is_dir():
        return []
    return sorted(f"{AUDITS}/{p.name}" for p in folder.glob("*.yaml"))


def load_audits(root: Path, last: int | None = None) -> list[Audit]:
    """The audits under ``metrics/audits/``, oldest first (``last``: only the newest so many)."""
    files = audit_files(root)
    if last is not None:
        files = files[-last:]
    return [parse_audit((root / rel).read_text(encoding="utf-8"), rel) for rel in files]


def channel_audit(
    ws: Workspace,
    cid: str,
    platform: str,
    state: str,
    now: datetime,
    snapshot: Snapshot | None,
    last: Mapping[str, datetime],
    profile: Profile | None = None,
    error: str | None = None,
    own: Mapping[Kind, OwnImage] | None = None,
) -> ChannelAudit:
    """One channel's audit: the profile's findings (when it was read), cadence, last post,
    inactivity and trend."""
    assert ws.brand is not None
    findings = tuple(compare(profile, ws.brand, platform, own)) if profile is not None else ()
    return ChannelAudit(
        cid,
        platform,
        state,
        cadence(ws, cid, now),
        trend(ws, snapshot, cid, now),
        local_day(last.get(cid), ws.brand.timezone),
        inactive(last.get(cid), now),
        profile,
        findings,
        error,
        now if profile is not None else None,
    )


def findings_count(audits: Iterable[ChannelAudit]) -> int:
    return sum(len(c.findings) for c in audits)


def names(values: Sequence[str]) -> str:
    return ", ".join(values)
