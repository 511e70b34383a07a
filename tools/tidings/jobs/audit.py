"""`tidings audit`: each channel's public profile, cadence and trend, committed as a dated file.

1. With ``--push``, bring the checkout up to date first (as metrics does).
2. For every channel of ``brand/channels.yaml``: read the account's public profile through
   its platform's ``profile_reader`` (found through the platform table's adapter module)
   and compare it with brand.yaml's ``profile`` and the platform's profile spec
   (:func:`tidings.metrics.audit.compare`); count its posts over the last 90 days in the
   ledger against ``cadence``; note its last post (inactive after 30 days without one); and
   read its engagement trend from the latest metrics snapshot.
   The live avatar and banner are also compared with the brand's own pictures in
   ``brand/profiles/`` (a difference hash: the same picture re-encoded and resized matches).
3. Merge with the day's earlier audit (:func:`tidings.metrics.audit.keep_earlier`): a
   profile that reads the same keeps its ``read_at``; one this run failed to read keeps the
   earlier good reading, marked ``failed_at``.
4. Write ``metrics/audits/YYYY-MM-DD.yaml`` (the day in the brand's timezone) only when it
   differs from the file already there: a second run the same day that finds the same
   writes nothing and commits nothing. Commit exactly that file; with ``--push``, push it.

A platform that fails marks only its own channel ``failed`` with the redacted error; a
channel without credentials, a local channel, or one on a platform without a profile reader
is ``skipped`` (its cadence and trend are still audited). Readers never see git or files;
this module never sees HTTP.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field, replace
from datetime import UTC
from pathlib import Path

from tidings.core.platforms import PLATFORMS, is_local
from tidings.errors import CredentialError, MetricsError, PlatformError, TidingsError
from tidings.jobs.run import Options, Records, Run, RunReport, settings_workspace
from tidings.metrics.audit import (
    Audit,
    ChannelAudit,
    audit_path,
    brand_images,
    channel_audit,
    dump_audit,
    keep_earlier,
    last_posts,
    parse_audit,
)
from tidings.metrics.snapshots import Snapshot, iter_snapshots
from tidings.platforms.base import Profile, ProfileReader
from tidings.redaction import redact
from tidings.workspace import layout
from tidings.workspace.files import write_atomic
from tidings.workspace.model import Channel, Workspace

__all__ = ["Options", "Report", "audit"]

AUDIT = Records(layout.METRICS, MetricsError, "the audit", "the file")


@dataclass
class Report(RunReport):
    audit: Audit | None = None
    path: str = ""
    written: bool = False
    committed: bool = False
    pushed: bool = False
    push_failed: bool = False
    failed: list[str] = field(default_factory=list)
    """The channels this run failed to read (a kept earlier reading still counts)."""

    @property
    def ok(self) -> bool:
        return not self.push_failed and not self.failed


class Auditor:
    def __init__(self, run: Run) -> None:
        self.job = run
        self.root = run.root
        self.opts = run.opts

    def run(self) -> Report:
        self.job.start(AUDIT, "audit: file of an interrupted run")
        ws = self._workspace()
        self.job.keep_secrets(ws.channels.values())
        assert ws.brand is not None
        now = self.opts.now
        day = now.astimezone(ws.brand.timezone).date()
        snapshot = _latest(self.root, day.isoformat())
        last = last_posts(ws)
        own = brand_images(self.root)
        channels: dict[str, ChannelAudit] = {}
        try:
            for cid in sorted(ws.channels):
                channel = ws.channels[cid]
                state, profile, error = self._profile(channel)
                channels[cid] = channel_audit(
                    ws, cid, channel.platform, state, now, snapshot, last, profile, error, own
                )
        finally:
            self.job.close()
        path = audit_path(day)
        target = self.root / path
        try:
            before = target.read_text(encoding="utf-8")
        except FileNotFoundError:
            before = None
        earlier, notes = None, []
        if before is not None:
            try:
                earlier = parse_audit(before, path)
            except MetricsError as exc:
                notes.append(f"{exc.message}: the day's earlier audit is replaced")
        failed = sorted(cid for cid, c in channels.items() if c.state == "failed")
        result = keep_earlier(Audit(day, channels), earlier, now)
        report = Report(audit=result, path=path, failed=failed, warnings=notes)
        text = dump_audit(result)
        if before == text:
            return report  # the same findings as this morning's run: nothing to write
        write_atomic(target, text)
        report.written = True
        if self.opts.commit:
            self._land(report, text)
        return report

    def _profile(self, channel: Channel) -> tuple[str, Profile | None, str | None]:
        if is_local(channel.platform):
            return "skipped", None, "a local channel has no public profile"
        row = PLATFORMS.get(channel.platform)
        module = importlib.import_module(row.adapter) if row else None
        connect = getattr(module, "profile_reader", None)
        if connect is None:
            return "skipped", None, f"reading {channel.platform} profiles is not supported yet"
        try:
            reader: ProfileReader = connect(channel, self.opts.env, self.job.caller())
        except CredentialError as exc:
            return "skipped", None, redact(exc.message, self.opts.env)
        try:
            return "ok", reader.read_profile(), None
        except PlatformError as exc:
            return "failed", None, redact(exc.message, self.opts.env)

    def _workspace(self) -> Workspace:
        return settings_workspace(self.root, MetricsError, "no audit was written")

    def _land(self, report: Report, text: str) -> None:
        assert report.audit is not None
        found = sum(len(c.findings) for c in report.audit.channels.values())
        message = f"audit: {report.audit.day.isoformat()} ({found} finding(s))"
        landing = self.job.land(
            [report.path], message, rewrite=lambda: write_atomic(self.root / report.path, text)
        )
        report.committed, report.pushed = landing.committed, landing.pushed
        if landing.committed and self.opts.push and not landing.pushed:
            report.push_failed = True
            report.warnings.append(
                "the audit was committed but could not be pushed"
                + (f" ({redact(landing.problem, self.opts.env)})" if landing.problem else "")
            )


def _latest(root: Path, day: str) -> Snapshot | None:
    """The newest metrics snapshot up to ``day`` (None without one)."""
    latest = None
    for snapshot in iter_snapshots(root, raw=False):
        if snapshot.day.isoformat() <= day:
            latest = snapshot
    return latest


def audit(root: Path, opts: Options) -> Report:
    """Audit every channel; see the module docstring. Raises TidingsError for a workspace
    or repository that cannot be used; platform failures are in the report."""
    if opts.now.tzinfo is None:
        raise TidingsError("internal: audit() needs an aware `now`")
    with Run(root, replace(opts, now=opts.now.astimezone(UTC))) as run:
        return Auditor(run).run()
