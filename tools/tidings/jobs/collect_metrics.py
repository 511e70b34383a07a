"""`tidings metrics`: read what the platforms report and commit it as today's snapshot.

1. With ``--push``, bring the checkout up to date first (as the publisher does).
2. Take every (post, channel) the ledger holds as ``published`` with a ``published_at`` in
   the window (``metrics.window_days`` in ``tidings.yaml``, default 90 days) and every
   network channel of ``brand/channels.yaml``.
3. Ask each channel's platform, in as few requests as its API allows (Mastodon 20 statuses
   a request, Bluesky 25 posts), through a :class:`~tidings.platforms.base.MetricsReader`.
   A platform that fails marks only its own channel ``failed`` with the (redacted) error;
   a channel without credentials, or on a platform without metrics support, is ``skipped``.
4. Write ``metrics/YYYY/MM/<date>.json`` (the date in the brand's timezone) atomically: a
   second run on the same day replaces that day's file, but keeps the earlier run's good
   readings of what it failed to read (marked ``read_at`` / ``failed_at``,
   :func:`~tidings.metrics.snapshots.keep_readings`). Commit exactly that file; with
   ``--push``, push it, fetching and rebasing when someone else pushed first.

Readers never see git or files; this module never sees HTTP.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tidings.core.platforms import PLATFORMS, is_local
from tidings.errors import CredentialError, PlatformError, TidingsError
from tidings.jobs.run import Options, Records, Run, RunReport, settings_workspace
from tidings.metrics.counts import AccountCounts, Counts
from tidings.metrics.snapshots import (
    ChannelReading,
    CompetitorReading,
    MetricsError,
    PostReading,
    Snapshot,
    dump_snapshot,
    keep_readings,
    parse_snapshot,
    snapshot_path,
)
from tidings.platforms.base import MetricsReader, Remote
from tidings.platforms.bluesky import DEFAULT_APPVIEW
from tidings.platforms.competitors import read_competitors
from tidings.redaction import redact
from tidings.workspace import layout
from tidings.workspace.files import write_atomic
from tidings.workspace.ledger import ChannelRecord, LedgerState
from tidings.workspace.model import Channel, Workspace

__all__ = ["ChannelOutcome", "Options", "Report", "collect", "published_in_window"]


SNAPSHOT = Records(layout.METRICS, MetricsError, "the snapshot", "the file")


@dataclass(frozen=True)
class ChannelOutcome:
    """One line of the summary: what happened to one channel, and how many requests it took."""

    channel: str
    platform: str
    state: str
    posts: int = 0
    unavailable: int = 0
    followers: int | None = None
    requests: int = 0
    detail: str = ""


@dataclass
class Report(RunReport):
    path: str
    snapshot: Snapshot
    channels: list[ChannelOutcome] = field(default_factory=list)
    committed: bool = False
    pushed: bool = False
    push_failed: bool = False

    @property
    def ok(self) -> bool:
        return not self.push_failed and all(c.state != "failed" for c in self.channels)


@dataclass(frozen=True)
class Published:
    """A published (post, channel) in the window, as the ledger records it."""

    post: str
    channel: str
    parts: tuple[Remote, ...]
    published_at: datetime


def published_in_window(ws: Workspace, now: datetime) -> dict[str, list[Published]]:
    """Per channel id, the published posts with ``now - window <= published_at <= now``."""
    since = now - timedelta(days=ws.settings.metrics_window_days)
    found: dict[str, list[Published]] = {}
    for pid in sorted(ws.ledger):
        entry = ws.ledger[pid]
        for cid in sorted(entry.channels):
            rec: ChannelRecord = entry.channels[cid]
            if rec.state is not LedgerState.PUBLISHED or not rec.parts or rec.published_at is None:
                continue
            if not since <= rec.published_at <= now:
                continue
            parts = tuple(Remote(p.id, p.url, p.cid) for p in rec.parts)
            found.setdefault(cid, []).append(Published(pid, cid, parts, rec.published_at))
    return found


class Collector:
    def __init__(self, run: Run) -> None:
        self.job = run
        self.root = run.root
        self.opts = run.opts

    # ------------------------------------------------------------------ the run

    def run(self) -> Report:
        self.job.start(SNAPSHOT, "metrics: snapshot of an interrupted run")
        ws = self._workspace()
        self.job.keep_secrets(ws.channels.values())
        assert ws.brand is not None
        now = self.opts.now
        day = now.astimezone(ws.brand.timezone).date()
        jobs = published_in_window(ws, now)
        readings: dict[str, ChannelReading] = {}
        outcomes: list[ChannelOutcome] = []
        try:
            for cid in sorted(set(ws.channels) | set(jobs)):
                channel = ws.channels.get(cid)
                if channel is not None and is_local(channel.platform):
                    continue  # outbox and feed have no one to ask
                reading, outcome = self._read(cid, channel, jobs.get(cid, []))
                readings[cid] = reading
                outcomes.append(outcome)
            competitors = self._competitors(ws)
        finally:
            self.job.close()
        snapshot = Snapshot(
            day=day,
            collected_at=now,
            window_days=ws.settings.metrics_window_days,
            channels=readings,
            path=snapshot_path(day),
            competitors=competitors,
        )
        report = Report(snapshot.path, snapshot, outcomes)
        report.snapshot = self._write(report, snapshot)
        self._land(report, snapshot)
        return report

    def _write(self, report: Report, snapshot: Snapshot) -> Snapshot:
        """Write ``snapshot`` over the day's file, keeping the good readings the file holds
        that this run could not make (a failed run never overwrites readings)."""
        path = self.root / snapshot.path
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            text = None
        if text is not None:
            try:
                snapshot = keep_readings(snapshot, parse_snapshot(text, snapshot.path))
            except MetricsError as exc:
                report.warnings.append(f"{exc.message}; it is replaced by this run's snapshot")
        write_atomic(path, dump_snapshot(snapshot))
        return snapshot

    def _workspace(self) -> Workspace:
        return settings_workspace(self.root, MetricsError, "no snapshot was written")

    # ------------------------------------------------------------------ competitors

    def _competitors(self, ws: Workspace) -> tuple[CompetitorReading, ...]:
        """The public accounts of brand/competitors.yaml, read without credentials (through
        the brand's own AppView if its Bluesky channel names one). An account that cannot
        be read is marked ``failed`` in the snapshot; it does not fail the run."""
        if not ws.competitors:
            return ()
        appview = DEFAULT_APPVIEW
        for channel in ws.channels.values():
            var = channel.credentials.get("appview") if channel.platform == "bluesky" else None
            if var and self.opts.env.get(var):
                appview = self.opts.env[var]
                break
        caller = self.job.caller(attempts=3)
        return read_competitors(ws.competitors, caller, self.opts.now, appview)

    # ------------------------------------------------------------------ one channel

    def _read(
        self, cid: str, channel: Channel | None, jobs: Sequence[Published]
    ) -> tuple[ChannelReading, ChannelOutcome]:
        if channel is None:
            why = f"no channel {cid!r} in {layout.CHANNELS} any more"
            return self._skipped(cid, "unknown", why)
        row = PLATFORMS.get(channel.platform)
        module = importlib.import_module(row.adapter) if row else None
        connect = getattr(module, "metrics_reader", None)
        if connect is None:
            return self._skipped(
                cid,
                channel.platform,
                f"reading metrics from {channel.platform} is not supported yet",
            )
        caller = self.job.caller()
        try:
            reader: MetricsReader = connect(channel, self.opts.env, caller)
        except CredentialError as exc:
            return self._skipped(cid, channel.platform, exc.message)
        posts: tuple[PostReading, ...] = ()
        account: AccountCounts | None = None
        error: str | None = None
        try:
            posts = self._posts(reader, jobs)
            account = reader.account_metrics()
        except PlatformError as exc:
            error = redact(exc.message, self.opts.env)
        state = "failed" if error else "ok"
        reading = ChannelReading(cid, channel.platform, state, account, posts, error)
        outcome = ChannelOutcome(
            cid,
            channel.platform,
            state,
            posts=sum(p.counts is not None for p in posts),
            unavailable=sum(p.counts is None for p in posts),
            followers=reading.followers,
            requests=caller.requests,
            detail=error or "",
        )
        return reading, outcome

    def _posts(self, reader: MetricsReader, jobs: Sequence[Published]) -> tuple[PostReading, ...]:
        if not jobs:
            return ()
        found = reader.post_metrics([job.parts[0] for job in jobs])
        out = []
        for job in jobs:
            root = job.parts[0]
            got = found.get(root.id)
            counts, why = None, None
            if isinstance(got, Counts):
                counts = _own(got, job, reader.platform)
            else:
                why = got.reason if got is not None else "the platform did not answer for it"
                why = redact(why, self.opts.env)
            out.append(PostReading(job.post, job.channel, root.id, job.published_at, counts, why))
        return tuple(out)

    def _skipped(self, cid: str, platform: str, why: str) -> tuple[ChannelReading, ChannelOutcome]:
        why = redact(why, self.opts.env)
        return (
            ChannelReading(cid, platform, "skipped", error=why),
            ChannelOutcome(cid, platform, "skipped", detail=why),
        )

    # ------------------------------------------------------------------ git

    def _land(self, report: Report, snapshot: Snapshot) -> None:
        message = f"metrics: snapshot {report.snapshot.day.isoformat()} ({_summary(report)})"
        # another run pushed the same day's snapshot: ours is newer, so it replaces it,
        # keeping that run's good readings of what ours failed to read
        landing = self.job.land(
            [report.path], message, rewrite=lambda: self._rewrite(report, snapshot)
        )
        report.committed, report.pushed = landing.committed, landing.pushed
        if not (landing.committed and self.opts.push) or landing.pushed:
            return
        last = landing.problem
        report.push_failed = True
        report.warnings.append(
            "the snapshot was committed but could not be pushed"
            + (f" ({redact(last, self.opts.env)})" if last else "")
            + "; the next run writes the day's file again"
        )

    def _rewrite(self, report: Report, snapshot: Snapshot) -> None:
        report.snapshot = self._write(report, snapshot)


def _own(counts: Counts, job: Published, platform: str) -> Counts:
    """Leave the thread's own parts out of its first part's replies: the second part replies
    to it, and where later parts are comments (the row's ``comment_threads``) all of them do."""
    if len(job.parts) < 2 or counts.replies is None:
        return counts
    row = PLATFORMS.get(platform)
    own = len(job.parts) - 1 if row is not None and row.comment_threads else 1
    return counts._replace(replies=max(0, counts.replies - own))


def _summary(report: Report) -> str:
    states: dict[str, int] = {}
    for outcome in report.channels:
        states[outcome.state] = states.get(outcome.state, 0) + 1
    posts = sum(o.posts for o in report.channels)
    parts = [f"{posts} post reading(s)"] + [f"{n} {s}" for s, n in sorted(states.items())]
    return ", ".join(parts)


def collect(root: Path, opts: Options) -> Report:
    """Collect today's snapshot; see the module docstring. Raises TidingsError for a
    workspace or repository that cannot be used; platform failures are in the report."""
    if opts.now.tzinfo is None:
        raise TidingsError("internal: collect() needs an aware `now`")
    with Run(root, replace(opts, now=opts.now.astimezone(UTC))) as run:
        return Collector(run).run()
