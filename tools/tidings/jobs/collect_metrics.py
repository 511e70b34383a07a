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
   second run on the same day replaces that day's file. Commit exactly that file; with
   ``--push``, push it, fetching and rebasing when someone else pushed first.

Readers never see git or files; this module never sees HTTP.
"""

from __future__ import annotations

import importlib
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from tidings.core.platforms import PLATFORMS, is_local
from tidings.diagnostics import Severity
from tidings.errors import TidingsError
from tidings.jobs.git import Repo
from tidings.metrics.snapshots import (
    ChannelReading,
    CompetitorReading,
    MetricsError,
    PostReading,
    Snapshot,
    dump_snapshot,
    snapshot_path,
)
from tidings.platforms.base import (
    AccountCounts,
    Caller,
    Counts,
    CredentialError,
    MetricsReader,
    PlatformError,
    Remote,
)
from tidings.platforms.bluesky import DEFAULT_APPVIEW
from tidings.platforms.competitors import read_competitors
from tidings.redaction import redact
from tidings.workspace import layout
from tidings.workspace.files import write_atomic
from tidings.workspace.ledger import ChannelRecord, LedgerState
from tidings.workspace.loader import load_workspace
from tidings.workspace.model import Channel, Workspace

__all__ = ["ChannelOutcome", "Options", "Report", "collect", "published_in_window"]


@dataclass
class Options:
    now: datetime
    push: bool = False
    commit: bool = True
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    transport: httpx.BaseTransport | None = None
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.time


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
class Report:
    path: str
    snapshot: Snapshot
    channels: list[ChannelOutcome] = field(default_factory=list)
    committed: bool = False
    pushed: bool = False
    warnings: list[str] = field(default_factory=list)
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
    def __init__(self, root: Path, opts: Options) -> None:
        self.root = root
        self.opts = opts
        self.repo = Repo(root) if opts.commit or opts.push else None
        self._client: httpx.Client | None = None

    # ------------------------------------------------------------------ the run

    def run(self) -> Report:
        if self.repo is not None and not self.repo.is_repo():
            raise MetricsError(
                f"{self.root} is not a git repository, so the snapshot cannot be committed",
                "run it in a clone, or pass --no-commit to only write the file",
            )
        if self.opts.push:
            self._preflight()
        ws = self._workspace()
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
            if self._client is not None:
                self._client.close()
        snapshot = Snapshot(
            day=day,
            collected_at=now,
            window_days=ws.settings.metrics_window_days,
            channels=readings,
            path=snapshot_path(day),
            competitors=competitors,
        )
        report = Report(snapshot.path, snapshot, outcomes)
        text = dump_snapshot(snapshot)
        write_atomic(self.root / snapshot.path, text)
        self._land(report, text)
        return report

    def _workspace(self) -> Workspace:
        ws, diagnostics = load_workspace(self.root)
        shared = (layout.MARKER, layout.BRAND, layout.CHANNELS)
        errors = [
            f"{d.path}:{d.line}: {d.message}"
            for d in diagnostics
            if d.severity is Severity.ERROR and d.path in shared
        ]
        if errors or ws.brand is None:
            raise MetricsError(
                "the workspace settings have errors, so no snapshot was written:\n  "
                + "\n  ".join(errors[:10] or [f"{layout.BRAND} could not be read"]),
                "run `tidings check` and fix them",
            )
        return ws

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
        caller = Caller(self._http(), sleep=self.opts.sleep, clock=self.opts.clock, attempts=3)
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
        caller = Caller(self._http(), sleep=self.opts.sleep, clock=self.opts.clock)
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
            if isinstance(got, Counts):
                out.append(
                    PostReading(
                        job.post,
                        job.channel,
                        root.id,
                        job.published_at,
                        _own(got, job, reader.platform),
                    )
                )
            else:
                why = got.reason if got is not None else "the platform did not answer for it"
                out.append(
                    PostReading(
                        job.post,
                        job.channel,
                        root.id,
                        job.published_at,
                        None,
                        redact(why, self.opts.env),
                    )
                )
        return tuple(out)

    def _skipped(self, cid: str, platform: str, why: str) -> tuple[ChannelReading, ChannelOutcome]:
        why = redact(why, self.opts.env)
        return (
            ChannelReading(cid, platform, "skipped", error=why),
            ChannelOutcome(cid, platform, "skipped", detail=why),
        )

    def _http(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(
                transport=self.opts.transport,
                timeout=httpx.Timeout(30.0, connect=10.0),
                headers={"User-Agent": "tidings (+https://github.com/tidings)"},
            )
        return self._client

    # ------------------------------------------------------------------ git

    def _preflight(self) -> None:
        assert self.repo is not None
        dirty = self.repo.dirty()
        if dirty and all(path.startswith(layout.METRICS + "/") for path in dirty):
            # a run on this checkout wrote a snapshot and stopped before committing it
            self.repo.commit(dirty, "metrics: snapshot of an interrupted run")
            dirty = []
        if dirty:
            raise MetricsError(
                "--push needs a clean checkout, but these files have changes: "
                + ", ".join(dirty[:5]),
                "commit or stash them (CI checkouts are always clean)",
            )
        self.repo.sync()

    def _land(self, report: Report, text: str) -> None:
        if self.repo is None:
            return
        message = f"metrics: snapshot {report.snapshot.day.isoformat()} ({_summary(report)})"
        report.committed = self.repo.commit([report.path], message)
        if not (report.committed and self.opts.push):
            return
        last = ""
        for _ in range(3):
            result = self.repo.push()
            if result.landed:
                report.pushed = True
                return
            last = result.message
            if not result.conflict:
                break
            # another run pushed the same day's snapshot: ours is newer, so it replaces it
            self.repo.reset_to_remote()
            write_atomic(self.root / report.path, text)
            if not self.repo.commit([report.path], message):
                report.pushed = True  # the remote already holds exactly this file
                return
        report.push_failed = True
        report.warnings.append(
            "the snapshot was committed but could not be pushed"
            + (f" ({redact(last, self.opts.env)})" if last else "")
            + "; the next run writes the day's file again"
        )


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
    return Collector(root, replace(opts, now=opts.now.astimezone(UTC))).run()
