"""The account audit page: the latest audit (``metrics/audits/``) with the previous one
beside it, channel by channel: the state, when the profile was read (and, for a reading kept
from earlier that day, when the later run failed and why), the findings, what the
platform's API does not give (``not_exposed``), cadence, last post and trend. Text from the
platforms (bios, names, errors) is escaped."""

from __future__ import annotations

import html
from datetime import UTC, datetime
from pathlib import Path

from tidings.metrics.audit import Audit, ChannelAudit, load_audits

__all__ = ["audit_page"]


def _cell(text: str) -> str:
    return html.escape(text).replace("|", "&#124;").replace("\n", " ")


def _moment(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _read(c: ChannelAudit) -> str:
    """When the profile was read; for a kept reading, when the later run failed and why."""
    if c.read_at is None:
        return "—"
    text = _moment(c.read_at)
    if c.failed_at is not None:
        text += f"; kept: the run at {_moment(c.failed_at)} failed"
        if c.error:
            text += f" ({c.error})"
    return _cell(text)


def _summary(c: ChannelAudit | None) -> list[str]:
    if c is None:
        return ["—"] * len(ROWS)
    kept = c.failed_at is not None
    findings = "<br>".join(_cell(f.message) for f in c.findings) or (
        _cell(c.error) if c.error and not kept else "none"
    )
    hidden = c.profile.not_exposed if c.profile is not None else ()
    not_given = _cell(", ".join(hidden)) if hidden else "—"
    target = c.cadence.target_per_week
    cadence = f"{c.cadence.per_week:g}" + (f" of {target}" if target is not None else "")
    cadence += f" ({c.cadence.status})"
    last = c.last_post.isoformat() if c.last_post else "never"
    if c.inactive:
        last += " — inactive"
    trend = c.trend.direction
    if c.trend.recent is not None and c.trend.previous is not None:
        trend += f" ({c.trend.previous:g} → {c.trend.recent:g} per post)"
    return [
        _cell(c.state),
        _read(c),
        findings,
        not_given,
        _cell(cadence),
        _cell(last),
        _cell(trend),
    ]


ROWS = (
    "profile",
    "read",
    "findings",
    "not given by the API",
    "posts per week",
    "last post",
    "engagement",
)


def audit_page(root: Path) -> str:
    audits = load_audits(root, last=2)
    lines = ["# Account audit", ""]
    if not audits:
        lines.append("No audit yet: `tidings audit` (the audit workflow) writes one.")
        return "\n".join(lines) + "\n"
    latest: Audit = audits[-1]
    previous: Audit | None = audits[-2] if len(audits) > 1 else None
    then = previous.day.isoformat() if previous else "no earlier audit"
    lines += [
        f"The latest audit, {latest.day.isoformat()}, beside the one before ({then}). "
        "Profiles are compared with brand.yaml's `profile`; cadence counts the last 90 days "
        "of the ledger; the trend compares the average engagement of the last 30 days' posts "
        "with the 30 days before.",
        "",
    ]
    for cid, channel in latest.channels.items():
        before = previous.channels.get(cid) if previous else None
        lines += [f"## {_cell(cid)} ({_cell(channel.platform)})", ""]
        lines += [f"| | {latest.day.isoformat()} | {then} |", "|---|---|---|"]
        for name, now, old in zip(ROWS, _summary(channel), _summary(before), strict=True):
            lines.append(f"| {name} | {now} | {old} |")
        lines.append("")
    return "\n".join(lines) + "\n"
